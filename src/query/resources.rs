//! Page bundle resources: each article's, batched by article id, and the
//! one a request path names (for serving its file).

use std::collections::HashMap;

use entity::{article, article_resource};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::articles::Visibility;

pub use article_resource::Model as Resource;

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
        out.entry(row.article_id).or_default().push(row);
    }
    Ok(out)
}

/// A resource a request path names, with the content file of the article
/// it belongs to (its folder holds the file): the article at one of
/// `candidates` (`(page path, resource path)` splits of the request path)
/// that `vis` sees and whose bundle has that file. The longest page path wins.
pub async fn at_path(
    db: &DatabaseConnection,
    vis: Visibility,
    candidates: &[(String, String)],
) -> Result<Option<(String, Resource)>, DbErr> {
    for (page, file) in candidates {
        let found = article_resource::Entity::find()
            .find_also_related(article::Entity)
            .filter(article::Column::Path.eq(page.as_str()))
            .filter(article_resource::Column::Path.eq(file.as_str()))
            .filter(vis.condition())
            .one(db)
            .await?;
        if let Some((resource, Some(article))) = found {
            return Ok(Some((article.source_path, resource)));
        }
    }
    Ok(None)
}
