//! The pages `ref` and `relref` shortcodes name, found as Hugo 0.111's
//! `getPageRef` finds them: a target starting with `/` is a path under the
//! content folder; another is tried beside the page that names it, then
//! from the content folder; either may leave out `.md`, or name a bundle's
//! folder (`index.md`, `_index.md`). Failing that, a target without `/`
//! names the one page whose file is called that (none if several are).
//! Paths are the site's (`.File.Path`), looked up in the page's own
//! language as Hugo does: its `name.LANG.md` file or its language's content
//! folder first, then the file of the same path in any language.
//! Resolved when a body is rendered, so a page imported later, moved or
//! renamed is found by the next request.

use std::collections::HashMap;

use entity::{article, section, translation};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::articles::Visibility;
use crate::site::{ContentFolders, Site};

/// The content paths (relative to the content folder) `target` may name,
/// best first, as seen from the page whose file is `from`.
pub fn candidates(target: &str, from: &str) -> Vec<String> {
    let target = target.trim();
    let mut bases = Vec::new();
    match target.strip_prefix('/') {
        Some(absolute) => bases.push(absolute.to_owned()),
        None => {
            let target = target.strip_prefix("./").unwrap_or(target);
            if let Some((dir, _)) = from.rsplit_once('/') {
                bases.push(normalize(&format!("{dir}/{target}")));
            }
            bases.push(normalize(target));
        }
    }
    let mut out = Vec::new();
    for base in bases {
        let base = base.trim_end_matches('/').to_owned();
        if base.ends_with(".md") {
            out.push(base);
        } else {
            out.extend([
                format!("{base}.md"),
                format!("{base}/index.md"),
                format!("{base}/_index.md"),
                base,
            ]);
        }
    }
    out.dedup();
    out
}

/// `a/b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The stored paths a site path candidate of a page in `lang` may be read
/// from, best first: the `name.LANG.md` file beside it, then the file in
/// the language's content folder, then the file itself.
fn stored_candidates(folders: &ContentFolders, candidate: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(stem) = candidate.strip_suffix(".md").filter(|_| !lang.is_empty()) {
        out.push(format!("{stem}.{lang}.md"));
    }
    out.extend(folders.stored_paths(candidate, lang));
    out
}

/// Where a body's `ref` and `relref` targets are looked up from.
pub struct RefPage<'a> {
    /// The page's content file, relative to the import root.
    pub source_path: &'a str,
    /// The page's language (`fr`): targets name pages of that language first.
    pub lang: &'a str,
}

/// The page path of each target (fragment already taken off) that names a
/// page `vis` sees, or a section with a route, seen from `from`. Three
/// statements, and one more for targets found by file name only.
pub async fn resolve(
    db: &DatabaseConnection,
    vis: Visibility,
    site: &Site,
    from: RefPage<'_>,
    targets: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    let mut out = HashMap::new();
    if targets.is_empty() {
        return Ok(out);
    }
    let folders = site.content_folders();
    let site_from = folders.site_path_of(from.source_path);
    let per_target: Vec<(&String, Vec<String>)> = targets
        .iter()
        .map(|t| {
            let mut stored: Vec<String> = Vec::new();
            for c in candidates(t, &site_from) {
                for s in stored_candidates(&folders, &c, from.lang) {
                    if !stored.contains(&s) {
                        stored.push(s);
                    }
                }
            }
            (t, stored)
        })
        .collect();
    let all: Vec<String> = per_target.iter().flat_map(|(_, c)| c.clone()).collect();
    let mut paths: HashMap<String, String> = article::Entity::find()
        .select_only()
        .columns([article::Column::SourcePath, article::Column::Path])
        .filter(vis.condition())
        .filter(article::Column::SourcePath.is_in(all.clone()))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let translated: Vec<(String, String)> = translation::Entity::find()
        .select_only()
        .columns([translation::Column::SourcePath, translation::Column::Path])
        .inner_join(article::Entity)
        .filter(vis.condition())
        .filter(translation::Column::SourcePath.is_in(all.clone()))
        .into_tuple()
        .all(db)
        .await?;
    for (source, path) in translated {
        paths.entry(source).or_insert(path);
    }
    let sections: Vec<(Option<String>, String)> = section::Entity::find()
        .select_only()
        .columns([section::Column::SourcePath, section::Column::Path])
        .filter(section::Column::BuildRender.eq("always"))
        .filter(section::Column::SourcePath.is_in(all))
        .into_tuple()
        .all(db)
        .await?;
    for (source, path) in sections {
        if let Some(source) = source {
            paths.entry(source).or_insert(path);
        }
    }
    let mut by_name = Vec::new();
    for (target, cands) in &per_target {
        match cands.iter().find_map(|c| paths.get(c)) {
            Some(path) => {
                out.insert((*target).clone(), path.clone());
            }
            None if !target.contains('/') && !target.trim().is_empty() => by_name.push(*target),
            None => {}
        }
    }
    if by_name.is_empty() {
        return Ok(out);
    }
    let mut condition = Condition::any();
    for name in &by_name {
        let file = if name.ends_with(".md") {
            (*name).clone()
        } else {
            format!("{name}.md")
        };
        condition = condition.add(article::Column::SourcePath.ends_with(format!("/{file}")));
    }
    let found: Vec<(String, String)> = article::Entity::find()
        .select_only()
        .columns([article::Column::SourcePath, article::Column::Path])
        .filter(vis.condition())
        .filter(condition)
        .into_tuple()
        .all(db)
        .await?;
    for name in by_name {
        let file = if name.ends_with(".md") {
            name.clone()
        } else {
            format!("{name}.md")
        };
        let mut hits = found.iter().filter(|(source, _)| source.ends_with(&format!("/{file}")));
        if let (Some((_, path)), None) = (hits.next(), hits.next()) {
            out.insert(name.clone(), path.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_tried_beside_the_page_then_from_the_root() {
        assert_eq!(
            candidates("other", "news/rates.md"),
            [
                "news/other.md",
                "news/other/index.md",
                "news/other/_index.md",
                "news/other",
                "other.md",
                "other/index.md",
                "other/_index.md",
                "other"
            ]
        );
        assert_eq!(candidates("/sub/page.md", "news/rates.md"), ["sub/page.md"]);
        assert_eq!(candidates("../about.md", "news/rates.md"), ["about.md"]);
    }
}
