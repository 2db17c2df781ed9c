//! Live changes: which articles were just published or updated, told to
//! every subscriber of this process. On SQLite the writer's process is the
//! only one that knows, so changes go out in-process. On PostgreSQL each
//! write also sends a `NOTIFY` inside its transaction (so only committed
//! changes go out) and every process listens, so a subscriber on any replica
//! hears of writes made through any other, or by `gazette import`.

mod postgres;

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The `NOTIFY` channel changes travel on.
pub const CHANNEL: &str = "gazette_changes";

/// How many changes a subscriber may fall behind by default before it is dropped.
pub const DEFAULT_BUFFER: usize = 256;

/// What happened, as this process's listeners hear it: subscriptions (which
/// take the changes that leave an article public) and the webhook
/// deliverers (which take every change, to read it from the change log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new article, public at once.
    Created,
    /// An existing article became public (it was a draft, scheduled or expired).
    Published,
    /// A public article changed and is still public.
    Updated,
    /// A public article stopped being public (made a draft, dated ahead, expired).
    Unpublished,
    /// A public article was deleted.
    Deleted,
    /// A term was renamed or deleted; `article_id` is then the term's id.
    TermUpdated,
}

impl ChangeKind {
    /// Whether `articlePublished` subscribers hear of it.
    pub fn is_publication(self) -> bool {
        matches!(self, ChangeKind::Created | ChangeKind::Published)
    }

    /// Whether `articleUpdated` subscribers hear of it: any change to an
    /// article that existed before.
    pub fn is_update(self) -> bool {
        matches!(self, ChangeKind::Published | ChangeKind::Updated)
    }
}

/// One change to one article (or term, for [`ChangeKind::TermUpdated`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub article_id: i32,
}

impl Change {
    /// The change a write made, given whether the article was public before
    /// (`None`: it did not exist) and whether it is public after.
    pub fn of_write(article_id: i32, public_before: Option<bool>, public_after: bool) -> Option<Change> {
        let kind = match (public_before, public_after) {
            (Some(true), false) => ChangeKind::Unpublished,
            (_, false) => return None,
            (None, true) => ChangeKind::Created,
            (Some(false), true) => ChangeKind::Published,
            (Some(true), true) => ChangeKind::Updated,
        };
        Some(Change { kind, article_id })
    }
}

/// Sends `changes` to every listening process when the transaction `txn`
/// commits (PostgreSQL), one statement for all of them; nothing on SQLite,
/// where [`Hub::announce`] does it.
pub async fn notify_on_commit<C: ConnectionTrait>(txn: &C, changes: &[Change]) -> Result<(), DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres || changes.is_empty() {
        return Ok(());
    }
    let mut values: Vec<sea_orm::Value> = vec![CHANNEL.into()];
    for change in changes {
        values.push(
            serde_json::to_string(change)
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .into(),
        );
    }
    // PostgreSQL takes 65,535 parameters; an import chunk sends a few hundred.
    let rows: Vec<String> = (2..=values.len()).map(|i| format!("(${i})")).collect();
    let sql = format!("SELECT pg_notify($1, p) FROM (VALUES {}) AS v(p)", rows.join(", "));
    txn.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
        .await?;
    Ok(())
}

/// Where this process's subscribers get their changes. Cloning is cheap.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Change>,
    buffer: usize,
    /// Set by every write this process makes, public or not: a write may
    /// have dated an article earlier than the scheduler's next wake-up.
    wrote: tokio::sync::Notify,
    /// The PostgreSQL listener task; changes then arrive through it and
    /// [`Hub::announce`] has nothing to do.
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = &self.listener {
            task.abort();
        }
    }
}

impl Hub {
    /// A hub for this process only, letting a subscriber fall `buffer`
    /// changes behind before it is dropped.
    pub fn local(buffer: usize) -> Hub {
        let buffer = buffer.max(1);
        Hub {
            inner: Arc::new(Inner {
                sender: broadcast::channel(buffer).0,
                buffer,
                wrote: tokio::sync::Notify::new(),
                listener: None,
            }),
        }
    }

    /// The hub for `db`: in-process on SQLite; on PostgreSQL it listens for
    /// every process's changes (reconnecting if the connection drops).
    pub async fn connect(db: &DatabaseConnection, buffer: usize) -> Result<Hub, DbErr> {
        Hub::connect_with(db, None, buffer).await
    }

    /// [`Hub::connect`], listening on `listen_url` when given: a session
    /// to the same database that bypasses a transaction-pooling PgBouncer.
    pub async fn connect_with(db: &DatabaseConnection, listen_url: Option<&str>, buffer: usize) -> Result<Hub, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Hub::local(buffer));
        }
        let (sender, _) = broadcast::channel(buffer.max(1));
        let task = postgres::listen(db, listen_url, sender.clone()).await?;
        Ok(Hub {
            inner: Arc::new(Inner {
                sender,
                buffer: buffer.max(1),
                wrote: tokio::sync::Notify::new(),
                listener: Some(task),
            }),
        })
    }

    /// Tells this process's subscribers of changes just committed. On
    /// PostgreSQL the `NOTIFY` sent with the write does it instead, so
    /// nobody hears of a change twice.
    /// Every write calls it (with no changes when it made none a reader
    /// sees), which also wakes this process's scheduler ([`Hub::written`]).
    pub fn announce(&self, changes: impl IntoIterator<Item = Change>) {
        self.inner.wrote.notify_one();
        if self.inner.listener.is_some() {
            return;
        }
        for change in changes {
            // An error only means nobody is subscribed.
            let _ = self.inner.sender.send(change);
        }
    }

    /// Resolves once this process has written since the last time it did
    /// (a write before the call counts): the scheduler's cue to look again
    /// for the next publish or expiry date.
    pub async fn written(&self) {
        self.inner.wrote.notified().await;
    }

    /// A new subscription to every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.inner.sender.subscribe()
    }

    /// How many subscriptions are open.
    pub fn subscribers(&self) -> usize {
        self.inner.sender.receiver_count()
    }

    /// How many changes a subscriber may fall behind before it is dropped.
    pub fn buffer(&self) -> usize {
        self.inner.buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_that_leave_an_article_public_or_end_its_publicity_are_changes() {
        assert_eq!(Change::of_write(1, None, false), None);
        assert_eq!(
            Change::of_write(1, Some(true), false).map(|c| c.kind),
            Some(ChangeKind::Unpublished)
        );
        assert_eq!(
            Change::of_write(1, None, true).map(|c| c.kind),
            Some(ChangeKind::Created)
        );
        assert_eq!(
            Change::of_write(1, Some(false), true).map(|c| c.kind),
            Some(ChangeKind::Published)
        );
        assert_eq!(
            Change::of_write(1, Some(true), true).map(|c| c.kind),
            Some(ChangeKind::Updated)
        );
    }

    #[test]
    fn a_change_travels_as_json() {
        let change = Change {
            kind: ChangeKind::Published,
            article_id: 42,
        };
        let text = serde_json::to_string(&change).expect("serialises");
        assert_eq!(text, r#"{"kind":"published","article_id":42}"#);
        assert_eq!(serde_json::from_str::<Change>(&text).expect("parses"), change);
    }

    #[tokio::test]
    async fn a_local_hub_tells_every_subscriber_and_counts_them() {
        let hub = Hub::local(4);
        let mut a = hub.subscribe();
        let b = hub.subscribe();
        assert_eq!(hub.subscribers(), 2);
        drop(b);
        assert_eq!(hub.subscribers(), 1);
        let change = Change {
            kind: ChangeKind::Created,
            article_id: 7,
        };
        hub.announce([change]);
        assert_eq!(a.recv().await.expect("a change"), change);
    }
}
