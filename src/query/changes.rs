//! Reading the change log (see [`crate::store::changes`]) oldest first, for
//! delta sync and webhook delivery.

use entity::change_event;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Up to `limit` changes logged after id `after` (from the start when
/// `None`), oldest first.
pub async fn after<C: ConnectionTrait>(
    db: &C,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<change_event::Model>, DbErr> {
    let mut select = change_event::Entity::find();
    if let Some(after) = after {
        select = select.filter(change_event::Column::Id.gt(after));
    }
    select.order_by_asc(change_event::Column::Id).limit(limit).all(db).await
}

/// The id of the last change logged; 0 when none is.
pub async fn last_id<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let last: Option<Option<i64>> = change_event::Entity::find()
        .select_only()
        .column_as(change_event::Column::Id.max(), "max")
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// The cache keys of `event`, as logged.
pub fn keys(event: &change_event::Model) -> Vec<String> {
    serde_json::from_str(&event.keys).unwrap_or_default()
}
