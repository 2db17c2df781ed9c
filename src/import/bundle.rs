//! Page bundles: the files beside a leaf bundle's `index.md` (in its
//! subfolders too) are the page's resources, and those beside a branch
//! bundle's `_index.md` (not in its subfolders) the section's, named,
//! titled and given params by front matter `resources` rules as Hugo does.
//! Content files beside them (Hugo's page resources, which have no URL) are
//! not among them, nor are hidden files or symlinks (a symlink could point
//! out of the content folder).

use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::store::NewResource;

/// Whether `path` is a leaf bundle's content file: `index.md`, `index.fr.md`.
pub fn is_leaf_index(path: &Path) -> bool {
    crate::site::is_leaf_bundle_index(path)
}

/// The files of the leaf bundle in `dir` with `fields`' `resources` rules
/// applied, in Hugo's order (by name), and a digest of their names, sizes
/// and modification times, so a changed file changes the page's hash.
pub fn leaf_resources(dir: &Path, fields: &Map<String, Value>) -> Result<(Vec<NewResource>, Vec<u8>), String> {
    resources(dir, fields, usize::MAX)
}

/// The files of the branch bundle (an `_index` file's folder) in `dir`:
/// those directly in it only, as in Hugo; see [`leaf_resources`].
pub fn branch_resources(dir: &Path, fields: &Map<String, Value>) -> Result<Vec<NewResource>, String> {
    resources(dir, fields, 1).map(|(found, _)| found)
}

fn resources(dir: &Path, fields: &Map<String, Value>, depth: usize) -> Result<(Vec<NewResource>, Vec<u8>), String> {
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .max_depth(depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    let mut digest = Sha256::new();
    for entry in walker {
        let entry = entry.map_err(|e| e.to_string())?;
        // Symlinks are never resources: walkdir does not follow them, and
        // their type is not a file's.
        if !entry.file_type().is_file() || super::walk::has_content_extension(entry.path()) {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let meta = entry.metadata().map_err(|e| format!("{rel}: {e}"))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        digest.update(rel.as_bytes());
        digest.update([0]);
        digest.update(meta.len().to_le_bytes());
        digest.update(mtime.to_le_bytes());
        let media_type = mime_guess::from_path(entry.path())
            .first()
            .map_or_else(|| "application/octet-stream".to_owned(), |m| m.essence_str().to_owned());
        // Only the header is read; a file that is not the image its name
        // says has no size, as Hugo would fail to decode it.
        let (width, height) = if media_type.starts_with("image/") {
            match imagesize::size(entry.path()) {
                Ok(s) => (i32::try_from(s.width).ok(), i32::try_from(s.height).ok()),
                Err(_) => (None, None),
            }
        } else {
            (None, None)
        };
        found.push(NewResource {
            name: rel.clone(),
            title: rel.clone(),
            path: rel,
            media_type,
            size: i64::try_from(meta.len()).unwrap_or(i64::MAX),
            width,
            height,
            params: Map::new(),
        });
    }
    // Rules count (`:counter`) in path order; the list is in name order,
    // as hugo 0.111.3 sorts a page's resources.
    found.sort_by(|a, b| a.path.cmp(&b.path));
    apply_rules(&mut found, fields.get("resources"));
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((found, digest.finalize().to_vec()))
}

/// Hugo's `AssignMetadata`: for each resource, the rules whose `src` glob
/// matches its path (case-insensitively), in order; the first to set a
/// `name` names it and the first to set a `title` titles it; `params` merge
/// key by key, the first to set a key winning. `:counter` counts, per rule
/// `src`, the resources it named (or titled) so far, from 1. A resource a
/// rule names but none titles keeps its path as its title (hugo 0.111.3).
fn apply_rules(resources: &mut [NewResource], rules: Option<&Value>) {
    let Some(Value::Array(rules)) = rules else { return };
    let rules: Vec<&Map<String, Value>> = rules.iter().filter_map(Value::as_object).collect();
    let mut counters: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in resources.iter_mut() {
        let key = r.path.to_lowercase();
        let (mut name_set, mut title_set) = (false, false);
        let (mut name_counter, mut title_counter) = (0, 0);
        for rule in &rules {
            let Some(src) = rule.get("src").and_then(text) else {
                continue;
            };
            let src = src.to_lowercase();
            if !glob_match(&src, &key) {
                continue;
            }
            if !name_set {
                if let Some(name) = rule.get("name").and_then(text) {
                    if name.contains(":counter") && name_counter == 0 {
                        let c = counters.entry(format!("name_{src}")).or_insert(0);
                        *c += 1;
                        name_counter = *c;
                    }
                    r.name = name.replace(":counter", &name_counter.to_string());
                    name_set = true;
                }
            }
            if !title_set {
                if let Some(title) = rule.get("title").and_then(text) {
                    if title.contains(":counter") && title_counter == 0 {
                        let c = counters.entry(format!("title_{src}")).or_insert(0);
                        *c += 1;
                        title_counter = *c;
                    }
                    r.title = title.replace(":counter", &title_counter.to_string());
                    title_set = true;
                }
            }
            if let Some(Value::Object(params)) = rule.get("params") {
                for (k, v) in params {
                    // Hugo lower-cases param keys.
                    r.params.entry(k.to_lowercase()).or_insert_with(|| v.clone());
                }
            }
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A glob as Hugo's (gobwas/glob with `/` as the separator) matches it:
/// `*` any run within a path segment, `**` any run across them, `?` one
/// character but `/`, `[abc]`/`[!abc]`/`[a-z]` one of a class, `{a,b}`
/// either alternative.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches_at(&p, &t)
}

fn matches_at(p: &[char], t: &[char]) -> bool {
    let Some((&first, rest)) = p.split_first() else {
        return t.is_empty();
    };
    match first {
        '*' => {
            let cross = rest.first() == Some(&'*');
            let rest = if cross { &rest[1..] } else { rest };
            (0..=t.len())
                .take_while(|&i| cross || i == 0 || t[i - 1] != '/')
                .any(|i| matches_at(rest, &t[i..]))
        }
        '?' => t.first().is_some_and(|&c| c != '/') && matches_at(rest, &t[1..]),
        '[' => {
            let Some(close) = rest.iter().position(|&c| c == ']') else {
                return t.first() == Some(&'[') && matches_at(rest, &t[1..]);
            };
            let (class, after) = (&rest[..close], &rest[close + 1..]);
            let Some(&c) = t.first() else { return false };
            let (negated, class) = match class.split_first() {
                Some(('!', tail)) => (true, tail),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negated && c != '/' && matches_at(after, &t[1..])
        }
        '{' => {
            let Some(close) = rest.iter().position(|&c| c == '}') else {
                return t.first() == Some(&'{') && matches_at(rest, &t[1..]);
            };
            let after = &rest[close + 1..];
            rest[..close].split(|&c| c == ',').any(|alt| {
                let mut joined = alt.to_vec();
                joined.extend_from_slice(after);
                matches_at(&joined, t)
            })
        }
        '\\' if !rest.is_empty() => t.first() == Some(&rest[0]) && matches_at(&rest[1..], &t[1..]),
        c => t.first() == Some(&c) && matches_at(rest, &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_hugos_do() {
        assert!(glob_match("images/*.png", "images/a.png"));
        assert!(!glob_match("images/*.png", "images/sub/a.png"));
        assert!(glob_match("**.pdf", "guide.pdf"));
        assert!(glob_match("**.pdf", "docs/guide.pdf"));
        assert!(glob_match("*", "cover.png"));
        assert!(!glob_match("*", "images/a.png"));
        assert!(glob_match("**", "images/a.png"));
        assert!(glob_match("*.{png,jpg}", "a.jpg"));
        assert!(glob_match("a?.png", "ab.png"));
        assert!(glob_match("[a-c]*.png", "b1.png"));
        assert!(!glob_match("[!a-c]*.png", "b1.png"));
        assert!(glob_match("cover.png", "cover.png"));
        assert!(!glob_match("cover.png", "xcover.png"));
    }

    fn resource(path: &str) -> NewResource {
        NewResource {
            path: path.to_owned(),
            name: path.to_owned(),
            title: path.to_owned(),
            media_type: "image/png".to_owned(),
            size: 1,
            width: None,
            height: None,
            params: Map::new(),
        }
    }

    /// What hugo 0.111.3 gave tests/sites/bundles (expected.json).
    #[test]
    fn rules_name_title_and_merge_params_first_wins() {
        let rules = serde_json::json!([
            {"src": "images/*.png", "name": "photo-:counter", "title": "Photo #:counter", "params": {"credit": "Ana"}},
            {"src": "images/sunset.png", "title": "Sunset", "params": {"credit": "Bo", "place": "Pier"}},
            {"src": "**.pdf", "title": "The guide"},
        ]);
        let mut found = vec![
            resource("cover.png"),
            resource("guide.pdf"),
            resource("images/harbour.png"),
            resource("images/sunset.png"),
        ];
        apply_rules(&mut found, Some(&rules));
        let names: Vec<(&str, &str)> = found.iter().map(|r| (r.name.as_str(), r.title.as_str())).collect();
        assert_eq!(
            names,
            [
                ("cover.png", "cover.png"),
                ("guide.pdf", "The guide"),
                ("photo-1", "Photo #1"),
                ("photo-2", "Photo #2"),
            ]
        );
        assert_eq!(
            Value::Object(found[3].params.clone()),
            serde_json::json!({"credit": "Ana", "place": "Pier"})
        );
    }
}
