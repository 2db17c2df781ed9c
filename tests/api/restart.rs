//! The import every `serve --content` start runs: over a tree whose files
//! all have the size and modification time the last import saw, nothing is
//! read again, and the answers are the same. Anything that could make the
//! database differ from what the files give makes the next start read every
//! file: a changed file, a write through the API, an import of single
//! files, a publish date that arrived, a file changed just before the walk.

use std::path::Path;
use std::time::{Duration, SystemTime};

use actix_web::http::header;
use gazette::server::{AppData, HttpSettings};
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "restart-token";

/// Sets every file's modification time under `dir` to `ago` in the past,
/// as for a content folder written some time before the server starts.
fn age(dir: &Path, ago: Duration) {
    let when = SystemTime::now() - ago;
    for entry in walkdir(dir) {
        let file = std::fs::File::options().write(true).open(&entry).expect("open");
        file.set_modified(when).expect("set mtime");
    }
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn site(content: &ContentDir) {
    content.write(
        "news/rates.md",
        yaml_article("利率新闻", "2025-01-02 10:00:00", "lang: zh-CN\ntags: [rates]\n"),
    );
    content.write(
        "news/rates.en.md",
        yaml_article("Rates news", "2025-01-02 12:00:00", ""),
    );
    content.write(
        "news/jobs.md",
        yaml_article("Jobs", "2025-01-03 10:00:00", "tags: [jobs, rates]\n"),
    );
    content.write("news/broken.md", "---\ntitle: [unclosed\n---\nBody\n");
    content.write("news/_index.md", "---\ntitle: News\n---\n");
}

const QUERY: &str = r#"{
  articles(first: 10) { totalCount edges { node { slug title tags { slug articleCount } translations { locale title } } } }
  section(path: "news") { title articleCount }
}"#;

#[actix_web::test]
async fn an_unchanged_tree_is_not_read_again_and_answers_the_same() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    site(&content);
    age(content.path(), Duration::from_secs(3600));
    let root = [content.path().to_path_buf()];

    let first = app.import(&root).await;
    assert!(!first.reused);
    assert_eq!((first.imported, first.failed.len()), (4, 1), "{first:?}");
    let before = app.data(QUERY, json!({})).await;

    let second = app.import(&root).await;
    assert!(second.reused, "{second:?}");
    assert_eq!((second.imported, second.updated, second.unchanged), (0, 0, 4));
    assert_eq!(
        second.failed, first.failed,
        "the broken file is reported again, as it was"
    );
    assert_eq!(
        second.to_string(),
        "0 imported, 0 updated, 4 unchanged, 1 failed (no file changed since the last import)"
    );
    assert_eq!(app.data(QUERY, json!({})).await, before);

    // A changed file is read again, and with it the whole tree.
    content.write(
        "news/jobs.md",
        yaml_article("Jobs, revised", "2025-01-03 10:00:00", "tags: [jobs]\n"),
    );
    age(content.path(), Duration::from_secs(1800));
    let third = app.import(&root).await;
    assert!(!third.reused);
    assert_eq!((third.imported, third.updated, third.unchanged), (0, 1, 3), "{third:?}");
    let after = app.data(QUERY, json!({})).await;
    assert_eq!(after["articles"]["edges"][0]["node"]["title"], "Jobs, revised");
    assert_eq!(
        after["articles"]["edges"][0]["node"]["tags"],
        json!([{ "slug": "jobs", "articleCount": 1 }])
    );

    // A new file (a bundle's image, not a page, counts too).
    content.write("news/chart.png", [0u8, 1, 2]);
    age(content.path(), Duration::from_secs(1700));
    assert!(!app.import(&root).await.reused);
    assert!(app.import(&root).await.reused);
}

#[actix_web::test]
async fn a_write_through_the_api_makes_the_next_start_read_every_file() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    site(&content);
    age(content.path(), Duration::from_secs(3600));
    let root = [content.path().to_path_buf()];
    app.import(&root).await;

    let data = AppData::new(
        app.state.clone(),
        HttpSettings {
            admin_token: Some(TOKEN.into()),
            ..HttpSettings::default()
        },
    )
    .expect("metrics");
    let id = app.data(r#"{ article(slug: "jobs") { id } }"#, json!({})).await["article"]["id"].clone();
    let edit = post(json!({
        "query": "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"Edited\" }) { title } }",
        "variables": { "id": id },
    }))
    .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}")));
    let reply: Value = send(&data, edit).await.json();
    assert_eq!(reply["data"]["updateArticle"]["title"], "Edited", "{reply}");

    // As without the skip: the start reads the file again and its version wins.
    let summary = app.import(&root).await;
    assert!(!summary.reused);
    assert_eq!(summary.updated, 1, "{summary:?}");
    let title = app.data(r#"{ article(slug: "jobs") { title } }"#, json!({})).await;
    assert_eq!(title["article"]["title"], "Jobs");
    assert!(app.import(&root).await.reused);
}

#[actix_web::test]
async fn an_import_of_single_files_makes_the_next_start_read_every_file() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    site(&content);
    let other = ContentDir::new();
    let extra = other.write("extra.md", yaml_article("Extra", "2025-01-04", ""));
    age(content.path(), Duration::from_secs(3600));
    age(other.path(), Duration::from_secs(3600));
    let root = [content.path().to_path_buf()];
    app.import(&root).await;

    app.import(&[extra]).await;
    let summary = app.import(&root).await;
    assert!(!summary.reused, "{summary:?}");
}

#[actix_web::test]
async fn files_changed_just_before_the_walk_are_read_again() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    site(&content);
    let root = [content.path().to_path_buf()];
    app.import(&root).await;
    // Written moments before the first walk: a change after it could have
    // kept the same size and timestamp, so nothing was remembered.
    assert!(!app.import(&root).await.reused);
}

#[actix_web::test]
async fn a_publish_date_that_arrives_makes_the_next_start_read_again() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    site(&content);
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    content.write(
        "news/jobs.fr.md",
        yaml_article(
            "Emplois",
            "2025-01-03 10:00:00",
            &format!("publishDate: \"{}\"\n", soon.to_rfc3339()),
        ),
    );
    age(content.path(), Duration::from_secs(3600));
    let root = [content.path().to_path_buf()];
    app.import(&root).await;
    let q = r#"{ article(slug: "jobs") { translations { locale } } }"#;
    assert_eq!(app.data(q, json!({})).await["article"]["translations"], json!([]));
    assert!(app.import(&root).await.reused, "before the date nothing changed");

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let summary = app.import(&root).await;
    assert!(!summary.reused, "{summary:?}");
    assert_eq!(
        app.data(q, json!({})).await["article"]["translations"],
        json!([{ "locale": "fr" }])
    );
}

/// Starts `gazette serve` on `url` over `content`, returning the child (stderr piped) and its address.
fn serve(url: &str, content: &Path) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--database-url", url, "--bind", "127.0.0.1:0", "--content"])
        .arg(content)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let addr = banner_address_now(&mut child);
    (child, addr)
}

fn get(addr: &str, path: &str) -> String {
    http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// Waits until `/readyz` answers 200; how many polls said "importing" first.
fn wait_ready(addr: &str) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let mut importing = 0;
    loop {
        let ready = get(addr, "/readyz");
        if ready.starts_with("HTTP/1.1 200") {
            return importing;
        }
        assert!(
            ready.starts_with("HTTP/1.1 503") && ready.ends_with("importing the content folder"),
            "{ready}"
        );
        importing += 1;
        assert!(std::time::Instant::now() < deadline, "still importing after 300 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(mut child: std::process::Child) -> String {
    let _ = child.kill();
    let _ = child.wait();
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut logs).expect("logs");
    logs
}

#[test]
fn while_the_start_imports_healthz_answers_and_readyz_says_not_ready() {
    let content = ContentDir::new();
    let written = gazette::generate::write(
        gazette::generate::Plan {
            articles: 3000,
            seed: 3,
        },
        content.path(),
    )
    .expect("generate");
    age(content.path(), Duration::from_secs(3600));
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("t.db").display());

    let (child, addr) = serve(&url, content.path());
    assert!(
        get(&addr, "/healthz").starts_with("HTTP/1.1 200"),
        "alive while importing"
    );
    let polls = wait_ready(&addr);
    assert!(polls > 0, "/readyz never said the import was running");
    let body = r#"{"query":"{ articles { totalCount } }"}"#;
    assert!(http_post(&addr, body).contains(r#""totalCount":3000"#));
    let logs = stop(child);
    assert!(logs.contains(&format!("{written} imported")), "{logs}");

    // The next start over the same files reads none of them.
    let (child, addr) = serve(&url, content.path());
    wait_ready(&addr);
    assert!(http_post(&addr, body).contains(r#""totalCount":3000"#));
    let logs = stop(child);
    assert!(
        logs.contains(&format!(
            "0 imported, 0 updated, {written} unchanged, 0 failed (no file changed since the last import)"
        )),
        "{logs}"
    );
}
