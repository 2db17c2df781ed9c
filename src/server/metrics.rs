//! Prometheus metrics at `/metrics`: requests and latency by operation,
//! errors by code, database pool use (the primary's and each read
//! replica's, with its lag), and webhook delivery outcomes.

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

    /// The text exposition, with pool, replica and subscription gauges read now.
    pub fn render(&self, db: &DatabaseConnection, reads: &ReadPools, subscriptions: &Subscriptions) -> String {
        self.subscriptions
            .set(i64::try_from(subscriptions.subscribers()).unwrap_or(i64::MAX));
        self.subscription_groups
            .set(i64::try_from(subscriptions.groups()).unwrap_or(i64::MAX));
        let (size, idle) = pool_use(db);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool.with_label_values(&["in_use"]).set(size - idle);
        for replica in &reads.replicas {
            let name = replica.name.as_str();
            let (size, idle) = pool_use(&replica.db);
            self.replica_pool.with_label_values(&[name, "idle"]).set(idle);
            self.replica_pool.with_label_values(&[name, "in_use"]).set(size - idle);
            self.replica_lag
                .with_label_values(&[name])
                .set(replica.lag().as_secs_f64());
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
}

fn pool_use(db: &DatabaseConnection) -> (i64, i64) {
    use sea_orm::DatabaseBackend::*;
    let (size, idle) = match db.get_database_backend() {
        Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => (0, 0),
    };
    (i64::from(size), i64::try_from(idle).unwrap_or(0))
}
