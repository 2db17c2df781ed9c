//! Translations of articles, batched by article id.

use std::collections::HashMap;

use entity::{article, translation};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

/// Every translation of each article, by locale: one statement for all ids.
pub async fn of_articles(
    db: &DatabaseConnection,
    article_ids: &[i32],
) -> Result<HashMap<i32, Vec<translation::Model>>, DbErr> {
    let mut out: HashMap<i32, Vec<translation::Model>> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(out);
    }
    let rows = translation::Entity::find()
        .filter(translation::Column::ArticleId.is_in(article_ids.iter().copied()))
        .order_by_asc(translation::Column::ArticleId)
        .order_by_asc(translation::Column::Locale)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.article_id).or_default().push(row);
    }
    Ok(out)
}

/// Translations by id, only of articles `vis` sees: one statement.
pub async fn by_ids(
    db: &DatabaseConnection,
    ids: &[i32],
    vis: super::articles::Visibility,
) -> Result<Vec<translation::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let public = article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .filter(vis.condition())
        .into_query();
    translation::Entity::find()
        .filter(translation::Column::Id.is_in(ids.iter().copied()))
        .filter(translation::Column::ArticleId.in_subquery(public))
        .all(db)
        .await
}
