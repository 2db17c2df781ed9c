//! Subscriptions over a real WebSocket (graphql-transport-ws, as graphql-ws
//! clients speak it): events from mutations, watch mode and other processes,
//! cleanup on disconnect, and slow subscribers.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use gazette::graphql::{Api, Limits};
use gazette::live::{Change, ChangeKind, Hub};
use gazette::server::{AppData, HttpSettings};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::*;

const TOKEN: &str = "s3cret-token";

/// A graphql-transport-ws client.
struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    /// Connects to `ws://addr/graphql` and completes `connection_init`.
    async fn connect(addr: &str) -> Ws {
        Ws::connect_as(addr, None).await
    }

    /// [`Ws::connect`], sending `Authorization: Bearer <token>` with the upgrade when given.
    async fn connect_as(addr: &str, token: Option<&str>) -> Ws {
        let mut request = format!("ws://{addr}/graphql").into_client_request().expect("request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        if let Some(token) = token {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().expect("header"));
        }
        let (stream, response) = tokio_tungstenite::connect_async(request).await.expect("upgrade");
        assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
        let mut ws = Ws { stream };
        ws.send(json!({ "type": "connection_init" })).await;
        assert_eq!(ws.next_json().await["type"], "connection_ack");
        ws
    }

    async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::text(message.to_string()))
            .await
            .expect("send");
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next protocol message (pings are answered by the library); fails after 20 s.
    async fn next_json(&mut self) -> Value {
        // One deadline: the server's pings must not extend it.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("a message within 20 s")
                .expect("the connection is open")
                .expect("a frame");
            match frame {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON message"),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// The next protocol message as sent, byte for byte (pings are answered by the library).
    async fn next_text(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("a message within 20 s")
                .expect("the connection is open")
                .expect("a frame");
            match frame {
                Message::Text(text) => return text.to_string(),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// The first message for operation `id` that is not `complete`.
    async fn result_of(&mut self, id: &str) -> Value {
        loop {
            let message = self.next_json().await;
            if message["id"] == id && message["type"] != "complete" {
                return message;
            }
        }
    }

    /// The next `next` message: (subscription id, data); it must carry no errors.
    async fn next_event(&mut self) -> (String, Value) {
        let message = self.next_json().await;
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"].get("errors").is_none(), "{message}");
        (
            message["id"].as_str().unwrap_or_default().to_owned(),
            message["payload"]["data"].clone(),
        )
    }

    /// Fails if a protocol message arrives within `time`.
    async fn assert_quiet(&mut self, time: Duration) {
        let deadline = tokio::time::Instant::now() + time;
        // A ready stream wins over an elapsed timeout, so stop when it ends.
        while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, self.stream.next()).await {
            if let Ok(Message::Text(text)) = frame {
                panic!("unexpected message: {text}");
            }
        }
    }

    /// Reads until the server closes: its close code and reason, and the
    /// `next` payloads that came first.
    async fn close_frame(&mut self) -> (u16, String, Vec<Value>) {
        let mut before = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("closed within 20 s");
            match frame {
                Some(Ok(Message::Close(Some(f)))) => return (u16::from(f.code), f.reason.to_string(), before),
                Some(Ok(Message::Text(text))) => before.push(serde_json::from_str(&text).expect("JSON")),
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
}

fn settings() -> HttpSettings {
    HttpSettings {
        admin_token: Some(TOKEN.into()),
        ..HttpSettings::default()
    }
}

fn app_data(api: Api) -> AppData {
    AppData::new(api.with_limits(&Limits::default(), true), settings()).expect("metrics")
}

/// A GraphQL request over HTTP with the admin token; its `data`.
async fn admin(addr: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let addr = addr.to_owned();
    let reply = tokio::task::spawn_blocking(move || http(&addr, &request))
        .await
        .expect("request");
    let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap_or_default()).expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

const CREATE: &str = "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id slug } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateArticleInput!) { updateArticle(id: $id, input: $input) { id } }";

fn article(slug: &str, tags: &[&str], draft: bool) -> Value {
    json!({ "input": {
        "slug": slug, "title": format!("Title of {slug}"), "body": "央行意外宣布降息。",
        "publishedAt": "2025-06-01T08:00:00Z", "lang": "zh-CN", "tags": tags, "draft": draft
    } })
}

/// Waits until `check` holds, or fails after 10 s with `what`.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the server at `addr` reports `n` open subscriptions on
/// `/metrics` (the hub's receivers): each then hears every change from now on.
async fn subscribed(addr: &str, n: usize) {
    let wanted = format!("gazette_subscriptions {n}");
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut last = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (a, r) = (addr.to_owned(), request.clone());
        last = tokio::task::spawn_blocking(move || http(&a, &r)).await.unwrap_or(last);
        if last.lines().any(|l| l.trim() == wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "never {wanted} at {addr}: {last}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn mutations_reach_websocket_subscribers_through_their_filters() {
    let app = spawn_app().await;
    let addr = serve_in_process(app_data(app.state.clone()));
    let mut ws = Ws::connect(&addr).await;
    ws.subscribe(
        "rates",
        r#"subscription { articlePublished(filter: { tags: { any: ["利率"] } }) { slug tags { slug } } }"#,
        json!({}),
    )
    .await;
    ws.subscribe("all", "subscription { articlePublished { slug title } }", json!({}))
        .await;
    eventually("two subscriptions", || app.state.hub.subscribers() == 2).await;

    // A draft is not news; an article outside the filter reaches `all` only.
    let draft = admin(&addr, CREATE, article("draft", &["利率"], true)).await;
    admin(&addr, CREATE, article("weather", &["天气"], false)).await;
    admin(&addr, CREATE, article("rate-cut", &["利率"], false)).await;

    let mut rates = Vec::new();
    let mut all = Vec::new();
    while all.len() < 2 || rates.is_empty() {
        let (id, data) = ws.next_event().await;
        let slug = data["articlePublished"]["slug"].as_str().unwrap_or_default().to_owned();
        match id.as_str() {
            "rates" => rates.push(slug),
            "all" => all.push(slug),
            other => panic!("unknown subscription {other}"),
        }
    }
    assert_eq!(all, ["weather", "rate-cut"]);
    assert_eq!(rates, ["rate-cut"]);

    // Publishing the draft is news to both, and an update to `articleUpdated`.
    let id = draft["createArticle"]["id"].clone();
    ws.subscribe(
        "watch",
        "subscription($id: ID) { articleUpdated(id: $id) { slug title } }",
        json!({ "id": id }),
    )
    .await;
    eventually("three subscriptions", || app.state.hub.subscribers() == 3).await;
    admin(&addr, UPDATE, json!({ "id": id, "input": { "draft": false } })).await;
    admin(
        &addr,
        UPDATE,
        json!({ "id": id, "input": { "title": "Rates cut again" } }),
    )
    .await;
    let mut events = Vec::new();
    for _ in 0..4 {
        events.push(ws.next_event().await);
    }
    events.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        events,
        [
            (
                "all".to_owned(),
                json!({ "articlePublished": { "slug": "draft", "title": "Title of draft" } })
            ),
            (
                "rates".to_owned(),
                json!({ "articlePublished": { "slug": "draft", "tags": [{ "slug": "利率" }] } })
            ),
            (
                "watch".to_owned(),
                json!({ "articleUpdated": { "slug": "draft", "title": "Title of draft" } })
            ),
            (
                "watch".to_owned(),
                json!({ "articleUpdated": { "slug": "draft", "title": "Rates cut again" } })
            ),
        ]
    );
}

#[actix_web::test]
async fn bad_subscriptions_get_coded_errors() {
    let app = spawn_app().await;
    let addr = serve_in_process(app_data(app.state.clone()));

    // A WebSocket without a GraphQL subprotocol is refused before the upgrade.
    let request = format!(
        "GET /graphql HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    let a = addr.clone();
    let reply = tokio::task::spawn_blocking(move || http(&a, &request))
        .await
        .expect("request");
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("BAD_USER_INPUT"), "{reply}");

    let mut ws = Ws::connect(&addr).await;
    ws.subscribe("1", "subscription { articleUpdated(id: \"nope\") { slug } }", json!({}))
        .await;
    let message = ws.result_of("1").await;
    let code = message["payload"]["errors"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| message["payload"][0]["extensions"]["code"].as_str());
    assert_eq!(code, Some("BAD_USER_INPUT"), "{message}");

    // The query limits hold for subscriptions too.
    ws.subscribe(
        "2",
        "subscription { articlePublished { tags { articles(first: 100) { edges { node { tags { articles(first: 100) { edges { node { slug } } } } } } } } } }",
        json!({}),
    )
    .await;
    let message = ws.result_of("2").await;
    assert!(message.to_string().contains("QUERY_TOO_COMPLEX"), "{message}");

    // Writes are HTTP-only: over the socket there is no admin token.
    ws.subscribe("3", CREATE, article("sneaky", &[], false)).await;
    let message = ws.result_of("3").await;
    assert!(message.to_string().contains("UNAUTHENTICATED"), "{message}");
    assert_eq!(app.state.hub.subscribers(), 0);
    let data = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(data["articles"]["totalCount"], 0);
}

#[actix_web::test]
async fn a_subscriber_that_disconnects_is_cleaned_up() {
    let app = spawn_app().await;
    let data = app_data(app.state.clone());
    let metrics = data.metrics.clone();
    let addr = serve_in_process(data);

    let mut ws = Ws::connect(&addr).await;
    ws.subscribe("1", "subscription { articlePublished { slug } }", json!({}))
        .await;
    ws.subscribe("2", "subscription { articleUpdated { slug } }", json!({}))
        .await;
    eventually("two subscriptions", || app.state.hub.subscribers() == 2).await;
    assert_eq!(metrics.websockets.get(), 1);

    // `complete` ends one subscription.
    ws.send(json!({ "id": "1", "type": "complete" })).await;
    eventually("one subscription", || app.state.hub.subscribers() == 1).await;

    // Dropping the socket without a close frame frees the rest.
    drop(ws);
    eventually("no subscription", || app.state.hub.subscribers() == 0).await;
    eventually("no connection", || metrics.websockets.get() == 0).await;
}

#[actix_web::test]
async fn a_subscriber_that_falls_behind_is_closed_with_a_reason() {
    let app = spawn_app().await;
    let hub = Hub::local(4);
    let data = app_data(app.state.clone().with_hub(hub.clone()));
    let metrics = data.metrics.clone();
    let addr = serve_in_process(data);
    admin(&addr, CREATE, article("busy", &[], false)).await;
    let row = app.data("{ article(slug: \"busy\") { slug } }", json!({})).await;
    assert_eq!(row["article"]["slug"], "busy");

    let mut ws = Ws::connect(&addr).await;
    ws.subscribe("1", "subscription { articleUpdated { slug } }", json!({}))
        .await;
    eventually("a subscription", || hub.subscribers() == 1).await;
    // 100 changes at once: more than the buffer of 4 behind.
    let article_id = gazette_article_id(&app).await;
    hub.announce((0..100).map(|_| Change {
        kind: ChangeKind::Updated,
        article_id,
    }));
    let (code, reason, before) = ws.close_frame().await;
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("too slow"), "{reason}");
    assert!(before.len() <= 5, "{} events before the close", before.len());
    eventually("the subscription freed", || hub.subscribers() == 0).await;
    assert_eq!(metrics.slow_subscribers.get(), 1);
}

/// The row id of the only article.
async fn gazette_article_id(app: &TestApp) -> i32 {
    use sea_orm::EntityTrait;
    entity::article::Entity::find()
        .all(&app.db)
        .await
        .expect("rows")
        .first()
        .map(|a| a.id)
        .expect("an article")
}

#[actix_web::test]
async fn watch_mode_imports_reach_websocket_subscribers() {
    let content = ContentDir::new();
    content.write("one.md", yaml_article("One", "2025-01-01", ""));
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("w.db").display());
    let server = Server::start(&["--database-url", &url, "--watch", "--content"], Some(content.path()));
    let mut ws = Ws::connect(&server.addr).await;
    ws.subscribe("new", "subscription { articlePublished { slug title } }", json!({}))
        .await;
    ws.subscribe("changed", "subscription { articleUpdated { slug title } }", json!({}))
        .await;
    // Both registered with the hub before the files change.
    subscribed(&server.addr, 2).await;

    content.write("two.md", yaml_article("Two", "2025-01-02", ""));
    assert_eq!(
        ws.next_event().await,
        (
            "new".to_owned(),
            json!({ "articlePublished": { "slug": "two", "title": "Two" } })
        )
    );
    content.write("one.md", yaml_article("One, revised", "2025-01-01", ""));
    assert_eq!(
        ws.next_event().await,
        (
            "changed".to_owned(),
            json!({ "articleUpdated": { "slug": "one", "title": "One, revised" } })
        )
    );
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn subscribers_on_one_postgres_replica_hear_writes_made_through_another() {
    let Some(url) = fresh_postgres_database().await else {
        // Forced with --include-ignored: fail, rather than pass without running.
        panic!("needs TEST_DATABASE_URL naming a PostgreSQL server");
    };
    let empty = tempfile::tempdir().expect("temp dir");
    // B always names --listen-url; A only when the suite runs through a
    // PgBouncer (else it listens on the database URL, the default).
    let listen = listen_url(&url);
    let mut args = vec!["--database-url", url.as_str(), "--admin-token", TOKEN];
    let mut b_args = args.clone();
    b_args.extend(["--listen-url", listen.as_str()]);
    if listen != url {
        args.extend(["--listen-url", listen.as_str()]);
    }
    args.push("--content");
    b_args.push("--content");
    let (a, b) = (
        Server::start(&args, Some(empty.path())),
        Server::start(&b_args, Some(empty.path())),
    );
    let mut on_a = Ws::connect(&a.addr).await;
    let mut on_b = Ws::connect(&b.addr).await;
    for ws in [&mut on_a, &mut on_b] {
        ws.subscribe("new", "subscription { articlePublished { slug } }", json!({}))
            .await;
    }
    subscribed(&a.addr, 1).await;
    subscribed(&b.addr, 1).await;

    // A mutation through A reaches subscribers on A and on B, once each.
    admin(&a.addr, CREATE, article("from-a", &[], false)).await;
    // `gazette import` is a third process.
    let import = url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(["--database-url", &import, "import"])
            .arg(fixture(SEED_FILE))
            .output()
    })
    .await
    .expect("import task")
    .expect("import runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for ws in [&mut on_a, &mut on_b] {
        let first = ws.next_event().await;
        let second = ws.next_event().await;
        assert_eq!(first.1, json!({ "articlePublished": { "slug": "from-a" } }));
        assert_eq!(second.1, json!({ "articlePublished": { "slug": SEED_SLUG } }));
        ws.assert_quiet(Duration::from_millis(500)).await;
    }

    // The listener really connects to --listen-url: one nothing answers at
    // stops the server at start, naming the LISTEN.
    let bad = url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args([
                "--database-url",
                &bad,
                "--listen-url",
                "postgres://gazette@127.0.0.1:1/none",
            ])
            .args(["--bind", "127.0.0.1:0", "serve"])
            .output()
    })
    .await
    .expect("serve task")
    .expect("serve runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("LISTEN"), "{stderr}");
}

/// A filter on one tag, as `$filter` of [`BY_TAG`].
fn tag_filter(tag: &str) -> Value {
    json!({ "filter": { "tags": { "any": [tag] } } })
}

const BY_TAG: &str = "subscription($filter: ArticleFilter) { articlePublished(filter: $filter) { slug title } }";

#[actix_web::test]
async fn identical_subscriptions_are_resolved_once_and_get_the_same_bytes() {
    let app = spawn_app().await;
    let data = app_data(app.state.clone());
    let (metrics, registry) = (data.metrics.clone(), data.subscriptions.clone());
    let addr = serve_in_process(data);
    let mut a = Ws::connect(&addr).await;
    let mut b = Ws::connect(&addr).await;
    let mut other = Ws::connect(&addr).await;
    a.subscribe("1", BY_TAG, tag_filter("rates")).await;
    b.subscribe("1", BY_TAG, tag_filter("rates")).await;
    other.subscribe("1", BY_TAG, tag_filter("weather")).await;
    eventually("three subscribers in two groups", || {
        registry.subscribers() == 3 && registry.groups() == 2
    })
    .await;
    // One hub listener per group, not per subscriber.
    assert_eq!(app.state.hub.subscribers(), 2);

    // An article in both filters: each group resolves it once.
    admin(&addr, CREATE, article("both", &["rates", "weather"], false)).await;
    let (from_a, from_b) = (a.next_text().await, b.next_text().await);
    assert_eq!(from_a, from_b, "the same bytes to both");
    let message: Value = serde_json::from_str(&from_a).expect("JSON");
    assert_eq!(message["payload"]["data"]["articlePublished"]["slug"], "both");
    assert_eq!(other.next_event().await.1["articlePublished"]["slug"], "both");
    assert_eq!(metrics.subscription_resolutions.get(), 2, "one per distinct variables");

    // One only the first filter takes: the other group stays quiet.
    admin(&addr, CREATE, article("rate-cut", &["rates"], false)).await;
    assert_eq!(a.next_event().await.1["articlePublished"]["slug"], "rate-cut");
    assert_eq!(b.next_event().await.1["articlePublished"]["slug"], "rate-cut");
    other.assert_quiet(Duration::from_millis(300)).await;
    assert_eq!(metrics.subscription_resolutions.get(), 3);
}

#[actix_web::test]
async fn a_subscriber_leaving_its_group_leaves_the_others_receiving() {
    let app = spawn_app().await;
    let data = app_data(app.state.clone());
    let registry = data.subscriptions.clone();
    let addr = serve_in_process(data);
    let mut a = Ws::connect(&addr).await;
    let mut b = Ws::connect(&addr).await;
    let mut c = Ws::connect(&addr).await;
    for ws in [&mut a, &mut b, &mut c] {
        ws.subscribe("s", "subscription { articlePublished { slug } }", json!({}))
            .await;
    }
    eventually("three subscribers in one group", || {
        registry.subscribers() == 3 && registry.groups() == 1
    })
    .await;

    // One disconnects without a word, one completes its subscription.
    drop(a);
    b.send(json!({ "id": "s", "type": "complete" })).await;
    assert_eq!(b.next_json().await, json!({ "type": "complete", "id": "s" }));
    eventually("one subscriber left", || registry.subscribers() == 1).await;
    assert_eq!(registry.groups(), 1);
    admin(&addr, CREATE, article("still-here", &[], false)).await;
    assert_eq!(
        c.next_event().await,
        ("s".to_owned(), json!({ "articlePublished": { "slug": "still-here" } }))
    );
    b.assert_quiet(Duration::from_millis(300)).await;

    // The last one leaving ends the group and its hub listener.
    drop(c);
    eventually("no group", || registry.groups() == 0).await;
    eventually("no hub listener", || app.state.hub.subscribers() == 0).await;
}

#[actix_web::test]
async fn token_holders_share_the_public_group_and_see_only_public_articles() {
    let app = spawn_app().await;
    let settings = HttpSettings {
        admin_token: Some(TOKEN.into()),
        preview_token: Some("preview-token".into()),
        ..HttpSettings::default()
    };
    let data = AppData::new(app.state.clone().with_limits(&Limits::default(), true), settings).expect("metrics");
    let (metrics, registry) = (data.metrics.clone(), data.subscriptions.clone());
    let addr = serve_in_process(data);
    let mut anonymous = Ws::connect(&addr).await;
    let mut previewer = Ws::connect_as(&addr, Some("preview-token")).await;
    let mut editor = Ws::connect_as(&addr, Some(TOKEN)).await;
    for ws in [&mut anonymous, &mut previewer, &mut editor] {
        ws.subscribe("s", "subscription { articlePublished { slug } }", json!({}))
            .await;
    }
    // Subscriptions are public-only with any token: one audience, one group.
    eventually("three subscribers in one group", || {
        registry.subscribers() == 3 && registry.groups() == 1
    })
    .await;
    admin(&addr, CREATE, article("unpublished", &[], true)).await;
    admin(&addr, CREATE, article("public", &[], false)).await;
    let expected = anonymous.next_text().await;
    assert!(expected.contains("\"public\""), "{expected}");
    assert_eq!(previewer.next_text().await, expected);
    assert_eq!(editor.next_text().await, expected);
    assert_eq!(metrics.subscription_resolutions.get(), 1);
}

#[actix_web::test]
async fn a_stalled_subscriber_is_dropped_while_its_group_carries_on() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let app = spawn_app().await;
    let hub = Hub::local(4);
    let data = app_data(app.state.clone().with_hub(hub.clone()));
    let (metrics, registry) = (data.metrics.clone(), data.subscriptions.clone());
    let addr = serve_in_process(data);
    let mut big = article("big", &[], false);
    big["input"]["body"] = json!("央行意外宣布降息。".repeat(5_000));
    admin(&addr, CREATE, big).await;
    let article_id = gazette_article_id(&app).await;
    const QUERY: &str = "subscription { articleUpdated { slug body(format: MARKDOWN) } }";

    // A client that subscribes, then never reads, through a small receive window.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = socket.connect(addr.parse().expect("address")).await.expect("connect");
    let mut request = format!("ws://{addr}/graphql").into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut stalled, _) = tokio_tungstenite::client_async(request, stream).await.expect("upgrade");
    for message in [
        json!({ "type": "connection_init" }),
        json!({ "id": "s", "type": "subscribe", "payload": { "query": QUERY } }),
    ] {
        stalled.send(Message::text(message.to_string())).await.expect("send");
    }
    let mut reader = Ws::connect(&addr).await;
    reader.subscribe("s", QUERY, json!({})).await;
    eventually("two subscribers in one group", || {
        registry.subscribers() == 2 && registry.groups() == 1
    })
    .await;

    // Far more than the stalled socket and the buffers before it hold; one
    // change at a time, so the group itself keeps up with the hub.
    let started = Instant::now();
    for _ in 0..60 {
        hub.announce([Change {
            kind: ChangeKind::Updated,
            article_id,
        }]);
        let (id, data) = reader.next_event().await;
        assert_eq!((id.as_str(), &data["articleUpdated"]["slug"]), ("s", &json!("big")));
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the reader waited for the stalled one: {:?}",
        started.elapsed()
    );
    // The stalled one is dropped (its socket took nothing for 10 s, or it
    // fell the buffer behind); the reader is still subscribed.
    let deadline = Instant::now() + Duration::from_secs(30);
    while registry.subscribers() != 1 {
        assert!(Instant::now() < deadline, "the stalled subscriber was never dropped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(metrics.slow_subscribers.get(), 1);
    hub.announce([Change {
        kind: ChangeKind::Updated,
        article_id,
    }]);
    assert_eq!(reader.next_event().await.0, "s");
    drop(stalled);
}
