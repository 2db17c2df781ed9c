//! Optional rate limiting per client address: a token bucket over query cost.
//! A request takes one token to start (refused and failed requests pay that
//! much); once validated, the rest of its cost is taken from the bucket,
//! which may go into debt up to one burst, so expensive queries slow a client
//! down more than cheap ones.
//!
//! The buckets live in this process ([`RateLimiter`]) or, on PostgreSQL, in
//! the database ([`SharedBuckets`], the `rate_limit_bucket` table), where
//! every API process takes from the same bucket, so N processes together
//! admit the configured rate, not N times it. [`Limiter`] is what a server
//! uses: the shared buckets when configured, and its own in-memory ones
//! while the database cannot answer for them.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroUsize;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;
use prometheus::IntCounter;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// Bucket size, in cost units, when only the rate is given.
pub const DEFAULT_BURST: f64 = 20_000.0;

/// Refill rate and bucket size, in cost units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets by client, least recently seen forgotten first.
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<LruCache<IpAddr, Bucket>>,
}

/// Clients tracked at once; a forgotten one starts again with a full bucket.
const MAX_TRACKED: usize = 100_000;

/// The bucket key: an IPv6 client is its /64 (one customer's network), so
/// rotating addresses within it does not earn fresh buckets.
pub fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let size = NonZeroUsize::new(MAX_TRACKED).unwrap_or(NonZeroUsize::MIN);
        RateLimiter {
            limit,
            buckets: Mutex::new(LruCache::new(size)),
        }
    }

    fn with_bucket<T>(&self, ip: IpAddr, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let RateLimit { per_second, burst } = self.limit;
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let bucket = buckets.get_or_insert_mut(key(ip), || Bucket { tokens: burst, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + per_second * elapsed).min(burst);
        bucket.at = now;
        f(bucket)
    }

    /// Takes a token for a request from `ip`, or says how long to wait for one.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let per_second = self.limit.per_second;
        self.with_bucket(ip, now, |b| {
            if b.tokens >= 1.0 {
                b.tokens -= 1.0;
                Ok(())
            } else {
                Err(Duration::from_secs_f64(((1.0 - b.tokens) / per_second).max(0.001)))
            }
        })
    }

    /// Takes the rest of a request's cost (beyond the token it started with).
    pub fn charge(&self, ip: IpAddr, cost: f64, now: Instant) {
        let burst = self.limit.burst;
        self.with_bucket(ip, now, |b| b.tokens = (b.tokens - (cost - 1.0).max(0.0)).max(-burst));
    }
}

/// Where the buckets live (`--rate-limit-store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RateLimitStore {
    /// In the database on PostgreSQL (shared by every process), else in memory.
    #[default]
    Auto,
    /// In each process's memory: N processes admit N times the rate.
    Memory,
    /// In the database (PostgreSQL only), shared by every process on it.
    Database,
}

/// A rate-limit store that cannot be used with this database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// `--rate-limit-store database` on anything but PostgreSQL.
    #[error("--rate-limit-store database needs PostgreSQL (SQLite keeps the buckets in memory)")]
    NeedsPostgres,
}

impl RateLimitStore {
    /// Whether the buckets go in the database `backend` is: `auto` on
    /// PostgreSQL and `database`; `database` anywhere else is an error.
    pub fn shared_on(self, backend: DbBackend) -> Result<bool, StoreError> {
        match (self, backend) {
            (RateLimitStore::Memory, _) => Ok(false),
            (RateLimitStore::Auto, b) => Ok(b == DbBackend::Postgres),
            (RateLimitStore::Database, DbBackend::Postgres) => Ok(true),
            (RateLimitStore::Database, _) => Err(StoreError::NeedsPostgres),
        }
    }
}

/// How long one statement of the shared limiter may take before the
/// request is judged by this process's own buckets instead.
pub const STORE_TIMEOUT: Duration = Duration::from_millis(500);
/// After the database failed the limiter, how long this process uses its
/// own buckets before it asks the database again (so a database that is
/// down costs one timeout a second, not one per request).
pub const STORE_RETRY: Duration = Duration::from_secs(1);
/// How often each process deletes the buckets that have refilled.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The refill of bucket `b` since it was last touched, at `rate` a second,
/// capped at `burst` (SQL placeholders), never negative. `now` is the
/// server's clock read when the row is locked (`clock_timestamp()`, not the
/// transaction's start, which a concurrent update of the row may follow),
/// so every process shares one clock.
fn refilled(rate: &str, burst: &str) -> String {
    format!("LEAST({burst}, b.tokens + {rate} * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.at)::float8))")
}

/// Takes a token ($1 the key, $2 the rate, $3 the burst): a new client's
/// row starts full less one; a known one is refilled and takes one if it
/// has one, else is left as it is and no row comes back from the insert.
/// The outer SELECT reads the row as it was before the statement (a CTE's
/// changes are not visible to it), which tells a refused client how long to
/// wait. One statement, one round trip.
fn admit_sql() -> String {
    let refilled = refilled("$2", "$3");
    format!(
        "WITH taken AS (
           INSERT INTO rate_limit_bucket AS b (key, tokens, at)
           VALUES ($1, $3 - 1, clock_timestamp())
           ON CONFLICT (key) DO UPDATE
             SET tokens = {refilled} - 1, at = clock_timestamp()
             WHERE {refilled} >= 1
           RETURNING b.tokens
         )
         SELECT EXISTS (SELECT 1 FROM taken) AS admitted,
                (SELECT {refilled} FROM rate_limit_bucket AS b WHERE b.key = $1) AS tokens"
    )
}

/// Takes the rest of a request's cost ($4), down to one burst of debt.
fn charge_sql() -> String {
    let refilled = refilled("$2", "$3");
    format!(
        "UPDATE rate_limit_bucket AS b SET tokens = GREATEST(-$3, {refilled} - $4), at = clock_timestamp()
         WHERE b.key = $1"
    )
}

/// Deletes the buckets that have refilled to the burst ($1 the rate, $2
/// the burst): a full bucket is what a client without a row gets, so
/// nothing is lost and the table holds only the clients seen within the
/// last two bursts' refill time (one burst of debt to one burst full).
fn sweep_sql() -> String {
    let refilled = refilled("$1", "$2");
    format!("DELETE FROM rate_limit_bucket AS b WHERE {refilled} >= $2")
}

static ADMIT: LazyLock<String> = LazyLock::new(admit_sql);
static CHARGE: LazyLock<String> = LazyLock::new(charge_sql);
static SWEEP: LazyLock<String> = LazyLock::new(sweep_sql);

/// The bucket key as text: the address, or an IPv6 client's /64 (`2001:db8:1:2::`).
pub fn key_text(ip: IpAddr) -> String {
    key(ip).to_string()
}

/// Token buckets in the `rate_limit_bucket` table (PostgreSQL, migration
/// 19), shared by every process on the database. Each request runs one
/// statement to take its first token and, when its cost is more than 1,
/// one more after it ran to take the rest (see the README).
#[derive(Clone)]
pub struct SharedBuckets {
    db: DatabaseConnection,
    limit: RateLimit,
}

impl SharedBuckets {
    /// Buckets in `db` (the primary: the limiter writes).
    pub fn new(db: DatabaseConnection, limit: RateLimit) -> Self {
        SharedBuckets { db, limit }
    }

    /// `sql` with the key, the rate and the burst as $1 to $3, then `more`.
    fn statement(&self, sql: &str, ip: IpAddr, more: Option<f64>) -> Statement {
        let mut values: Vec<sea_orm::Value> = vec![
            key_text(ip).into(),
            self.limit.per_second.into(),
            self.limit.burst.into(),
        ];
        values.extend(more.map(sea_orm::Value::from));
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }

    /// Takes a token for `ip`, or says how long to wait for one.
    pub async fn admit(&self, ip: IpAddr) -> Result<Result<(), Duration>, DbErr> {
        let row = self
            .db
            .query_one_raw(self.statement(&ADMIT, ip, None))
            .await?
            .ok_or_else(|| DbErr::Custom("the rate-limit statement returned no row".into()))?;
        if row.try_get::<bool>("", "admitted")? {
            return Ok(Ok(()));
        }
        let tokens: Option<f64> = row.try_get("", "tokens")?;
        let wait = tokens.map_or(1.0, |t| (1.0 - t) / self.limit.per_second);
        Ok(Err(Duration::from_secs_f64(wait.clamp(0.001, 86_400.0))))
    }

    /// Takes the rest of a request's cost (beyond its first token); no
    /// statement when there is no rest.
    pub async fn charge(&self, ip: IpAddr, cost: f64) -> Result<(), DbErr> {
        let rest = (cost - 1.0).max(0.0);
        if rest > 0.0 {
            self.db.execute_raw(self.statement(&CHARGE, ip, Some(rest))).await?;
        }
        Ok(())
    }

    /// Deletes the buckets that have refilled (see [`SWEEP_EVERY`]); how many.
    pub async fn sweep(&self) -> Result<u64, DbErr> {
        let values: Vec<sea_orm::Value> = vec![self.limit.per_second.into(), self.limit.burst.into()];
        let sweep = Statement::from_sql_and_values(DbBackend::Postgres, SWEEP.as_str(), values);
        let done = self.db.execute_raw(sweep).await?;
        Ok(done.rows_affected())
    }
}

/// The server's limiter: the shared buckets when there are any, falling
/// back to this process's own while the database fails them (fail open
/// to the per-process limit, counted and logged).
pub struct Limiter {
    local: RateLimiter,
    shared: Option<SharedBuckets>,
    /// Until when the shared buckets are not asked, after a failure.
    resting_until: Mutex<Option<Instant>>,
    /// Statements of the shared limiter that failed or timed out.
    errors: IntCounter,
}

impl Limiter {
    /// A limiter over `limit`, sharing its buckets through `shared` when given;
    /// `errors` counts the shared store's failures.
    pub fn new(limit: RateLimit, shared: Option<DatabaseConnection>, errors: IntCounter) -> Self {
        Limiter {
            local: RateLimiter::new(limit),
            shared: shared.map(|db| SharedBuckets::new(db, limit)),
            resting_until: Mutex::new(None),
            errors,
        }
    }

    /// Whether the buckets are in the database.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The shared buckets, unless they failed less than [`STORE_RETRY`] ago.
    fn usable(&self) -> Option<&SharedBuckets> {
        let shared = self.shared.as_ref()?;
        let mut resting = self.resting_until.lock().unwrap_or_else(|p| p.into_inner());
        match *resting {
            Some(until) if Instant::now() < until => None,
            Some(_) => {
                *resting = None;
                Some(shared)
            }
            None => Some(shared),
        }
    }

    fn failed(&self, what: &str, error: &str) {
        self.errors.inc();
        let mut resting = self.resting_until.lock().unwrap_or_else(|p| p.into_inner());
        if resting.is_none() {
            tracing::warn!(
                error,
                "the shared rate limit could not {what}; this process limits on its own for {} s",
                STORE_RETRY.as_secs()
            );
        }
        *resting = Some(Instant::now() + STORE_RETRY);
    }

    /// Takes a token for a request from `ip`, or says how long to wait.
    pub async fn admit(&self, ip: IpAddr) -> Result<(), Duration> {
        if let Some(shared) = self.usable() {
            match tokio::time::timeout(STORE_TIMEOUT, shared.admit(ip)).await {
                Ok(Ok(verdict)) => return verdict,
                Ok(Err(e)) => self.failed("take a token", &e.to_string()),
                Err(_) => self.failed("take a token", "timed out"),
            }
        }
        self.local.admit(ip, Instant::now())
    }

    /// Takes the rest of a request's cost.
    pub async fn charge(&self, ip: IpAddr, cost: f64) {
        if let Some(shared) = self.usable() {
            match tokio::time::timeout(STORE_TIMEOUT, shared.charge(ip, cost)).await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => self.failed("charge a request", &e.to_string()),
                Err(_) => self.failed("charge a request", "timed out"),
            }
        }
        self.local.charge(ip, cost, Instant::now());
    }

    /// Deletes refilled shared buckets every [`SWEEP_EVERY`] until the
    /// process exits; nothing to do without shared buckets.
    pub async fn sweep_forever(self: std::sync::Arc<Self>) {
        let Some(shared) = self.shared.clone() else {
            return;
        };
        loop {
            tokio::time::sleep(SWEEP_EVERY).await;
            match shared.sweep().await {
                Ok(n) => tracing::debug!(deleted = n, "swept refilled rate-limit buckets"),
                Err(e) => tracing::warn!(error = %e, "sweeping the rate-limit buckets"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_requests_exhaust_the_bucket_and_time_refills_it() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 10.0,
            burst: 100.0,
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        let t0 = Instant::now();
        assert!(limiter.admit(ip, t0).is_ok());
        limiter.charge(ip, 150.0, t0);
        let wait = limiter.admit(ip, t0).expect_err("in debt");
        assert!((wait.as_secs_f64() - 5.1).abs() < 0.01, "{wait:?}");
        assert!(limiter.admit(ip, t0 + Duration::from_secs(6)).is_ok());
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(limiter.admit(other, t0).is_ok(), "buckets are per address");
    }

    #[test]
    fn every_admitted_request_takes_a_token() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 3.0,
        });
        let ip: IpAddr = [10, 0, 0, 1].into();
        let t0 = Instant::now();
        assert_eq!((0..5).filter(|_| limiter.admit(ip, t0).is_ok()).count(), 3);
    }

    #[test]
    fn the_database_store_is_postgresql_only_and_auto_uses_it_there() {
        assert_eq!(RateLimitStore::Auto.shared_on(DbBackend::Postgres), Ok(true));
        assert_eq!(RateLimitStore::Auto.shared_on(DbBackend::Sqlite), Ok(false));
        assert_eq!(RateLimitStore::Memory.shared_on(DbBackend::Postgres), Ok(false));
        assert_eq!(RateLimitStore::Database.shared_on(DbBackend::Postgres), Ok(true));
        assert_eq!(
            RateLimitStore::Database.shared_on(DbBackend::Sqlite),
            Err(StoreError::NeedsPostgres)
        );
        let v6: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(key_text(v6), "2001:db8:1:2::");
        assert_eq!(key_text(IpAddr::from([192, 0, 2, 1])), "192.0.2.1");
    }

    #[test]
    fn an_ipv6_network_shares_one_bucket() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 1.0,
        });
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let b: IpAddr = "2001:db8:1:2::ffff".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(limiter.admit(a, t0).is_ok());
        assert!(limiter.admit(b, t0).is_err());
    }
}
