//! Read replicas against a real streaming standby (.ci/standby.sh): queries
//! read from it, a mutation's answer and a read carrying its
//! `X-Gazette-Min-Lsn` see the write although the standby lags (replay
//! paused), and with the standby stopped no request fails: reads move to the
//! primary and come back when it returns. The servers see it too: reads
//! run on the standby under `application_name` `gazette-replica`, writes on
//! the primary under `gazette`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use gazette::db::replicas::ReadPools;
use gazette::graphql::{Api, Limits};
use gazette::server::{AppData, HttpSettings};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "replica-token";
const SLUGS: &str = "{ articles(first: 50) { nodes { slug } } }";

/// The database at `url`'s name on the TEST_REPLICA_URL server.
fn on_standby(url: &str) -> String {
    let standby = std::env::var("TEST_REPLICA_URL").expect("TEST_REPLICA_URL");
    let name = url.rsplit_once('/').map_or("", |(_, n)| n);
    let (server, _) = standby.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}

fn standby_ctl(action: &str) {
    let ctl = std::env::var("TEST_STANDBY_CTL").expect("TEST_STANDBY_CTL");
    let out = std::process::Command::new(ctl)
        .arg(action)
        .output()
        .expect("standby control runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

async fn query(data: &AppData, min_lsn: Option<&str>) -> Reply {
    let mut req = post(json!({ "query": SLUGS }));
    if let Some(lsn) = min_lsn {
        req = req.insert_header(("x-gazette-min-lsn", lsn));
    }
    send(data, req).await
}

fn slugs_of(reply: &Reply) -> Vec<String> {
    let body = reply.json();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["articles"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates article `slug`; the `X-Gazette-Min-Lsn` its answer carries.
async fn create(data: &AppData, slug: &str) -> String {
    let input =
        json!({ "slug": slug, "title": slug, "body": "b", "publishedAt": "2025-01-01T00:00:00Z", "lang": "en" });
    let req = post(json!({
        "query": "mutation($input: CreateArticleInput!) { createArticle(input: $input) { slug } }",
        "variables": { "input": input },
    }))
    .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")));
    let reply = send(data, req).await;
    assert_eq!(reply.json()["data"]["createArticle"]["slug"], slug, "{}", reply.json());
    reply
        .header("x-gazette-min-lsn")
        .expect("a mutation's answer names its WAL position")
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within 10 s: {what}");
}

async fn replay(standby: &DatabaseConnection, sql: &str) {
    standby.execute_unprepared(sql).await.expect("replay control");
}

#[actix_web::test]
#[cfg_attr(
    not(test_replica),
    ignore = "needs TEST_DATABASE_URL and TEST_REPLICA_URL (a streaming standby)"
)]
async fn queries_read_from_the_standby_and_writes_are_read_back_fresh() {
    let url = fresh_postgres_database().await.expect("TEST_DATABASE_URL");
    let primary = gazette::query::open(&url).await.unwrap();
    let standby_url = on_standby(&url);
    // The new database and its migrations reach the standby by replay.
    let mut standby = None;
    until("the database is on the standby", async || {
        standby = sea_orm::Database::connect(&standby_url).await.ok();
        standby.is_some()
    })
    .await;
    let standby = standby.unwrap();
    let reads = Arc::new(
        ReadPools::connect(
            primary.clone(),
            std::slice::from_ref(&standby_url),
            4,
            Duration::from_secs(5),
        )
        .await
        .unwrap(),
    );
    tokio::spawn(reads.clone().monitor());
    let api = Api::new(primary.clone()).with_reads(reads.clone());
    let settings = HttpSettings {
        admin_token: Some(TOKEN.to_owned()),
        ..HttpSettings::default()
    };
    let data = AppData::new(api.with_limits(&Limits::default(), true), settings).unwrap();

    let first = create(&data, "first").await;
    until("the standby replays the first article", async || {
        reads.replicas[0].in_rotation(Duration::from_secs(5))
            && slugs_of(&query(&data, Some(&first)).await) == ["first"]
    })
    .await;

    // Replay paused: the standby stays behind the primary.
    replay(&standby, "SELECT pg_wal_replay_pause()").await;
    let second = create(&data, "second").await;
    let plain = query(&data, None).await;
    assert_eq!(slugs_of(&plain), ["first"], "a plain query reads the lagging standby");
    let fresh = query(&data, Some(&second)).await;
    assert_eq!(
        slugs_of(&fresh).len(),
        2,
        "a read at the mutation's position sees it (the primary answers)"
    );
    replay(&standby, "SELECT pg_wal_replay_resume()").await;
    until("the standby catches up", async || {
        slugs_of(&query(&data, None).await).len() == 2
    })
    .await;

    // The standby goes away: no request fails, even those sent before the
    // monitor notices (they fail on the standby and run again on the primary).
    drop(standby);
    standby_ctl("stop");
    for _ in 0..30 {
        assert_eq!(slugs_of(&query(&data, None).await).len(), 2);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!reads.replicas[0].in_rotation(Duration::from_secs(5)));
    let shown = metrics(&data).await;
    let label = format!("replica=\"{}\"", reads.replicas[0].name);
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("gazette_replica_in_rotation") && l.contains(&label) && l.ends_with(" 0")),
        "{shown}"
    );
    create(&data, "third").await;
    assert_eq!(slugs_of(&query(&data, None).await).len(), 3, "the primary answers");

    // Back: in rotation again, and reads go there (replay paused once more
    // shows a query served by the standby).
    standby_ctl("start");
    until("the standby is back in rotation", async || {
        reads.replicas[0].in_rotation(Duration::from_secs(5))
    })
    .await;
    let shown = metrics(&data).await;
    for gauge in [
        "gazette_replica_in_rotation",
        "gazette_replica_lag_seconds",
        "gazette_replica_pool_connections",
    ] {
        assert!(
            shown.lines().any(|l| l.starts_with(gauge) && l.contains(&label)),
            "{gauge} in {shown}"
        );
    }
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("gazette_replica_in_rotation") && l.contains(&label) && l.ends_with(" 1")),
        "{shown}"
    );
    let standby = sea_orm::Database::connect(&standby_url).await.unwrap();
    until("the standby replays the third article", async || {
        slugs_of(&query(&data, Some(&create_lsn_now(&reads).await)).await).len() == 3
    })
    .await;
    replay(&standby, "SELECT pg_wal_replay_pause()").await;
    create(&data, "fourth").await;
    let plain: Value = query(&data, None).await.json();
    assert_eq!(
        plain["data"]["articles"]["nodes"].as_array().unwrap().len(),
        3,
        "reads are back on the standby: {plain}"
    );
    replay(&standby, "SELECT pg_wal_replay_resume()").await;

    // Seen from the servers themselves: while queries run, the standby's
    // pg_stat_activity shows one running under the replica pool's name;
    // while mutations run, the primary shows their INSERT under the
    // primary's. Neither server ever sees the other pool's name.
    let on_primary = sea_orm::Database::connect(&url).await.unwrap();
    let reading = running(
        &standby,
        gazette::db::REPLICA_APPLICATION_NAME,
        "%article%",
        async || {
            query(&data, None).await;
        },
    )
    .await;
    assert!(reading, "no query of the replica pool was seen running on the standby");
    let mut n = 0;
    let writing = running(
        &on_primary,
        gazette::db::APPLICATION_NAME,
        "insert into%article%",
        async || {
            n += 1;
            create(&data, &format!("seen-{n}")).await;
        },
    )
    .await;
    assert!(writing, "no INSERT of the primary pool was seen running on the primary");
    // (Idle connections on the primary are not counted: through PgBouncer a
    // server connection carries the name of whichever client used it last,
    // this test's own watcher included.)
    assert_eq!(connections(&standby, gazette::db::APPLICATION_NAME).await, 0);
    assert_eq!(connections(&on_primary, gazette::db::REPLICA_APPLICATION_NAME).await, 0);
}

/// Whether, while `load` runs again and again (up to 10 s), `server`'s
/// `pg_stat_activity` shows a statement of this database matching `like`
/// running (`state = 'active'`) on a connection named `application`.
async fn running(server: &DatabaseConnection, application: &str, like: &str, mut load: impl AsyncFnMut()) -> bool {
    let found = std::cell::Cell::new(false);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let sql = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = '{application}' AND state = 'active' AND query ILIKE '{like}' \
         AND query NOT ILIKE '%pg_stat_activity%'"
    );
    let watch = async {
        while !found.get() && std::time::Instant::now() < deadline {
            let row = server
                .query_one_raw(sea_orm::Statement::from_string(
                    server.get_database_backend(),
                    sql.clone(),
                ))
                .await
                .unwrap()
                .unwrap();
            if row.try_get::<i64>("", "n").unwrap() > 0 {
                found.set(true);
            }
        }
    };
    let work = async {
        while !found.get() && std::time::Instant::now() < deadline {
            load().await;
        }
    };
    futures_util::join!(watch, work);
    found.get()
}

/// How many of `server`'s connections to this database are named `application`.
async fn connections(server: &DatabaseConnection, application: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{application}'"
    );
    let row = server
        .query_one_raw(sea_orm::Statement::from_string(server.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// What `/metrics` shows.
async fn metrics(data: &AppData) -> String {
    let reply = send(data, actix_web::test::TestRequest::get().uri("/metrics")).await;
    String::from_utf8(reply.body.to_vec()).unwrap()
}

/// The primary's position now, as a header value.
async fn create_lsn_now(reads: &ReadPools) -> String {
    reads.primary_lsn().await.expect("a WAL position").to_string()
}

/// A malformed `X-Gazette-Min-Lsn` is the client's error, named as such,
/// on any engine; a well-formed one without replicas is answered by the
/// primary as usual.
#[actix_web::test]
async fn a_malformed_min_lsn_is_bad_user_input() {
    let app = spawn_app().await;
    let data = app.app_data();
    let bad = send(
        &data,
        post(json!({ "query": SLUGS }))
            .insert_header(("accept", "application/graphql-response+json"))
            .insert_header(("x-gazette-min-lsn", "yesterday")),
    )
    .await;
    assert_eq!(bad.status, actix_web::http::StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(bad.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("X-Gazette-Min-Lsn"));
    let fine = query(&data, Some("0/16B3748")).await;
    assert_eq!(slugs_of(&fine), Vec::<String>::new());
}
