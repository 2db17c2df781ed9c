//! Webhooks against a real HTTP receiver on loopback that checks every
//! signature with the `standardwebhooks` crate (independently of Gazette's
//! signing code): order, payloads, retries while the receiver is down, a
//! server killed mid-delivery, dead deliveries, the admin API, two
//! deliverers on one database, and configuration errors.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use gazette::publish::keys::Keys;
use gazette::server::{AppData, HttpSettings};
use gazette::store::changes::{Event, EventKind};
use gazette::store::webhooks::{self as store, status};
use gazette::webhook::{self, Hook, Secret, Settings, WebhookConfig};
use sea_orm::DatabaseConnection;
use serde_json::{json, Value};

use crate::helpers::*;

/// The Standard Webhooks spec's example secret.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN: &str = "hook-admin";
const PREVIEW: &str = "hook-preview";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// 204 No Content.
    Accept,
    /// 500.
    Fail,
}

/// One request the receiver accepted as correctly signed.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    id: String,
    body: Value,
}

/// A loopback webhook receiver: it verifies each request's signature with
/// the `standardwebhooks` crate, logs the good ones, and answers per its mode.
#[derive(Clone)]
struct Receiver {
    log: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    bad_signatures: Arc<AtomicUsize>,
    /// A `webhook-id` whose first request is held (never answered in time).
    stall_on: Arc<Mutex<Option<String>>>,
    stalled: Arc<tokio::sync::Notify>,
}

impl Receiver {
    fn new(mode: Mode) -> Self {
        Receiver {
            log: Arc::default(),
            mode: Arc::new(Mutex::new(mode)),
            bad_signatures: Arc::default(),
            stall_on: Arc::default(),
            stalled: Arc::new(tokio::sync::Notify::new()),
        }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn log(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// The `webhook-id`s received on `path`, in arrival order.
    fn ids(&self, path: &str) -> Vec<String> {
        self.log()
            .into_iter()
            .filter(|r| r.path == path)
            .map(|r| r.id)
            .collect()
    }

    /// Serves on `addr` (`127.0.0.1:0` for any port); the address and a handle that stops it.
    fn serve(&self, addr: &str) -> (String, actix_web::dev::ServerHandle) {
        let state = self.clone();
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(web::Data::new(state.clone()))
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(addr)
        .expect("bind the receiver");
        let addr = server.addrs()[0].to_string();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        (addr, handle)
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        headers.insert(
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
    if verifier.verify(&body, &headers).is_err() {
        state.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return HttpResponse::Unauthorized().finish();
    }
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    state.log.lock().unwrap().push(Received {
        path: req.path().to_owned(),
        id: id.clone(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let stall = {
        let mut stall_on = state.stall_on.lock().unwrap();
        if stall_on.as_deref() == Some(id.as_str()) {
            *stall_on = None;
            true
        } else {
            false
        }
    };
    if stall {
        state.stalled.notify_one();
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    match *state.mode.lock().unwrap() {
        Mode::Accept => HttpResponse::NoContent().finish(),
        Mode::Fail => HttpResponse::InternalServerError().finish(),
    }
}

/// Fast retries for tests: attempts a few milliseconds apart.
fn quick() -> Settings {
    Settings {
        max_age: Duration::from_secs(3600),
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
        timeout: Duration::from_secs(2),
        lease: Duration::from_secs(5),
        poll: Duration::from_millis(100),
    }
}

fn config(hooks: Vec<Hook>, settings: Settings) -> WebhookConfig {
    WebhookConfig {
        hooks,
        secret: Secret::parse(SECRET).unwrap(),
        settings,
    }
}

/// A counter of outcomes, as `/metrics` has it.
fn outcomes() -> prometheus::IntCounterVec {
    prometheus::IntCounterVec::new(prometheus::Opts::new("t", "t"), &["outcome"]).unwrap()
}

/// Registers `config`'s hooks (as `serve` does before anything is written)
/// and starts their deliverers.
async fn start(
    db: &DatabaseConnection,
    config: &WebhookConfig,
    site: gazette::site::Site,
    counts: Option<prometheus::IntCounterVec>,
) -> webhook::Deliverers {
    webhook::register(db, config).await.unwrap();
    webhook::spawn(db.clone(), None, Arc::new(site), config, counts).unwrap()
}

/// Appends an article event for article `n` to the change log.
async fn article_event(db: &DatabaseConnection, kind: &str, n: i32) -> i64 {
    store::append_event(
        db,
        Event {
            kind: EventKind::parse(kind).unwrap(),
            article_id: Some(n),
            taxonomy: None,
            slug: format!("a{n}"),
            path: format!("/posts/a{n}/"),
            locale: "en".into(),
            keys: [format!("article:{n}"), "list:posts".to_owned()].into_iter().collect(),
            at: chrono::Utc::now(),
        },
    )
    .await
    .unwrap()
}

/// Waits up to `secs` for `done`, checking every 20 ms.
async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The deliveries of `hook`, oldest first.
async fn deliveries(db: &DatabaseConnection, hook: &str) -> Vec<entity::webhook_delivery::Model> {
    let mut rows: Vec<_> = store::list(db, None, None, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.hook == hook)
        .collect();
    rows.reverse();
    rows
}

/// Waits up to `secs` for `hook`'s deliveries to satisfy `done`.
async fn wait_for_rows(
    db: &DatabaseConnection,
    hook: &str,
    secs: u64,
    what: &str,
    done: impl Fn(&[entity::webhook_delivery::Model]) -> bool,
) -> Vec<entity::webhook_delivery::Model> {
    let start = Instant::now();
    loop {
        let rows = deliveries(db, hook).await;
        if done(&rows) {
            return rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `ids` without repeats, in first-arrival order.
fn distinct(ids: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.iter().filter(|i| seen.insert(i.as_str())).cloned().collect()
}

fn msgs(range: std::ops::RangeInclusive<i64>) -> Vec<String> {
    range.map(webhook::message_id).collect()
}

/// The event number of a `msg_N` id.
fn number(id: &str) -> i64 {
    id.trim_start_matches("msg_").parse().unwrap()
}

fn site_at(base_url: &str) -> (tempfile::TempDir, gazette::site::Site) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hugo.toml"), format!("baseURL = \"{base_url}\"\n")).unwrap();
    let site = gazette::site::Site::load(dir.path(), "production").unwrap();
    (dir, site)
}

#[actix_web::test]
async fn events_arrive_signed_in_order_with_their_payloads_and_filters() {
    let app = spawn_app().await;
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let file = "[[hook]]\nurl = \"http://ADDR/terms\"\nevents = [\"term.updated\"]\n".replace("ADDR", &addr);
    let mut hooks = vec![Hook::all(format!("http://{addr}/all"))];
    hooks.extend(webhook::config::parse_file(Path::new("hooks.toml"), &file).unwrap());
    let counts = outcomes();
    let (_dir, site) = site_at("https://example.org/news/");
    let _deliverers = start(&app.db, &config(hooks, quick()), site, Some(counts.clone())).await;

    let first = article_event(&app.db, "article.published", 1).await;
    article_event(&app.db, "article.updated", 1).await;
    store::append_event(
        &app.db,
        Event {
            kind: EventKind::TermUpdated,
            article_id: None,
            taxonomy: Some("tags".into()),
            slug: "rates".into(),
            path: "/tags/rates/".into(),
            locale: String::new(),
            keys: ["term:tags:rates".to_owned()].into_iter().collect::<Keys>(),
            at: chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
                .unwrap()
                .to_utc(),
        },
    )
    .await
    .unwrap();
    article_event(&app.db, "article.deleted", 2).await;

    wait_until("every event", 15, || {
        receiver.ids("/all").len() == 4 && receiver.ids("/terms").len() == 1
    })
    .await;
    assert_eq!(receiver.bad_signatures.load(Ordering::SeqCst), 0);
    assert_eq!(receiver.ids("/all"), msgs(first..=first + 3), "in log order, once each");
    assert_eq!(
        receiver.ids("/terms"),
        msgs(first + 2..=first + 2),
        "the filter lets terms through only"
    );
    let log = receiver.log();
    let all: Vec<&Received> = log.iter().filter(|r| r.path == "/all").collect();
    let article_id = gazette::graphql::id::encode(gazette::graphql::id::Kind::Article, 1).0;
    assert_eq!(all[0].body["type"], "article.published");
    assert_eq!(
        all[0].body["article"],
        json!({ "id": article_id, "slug": "a1", "url": "https://example.org/news/posts/a1/", "locale": "en" })
    );
    assert_eq!(all[0].body["term"], Value::Null);
    assert_eq!(all[0].body["keys"], json!(["article:1", "list:posts"]));
    assert!(
        chrono::DateTime::parse_from_rfc3339(all[0].body["at"].as_str().unwrap()).is_ok(),
        "{}",
        all[0].body
    );
    assert_eq!(all[1].body["type"], "article.updated");
    assert_eq!(
        all[2].body,
        json!({
            "type": "term.updated",
            "article": null,
            "term": { "taxonomy": "tags", "slug": "rates", "url": "https://example.org/news/tags/rates/" },
            "keys": ["term:tags:rates"],
            "at": "2026-12-01T10:00:00Z",
        })
    );
    assert_eq!(all[3].body["type"], "article.deleted");
    let rows = wait_for_rows(&app.db, &format!("http://{addr}/all"), 5, "delivered rows", |rows| {
        rows.len() == 4 && rows.iter().all(|d| d.status == status::DELIVERED)
    })
    .await;
    assert!(
        rows.iter().all(|d| d.attempts == 1 && d.last_status == Some(204)),
        "{rows:#?}"
    );
    // The counter moves after the attempt is recorded, and the /terms
    // hook records on its own task: wait (up to 5 s) for its fifth tick.
    let delivered = counts.with_label_values(&["delivered"]);
    wait_until("five delivered attempts counted", 5, || delivered.get() >= 5).await;
    assert_eq!(delivered.get(), 5, "four to /all and one to /terms, none twice");
    assert_eq!(counts.with_label_values(&["failed"]).get(), 0);
    // The filtered hook steps past the events it skips on its own time:
    // wait (up to 5 s) for it to reach the last one before checking.
    let mut terms = None;
    for _ in 0..50 {
        let hook = store::hook(&app.db, &format!("http://{addr}/terms"))
            .await
            .unwrap()
            .unwrap();
        let done = hook.cursor >= first + 3;
        terms = Some(hook);
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let terms = terms.unwrap();
    assert_eq!(
        terms.cursor,
        first + 3,
        "the filtered hook's cursor moves past what it does not want"
    );
}

#[actix_web::test]
async fn a_new_hook_starts_after_the_events_already_logged() {
    let app = spawn_app().await;
    article_event(&app.db, "article.published", 1).await;
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let _deliverers = start(
        &app.db,
        &config(vec![Hook::all(format!("http://{addr}/"))], quick()),
        Default::default(),
        None,
    )
    .await;
    let second = article_event(&app.db, "article.updated", 1).await;
    wait_until("the new event", 15, || !receiver.ids("/").is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.ids("/"), msgs(second..=second), "history is not replayed");
}

#[actix_web::test]
async fn a_receiver_down_then_up_gets_every_event_in_order() {
    let app = spawn_app().await;
    // A port nothing listens on yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = format!("http://127.0.0.1:{port}/");
    let _deliverers = start(
        &app.db,
        &config(vec![Hook::all(hook.clone())], quick()),
        Default::default(),
        None,
    )
    .await;
    let first = article_event(&app.db, "article.published", 1).await;
    article_event(&app.db, "article.published", 2).await;
    article_event(&app.db, "article.updated", 1).await;

    let refused = wait_for_rows(&app.db, &hook, 15, "refused attempts", |rows| {
        rows.first().is_some_and(|d| d.attempts >= 3)
    })
    .await;
    assert_eq!(refused.len(), 1, "one event at a time: the next waits for the first");
    assert_eq!(refused[0].status, status::FAILED);
    assert_eq!(refused[0].last_status, None);
    let error = refused[0].last_error.clone().unwrap_or_default();
    assert!(!error.is_empty(), "{refused:#?}");
    assert!(!error.contains(&hook), "the URL stays out of errors: {error}");

    // Up, but failing: the answers are recorded too.
    let receiver = Receiver::new(Mode::Fail);
    let (_addr, _server) = receiver.serve(&format!("127.0.0.1:{port}"));
    wait_until("two failed answers", 15, || receiver.ids("/").len() >= 2).await;
    let failing = deliveries(&app.db, &hook).await;
    assert_eq!(failing.len(), 1, "{failing:#?}");
    receiver.set(Mode::Accept);

    wait_until("every event", 15, || distinct(&receiver.ids("/")).len() == 3).await;
    let ids = receiver.ids("/");
    assert_eq!(distinct(&ids), msgs(first..=first + 2));
    assert!(
        ids.windows(2).all(|w| number(&w[0]) <= number(&w[1])),
        "never out of order: {ids:?}"
    );
    let rows = wait_for_rows(&app.db, &hook, 5, "delivered rows", |rows| {
        rows.len() == 3 && rows.iter().all(|d| d.status == status::DELIVERED)
    })
    .await;
    assert!(
        rows[0].attempts >= 6,
        "refused, 500s and the delivery recorded: {rows:#?}"
    );
    assert_eq!(rows[0].last_status, Some(204));
    assert_eq!(rows[0].last_error, None);
    assert_eq!(rows[2].attempts, 1);
}

/// Deliveries that go dead (receiver failing past a 1 s maximum age), then
/// one delivered: the state the admin tests look at.
async fn dead_then_delivered(
    app: &TestApp,
    counts: Option<prometheus::IntCounterVec>,
) -> (Receiver, actix_web::dev::ServerHandle, String, i64) {
    let receiver = Receiver::new(Mode::Fail);
    let (addr, server) = receiver.serve("127.0.0.1:0");
    let hook = format!("http://{addr}/");
    let settings = Settings {
        max_age: Duration::from_secs(1),
        ..quick()
    };
    let deliverers = start(
        &app.db,
        &config(vec![Hook::all(hook.clone())], settings),
        Default::default(),
        counts,
    )
    .await;
    // Dropped, they run on as long as the test's runtime.
    drop(deliverers);
    let first = article_event(&app.db, "article.published", 1).await;
    wait_for_rows(&app.db, &hook, 15, "a dead delivery", |rows| {
        rows.first().is_some_and(|d| d.status == status::DEAD)
    })
    .await;
    receiver.set(Mode::Accept);
    article_event(&app.db, "article.updated", 1).await;
    wait_for_rows(&app.db, &hook, 15, "the next event delivered", |rows| {
        rows.len() == 2 && rows[1].status == status::DELIVERED
    })
    .await;
    (receiver, server, hook, first)
}

#[actix_web::test]
async fn a_delivery_is_dead_after_the_maximum_age_and_the_stream_moves_on() {
    let app = spawn_app().await;
    let counts = outcomes();
    let (receiver, _server, hook, first) = dead_then_delivered(&app, Some(counts.clone())).await;
    let rows = deliveries(&app.db, &hook).await;
    assert_eq!(rows[0].event_id, first);
    assert!(rows[0].attempts >= 2, "retried before it died: {rows:#?}");
    assert_eq!(rows[0].last_status, Some(500));
    assert_eq!(rows[0].last_error.as_deref(), Some("HTTP 500 Internal Server Error"));
    assert_eq!(rows[0].delivered_at, None);
    assert_eq!(rows[1].status, status::DELIVERED);
    assert!(rows[1].delivered_at.is_some());
    assert_eq!(store::hook(&app.db, &hook).await.unwrap().unwrap().cursor, first + 1);
    assert_eq!(counts.with_label_values(&["dead"]).get(), 1);
    assert_eq!(counts.with_label_values(&["delivered"]).get(), 1);
    assert_eq!(
        u64::try_from(rows[0].attempts).unwrap(),
        counts.with_label_values(&["failed"]).get() + 1,
        "every failed attempt but the last is counted failed; the last, dead"
    );
    assert_eq!(distinct(&receiver.ids("/")), msgs(first..=first + 1));
}

fn admin_data(app: &TestApp) -> AppData {
    let settings = HttpSettings {
        admin_token: Some(TOKEN.into()),
        preview_token: Some(PREVIEW.into()),
        ..HttpSettings::default()
    };
    AppData::new(app.state.clone(), settings).unwrap()
}

async fn ask(data: &AppData, bearer: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = post(json!({ "query": query, "variables": variables }));
    if let Some(token) = bearer {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    }
    send(data, req).await.json()
}

const LIST: &str = "query($status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(status: $status, first: $first, after: $after) {
    edges { cursor node { id hook webhookId eventType status redelivery attempts nextAttemptAt lastStatus lastError createdAt deliveredAt } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}";

const REDELIVER: &str =
    "mutation($id: ID!) { redeliverWebhook(id: $id) { id webhookId status redelivery attempts hook } }";

#[actix_web::test]
async fn admins_list_deliveries_by_status_and_redeliver_one() {
    let app = spawn_app().await;
    let (receiver, _server, hook, first) = dead_then_delivered(&app, None).await;
    let data = admin_data(&app);

    let anonymous = ask(&data, None, LIST, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    let preview = ask(&data, Some(PREVIEW), LIST, json!({})).await;
    assert_eq!(preview["errors"][0]["extensions"]["code"], "FORBIDDEN", "{preview}");
    let redeliver = ask(&data, None, REDELIVER, json!({ "id": "x" })).await;
    assert_eq!(
        redeliver["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{redeliver}"
    );

    let all = ask(&data, Some(TOKEN), LIST, json!({})).await;
    assert!(all.get("errors").is_none(), "{all}");
    let edges = all["data"]["webhookDeliveries"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 2, "{all}");
    // Newest first.
    let (delivered, dead) = (&edges[0]["node"], &edges[1]["node"]);
    assert_eq!(delivered["status"], "DELIVERED");
    assert_eq!(delivered["webhookId"], webhook::message_id(first + 1));
    assert_eq!(delivered["eventType"], "article.updated");
    assert_eq!(delivered["lastStatus"], 204);
    assert_eq!(delivered["nextAttemptAt"], Value::Null);
    assert!(delivered["deliveredAt"].is_string());
    assert_eq!(dead["status"], "DEAD");
    assert_eq!(dead["hook"], hook.as_str());
    assert_eq!(dead["lastError"], "HTTP 500 Internal Server Error");
    assert_eq!(dead["redelivery"], false);

    let only_dead = ask(&data, Some(TOKEN), LIST, json!({ "status": "DEAD" })).await;
    let nodes = &only_dead["data"]["webhookDeliveries"]["edges"];
    assert_eq!(nodes.as_array().unwrap().len(), 1, "{only_dead}");
    assert_eq!(nodes[0]["node"]["id"], dead["id"]);

    let page = ask(&data, Some(TOKEN), LIST, json!({ "first": 1 })).await;
    let conn = &page["data"]["webhookDeliveries"];
    assert_eq!(conn["pageInfo"]["hasNextPage"], true, "{page}");
    let next = ask(
        &data,
        Some(TOKEN),
        LIST,
        json!({ "first": 1, "after": conn["edges"][0]["cursor"] }),
    )
    .await;
    let conn = &next["data"]["webhookDeliveries"];
    assert_eq!(conn["edges"][0]["node"]["id"], dead["id"], "{next}");
    assert_eq!(conn["pageInfo"]["hasNextPage"], false);
    let bad = ask(&data, Some(TOKEN), LIST, json!({ "after": "nope" })).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{bad}");

    // The dead one, sent again: it arrives with its own webhook-id.
    let before = receiver.ids("/").len();
    let again = ask(&data, Some(TOKEN), REDELIVER, json!({ "id": dead["id"] })).await;
    assert!(again.get("errors").is_none(), "{again}");
    let again = &again["data"]["redeliverWebhook"];
    assert_eq!(again["status"], "PENDING");
    assert_eq!(again["redelivery"], true);
    assert_eq!(again["attempts"], 0);
    assert_eq!(again["webhookId"], webhook::message_id(first));
    wait_until("the redelivery", 15, || receiver.ids("/").len() > before).await;
    assert_eq!(receiver.ids("/")[before], webhook::message_id(first));
    let redelivered = ask(&data, Some(TOKEN), LIST, json!({ "first": 1 })).await;
    let node = &redelivered["data"]["webhookDeliveries"]["edges"][0]["node"];
    assert_eq!(node["id"], again["id"]);
    let start = Instant::now();
    loop {
        let listed = ask(&data, Some(TOKEN), LIST, json!({ "first": 1 })).await;
        if listed["data"]["webhookDeliveries"]["edges"][0]["node"]["status"] == "DELIVERED" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The stream did not move back: the original stays dead, the cursor where it was.
    assert_eq!(store::hook(&app.db, &hook).await.unwrap().unwrap().cursor, first + 1);

    let unknown = ask(
        &data,
        Some(TOKEN),
        REDELIVER,
        json!({ "id": "V2ViaG9va0RlbGl2ZXJ5Ojk5OTk" }),
    )
    .await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{unknown}"
    );
    let not_ours = ask(&data, Some(TOKEN), REDELIVER, json!({ "id": "nope" })).await;
    assert_eq!(
        not_ours["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{not_ours}"
    );
}

#[actix_web::test]
async fn two_deliverers_on_one_database_never_send_an_attempt_twice() {
    let app = spawn_app().await;
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let hook = format!("http://{addr}/");
    let config = config(vec![Hook::all(hook.clone())], quick());
    // Two spawns: two owners, as two replicas would be.
    let _a = start(&app.db, &config, Default::default(), None).await;
    let _b = start(&app.db, &config, Default::default(), None).await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(article_event(&app.db, "article.updated", n).await);
        if n % 5 == 0 {
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    wait_until("every event", 30, || receiver.ids("/").len() >= 20).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let expected: Vec<String> = ids.iter().map(|i| webhook::message_id(*i)).collect();
    assert_eq!(receiver.ids("/"), expected, "each once, in order");
    let rows = deliveries(&app.db, &hook).await;
    assert_eq!(rows.len(), 20, "{rows:#?}");
    assert!(rows.iter().all(|d| d.attempts == 1 && d.status == status::DELIVERED));
}

#[actix_web::test]
async fn a_stopped_deliverer_hands_its_hook_over_at_once() {
    let app = spawn_app().await;
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let hook = format!("http://{addr}/");
    let config = config(vec![Hook::all(hook.clone())], quick());
    let a = start(&app.db, &config, Default::default(), None).await;
    let first = article_event(&app.db, "article.published", 1).await;
    wait_until("the first event", 15, || receiver.ids("/").len() == 1).await;
    let held = store::hook(&app.db, &hook).await.unwrap().unwrap();
    assert_eq!(held.lease_owner.as_deref(), Some(a.owner()));
    a.stop().await;
    assert_eq!(store::hook(&app.db, &hook).await.unwrap().unwrap().lease_owner, None);

    // Well within the 5 s lease A would otherwise have held.
    let b = start(&app.db, &config, Default::default(), None).await;
    let started = Instant::now();
    article_event(&app.db, "article.published", 2).await;
    wait_until("the second event", 15, || receiver.ids("/").len() == 2).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(receiver.ids("/"), msgs(first..=first + 1));
    let held = store::hook(&app.db, &hook).await.unwrap().unwrap();
    assert_eq!(held.lease_owner.as_deref(), Some(b.owner()));
}

/// Starts `gazette` with `args` on a free port, its log written to `log`.
fn gazette(args: &[&str], log: &Path) -> Server {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(args)
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap())
        .spawn()
        .expect("gazette starts");
    let addr = banner_address(&mut child);
    Server { child, addr }
}

#[actix_web::test]
async fn a_server_killed_mid_delivery_delivers_every_event_in_order_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = match fresh_postgres_database().await {
        Some(url) => url,
        None => format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display()),
    };
    let db = gazette::query::open(&url).await.unwrap();
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let hook = format!("http://{addr}/");
    store::register(&db, &hook).await.unwrap();
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(article_event(&db, "article.published", n).await);
    }
    // The third event's first request is held past the kill.
    *receiver.stall_on.lock().unwrap() = Some(webhook::message_id(ids[2]));
    let stalled = receiver.stalled.clone();
    let stall = stalled.notified();

    let empty = dir.path().join("content");
    std::fs::create_dir(&empty).unwrap();
    let log = dir.path().join("gazette.log");
    // Past a transaction-pooling PgBouncer when the suite runs through one.
    let listen = listen_url(&url);
    let args = [
        "--database-url",
        &url,
        "--listen-url",
        &listen,
        "--content",
        empty.to_str().unwrap(),
        "--webhook",
        &hook,
        "--webhook-secret",
        SECRET,
        "--webhook-retry-base-ms",
        "50",
        "--webhook-retry-max-ms",
        "200",
        "--webhook-timeout-ms",
        "3000",
        "--webhook-lease-ms",
        "4500",
        "--webhook-poll-ms",
        "100",
    ];
    let mut server = gazette(&args, &log);
    tokio::time::timeout(Duration::from_secs(20), stall)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no stalled delivery; log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
    // SIGKILL: no clean shutdown, the lease and the attempt left as they were.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert_eq!(distinct(&receiver.ids("/")), msgs(ids[0]..=ids[2]));
    let rows = deliveries(&db, &hook).await;
    assert_eq!(
        rows.last().map(|d| (d.event_id, d.status.as_str())),
        Some((ids[2], status::PENDING))
    );

    // Changes while it is down are kept too.
    for n in 6..=7 {
        ids.push(article_event(&db, "article.updated", n).await);
    }
    let restarted = gazette(&args, &log);
    wait_until("every event after the restart", 30, || {
        distinct(&receiver.ids("/")).len() == 7
    })
    .await;
    let received = receiver.ids("/");
    let expected: Vec<String> = ids.iter().map(|i| webhook::message_id(*i)).collect();
    assert_eq!(distinct(&received), expected, "every event, in order, none lost");
    let repeated: Vec<&String> = received
        .iter()
        .enumerate()
        .filter(|(i, id)| received[..*i].contains(id))
        .map(|(_, id)| id)
        .collect();
    assert!(
        repeated.iter().all(|id| **id == webhook::message_id(ids[2])),
        "only the in-flight event may come twice: {received:?}"
    );
    assert!(
        received.windows(2).all(|w| number(&w[0]) <= number(&w[1])),
        "{received:?}"
    );
    let rows = wait_for_rows(&db, &hook, 10, "every row delivered", |rows| {
        rows.len() == 7 && rows.iter().all(|d| d.status == status::DELIVERED)
    })
    .await;
    assert_eq!(rows.iter().map(|d| d.event_id).collect::<Vec<_>>(), ids);
    assert_eq!(store::hook(&db, &hook).await.unwrap().unwrap().cursor, ids[6]);
    assert_eq!(receiver.bad_signatures.load(Ordering::SeqCst), 0);
    // The restarted process delivered the last five (the in-flight one again among them).
    let metrics = http(
        &restarted.addr,
        &format!(
            "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            restarted.addr
        ),
    );
    assert!(
        metrics.contains("gazette_webhook_deliveries_total{outcome=\"delivered\"} 5"),
        "{metrics}"
    );
}

/// Runs `gazette` expecting it to refuse to start: its stderr.
fn refused_start(args: &[&str]) -> String {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(args)
        .args(["--database-url", "sqlite::memory:", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("gazette {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    err
}

#[test]
fn bad_webhook_settings_stop_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hooks.toml");
    std::fs::write(
        &file,
        "[[hook]]\nurl = \"http://127.0.0.1:9/\"\nevents = [\"article.published\", \"article.exploded\"]\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let err = refused_start(&["--webhooks", file, "--webhook-secret", SECRET]);
    assert!(
        err.contains(&format!("{file}:3: events: unknown event `article.exploded`")),
        "{err}"
    );

    let err = refused_start(&["--webhook", "http://127.0.0.1:9/"]);
    assert!(err.contains("no secret"), "{err}");
    assert!(err.contains("--webhook-secret"), "{err}");

    let err = refused_start(&["--webhook", "http://127.0.0.1:9/", "--webhook-secret", "hunter2"]);
    assert!(err.contains("the webhook secret: must start with `whsec_`"), "{err}");

    let err = refused_start(&["--webhook", "not a url", "--webhook-secret", SECRET]);
    assert!(err.contains("--webhook not a url: not a URL"), "{err}");
}

#[actix_web::test]
async fn mutations_make_webhooks_arrive_woken_by_the_hub() {
    let app = spawn_app().await;
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    // A poll far longer than the test waits: only the hub can wake the deliverer.
    let settings = Settings {
        poll: Duration::from_secs(25),
        lease: Duration::from_secs(30),
        ..quick()
    };
    let config = config(vec![Hook::all(format!("http://{addr}/"))], settings);
    webhook::register(&app.db, &config).await.unwrap();
    let _deliverers = webhook::spawn(
        app.db.clone(),
        Some(app.state.hub.clone()),
        Arc::new(Default::default()),
        &config,
        None,
    )
    .unwrap();
    // Let the deliverer subscribe and settle into its long wait.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let data = admin_data(&app);

    let created = ask(
        &data,
        Some(TOKEN),
        "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id slug url } }",
        json!({ "input": {
            "slug": "breaking", "title": "央行意外降息", "body": "中国人民银行周五意外宣布降息。",
            "publishedAt": "2025-06-01T08:00:00Z", "lang": "zh-CN", "tags": ["利率"]
        } }),
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let article = created["data"]["createArticle"].clone();
    let sent = Instant::now();
    wait_until("the createArticle webhook", 10, || !receiver.ids("/").is_empty()).await;
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "woken by the hub, not the poll"
    );
    let published = receiver.log()[0].body.clone();
    assert_eq!(published["type"], "article.published", "{published}");
    assert_eq!(
        published["article"],
        json!({ "id": article["id"], "slug": "breaking", "url": article["url"], "locale": "zh-CN" })
    );
    assert!(
        published["keys"].as_array().is_some_and(|k| !k.is_empty()),
        "{published}"
    );

    let updated = ask(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"央行降息\" }) { id } }",
        json!({ "id": article["id"] }),
    )
    .await;
    assert!(updated.get("errors").is_none(), "{updated}");
    let deleted = ask(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { deleteArticle(id: $id) }",
        json!({ "id": article["id"] }),
    )
    .await;
    assert!(deleted.get("errors").is_none(), "{deleted}");
    wait_until("three webhooks", 10, || receiver.ids("/").len() >= 3).await;
    let types: Vec<Value> = receiver.log().iter().map(|r| r.body["type"].clone()).collect();
    assert_eq!(
        types,
        vec![
            json!("article.published"),
            json!("article.updated"),
            json!("article.deleted")
        ]
    );
    let ids = receiver.ids("/");
    assert!(ids.windows(2).all(|w| number(&w[0]) < number(&w[1])), "{ids:?}");
    assert_eq!(receiver.bad_signatures.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn two_servers_on_one_postgres_share_a_hook_and_the_survivor_takes_over_from_a_killed_one() {
    let Some(url) = fresh_postgres_database().await else {
        panic!("needs TEST_DATABASE_URL naming a PostgreSQL server");
    };
    let db = gazette::query::open(&url).await.unwrap();
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let hook = format!("http://{addr}/");
    store::register(&db, &hook).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("content");
    std::fs::create_dir(&empty).unwrap();
    let log = dir.path().join("gazette.log");
    // Past a transaction-pooling PgBouncer when the suite runs through one.
    let listen = listen_url(&url);
    let args = [
        "--database-url",
        &url,
        "--listen-url",
        &listen,
        "--content",
        empty.to_str().unwrap(),
        "--webhook",
        &hook,
        "--webhook-secret",
        SECRET,
        "--webhook-retry-base-ms",
        "50",
        "--webhook-retry-max-ms",
        "200",
        "--webhook-timeout-ms",
        "3000",
        "--webhook-lease-ms",
        "4500",
        "--webhook-poll-ms",
        "100",
    ];
    let mut servers = [gazette(&args, &log), gazette(&args, &log)];
    // The log is empty: the third event will be id 3.
    *receiver.stall_on.lock().unwrap() = Some(webhook::message_id(3));
    let stall = receiver.stalled.notified();
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(article_event(&db, "article.published", n).await);
    }
    assert_eq!(ids[2], 3);
    tokio::time::timeout(Duration::from_secs(20), stall)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no stalled delivery; log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
    // Kill whichever holds the lease (its owner name starts with its pid).
    let owner = store::hook(&db, &hook).await.unwrap().unwrap().lease_owner.unwrap();
    let holder = servers
        .iter()
        .position(|s| owner.starts_with(&format!("{}-", s.child.id())))
        .expect("a server holds the lease");
    servers[holder].child.kill().unwrap();
    servers[holder].child.wait().unwrap();
    let survivor = &servers[1 - holder];
    wait_until("the survivor to deliver the rest", 30, || {
        distinct(&receiver.ids("/")).len() == 5
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.ids("/");
    let expected: Vec<String> = ids.iter().map(|i| webhook::message_id(*i)).collect();
    assert_eq!(distinct(&received), expected);
    let in_flight = webhook::message_id(ids[2]);
    for id in &expected {
        let times = received.iter().filter(|r| *r == id).count();
        let allowed = if *id == in_flight { 2 } else { 1 };
        assert!(times <= allowed, "{id} arrived {times} times: {received:?}");
    }
    let owner = store::hook(&db, &hook).await.unwrap().unwrap().lease_owner.unwrap();
    assert!(owner.starts_with(&format!("{}-", survivor.child.id())), "{owner}");
    let rows = deliveries(&db, &hook).await;
    assert!(
        rows.iter().all(|d| d.status == status::DELIVERED && d.attempts == 1),
        "{rows:#?}"
    );
}

/// The scheduling test: an article dated two seconds ahead becomes
/// visible, is told to subscribers, webhooked and purged (its webhook names
/// the key its page carries) at that instant, not before.
#[actix_web::test]
async fn a_scheduled_article_is_published_told_webhooked_and_purged_at_its_instant() {
    let app = spawn_app().await;
    let receiver = Receiver::new(Mode::Accept);
    let (addr, _server) = receiver.serve("127.0.0.1:0");
    let settings = Settings {
        poll: Duration::from_secs(25),
        lease: Duration::from_secs(30),
        ..quick()
    };
    let config = config(vec![Hook::all(format!("http://{addr}/"))], settings);
    webhook::register(&app.db, &config).await.unwrap();
    let _deliverers = webhook::spawn(
        app.db.clone(),
        Some(app.state.hub.clone()),
        Arc::new(Default::default()),
        &config,
        None,
    )
    .unwrap();
    let mut heard = app.state.hub.subscribe();
    tokio::spawn(gazette::publish::schedule::run(app.db.clone(), app.state.hub.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(at.timestamp_millis()).unwrap();
    let data = admin_data(&app);
    let created = ask(
        &data,
        Some(TOKEN),
        "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id } }",
        json!({ "input": {
            "slug": "embargo", "title": "Embargoed", "body": "Not before two.",
            "publishedAt": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), "lang": "en"
        } }),
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let by_slug = "{ article(slug: \"embargo\") { slug } }";
    assert_eq!(app.data(by_slug, json!({})).await["article"], Value::Null);

    wait_until("the scheduled webhook", 10, || !receiver.ids("/").is_empty()).await;
    let arrived = chrono::Utc::now();
    assert!(arrived >= at, "webhooked at {arrived}, scheduled for {at}");
    assert!(arrived - at < chrono::Duration::seconds(2), "{} late", arrived - at);
    let event = receiver.log()[0].body.clone();
    assert_eq!(event["type"], "article.published", "{event}");
    assert_eq!(event["article"]["slug"], "embargo");
    assert_eq!(
        event["at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        at
    );
    // Told to subscribers, and visible to every reader now.
    let told = heard.try_recv().expect("a change was told");
    assert_eq!(told.kind, gazette::live::ChangeKind::Published);
    assert_eq!(app.data(by_slug, json!({})).await["article"]["slug"], "embargo");
    // Purged: the webhook's keys name the key the article's page carries.
    let page = send(
        &data,
        actix_web::test::TestRequest::get()
            .uri("/graphql?query=%7B%20article(slug%3A%20%22embargo%22)%20%7B%20slug%20%7D%20%7D"),
    )
    .await;
    let page_keys = page.header("surrogate-key").expect("the page's keys");
    let article_key = gazette::publish::keys::article(told.article_id);
    assert!(page_keys.split(' ').any(|k| k == article_key), "{page_keys}");
    assert!(
        event["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == article_key.as_str()),
        "{event}"
    );
    assert_eq!(receiver.bad_signatures.load(Ordering::SeqCst), 0);
}
