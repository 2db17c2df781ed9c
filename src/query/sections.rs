//! Sections: by folder, by path, their children, and how many public
//! articles each holds.

use std::collections::HashMap;

use entity::{article, section};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::articles::{Filter, Visibility};

pub use section::Model as Section;

/// Every version of the sections in `dirs` (one per language).
pub async fn by_dirs(db: &DatabaseConnection, dirs: &[String]) -> Result<Vec<Section>, DbErr> {
    section::Entity::find()
        .filter(section::Column::Dir.is_in(dirs.iter().cloned()))
        .all(db)
        .await
}

/// Every version of every section that is rendered and listed (the
/// sections feeds and sitemaps show), by folder and language.
pub async fn listed(db: &DatabaseConnection) -> Result<Vec<Section>, DbErr> {
    section::Entity::find()
        .filter(section::Column::BuildRender.eq("always"))
        .filter(section::Column::BuildList.eq("always"))
        .order_by_asc(section::Column::Dir)
        .order_by_asc(section::Column::Lang)
        .all(db)
        .await
}

/// The section whose page path is one of `paths`, if it is rendered.
pub async fn by_path(db: &DatabaseConnection, paths: &[String]) -> Result<Option<Section>, DbErr> {
    section::Entity::find()
        .filter(section::Column::Path.is_in(paths.iter().cloned()))
        .filter(section::Column::BuildRender.eq("always"))
        .one(db)
        .await
}

/// The listed sections directly below each of `dirs` in `lang`, in Hugo's default
/// order: by weight (unset weights last), newest first, then title, then folder.
pub async fn children(db: &DatabaseConnection, dirs: &[String], lang: &str) -> Result<Vec<Section>, DbErr> {
    let mut rows = section::Entity::find()
        .filter(section::Column::ParentDir.is_in(dirs.iter().cloned()))
        .filter(section::Column::Lang.eq(lang))
        .filter(section::Column::BuildList.eq("always"))
        .order_by_asc(section::Column::Dir)
        .all(db)
        .await?;
    rows.sort_by(|a, b| {
        let weight = |s: &Section| if s.weight == 0 { i64::MAX } else { i64::from(s.weight) };
        (weight(a), std::cmp::Reverse(a.published_at), &a.title, &a.dir).cmp(&(
            weight(b),
            std::cmp::Reverse(b.published_at),
            &b.title,
            &b.dir,
        ))
    });
    Ok(rows)
}

/// How many articles `vis` lists that `filter` lets through in each section folder
/// (its own articles only; a section's total adds its descendants').
pub async fn article_counts(
    db: &DatabaseConnection,
    filter: &Filter,
    vis: Visibility,
) -> Result<HashMap<String, u64>, DbErr> {
    let backend = db.get_database_backend();
    let rows: Vec<(Option<String>, i64)> = article::Entity::find()
        .select_only()
        .column(article::Column::Section)
        .column_as(article::Column::Id.count(), "n")
        .filter(vis.listed(true))
        .filter(filter.condition(backend))
        .group_by(article::Column::Section)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(dir, n)| Some((dir?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// The total of a section at `dir` from [`article_counts`]: its own
/// articles and those of every section below it.
pub fn subtree_total(counts: &HashMap<String, u64>, dir: &str) -> u64 {
    let prefix = format!("{dir}/");
    counts
        .iter()
        .filter(|(d, _)| dir.is_empty() || d.as_str() == dir || d.starts_with(&prefix))
        .map(|(_, n)| n)
        .sum()
}
