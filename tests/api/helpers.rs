//! Shared test setup: an app over a fresh in-memory database, content files
//! written to a temporary folder, and GraphQL calls through the real actix app.

use std::path::{Path, PathBuf};

use actix_web::http::StatusCode;
use actix_web::{test, App};
use gazette::import::{self, ReadOptions, Summary};
use gazette::locale::Locale;
use gazette::server::{self, AppState};
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
    pub state: AppState,
    pub read: ReadOptions,
}

/// A migrated in-memory database and the app over it.
pub async fn spawn_app() -> TestApp {
    let db = gazette::db::open("sqlite::memory:").await.expect("in-memory database");
    TestApp {
        state: AppState::new(db.clone()),
        db,
        read: ReadOptions {
            timezone: chrono_tz::UTC,
            default_lang: Locale::parse("en").expect("locale"),
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
        let app = test::init_service(App::new().configure(server::routes(self.state.clone()))).await;
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
