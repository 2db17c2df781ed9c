//! The `gazette` binary itself: import's report and exit code, and `schema`.

use std::process::Command;

use crate::helpers::*;

fn gazette() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gazette"))
}

/// Runs `gazette --database-url URL import PATH` to its end.
fn import(url: &str, path: &std::path::Path) -> std::process::Output {
    gazette()
        .args(["--database-url", url, "import"])
        .arg(path)
        .output()
        .expect("runs")
}

#[test]
fn import_of_a_folder_with_a_broken_file_imports_the_rest_and_names_it() {
    let content = ContentDir::new();
    std::fs::copy(fixture(SEED_FILE), content.path().join(SEED_FILE)).expect("copy seed");
    let broken = content.write("broken.md", "---\ntitle: Broken\ndate: 2025-13-45\n---\n");
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("t.db").display());

    let out = import(&url, content.path());

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 imported, 0 updated, 0 unchanged, 1 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!("{}:3: `date`: `2025-13-45` is not a date", broken.display())),
        "{stderr}"
    );

    let again = import(&url, &content.path().join(SEED_FILE));
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 imported, 0 updated, 1 unchanged, 0 failed"));
}

#[test]
fn import_prints_failures_and_the_summary_and_each_file_only_with_verbose() {
    let content = ContentDir::new();
    let good = content.write("good.md", yaml_article("Good", "2024-05-01", ""));
    let broken = content.write("broken.md", "---\ntitle: Broken\ndate: 2025-13-45\n---\n");
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("t.db").display());

    // stderr is a pipe here, not a terminal: no progress bar.
    let quiet = import(&url, content.path());
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(stderr.contains(&broken.display().to_string()), "{stderr}");
    assert!(
        !stderr.contains(&good.display().to_string()),
        "no line per file: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "only the failure: {stderr}");
    let stdout = String::from_utf8_lossy(&quiet.stdout);
    assert!(
        stdout.contains("1 imported, 0 updated, 0 unchanged, 1 failed"),
        "{stdout}"
    );

    let verbose = gazette()
        .args(["--database-url", &url, "import", "--verbose"])
        .arg(content.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(stderr.contains(&format!("{}: unchanged", good.display())), "{stderr}");
    assert!(stderr.contains(&broken.display().to_string()), "{stderr}");
    assert!(
        String::from_utf8_lossy(&verbose.stdout).contains("0 imported, 0 updated, 1 unchanged, 1 failed"),
        "{}",
        String::from_utf8_lossy(&verbose.stdout)
    );
}

#[test]
fn an_imported_database_file_holds_every_article_by_itself() {
    // A user imports, then copies the `.db` to where it is served: what the
    // import wrote must be in that file, not left in its `-wal` beside it.
    let content = ContentDir::new();
    std::fs::copy(fixture(SEED_FILE), content.path().join(SEED_FILE)).expect("copy seed");
    content.write("second.md", yaml_article("Second", "2024-05-01", ""));
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("t.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let out = import(&url, content.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let copy = dir.path().join("copy.db");
    std::fs::copy(&file, &copy).expect("copy the database file alone");
    let copied = format!("sqlite://{}?mode=rwc", copy.display());
    let out = import(&copied, content.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Both articles are already in the copy: found unchanged, not imported.
    assert!(
        stdout.contains("0 imported, 0 updated, 2 unchanged, 0 failed"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn schema_prints_the_sdl() {
    let out = gazette().arg("schema").output().expect("runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), gazette::graphql::sdl());
}

#[test]
fn serve_logs_each_request_as_json_and_stops_cleanly_on_sigterm() {
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("t.db").display());
    let mut child = gazette()
        .args([
            "--database-url",
            &url,
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--content",
        ])
        .arg(fixture(""))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let addr = banner_address(&mut child);

    let body = r#"{"query":"query Front { articles { totalCount } }"}"#;
    let response = http_post(&addr, body);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""totalCount":3"#), "{response}");
    let ready = http(
        &addr,
        &format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));

    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut logs).expect("logs");
    let request_line = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["fields"]["message"] == "graphql request")
        .unwrap_or_else(|| panic!("no request log line in {logs}"));
    let f = &request_line["fields"];
    assert_eq!(f["operation"], "Front");
    assert_eq!(f["status"], 200);
    assert!(f["sql_statements"].as_u64().is_some_and(|n| n >= 1), "{f}");
    assert!(
        f["cost"].as_u64().is_some() && f["duration_ms"].is_number() && f["request_id"].is_string(),
        "{f}"
    );
}

#[test]
fn serve_with_a_site_and_no_content_folder_imports_the_sites_content_folders() {
    // tests/sites/content-dirs gives each language a contentDir of its own;
    // the working directory's `content` is not read.
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites/content-dirs");
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("t.db").display());
    let mut child = gazette()
        .args(["--database-url", &url, "--bind", "127.0.0.1:0", "--site"])
        .arg(&site)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let addr = banner_address(&mut child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !http(
        &addr,
        &format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .starts_with("HTTP/1.1 200")
    {
        assert!(std::time::Instant::now() < deadline, "not ready after 30 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let body = r#"{"query":"{ articles { totalCount } fr: route(path: \"/fr/blog/notes.de/\") { ... on Article { locale } } en: route(path: \"/blog/named-english/\") { ... on Article { locale } } }"}"#;
    let response = http_post(&addr, body);
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""totalCount":6"#), "{response}");
    assert!(response.contains(r#""fr":{"locale":"fr"}"#), "{response}");
    assert!(response.contains(r#""en":{"locale":"en"}"#), "{response}");
}
