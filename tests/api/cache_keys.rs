//! Cache keys: every cacheable response names what it shows in
//! `Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated), as a
//! CDN operator purging by key would check them: the article and term keys
//! of what a response shows, one list key by the list's scope, the fallback
//! to `overflow` past the size limit, and none on anything not cached.

use std::collections::BTreeSet;

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use gazette::graphql::Limits;
use gazette::server::response::KeyHeaders;
use gazette::server::{AppData, HttpSettings};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::*;

const PREVIEW: &str = "pr3view-token";

/// A site of three public articles and a draft: `news/rates.md` (tags
/// `rates`, `fed`; category `markets`), `news/oil.md` (tag `oil`),
/// `sport/cup.md` (tag `football`), and the draft `news/secret.md`.
async fn site() -> (TestApp, ContentDir) {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "news/rates.md",
        yaml_article(
            "Rates rise",
            "2025-01-03",
            "tags: [rates, fed]\ncategories: [markets]\n",
        ),
    );
    content.write("news/oil.md", yaml_article("Oil falls", "2025-01-02", "tags: [oil]\n"));
    content.write(
        "sport/cup.md",
        yaml_article("Cup final", "2025-01-01", "tags: [football]\n"),
    );
    content.write(
        "news/secret.md",
        yaml_article("Secret", "2025-01-04", "draft: true\ntags: [rates]\n"),
    );
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!(summary.imported, 4, "{:?}", summary.failed);
    (app, content)
}

/// The row id of the article at `slug`.
async fn id_of(app: &TestApp, slug: &str) -> i32 {
    entity::article::Entity::find()
        .filter(entity::article::Column::Slug.eq(slug))
        .one(&app.db)
        .await
        .expect("rows")
        .map(|a| a.id)
        .unwrap_or_else(|| panic!("no article {slug}"))
}

fn served(app: &TestApp, settings: HttpSettings) -> AppData {
    AppData::new(app.state.clone().with_limits(&Limits::default(), true), settings).expect("metrics")
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

/// The keys of `Surrogate-Key` (split on spaces), after checking that
/// `Cache-Tag` names the same keys (split on `, `) and the response
/// succeeded and is cacheable.
fn keys_of(reply: &Reply) -> BTreeSet<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert!(reply.json().get("errors").is_none(), "{}", reply.json());
    assert!(
        reply.header("cache-control").unwrap_or_default().starts_with("public"),
        "{:?}",
        reply.header("cache-control")
    );
    let surrogate = reply.header("surrogate-key").expect("a Surrogate-Key header");
    let tags = reply.header("cache-tag").expect("a Cache-Tag header");
    let keys: BTreeSet<String> = surrogate.split(' ').map(str::to_owned).collect();
    let tagged: BTreeSet<String> = tags.split(", ").map(str::to_owned).collect();
    assert_eq!(
        keys, tagged,
        "Surrogate-Key {surrogate:?} and Cache-Tag {tags:?} differ"
    );
    assert!(
        keys.iter().all(|k| !k.is_empty() && !k.contains([' ', ','])),
        "{keys:?}"
    );
    keys
}

/// The keys a public GET of `query` carries, with default settings.
async fn keys(app: &TestApp, query: &str) -> BTreeSet<String> {
    keys_of(&send(&served(app, HttpSettings::default()), get(query)).await)
}

fn has(keys: &BTreeSet<String>, want: &[&str]) {
    for k in want {
        assert!(keys.contains(*k), "{k} missing from {keys:?}");
    }
}

fn lacks(keys: &BTreeSet<String>, unwanted: &[&str]) {
    for k in unwanted {
        assert!(!keys.contains(*k), "{k} should not be in {keys:?}");
    }
}

#[actix_web::test]
async fn an_article_carries_its_own_and_its_terms_keys() {
    let (app, _content) = site().await;
    let rates = id_of(&app, "rates").await;
    let keys = keys(
        &app,
        r#"{ article(slug: "rates") { title tags { slug } categories { name } } }"#,
    )
    .await;
    let own = format!("article:{rates}");
    has(
        &keys,
        &[&own, "term:tags/rates", "term:tags/fed", "term:categories/markets"],
    );
    // One article shown, no list: nothing a new article elsewhere purges.
    lacks(&keys, &["articles", "section:/", "overflow"]);
    assert_eq!(keys.len(), 4, "{keys:?}");
}

#[actix_web::test]
async fn an_article_not_found_is_purged_by_any_article() {
    let (app, _content) = site().await;
    let keys = keys(&app, r#"{ article(slug: "nowhere") { title } }"#).await;
    assert_eq!(keys, BTreeSet::from(["articles".to_owned()]));
}

#[actix_web::test]
async fn the_front_page_carries_the_articles_key_and_every_article_shown() {
    let (app, _content) = site().await;
    let keys = keys(&app, "{ articles(first: 10) { totalCount nodes { slug } } }").await;
    has(&keys, &["articles"]);
    for slug in ["rates", "oil", "cup"] {
        has(&keys, &[&format!("article:{}", id_of(&app, slug).await)]);
    }
    // The draft is not shown, so its key is not there.
    lacks(&keys, &[&format!("article:{}", id_of(&app, "secret").await)]);
}

#[actix_web::test]
async fn a_section_list_carries_its_section_key() {
    let (app, _content) = site().await;
    let keys = keys(
        &app,
        r#"{ section(path: "news") { title articles { nodes { slug } } } }"#,
    )
    .await;
    has(&keys, &["section:/news/"]);
    lacks(&keys, &["articles", "section:/sport/"]);
    let filtered = keys_of(
        &send(
            &served(&app, HttpSettings::default()),
            get(r#"{ articles(filter: { section: { path: "/news/" } }) { nodes { slug } } }"#),
        )
        .await,
    );
    has(&filtered, &["section:/news/"]);
    lacks(&filtered, &["articles"]);
}

#[actix_web::test]
async fn a_tag_list_carries_the_tag_key() {
    let (app, _content) = site().await;
    let oil = format!("article:{}", id_of(&app, "oil").await);
    let own = keys(&app, r#"{ tag(slug: "oil") { name articles { nodes { slug } } } }"#).await;
    has(&own, &["term:tags/oil", &oil]);
    lacks(&own, &["articles"]);
    // A filter naming the tag lists the same articles under the same key;
    // one that only excludes is any article's list.
    let filtered = keys(
        &app,
        r#"{ articles(filter: { tags: { any: ["oil"] } }) { nodes { slug } } }"#,
    )
    .await;
    has(&filtered, &["term:tags/oil", &oil]);
    lacks(&filtered, &["articles"]);
    let excluding = keys(
        &app,
        r#"{ articles(filter: { tags: { none: ["oil"] } }) { nodes { slug } } }"#,
    )
    .await;
    has(&excluding, &["articles"]);
    lacks(&excluding, &["term:tags/oil", &oil]);
}

#[actix_web::test]
async fn the_tags_list_is_purged_by_any_article() {
    let (app, _content) = site().await;
    let keys = keys(&app, "{ tags(first: 10) { nodes { slug } } }").await;
    has(
        &keys,
        &["articles", "term:tags/rates", "term:tags/oil", "term:tags/football"],
    );
}

#[actix_web::test]
async fn a_revalidation_carries_the_keys_too() {
    let (app, _content) = site().await;
    let data = served(&app, HttpSettings::default());
    let query = r#"{ article(slug: "oil") { title } }"#;
    let first = send(&data, get(query)).await;
    let expected = keys_of(&first);
    let etag = first.header("etag").expect("an ETag");
    let again = send(&data, get(query).insert_header((header::IF_NONE_MATCH, etag))).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        again
            .header("surrogate-key")
            .map(|v| v.split(' ').map(str::to_owned).collect()),
        Some(expected)
    );
    assert!(again.header("cache-tag").is_some());
}

#[actix_web::test]
async fn a_preview_a_post_and_an_error_carry_no_keys() {
    let (app, _content) = site().await;
    let data = served(
        &app,
        HttpSettings {
            preview_token: Some(PREVIEW.into()),
            ..HttpSettings::default()
        },
    );
    let query = r#"{ article(slug: "secret") { title tags { slug } } }"#;
    let preview = send(
        &data,
        get(query).insert_header((header::AUTHORIZATION, format!("Bearer {PREVIEW}"))),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(preview.json()["data"]["article"]["title"], "Secret");
    assert_eq!(preview.header("cache-control").as_deref(), Some("private, no-store"));
    assert_eq!(preview.header("surrogate-key"), None);
    assert_eq!(preview.header("cache-tag"), None);

    let posted = send(&data, post(json!({ "query": r#"{ article(slug: "oil") { title } }"# }))).await;
    assert_eq!(posted.status, StatusCode::OK);
    assert_eq!(posted.json()["data"]["article"]["title"], "Oil falls");
    assert_eq!(posted.header("surrogate-key"), None);
    assert_eq!(posted.header("cache-tag"), None);

    let failed = send(
        &data,
        get(r#"{ article(slug: "oil") { title } articles(first: 1000) { nodes { slug } } }"#),
    )
    .await;
    assert!(failed.json().get("errors").is_some(), "{}", failed.json());
    assert_eq!(failed.header("surrogate-key"), None);
    assert_eq!(failed.header("cache-tag"), None);
}

#[actix_web::test]
async fn keys_past_the_limit_fall_back_to_the_list_key_and_overflow() {
    let (app, _content) = site().await;
    let settings = HttpSettings {
        cache_keys: KeyHeaders {
            max_bytes: 40,
            ..KeyHeaders::default()
        },
        ..HttpSettings::default()
    };
    let reply = send(
        &served(&app, settings),
        get("{ articles(first: 10) { nodes { slug tags { slug } } } }"),
    )
    .await;
    let keys = keys_of(&reply);
    assert_eq!(
        keys,
        BTreeSet::from(["articles".to_owned(), "overflow".to_owned()]),
        "no article or term key once they overflow"
    );
    assert!(reply.header("surrogate-key").unwrap_or_default().len() <= 40);
    assert!(reply.header("cache-tag").unwrap_or_default().len() <= 40);
}

#[actix_web::test]
async fn the_header_names_are_configurable_and_empty_turns_one_off() {
    let (app, _content) = site().await;
    let settings = HttpSettings {
        cache_keys: KeyHeaders {
            surrogate_key: Some(header::HeaderName::from_static("xkey")),
            cache_tag: None,
            ..KeyHeaders::default()
        },
        ..HttpSettings::default()
    };
    let reply = send(&served(&app, settings), get("{ articles { nodes { slug } } }")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let xkey = reply.header("xkey").expect("the renamed header");
    assert!(xkey.split(' ').any(|k| k == "articles"), "{xkey}");
    assert_eq!(reply.header("surrogate-key"), None);
    assert_eq!(reply.header("cache-tag"), None);
}

#[actix_web::test]
async fn the_flags_name_the_headers() {
    use clap::Parser;
    let cli = gazette::cli::Cli::try_parse_from([
        "gazette",
        "--surrogate-key-header",
        "xkey",
        "--cache-tag-header",
        "",
        "--cache-key-max-bytes",
        "1024",
    ])
    .expect("flags parse");
    let keys = cli.serve.http().cache_keys;
    assert_eq!(keys.surrogate_key, Some(header::HeaderName::from_static("xkey")));
    assert_eq!(keys.cache_tag, None);
    assert_eq!(keys.max_bytes, 1024);
    let wrong = gazette::cli::Cli::try_parse_from(["gazette", "--cache-tag-header", "Cache Tag"]);
    assert!(wrong.is_err(), "a header name with a space is refused at start");
}

/// A public GET of a feed or sitemap at `path`: its status and keys.
async fn published(app: &TestApp, path: &str) -> (StatusCode, BTreeSet<String>, Option<String>) {
    let reply = send(&served(app, HttpSettings::default()), TestRequest::get().uri(path)).await;
    let surrogate = reply.header("surrogate-key");
    let keys = surrogate
        .as_deref()
        .unwrap_or_default()
        .split(' ')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    (reply.status, keys, reply.header("cache-tag"))
}

#[actix_web::test]
async fn feeds_carry_the_feeds_key_their_scope_and_their_items() {
    let (app, _content) = site().await;
    let rates = format!("article:{}", id_of(&app, "rates").await);
    let cup = format!("article:{}", id_of(&app, "cup").await);

    let (status, home, tags) = published(&app, "/index.xml").await;
    assert_eq!(status, StatusCode::OK);
    has(&home, &["feeds", "articles", &rates, &cup]);
    assert!(tags.is_some_and(|t| t.split(", ").any(|k| k == "feeds")));

    let (status, term, _) = published(&app, "/tags/rates/feed.json").await;
    assert_eq!(status, StatusCode::OK);
    has(&term, &["feeds", "term:tags/rates", &rates]);
    lacks(&term, &["articles", &cup]);

    let (status, section, _) = published(&app, "/sport/atom.xml").await;
    assert_eq!(status, StatusCode::OK);
    has(&section, &["feeds", "section:/sport/", &cup]);
    lacks(&section, &["articles", &rates]);
}

#[actix_web::test]
async fn sitemaps_carry_the_sitemap_key_and_robots_none() {
    let (app, _content) = site().await;
    for path in ["/sitemap.xml", "/news-sitemap.xml"] {
        let (status, keys, _) = published(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            keys,
            BTreeSet::from(["articles".to_owned(), "sitemap".to_owned()]),
            "{path}"
        );
    }
    let (status, keys, tags) = published(&app, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(keys.is_empty() && tags.is_none(), "{keys:?}");
}

/// The keys the change log says the latest change invalidated.
async fn last_change_keys(app: &TestApp) -> BTreeSet<String> {
    let data = app
        .data("{ changes(first: 100) { edges { node { keys } } } }", json!({}))
        .await;
    let edges = data["changes"]["edges"].as_array().expect("edges").clone();
    let last = edges.last().expect("a change");
    last["node"]["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k.as_str().expect("a key").to_owned())
        .collect()
}

/// What purge-by-key promises: a change invalidates some key of every
/// cached response it alters, and none of a response it cannot alter.
#[actix_web::test]
async fn a_change_purges_the_responses_it_alters_and_no_other() {
    let (app, content) = site().await;
    let front = keys(&app, "{ articles(first: 10) { nodes { title } } }").await;
    let news = keys(
        &app,
        "{ section(path: \"/news/\") { articles(first: 10) { nodes { title } } } }",
    )
    .await;
    let sport = keys(
        &app,
        "{ section(path: \"/sport/\") { articles(first: 10) { nodes { title } } } }",
    )
    .await;
    let football = keys(
        &app,
        "{ tag(slug: \"football\") { name articles(first: 10) { nodes { title } } } }",
    )
    .await;
    let cup = keys(&app, "{ article(slug: \"cup\") { title } }").await;

    // A new article in news: the front page and the news list go; sport's
    // list, the football tag and the cup final's page stay cached.
    content.write(
        "news/gas.md",
        yaml_article("Gas climbs", "2025-01-05", "tags: [energy]\n"),
    );
    app.import(&[content.path().to_path_buf()]).await;
    let purged = last_change_keys(&app).await;
    for (name, response) in [("front page", &front), ("news list", &news)] {
        assert!(
            !response.is_disjoint(&purged),
            "{name} {response:?} not purged by {purged:?}"
        );
    }
    for (name, response) in [("sport list", &sport), ("football tag", &football), ("cup page", &cup)] {
        assert!(
            response.is_disjoint(&purged),
            "{name} {response:?} purged by {purged:?}"
        );
    }

    // Editing the cup final: its page, its section's list and its tag go.
    content.write(
        "sport/cup.md",
        yaml_article("Cup final, replay", "2025-01-01", "tags: [football]\n"),
    );
    app.import(&[content.path().to_path_buf()]).await;
    let purged = last_change_keys(&app).await;
    for (name, response) in [("sport list", &sport), ("football tag", &football), ("cup page", &cup)] {
        assert!(
            !response.is_disjoint(&purged),
            "{name} {response:?} not purged by {purged:?}"
        );
    }
}
