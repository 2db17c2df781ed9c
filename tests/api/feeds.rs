//! Feeds and sitemaps, read back with parsers of their own (feed-rs for
//! RSS, Atom and JSON Feed; roxmltree for sitemaps): what hugo 0.111.3
//! built from tests/sites/feeds (which feeds exist, their items, order and
//! limit, which pages the sitemaps list), then Gazette's own rules (base
//! path, GraphQL URLs, conditional GET, the sitemap index, the news sitemap).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::test;
use chrono::{DateTime, Duration, Utc};
use gazette::publish::{FeedContent, Settings};
use gazette::server::{self, AppData, HttpSettings};
use gazette::site::Site;
use serde_json::json;

use crate::helpers::*;

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sites/feeds")
}

/// An app over the site in `dir`, its `content/` imported with its config.
async fn site_app(dir: &Path) -> TestApp {
    site_app_in(dir, "production").await
}

/// The same, with `config/<environment>/` laid over the config.
async fn site_app_in(dir: &Path, environment: &str) -> TestApp {
    let site = Arc::new(Site::load(dir, environment).expect("site config"));
    let mut app = spawn_app().await;
    app.read.site = site.clone();
    app.state = app.state.clone().with_site(site);
    let summary = app.import(&[dir.join("content")]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    app
}

struct Reply {
    status: StatusCode,
    headers: header::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// A GET through the real app with `settings`, with `headers`.
async fn get_with(
    app: &TestApp,
    settings: HttpSettings,
    path: &str,
    headers: &[(header::HeaderName, String)],
) -> Reply {
    let service = test::init_service(server::app(AppData::new(app.state.clone(), settings).expect("metrics"))).await;
    let mut req = test::TestRequest::get().uri(path);
    for (name, value) in headers {
        req = req.insert_header((name.clone(), value.clone()));
    }
    let resp = test::call_service(&service, req.to_request()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).expect("UTF-8 body");
    Reply { status, headers, body }
}

async fn get(app: &TestApp, path: &str) -> Reply {
    get_with(app, HttpSettings::default(), path, &[]).await
}

async fn feed(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let reply = get(app, path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    feed_rs::parser::parse(reply.body.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}\n{}", reply.body))
}

/// `(title, link, published)` of each entry, in order.
fn items(feed: &feed_rs::model::Feed) -> Vec<(String, String, Option<DateTime<Utc>>)> {
    feed.entries
        .iter()
        .map(|e| {
            (
                e.title.as_ref().map(|t| t.content.clone()).unwrap_or_default(),
                e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                e.published,
            )
        })
        .collect()
}

fn links(feed: &feed_rs::model::Feed) -> Vec<String> {
    items(feed).into_iter().map(|(_, link, _)| link).collect()
}

/// Every `*.xml` file below `dir`, as a path relative to it (`tags/rates/index.xml`).
fn xml_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "xml") {
                out.push(
                    path.strip_prefix(dir)
                        .expect("below")
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

/// One `<url>`: loc, lastmod, and `(hreflang, href)` alternates, sorted.
type SitemapUrl = (String, Option<DateTime<Utc>>, Vec<(String, String)>);

/// Every `<url>` of a urlset.
fn urlset(xml: &str) -> BTreeSet<SitemapUrl> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset", "{xml}");
    root.children()
        .filter(|n| n.has_tag_name("url"))
        .map(|url| {
            let text = |name: &str| {
                url.children()
                    .find(|c| c.has_tag_name(name))
                    .and_then(|c| c.text())
                    .map(str::to_owned)
            };
            let mut alternates: Vec<(String, String)> = url
                .children()
                .filter(|c| c.has_tag_name(("http://www.w3.org/1999/xhtml", "link")))
                .map(|l| {
                    assert_eq!(l.attribute("rel"), Some("alternate"));
                    (
                        l.attribute("hreflang").unwrap_or_default().to_owned(),
                        l.attribute("href").unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            alternates.sort();
            (
                text("loc").expect("loc"),
                text("lastmod").map(|t| DateTime::parse_from_rfc3339(&t).expect("W3C date").to_utc()),
                alternates,
            )
        })
        .collect()
}

/// The `<loc>`s of a sitemap index.
fn index_locs(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex", "{xml}");
    doc.descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

fn site_path(url: &str) -> String {
    url.strip_prefix("https://example.org")
        .expect("absolute URL")
        .to_owned()
}

/// Every home and term feed hugo wrote to `expected` (there as
/// `index.xml`) is served at the same path below `/news/`, with hugo's
/// items (titles, links, dates) in hugo's order, and Atom and JSON Feed
/// beside it list the same links. Returns how many feeds were compared.
async fn compare_with_hugo(app: &TestApp, expected: &Path) -> usize {
    let feeds: Vec<String> = xml_files(expected)
        .into_iter()
        .filter(|f| f.ends_with("index.xml"))
        // A taxonomy's own feed (`tags/index.xml`, listing its terms) is not
        // one Gazette makes (the fixture has no sections to skip).
        .filter(|f| {
            let dir = f
                .trim_start_matches("en/")
                .trim_start_matches("fr/")
                .trim_end_matches("index.xml");
            !matches!(dir, "tags/" | "categories/")
        })
        .collect();
    for file in &feeds {
        let hugo =
            feed_rs::parser::parse(std::fs::read(expected.join(file)).expect("oracle").as_slice()).expect("hugo's RSS");
        let path = format!("/news/{file}");
        let ours = feed(app, &path).await;
        assert_eq!(ours.feed_type, feed_rs::model::FeedType::RSS2, "{path}");
        assert_eq!(items(&ours), items(&hugo), "{path}");
        assert!(ours.entries.len() <= 3, "services.rss.limit is 3: {path}");
        assert_eq!(
            ours.title.as_ref().map(|t| &t.content),
            hugo.title.as_ref().map(|t| &t.content),
            "{path}"
        );
        // The list page's own link (`.html` with uglyURLs; the feed is not).
        assert_eq!(
            ours.links.first().map(|l| &l.href),
            hugo.links.first().map(|l| &l.href),
            "{path}"
        );
        assert_eq!(ours.language, hugo.language, "{path}");
        for beside in ["atom.xml", "feed.json"] {
            let other = feed(app, &path.replace("index.xml", beside)).await;
            assert_eq!(links(&other), links(&hugo), "{path} → {beside}");
        }
    }
    feeds.len()
}

#[actix_web::test]
async fn every_term_and_home_feed_hugo_writes_is_served_with_its_items_in_hugos_order() {
    let dir = oracle_dir();
    let app = site_app(&dir).await;
    let expected = dir.join("expected");
    // en and fr homes and posts sections; en: rates markets central-banks
    // economy opinion; fr: rates markets economy.
    assert_eq!(compare_with_hugo(&app, &expected).await, 12);
    // A language's feed links each article's version in that language, at
    // the URL GraphQL serves it by in that locale.
    let data = app
        .data(
            r#"{ articles(first: 100, locale: "fr") { edges { node { url locale } } } }"#,
            json!({}),
        )
        .await;
    let graphql: BTreeSet<String> = data["articles"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["locale"] == "fr")
        .map(|e| e["node"]["url"].as_str().expect("url").to_owned())
        .collect();
    let fr: BTreeSet<String> = links(&feed(&app, "/news/fr/index.xml").await).into_iter().collect();
    assert_eq!(fr, graphql);
    assert_eq!(fr.len(), 2, "{fr:?}");
    // The weighted article comes first, then newest first; the limit cuts.
    let home = feed(&app, "/news/index.xml").await;
    let titles: Vec<String> = items(&home).into_iter().map(|(t, ..)| t).collect();
    assert_eq!(titles, ["Weighted", "Alpha", "Beta"]);

    // No feed where hugo wrote none: terms of drafts, future and expired
    // articles, a term with no French article, a term that does not exist.
    for missing in [
        "/news/tags/secret/index.xml",
        "/news/tags/tomorrow/atom.xml",
        "/news/tags/gone/feed.json",
        "/news/fr/tags/central-banks/index.xml",
        "/news/tags/nope/index.xml",
        "/news/de/index.xml",
        // Not below the baseURL's path.
        "/index.xml",
        "/tags/rates/index.xml",
    ] {
        if let Some(rel) = missing.strip_prefix("/news/") {
            let dir = &rel[..rel.rfind('/').map_or(0, |i| i + 1)];
            assert!(
                !expected.join(dir).join("index.xml").exists(),
                "hugo wrote {dir}index.xml"
            );
        }
        assert_eq!(get(&app, missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

/// `/news/sitemap.xml` indexes what hugo's does, and each language's
/// sitemap lists hugo's pages with hugo's lastmod and alternates, plus
/// `x-default`; hreflang pairs are reciprocal.
async fn compare_sitemaps_with_hugo(app: &TestApp, expected: &Path) {
    let read = |f: &str| std::fs::read_to_string(expected.join(f)).expect("oracle");
    let root = get(app, "/news/sitemap.xml").await;
    assert_eq!(root.status, StatusCode::OK);
    assert_eq!(index_locs(&root.body), index_locs(&read("sitemap.xml")));
    let mut all = Vec::new();
    for lang in ["en", "fr"] {
        all.extend(urlset(&get(app, &format!("/news/{lang}/sitemap.xml")).await.body));
    }
    for lang in ["en", "fr"] {
        let reply = get(app, &format!("/news/{lang}/sitemap.xml")).await;
        assert_eq!(reply.status, StatusCode::OK, "{lang}");
        let ours = urlset(&reply.body);
        let hugo = urlset(&read(&format!("{lang}/sitemap.xml")));
        // Hugo writes no x-default; Gazette adds it to every page with
        // translations, pointing at the default language's version.
        let without_default: BTreeSet<_> = ours
            .iter()
            .map(|(loc, lastmod, alternates)| {
                let default: Vec<&(String, String)> = alternates.iter().filter(|(l, _)| l == "x-default").collect();
                if alternates.is_empty() {
                    assert!(default.is_empty());
                } else {
                    assert_eq!(default.len(), 1, "{loc}");
                    let en = alternates.iter().find(|(l, _)| l == "en").expect("an English version");
                    assert_eq!(default[0].1, en.1, "{loc}");
                }
                let rest: Vec<(String, String)> =
                    alternates.iter().filter(|(l, _)| l != "x-default").cloned().collect();
                (loc.clone(), *lastmod, rest)
            })
            .collect();
        assert_eq!(without_default, hugo, "{lang}");
        for (loc, _, alternates) in &ours {
            for (_, href) in alternates {
                let other = all
                    .iter()
                    .find(|(l, ..)| l == href)
                    .unwrap_or_else(|| panic!("{href} listed"));
                assert!(other.2.iter().any(|(_, h)| h == loc), "{href} names {loc} back");
            }
        }
    }
}

#[actix_web::test]
async fn with_ugly_urls_and_every_language_in_a_folder_feeds_and_sitemaps_are_still_hugos() {
    let dir = oracle_dir();
    let app = site_app_in(&dir, "ugly").await;
    let expected = dir.join("expected-ugly");
    assert_eq!(compare_with_hugo(&app, &expected).await, 12);
    compare_sitemaps_with_hugo(&app, &expected).await;
    // The English home is below /en/ now, not at the base path.
    assert_eq!(get(&app, "/news/index.xml").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_sitemaps_list_every_page_hugo_lists_with_the_same_lastmod_and_alternates() {
    let dir = oracle_dir();
    let app = site_app(&dir).await;
    compare_sitemaps_with_hugo(&app, &dir.join("expected")).await;
    // Drafts, future and expired articles are nowhere.
    let everything = format!(
        "{}{}",
        get(&app, "/news/en/sitemap.xml").await.body,
        get(&app, "/news/fr/sitemap.xml").await.body
    );
    for hidden in [
        "posts/draft/",
        "posts/future/",
        "posts/expired/",
        "tags/secret/",
        "tags/gone/",
    ] {
        assert!(!everything.contains(hidden), "{hidden}");
    }
    assert_eq!(get(&app, "/news/de/sitemap.xml").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/news/en/sitemap-1.xml").await.status, StatusCode::NOT_FOUND);
}

/// A one-language site at `https://example.org/news/` with no feed limit.
fn news_site() -> ContentDir {
    let dir = ContentDir::new();
    dir.write(
        "hugo.toml",
        "baseURL = 'https://example.org/news/'\ntitle = 'Daily'\nlanguageCode = 'en-GB'\n",
    );
    for (name, date, extra) in [
        (
            "one",
            "2025-03-05T08:00:00Z",
            "tags: [Rates]\ncategories: [Economy]\nthumbnail: /img/one.jpg\n",
        ),
        ("two", "2025-03-04T08:00:00Z", "tags: [Rates, Markets]\n"),
        ("three", "2025-03-03T08:00:00Z", "tags: [Markets]\n"),
        (
            "four",
            "2025-03-02T08:00:00Z",
            "thumbnail: https://cdn.example.net/four.png\ntags: [日本央行]\n",
        ),
        ("five", "2025-03-01T08:00:00Z", ""),
        ("hidden", "2025-03-06T08:00:00Z", "draft: true\ntags: [Rates]\n"),
    ] {
        dir.write(&format!("content/world/{name}.md"), yaml_article(name, date, extra));
    }
    dir.write(
        "content/world/story.md",
        yaml_article("故事", "2025-02-01T08:00:00Z", "lang: zh-CN\n"),
    );
    dir.write(
        "content/world/story.en.md",
        yaml_article("Story", "2025-02-01T09:00:00Z", ""),
    );
    dir
}

const URLS: &str = "{ articles(first: 100) { edges { node { url title } } } }";

#[actix_web::test]
async fn feeds_are_below_the_base_path_and_link_the_articles_urls() {
    let dir = news_site();
    let app = site_app(dir.path()).await;
    let data = app.data(URLS, json!({})).await;
    let urls: Vec<String> = data["articles"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["url"].as_str().expect("url").to_owned())
        .collect();
    assert_eq!(urls.len(), 6, "{urls:?}");
    assert!(urls[0].starts_with("https://example.org/news/world/"), "{urls:?}");
    for path in ["/news/index.xml", "/news/atom.xml", "/news/feed.json"] {
        let f = feed(&app, path).await;
        assert_eq!(links(&f), urls, "{path}: newest first, drafts left out");
        // feed-rs lower-cases RSS's language tag, not Atom's or JSON Feed's.
        assert_eq!(f.language.map(|l| l.to_lowercase()).as_deref(), Some("en-gb"), "{path}");
        let published: Vec<_> = f.entries.iter().map(|e| e.published.expect("a date")).collect();
        assert!(published.windows(2).all(|w| w[0] >= w[1]), "{path}: {published:?}");
        let one = &f.entries[0];
        let categories: BTreeSet<&str> = one.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(categories, BTreeSet::from(["Rates", "Economy"]), "{path}");
    }
    // Thumbnails are enclosures (RSS), enclosure links (Atom), images (JSON Feed).
    let rss = get(&app, "/news/index.xml").await.body;
    assert!(rss.contains("<language>en-GB</language>"), "{rss}");
    let doc = roxmltree::Document::parse(&rss).expect("RSS is XML");
    let enclosures: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("enclosure"))
        .map(|n| {
            (
                n.attribute("url").unwrap_or_default(),
                n.attribute("type").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        enclosures,
        [
            ("https://example.org/news/img/one.jpg", "image/jpeg"),
            ("https://cdn.example.net/four.png", "image/png")
        ]
    );
    let atom = feed(&app, "/news/atom.xml").await;
    assert!(atom.entries[0]
        .links
        .iter()
        .any(|l| l.rel.as_deref() == Some("enclosure") && l.href.ends_with("/img/one.jpg")));
    let json: serde_json::Value = serde_json::from_str(&get(&app, "/news/feed.json").await.body).expect("JSON");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], "https://example.org/news/feed.json");
    assert_eq!(json["items"][0]["image"], "https://example.org/news/img/one.jpg");
    assert_eq!(json["items"][0]["content_text"], json["items"][0]["summary"]);

    // A term's feeds, under the base path.
    let rates = feed(&app, "/news/tags/rates/index.xml").await;
    let titles: Vec<String> = items(&rates).into_iter().map(|(t, ..)| t).collect();
    assert_eq!(titles, ["one", "two"]);
    // A term's folder is percent-encoded as Hugo writes it; lower-case escapes find it too.
    for path in [
        "/news/tags/%E6%97%A5%E6%9C%AC%E5%A4%AE%E8%A1%8C/index.xml",
        "/news/tags/%e6%97%a5%e6%9c%ac%e5%a4%ae%e8%a1%8c/atom.xml",
    ] {
        let boj = feed(&app, path).await;
        assert_eq!(links(&boj), [urls[3].clone()], "{path}");
    }
    let economy = feed(&app, "/news/categories/economy/feed.json").await;
    assert_eq!(links(&economy), [urls[0].clone()]);
    for missing in ["/index.xml", "/tags/rates/index.xml", "/news/tags/nope/index.xml"] {
        let reply = get(&app, missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}: {}", reply.body);
    }

    // Full content and the cap of an unlimited feed are settings.
    let settings = HttpSettings {
        publish: Settings {
            content: FeedContent::Full,
            unlimited_cap: 2,
            ..Settings::default()
        },
        ..HttpSettings::default()
    };
    let full = get_with(&app, settings.clone(), "/news/index.xml", &[]).await;
    let parsed = feed_rs::parser::parse(full.body.as_bytes()).expect("RSS");
    assert_eq!(parsed.entries.len(), 2);
    let description = parsed.entries[0]
        .summary
        .as_ref()
        .map(|s| s.content.clone())
        .unwrap_or_default();
    assert!(description.contains("<p>Body of one.</p>"), "{description}");
    let full_atom = get_with(&app, settings, "/news/atom.xml", &[]).await;
    let parsed = feed_rs::parser::parse(full_atom.body.as_bytes()).expect("Atom");
    let content = parsed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    assert!(content.contains("<p>Body of one.</p>"), "{content}");

    // robots.txt stays at the root and names both sitemaps.
    let robots = get(&app, "/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert!(
        robots.body.contains("Sitemap: https://example.org/news/sitemap.xml\n"),
        "{}",
        robots.body
    );
    assert!(
        robots
            .body
            .contains("Sitemap: https://example.org/news/news-sitemap.xml\n"),
        "{}",
        robots.body
    );
    assert_eq!(get(&app, "/news/robots.txt").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_repeated_conditional_get_is_304() {
    let dir = news_site();
    let app = site_app(dir.path()).await;
    for path in [
        "/news/index.xml",
        "/news/atom.xml",
        "/news/feed.json",
        "/news/sitemap.xml",
        "/news/news-sitemap.xml",
    ] {
        let first = get(&app, path).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        assert_eq!(
            first.header(header::CACHE_CONTROL).as_deref(),
            Some("public, max-age=60"),
            "{path}"
        );
        let etag = first.header(header::ETAG).expect("an ETag");
        let again = get_with(
            &app,
            HttpSettings::default(),
            path,
            &[(header::IF_NONE_MATCH, etag.clone())],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header(header::ETAG), Some(etag.clone()));
        let other = get_with(
            &app,
            HttpSettings::default(),
            path,
            &[(header::IF_NONE_MATCH, "\"other\"".to_owned())],
        )
        .await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        if path == "/news/news-sitemap.xml" {
            // Nothing in the last two days: nothing to date it by.
            continue;
        }
        let last_modified = first.header(header::LAST_MODIFIED).expect("Last-Modified");
        let since = get_with(
            &app,
            HttpSettings::default(),
            path,
            &[(header::IF_MODIFIED_SINCE, last_modified.clone())],
        )
        .await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED, "{path}");
        let older = get_with(
            &app,
            HttpSettings::default(),
            path,
            &[(header::IF_MODIFIED_SINCE, "Mon, 01 Jan 2024 00:00:00 GMT".to_owned())],
        )
        .await;
        assert_eq!(older.status, StatusCode::OK, "{path}");
    }
    // The newest article is what the home feed was last modified by.
    let home = get(&app, "/news/index.xml").await;
    assert_eq!(
        home.header(header::LAST_MODIFIED).as_deref(),
        Some("Wed, 05 Mar 2025 08:00:00 GMT")
    );
}

#[actix_web::test]
async fn a_sitemap_over_the_limit_becomes_an_index_of_parts() {
    let dir = news_site();
    let app = site_app(dir.path()).await;
    let whole = urlset(&get(&app, "/news/sitemap.xml").await.body);
    // Home, the world section, the tags and categories pages, 4 terms and
    // 6 articles: on a site with one language the English translation of
    // the story has the story's URL, listed once and with no alternates.
    assert_eq!(whole.len(), 1 + 1 + 2 + 4 + 6, "{whole:?}");
    let story: Vec<_> = whole.iter().filter(|(loc, ..)| loc.contains("/story")).collect();
    assert_eq!(story.len(), 1, "{story:?}");
    assert!(story[0].2.is_empty(), "{story:?}");
    let small = HttpSettings {
        publish: Settings {
            sitemap_max_urls: 3,
            ..Settings::default()
        },
        ..HttpSettings::default()
    };
    let index = get_with(&app, small.clone(), "/news/sitemap.xml", &[]).await;
    let parts = index_locs(&index.body);
    assert_eq!(parts.len(), 5, "{parts:?}");
    let mut union = BTreeSet::new();
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(part, &format!("https://example.org/news/sitemap-{}.xml", i + 1));
        let urls = urlset(&get_with(&app, small.clone(), &site_path(part), &[]).await.body);
        assert!(!urls.is_empty() && urls.len() <= 3, "{part}: {urls:?}");
        union.extend(urls);
    }
    assert_eq!(union, whole);
    assert_eq!(
        get_with(&app, small, "/news/sitemap-6.xml", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // Unsplit, there are no parts.
    assert_eq!(get(&app, "/news/sitemap-1.xml").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_news_sitemap_lists_the_last_two_days_newest_first() {
    let dir = ContentDir::new();
    dir.write("hugo.toml", "baseURL = 'https://example.org/'\ntitle = 'Daily'\n");
    let now = Utc::now();
    let at = |hours: i64| (now - Duration::hours(hours)).to_rfc3339();
    for (name, date, extra) in [
        ("fresh", at(1), "lang: zh-CN\n"),
        ("yesterday", at(30), ""),
        ("old", at(72), ""),
        ("draft", at(2), "draft: true\n"),
        ("embargoed", (now + Duration::hours(1)).to_rfc3339(), ""),
    ] {
        dir.write(&format!("content/{name}.md"), yaml_article(name, &date, extra));
    }
    // On a site with one language a translation has its original's URL:
    // that URL is listed once.
    dir.write("content/fresh.en.md", yaml_article("fresh in English", &at(1), ""));
    let app = site_app(dir.path()).await;
    let reply = get(&app, "/news-sitemap.xml").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = roxmltree::Document::parse(&reply.body).expect("XML");
    let news = "http://www.google.com/schemas/sitemap-news/0.9";
    let urls: Vec<(String, String, String, String)> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("url"))
        .map(|u| {
            let text = |ns: &str, name: &str| {
                u.descendants()
                    .find(|c| c.has_tag_name((ns, name)))
                    .and_then(|c| c.text())
                    .unwrap_or_default()
                    .to_owned()
            };
            (
                text("http://www.sitemaps.org/schemas/sitemap/0.9", "loc"),
                text(news, "name"),
                text(news, "language"),
                text(news, "title"),
            )
        })
        .collect();
    assert_eq!(
        urls,
        [
            (
                "https://example.org/fresh/".to_owned(),
                "Daily".to_owned(),
                "zh-cn".to_owned(),
                "fresh".to_owned()
            ),
            (
                "https://example.org/yesterday/".to_owned(),
                "Daily".to_owned(),
                "en".to_owned(),
                "yesterday".to_owned()
            ),
        ]
    );
    let dates: Vec<DateTime<Utc>> = doc
        .descendants()
        .filter(|n| n.has_tag_name((news, "publication_date")))
        .map(|n| {
            DateTime::parse_from_rfc3339(n.text().unwrap_or_default())
                .expect("W3C date")
                .to_utc()
        })
        .collect();
    assert_eq!(dates.len(), 2);
    assert!(dates.iter().all(|d| now - *d < Duration::days(2)), "{dates:?}");
    // The one-language site's sitemap is at the root, and holds no draft.
    let sitemap = urlset(&get(&app, "/sitemap.xml").await.body);
    assert!(sitemap
        .iter()
        .all(|(loc, ..)| !loc.contains("draft") && !loc.contains("embargoed")));
    assert!(sitemap.iter().any(|(loc, ..)| loc == "https://example.org/old/"));
}

#[actix_web::test]
async fn without_a_host_in_the_base_url_links_are_absolute_on_the_requests_host() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "markets/rates.md",
        yaml_article("Rates", "2025-01-01T00:00:00Z", "tags: [Rates]\n"),
    );
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let host = [(header::HOST, "news.example".to_owned())];
    let sitemap = get_with(&app, HttpSettings::default(), "/sitemap.xml", &host).await;
    let locs: Vec<String> = urlset(&sitemap.body).into_iter().map(|(loc, ..)| loc).collect();
    assert_eq!(
        locs,
        [
            "http://news.example/",
            "http://news.example/markets/",
            "http://news.example/markets/rates/",
            "http://news.example/tags/",
            "http://news.example/tags/rates/"
        ]
    );
    let rss = get_with(&app, HttpSettings::default(), "/tags/rates/index.xml", &host).await;
    let parsed = feed_rs::parser::parse(rss.body.as_bytes()).expect("RSS");
    assert_eq!(links(&parsed), ["http://news.example/markets/rates/"]);
    let robots = get_with(&app, HttpSettings::default(), "/robots.txt", &host).await;
    assert!(
        robots.body.contains("Sitemap: http://news.example/sitemap.xml\n"),
        "{}",
        robots.body
    );
}
