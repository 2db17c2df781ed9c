//! Page bundle resources: each article's and each section's, batched by
//! id, and the one a request path names (for serving its file).

use std::collections::HashMap;

use entity::{article, article_resource, section, section_resource, translation};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::articles::Visibility;

/// A bundle file's stored facts, an article's or a section's.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Relative to the bundle's folder (`images/a.png`).
    pub path: String,
    pub name: String,
    pub title: String,
    pub media_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub params: serde_json::Value,
}

impl From<article_resource::Model> for Resource {
    fn from(r: article_resource::Model) -> Self {
        Resource {
            path: r.path,
            name: r.name,
            title: r.title,
            media_type: r.media_type,
            size: r.size,
            width: r.width,
            height: r.height,
            params: r.params,
        }
    }
}

impl From<section_resource::Model> for Resource {
    fn from(r: section_resource::Model) -> Self {
        Resource {
            path: r.path,
            name: r.name,
            title: r.title,
            media_type: r.media_type,
            size: r.size,
            width: r.width,
            height: r.height,
            params: r.params,
        }
    }
}

/// Every resource of each article, in the bundle's order: one statement for all ids.
pub async fn of_articles(db: &DatabaseConnection, article_ids: &[i32]) -> Result<HashMap<i32, Vec<Resource>>, DbErr> {
    let mut out: HashMap<i32, Vec<Resource>> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(out);
    }
    let rows = article_resource::Entity::find()
        .filter(article_resource::Column::ArticleId.is_in(article_ids.iter().copied()))
        .order_by_asc(article_resource::Column::ArticleId)
        .order_by_asc(article_resource::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.article_id).or_default().push(row.into());
    }
    Ok(out)
}

/// Every resource of each section, in the bundle's order: one statement for all ids.
pub async fn of_sections(db: &DatabaseConnection, section_ids: &[i32]) -> Result<HashMap<i32, Vec<Resource>>, DbErr> {
    let mut out: HashMap<i32, Vec<Resource>> = HashMap::new();
    if section_ids.is_empty() {
        return Ok(out);
    }
    let rows = section_resource::Entity::find()
        .filter(section_resource::Column::SectionId.is_in(section_ids.iter().copied()))
        .order_by_asc(section_resource::Column::SectionId)
        .order_by_asc(section_resource::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.section_id).or_default().push(row.into());
    }
    Ok(out)
}

/// A bundle file a request path names, and whose it is.
#[derive(Debug, Clone)]
pub struct Found {
    /// The content file of the article or section it belongs to (its folder holds the file).
    pub source_path: String,
    pub resource: Resource,
    /// The cache key of what it belongs to (`article:<id>`, `section:/<dir>/`).
    pub key: String,
}

/// A resource a request path names, with the content file of the article
/// or section it belongs to (its folder holds the file): the article at one
/// of `candidates` (`(page path, resource path)` splits of the request
/// path) that `vis` sees (at its own path or a translation's: Hugo
/// publishes a bundle's files under each language's page) or the section
/// there, whose bundle has that file. The earliest candidate found wins (an
/// article before a section). Three statements, however many candidates.
pub async fn at_path(
    db: &DatabaseConnection,
    vis: Visibility,
    candidates: &[(String, String)],
) -> Result<Option<Found>, DbErr> {
    if candidates.is_empty() {
        return Ok(None);
    }
    let rank = |page: &str, file: &str| candidates.iter().position(|(p, f)| p == page && f == file);
    let pages = candidates.iter().map(|(p, _)| p.as_str());
    let files = candidates.iter().map(|(_, f)| f.as_str());
    // A translation's page path names its article.
    let translated: HashMap<i32, Vec<String>> = {
        let mut out: HashMap<i32, Vec<String>> = HashMap::new();
        let rows = translation::Entity::find()
            .filter(translation::Column::Path.is_in(pages.clone()))
            .all(db)
            .await?;
        for t in rows {
            out.entry(t.article_id).or_default().push(t.path);
        }
        out
    };
    let owners = sea_orm::Condition::any()
        .add(article::Column::Path.is_in(pages.clone()))
        .add(article::Column::Id.is_in(translated.keys().copied()));
    let mut best: Option<(usize, Found)> = None;
    for (resource, article) in article_resource::Entity::find()
        .find_also_related(article::Entity)
        .filter(owners)
        .filter(article_resource::Column::Path.is_in(files.clone()))
        .filter(vis.condition())
        .all(db)
        .await?
    {
        let Some(article) = article else { continue };
        let mut pages_of = vec![article.path.clone()];
        pages_of.extend(translated.get(&article.id).into_iter().flatten().cloned());
        let r = pages_of.iter().filter_map(|p| rank(p, &resource.path)).min();
        let found = Found {
            key: crate::publish::keys::article(article.id),
            source_path: article.source_path,
            resource: resource.into(),
        };
        consider(&mut best, r, found);
    }
    for (resource, section) in section_resource::Entity::find()
        .find_also_related(section::Entity)
        .filter(section::Column::Path.is_in(pages))
        .filter(section_resource::Column::Path.is_in(files))
        .all(db)
        .await?
    {
        let Some(section) = section else { continue };
        let Some(source_path) = section.source_path else {
            continue;
        };
        let r = rank(&section.path, &resource.path);
        let found = Found {
            key: crate::publish::keys::section(&section.dir),
            source_path,
            resource: resource.into(),
        };
        consider(&mut best, r, found);
    }
    Ok(best.map(|(_, found)| found))
}

/// Keeps `found` in `best` when it ranks before what `best` holds (an
/// article before a section at the same rank, being considered first).
fn consider(best: &mut Option<(usize, Found)>, rank: Option<usize>, found: Found) {
    if let Some(r) = rank {
        if best.as_ref().is_none_or(|(b, _)| r < *b) {
            *best = Some((r, found));
        }
    }
}
