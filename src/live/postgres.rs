//! The PostgreSQL side of live changes: one `LISTEN` connection per process
//! feeding the process's broadcast channel.

use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::broadcast;

use super::{Change, CHANNEL};

/// Where the `LISTEN` connection comes from: the pool's database, or its
/// own URL (past a transaction-pooling PgBouncer, which cannot keep a
/// session's `LISTEN`).
#[derive(Clone)]
enum Source {
    Pool(PgPool),
    Url(String),
}

/// Starts listening on [`CHANNEL`], on `listen_url` when given (else on
/// `db`'s pool); the returned task forwards every change until it is aborted.
pub async fn listen(
    db: &DatabaseConnection,
    listen_url: Option<&str>,
    sender: broadcast::Sender<Change>,
) -> Result<tokio::task::JoinHandle<()>, DbErr> {
    let source = match listen_url {
        Some(url) => Source::Url(url.to_owned()),
        None => Source::Pool(db.get_postgres_connection_pool().clone()),
    };
    // Fail at start, where the operator sees it, rather than in the task.
    let mut current = listener(&source)
        .await
        .map_err(|e| DbErr::Custom(format!("LISTEN {CHANNEL}: {e}")))?;
    Ok(tokio::spawn(async move {
        loop {
            // `try_recv` returns `None` when the connection was lost: it
            // reconnects on the next call; changes sent meanwhile are missed.
            match current.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                    Ok(change) => {
                        let _ = sender.send(change);
                    }
                    Err(e) => tracing::warn!(payload = n.payload(), error = %e, "ignoring a malformed change"),
                },
                Ok(None) => tracing::warn!("change listener lost its connection; reconnecting"),
                Err(e) => {
                    tracing::warn!(error = %e, "change listener failed; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    match listener(&source).await {
                        Ok(l) => current = l,
                        Err(e) => tracing::warn!(error = %e, "change listener could not reconnect"),
                    }
                }
            }
        }
    }))
}

async fn listener(source: &Source) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut l = match source {
        Source::Pool(pool) => PgListener::connect_with(pool).await?,
        Source::Url(url) => PgListener::connect(url).await?,
    };
    l.listen(CHANNEL).await?;
    Ok(l)
}
