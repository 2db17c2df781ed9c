//! Automatic persisted queries kept in the database, shared by every API
//! process on it (server state, not content: no writer lock, no change
//! notifications). Bounded: past [`MAX_STORED`] the oldest are dropped, and a
//! client whose hash was dropped sends its query once more.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

/// Most queries kept in the table.
pub const MAX_STORED: u64 = 10_000;

const TABLE: &str = "persisted_query";

/// The query registered under `hash`, if any.
pub async fn find(db: &DatabaseConnection, hash: &str) -> Result<Option<String>, DbErr> {
    let select = Query::select()
        .column("query")
        .from(TABLE)
        .and_where(Expr::col("hash").eq(hash))
        .to_owned();
    match db.query_one(&select).await? {
        Some(row) => Ok(Some(row.try_get("", "query")?)),
        None => Ok(None),
    }
}

/// Registers `query` under `hash` (a second registration changes nothing),
/// then drops the oldest beyond `max_stored`.
pub async fn register(db: &DatabaseConnection, hash: &str, query: &str, max_stored: u64) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(TABLE)
        .columns(["hash", "query", "registered_at"])
        .values_panic([hash.into(), query.into(), Utc::now().into()])
        .on_conflict(OnConflict::column("hash").do_nothing().to_owned())
        .to_owned();
    db.execute(&insert).await?;
    // The newest `max_stored` stay: older than the one at that offset go.
    let cutoff = Query::select()
        .column("registered_at")
        .from(TABLE)
        .order_by("registered_at", Order::Desc)
        .limit(1)
        .offset(max_stored)
        .to_owned();
    let prune = Query::delete()
        .from_table(TABLE)
        .and_where(Expr::col("registered_at").lte(Expr::SubQuery(None, Box::new(cutoff.into()))))
        .to_owned();
    db.execute(&prune).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn registrations_are_found_and_only_the_newest_are_kept() {
        let db = crate::query::open("sqlite::memory:").await.expect("db");
        for i in 0..5 {
            register(&db, &format!("h{i}"), &format!("{{ q{i} }}"), 3)
                .await
                .expect("register");
            // Distinct instants, so "newest" is well defined.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        register(&db, "h4", "{ other }", 3).await.expect("again");
        assert_eq!(find(&db, "h4").await.expect("find").as_deref(), Some("{ q4 }"));
        assert_eq!(find(&db, "h2").await.expect("find").as_deref(), Some("{ q2 }"));
        assert_eq!(find(&db, "h1").await.expect("find"), None);
        assert_eq!(find(&db, "h0").await.expect("find"), None);
    }
}
