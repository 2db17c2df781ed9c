//! Page bundles: a leaf bundle's files as `Article.resources`, named by
//! front matter `resources` rules as hugo 0.111.3 names them
//! (tests/sites/bundles/expected.json), served at their Hugo URLs with
//! ETag, Range and Cache-Control, and nothing else ever served (traversal,
//! encoded separators, symlinks, files that are not resources, drafts').

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::{header, StatusCode};
use actix_web::test;
use gazette::server::{self, AppData, HttpSettings};
use gazette::site::Site;
use serde_json::{json, Value};

use crate::helpers::*;

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sites/bundles")
}

/// Copies `from` into `to`, folders and files.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir_entries(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
}

fn walkdir_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let mut children: Vec<PathBuf> = std::fs::read_dir(&out[i]).unwrap().map(|e| e.unwrap().path()).collect();
            children.sort();
            out.extend(children);
        }
        i += 1;
    }
    out
}

/// The oracle site copied to a temporary folder (so tests may add to it),
/// imported with its config, and the app serving its files.
struct Bundles {
    app: TestApp,
    site_dir: tempfile::TempDir,
}

impl Bundles {
    async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// The same, with `change` made to the copied site before the import.
    async fn with(change: impl FnOnce(&Path)) -> Self {
        let site_dir = tempfile::tempdir().unwrap();
        copy_tree(&oracle_dir(), site_dir.path());
        change(site_dir.path());
        let site = Arc::new(Site::load(site_dir.path(), "production").expect("site config"));
        let mut app = spawn_app().await;
        app.read.site = site.clone();
        app.state = app.state.clone().with_site(site);
        let summary = app.import(&[site_dir.path().join("content")]).await;
        assert!(summary.failed.is_empty(), "{:?}", summary.failed);
        Bundles { app, site_dir }
    }

    fn content(&self) -> PathBuf {
        self.site_dir.path().join("content")
    }

    async fn reimport(&self) -> gazette::import::Summary {
        self.app.import(&[self.content()]).await
    }

    /// A GET through the real app serving the content folder, with `headers`.
    async fn get(&self, path: &str, headers: &[(header::HeaderName, &str)]) -> Reply {
        let settings = HttpSettings {
            content_root: Some(self.content()),
            ..HttpSettings::default()
        };
        let data = AppData::new(self.app.state.clone(), settings).unwrap();
        let service = test::init_service(server::app(data)).await;
        let mut req = test::TestRequest::get().uri(path);
        for (name, value) in headers {
            req = req.insert_header((name.clone(), *value));
        }
        let resp = test::call_service(&service, req.to_request()).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = test::read_body(resp).await.to_vec();
        Reply { status, headers, body }
    }
}

struct Reply {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

const RESOURCES: &str = "query($slug: String!, $type: String) { article(slug: $slug) {
    resources(mediaType: $type) { name title path mediaType url relPermalink size width height params } } }";

async fn resources(app: &TestApp, slug: &str, media_type: Option<&str>) -> Vec<Value> {
    let data = app.data(RESOURCES, json!({ "slug": slug, "type": media_type })).await;
    data["article"]["resources"].as_array().cloned().unwrap_or_default()
}

/// What hugo gave the page of `file` in expected.json, as Gazette's fields.
fn hugo_resources(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(oracle_dir().join("expected.json")).unwrap();
    let pages: Vec<Value> = serde_json::from_str(&text).unwrap();
    let page = pages.iter().find(|p| p["file"] == file).unwrap();
    page["resources"]
        .as_array()
        .unwrap()
        .iter()
        // Hugo's page resources (other content files) have no URL: Gazette leaves them out.
        .filter(|r| r["relPermalink"] != "")
        .map(|r| {
            json!({
                "name": r["name"], "title": r["title"], "mediaType": r["mediaType"],
                "relPermalink": r["relPermalink"], "params": r["params"],
                "width": r.get("width").cloned().unwrap_or(Value::Null),
                "height": r.get("height").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

#[actix_web::test]
async fn a_leaf_bundles_resources_are_hugos() {
    let b = Bundles::new().await;
    let got: Vec<Value> = resources(&b.app, "photo-essay", None)
        .await
        .iter()
        .map(|r| {
            json!({
                "name": r["name"], "title": r["title"], "mediaType": r["mediaType"],
                "relPermalink": r["relPermalink"], "params": r["params"],
                "width": r["width"], "height": r["height"],
            })
        })
        .collect();
    assert_eq!(got, hugo_resources("post/photo-essay/index.md"));
    let all = resources(&b.app, "photo-essay", None).await;
    let pdf = all.iter().find(|r| r["path"] == "guide.pdf").unwrap();
    assert_eq!(pdf["url"], "https://example.org/post/photo-essay/guide.pdf");
    let size = std::fs::metadata(b.content().join("post/photo-essay/guide.pdf"))
        .unwrap()
        .len();
    assert_eq!(pdf["size"], json!(size));
    // A page that is not a bundle has none.
    assert!(resources(&b.app, "item", None).await.is_empty());
}

#[actix_web::test]
async fn a_branch_bundles_resources_are_hugos_and_served() {
    let b = Bundles::new().await;
    let data = b
        .app
        .data(
            r#"{ section(path: "gallery") { resources { name title mediaType relPermalink params width height } }
                 image: section(path: "gallery") { resources(mediaType: "image") { name } }
                 pdf: section(path: "gallery") { resources(mediaType: "application/pdf") { name } } }"#,
            json!({}),
        )
        .await;
    // Only the files beside `_index.md`: `sub/inner.png` is not the section's.
    assert_eq!(data["section"]["resources"], json!(hugo_resources("gallery/_index.md")));
    assert_eq!(data["image"]["resources"], json!([{ "name": "cover.png" }]));
    assert_eq!(data["pdf"]["resources"], json!([]));
    let r = b.get("/gallery/cover.png", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let key = r.header(header::HeaderName::from_static("surrogate-key"));
    assert_eq!(key.as_deref(), Some("section:/gallery/"));
    assert_eq!(r.body, std::fs::read(b.content().join("gallery/cover.png")).unwrap());
    assert_eq!(b.get("/gallery/sub/inner.png", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/gallery/_index.md", &[]).await.status, StatusCode::NOT_FOUND);

    // A changed file is re-imported with the section.
    std::fs::write(b.content().join("gallery/notes.csv"), "a\n").unwrap();
    let summary = b.reimport().await;
    assert_eq!(summary.updated, 1, "{summary}");
    let data = b
        .app
        .data(r#"{ section(path: "gallery") { resources { name } } }"#, json!({}))
        .await;
    assert_eq!(
        data["section"]["resources"],
        json!([{ "name": "cover.png" }, { "name": "notes.csv" }])
    );
}

#[actix_web::test]
async fn media_type_keeps_a_main_or_a_full_type() {
    let b = Bundles::new().await;
    let names = |rs: Vec<Value>| -> Vec<String> { rs.iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect() };
    // Hugo's `.Resources.ByType "image"` (expected.json's `images`).
    assert_eq!(
        names(resources(&b.app, "photo-essay", Some("image")).await),
        ["cover.png", "photo-1", "photo-2"]
    );
    assert_eq!(
        names(resources(&b.app, "photo-essay", Some("IMAGE/PNG")).await),
        ["cover.png", "photo-1", "photo-2"]
    );
    assert_eq!(
        names(resources(&b.app, "photo-essay", Some("application/pdf")).await),
        ["guide.pdf"]
    );
    assert!(resources(&b.app, "photo-essay", Some("video")).await.is_empty());
}

#[actix_web::test]
async fn bundle_files_are_served_with_etag_ranges_and_cache_control() {
    let b = Bundles::new().await;
    let pdf = std::fs::read(b.content().join("post/photo-essay/guide.pdf")).unwrap();
    let r = b.get("/post/photo-essay/guide.pdf", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, pdf);
    assert_eq!(r.header(header::CONTENT_TYPE).as_deref(), Some("application/pdf"));
    assert_eq!(r.header(header::CACHE_CONTROL).as_deref(), Some("public, max-age=60"));
    assert!(r.header(header::LAST_MODIFIED).is_some());
    // Purged with its article.
    let key = r
        .header(header::HeaderName::from_static("surrogate-key"))
        .expect("a Surrogate-Key");
    assert!(key.starts_with("article:"), "{key}");
    let etag = r.header(header::ETAG).expect("an ETag");

    let again = b
        .get("/post/photo-essay/guide.pdf", &[(header::IF_NONE_MATCH, &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    let part = b
        .get("/post/photo-essay/guide.pdf", &[(header::RANGE, "bytes=0-3")])
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, b"%PDF");
    assert_eq!(
        part.header(header::CONTENT_RANGE),
        Some(format!("bytes 0-3/{}", pdf.len()))
    );

    // Asking for compression too leaves the range of the file's bytes.
    let gzip = [(header::RANGE, "bytes=0-3"), (header::ACCEPT_ENCODING, "gzip")];
    let part = b.get("/post/photo-essay/guide.pdf", &gzip).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, b"%PDF");
    let part = b.get("/post/photo-essay/data/table.csv", &gzip).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, b"a,b\n");

    let png = b.get("/post/photo-essay/images/sunset.png", &[]).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.header(header::CONTENT_TYPE).as_deref(), Some("image/png"));
    assert_eq!(
        png.body,
        std::fs::read(b.content().join("post/photo-essay/images/sunset.png")).unwrap()
    );
}

#[actix_web::test]
async fn nothing_but_a_public_articles_resources_is_ever_served() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "TOP SECRET").unwrap();
    let secret_for_site = secret.clone();
    let b = Bundles::with(move |site| {
        let bundle = site.join("content/post/photo-essay");
        // A symlink in the bundle pointing out of the content folder.
        #[cfg(unix)]
        std::os::unix::fs::symlink(&secret_for_site, bundle.join("leak.png")).unwrap();
        // A draft bundle with a file.
        let draft = site.join("content/post/unfinished");
        std::fs::create_dir_all(&draft).unwrap();
        std::fs::write(
            draft.join("index.md"),
            "---\ntitle: Unfinished\ndraft: true\n---\nSoon.\n",
        )
        .unwrap();
        std::fs::write(draft.join("plan.pdf"), "%PDF-1.4 plan").unwrap();
    })
    .await;
    // The symlink is not a resource.
    let all = resources(&b.app, "photo-essay", None).await;
    assert!(all.iter().all(|r| r["path"] != "leak.png"), "{all:?}");

    // Files the database knows, later replaced by a symlink out of the folder.
    #[cfg(unix)]
    {
        let cover = b.content().join("post/photo-essay/cover.png");
        std::fs::remove_file(&cover).unwrap();
        std::os::unix::fs::symlink(&secret, &cover).unwrap();
    }
    let depth = b.content().components().count();
    let up = "../".repeat(depth + 2);
    let encoded_up = "%2e%2e/".repeat(depth + 2);
    let secret_path = secret.display().to_string();
    let attempts = [
        "/post/../../etc/passwd".to_owned(),
        format!("/post/photo-essay/{up}etc/passwd"),
        format!("/post/photo-essay/{up}{}", secret_path.trim_start_matches('/')),
        format!("/post/photo-essay/{encoded_up}{}", secret_path.trim_start_matches('/')),
        format!(
            "/post/photo-essay/%2E%2E%2F%2E%2E%2F{}",
            secret_path.trim_start_matches('/')
        ),
        "/post/photo-essay/..%2f..%2f..%2fetc%2fpasswd".to_owned(),
        "/post/photo-essay/images%2fsunset.png".to_owned(),
        "/post/photo-essay/.%2fguide.pdf".to_owned(),
        "/post/photo-essay/./guide.pdf".to_owned(),
        "/post/photo-essay//guide.pdf".to_owned(),
        "/post/photo-essay/images\\sunset.png".replace('\\', "%5C"),
        "/post/photo-essay/guide.pdf%00.png".to_owned(),
        "/post/photo-essay/leak.png".to_owned(),
        "/post/photo-essay/cover.png".to_owned(),
        "/post/photo-essay/index.md".to_owned(),
        "/post/photo-essay/notes.md".to_owned(),
        "/post/photo-essay/missing.png".to_owned(),
        "/gallery/sub/inner.png".to_owned(),
        "/post/unfinished/plan.pdf".to_owned(),
        "/hugo.toml".to_owned(),
        "/../hugo.toml".to_owned(),
    ];
    for path in &attempts {
        let r = b.get(path, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            !body.contains("TOP SECRET") && !body.contains("root:"),
            "{path}: {body}"
        );
    }
    // The draft is not public: its file was refused above for that alone.
    let data = b
        .app
        .data("{ articles(first: 10) { edges { node { slug } } } }", json!({}))
        .await;
    assert!(!slugs(&data["articles"]).contains(&"unfinished".to_owned()));
    // And a real file still answers.
    assert_eq!(b.get("/post/photo-essay/guide.pdf", &[]).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn no_files_are_served_without_a_content_folder() {
    let b = Bundles::new().await;
    let service = test::init_service(server::app(b.app.app_data())).await;
    let req = test::TestRequest::get().uri("/post/photo-essay/guide.pdf").to_request();
    assert_eq!(test::call_service(&service, req).await.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn relative_images_and_links_resolve_in_html_and_ast() {
    let b = Bundles::new().await;
    let data = b
        .app
        .data(
            r#"{ article(slug: "photo-essay") { thumbnail html: body(format: HTML) ast: body(format: AST)
                 image { url width height } } }"#,
            json!({}),
        )
        .await;
    let a = &data["article"];
    let html = a["html"].as_str().unwrap();
    assert!(
        html.contains(r#"<img src="https://example.org/post/photo-essay/images/harbour.png" alt="The harbour""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="https://example.org/post/photo-essay/guide.pdf">"#),
        "{html}"
    );
    let ast: Value = serde_json::from_str(a["ast"].as_str().unwrap()).unwrap();
    assert_eq!(
        ast["children"][0]["children"][0]["url"],
        "https://example.org/post/photo-essay/images/harbour.png"
    );
    assert_eq!(
        ast["children"][1]["children"][1]["url"],
        "https://example.org/post/photo-essay/guide.pdf"
    );
    // `thumbnail` stays as written; `image` is the resolved one.
    assert_eq!(a["thumbnail"], "cover.png");
    assert_eq!(
        a["image"],
        json!({ "url": "https://example.org/post/photo-essay/cover.png", "width": 2, "height": 2 })
    );
}

#[actix_web::test]
async fn image_is_the_thumbnail_as_written_when_it_names_no_bundle_file() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    dir.write(
        "far.md",
        yaml_article("Far", "2024-01-01", "thumbnail: https://cdn.example/t.png\n"),
    );
    dir.write(
        "gone.md",
        yaml_article("Gone", "2024-01-01", "thumbnail: missing.png\n"),
    );
    dir.write("plain.md", yaml_article("Plain", "2024-01-01", ""));
    app.import(&[dir.path().to_path_buf()]).await;
    let q = "query($s: String!) { article(slug: $s) { image { url width height } } }";
    let image = |d: Value| d["article"]["image"].clone();
    assert_eq!(
        image(app.data(q, json!({"s": "far"})).await),
        json!({"url": "https://cdn.example/t.png", "width": null, "height": null})
    );
    assert_eq!(
        image(app.data(q, json!({"s": "gone"})).await),
        json!({"url": "missing.png", "width": null, "height": null})
    );
    assert_eq!(image(app.data(q, json!({"s": "plain"})).await), Value::Null);
}

#[actix_web::test]
async fn a_changed_added_or_removed_bundle_file_reimports_its_article() {
    let b = Bundles::new().await;
    let bundle = b.content().join("post/photo-essay");
    assert_eq!(b.reimport().await.updated, 0);
    // A bigger sunset: its size and width change.
    std::fs::copy(bundle.join("images/harbour.png"), bundle.join("images/sunset.png")).unwrap();
    let summary = b.reimport().await;
    assert_eq!(summary.updated, 1, "{summary}");
    let all = resources(&b.app, "photo-essay", Some("image")).await;
    let sunset = all.iter().find(|r| r["path"] == "images/sunset.png").unwrap();
    assert_eq!(
        (sunset["width"].clone(), sunset["height"].clone()),
        (json!(4), json!(5))
    );

    std::fs::write(bundle.join("extra.txt.json"), "{}").unwrap();
    std::fs::remove_file(bundle.join("guide.pdf")).unwrap();
    assert_eq!(b.reimport().await.updated, 1);
    let paths: Vec<String> = resources(&b.app, "photo-essay", None)
        .await
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(paths.contains(&"extra.txt.json".to_owned()), "{paths:?}");
    assert!(!paths.contains(&"guide.pdf".to_owned()), "{paths:?}");
    assert_eq!(
        b.get("/post/photo-essay/guide.pdf", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_list_of_bundles_reads_their_resources_in_one_statement() {
    let (app, statements) = spawn_counting_app().await;
    let dir = ContentDir::new();
    for i in 0..20 {
        dir.write(
            &format!("b{i:02}/index.md"),
            yaml_article(&format!("B{i}"), "2024-01-01", ""),
        );
        dir.write(&format!("b{i:02}/a.pdf"), "%PDF");
    }
    app.import(&[dir.path().to_path_buf()]).await;
    let q = "{ articles(first: 20) { edges { node { resources { name } } } } }";
    app.data(q, json!({})).await;
    let before = statements.load(std::sync::atomic::Ordering::SeqCst);
    let data = app.data(q, json!({})).await;
    let with_resources = statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    let edges = data["articles"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 20);
    assert!(edges.iter().all(|e| e["node"]["resources"][0]["name"] == "a.pdf"));
    let before = statements.load(std::sync::atomic::Ordering::SeqCst);
    app.data("{ articles(first: 20) { edges { node { slug } } } }", json!({}))
        .await;
    let without = statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(
        with_resources,
        without + 1,
        "one statement for every article's resources"
    );
}

/// The status line of a GET to a real server.
fn status_of(addr: &str, path: &str) -> String {
    let reply = http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    reply.lines().next().unwrap_or_default().to_owned()
}

// `test` is actix's here: the std attribute, for a test that starts a server process.
#[core::prelude::v1::test]
fn watch_mode_picks_up_added_changed_and_removed_bundle_files() {
    let content = ContentDir::new();
    content.write("trip/index.md", yaml_article("Trip", "2025-01-01", ""));
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.path().join("w.db").display());
    let server = Server::start(&["--database-url", &url, "--watch", "--content"], Some(content.path()));
    let addr = server.addr.clone();
    let names = || -> Vec<(String, i64)> {
        let reply = http_post(
            &addr,
            r#"{"query":"{ article(slug: \"trip\") { resources { path size } } }"}"#,
        );
        let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap_or_default()).unwrap_or_default();
        body["data"]["article"]["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["path"].as_str().unwrap_or_default().to_owned(),
                    r["size"].as_i64().unwrap_or(-1),
                )
            })
            .collect()
    };
    let until = |want: Vec<(&str, i64)>| {
        let want: Vec<(String, i64)> = want.into_iter().map(|(p, s)| (p.to_owned(), s)).collect();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = names();
            if got == want {
                return;
            }
            assert!(Instant::now() < deadline, "waited for {want:?}, serving {got:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    until(vec![]);
    content.write("trip/map.csv", "a,b\n");
    until(vec![("map.csv", 4)]);
    assert!(
        status_of(&addr, "/trip/map.csv").contains("200"),
        "served by `serve --content`"
    );
    content.write("trip/map.csv", "a,b\n1,2\n");
    until(vec![("map.csv", 8)]);
    content.remove("trip/map.csv");
    until(vec![]);
    assert!(status_of(&addr, "/trip/map.csv").contains("404"));
}

/// hugo 0.111.3 publishes a multilingual bundle's files under each
/// language's page (`/post/x/pic.png` and `/fr/post/x/pic.png`, with
/// `.Resources` of the French page at the latter; checked by hand with
/// this site, not an oracle file).
#[actix_web::test]
async fn a_translations_bundle_files_are_under_its_own_url_too() {
    let b = Bundles::with(|site| {
        let toml = "baseURL = \"https://example.org/\"\ndefaultContentLanguage = \"en\"\n\
                    [languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n";
        std::fs::write(site.join("hugo.toml"), toml).unwrap();
        let x = site.join("content/post/x");
        std::fs::create_dir_all(&x).unwrap();
        std::fs::copy(site.join("content/gallery/cover.png"), x.join("pic.png")).unwrap();
        std::fs::write(x.join("index.md"), "---\ntitle: X\n---\n![p](pic.png)\n").unwrap();
        std::fs::write(x.join("index.fr.md"), "---\ntitle: X fr\n---\n![p](pic.png)\n").unwrap();
    })
    .await;
    let q = r#"query($l: String) { article(slug: "x", locale: $l) { relPermalink resources { relPermalink }
        body(format: HTML) translations { locale body(format: HTML) } } }"#;
    let en = b.app.data(q, json!({ "l": "en" })).await;
    assert_eq!(
        en["article"]["resources"],
        json!([{ "relPermalink": "/post/x/pic.png" }])
    );
    assert!(en["article"]["body"]
        .as_str()
        .unwrap()
        .contains(r#"src="https://example.org/post/x/pic.png""#));
    let fr_body = en["article"]["translations"][0]["body"].as_str().unwrap();
    assert!(
        fr_body.contains(r#"src="https://example.org/fr/post/x/pic.png""#),
        "{fr_body}"
    );
    let fr = b.app.data(q, json!({ "l": "fr" })).await;
    assert_eq!(fr["article"]["relPermalink"], "/fr/post/x/");
    assert_eq!(
        fr["article"]["resources"],
        json!([{ "relPermalink": "/fr/post/x/pic.png" }])
    );
    assert!(fr["article"]["body"]
        .as_str()
        .unwrap()
        .contains(r#"src="https://example.org/fr/post/x/pic.png""#));
    for path in ["/post/x/pic.png", "/fr/post/x/pic.png"] {
        assert_eq!(b.get(path, &[]).await.status, StatusCode::OK, "{path}");
    }
    assert_eq!(b.get("/de/post/x/pic.png", &[]).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_edit_keeps_the_bundles_files() {
    let b = Bundles::new().await;
    let settings = HttpSettings {
        admin_token: Some("s3cret".to_owned()),
        ..HttpSettings::default()
    };
    let data = AppData::new(b.app.state.clone(), settings).unwrap();
    let service = test::init_service(server::app(data)).await;
    let id = b
        .app
        .data(r#"{ article(slug: "photo-essay") { id } }"#, json!({}))
        .await["article"]["id"]
        .clone();
    let update = json!({
        "query": "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"Photo essay, edited\" }) { title resources { name } } }",
        "variables": { "id": id },
    });
    let req = test::TestRequest::post()
        .uri("/graphql")
        .insert_header((header::AUTHORIZATION, "Bearer s3cret"))
        .set_json(update)
        .to_request();
    let reply: Value = test::call_and_read_body_json(&service, req).await;
    let edited = &reply["data"]["updateArticle"];
    assert_eq!(edited["title"], "Photo essay, edited", "{reply}");
    assert_eq!(edited["resources"].as_array().map(Vec::len), Some(5), "{reply}");
}

/// With `uglyURLs`, hugo 0.111.3 publishes `/post/x.html`'s files in
/// `/post/x/` (checked by hand, not an oracle file).
#[actix_web::test]
async fn with_ugly_urls_the_files_are_in_the_pages_folder() {
    let b = Bundles::with(|site| {
        let toml = std::fs::read_to_string(site.join("hugo.toml")).unwrap();
        std::fs::write(site.join("hugo.toml"), format!("uglyURLs = true\n{toml}")).unwrap();
    })
    .await;
    let data = b
        .app
        .data(
            r#"{ article(slug: "photo-essay") { relPermalink resources(mediaType: "application") { relPermalink } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["article"]["relPermalink"], "/post/photo-essay.html");
    assert_eq!(
        data["article"]["resources"],
        json!([{ "relPermalink": "/post/photo-essay/guide.pdf" }])
    );
    assert_eq!(b.get("/post/photo-essay/guide.pdf", &[]).await.status, StatusCode::OK);
    assert_eq!(
        b.get("/post/photo-essay.html/guide.pdf", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

/// `{{< figure >}}` naming a bundle file gets the file's URL in HTML, as a
/// markdown image does; one naming nothing there stays as written.
#[actix_web::test]
async fn a_figure_naming_a_bundle_file_points_at_its_url() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    let png = std::fs::read(oracle_dir().join("content/post/photo-essay/cover.png")).unwrap();
    dir.write("post/fig/images/a.png", &png);
    dir.write(
        "post/fig/index.md",
        "---\ntitle: Fig\ndate: 2024-01-01\n---\n\n{{< figure src=\"images/a.png\" link=\"./images/a.png\" >}}\n\n{{< figure src=\"elsewhere.png\" >}}\n",
    );
    app.import(&[dir.path().to_path_buf()]).await;
    let html = app
        .data("{ article(slug: \"fig\") { body(format: HTML) } }", json!({}))
        .await["article"]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains(r#"<a href="/post/fig/images/a.png"><img src="/post/fig/images/a.png""#),
        "{html}"
    );
    assert!(html.contains(r#"<img src="elsewhere.png""#), "{html}");
}
