//! The database pool on `/metrics`: what an operator sees when the pool is
//! saturated, and the requests that failed waiting for it.

use std::time::Duration;

use gazette::db::{self, PoolSettings};
use gazette::server::AppData;
use serde_json::json;

use crate::helpers::*;

/// The value of the sample `name` (with its labels, as exposed) on `/metrics`.
async fn sample(data: &AppData, name: &str) -> Option<f64> {
    let reply = send(data, actix_web::test::TestRequest::get().uri("/metrics")).await;
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

/// `sample` once it reads `want`, or its last value after a second: sqlx
/// returns a connection to its pool on a task of its own, a moment after
/// the statement that used it.
async fn settled(data: &AppData, name: &str, want: f64) -> Option<f64> {
    let mut last = None;
    for _ in 0..50 {
        last = sample(data, name).await;
        if last == Some(want) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    last
}

#[actix_web::test]
async fn a_saturated_pool_shows_every_connection_acquired_and_counts_the_requests_that_timed_out() {
    // Arrange: in-memory SQLite keeps one connection; a request waits 200 ms for it.
    let settings = PoolSettings {
        acquire_timeout: Duration::from_millis(200),
        ..PoolSettings::default()
    };
    let db = db::open_with("sqlite::memory:", gazette::query::pool_settings(settings))
        .await
        .expect("in-memory database");
    let app = app_over(db);
    app.import_seed().await;
    let data = app.app_data();
    let query = || post(json!({ "query": "{ articles { totalCount } }" }));
    assert_eq!(send(&data, query()).await.json()["data"]["articles"]["totalCount"], 1);
    assert_eq!(
        sample(&data, r#"gazette_db_pool_max_connections{pool="primary"}"#).await,
        Some(1.0)
    );
    assert_eq!(
        settled(&data, r#"gazette_db_pool_acquired{pool="primary"}"#, 0.0).await,
        Some(0.0),
        "nothing runs between requests"
    );
    assert_eq!(
        sample(&data, r#"gazette_db_pool_lag_seconds{pool="primary"}"#).await,
        Some(0.0)
    );

    // Act: something else holds the only connection while two queries need one.
    let held = app
        .db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .expect("the connection");
    assert_eq!(
        sample(&data, r#"gazette_db_pool_acquired{pool="primary"}"#).await,
        Some(1.0),
        "acquired = max_connections: the next statement waits"
    );
    let waited = send(&data, query()).await;
    send(&data, query()).await;

    // Assert: both answered TIMEOUT and were counted against the primary.
    assert_eq!(waited.code(), "TIMEOUT", "{}", waited.json());
    assert_eq!(
        sample(&data, r#"gazette_db_pool_errors_total{kind="timeout",pool="primary"}"#).await,
        Some(2.0)
    );
    drop(held);
    assert_eq!(send(&data, query()).await.json()["data"]["articles"]["totalCount"], 1);
    assert_eq!(
        settled(&data, r#"gazette_db_pool_acquired{pool="primary"}"#, 0.0).await,
        Some(0.0)
    );
    assert_eq!(
        sample(&data, r#"gazette_db_pool_errors_total{kind="timeout",pool="primary"}"#).await,
        Some(2.0),
        "a request that got its connection is no error"
    );
}
