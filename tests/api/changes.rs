//! The change log as readers meet it: `changes` delta sync (every change a
//! reader could see, oldest first, tombstones included, with the cache
//! keys it invalidates) and scheduled publishing (an article dated ahead
//! becomes a change at its instant, not before, once across processes).

use std::time::Duration;

use actix_web::http::header;
use chrono::{SecondsFormat, Utc};
use gazette::live::{ChangeKind, Hub};
use gazette::server::AppData;
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "change-log-token";

const CHANGES: &str = "query($after: String, $first: Int) {
  changes(after: $after, first: $first) {
    syncCursor
    pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence type at keys article { id slug url relPermalink locale } term { taxonomy slug url } } }
  }
}";

fn editable(app: &TestApp) -> AppData {
    app.editable(TOKEN)
}

async fn mutate(data: &AppData, query: &str, variables: Value) -> Value {
    mutate_as(data, TOKEN, query, variables).await
}

/// Every change from the start, following `syncCursor` page by page.
async fn all_changes(app: &TestApp, page: i64) -> Vec<Value> {
    let (mut out, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.data(CHANGES, json!({ "after": after, "first": page })).await;
        let c = &data["changes"];
        out.extend(c["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()));
        after = c["syncCursor"].clone();
        if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return out;
        }
    }
}

fn kinds(changes: &[Value]) -> Vec<(String, String)> {
    changes
        .iter()
        .map(|c| {
            let slug = c["article"]["slug"]
                .as_str()
                .or(c["term"]["slug"].as_str())
                .unwrap_or("");
            (c["type"].as_str().unwrap().to_owned(), slug.to_owned())
        })
        .collect()
}

fn has_key(change: &Value, key: &str) -> bool {
    change["keys"].as_array().unwrap().iter().any(|k| k == key)
}

#[actix_web::test]
async fn changes_list_every_public_change_oldest_first_with_tombstones() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    dir.write(
        "news/one.md",
        yaml_article("One", "2025-01-01T00:00:00Z", "tags: [Rates]\n"),
    );
    dir.write("news/two.md", yaml_article("Two", "2025-01-02T00:00:00Z", ""));
    dir.write(
        "news/draft.md",
        yaml_article("Draft", "2025-01-03T00:00:00Z", "draft: true\n"),
    );
    app.import(&[dir.path().to_path_buf()]).await;

    let log = all_changes(&app, 100).await;
    let mut imported = kinds(&log);
    imported.sort();
    assert_eq!(
        imported,
        vec![
            ("ARTICLE_PUBLISHED".to_owned(), "one".to_owned()),
            ("ARTICLE_PUBLISHED".to_owned(), "two".to_owned()),
        ],
        "a draft is not news: {log:?}"
    );
    let first = log.iter().find(|c| c["article"]["slug"] == "one").unwrap();
    assert_eq!(first["article"]["relPermalink"], "/news/one/");
    assert_eq!(first["article"]["locale"], "en");
    for key in [
        "article:",
        "articles",
        "section:/",
        "section:/news/",
        "term:tags/rates",
        "sitemap",
    ] {
        assert!(
            first["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k.as_str().unwrap().starts_with(key)),
            "{key} in {first}"
        );
    }
    let one_id = first["article"]["id"].as_str().unwrap().to_owned();
    let two_id = log.iter().find(|c| c["article"]["slug"] == "two").unwrap()["article"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cursor = app.data(CHANGES, json!({})).await["changes"]["syncCursor"].clone();

    // Nothing new: no edges, and the cursor to keep is the one given.
    let idle = app.data(CHANGES, json!({ "after": cursor })).await;
    assert_eq!(idle["changes"]["edges"], json!([]));
    assert_eq!(idle["changes"]["syncCursor"], cursor);

    let data = editable(&app);
    mutate(
        &data,
        "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"One, revised\" }) { id } }",
        json!({ "id": one_id }),
    )
    .await;
    mutate(
        &data,
        "mutation($id: ID!) { updateArticle(id: $id, input: { draft: true }) { id } }",
        json!({ "id": two_id }),
    )
    .await;
    // Editing a draft is nobody's news.
    mutate(
        &data,
        "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"Two, hidden\" }) { id } }",
        json!({ "id": two_id }),
    )
    .await;
    let tag = app.data("{ tags(first: 5) { nodes { id slug } } }", json!({})).await["tags"]["nodes"][0]["id"].clone();
    mutate(
        &data,
        "mutation($id: ID!) { renameTag(id: $id, name: \"Interest rates\") { id } }",
        json!({ "id": tag }),
    )
    .await;
    mutate(
        &data,
        "mutation($id: ID!) { deleteArticle(id: $id) }",
        json!({ "id": one_id }),
    )
    .await;

    let since = app.data(CHANGES, json!({ "after": cursor })).await;
    let edges = since["changes"]["edges"].as_array().unwrap();
    let new: Vec<Value> = edges.iter().map(|e| e["node"].clone()).collect();
    assert_eq!(
        kinds(&new),
        vec![
            ("ARTICLE_UPDATED".to_owned(), "one".to_owned()),
            ("ARTICLE_UNPUBLISHED".to_owned(), "two".to_owned()),
            ("TERM_UPDATED".to_owned(), "rates".to_owned()),
            ("ARTICLE_DELETED".to_owned(), "one".to_owned()),
        ]
    );
    // The tombstone keeps what a static builder needs to remove the page.
    let tombstone = &new[3];
    assert_eq!(tombstone["article"]["id"], one_id);
    assert_eq!(tombstone["article"]["relPermalink"], "/news/one/");
    assert!(has_key(tombstone, "section:/news/") && has_key(tombstone, "term:tags/rates"));
    assert_eq!(new[2]["term"]["taxonomy"], "tags");
    assert!(has_key(&new[2], "term:tags/rates") && has_key(&new[2], "feeds"));
    // Cursors: every edge's is usable, later sequences are larger, and the
    // sync cursor is the last edge's.
    let sequences: Vec<i64> = new
        .iter()
        .map(|c| c["sequence"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    assert_eq!(since["changes"]["syncCursor"], edges[3]["cursor"]);
    let after_second = app.data(CHANGES, json!({ "after": edges[1]["cursor"] })).await;
    assert_eq!(after_second["changes"]["edges"].as_array().unwrap().len(), 2);

    // Paging one at a time sees the same log as one page.
    assert_eq!(all_changes(&app, 1).await, all_changes(&app, 100).await);
}

#[actix_web::test]
async fn bad_change_cursors_and_sizes_are_refused() {
    let app = spawn_app().await;
    let (message, code) = app.error(CHANGES, json!({ "after": "bm9wZQ" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("after"), "{message}");
    let (message, code) = app.error(CHANGES, json!({ "first": 101 })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("first"), "{message}");
}

#[actix_web::test]
async fn a_refused_write_logs_nothing() {
    let app = spawn_app().await;
    let data = editable(&app);
    let input =
        json!({ "slug": "same", "title": "A", "body": "b", "publishedAt": "2025-01-01T00:00:00Z", "lang": "en" });
    let create = "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id } }";
    mutate(&data, create, json!({ "input": input })).await;
    let req = post(json!({ "query": create, "variables": { "input": input } }))
        .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")));
    let reply = send(&data, req).await.json();
    assert_eq!(reply["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{reply}");
    assert_eq!(all_changes(&app, 100).await.len(), 1);
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

const BY_SLUG: &str = "query($slug: String!) { article(slug: $slug) { slug } }";

#[actix_web::test]
async fn an_article_dated_ahead_is_published_at_its_instant_not_before() {
    let app = spawn_app().await;
    let data = editable(&app);
    let mut heard = app.state.hub.subscribe();
    tokio::spawn(gazette::publish::schedule::run(app.db.clone(), app.state.hub.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await; // the clock starts

    // Whole milliseconds, as the input below carries it.
    let at = Utc::now() + chrono::Duration::seconds(2);
    let at = chrono::DateTime::<Utc>::from_timestamp_millis(at.timestamp_millis()).unwrap();
    let input = json!({ "slug": "embargoed", "title": "Embargoed", "body": "Not yet.", "publishedAt": rfc3339(at), "lang": "en" });
    mutate(
        &data,
        "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await;
    assert_eq!(
        app.data(BY_SLUG, json!({ "slug": "embargoed" })).await["article"],
        Value::Null
    );
    assert!(all_changes(&app, 100).await.is_empty(), "nothing public yet");

    // The timer tells subscribers at the instant: never before it.
    let change = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let change = heard.recv().await.unwrap();
            if change.kind == ChangeKind::Published {
                return change;
            }
        }
    })
    .await
    .expect("published within 10 s");
    let told = Utc::now();
    assert!(told >= at, "told at {told}, scheduled for {at}");
    assert!(told - at < chrono::Duration::seconds(2), "told {} late", told - at);
    assert_eq!(
        app.data(BY_SLUG, json!({ "slug": "embargoed" })).await["article"]["slug"],
        "embargoed"
    );
    let log = all_changes(&app, 100).await;
    assert_eq!(
        kinds(&log),
        vec![("ARTICLE_PUBLISHED".to_owned(), "embargoed".to_owned())]
    );
    assert_eq!(
        log[0]["at"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap(),
        at
    );
    assert!(has_key(&log[0], &format!("article:{}", change.article_id)));
}

#[actix_web::test]
async fn an_expiry_date_unpublishes_at_its_instant() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    tokio::spawn(gazette::publish::schedule::run(app.db.clone(), app.state.hub.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let expiry = Utc::now() + chrono::Duration::seconds(2);
    let file = dir.write(
        "brief.md",
        yaml_article(
            "Brief",
            "2025-01-01T00:00:00Z",
            &format!("expiryDate: \"{}\"\n", rfc3339(expiry)),
        ),
    );
    app.import(&[file]).await;
    // `serve` imports through its hub, which wakes the timer; this import
    // ran through none, so wake it as `serve`'s would.
    app.state.hub.announce([]);
    assert_eq!(
        app.data(BY_SLUG, json!({ "slug": "brief" })).await["article"]["slug"],
        "brief"
    );
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    assert_eq!(
        app.data(BY_SLUG, json!({ "slug": "brief" })).await["article"],
        Value::Null
    );
    assert_eq!(
        kinds(&all_changes(&app, 100).await),
        vec![
            ("ARTICLE_PUBLISHED".to_owned(), "brief".to_owned()),
            ("ARTICLE_UNPUBLISHED".to_owned(), "brief".to_owned()),
        ]
    );
}

/// Two processes' timers over one database (two hubs, as two replicas
/// have): each instant is logged once, and a clock left behind (a server
/// that was down) logs what passed meanwhile when it ticks again.
#[actix_web::test]
async fn two_timers_log_each_instant_once() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    let now = Utc::now();
    // Start the clock, then date three articles just ahead of it.
    gazette::store::schedule::tick(&app.db, now).await.unwrap();
    let files: Vec<_> = (0..3)
        .map(|i| {
            let at = now + chrono::Duration::milliseconds(1_500 + 300 * i);
            dir.write(&format!("a{i}.md"), yaml_article(&format!("A{i}"), &rfc3339(at), ""))
        })
        .collect();
    app.import(&files).await;
    for _ in 0..2 {
        tokio::spawn(gazette::publish::schedule::run(app.db.clone(), Hub::local(16)));
    }
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let log = all_changes(&app, 100).await;
    let mut published = kinds(&log);
    published.sort();
    assert_eq!(
        published,
        (0..3)
            .map(|i| ("ARTICLE_PUBLISHED".to_owned(), format!("a{i}")))
            .collect::<Vec<_>>(),
        "{log:?}"
    );
}

/// Two writers in two processes' pools: the second to log waits for the
/// first to commit, so ids are in commit order and a reader that has seen
/// id N never finds a smaller id appear later.
#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn change_ids_are_in_commit_order_across_writers() {
    use gazette::publish::keys::Keys;
    use gazette::store::changes::{record, Event, EventKind};
    use sea_orm::TransactionTrait;
    let Some(url) = fresh_postgres_database().await else {
        // Forced with --include-ignored: fail, rather than pass without running.
        panic!("needs TEST_DATABASE_URL naming a PostgreSQL server");
    };
    let (a, b) = (
        gazette::query::open(&url).await.unwrap(),
        gazette::query::open(&url).await.unwrap(),
    );
    let event = |slug: &str| Event {
        kind: EventKind::Published,
        article_id: Some(1),
        taxonomy: None,
        slug: slug.to_owned(),
        path: format!("/{slug}/"),
        locale: "en".to_owned(),
        keys: Keys::new(),
        at: Utc::now(),
    };
    let first = a.begin().await.unwrap();
    record(&first, &[event("first")], &[]).await.unwrap();
    let second = tokio::spawn({
        let (b, e) = (b.clone(), event("second"));
        async move {
            let txn = b.begin().await.unwrap();
            record(&txn, &[e], &[]).await.unwrap();
            txn.commit().await.unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !second.is_finished(),
        "the second writer logged while the first was open"
    );
    assert!(gazette::query::changes::after(&b, None, 10).await.unwrap().is_empty());
    first.commit().await.unwrap();
    second.await.unwrap();
    let log = gazette::query::changes::after(&b, None, 10).await.unwrap();
    let order: Vec<(&str, i64)> = log.iter().map(|e| (e.slug.as_str(), e.id)).collect();
    assert_eq!(order.iter().map(|(s, _)| *s).collect::<Vec<_>>(), ["first", "second"]);
    assert!(order[0].1 < order[1].1);
}
