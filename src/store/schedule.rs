//! Scheduled publishing's writes: when an article's publish date (or expiry
//! date) passes, the change log says it was published (or unpublished) at
//! that instant. Queries need nothing of this (they compare dates with the
//! request's instant); subscriptions, webhooks and cache purges do.
//!
//! One row (`schedule_clock`) holds the instant up to which passed dates
//! are logged. A tick moves it forward with a conditional update, so of
//! several processes reaching the same instant one logs it, and a process
//! that was down logs what passed meanwhile when it starts.

use chrono::{DateTime, TimeZone, Utc};
use entity::article;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::changes::{self, ArticleState, Event};
use super::{writer::WRITER, StoreError};
use crate::live::{Change, ChangeKind};
use crate::query::articles::is_public;

const CLOCK: &str = "schedule_clock";

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The instant up to which passed dates are logged; the first call starts
/// the clock at `now` (dates that passed before are not news).
pub async fn reached(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    let start = Query::insert()
        .into_table(CLOCK)
        .columns(["id", "reached_ms"])
        .values_panic([1.into(), millis(now).into()])
        .on_conflict(OnConflict::column("id").do_nothing().to_owned())
        .to_owned();
    db.execute(&start).await?;
    let row = db
        .query_one(
            &Query::select()
                .column("reached_ms")
                .from(CLOCK)
                .and_where(Expr::col("id").eq(1))
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("schedule clock"))?;
    Ok(instant(row.try_get("", "reached_ms")?))
}

/// The first instant after `after` at which a non-draft article's publish
/// or expiry date falls: when the timer must next wake.
pub async fn next_instant(db: &DatabaseConnection, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut next: Option<DateTime<Utc>> = None;
    for column in [article::Column::PublishDate, article::Column::ExpiryDate] {
        let first: Option<Option<DateTime<Utc>>> = article::Entity::find()
            .select_only()
            .column_as(column.min(), "first")
            .filter(article::Column::Draft.eq(false))
            .filter(column.gt(after))
            .into_tuple()
            .one(db)
            .await?;
        if let Some(t) = first.flatten() {
            next = Some(next.map_or(t, |n| Ord::min(n, t)));
        }
    }
    Ok(next)
}

/// Logs every publish and expiry date in (reached, `now`] as the change it
/// makes, and moves the clock to `now`. Returns the changes to tell, or
/// nothing when the clock is already there or another process moved it
/// first (it logs them). An article a write already logged as public (or
/// not) is not logged again.
pub async fn tick(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<Change>, StoreError> {
    let from = reached(db, now).await?;
    if now <= from {
        return Ok(Vec::new());
    }
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let claimed = txn
        .execute(
            &Query::update()
                .table(CLOCK)
                .value("reached_ms", millis(now))
                .and_where(Expr::col("id").eq(1))
                .and_where(Expr::col("reached_ms").eq(millis(from)))
                .to_owned(),
        )
        .await?
        .rows_affected();
    if claimed == 0 {
        return Ok(Vec::new());
    }
    let in_window = |c: article::Column| Condition::all().add(c.gt(from)).add(c.lte(now));
    let rows = article::Entity::find()
        .filter(article::Column::Draft.eq(false))
        .filter(
            Condition::any()
                .add(in_window(article::Column::PublishDate))
                .add(in_window(article::Column::ExpiryDate)),
        )
        .all(&txn)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut listings = changes::listings(&txn, &ids).await?;
    let (mut events, mut told) = (Vec::new(), Vec::new());
    for row in rows {
        let public_now = is_public(row.draft, row.publish_date, row.expiry_date, now);
        let said = match changes::last_said_public(&txn, row.id).await? {
            Some(said) => said,
            None => is_public(row.draft, row.publish_date, row.expiry_date, from),
        };
        let (kind, at) = match (said, public_now) {
            (false, true) => (ChangeKind::Published, row.publish_date),
            (true, false) => (ChangeKind::Unpublished, row.expiry_date.unwrap_or(now)),
            _ => continue,
        };
        let change = Change {
            kind,
            article_id: row.id,
        };
        let state = ArticleState {
            id: row.id,
            slug: row.slug.clone(),
            path: row.path.clone(),
            locale: row.lang.clone(),
            listing: listings.remove(&row.id).unwrap_or_default(),
        };
        events.push(Event::of_article(change, None, &state, at));
        told.push(change);
    }
    changes::record(&txn, &events, &told).await?;
    txn.commit().await?;
    Ok(told)
}
