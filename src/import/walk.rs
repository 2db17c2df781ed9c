//! Finds content files: `.md`, `.markdown` and `.txt`, folders walked recursively.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::ImportError;
use crate::locale::Locale;
use crate::site::{ContentFolders, Site};

const EXTENSIONS: &[&str] = &["md", "markdown", "txt"];

/// A content file and the path stored for it (relative to the folder given).
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub path: PathBuf,
    pub stored_path: String,
    /// Its path in the site, `/`-separated: below its language's content
    /// folder when the site gives languages folders of their own (Hugo's
    /// `.File.Path`), else the stored path. Sections and URLs come from it.
    pub site_path: String,
    /// The language of the content folder it is in, when it is in one.
    pub folder_lang: Option<Locale>,
}

/// A language's own content folder (`[languages.fr] contentDir`, or a
/// module mount's source), relative to the folder imported (`/`-separated,
/// empty for that folder itself).
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageDir {
    pub folder: String,
    pub lang: Locale,
    /// Where in the content tree the folder's files are: empty for its
    /// root, `blog` for a mount with `target = "content/blog"`.
    pub target: String,
}

/// The language folder holding `rel` (a path below the folder imported):
/// the deepest one, as Hugo's more specific mount wins.
fn owner<'a>(dirs: &'a [LanguageDir], rel: &str) -> Option<&'a LanguageDir> {
    dirs.iter()
        .filter(|d| d.folder.is_empty() || rel == d.folder || rel.starts_with(&format!("{}/", d.folder)))
        .max_by_key(|d| d.folder.len())
}

/// A file of the folder imported at `rel`, placed in its language's folder.
fn placed(path: PathBuf, rel: String, dirs: &[LanguageDir]) -> Option<ContentFile> {
    if dirs.is_empty() {
        return Some(ContentFile {
            path,
            site_path: rel.clone(),
            stored_path: rel,
            folder_lang: None,
        });
    }
    // Hugo reads no file outside every language's content folder.
    let dir = owner(dirs, &rel)?;
    let inside = match dir.folder.is_empty() {
        true => rel.as_str(),
        false => rel[dir.folder.len()..].trim_start_matches('/'),
    };
    let site_path = match dir.target.is_empty() {
        true => inside.to_owned(),
        false => format!("{}/{inside}", dir.target),
    };
    Some(ContentFile {
        path,
        stored_path: rel,
        site_path,
        folder_lang: Some(dir.lang.clone()),
    })
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

/// Where a site's content is: the folder to import and, when its languages
/// have content folders of their own, those folders inside it.
pub struct ContentPlan {
    /// The folder to import.
    pub folder: PathBuf,
    /// The languages' folders inside it; empty when they have none of their own.
    pub language_dirs: Vec<LanguageDir>,
}

/// The content of `site` in `site_dir`: its `contentDir`, or, when a
/// language has a folder of its own, the folder holding every language's
/// (`content` for `content/en` and `content/fr`).
pub fn content_plan(site_dir: &Path, site: &Site) -> ContentPlan {
    let Some(config) = site.config() else {
        return ContentPlan {
            folder: site_dir.join("content"),
            language_dirs: Vec::new(),
        };
    };
    let dirs = site.language_content_dirs();
    if dirs.is_empty() {
        return ContentPlan {
            folder: site_dir.join(config.content_dir()),
            language_dirs: Vec::new(),
        };
    }
    let ContentFolders { common, mounts } = site.content_folders();
    let mut language_dirs = Vec::new();
    for m in &mounts {
        match Locale::parse(&m.lang) {
            Ok(lang) => language_dirs.push(LanguageDir {
                folder: m.source.clone(),
                lang,
                target: m.target.clone(),
            }),
            // Gazette keeps languages as locales: a key that is none
            // (`x-klingon`) reads no folder of its own.
            Err(e) => tracing::warn!(language = m.lang, error = %e, "the language's contentDir is not read"),
        }
    }
    // A folder several languages share is the default language's, else the
    // first's in the languages' order (hugo 0.111.3 builds it in that one only).
    let default = site.default_language().to_lowercase();
    language_dirs.sort_by_key(|d| d.lang.as_str().to_lowercase() != default);
    let mut seen = std::collections::HashSet::new();
    language_dirs.retain(|d| seen.insert((d.folder.clone(), d.target.clone())));
    ContentPlan {
        folder: common.iter().fold(site_dir.to_path_buf(), |f, p| f.join(p)),
        language_dirs,
    }
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

/// Every content file under `roots`, in path order, each once. With
/// language folders (`dirs`, relative to each root), a file takes the
/// language and site path of the folder it is in, and a file in none is
/// left out.
pub fn content_files(roots: &[PathBuf], dirs: &[LanguageDir]) -> Result<Walked, ImportError> {
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
            out.extend(placed(root.clone(), stored, dirs));
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
            let stored = || rel.to_string_lossy().replace('\\', "/");
            if entry.file_type().is_file() && has_content_extension(entry.path()) && is_list_page(entry.path()) {
                if let Some(file) = placed(entry.path().to_path_buf(), stored(), dirs) {
                    let folder = file.site_path.rsplit_once('/').map_or("", |(d, _)| d);
                    sections.insert(folder.to_owned());
                    list_pages.push(file);
                }
            }
            if entry.file_type().is_file() && is_content(entry.path()) {
                out.extend(placed(entry.path().to_path_buf(), stored(), dirs));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn site(toml: &str) -> (tempfile::TempDir, Site) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("hugo.toml"), toml).expect("write config");
        let site = Site::load(dir.path(), "production").expect("site");
        (dir, site)
    }

    fn dirs(plan: &ContentPlan) -> Vec<(&str, &str)> {
        plan.language_dirs
            .iter()
            .map(|d| (d.folder.as_str(), d.lang.as_str()))
            .collect()
    }

    #[test]
    fn a_plan_imports_the_folder_holding_every_languages_content() {
        let (dir, s) = site("[languages.en]\ncontentDir = 'content/en'\n[languages.fr]\ncontentDir = 'content/fr'\n");
        let plan = content_plan(dir.path(), &s);
        assert_eq!(plan.folder, dir.path().join("content"));
        assert_eq!(dirs(&plan), [("en", "en"), ("fr", "fr")]);
        // The default language reads the site's folder, French a folder inside it.
        let (dir, s) = site("[languages.en]\n[languages.fr]\ncontentDir = 'content/fr'\n");
        let plan = content_plan(dir.path(), &s);
        assert_eq!(plan.folder, dir.path().join("content"));
        assert_eq!(dirs(&plan), [("", "en"), ("fr", "fr")]);
        // Folders side by side: their parent, the site's folder.
        let (dir, s) = site("defaultContentLanguage = 'fr'\n[languages.en]\ncontentDir = 'english'\n[languages.fr]\ncontentDir = 'french'\n[languages.de]\ncontentDir = 'english'\n");
        let plan = content_plan(dir.path(), &s);
        assert_eq!(plan.folder, dir.path().to_path_buf());
        // hugo 0.111.3 builds english/x.md of this site as /de/x/ only: a
        // shared folder is the default language's, else the first's in
        // the languages' order.
        assert_eq!(dirs(&plan), [("french", "fr"), ("english", "de")]);
        // No language with a folder of its own: the site's contentDir alone.
        let (dir, s) = site("contentDir = 'articles'\n[languages.en]\n[languages.fr]\n");
        let plan = content_plan(dir.path(), &s);
        assert_eq!(
            (plan.folder, plan.language_dirs),
            (dir.path().join("articles"), Vec::new())
        );
    }

    #[test]
    fn content_mounts_replace_the_content_folders() {
        // hugoDocs' own form: one mount of content/en as the content.
        let (dir, s) = site("[[module.mounts]]\nsource = 'content/en'\ntarget = 'content'\n");
        let plan = content_plan(dir.path(), &s);
        assert_eq!(plan.folder, dir.path().join("content/en"));
        assert_eq!(dirs(&plan), [("", "en")]);
        let (dir, s) = site(
            "[languages.en]\n[languages.fr]\ncontentDir = 'ignored'\n\
             [[module.mounts]]\nsource = 'docs/en'\ntarget = 'content'\n\
             [[module.mounts]]\nsource = 'docs/fr'\ntarget = 'content'\nlang = 'fr'\n\
             [[module.mounts]]\nsource = 'extra'\ntarget = 'content/blog'\n\
             [[module.mounts]]\nsource = 'assets'\ntarget = 'assets'\n",
        );
        let plan = content_plan(dir.path(), &s);
        // `extra` joins the content at `blog`: the folder holding all three.
        assert_eq!(plan.folder, dir.path().to_path_buf());
        assert_eq!(dirs(&plan), [("docs/en", "en"), ("extra", "en"), ("docs/fr", "fr")]);
        assert_eq!(plan.language_dirs[1].target, "blog");
        let file = placed(dir.path().join("extra/x.md"), "extra/x.md".into(), &plan.language_dirs).expect("placed");
        assert_eq!(file.site_path, "blog/x.md");
    }

    #[test]
    fn a_file_takes_the_deepest_language_folder_it_is_in() {
        let lang = |l: &str| Locale::parse(l).expect("locale");
        let dirs = [
            LanguageDir {
                folder: String::new(),
                lang: lang("en"),
                target: String::new(),
            },
            LanguageDir {
                folder: "fr".into(),
                lang: lang("fr"),
                target: String::new(),
            },
        ];
        let file = placed("c/fr/blog/x.md".into(), "fr/blog/x.md".into(), &dirs).expect("placed");
        assert_eq!(
            (file.site_path.as_str(), file.folder_lang),
            ("blog/x.md", Some(lang("fr")))
        );
        let file = placed("c/french/x.md".into(), "french/x.md".into(), &dirs).expect("placed");
        assert_eq!(
            (file.site_path.as_str(), file.folder_lang),
            ("french/x.md", Some(lang("en")))
        );
        let only_fr = &dirs[1..];
        assert!(placed("c/stray.md".into(), "stray.md".into(), only_fr).is_none());
    }
}
