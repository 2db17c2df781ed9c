//! Preview: with the preview (or admin) token a request sees drafts,
//! future-dated and expired articles wherever a public request sees
//! articles; its answers are never cached; without a token nothing changes.

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use gazette::graphql::Limits;
use gazette::server::{AppData, HttpSettings};
use serde_json::{json, Value};

use crate::helpers::*;

const ADMIN: &str = "adm1n-token";
const PREVIEW: &str = "pr3view-token";

/// The site of one published article and one of each hidden kind, all
/// tagged `rates` and filed under `markets`; the draft alone is tagged `embargo`.
async fn site() -> (TestApp, ContentDir) {
    let app = spawn_app().await;
    let content = ContentDir::new();
    let terms = "tags: [rates]\ncategories: [markets]\n";
    content.write("visible.md", yaml_article("Visible rates", "2025-01-01", terms));
    content.write(
        "draft.md",
        yaml_article(
            "Draft rates",
            "2025-01-02",
            "draft: true\ntags: [rates, embargo]\ncategories: [markets]\n",
        ),
    );
    content.write(
        "future.md",
        yaml_article(
            "Future rates",
            "2025-01-03",
            &format!("publishDate: 2999-01-01\n{terms}"),
        ),
    );
    content.write(
        "expired.md",
        yaml_article(
            "Expired rates",
            "2025-01-04",
            &format!("expiryDate: 2025-02-01\n{terms}"),
        ),
    );
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!(summary.imported, 4);
    (app, content)
}

fn served(app: &TestApp, settings: HttpSettings) -> AppData {
    AppData::new(app.state.clone().with_limits(&Limits::default(), true), settings).expect("metrics")
}

/// Both tokens configured.
fn with_tokens(app: &TestApp) -> AppData {
    served(
        app,
        HttpSettings {
            admin_token: Some(ADMIN.into()),
            preview_token: Some(PREVIEW.into()),
            ..HttpSettings::default()
        },
    )
}

fn bearer(req: TestRequest, token: Option<&str>) -> TestRequest {
    match token {
        Some(t) => req.insert_header((header::AUTHORIZATION, format!("Bearer {t}"))),
        None => req,
    }
}

async fn query(data: &AppData, token: Option<&str>, query: &str) -> Reply {
    send(data, bearer(post(json!({ "query": query })), token)).await
}

/// A GET of `query`, percent-encoded.
fn get(query: &str) -> TestRequest {
    let encoded: String = query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    TestRequest::get().uri(&format!("/graphql?query={encoded}"))
}

fn data_of(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let body = reply.json();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

const EVERYWHERE: &str = r#"{
    articles { totalCount nodes { slug status draft }
               facets { tags(first: 10) { tag { slug } count } } }
    search(query: "rates") { totalCount nodes { slug } }
    draft: article(slug: "draft") { slug status relPermalink }
    future: article(slug: "future") { slug status }
    expired: article(slug: "expired") { slug status }
    visible: article(slug: "visible") { status related(first: 10) { slug } }
    rates: tag(slug: "rates") { articleCount articles { totalCount } }
    embargo: tag(slug: "embargo") { articleCount }
    tags { totalCount }
    categories { edges { node { slug articleCount } } }
}"#;

fn sorted_slugs(list: &Value) -> Vec<String> {
    let mut slugs: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["slug"].as_str().map(str::to_owned))
        .collect();
    slugs.sort();
    slugs
}

#[actix_web::test]
async fn hidden_articles_are_seen_only_with_the_preview_or_admin_token() {
    let (app, _content) = site().await;
    let data = with_tokens(&app);

    let public = data_of(&query(&data, None, EVERYWHERE).await);
    assert_eq!(public["articles"]["totalCount"], 1);
    assert_eq!(
        public["articles"]["nodes"],
        json!([{ "slug": "visible", "status": "PUBLISHED", "draft": false }])
    );
    assert_eq!(
        public["articles"]["facets"]["tags"],
        json!([{ "tag": { "slug": "rates" }, "count": 1 }])
    );
    assert_eq!(public["search"]["totalCount"], 1);
    for hidden in ["draft", "future", "expired"] {
        assert_eq!(public[hidden], Value::Null, "{hidden} is not served publicly");
    }
    assert_eq!(public["visible"], json!({ "status": "PUBLISHED", "related": [] }));
    assert_eq!(
        public["rates"],
        json!({ "articleCount": 1, "articles": { "totalCount": 1 } })
    );
    assert_eq!(public["embargo"], Value::Null, "a tag only a draft uses is not shown");
    assert_eq!(public["tags"]["totalCount"], 1);
    assert_eq!(
        public["categories"]["edges"],
        json!([{ "node": { "slug": "markets", "articleCount": 1 } }])
    );

    for token in [PREVIEW, ADMIN] {
        let preview = data_of(&query(&data, Some(token), EVERYWHERE).await);
        assert_eq!(preview["articles"]["totalCount"], 4, "{token}");
        assert_eq!(
            sorted_slugs(&preview["articles"]["nodes"]),
            ["draft", "expired", "future", "visible"]
        );
        assert_eq!(
            preview["articles"]["facets"]["tags"],
            json!([{ "tag": { "slug": "rates" }, "count": 4 }, { "tag": { "slug": "embargo" }, "count": 1 }])
        );
        assert_eq!(preview["search"]["totalCount"], 4);
        assert_eq!(
            sorted_slugs(&preview["search"]["nodes"]),
            ["draft", "expired", "future", "visible"]
        );
        assert_eq!(preview["draft"]["status"], "DRAFT");
        assert_eq!(preview["future"], json!({ "slug": "future", "status": "SCHEDULED" }));
        assert_eq!(preview["expired"], json!({ "slug": "expired", "status": "EXPIRED" }));
        assert_eq!(preview["visible"]["status"], "PUBLISHED");
        assert_eq!(
            sorted_slugs(&preview["visible"]["related"]),
            ["draft", "expired", "future"]
        );
        assert_eq!(
            preview["rates"],
            json!({ "articleCount": 4, "articles": { "totalCount": 4 } })
        );
        assert_eq!(preview["embargo"], json!({ "articleCount": 1 }));
        assert_eq!(preview["tags"]["totalCount"], 2);
        assert_eq!(
            preview["categories"]["edges"],
            json!([{ "node": { "slug": "markets", "articleCount": 4 } }])
        );
    }
}

#[actix_web::test]
async fn statuses_are_judged_with_draft_first() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    // A draft whose dates say expired, and one whose dates say scheduled: both drafts.
    content.write(
        "old-draft.md",
        yaml_article("Old draft", "2025-01-01", "draft: true\nexpiryDate: 2025-02-01\n"),
    );
    content.write(
        "new-draft.md",
        yaml_article("New draft", "2025-01-01", "draft: true\npublishDate: 2999-01-01\n"),
    );
    // Expired before it was ever published: expired, not scheduled.
    content.write(
        "never.md",
        yaml_article(
            "Never",
            "2025-01-01",
            "publishDate: 2999-01-01\nexpiryDate: 2025-02-01\n",
        ),
    );
    app.import(&[content.path().to_path_buf()]).await;
    let data = with_tokens(&app);
    let reply = data_of(&query(&data, Some(PREVIEW), "{ articles { nodes { slug status } } }").await);
    let mut statuses: Vec<(String, String)> = reply["articles"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            (
                n["slug"].as_str().unwrap().to_owned(),
                n["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    statuses.sort();
    let want = [("never", "EXPIRED"), ("new-draft", "DRAFT"), ("old-draft", "DRAFT")];
    assert_eq!(statuses, want.map(|(s, t)| (s.to_owned(), t.to_owned())).to_vec());
}

#[actix_web::test]
async fn route_serves_a_draft_only_in_a_preview() {
    let (app, _content) = site().await;
    let data = with_tokens(&app);
    let path = data_of(&query(&data, Some(PREVIEW), r#"{ article(slug: "draft") { relPermalink } }"#).await)["article"]
        ["relPermalink"]
        .as_str()
        .expect("the draft's path")
        .to_owned();
    let route = format!(r#"{{ route(path: "{path}") {{ __typename ... on Article {{ slug status }} }} }}"#);
    assert_eq!(data_of(&query(&data, None, &route).await)["route"], Value::Null);
    assert_eq!(
        data_of(&query(&data, Some(PREVIEW), &route).await)["route"],
        json!({ "__typename": "Article", "slug": "draft", "status": "DRAFT" })
    );
}

#[actix_web::test]
async fn preview_answers_are_private_and_never_reused_for_the_public() {
    let (app, _content) = site().await;
    let data = with_tokens(&app);
    let q = "{ articles { totalCount } }";

    let preview = send(&data, bearer(get(q), Some(PREVIEW))).await;
    assert_eq!(data_of(&preview)["articles"]["totalCount"], 4);
    assert_eq!(preview.header("cache-control").as_deref(), Some("private, no-store"));
    assert_eq!(preview.header("etag"), None, "a preview has no ETag to revalidate with");

    // The same URL right after, without the token: the public answer, cacheable.
    let public = send(&data, get(q)).await;
    assert_eq!(data_of(&public)["articles"]["totalCount"], 1);
    assert_ne!(public.body, preview.body);
    assert_eq!(public.header("cache-control").as_deref(), Some("public, max-age=60"));
    let etag = public.header("etag").expect("a public GET has an ETag");

    // A preview revalidating with the public ETag gets the preview, not a 304.
    let revalidated = send(
        &data,
        bearer(get(q), Some(PREVIEW)).insert_header((header::IF_NONE_MATCH, etag.clone())),
    )
    .await;
    assert_eq!(revalidated.status, StatusCode::OK);
    assert_eq!(data_of(&revalidated)["articles"]["totalCount"], 4);
    // The public one still revalidates.
    let again = send(&data, get(q).insert_header((header::IF_NONE_MATCH, etag))).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // POSTs and errors of a preview are private too.
    let posted = query(&data, Some(PREVIEW), q).await;
    assert_eq!(posted.header("cache-control").as_deref(), Some("private, no-store"));
    let failing = send(&data, bearer(get("{ nope }"), Some(PREVIEW))).await;
    assert_eq!(failing.header("cache-control").as_deref(), Some("private, no-store"));
    let refused = send(&data, bearer(get("mutation { deleteTag(id: \"x\") }"), Some(PREVIEW))).await;
    assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(refused.header("cache-control").as_deref(), Some("private, no-store"));
    for reply in [&preview, &posted, &failing, &refused] {
        for tag in ["surrogate-key", "cache-tag"] {
            assert_eq!(reply.header(tag), None, "a preview carries no cache tags");
        }
    }
}

#[actix_web::test]
async fn without_a_token_answers_and_headers_are_as_without_preview() {
    let (app, _content) = site().await;
    let before = served(
        &app,
        HttpSettings {
            admin_token: Some(ADMIN.into()),
            ..HttpSettings::default()
        },
    );
    let now = with_tokens(&app);
    // One field a level: bytes, ETag and every header the same. (Sibling
    // fields do not always come back in the order they were asked for,
    // with or without preview, so only one field a level is compared as bytes.)
    let q = "{ articles { totalCount } }";
    let (a, b) = (send(&before, get(q)).await, send(&now, get(q)).await);
    assert_eq!(a.status, b.status);
    assert_eq!(a.body, b.body);
    for name in ["cache-control", "etag", "vary", "content-type"] {
        assert_eq!(a.header(name), b.header(name), "{name}");
    }
    let (a, b) = (query(&before, None, q).await, query(&now, None, q).await);
    assert_eq!(a.body, b.body);
    assert_eq!(a.header("cache-control"), b.header("cache-control"));
    // Many fields: the same answer.
    let (a, b) = (
        query(&before, None, EVERYWHERE).await,
        query(&now, None, EVERYWHERE).await,
    );
    assert_eq!(data_of(&a), data_of(&b));
}

#[actix_web::test]
async fn a_wrong_token_is_unauthenticated() {
    let (app, _content) = site().await;
    let only_admin = served(
        &app,
        HttpSettings {
            admin_token: Some(ADMIN.into()),
            ..HttpSettings::default()
        },
    );
    for data in [with_tokens(&app), only_admin] {
        for reply in [
            query(&data, Some("pr3view"), "{ articles { totalCount } }").await,
            send(&data, bearer(get("{ articles { totalCount } }"), Some("wrong"))).await,
        ] {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.json());
            assert_eq!(reply.code(), "UNAUTHENTICATED");
            assert_eq!(reply.json().get("data"), None, "nothing ran");
            assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
            assert!(reply
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer")));
        }
    }
    // With no token configured the header is not read, as before.
    let open = served(&app, HttpSettings::default());
    let reply = query(&open, Some("anything"), "{ articles { totalCount } }").await;
    assert_eq!(data_of(&reply)["articles"]["totalCount"], 1);
}

#[actix_web::test]
async fn the_preview_token_cannot_write() {
    let (app, _content) = site().await;
    let data = with_tokens(&app);
    let create = r#"mutation { createArticle(input: {
        slug: "sneaky", title: "Sneaky", body: "Not allowed.", publishedAt: "2025-06-01T08:00:00Z", lang: "en"
    }) { slug status } }"#;
    let refused = query(&data, Some(PREVIEW), create).await;
    assert_eq!(refused.code(), "FORBIDDEN", "{}", refused.json());
    let count = "{ articles { totalCount } }";
    assert_eq!(
        data_of(&query(&data, Some(PREVIEW), count).await)["articles"]["totalCount"],
        4
    );

    let created = data_of(&query(&data, Some(ADMIN), create).await);
    assert_eq!(
        created["createArticle"],
        json!({ "slug": "sneaky", "status": "PUBLISHED" })
    );
    assert_eq!(data_of(&query(&data, None, count).await)["articles"]["totalCount"], 2);
}

#[actix_web::test]
async fn section_counts_preview_and_feeds_and_sitemaps_stay_public() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("markets/_index.md", "---\ntitle: Markets\n---\n");
    content.write("markets/open.md", yaml_article("Open", "2025-01-01", "tags: [rates]\n"));
    content.write(
        "markets/embargoed.md",
        yaml_article("Embargoed", "2025-01-02", "draft: true\ntags: [rates]\n"),
    );
    app.import(&[content.path().to_path_buf()]).await;
    let data = with_tokens(&app);
    let q = r#"{ section(path: "markets") { articleCount articles { totalCount } } }"#;
    let count = |reply: &Reply| data_of(reply)["section"].clone();
    assert_eq!(
        count(&query(&data, None, q).await),
        json!({ "articleCount": 1, "articles": { "totalCount": 1 } })
    );
    assert_eq!(
        count(&query(&data, Some(PREVIEW), q).await),
        json!({ "articleCount": 2, "articles": { "totalCount": 2 } })
    );

    for path in ["/index.xml", "/sitemap.xml", "/tags/rates/index.xml"] {
        let public = send(&data, TestRequest::get().uri(path)).await;
        assert_eq!(public.status, StatusCode::OK, "{path}");
        let previewed = send(&data, bearer(TestRequest::get().uri(path), Some(PREVIEW))).await;
        assert_eq!(previewed.body, public.body, "{path} is the same with the preview token");
        let body = String::from_utf8_lossy(&previewed.body);
        assert!(body.contains("/markets/open/"), "{path}: {body}");
        assert!(!body.contains("embargoed"), "{path} holds no draft: {body}");
    }
}
