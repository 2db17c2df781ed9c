//! Shared test setup: an app over a fresh in-memory database, content files
//! written to a temporary folder, and GraphQL calls through the real actix app.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test;
use gazette::graphql::Api;
use gazette::import::{self, ReadOptions, Summary};
use gazette::locale::Locale;
use gazette::server::{self, AppData, HttpSettings};
use sea_orm::DatabaseConnection;
use serde_json::{json, Value};

/// The seed article's file name and slug.
pub const SEED_FILE: &str = "000_4da7ae27dc7d0813.txt";
pub const SEED_SLUG: &str = "000_4da7ae27dc7d0813";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub struct TestApp {
    pub db: DatabaseConnection,
    pub state: Api,
    pub read: ReadOptions,
}

/// A fresh, migrated database: in-memory SQLite, or, when TEST_DATABASE_URL
/// names a PostgreSQL server, a new database of its own there, so tests
/// still run in parallel.
pub async fn test_database() -> DatabaseConnection {
    match fresh_postgres_database().await {
        Some(url) => gazette::query::open(&url).await.expect("test database"),
        None => gazette::query::open("sqlite::memory:")
            .await
            .expect("in-memory database"),
    }
}

/// The URL of a new, empty database on the TEST_DATABASE_URL server, if one is set.
pub async fn fresh_postgres_database() -> Option<String> {
    let admin_url = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    use sea_orm::ConnectionTrait;
    let name = format!("gazette_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("TEST_DATABASE_URL reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    // Keep the URL's parameters (`?statement-cache-capacity=0` behind PgBouncer).
    let (url, params) = admin_url
        .split_once('?')
        .map_or((admin_url.as_str(), ""), |(u, p)| (u, p));
    let (base, _) = url.rsplit_once('/').expect("a database URL");
    let params = if params.is_empty() {
        String::new()
    } else {
        format!("?{params}")
    };
    Some(format!("{base}/{name}{params}"))
}

/// Where a process should LISTEN for changes to the database at `url`:
/// `url` itself, or when TEST_LISTEN_URL names the server directly (the
/// suite runs through a transaction-pooling PgBouncer, which keeps no
/// session for LISTEN) the same database there.
pub fn listen_url(url: &str) -> String {
    let Some(direct) = std::env::var("TEST_LISTEN_URL").ok().filter(|u| !u.is_empty()) else {
        return url.to_owned();
    };
    let (path, params) = url.split_once('?').map_or((url, ""), |(u, p)| (u, p));
    let name = path.rsplit_once('/').map_or("", |(_, n)| n);
    let (server, _) = direct.rsplit_once('/').expect("a database URL");
    let params = if params.is_empty() {
        String::new()
    } else {
        format!("?{params}")
    };
    format!("{server}/{name}{params}")
}

/// A migrated database and the app over it.
pub async fn spawn_app() -> TestApp {
    app_over(test_database().await)
}

/// An app whose every SQL statement is counted.
pub async fn spawn_counting_app() -> (TestApp, Arc<AtomicUsize>) {
    let mut db = test_database().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let mut app = app_over(db);
    // A debug build can take longer than production's 1 ms to walk a list
    // of 100 nodes; a longer wait makes each loader's batch deterministic
    // (250 ms, and once 600 ms, split a batch while the whole suite ran on
    // PostgreSQL on two cores).
    app.state = app.state.with_loader_delay(std::time::Duration::from_millis(2_000));
    (app, statements)
}

pub fn app_over(db: DatabaseConnection) -> TestApp {
    // Internal errors are logged, not returned: show them in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("gazette=error")
        .try_init();
    TestApp {
        state: Api::new(db.clone()),
        db,
        read: ReadOptions {
            timezone: chrono_tz::UTC,
            default_lang: Locale::parse("en").expect("locale"),
            site: Default::default(),
            language_dirs: Vec::new(),
            git: None,
        },
    }
}

/// A temporary content folder.
pub struct ContentDir {
    pub dir: tempfile::TempDir,
}

impl ContentDir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `name` (folders created) and returns its path.
    pub fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.dir.path().join(name)).expect("remove");
    }
}

/// A small article in YAML front matter.
pub fn yaml_article(title: &str, date: &str, extra: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: \"{date}\"\n{extra}---\n\nBody of {title}.\n")
}

impl TestApp {
    /// The server's shared data with mutations on, behind the admin `token`.
    pub fn editable(&self, token: &str) -> AppData {
        let settings = HttpSettings {
            admin_token: Some(token.to_owned()),
            ..HttpSettings::default()
        };
        let state = self
            .state
            .clone()
            .with_limits(&gazette::graphql::Limits::default(), true);
        AppData::new(state, settings).expect("metrics")
    }

    /// The server's shared data with default HTTP settings.
    pub fn app_data(&self) -> AppData {
        AppData::new(self.state.clone(), HttpSettings::default()).expect("metrics")
    }

    pub async fn import(&self, paths: &[PathBuf]) -> Summary {
        import::run(&self.db, paths, &self.read, |_| {})
            .await
            .expect("import runs")
    }

    pub async fn import_seed(&self) -> Summary {
        self.import(&[fixture(SEED_FILE)]).await
    }

    /// POSTs a GraphQL request through the actix app.
    pub async fn graphql(&self, query: &str, variables: Value) -> (Value, StatusCode) {
        let app = test::init_service(server::app(self.app_data())).await;
        let req = test::TestRequest::post()
            .uri("/graphql")
            .set_json(json!({ "query": query, "variables": variables }))
            .to_request();
        let resp = test::call_service(&app, req).await;
        let status = resp.status();
        let body = test::read_body(resp).await;
        (serde_json::from_slice(&body).expect("JSON response"), status)
    }

    /// The `data` of a request that must succeed.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let (body, status) = self.graphql(query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The first error of a request that must fail: (message, extensions.code).
    pub async fn error(&self, query: &str, variables: Value) -> (String, String) {
        let (body, _) = self.graphql(query, variables).await;
        let err = &body["errors"][0];
        assert!(err.is_object(), "expected an error: {body}");
        (
            err["message"].as_str().unwrap_or_default().to_owned(),
            err["extensions"]["code"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Slugs of the `articles` list, in order.
    pub async fn article_slugs(&self) -> Vec<String> {
        let data = self
            .data("{ articles(first: 100) { edges { node { slug } } } }", json!({}))
            .await;
        slugs(&data["articles"])
    }
}

/// The node slugs of a connection value.
pub fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"]["slug"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// One generated article, as the reference tests compare the API against.
#[derive(Debug, Clone)]
pub struct Spec {
    pub index: usize,
    pub slug: String,
    pub title: String,
    pub published: chrono::DateTime<chrono::Utc>,
    pub updated: chrono::DateTime<chrono::Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub thumbnail: bool,
    pub lang: &'static str,
    /// Locale of a `name.LANG.md` translation file, if it has one.
    pub translation: Option<&'static str>,
}

impl Spec {
    /// Locales it is available in (its lang, then its translation).
    pub fn locales(&self) -> Vec<&'static str> {
        std::iter::once(self.lang).chain(self.translation).collect()
    }
}

/// A deterministic corpus: ties in dates (three articles an hour) and in
/// titles, so ordering by id as a tie-breaker is exercised.
pub fn corpus(n: usize) -> Vec<Spec> {
    let base = chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z")
        .map(|d| d.to_utc())
        .unwrap_or_default();
    (0..n)
        .map(|i| {
            let published = base + chrono::Duration::hours(i64::try_from(i / 3).unwrap_or(0));
            let mut tags = vec![format!("t{}", i % 10)];
            let second = format!("t{}", (i * 7 + 3) % 10);
            if !tags.contains(&second) {
                tags.push(second);
            }
            let lang = if i % 5 == 0 { "en" } else { "zh-CN" };
            let translation = (i % 6 == 0).then_some(if lang == "en" { "fr" } else { "en" });
            Spec {
                index: i,
                slug: format!("a{i:05}"),
                title: format!("T{:05}", (i * 37) % (n / 2).max(1)),
                published,
                updated: published + chrono::Duration::days(i64::try_from((i * 13) % 7).unwrap_or(0)),
                tags,
                categories: vec![format!("c{}", i % 3)],
                thumbnail: i % 4 == 0,
                lang,
                translation,
            }
        })
        .collect()
}

/// Writes the corpus as content files (and translation files).
pub fn write_corpus(dir: &ContentDir, specs: &[Spec]) {
    for s in specs {
        let thumb = if s.thumbnail {
            "thumbnail: https://example.com/t.png\n"
        } else {
            ""
        };
        let body = if s.lang == "en" {
            format!("Markets moved on article {} as investors weighed rates.", s.index)
        } else {
            format!("美联储官员表示，第{}篇文章讨论了利率前景。", s.index)
        };
        let text = format!(
            "---\ntitle: \"{}\"\ndate: \"{}\"\nlastmod: \"{}\"\ntags: [{}]\ncategories: [{}]\nlang: {}\n{thumb}---\n\n{body}\n",
            s.title,
            s.published.to_rfc3339(),
            s.updated.to_rfc3339(),
            s.tags.join(", "),
            s.categories.join(", "),
            s.lang,
        );
        dir.write(&format!("{}.md", s.slug), text);
        if let Some(t) = s.translation {
            dir.write(
                &format!("{}.{t}.md", s.slug),
                yaml_article(&format!("{} ({t})", s.title), &s.published.to_rfc3339(), ""),
            );
        }
    }
}

/// An app holding the generated corpus of `n` articles.
pub async fn app_with_corpus(n: usize) -> (TestApp, ContentDir, Vec<Spec>) {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    let specs = corpus(n);
    write_corpus(&dir, &specs);
    let summary = app.import(&[dir.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(
        summary.imported,
        n + specs.iter().filter(|s| s.translation.is_some()).count()
    );
    (app, dir, specs)
}

/// Every slug of `articles(filter:, orderBy:)`, walked 100 at a time, and the totalCount.
pub async fn walk(app: &TestApp, filter: Value, order: Value) -> (Vec<String>, i64) {
    let q = "query($f: ArticleFilter, $o: ArticleOrder, $after: String) {
        articles(first: 100, after: $after, filter: $f, orderBy: $o) {
          totalCount edges { node { slug } } pageInfo { hasNextPage endCursor } } }";
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let c = app.data(q, json!({ "f": filter, "o": order, "after": after })).await["articles"].clone();
        out.extend(slugs(&c));
        if c["pageInfo"]["hasNextPage"] != true {
            return (out, c["totalCount"].as_i64().unwrap_or(-1));
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
}

/// Slugs of `specs` matching `keep`, newest first (ties by id, newest id first).
pub fn expected(specs: &[Spec], keep: impl Fn(&Spec) -> bool) -> Vec<String> {
    let mut v: Vec<&Spec> = specs.iter().filter(|s| keep(s)).collect();
    v.sort_by(|a, b| b.published.cmp(&a.published).then(b.index.cmp(&a.index)));
    v.into_iter().map(|s| s.slug.clone()).collect()
}

/// A raw HTTP reply.
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: actix_web::web::Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// The first error's `extensions.code`.
    pub fn code(&self) -> String {
        self.json()["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends `req` through the whole app (middleware included) built on `data`.
pub async fn send(data: &AppData, req: test::TestRequest) -> Reply {
    let service = test::init_service(server::app(data.clone())).await;
    let resp = test::call_service(&service, req.to_request()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = test::read_body(resp).await;
    Reply { status, headers, body }
}

/// A POST of a JSON GraphQL request.
/// Runs a mutation with the admin `token`; it must answer no errors.
pub async fn mutate_as(data: &AppData, token: &str, query: &str, variables: Value) -> Value {
    let req = post(json!({ "query": query, "variables": variables }))
        .insert_header((actix_web::http::header::AUTHORIZATION, format!("Bearer {token}")));
    let reply = send(data, req).await.json();
    assert!(reply.get("errors").is_none(), "{query}: {reply}");
    reply["data"].clone()
}

pub fn post(body: Value) -> test::TestRequest {
    test::TestRequest::post().uri("/graphql").set_json(body)
}

impl TestApp {
    /// POSTs any JSON body to `/graphql` through the whole app.
    pub async fn graphql_raw(&self, body: Value) -> (Value, StatusCode) {
        let reply = send(&self.app_data(), post(body)).await;
        (reply.json(), reply.status)
    }
}

/// The address a `gazette serve` child prints in its banner on stdout, once
/// its start's import of the content folder is done (`/readyz` stops
/// answering "importing").
pub fn banner_address(child: &mut std::process::Child) -> String {
    let addr = banner_address_now(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while http(
        &addr,
        &format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .contains("importing the content folder")
    {
        assert!(std::time::Instant::now() < deadline, "still importing after 300 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    addr
}

/// The address a `gazette serve` child prints in its banner, at once.
pub fn banner_address_now(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().expect("stdout piped");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("serving GraphiQL"))
        .expect("banner");
    line.split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("address")
        .to_owned()
}

/// One HTTP/1.1 exchange over a fresh connection; the whole response.
pub fn http(addr: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read");
    out
}

/// POSTs a JSON body to `/graphql`; the whole response.
pub fn http_post(addr: &str, body: &str) -> String {
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    http(addr, &request)
}

/// A `gazette serve` child on a free port of its own; killed when dropped,
/// passed or failed.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
}

impl Server {
    /// Starts `gazette <args> [path] --bind 127.0.0.1:0` and waits for its banner.
    pub fn start(args: &[&str], path: Option<&Path>) -> Server {
        use std::process::{Command, Stdio};
        let mut command = Command::new(env!("CARGO_BIN_EXE_gazette"));
        command.args(args);
        if let Some(path) = path {
            command.arg(path);
        }
        let mut child = command
            .args(["--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        let addr = banner_address(&mut child);
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `data` on a real loopback port in this process (for WebSocket
/// clients); stopped when the returned handle is dropped with the test's runtime.
pub fn serve_in_process(data: AppData) -> String {
    let server = actix_web::HttpServer::new(move || server::app(data.clone()))
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind");
    let addr = server.addrs()[0].to_string();
    actix_web::rt::spawn(server.run());
    addr
}
