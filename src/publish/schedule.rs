//! Scheduled publishing's timer: sleeps until the next publish or expiry
//! date of any article, then has the store log what that instant changed
//! ([`crate::store::schedule::tick`]) and tells this process's listeners
//! (on PostgreSQL the log's `NOTIFY` tells every process's). Not a poll
//! per request: one wake-up per scheduled instant, per process.
//!
//! A write in this process wakes it early (the write may have dated an
//! article sooner). Writes this process cannot hear of (a `gazette import`
//! run beside it on SQLite, a draft dated ahead through another replica)
//! are found when it looks again, at most [`REPLAN`] later.

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::live::Hub;
use crate::store::schedule;

/// The longest the timer sleeps before looking again for the next date.
pub const REPLAN: Duration = Duration::from_secs(30);
/// How long it waits after a database error before trying again.
const RETRY: Duration = Duration::from_secs(1);

/// Runs the timer until the process exits.
pub async fn run(db: DatabaseConnection, hub: Hub) {
    loop {
        let wait = match step(&db, &hub).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::error!(error = %e, "scheduled publishing");
                RETRY
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = hub.written() => {}
        }
    }
}

/// Logs what passed up to now; how long to sleep until the next date.
async fn step(db: &DatabaseConnection, hub: &Hub) -> Result<Duration, crate::store::StoreError> {
    let now = Utc::now();
    let changes = schedule::tick(db, now).await?;
    if !changes.is_empty() {
        tracing::info!(changes = changes.len(), "scheduled publishing");
        hub.announce(changes);
    }
    Ok(match schedule::next_instant(db, now).await? {
        // The date itself, not before it: a timer wakes at or after.
        Some(next) => (next - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(REPLAN),
        None => REPLAN,
    })
}
