//! The rate limit shared through PostgreSQL (`--rate-limit-store`): two
//! `gazette serve` processes on one database together admit at most the
//! configured rate and burst; a bucket one process fills is the one the
//! other reads; `memory` keeps a bucket per process; a failing store falls
//! back to the process's own buckets and says so; refilled buckets are
//! swept. On SQLite, `database` is refused and `auto` keeps them in memory.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use gazette::graphql::Limits;
use gazette::server::rate_limit::{RateLimit, RateLimitStore, SharedBuckets};
use gazette::server::{AppData, HttpSettings};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};

use crate::helpers::*;

/// Costs 11 (each field 1, the connection multiplies by `first`), on any database.
const COSTLY: &str = "{ articles(first: 5) { nodes { slug } } }";

fn serve_limited(url: &str, content: &std::path::Path, rate: &str, burst: &str) -> Server {
    let listen = listen_url(url);
    Server::start(
        &[
            "--database-url",
            url,
            "--listen-url",
            &listen,
            "--rate-limit",
            rate,
            "--rate-burst",
            burst,
            "--rate-limit-store",
            "database",
            "--content",
        ],
        Some(content),
    )
}

/// POSTs `query`; the status and, when answered, the query's cost.
fn ask(addr: &str, query: &str) -> (u16, Option<u64>) {
    let reply = http_post(addr, &json!({ "query": query }).to_string());
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body: Value = reply
        .split("\r\n\r\n")
        .nth(1)
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    (status, body["extensions"]["cost"]["requested"].as_u64())
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn two_processes_together_admit_at_most_the_rate_and_the_burst() {
    let url = fresh_postgres_database().await.expect("TEST_DATABASE_URL");
    let empty = tempfile::tempdir().expect("temp dir");
    let (rate, burst) = (20.0, 60.0);
    let (a, b) = (
        serve_limited(&url, empty.path(), "20", "60"),
        serve_limited(&url, empty.path(), "20", "60"),
    );
    // Both processes, one client (127.0.0.1), as fast as each answers.
    let window = Duration::from_secs(3);
    let started = Instant::now();
    let hammer = |addr: String| {
        std::thread::spawn(move || {
            let mut replies = Vec::new();
            while started.elapsed() < window {
                replies.push(ask(&addr, COSTLY));
            }
            replies
        })
    };
    let (from_a, from_b) = (hammer(a.addr.clone()), hammer(b.addr.clone()));
    let (from_a, from_b) = (from_a.join().unwrap(), from_b.join().unwrap());
    let elapsed = started.elapsed().as_secs_f64();

    let cost = 11.0;
    let admitted = |replies: &[(u16, Option<u64>)]| {
        replies
            .iter()
            .filter(|(status, _)| *status == 200)
            .map(|(_, c)| {
                assert_eq!(*c, Some(11), "an answered query reports its cost");
                cost
            })
            .sum::<f64>()
    };
    for replies in [&from_a, &from_b] {
        assert!(replies.iter().all(|(s, _)| *s == 200 || *s == 429), "{replies:?}");
        assert!(replies.iter().any(|(s, _)| *s == 200), "each process admits some");
        assert!(replies.iter().any(|(s, _)| *s == 429), "each process refuses some");
    }
    let total = admitted(&from_a) + admitted(&from_b);
    eprintln!(
        "admitted {total} cost units in {elapsed:.2} s ({} and {} requests; {} refused)",
        from_a.iter().filter(|r| r.0 == 200).count(),
        from_b.iter().filter(|r| r.0 == 200).count(),
        from_a.iter().chain(&from_b).filter(|r| r.0 == 429).count()
    );
    // The documented error: each of the two clients' requests in flight may
    // be admitted before the other's cost is charged (at most two requests
    // at once here, each owing `cost - 1` when it is admitted).
    let most = burst + rate * elapsed + 2.0 * (cost - 1.0);
    assert!(
        total <= most,
        "admitted {total} cost units in {elapsed:.2} s; the limit allows {most:.0}"
    );
    // Not refusing everything either: the burst and most of the refill.
    let least = burst + rate * (elapsed - 1.0) - 2.0 * cost;
    assert!(
        total >= least,
        "admitted only {total} cost units in {elapsed:.2} s (at least {least:.0} expected)"
    );
}

/// Two apps over one database, each with its own pool, as two processes are.
async fn two_apps(url: &str, store: RateLimitStore, limit: RateLimit) -> (AppData, AppData, DatabaseConnection) {
    let mut apps = Vec::new();
    let mut db = None;
    for _ in 0..2 {
        let conn = gazette::query::open(url).await.unwrap();
        let app = app_over(conn.clone());
        let settings = HttpSettings {
            rate_limit: Some(limit),
            rate_limit_store: store,
            ..HttpSettings::default()
        };
        apps.push(AppData::new(app.state.clone().with_limits(&Limits::default(), true), settings).unwrap());
        db = Some(conn);
    }
    let b = apps.pop().unwrap();
    (apps.pop().unwrap(), b, db.unwrap())
}

fn from(ip: &str, query: &str) -> actix_web::test::TestRequest {
    post(json!({ "query": query })).peer_addr(format!("[{ip}]:4000").parse().unwrap())
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn a_bucket_filled_through_one_process_is_read_by_the_other() {
    let url = fresh_postgres_database().await.expect("TEST_DATABASE_URL");
    let limit = RateLimit {
        per_second: 0.01,
        burst: 10.0,
    };
    let (a, b, db) = two_apps(&url, RateLimitStore::Database, limit).await;
    assert!(a.limiter.as_ref().unwrap().is_shared());

    // 11 units against a bucket of 10: admitted, and 1 unit in debt.
    let first = send(&a, from("2001:db8:1:2::1", COSTLY)).await;
    assert_eq!(first.status, StatusCode::OK);
    // Another address of the same /64, through the other process: refused,
    // told to wait for the debt and one token to refill (200 s at 0.01/s).
    let second = send(&b, from("2001:db8:1:2::ffff", "{ languages { code } }")).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = second.header("retry-after").unwrap().parse().unwrap();
    assert!((195..=201).contains(&wait), "Retry-After: {wait}");
    // Another network has a bucket of its own.
    let elsewhere = send(&b, from("2001:db8:9::1", "{ languages { code } }")).await;
    assert_eq!(elsewhere.status, StatusCode::OK);

    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT key, tokens FROM rate_limit_bucket ORDER BY key",
        ))
        .await
        .unwrap();
    let rows: Vec<(String, f64)> = rows
        .iter()
        .map(|r| (r.try_get("", "key").unwrap(), r.try_get("", "tokens").unwrap()))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "2001:db8:1:2::", "an IPv6 client's key is its /64");
    assert!((rows[0].1 + 1.0).abs() < 0.01, "{rows:?}");
    assert_eq!(rows[1].0, "2001:db8:9::");
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn with_the_memory_store_each_process_has_its_own_bucket() {
    let url = fresh_postgres_database().await.expect("TEST_DATABASE_URL");
    let limit = RateLimit {
        per_second: 0.01,
        burst: 10.0,
    };
    let (a, b, _db) = two_apps(&url, RateLimitStore::Memory, limit).await;
    assert!(!a.limiter.as_ref().unwrap().is_shared());
    assert_eq!(send(&a, from("2001:db8::1", COSTLY)).await.status, StatusCode::OK);
    assert_eq!(
        send(&a, from("2001:db8::1", COSTLY)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send(&b, from("2001:db8::1", COSTLY)).await.status,
        StatusCode::OK,
        "the other process has not seen the client"
    );
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn a_failing_store_falls_back_to_the_process_buckets_and_counts_it() {
    let url = fresh_postgres_database().await.expect("TEST_DATABASE_URL");
    let limit = RateLimit {
        per_second: 0.01,
        burst: 10.0,
    };
    let (a, _b, db) = two_apps(&url, RateLimitStore::Database, limit).await;
    db.execute_unprepared("DROP TABLE rate_limit_bucket").await.unwrap();
    assert_eq!(send(&a, from("2001:db8::1", COSTLY)).await.status, StatusCode::OK);
    assert_eq!(
        send(&a, from("2001:db8::1", COSTLY)).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the process's own bucket limits meanwhile"
    );
    let metrics = send(&a, actix_web::test::TestRequest::get().uri("/metrics")).await;
    let metrics = String::from_utf8(metrics.body.to_vec()).unwrap();
    let errors: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("gazette_rate_limit_store_errors_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    // The first statement failed; the store then rests for a second (more
    // only if the machine took that long between the two requests).
    assert!(errors >= 1.0, "{metrics}");
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn refilled_buckets_are_swept_and_the_others_kept() {
    let url = fresh_postgres_database().await.expect("TEST_DATABASE_URL");
    let db = gazette::query::open(&url).await.unwrap();
    let buckets = SharedBuckets::new(
        db.clone(),
        RateLimit {
            per_second: 1.0,
            burst: 100.0,
        },
    );
    let (idle, busy) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
    assert_eq!(buckets.admit(idle).await.unwrap(), Ok(()));
    assert_eq!(buckets.admit(busy).await.unwrap(), Ok(()));
    buckets.charge(busy, 50.0).await.unwrap();
    // The idle client was last seen 10 s ago: its 99 tokens are 100 again.
    db.execute_unprepared("UPDATE rate_limit_bucket SET at = at - interval '10 seconds' WHERE key = '10.0.0.1'")
        .await
        .unwrap();
    assert_eq!(buckets.sweep().await.unwrap(), 1);
    let left = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT key FROM rate_limit_bucket",
        ))
        .await
        .unwrap();
    let left: Vec<String> = left.iter().map(|r| r.try_get("", "key").unwrap()).collect();
    assert_eq!(left, ["10.0.0.2"]);
}

/// On SQLite the buckets stay in memory (`auto`), and `database` is refused
/// before the server starts.
#[test]
fn the_database_store_needs_postgres() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args([
            "--database-url",
            "sqlite::memory:",
            "--rate-limit",
            "10",
            "--rate-limit-store",
            "database",
            "--content",
            "/nonexistent",
            "--bind",
            "127.0.0.1:0",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--rate-limit-store database needs PostgreSQL"),
        "{stderr}"
    );
}
