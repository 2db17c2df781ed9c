//! What each engine must do under concurrent use: reads during an import,
//! and several API processes over one PostgreSQL database.

use std::process::Command;

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn queries_keep_working_while_an_import_runs() {
    // A file database (WAL) on SQLite: an in-memory one has a single connection.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = match fresh_postgres_database().await {
        Some(url) => gazette::query::open(&url).await.expect("database"),
        None => {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display());
            gazette::query::open(&url).await.expect("database")
        }
    };
    let app = std::rc::Rc::new(app_over(db));
    app.import_seed().await;
    let content = ContentDir::new();
    write_corpus(&content, &corpus(300));

    let importer = {
        let (db, read, path) = (app.db.clone(), app.read.clone(), content.path().to_path_buf());
        tokio::spawn(async move { gazette::import::run(&db, &[path], &read, |_| {}).await })
    };
    let mut counts = Vec::new();
    while !importer.is_finished() {
        let data = app
            .data(
                "{ articles(first: 5) { totalCount edges { node { slug tags { slug } } } } }",
                json!({}),
            )
            .await;
        counts.push(data["articles"]["totalCount"].as_i64().unwrap_or(-1));
    }
    let summary = importer.await.expect("import task").expect("import");

    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(counts.len() >= 3, "only {} queries ran during the import", counts.len());
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "counts only grow: {counts:?}");
    assert!(counts.iter().all(|&c| (1..=301).contains(&c)), "{counts:?}");
    let end = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(end["articles"]["totalCount"], 301);
}

fn serve(url: &str, content: &std::path::Path) -> Server {
    // Past a PgBouncer when the suite runs through one: a LISTEN through a
    // transaction pooler leaves its server connection subscribed, and the
    // next client handed it (an import) reads a notification it never asked for.
    let listen = listen_url(url);
    Server::start(
        &[
            "--database-url",
            url,
            "--listen-url",
            &listen,
            "--admin-token",
            "t0ken",
            "--content",
        ],
        Some(content),
    )
}

fn total(addr: &str) -> String {
    let body = r#"{"query":"{ articles { totalCount } search(query: \"北约\") { totalCount } }"}"#;
    http_post(addr, body)
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL (PostgreSQL)")]
async fn two_api_processes_on_one_postgres_see_each_others_writes() {
    let Some(url) = fresh_postgres_database().await else {
        // Forced with --include-ignored: fail, rather than pass without running.
        panic!("needs TEST_DATABASE_URL naming a PostgreSQL server");
    };
    let empty = tempfile::tempdir().expect("temp dir");
    let (a, b) = (serve(&url, empty.path()), serve(&url, empty.path()));
    assert!(total(&a.addr).contains(r#""totalCount":0"#));

    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--database-url", &url, "import"])
        .arg(fixture(SEED_FILE))
        .output()
        .expect("import runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let count = |addr: &str| {
        let body = total(addr);
        serde_json::from_str::<serde_json::Value>(&body).unwrap_or_default()["data"].clone()
    };
    for server in [&a, &b] {
        assert_eq!(
            count(&server.addr),
            json!({ "articles": { "totalCount": 1 }, "search": { "totalCount": 1 } })
        );
    }

    // Written through one API process, read through the other.
    let create = r#"{"query":"mutation { createArticle(input: { slug: \"nato-summit\", title: \"北约峰会召开\", body: \"北约成员国领导人会晤。\", publishedAt: \"2025-06-01T00:00:00Z\", lang: \"zh-CN\" }) { slug } }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer t0ken\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{create}",
        create.len(),
        addr = a.addr
    );
    let reply = http(&a.addr, &request);
    assert!(reply.contains(r#""slug":"nato-summit""#), "{reply}");
    assert_eq!(
        count(&b.addr),
        json!({ "articles": { "totalCount": 2 }, "search": { "totalCount": 2 } })
    );
}
