//! Connecting to the database (SQLite or PostgreSQL) and running migrations.

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
