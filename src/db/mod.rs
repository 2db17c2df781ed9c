//! Connecting to the database (SQLite or PostgreSQL) and running migrations.

pub mod bulk;
pub mod replicas;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// The `application_name` the primary's connections carry on PostgreSQL
/// (`pg_stat_activity`, the server's log), unless the URL or `PGAPPNAME`
/// names one.
pub const APPLICATION_NAME: &str = "gazette";
/// The `application_name` of the read replicas' connections.
pub const REPLICA_APPLICATION_NAME: &str = "gazette-replica";

/// Names a PostgreSQL pool's connections `name` (a startup parameter, which
/// PgBouncer passes on), unless they are named already.
pub fn name_connections(opts: &mut ConnectOptions, name: &'static str) {
    opts.map_sqlx_postgres_opts(move |o| {
        if o.get_application_name().is_some() {
            o
        } else {
            o.application_name(name)
        }
    });
}

/// The default database: an SQLite file in the working directory, created if missing.
pub const DEFAULT_URL: &str = "sqlite://gazette.db?mode=rwc";

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Most connections the pool opens, by default.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// Longest a query waits for a free connection, in milliseconds, by default.
pub const DEFAULT_ACQUIRE_TIMEOUT_MS: u64 = 5_000;
/// Prepared statements each SQLite connection keeps, by default (sqlx's own default).
pub const DEFAULT_STATEMENT_CACHE: usize = 100;
/// KiB of page cache per serving SQLite connection, by default (SQLite's
/// own is 2 MiB). Each of the pool's connections fills a cache of its own,
/// so a server's worst case is [`DEFAULT_MAX_CONNECTIONS`] times this. At
/// 32 MiB, a server on 100,000 articles held 261–287 MiB of RSS after the
/// bench's shapes at concurrency 8 (the target is 256 MiB); at 8 MiB it held
/// 197–202 MiB. A page missing from this cache costs a `pread`, served
/// from the kernel's page cache while the file fits in memory. The p50 of
/// shapes 1, 2, 3, 5 and 6 at concurrency 1 stayed within ±7%
/// (BENCHMARKS.md, "Session 13: SQLite server memory").
pub const DEFAULT_SQLITE_CACHE_KIB: u32 = 8_192;
/// KiB of page cache per `gazette import` connection: an import rewrites
/// the same index pages chunk after chunk, and opens at most
/// [`IMPORT_MAX_CONNECTIONS`], so it keeps 32 MiB each.
pub const IMPORT_SQLITE_CACHE_KIB: u32 = 32_768;

/// Sets up one new SQLite connection before the pool lends it out, e.g. by
/// registering an SQL function. Functions live per connection and belong to
/// the code whose SQL calls them, so this layer is handed them (see
/// [`PoolSettings::sqlite_setup`]) rather than knowing any.
///
/// # Safety
/// Called with an open connection that no other thread uses during the call.
pub type SqliteSetup = unsafe fn(*mut libsqlite3_sys::sqlite3) -> Result<(), sea_orm::sqlx::error::BoxDynError>;

/// Connection pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Most connections the pool opens (per process).
    pub max_connections: u32,
    /// Longest a query waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// Prepared statements each SQLite connection keeps (sqlx's default is 100).
    pub statement_cache: usize,
    /// Run on every new SQLite connection, in order (nothing by default).
    pub sqlite_setup: &'static [SqliteSetup],
    /// KiB of page cache each SQLite connection may fill (`PRAGMA
    /// cache_size=-N`). Every pooled connection holds its own cache, so a
    /// pool's worst case is `max_connections` times this.
    pub sqlite_cache_kib: u32,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: Duration::from_millis(DEFAULT_ACQUIRE_TIMEOUT_MS),
            statement_cache: DEFAULT_STATEMENT_CACHE,
            sqlite_setup: &[],
            sqlite_cache_kib: DEFAULT_SQLITE_CACHE_KIB,
        }
    }
}

/// Most connections `gazette import` opens, whatever `--max-connections` says.
pub const IMPORT_MAX_CONNECTIONS: u32 = 2;

impl PoolSettings {
    /// For `gazette import`: a chunk's multi-row INSERTs are used once
    /// each, and a prepared INSERT of 256 articles holds its program and
    /// 7,680 parameters (most of a MiB); a server's 100 cached statements
    /// of that kind cost 10,000 articles about 25 MiB of peak RSS.
    ///
    /// An import runs one statement at a time, but a connection goes back to
    /// the pool a moment after its statement, so the next one often opened
    /// another: each SQLite connection then filled its own 32 MiB page
    /// cache (10,000 articles: 281 MiB peak RSS with 10 connections, 160 MiB
    /// with 2, no slower). Two suffice, each with the 32 MiB page cache of
    /// [`IMPORT_SQLITE_CACHE_KIB`] rather than a server's smaller one.
    pub fn for_import(self) -> Self {
        PoolSettings {
            statement_cache: 8,
            max_connections: self.max_connections.min(IMPORT_MAX_CONNECTIONS),
            sqlite_cache_kib: IMPORT_SQLITE_CACHE_KIB,
            ..self
        }
    }
}

/// Connects to `url` with default pool settings.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, PoolSettings::default()).await
}

/// Connects to `url`. SQLite files run in WAL mode with a busy timeout, so
/// reads go on while an import writes; an in-memory SQLite database is kept
/// on one connection that never closes, since each connection would
/// otherwise see its own empty database. Every SQLite connection runs
/// `pool.sqlite_setup`.
pub async fn connect_with(url: &str, pool: PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .max_connections(pool.max_connections)
        .acquire_timeout(pool.acquire_timeout);
    name_connections(&mut opts, APPLICATION_NAME);
    if url.starts_with("sqlite:") {
        let memory = is_memory(url);
        // sqlx pings a pooled connection before lending it, by default: a
        // round trip to the connection's worker thread before every
        // statement. An embedded database's connection cannot drop like a
        // socket, so SQLite goes without (PostgreSQL keeps the ping).
        opts.test_before_acquire(false);
        if memory {
            opts.max_connections(1).min_connections(1);
        }
        let setup = pool.sqlite_setup;
        opts.map_sqlx_sqlite_pool_opts(move |o| {
            let o = if memory {
                o.idle_timeout(None).max_lifetime(None)
            } else {
                o
            };
            o.after_connect(move |conn, _| {
                Box::pin(async move {
                    let mut handle = conn.lock_handle().await?;
                    let raw = handle.as_raw_handle().as_ptr();
                    // SAFETY: the locked handle is this open connection, ours alone while locked.
                    unsafe { plan_once(raw) }?;
                    for run in setup {
                        // SAFETY: as above, which is what a setup requires.
                        unsafe { run(raw) }.map_err(sea_orm::sqlx::Error::Configuration)?;
                    }
                    Ok(())
                })
            })
        });
        if !memory {
            let cache_size = format!("-{}", pool.sqlite_cache_kib);
            opts.map_sqlx_sqlite_opts(move |o| {
                // NORMAL is WAL's recommended level: a commit is atomic and
                // consistent, but not fsynced until a checkpoint (a power cut
                // can lose the last commits, never corrupt the file).
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    // Each connection's own page cache, `pool.sqlite_cache_kib`
                    // (see [`DEFAULT_SQLITE_CACHE_KIB`]).
                    .pragma("cache_size", cache_size.clone())
                    // Checkpoint once the WAL holds 64 MiB (16,384 pages),
                    // not SQLite's 4 MiB: an import rewrites the same index
                    // pages commit after commit, and each checkpoint copies
                    // them into the file and fsyncs (10,000 articles: 8.9-9.1 s
                    // to 7.5 s). Readers see the same data either way.
                    .pragma("wal_autocheckpoint", "16384")
                    .statement_cache_capacity(pool.statement_cache)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
            });
        }
    }
    Database::connect(opts).await
}

/// Turns on SQLite's query planner stability guarantee for connection `db`.
///
/// Without it, SQLite plans a `LIMIT ?` (and a few other parameters) with
/// the value bound, and marks the prepared statement expired whenever that
/// parameter is bound again: every paged query was parsed and planned anew
/// on each execution, despite sqlx's statement cache (about 5% of the
/// server's time on shape 1). Our plans never depend on those values.
///
/// # Safety
/// `db` must be an open connection that no other thread uses meanwhile.
unsafe fn plan_once(db: *mut libsqlite3_sys::sqlite3) -> Result<(), sea_orm::sqlx::Error> {
    let mut now_on: std::ffi::c_int = 0;
    // SAFETY: the caller's guarantee; this option takes an int and an int pointer.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            &mut now_on as *mut _,
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK || now_on != 1 {
        let reason = format!("could not enable SQLite's query planner stability guarantee (code {rc})");
        return Err(sea_orm::sqlx::Error::Configuration(reason.into()));
    }
    Ok(())
}

/// Runs pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Connects and migrates: what `serve` and `import` do first.
pub async fn open_with(url: &str, pool: PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let db = connect_with(url, pool).await?;
    migrate(&db).await?;
    Ok(db)
}

tokio::task_local! {
    /// The statement counter of the request being served, if it counts.
    static STATEMENTS: Arc<AtomicUsize>;
}

/// Counts every statement `db` runs into the counter of the request that runs
/// it (see [`counting`]); statements outside a counting request are not counted.
/// Each statement is also traced (target `gazette::sql`).
pub fn count_statements(db: &mut DatabaseConnection) {
    db.set_metric_callback(|info| {
        let _ = STATEMENTS.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
        // `RUST_LOG=gazette::sql=trace` prints each statement a request runs.
        tracing::trace!(target: "gazette::sql", elapsed_us = u64::try_from(info.elapsed.as_micros()).unwrap_or(u64::MAX), "{}", info.statement);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An import opens at most two connections (each SQLite one holds its
    /// own page cache), but never more than asked.
    #[test]
    fn an_import_pool_holds_at_most_two_connections() {
        let asked = |n| PoolSettings {
            max_connections: n,
            ..PoolSettings::default()
        };
        assert_eq!(asked(10).for_import().max_connections, IMPORT_MAX_CONNECTIONS);
        assert_eq!(asked(1).for_import().max_connections, 1);
        assert_eq!(asked(10).for_import().statement_cache, 8);
    }

    /// A serving connection gets the server's page cache, an import
    /// connection its own larger one, as the pragma reads back on a file.
    #[tokio::test]
    async fn serving_and_import_connections_get_their_own_page_cache_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("cache.db").display());
        let serving = PoolSettings::default();
        let import = PoolSettings::default().for_import();
        assert_eq!(serving.sqlite_cache_kib, DEFAULT_SQLITE_CACHE_KIB);
        for (pool, kib) in [(serving, 8_192), (import, 32_768)] {
            let db = connect_with(&url, pool).await.expect("file database");
            let mut conn = db.get_sqlite_connection_pool().acquire().await.expect("a connection");
            // A negative cache_size is a size in KiB, not in pages.
            let size: i64 = sea_orm::sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut *conn)
                .await
                .expect("read the pragma");
            assert_eq!(size, -kib);
            drop(conn);
            db.close().await.expect("close");
        }
    }

    /// Whether SQLite's query planner stability guarantee is on for a pooled connection.
    async fn planner_stability(db: &DatabaseConnection) -> std::ffi::c_int {
        let mut conn = db.get_sqlite_connection_pool().acquire().await.expect("a connection");
        let mut handle = conn.lock_handle().await.expect("its handle");
        let mut on: std::ffi::c_int = -1;
        // SAFETY: the locked handle is an open connection, ours while locked; -1 only reads the setting.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                handle.as_raw_handle().as_ptr(),
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1,
                &mut on as *mut _,
            )
        };
        assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
        on
    }

    #[tokio::test]
    async fn sqlite_connections_plan_a_statement_once_and_checkpoint_at_64_mib() {
        let db = connect("sqlite::memory:").await.expect("in-memory database");
        assert_eq!(planner_stability(&db).await, 1, "a bound LIMIT would re-plan each run");

        let dir = std::env::temp_dir().join(format!("gazette-qpsg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("q.db").display());
        let file = connect(&url).await.expect("file database");
        assert_eq!(planner_stability(&file).await, 1);
        // Every pooled connection of a file checkpoints its WAL at 64 MiB.
        let mut conn = file.get_sqlite_connection_pool().acquire().await.expect("a connection");
        let pages: i64 = sea_orm::sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&mut *conn)
            .await
            .expect("read the pragma");
        assert_eq!(pages, 16_384);
        drop(conn);
        file.close().await.expect("close");
        std::fs::remove_dir_all(&dir).ok();
    }
}
