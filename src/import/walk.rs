//! Finds content files: `.md`, `.markdown` and `.txt`, folders walked recursively.

use std::path::{Path, PathBuf};

use super::ImportError;

const EXTENSIONS: &[&str] = &["md", "markdown", "txt"];

/// A content file and the path stored for it (relative to the folder given).
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub path: PathBuf,
    pub stored_path: String,
}

fn is_content(path: &Path) -> bool {
    let ext_ok = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
    // Hugo's `_index.md` is a section's list page, not an article.
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    ext_ok && !name.starts_with("_index.") && !name.starts_with('.')
}

/// Every content file under `roots`, in path order, each once.
pub fn content_files(roots: &[PathBuf]) -> Result<Vec<ContentFile>, ImportError> {
    let mut out = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|source| ImportError::Io {
            path: root.clone(),
            source,
        })?;
        if meta.is_file() {
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
            if entry.file_type().is_file() && is_content(entry.path()) {
                let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                out.push(ContentFile {
                    path: entry.path().to_path_buf(),
                    stored_path: rel.to_string_lossy().replace('\\', "/"),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}
