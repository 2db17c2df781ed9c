//! Webhook delivery state: each hook's place in the change log (its cursor),
//! the lease that lets one process at a time deliver to it, and one row per
//! delivery with its attempts. Server state, not content: no writer lock and
//! no change notifications. The change log (`change_event`) is the outbox:
//! every write records its events there in its own transaction, and this
//! module only reads it.
//!
//! A hook's ordered stream holds at most one unfinished delivery (the head,
//! for the first wanted event after the cursor); the cursor moves past it
//! only once it is delivered or dead, in the same transaction. Manual
//! redeliveries are rows of their own, outside the stream. Every write here
//! is conditional on the caller still holding the hook's lease, so a process
//! that lost it (paused past its lease) changes nothing.

use std::collections::HashMap;

use super::changes;
use chrono::{DateTime, Utc};
use entity::{change_event, webhook_delivery, webhook_hook};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

/// A delivery's status, as stored.
pub mod status {
    /// Not tried yet.
    pub const PENDING: &str = "pending";
    /// The last attempt failed; another is due at `next_attempt_at`.
    pub const FAILED: &str = "failed";
    /// A 2xx answer was received.
    pub const DELIVERED: &str = "delivered";
    /// Given up after the maximum age.
    pub const DEAD: &str = "dead";
}

/// Events read from the log per statement while looking for a hook's next one.
const SCAN_BATCH: u64 = 200;

/// Registers `hook` if it is new, starting after the newest event already in
/// the log: a new hook hears of changes from now on, it does not replay
/// history. A known hook keeps its cursor. Returns whether it was new.
pub async fn register(db: &DatabaseConnection, hook: &str) -> Result<bool, DbErr> {
    let newest = Query::select()
        .expr(Expr::col(change_event::Column::Id).max())
        .from(change_event::Entity)
        .to_owned();
    let newest: Option<i64> = match db.query_one(&newest).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    let insert = Query::insert()
        .into_table(webhook_hook::Entity)
        .columns([webhook_hook::Column::Hook, webhook_hook::Column::Cursor])
        .values_panic([hook.into(), newest.unwrap_or(0).into()])
        .on_conflict(OnConflict::column(webhook_hook::Column::Hook).do_nothing().to_owned())
        .to_owned();
    Ok(db.execute(&insert).await?.rows_affected() == 1)
}

/// Claims (or renews) the lease on `hook` for `owner` until `until`, if it is
/// free, expired at `now`, or already `owner`'s. One conditional UPDATE: on
/// PostgreSQL it takes the row's lock, so of two processes claiming at once
/// only one matches.
pub async fn claim(
    db: &impl ConnectionTrait,
    hook: &str,
    owner: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let update = Query::update()
        .table(webhook_hook::Entity)
        .value(webhook_hook::Column::LeaseOwner, owner)
        .value(webhook_hook::Column::LeaseUntil, until)
        .and_where(Expr::col(webhook_hook::Column::Hook).eq(hook))
        .and_where(
            Expr::col(webhook_hook::Column::LeaseUntil)
                .is_null()
                .or(Expr::col(webhook_hook::Column::LeaseUntil).lt(now))
                .or(Expr::col(webhook_hook::Column::LeaseOwner).eq(owner)),
        )
        .to_owned();
    Ok(db.execute(&update).await?.rows_affected() == 1)
}

/// Gives up `owner`'s lease on `hook` (on a clean stop), so another process
/// need not wait for it to expire.
pub async fn release(db: &DatabaseConnection, hook: &str, owner: &str) -> Result<(), DbErr> {
    let update = Query::update()
        .table(webhook_hook::Entity)
        .value(webhook_hook::Column::LeaseOwner, Option::<String>::None)
        .value(webhook_hook::Column::LeaseUntil, Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(webhook_hook::Column::Hook).eq(hook))
        .and_where(Expr::col(webhook_hook::Column::LeaseOwner).eq(owner))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

/// Renews `owner`'s lease inside `txn`, as the first statement of every
/// write here: it fails (false) if another process holds the lease now.
async fn still_ours(txn: &impl ConnectionTrait, hook: &str, owner: &str, until: DateTime<Utc>) -> Result<bool, DbErr> {
    let update = Query::update()
        .table(webhook_hook::Entity)
        .value(webhook_hook::Column::LeaseUntil, until)
        .and_where(Expr::col(webhook_hook::Column::Hook).eq(hook))
        .and_where(Expr::col(webhook_hook::Column::LeaseOwner).eq(owner))
        .to_owned();
    Ok(txn.execute(&update).await?.rows_affected() == 1)
}

/// What a hook's deliverer should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Attempt this delivery now.
    Due(Box<Due>),
    /// Nothing is due before this instant.
    At(DateTime<Utc>),
    /// Nothing to deliver.
    Idle,
    /// Another process holds the lease.
    Lost,
}

/// A delivery due now, with its event (`None` when the log no longer has it).
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub delivery: webhook_delivery::Model,
    pub event: Option<change_event::Model>,
}

fn unfinished() -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(webhook_delivery::Column::Status.eq(status::PENDING))
        .add(webhook_delivery::Column::Status.eq(status::FAILED))
}

/// Finds `hook`'s next work for `owner` (renewing its lease until `until`):
/// first makes sure the ordered stream has its head (the first event after
/// the cursor that `wants` its kind; unwanted events move the cursor past
/// them), then returns the unfinished delivery due soonest, stream head or
/// redelivery. One short transaction, nothing held across an HTTP call.
pub async fn next(
    db: &DatabaseConnection,
    hook: &str,
    owner: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    wants: impl Fn(&str) -> bool,
) -> Result<Next, DbErr> {
    let txn = db.begin().await?;
    if !still_ours(&txn, hook, owner, until).await? {
        txn.rollback().await?;
        return Ok(Next::Lost);
    }
    let head = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Hook.eq(hook))
        .filter(webhook_delivery::Column::Redelivery.eq(false))
        .filter(unfinished())
        .one(&txn)
        .await?;
    if head.is_none() {
        open_head(&txn, hook, now, &wants).await?;
    }
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Hook.eq(hook))
        .filter(unfinished())
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .one(&txn)
        .await?;
    let next = match due {
        None => Next::Idle,
        Some(d) if d.next_attempt_at.to_utc() > now => Next::At(d.next_attempt_at.to_utc()),
        Some(delivery) => {
            let event = change_event::Entity::find_by_id(delivery.event_id).one(&txn).await?;
            Next::Due(Box::new(Due { delivery, event }))
        }
    };
    txn.commit().await?;
    Ok(next)
}

/// Opens the stream's next delivery, if the log has a wanted event after
/// the cursor, moving the cursor past the unwanted ones before it.
async fn open_head(
    txn: &impl ConnectionTrait,
    hook: &str,
    now: DateTime<Utc>,
    wants: &impl Fn(&str) -> bool,
) -> Result<(), DbErr> {
    let Some(row) = webhook_hook::Entity::find_by_id(hook.to_owned()).one(txn).await? else {
        return Ok(());
    };
    let mut cursor = row.cursor;
    let found = loop {
        let events = change_event::Entity::find()
            .filter(change_event::Column::Id.gt(cursor))
            .order_by_asc(change_event::Column::Id)
            .limit(SCAN_BATCH)
            .all(txn)
            .await?;
        if events.is_empty() {
            break None;
        }
        match events.iter().find(|e| wants(&e.kind)) {
            Some(e) => {
                cursor = e.id - 1;
                break Some(e.id);
            }
            None => cursor = events.last().map_or(cursor, |e| e.id),
        }
    };
    if cursor > row.cursor {
        set_cursor(txn, hook, cursor).await?;
    }
    if let Some(event_id) = found {
        new_delivery(txn, hook, event_id, false, now).await?;
    }
    Ok(())
}

async fn set_cursor(txn: &impl ConnectionTrait, hook: &str, cursor: i64) -> Result<(), DbErr> {
    let update = Query::update()
        .table(webhook_hook::Entity)
        .value(webhook_hook::Column::Cursor, cursor)
        .and_where(Expr::col(webhook_hook::Column::Hook).eq(hook))
        // The cursor only moves forward.
        .and_where(Expr::col(webhook_hook::Column::Cursor).lt(cursor))
        .to_owned();
    txn.execute(&update).await?;
    Ok(())
}

async fn new_delivery(
    txn: &impl ConnectionTrait,
    hook: &str,
    event_id: i64,
    redelivery: bool,
    now: DateTime<Utc>,
) -> Result<webhook_delivery::Model, DbErr> {
    webhook_delivery::ActiveModel {
        hook: Set(hook.to_owned()),
        event_id: Set(event_id),
        redelivery: Set(redelivery),
        status: Set(status::PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now.fixed_offset()),
        last_status: Set(None),
        last_error: Set(None),
        created_at: Set(now.fixed_offset()),
        delivered_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// It failed (`status` when the receiver answered); retry at `retry_at`.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: DateTime<Utc>,
    },
    /// It failed and the delivery is past its maximum age: give up.
    Dead { status: Option<u16>, error: String },
}

/// Records `attempt` of `delivery` for `owner` (renewing its lease until
/// `until`). A stream delivery that is delivered or dead moves the hook's
/// cursor to its event in the same transaction. Returns false, recording
/// nothing, if the lease was lost or the delivery was recorded meanwhile:
/// the event is then sent again (at least once).
pub async fn record(
    db: &DatabaseConnection,
    owner: &str,
    delivery: &webhook_delivery::Model,
    attempt: &Attempt,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    if !still_ours(&txn, &delivery.hook, owner, until).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    let mut update = Query::update();
    update
        .table(webhook_delivery::Entity)
        .value(webhook_delivery::Column::Attempts, delivery.attempts + 1)
        .and_where(Expr::col(webhook_delivery::Column::Id).eq(delivery.id))
        .and_where(Expr::col(webhook_delivery::Column::Attempts).eq(delivery.attempts));
    let finished = match attempt {
        Attempt::Delivered { status: code } => {
            update
                .value(webhook_delivery::Column::Status, status::DELIVERED)
                .value(webhook_delivery::Column::LastStatus, i32::from(*code))
                .value(webhook_delivery::Column::LastError, Option::<String>::None)
                .value(webhook_delivery::Column::DeliveredAt, now);
            true
        }
        Attempt::Failed {
            status: code,
            error,
            retry_at,
        } => {
            update
                .value(webhook_delivery::Column::Status, status::FAILED)
                .value(webhook_delivery::Column::LastStatus, code.map(i32::from))
                .value(webhook_delivery::Column::LastError, error.as_str())
                .value(webhook_delivery::Column::NextAttemptAt, *retry_at);
            false
        }
        Attempt::Dead { status: code, error } => {
            update
                .value(webhook_delivery::Column::Status, status::DEAD)
                .value(webhook_delivery::Column::LastStatus, code.map(i32::from))
                .value(webhook_delivery::Column::LastError, error.as_str());
            true
        }
    };
    if txn.execute(&update).await?.rows_affected() != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    if finished && !delivery.redelivery {
        set_cursor(&txn, &delivery.hook, delivery.event_id).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Queues a new delivery of delivery `id`'s event to the same hook, outside
/// the hook's ordered stream (it neither waits for nor holds up the stream).
/// `None` when there is no such delivery.
pub async fn redeliver(
    db: &DatabaseConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<webhook_delivery::Model>, DbErr> {
    let Some(original) = webhook_delivery::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(
        new_delivery(db, &original.hook, original.event_id, true, now).await?,
    ))
}

/// Deliveries, newest first: those with `status` (any when `None`) and an id
/// below `before` (all when `None`), at most `limit`.
pub async fn list(
    db: &DatabaseConnection,
    status: Option<&str>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<webhook_delivery::Model>, DbErr> {
    let mut select = webhook_delivery::Entity::find();
    if let Some(status) = status {
        select = select.filter(webhook_delivery::Column::Status.eq(status));
    }
    if let Some(before) = before {
        select = select.filter(webhook_delivery::Column::Id.lt(before));
    }
    select
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Delivery `id`, if there is one.
pub async fn delivery(db: &DatabaseConnection, id: i64) -> Result<Option<webhook_delivery::Model>, DbErr> {
    webhook_delivery::Entity::find_by_id(id).one(db).await
}

/// The kinds of the events `ids`, by id (events the log no longer has are left out).
pub async fn event_kinds(db: &DatabaseConnection, ids: &[i64]) -> Result<HashMap<i64, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = change_event::Entity::find()
        .filter(change_event::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|e| (e.id, e.kind)).collect())
}

/// The state of hook `hook`, if it is registered.
pub async fn hook(db: &DatabaseConnection, hook: &str) -> Result<Option<webhook_hook::Model>, DbErr> {
    webhook_hook::Entity::find_by_id(hook.to_owned()).one(db).await
}

/// Logs `event` in a transaction of its own, through the change log's one
/// writer ([`changes::record`]), and returns its id. The store's writes log
/// their own events with their changes; this is for tests and tools that
/// need an event without a change.
pub async fn append_event(db: &DatabaseConnection, event: changes::Event) -> Result<i64, DbErr> {
    let txn = db.begin().await?;
    changes::record(&txn, std::slice::from_ref(&event), &[]).await?;
    // Ids are in commit order and the log's lock is held until commit, so
    // the newest id is this event's.
    let id = crate::query::changes::last_id(&txn).await?;
    txn.commit().await?;
    Ok(id)
}
