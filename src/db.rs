//! Connecting to the database (SQLite or PostgreSQL) and running migrations.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// The default database: an SQLite file in the working directory, created if missing.
pub const DEFAULT_URL: &str = "sqlite://gazette.db?mode=rwc";

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Connects to `url`. SQLite files run in WAL mode with a busy timeout, so
/// reads go on while an import writes; an in-memory SQLite database is kept
/// on one connection that never closes, since each connection would
/// otherwise see its own empty database.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        if is_memory(url) {
            opts.max_connections(1).min_connections(1);
            opts.map_sqlx_sqlite_pool_opts(|o| o.idle_timeout(None).max_lifetime(None));
        } else {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
            });
        }
    }
    Database::connect(opts).await
}

/// Runs pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Connects and migrates: what `serve` and `import` do first.
pub async fn open(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = connect(url).await?;
    migrate(&db).await?;
    Ok(db)
}

tokio::task_local! {
    /// The statement counter of the request being served, if it counts.
    static STATEMENTS: Arc<AtomicUsize>;
}

/// Counts every statement `db` runs into the counter of the request that runs
/// it (see [`counting`]); statements outside a counting request are not counted.
pub fn count_statements(db: &mut DatabaseConnection) {
    db.set_metric_callback(|_| {
        let _ = STATEMENTS.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
    });
}

/// Runs `fut`, counting its statements into `counter`.
pub async fn counting<F: Future>(counter: Arc<AtomicUsize>, fut: F) -> F::Output {
    STATEMENTS.scope(counter, fut).await
}

/// The counter of the current request, to hand to tasks it spawns.
pub fn current_counter() -> Option<Arc<AtomicUsize>> {
    STATEMENTS.try_with(Arc::clone).ok()
}

/// Spawns `fut` on tokio, counting into the current request's counter.
pub fn spawn_counted<F>(counter: Option<Arc<AtomicUsize>>, fut: F) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    match counter {
        Some(c) => tokio::spawn(STATEMENTS.scope(c, fut)),
        None => tokio::spawn(fut),
    }
}
