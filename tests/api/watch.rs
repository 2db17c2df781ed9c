//! `gazette serve --watch`: added, changed, broken and removed files.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;

/// Titles of every article the server at `addr` serves, by slug.
fn titles(addr: &str) -> Vec<(String, String)> {
    let reply = http_post(
        addr,
        r#"{"query":"{ articles(first: 100) { edges { node { slug title } } } }"}"#,
    );
    let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap_or_default()).unwrap_or_default();
    let mut out: Vec<(String, String)> = body["data"]["articles"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let n = &e["node"];
            (
                n["slug"].as_str().unwrap_or_default().to_owned(),
                n["title"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Waits until `titles` is `want`, or fails after 15 s.
fn until(addr: &str, want: &[(&str, &str)]) {
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = titles(addr);
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "waited for {want:?}, serving {got:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn watch_mode_follows_added_changed_broken_and_removed_files() {
    let content = ContentDir::new();
    content.write("one.md", yaml_article("One", "2025-01-01", ""));
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("w.db").display());
    let server = Server::start(&["--database-url", &url, "--watch", "--content"], Some(content.path()));
    let addr = server.addr.clone();
    until(&addr, &[("one", "One")]);

    content.write("two.md", yaml_article("Two", "2025-01-02", ""));
    until(&addr, &[("one", "One"), ("two", "Two")]);

    content.write("one.md", yaml_article("One, revised", "2025-01-01", ""));
    until(&addr, &[("one", "One, revised"), ("two", "Two")]);

    // A broken edit is reported; the last good version keeps being served.
    content.write("two.md", "---\ntitle: Two\ndate: not a date\n---\n");
    content.write("three.md", yaml_article("Three", "2025-01-03", ""));
    until(&addr, &[("one", "One, revised"), ("three", "Three"), ("two", "Two")]);

    content.remove("one.md");
    until(&addr, &[("three", "Three"), ("two", "Two")]);
}
