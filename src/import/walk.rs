//! Finds content files: `.md`, `.markdown` and `.txt`, folders walked recursively.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::ImportError;

const EXTENSIONS: &[&str] = &["md", "markdown", "txt"];

/// A content file and the path stored for it (relative to the folder given).
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub path: PathBuf,
    pub stored_path: String,
}

pub(super) fn has_content_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn is_list_page(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.starts_with("_index.")
}

fn is_content(path: &Path) -> bool {
    // Hugo's `_index.md` is a section's list page, not an article.
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    has_content_extension(path) && !is_list_page(path) && !name.starts_with('.')
}

/// What a walk found: the articles' files, the sections' `_index` files,
/// and the folders (relative to their root, `/`-separated, `""` for the
/// root) that hold an `_index` file, which makes a nested folder a section
/// in Hugo.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<ContentFile>,
    pub list_pages: Vec<ContentFile>,
    pub sections: std::collections::HashSet<String>,
    /// Whether every root was a folder, so the walk saw the whole tree.
    pub whole_tree: bool,
    /// Every file of the tree (content or not: a bundle's image counts) by
    /// path, size and modification time, when the walk saw the whole tree.
    pub tree: Option<Tree>,
}

/// What a walk saw of the files' metadata, for telling an unchanged tree.
#[derive(Debug, Clone)]
pub struct Tree {
    /// Digest of the roots and each file's path, size and modification time.
    pub digest: String,
    /// The latest modification time of any file.
    pub newest: Option<std::time::SystemTime>,
    /// Whether every modification time is a whole second, as on a file
    /// system that keeps no finer ones.
    pub whole_seconds: bool,
}

/// Every content file under `roots`, in path order, each once.
pub fn content_files(roots: &[PathBuf]) -> Result<Walked, ImportError> {
    let mut out = Vec::new();
    let mut list_pages = Vec::new();
    let mut sections = std::collections::HashSet::new();
    let mut whole_tree = !roots.is_empty();
    let mut digest = Sha256::new();
    let mut newest = None;
    let mut whole_seconds = true;
    for root in roots {
        digest.update(root.to_string_lossy().as_bytes());
        digest.update([0]);
        let meta = std::fs::metadata(root).map_err(|source| ImportError::Io {
            path: root.clone(),
            source,
        })?;
        if meta.is_file() {
            whole_tree = false;
            let stored = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(ContentFile {
                path: root.clone(),
                stored_path: stored,
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|e| {
                let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
                ImportError::Io { path, source: e.into() }
            })?;
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if entry.file_type().is_file() {
                let meta = entry.metadata().map_err(|e| ImportError::Io {
                    path: entry.path().to_path_buf(),
                    source: e.into(),
                })?;
                let modified = meta.modified().ok();
                newest = newest.max(modified);
                let nanos = modified
                    .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                whole_seconds &= nanos % 1_000_000_000 == 0;
                digest.update(rel.to_string_lossy().as_bytes());
                digest.update([0]);
                digest.update(meta.len().to_le_bytes());
                digest.update(nanos.to_le_bytes());
            }
            if entry.file_type().is_file() && has_content_extension(entry.path()) && is_list_page(entry.path()) {
                let folder = rel.parent().map(|p| p.to_string_lossy().replace('\\', "/"));
                sections.insert(folder.unwrap_or_default());
                list_pages.push(ContentFile {
                    path: entry.path().to_path_buf(),
                    stored_path: rel.to_string_lossy().replace('\\', "/"),
                });
            }
            if entry.file_type().is_file() && is_content(entry.path()) {
                out.push(ContentFile {
                    path: entry.path().to_path_buf(),
                    stored_path: rel.to_string_lossy().replace('\\', "/"),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    drop_bundled_pages(&mut out);
    Ok(Walked {
        files: out,
        list_pages,
        sections,
        whole_tree,
        tree: whole_tree.then(|| Tree {
            digest: format!("{:x}", digest.finalize()),
            newest,
            whole_seconds,
        }),
    })
}

/// Drops content files inside a leaf bundle but its `index` files: Hugo
/// makes them the bundle's page resources, not pages (Gazette leaves them
/// out of its resources too, having no URL to serve them at).
fn drop_bundled_pages(files: &mut Vec<ContentFile>) {
    let leaves: std::collections::HashSet<PathBuf> = files
        .iter()
        .filter(|f| super::bundle::is_leaf_index(&f.path))
        .filter_map(|f| f.path.parent().map(Path::to_path_buf))
        .collect();
    if leaves.is_empty() {
        return;
    }
    files.retain(|f| {
        let own = f.path.parent();
        let is_index = super::bundle::is_leaf_index(&f.path);
        !f.path
            .ancestors()
            .skip(1)
            .any(|dir| leaves.contains(dir) && !(is_index && Some(dir) == own))
    });
}
