//! Read replicas (PostgreSQL streaming standbys): which pool a read goes
//! to. Queries read from a healthy replica that is not too far behind;
//! mutations, imports, the change log, webhooks and LISTEN use the primary.
//!
//! Lag is measured by LSN against the primary: a monitor samples the
//! primary's WAL position with the time it saw it, and a replica's lag is
//! how long ago the primary first passed the position the replica has
//! replayed (zero when it has replayed everything, so an idle primary
//! means no lag, whatever the replica's last replay time).

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement};

/// A replica more than this far behind is taken out of rotation by default.
pub const DEFAULT_MAX_LAG: Duration = Duration::from_millis(5_000);
/// How often the monitor samples the primary and every replica.
pub const MONITOR_EVERY: Duration = Duration::from_millis(250);
/// How long one health check may take before the replica counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// How far back primary positions are kept: a replica behind all of them
/// is at least this far behind.
const HISTORY: Duration = Duration::from_secs(60);

/// A PostgreSQL WAL position (`16/B374D848`), comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(pub u64);

impl FromStr for Lsn {
    type Err = String;
    fn from_str(s: &str) -> Result<Lsn, String> {
        let bad = || format!("`{s}` is not a WAL position like 16/B374D848");
        let (hi, lo) = s.trim().split_once('/').ok_or_else(bad)?;
        let hi = u64::from_str_radix(hi, 16).map_err(|_| bad())?;
        let lo = u64::from_str_radix(lo, 16).map_err(|_| bad())?;
        if hi > u64::from(u32::MAX) || lo > u64::from(u32::MAX) {
            return Err(bad());
        }
        Ok(Lsn((hi << 32) | lo))
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// What the monitor last saw of one replica.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    healthy: bool,
    replayed: Option<Lsn>,
    lag: Duration,
}

/// One replica's pool and what the monitor knows of it.
pub struct Replica {
    /// Its host, port and database (no password), for logs and metrics.
    pub name: String,
    pub db: DatabaseConnection,
    state: Mutex<State>,
}

impl Replica {
    fn state(&self) -> State {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether it is in rotation: healthy and at most `max_lag` behind.
    pub fn in_rotation(&self, max_lag: Duration) -> bool {
        let s = self.state();
        s.healthy && s.lag <= max_lag
    }

    /// How far behind it was at the last check.
    pub fn lag(&self) -> Duration {
        self.state().lag
    }
}

/// Where reads go: the primary, or one of its replicas.
pub struct ReadPools {
    pub primary: DatabaseConnection,
    pub replicas: Vec<Replica>,
    max_lag: Duration,
    next: AtomicUsize,
    /// The primary's WAL positions with when the monitor saw each, oldest first.
    history: Mutex<VecDeque<(Instant, Lsn)>>,
}

/// Which pool one request reads from.
#[derive(Clone)]
pub struct Reads {
    pub db: DatabaseConnection,
    /// The replica's name; `None` for the primary.
    pub replica: Option<String>,
}

/// `url` without its password, for logs.
fn redact(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('?').next().unwrap_or(rest).to_owned()
}

impl ReadPools {
    /// Every read on `primary`: no replicas.
    pub fn primary_only(primary: DatabaseConnection) -> ReadPools {
        ReadPools {
            primary,
            replicas: Vec::new(),
            max_lag: DEFAULT_MAX_LAG,
            next: AtomicUsize::new(0),
            history: Mutex::default(),
        }
    }

    /// Reads on the replicas at `urls` (PostgreSQL), each with a pool of
    /// `max_connections`. Their pools connect lazily: a replica down at
    /// start is out of rotation until the monitor reaches it.
    pub async fn connect(
        primary: DatabaseConnection,
        urls: &[String],
        max_connections: u32,
        max_lag: Duration,
    ) -> Result<ReadPools, DbErr> {
        let mut replicas = Vec::with_capacity(urls.len());
        for url in urls {
            let mut opts = ConnectOptions::new(url.clone());
            opts.max_connections(max_connections)
                // A replica that went away fails a read within this, which
                // then runs on the primary.
                .acquire_timeout(CHECK_TIMEOUT)
                .connect_lazy(true)
                .sqlx_logging(false);
            super::name_connections(&mut opts, super::REPLICA_APPLICATION_NAME);
            let db = Database::connect(opts).await?;
            if db.get_database_backend() != DbBackend::Postgres {
                return Err(DbErr::Custom(format!(
                    "replica {}: replicas are PostgreSQL",
                    redact(url)
                )));
            }
            replicas.push(Replica {
                name: redact(url),
                db,
                state: Mutex::default(),
            });
        }
        Ok(ReadPools {
            replicas,
            max_lag,
            ..ReadPools::primary_only(primary)
        })
    }

    /// The pool for a read that must see at least `at_least` (a client's
    /// own write): the next replica in rotation that has replayed it, else
    /// the primary.
    pub fn pick(&self, at_least: Option<Lsn>) -> Reads {
        let n = self.replicas.len();
        if n > 0 {
            let start = self.next.fetch_add(1, Ordering::Relaxed);
            for i in 0..n {
                let replica = &self.replicas[(start + i) % n];
                let state = replica.state();
                let fresh = match at_least {
                    Some(lsn) => state.replayed.is_some_and(|r| r >= lsn),
                    None => true,
                };
                if state.healthy && state.lag <= self.max_lag && fresh {
                    return Reads {
                        db: replica.db.clone(),
                        replica: Some(replica.name.clone()),
                    };
                }
            }
        }
        self.primary()
    }

    /// How far behind a replica may be and stay in rotation.
    pub fn max_lag(&self) -> Duration {
        self.max_lag
    }

    /// The primary, for writes and reads that must be current.
    pub fn primary(&self) -> Reads {
        Reads {
            db: self.primary.clone(),
            replica: None,
        }
    }

    /// The primary's WAL position now (what a write just committed is at
    /// or before); `None` off PostgreSQL.
    pub async fn primary_lsn(&self) -> Option<Lsn> {
        if self.primary.get_database_backend() != DbBackend::Postgres {
            return None;
        }
        lsn(&self.primary, "SELECT pg_current_wal_lsn()::text AS lsn")
            .await
            .ok()
    }

    /// Samples the primary and every replica once.
    pub async fn check(&self) {
        let now = Instant::now();
        let primary = self.primary_lsn().await;
        let history = {
            let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(lsn) = primary {
                if history.back().is_none_or(|(_, last)| *last < lsn) {
                    history.push_back((now, lsn));
                }
            }
            while history.len() > 1 && history.front().is_some_and(|(t, _)| now.duration_since(*t) > HISTORY) {
                history.pop_front();
            }
            history.clone()
        };
        for replica in &self.replicas {
            let replayed = tokio::time::timeout(
                CHECK_TIMEOUT,
                lsn(&replica.db, "SELECT pg_last_wal_replay_lsn()::text AS lsn"),
            )
            .await;
            let state = match replayed {
                Ok(Ok(replayed)) => State {
                    healthy: true,
                    replayed: Some(replayed),
                    lag: lag_of(replayed, &history, now),
                },
                Ok(Err(e)) => {
                    tracing::debug!(replica = %replica.name, error = %e, "replica check failed");
                    State::default()
                }
                Err(_) => State::default(),
            };
            let was = replica.state();
            if was.healthy != state.healthy || (was.lag <= self.max_lag) != (state.lag <= self.max_lag) {
                tracing::info!(
                    replica = %replica.name,
                    healthy = state.healthy,
                    lag_ms = state.lag.as_millis() as u64,
                    in_rotation = state.healthy && state.lag <= self.max_lag,
                    "replica state changed"
                );
            }
            *replica.state.lock().unwrap_or_else(PoisonError::into_inner) = state;
        }
    }

    /// Checks every [`MONITOR_EVERY`] until the process exits; nothing to
    /// do without replicas.
    pub async fn monitor(self: Arc<Self>) {
        if self.replicas.is_empty() {
            return;
        }
        loop {
            self.check().await;
            tokio::time::sleep(MONITOR_EVERY).await;
        }
    }
}

/// How far behind a replica that replayed up to `replayed` is, given the
/// primary's positions over time: zero when it has replayed the newest;
/// else since the primary first passed `replayed` (at least [`HISTORY`]
/// when that is older than the history kept).
fn lag_of(replayed: Lsn, history: &VecDeque<(Instant, Lsn)>, now: Instant) -> Duration {
    match history.iter().find(|(_, lsn)| *lsn > replayed) {
        None => Duration::ZERO,
        Some((t, _)) if history.front().is_some_and(|(first, _)| first == t) && history.len() > 1 => {
            now.duration_since(*t).max(HISTORY)
        }
        Some((t, _)) => now.duration_since(*t),
    }
}

async fn lsn(db: &DatabaseConnection, sql: &str) -> Result<Lsn, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .ok_or_else(|| DbErr::Custom("no WAL position".into()))?;
    let text: Option<String> = row.try_get("", "lsn")?;
    // A server that is not a standby replays nothing: treat it as current.
    let text = text.ok_or_else(|| DbErr::Custom("not a standby".into()))?;
    text.parse().map_err(DbErr::Custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_parse_compare_and_print_as_postgresql_writes_them() {
        let a: Lsn = "16/B374D848".parse().unwrap();
        let b: Lsn = "17/0".parse().unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "16/B374D848");
        assert!("16".parse::<Lsn>().is_err());
        assert!("x/1".parse::<Lsn>().is_err());
    }

    #[test]
    fn lag_is_how_long_ago_the_primary_passed_the_replayed_position() {
        let now = Instant::now();
        let at = |secs: u64, lsn: u64| (now - Duration::from_secs(secs), Lsn(lsn));
        let history: VecDeque<_> = [at(50, 10), at(9, 20), at(3, 30)].into_iter().collect();
        // Replayed everything: no lag, however long ago the last write was.
        assert_eq!(lag_of(Lsn(30), &history, now), Duration::ZERO);
        // Behind the newest position, which the primary reached 3 s ago.
        assert_eq!(lag_of(Lsn(25), &history, now).as_secs(), 3);
        assert_eq!(lag_of(Lsn(15), &history, now).as_secs(), 9);
        // Behind everything kept: at least the history's length.
        assert!(lag_of(Lsn(5), &history, now) >= HISTORY);
    }
}
