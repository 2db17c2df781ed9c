//! The PostgreSQL side of live changes: one `LISTEN` connection per process
//! feeding the process's broadcast channel.

use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::broadcast;

use super::{Change, CHANNEL};

/// Starts listening on [`CHANNEL`]; the returned task forwards every
/// change until it is aborted.
pub async fn listen(
    db: &DatabaseConnection,
    sender: broadcast::Sender<Change>,
) -> Result<tokio::task::JoinHandle<()>, DbErr> {
    let pool = db.get_postgres_connection_pool().clone();
    // Fail at start, where the operator sees it, rather than in the task.
    let mut current = listener(&pool)
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
                    match listener(&pool).await {
                        Ok(l) => current = l,
                        Err(e) => tracing::warn!(error = %e, "change listener could not reconnect"),
                    }
                }
            }
        }
    }))
}

async fn listener(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut l = PgListener::connect_with(pool).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}
