//! Prometheus metrics at `/metrics`: requests and latency by operation,
//! errors by code, database pool use (the primary's and each read
//! replica's, with its lag), and webhook delivery outcomes.
//!
//! Every pool, the primary (`pool="primary"`) and each replica (named by
//! host, port and database), has the same `gazette_db_pool_*` family:
//! connections acquired (lent out now), the most it opens, requests that
//! failed on it, and its lag. sqlx keeps its queue of waiting acquisitions
//! private, so "waiting" is not a count here: a pool whose `acquired`
//! equals `max_connections` has nothing to lend, and every statement that
//! needs a connection then waits, up to the acquire timeout, after which it
//! is counted in `gazette_db_pool_errors_total{kind="timeout"}`.

use std::collections::HashSet;
use std::sync::Mutex;

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use sea_orm::DatabaseConnection;

use super::multiplex::Registry as Subscriptions;
use crate::db::replicas::ReadPools;

/// Distinct operation names kept as labels; later ones count as `other`,
/// since clients choose the names and labels must stay bounded.
const MAX_OPERATIONS: usize = 200;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    pool: IntGaugeVec,
    /// Open WebSocket connections.
    pub websockets: IntGauge,
    /// Open subscriptions (set from the registry when rendered).
    subscriptions: IntGauge,
    /// Distinct subscriptions being resolved (set from the registry when rendered).
    subscription_groups: IntGauge,
    /// Subscription events resolved: once per group, whatever its subscribers.
    pub subscription_resolutions: IntCounter,
    /// Connections closed because a subscriber fell behind.
    pub slow_subscribers: IntCounter,
    /// Webhook attempts by outcome: `delivered`, `failed` (to be retried), `dead` (given up).
    pub webhook_deliveries: IntCounterVec,
    /// Each read replica's pool connections by state.
    replica_pool: IntGaugeVec,
    /// Each read replica's lag at its last check.
    replica_lag: GaugeVec,
    /// Whether each read replica is in rotation (1) or not (0).
    replica_in_rotation: IntGaugeVec,
    /// Reads that failed on a replica and ran again on the primary.
    pub replica_errors: IntCounterVec,
    /// Statements of the shared rate limit that failed or timed out (the
    /// request was then judged by the process's own buckets).
    pub rate_limit_store_errors: IntCounter,
    /// Each pool's connections lent out now (in use by a statement or a transaction).
    pool_acquired: IntGaugeVec,
    /// Each pool's configured most connections.
    pool_max: IntGaugeVec,
    /// GraphQL requests that failed on a pool, by kind (see [`PoolError`]).
    pool_errors: IntCounterVec,
    /// Each pool's lag behind the primary (0 for the primary itself).
    pool_lag: GaugeVec,
    operations: Mutex<HashSet<String>>,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "gazette_requests_total",
                "GraphQL requests by operation and HTTP status",
            ),
            &["operation", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "gazette_request_duration_seconds",
                "GraphQL request latency by operation",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(Opts::new("gazette_errors_total", "GraphQL errors by code"), &["code"])?;
        let pool = IntGaugeVec::new(
            Opts::new("gazette_db_pool_connections", "Database pool connections"),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        let websockets = IntGauge::new("gazette_websocket_connections", "Open WebSocket connections")?;
        let subscriptions = IntGauge::new("gazette_subscriptions", "Open subscriptions")?;
        let slow_subscribers = IntCounter::new(
            "gazette_slow_subscribers_total",
            "WebSocket connections closed because a subscriber fell too far behind",
        )?;
        registry.register(Box::new(websockets.clone()))?;
        registry.register(Box::new(subscriptions.clone()))?;
        registry.register(Box::new(slow_subscribers.clone()))?;
        let subscription_groups = IntGauge::new(
            "gazette_subscription_groups",
            "Distinct subscriptions (document, variables, audience) whose events are resolved",
        )?;
        let subscription_resolutions = IntCounter::new(
            "gazette_subscription_resolutions_total",
            "Subscription events resolved: once per distinct subscription, whatever its subscriber count",
        )?;
        registry.register(Box::new(subscription_groups.clone()))?;
        registry.register(Box::new(subscription_resolutions.clone()))?;
        let webhook_deliveries = IntCounterVec::new(
            Opts::new(
                "gazette_webhook_deliveries_total",
                "Webhook attempts by outcome: delivered, failed (to be retried), dead (given up)",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(webhook_deliveries.clone()))?;
        let replica_pool = IntGaugeVec::new(
            Opts::new(
                "gazette_replica_pool_connections",
                "Each read replica's pool connections",
            ),
            &["replica", "state"],
        )?;
        let replica_lag = GaugeVec::new(
            Opts::new(
                "gazette_replica_lag_seconds",
                "How far each read replica was behind the primary at its last check (by WAL position)",
            ),
            &["replica"],
        )?;
        let replica_in_rotation = IntGaugeVec::new(
            Opts::new(
                "gazette_replica_in_rotation",
                "1 when a read replica takes queries, 0 when it is down or too far behind",
            ),
            &["replica"],
        )?;
        let replica_errors = IntCounterVec::new(
            Opts::new(
                "gazette_replica_errors_total",
                "Queries that failed on a read replica and ran again on the primary",
            ),
            &["replica"],
        )?;
        registry.register(Box::new(replica_pool.clone()))?;
        registry.register(Box::new(replica_lag.clone()))?;
        registry.register(Box::new(replica_in_rotation.clone()))?;
        registry.register(Box::new(replica_errors.clone()))?;
        let rate_limit_store_errors = IntCounter::new(
            "gazette_rate_limit_store_errors_total",
            "Shared rate-limit statements that failed or timed out; those requests were limited by the process's own buckets",
        )?;
        registry.register(Box::new(rate_limit_store_errors.clone()))?;
        let pool_acquired = IntGaugeVec::new(
            Opts::new(
                "gazette_db_pool_acquired",
                "Connections each pool has lent out now (primary and each replica)",
            ),
            &["pool"],
        )?;
        let pool_max = IntGaugeVec::new(
            Opts::new(
                "gazette_db_pool_max_connections",
                "The most connections each pool opens; acquired at this means the next statement waits",
            ),
            &["pool"],
        )?;
        let pool_errors = IntCounterVec::new(
            Opts::new(
                "gazette_db_pool_errors_total",
                "GraphQL requests that failed on each pool: timeout (no connection within the acquire timeout) or internal",
            ),
            &["pool", "kind"],
        )?;
        let pool_lag = GaugeVec::new(
            Opts::new(
                "gazette_db_pool_lag_seconds",
                "How far each pool's database is behind the primary (0 for the primary)",
            ),
            &["pool"],
        )?;
        registry.register(Box::new(pool_acquired.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(pool_errors.clone()))?;
        registry.register(Box::new(pool_lag.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            errors,
            pool,
            websockets,
            subscriptions,
            subscription_groups,
            subscription_resolutions,
            slow_subscribers,
            webhook_deliveries,
            replica_pool,
            replica_lag,
            replica_in_rotation,
            replica_errors,
            rate_limit_store_errors,
            pool_acquired,
            pool_max,
            pool_errors,
            pool_lag,
            operations: Mutex::new(HashSet::new()),
        })
    }

    /// A bounded label for an operation name.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        else {
            return if name.is_some() {
                "other".into()
            } else {
                "anonymous".into()
            };
        };
        let Ok(mut seen) = self.operations.lock() else {
            return "other".into();
        };
        if seen.contains(name) || seen.len() < MAX_OPERATIONS {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    pub fn observe(&self, operation: &str, status: u16, seconds: f64, error_codes: &[String]) {
        self.requests.with_label_values(&[operation, &status.to_string()]).inc();
        self.latency.with_label_values(&[operation]).observe(seconds);
        for code in error_codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// Counts a GraphQL request that failed on `pool` (`None`: the primary).
    pub fn pool_error(&self, pool: Option<&str>, kind: PoolError) {
        self.pool_errors
            .with_label_values(&[pool.unwrap_or(PRIMARY), kind.label()])
            .inc();
    }

    /// The text exposition, with pool, replica and subscription gauges read now.
    pub fn render(&self, db: &DatabaseConnection, reads: &ReadPools, subscriptions: &Subscriptions) -> String {
        self.subscriptions
            .set(i64::try_from(subscriptions.subscribers()).unwrap_or(i64::MAX));
        self.subscription_groups
            .set(i64::try_from(subscriptions.groups()).unwrap_or(i64::MAX));
        let primary = pool_use(db);
        self.pool.with_label_values(&["idle"]).set(primary.idle);
        self.pool.with_label_values(&["in_use"]).set(primary.acquired());
        self.set_pool(PRIMARY, primary, 0.0);
        for replica in &reads.replicas {
            let name = replica.name.as_str();
            let pool = pool_use(&replica.db);
            self.replica_pool.with_label_values(&[name, "idle"]).set(pool.idle);
            self.replica_pool
                .with_label_values(&[name, "in_use"])
                .set(pool.acquired());
            let lag = replica.lag().as_secs_f64();
            self.set_pool(name, pool, lag);
            self.replica_lag.with_label_values(&[name]).set(lag);
            self.replica_in_rotation
                .with_label_values(&[name])
                .set(i64::from(replica.in_rotation(reads.max_lag())));
        }
        let mut out = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut out).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }

    fn set_pool(&self, name: &str, pool: PoolUse, lag_seconds: f64) {
        self.pool_acquired.with_label_values(&[name]).set(pool.acquired());
        self.pool_max.with_label_values(&[name]).set(pool.max);
        self.pool_lag.with_label_values(&[name]).set(lag_seconds);
    }
}

/// The `pool` label of the primary's pool.
pub const PRIMARY: &str = "primary";

/// Why a GraphQL request failed on a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolError {
    /// No connection came within the acquire timeout (the request answered `TIMEOUT`).
    Timeout,
    /// An internal error: a failed statement or a lost connection (the
    /// request answered `INTERNAL_SERVER_ERROR`).
    Internal,
}

impl PoolError {
    fn label(self) -> &'static str {
        match self {
            PoolError::Timeout => "timeout",
            PoolError::Internal => "internal",
        }
    }
}

/// One pool's connections at a moment.
#[derive(Debug, Clone, Copy)]
struct PoolUse {
    /// Open, lent out or idle.
    size: i64,
    idle: i64,
    max: i64,
}

impl PoolUse {
    /// Lent out: open and not idle.
    fn acquired(self) -> i64 {
        (self.size - self.idle).max(0)
    }
}

fn pool_use(db: &DatabaseConnection) -> PoolUse {
    use sea_orm::DatabaseBackend::*;
    let (size, idle, max) = match db.get_database_backend() {
        Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        _ => (0, 0, 0),
    };
    PoolUse {
        size: i64::from(size),
        idle: i64::try_from(idle).unwrap_or(0),
        max: i64::from(max),
    }
}
