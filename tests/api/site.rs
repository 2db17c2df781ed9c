//! A Hugo site read with its config: every page's URL as hugo 0.111.3
//! built it (tests/sites/hugo-urls/expected.json), found through `route`,
//! aliases answering redirects, and a config change moving URLs only.

use std::path::PathBuf;
use std::sync::Arc;

use gazette::site::Site;
use serde_json::{json, Value};

use crate::helpers::*;

fn site_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sites").join(name)
}

/// An app over `dir`'s site, its content imported with the site's config.
async fn site_app(dir: &std::path::Path) -> TestApp {
    site_app_in(dir, "production").await
}

/// The same, with `config/<environment>/` laid over the config.
async fn site_app_in(dir: &std::path::Path, environment: &str) -> TestApp {
    let site = Arc::new(Site::load(dir, environment).expect("site config"));
    let mut app = spawn_app().await;
    // As `gazette import` does: the config's timeZone unless --timezone says otherwise.
    if let Some(tz) = site.config().and_then(|c| c.time_zone()) {
        app.read.timezone = tz.parse().expect("timeZone");
    }
    app.read.site = site.clone();
    app.state = app.state.clone().with_site(site);
    let summary = app.import(&[dir.join("content")]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    app
}

/// The `href`s of an HTML fragment, in order.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

const ROUTE_ID: &str = "query($p: String!) { route(path: $p) { ... on Article { id } } }";

const ROUTE: &str = "query($path: String!) { route(path: $path) {
    __typename ... on Article { slug locale relPermalink url } ... on Redirect { location permanent } } }";

#[actix_web::test]
async fn every_page_hugo_builds_has_its_url_and_is_routed_there() {
    let dir = site_dir("hugo-urls");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let pages: Vec<&Value> = expected["pages"]
        .as_array()
        .expect("pages")
        .iter()
        // Regular pages, translations included: sections and terms have no
        // routes of their own yet.
        .filter(|p| p["kind"] == "page")
        .collect();
    assert!(pages.len() >= 15, "{}", pages.len());
    for page in pages {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app.data(ROUTE, json!({ "path": rel })).await;
        let route = &data["route"];
        assert_eq!(route["__typename"], "Article", "{} at {rel}: {data}", page["file"]);
        assert_eq!(route["relPermalink"], page["relPermalink"], "{}", page["file"]);
        assert_eq!(route["url"], page["permalink"], "{}", page["file"]);
        assert_eq!(route["locale"], page["lang"], "{}", page["file"]);
    }
}

#[actix_web::test]
async fn a_route_is_found_with_or_without_base_path_slash_or_encoding_and_aliases_redirect() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    std::fs::create_dir_all(content.path().join("markets")).expect("mkdir");
    content.write(
        "markets/rates.md",
        yaml_article("Rates", "2025-01-01", "aliases: [old-rates, /2024/rates.html]\n"),
    );
    content.write("markets/利率.md", yaml_article("利率", "2025-01-02", ""));
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);

    for path in ["/markets/rates/", "/markets/rates", "markets/rates/"] {
        let data = app.data(ROUTE, json!({ "path": path })).await;
        assert_eq!(data["route"]["relPermalink"], "/markets/rates/", "{path}: {data}");
    }
    for path in [
        "/markets/利率/",
        "/markets/%E5%88%A9%E7%8E%87/",
        "/markets/%e5%88%a9%e7%8e%87",
    ] {
        let data = app.data(ROUTE, json!({ "path": path })).await;
        assert_eq!(data["route"]["slug"], "利率", "{path}: {data}");
    }
    for alias in ["/markets/old-rates/", "/2024/rates.html"] {
        let data = app.data(ROUTE, json!({ "path": alias })).await;
        assert_eq!(
            data["route"],
            json!({ "__typename": "Redirect", "location": "/markets/rates/", "permanent": true }),
            "{alias}"
        );
    }
    // The folder is a section now.
    let data = app
        .data(
            "{ route(path: \"/markets\") { __typename ... on Section { path relPermalink } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["route"],
        json!({ "__typename": "Section", "path": "markets", "relPermalink": "/markets/" })
    );
    for unknown in ["/nope/", "/markets/%zz/", "/markets/rates/x/"] {
        let data = app.data(ROUTE, json!({ "path": unknown })).await;
        assert_eq!(data["route"], json!(null), "{unknown}");
    }
}

#[actix_web::test]
async fn a_changed_site_config_moves_urls_and_nothing_else() {
    let dir = ContentDir::new();
    dir.write("hugo.toml", "baseURL = 'https://example.org/'\n");
    std::fs::create_dir_all(dir.path().join("content/blog")).expect("mkdir");
    dir.write(
        "content/blog/first.md",
        yaml_article("First", "2025-02-03", "tags: [Rates]\n"),
    );
    let app = site_app(dir.path()).await;
    let q = r#"{ articles { totalCount edges { node { id slug relPermalink url tags { slug } } } } }"#;
    let before = app.data(q, json!({})).await;
    assert_eq!(before["articles"]["edges"][0]["node"]["relPermalink"], "/blog/first/");

    dir.write(
        "hugo.toml",
        "baseURL = 'https://example.org/news/'\n[permalinks]\nblog = '/:year/:month/:slug/'\n",
    );
    let site = Arc::new(Site::load(dir.path(), "production").expect("site config"));
    let mut app = app;
    app.read.site = site.clone();
    app.state = app.state.clone().with_site(site);
    let summary = app.import(&[dir.path().join("content")]).await;
    assert_eq!((summary.updated, summary.failed.len()), (1, 0), "{:?}", summary.failed);

    let after = app.data(q, json!({})).await;
    let (b, a) = (
        &before["articles"]["edges"][0]["node"],
        &after["articles"]["edges"][0]["node"],
    );
    assert_eq!(a["relPermalink"], "/news/2025/02/first/");
    assert_eq!(a["url"], "https://example.org/news/2025/02/first/");
    assert_eq!((&a["id"], &a["slug"], &a["tags"]), (&b["id"], &b["slug"], &b["tags"]));
    assert_eq!(after["articles"]["totalCount"], 1);
}

/// `{ name url weight pre children }` of each entry, recursively.
fn menu_shape(entries: &Value) -> Value {
    Value::Array(
        entries
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                json!({ "name": e["name"], "url": e["url"], "weight": e["weight"], "pre": e["pre"],
                        "children": menu_shape(&e["children"]) })
            })
            .collect(),
    )
}

#[actix_web::test]
async fn the_site_serves_its_config_and_menus_in_hugos_order() {
    let dir = site_dir("menus");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let entry = "identifier name url weight pre post params page { title relPermalink }";
    let q = format!(
        "{{ site {{ title baseURL languageCode locale languages {{ code name weight }} params
             menu(name: \"main\") {{ {entry} children {{ {entry} children {{ name }} }} }} }} }}"
    );
    let data = app.data(&q, json!({})).await;
    let site = &data["site"];
    assert_eq!(site["title"], expected["title"]);
    assert_eq!(site["languageCode"], expected["languageCode"]);
    assert_eq!(site["baseURL"], "https://example.org/news/");
    assert_eq!(site["params"]["subtitle"], expected["subtitle"]);
    assert_eq!(site["languages"], json!([{ "code": "en", "name": "", "weight": 0 }]));
    let mut hugo = menu_shape(&expected["main"]);
    // The fixture nests two levels; the query reads a third only by name,
    // so both sides are compared down to the second.
    for e in hugo.as_array_mut().into_iter().flatten() {
        for c in e["children"].as_array_mut().into_iter().flatten() {
            c.as_object_mut().map(|c| c.remove("children"));
        }
    }
    let mut ours = menu_shape(&site["menu"]);
    for e in ours.as_array_mut().into_iter().flatten() {
        for c in e["children"].as_array_mut().into_iter().flatten() {
            c.as_object_mut().map(|c| c.remove("children"));
        }
    }
    assert_eq!(ours, hugo);
    let about = &site["menu"][0];
    assert_eq!(
        about["page"],
        json!({ "title": "About us", "relPermalink": "/news/about/" })
    );
    assert_eq!(site["menu"][3]["identifier"], "markets");

    // Front matter entries (`menu: main`, `menus: [footer, main]` in a
    // section's _index.md, a map with parent/pre/params) join the config's,
    // in hugo's order; `menu: ""` is no menu.
    let footer = app
        .data(
            r#"{ site { main: menu(name: "main") { name page { title } section { path title } children { name page { title } } }
                        footer: menu(name: "footer") { identifier name url weight pre params page { title } section { title } children { name } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(menu_shape(&footer["site"]["footer"]), menu_shape(&expected["footer"]));
    assert_eq!(
        footer["site"]["footer"][0]["page"],
        json!({ "title": "Bonds explained" })
    );
    assert_eq!(footer["site"]["footer"][1]["section"], json!({ "title": "Guides" }));
    assert_eq!(footer["site"]["footer"][2]["identifier"], "first-guide");
    assert_eq!(footer["site"]["footer"][2]["params"], json!({ "icon": "star" }));
    let main = &footer["site"]["main"];
    assert_eq!(main[1]["section"], json!({ "path": "guides", "title": "Guides" }));
    assert_eq!(
        main[3]["children"][3],
        json!({ "name": "Bonds 101", "page": { "title": "Bonds explained" } })
    );
    let names: Vec<&Value> = main.as_array().expect("main").iter().map(|e| &e["name"]).collect();
    assert!(!names.contains(&&json!("Seed style")), "{names:?}");

    let (message, code) = app.error(r#"{ site(locale: "xx") { title } }"#, json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
}

#[actix_web::test]
async fn a_site_without_a_config_has_hugos_defaults() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ site { title baseURL languages { code } params pagerSize menu(name: \"main\") { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["site"],
        json!({ "title": "", "baseURL": "", "languages": [{ "code": "en" }], "params": {}, "pagerSize": 10, "menu": [] })
    );
}

#[actix_web::test]
async fn the_sites_pager_size_is_hugos_paginate_then_pagination_pager_size() {
    let q = "{ site { pagerSize } }";
    for (config, size) in [
        ("paginate = '3'\n", 3),
        ("[pagination]\npagerSize = 4\n", 4),
        ("paginate = 0\n[pagination]\npagerSize = 6\n", 6),
        ("title = 'none given'\n", 10),
    ] {
        let dir = ContentDir::new();
        dir.write("hugo.toml", config);
        std::fs::create_dir_all(dir.path().join("content")).expect("mkdir");
        let app = site_app(dir.path()).await;
        assert_eq!(app.data(q, json!({})).await["site"]["pagerSize"], size, "{config}");
    }
}

#[actix_web::test]
async fn summaries_word_counts_and_reading_times_are_hugos_with_and_without_has_cjk_language() {
    let dir = site_dir("summaries");
    for (expected_file, cjk) in [("expected.json", false), ("expected-cjk.json", true)] {
        // The `hasCJKLanguage = true` build is the same site with cjk.toml laid over it.
        let site = ContentDir::new();
        let config = std::fs::read_to_string(dir.join("hugo.toml")).expect("hugo.toml");
        let extra = if cjk {
            std::fs::read_to_string(dir.join("cjk.toml")).expect("cjk.toml")
        } else {
            String::new()
        };
        site.write("hugo.toml", format!("{extra}{config}"));
        for entry in std::fs::read_dir(dir.join("content")).expect("content") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
            site.write(&format!("content/{name}"), std::fs::read(&path).expect("read"));
        }
        let app = site_app(site.path()).await;
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(expected_file)).expect("expected")).expect("json");
        let q = "query($slug: String!) { article(slug: $slug) { summary truncated wordCount readingTime } }";
        let pages = expected.as_array().expect("pages");
        assert_eq!(pages.len(), 10);
        for page in pages {
            let file = page["file"].as_str().expect("file");
            let slug = file.trim_end_matches(".md");
            let data = app.data(q, json!({ "slug": slug })).await;
            let hugo_summary = page["summary"]
                .as_str()
                .expect("summary")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let a = &data["article"];
            assert_eq!(a["summary"], hugo_summary, "{expected_file} {file}");
            assert_eq!(a["truncated"], page["truncated"], "{expected_file} {file}");
            assert_eq!(a["wordCount"], page["wordCount"], "{expected_file} {file}");
            assert_eq!(a["readingTime"], page["readingTime"], "{expected_file} {file}");
        }
    }
}

const SECTION_ROUTE: &str = "query($path: String!) { route(path: $path) { __typename ... on Section {
    path kind lang title relPermalink url articleCount
    articles(first: 100) { edges { node { relPermalink } } }
    parent { relPermalink } children { relPermalink } } } }";

#[actix_web::test]
async fn every_section_hugo_builds_is_routed_with_its_title_parent_children_and_count() {
    let dir = site_dir("hugo-urls");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let lists: Vec<&Value> = expected["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter(|p| p["kind"] == "section" || p["kind"] == "home")
        .collect();
    assert!(lists.len() >= 12, "{}", lists.len());
    let page_at = |rel: &str| {
        expected["pages"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["kind"] == "page" && p["relPermalink"] == rel)
    };
    for page in &lists {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app.data(SECTION_ROUTE, json!({ "path": rel })).await;
        let s = &data["route"];
        // notes/ugly-index.md (slug `index`) has the notes section's URL:
        // hugo warns of the duplicate path; the page is served there.
        if page_at(rel) {
            assert_eq!(s["__typename"], "Article", "{rel}");
            continue;
        }
        assert_eq!(s["__typename"], "Section", "{rel}: {data}");
        assert_eq!(
            s["kind"],
            page["kind"].as_str().map(str::to_uppercase).expect("kind"),
            "{rel}"
        );
        assert_eq!(s["lang"], page["lang"], "{rel}");
        assert_eq!(s["title"], page["title"], "{rel}");
        assert_eq!(s["relPermalink"], page["relPermalink"], "{rel}");
        assert_eq!(s["url"], page["permalink"], "{rel}");
        let parent = if page["parent"] == "" {
            Value::Null
        } else {
            json!({ "relPermalink": page["parent"] })
        };
        assert_eq!(s["parent"], parent, "{rel}");
        // Hugo's order: weight, then newest first, then title.
        let children: Vec<Value> = page["children"]
            .as_array()
            .expect("children")
            .iter()
            .map(|c| json!({ "relPermalink": c }))
            .collect();
        assert_eq!(s["children"], json!(children), "{rel}");
        // Hugo 0.111's home .RegularPagesRecursive holds only the root's
        // own pages; Gazette's home counts every article (README).
        // Each language's section holds that language's pages: a French-only
        // page in blog/ is in /fr/blog/ and not in /blog/, as in hugo.
        if page["kind"] == "section" {
            assert_eq!(s["articleCount"], page["regularPagesRecursive"], "{rel}");
            let mut listed: Vec<&str> = s["articles"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["relPermalink"].as_str().expect("rel"))
                .collect();
            let mut hugo: Vec<&str> = page["sectionPages"]
                .as_array()
                .expect("sectionPages")
                .iter()
                .map(|p| p.as_str().expect("rel"))
                .collect();
            listed.sort_unstable();
            hugo.sort_unstable();
            assert_eq!(listed, hugo, "{rel}");
        }
    }
    // No section Hugo does not build: every language's tree, walked from
    // its home page, holds exactly hugo's list pages.
    for lang in ["en", "fr"] {
        let data = app
            .data(
                "query($l: String) { section(path: \"\", locale: $l) { relPermalink
                    children { relPermalink children { relPermalink children { relPermalink children { relPermalink } } } } } }",
                json!({ "l": lang }),
            )
            .await;
        let mut found = Vec::new();
        fn walk(node: &Value, out: &mut Vec<String>) {
            out.push(node["relPermalink"].as_str().unwrap_or_default().to_owned());
            for c in node["children"].as_array().into_iter().flatten() {
                walk(c, out);
            }
        }
        walk(&data["section"], &mut found);
        found.sort();
        let mut hugo: Vec<String> = lists
            .iter()
            .filter(|p| p["lang"] == lang)
            .map(|p| p["relPermalink"].as_str().unwrap_or_default().to_owned())
            .collect();
        hugo.sort();
        assert_eq!(found, hugo, "{lang}");
    }
    // Every page's section is hugo's .CurrentSection, in its language.
    for page in expected["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter(|p| p["kind"] == "page")
    {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app
            .data(
                "query($path: String!) { route(path: $path) { ... on Article { section { relPermalink } } } }",
                json!({ "path": rel }),
            )
            .await;
        assert_eq!(
            data["route"]["section"]["relPermalink"], page["currentSection"],
            "{rel}"
        );
    }
}

#[actix_web::test]
async fn a_sections_lists_are_its_languages_pages_as_hugo_lists_them() {
    // What hugo 0.111.3 lists for this site: /blog/ holds a.md, c.de.md
    // (a suffix naming no language of the config is part of the page's name)
    // and d.md; /fr/blog/ holds b.fr.md and d.fr.md.
    let dir = ContentDir::new();
    dir.write(
        "hugo.toml",
        "baseURL = 'https://example.org/'\n[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n",
    );
    std::fs::create_dir_all(dir.path().join("content/blog")).expect("mkdir");
    for (file, date) in [
        ("a.md", "2025-02-01"),
        ("b.fr.md", "2025-02-02"),
        ("c.de.md", "2025-02-03"),
        ("d.md", "2025-02-04"),
        ("d.fr.md", "2025-02-04"),
    ] {
        dir.write(
            &format!("content/blog/{file}"),
            yaml_article(&format!("T-{file}"), date, ""),
        );
    }
    let app = site_app(dir.path()).await;
    let q = "query($l: String) { section(path: \"blog\", locale: $l) { lang articleCount
        articles { totalCount edges { node { title locale relPermalink } } } } }";
    let titles_in = |data: &Value| -> Vec<String> {
        data["section"]["articles"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["title"].as_str().expect("title").to_owned())
            .collect()
    };
    let en = app.data(q, json!({})).await;
    assert_eq!(en, app.data(q, json!({ "l": "en" })).await);
    assert_eq!(en["section"]["articleCount"], 3, "{en}");
    assert_eq!(en["section"]["articles"]["totalCount"], 3, "{en}");
    assert_eq!(titles_in(&en), ["T-d.md", "T-c.de.md", "T-a.md"]);
    // hugo 0.111.3 builds c.de.md as the English page `c.de`.
    assert_eq!(
        en["section"]["articles"]["edges"][1]["node"],
        json!({ "title": "T-c.de.md", "locale": "en", "relPermalink": "/blog/c.de/" })
    );
    let fr = app.data(q, json!({ "l": "fr" })).await;
    assert_eq!(fr["section"]["articleCount"], 2, "{fr}");
    assert_eq!(titles_in(&fr), ["T-d.fr.md", "T-b.fr.md"]);
    // The root list, without `locale`, still holds every article once.
    let all = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(all["articles"]["totalCount"], 4);
}

#[actix_web::test]
async fn a_sections_index_file_gives_its_texts_and_lists_filter_by_section() {
    let app = site_app(&site_dir("hugo-urls")).await;
    let data = app
        .data(
            r#"{ section(path: "/docs/") { title description weight body(format: HTML) articles(first: 10) { totalCount edges { node { relPermalink } } } }
                 direct: articles(filter: { section: { path: "docs", includeDescendants: false } }) { totalCount }
                 deep: articles(filter: { section: { path: "docs" } }) { totalCount }
                 none: section(path: "nope") { title }
                 sections { path } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["section"]["title"], "Docs");
    assert_eq!(data["section"]["body"], "<p>Read <strong>this</strong> first.</p>\n");
    assert_eq!(data["section"]["description"], "The manual, chapter by chapter.");
    assert_eq!(data["section"]["weight"], 2);
    assert_eq!(data["section"]["articles"]["totalCount"], 4);
    assert_eq!(data["deep"]["totalCount"], 4);
    // docs/intro.md and docs/plain/no-index.md (plain has no _index file).
    assert_eq!(data["direct"]["totalCount"], 2);
    assert_eq!(data["none"], Value::Null);
    let top: Vec<&str> = data["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    // `docs` has weight 2; the others none, so newest first.
    assert_eq!(top, ["docs", "events", "misc", "blog", "archive", "notes"]);
}

#[actix_web::test]
async fn a_broken_index_file_is_reported_and_its_section_keeps_hugos_defaults() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    std::fs::create_dir_all(content.path().join("markets")).expect("mkdir");
    content.write("markets/rates.md", yaml_article("Rates", "2025-01-01", ""));
    content.write("markets/_index.md", "---\ntitle: [unclosed\n---\nBody\n");
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!(summary.failed.len(), 1, "{:?}", summary.failed);
    let error = summary.failed[0].to_string();
    assert!(
        error.contains("markets/_index.md:3: front matter: invalid YAML"),
        "{error}"
    );
    assert_eq!(summary.imported, 1);
    // The folder is still a section (it has content), titled as Hugo titles
    // one without an `_index` file.
    let data = app
        .data(
            r#"{ section(path: "markets") { title articleCount } sections { path } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["section"], json!({ "title": "Markets", "articleCount": 1 }));
    assert_eq!(data["sections"], json!([{ "path": "markets" }]));

    // Fixed, it gives the section its title; removed, the section goes back
    // to Hugo's default title.
    content.write("markets/_index.md", "---\ntitle: Money\n---\nBody\n");
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let data = app.data(r#"{ section(path: "markets") { title } }"#, json!({})).await;
    assert_eq!(data["section"]["title"], "Money");
    std::fs::remove_file(content.path().join("markets/_index.md")).expect("rm");
    app.import(&[content.path().to_path_buf()]).await;
    let data = app.data(r#"{ section(path: "markets") { title } }"#, json!({})).await;
    assert_eq!(data["section"]["title"], "Markets");
}

#[actix_web::test]
async fn every_taxonomy_and_term_hugo_builds_is_routed_with_its_url_and_count() {
    let dir = site_dir("hugo-urls");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    // Every language's: each has its own terms, those its pages name
    // (a French translation's tags, a French-only page's).
    let pages: Vec<&Value> = expected["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter(|p| p["kind"] == "term" || p["kind"] == "taxonomy")
        .collect();
    assert!(pages.len() >= 15, "{}", pages.len());
    assert!(pages.iter().any(|p| p["relPermalink"] == "/news/fr/topics/seul/"));
    const Q: &str = "query($path: String!) { route(path: $path) { __typename
        ... on Term { taxonomy name title relPermalink url articleCount
                      articles(first: 100) { edges { node { relPermalink } } } }
        ... on Taxonomy { name title relPermalink url } } }";
    for page in &pages {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app.data(Q, json!({ "path": rel })).await;
        let route = &data["route"];
        if page["kind"] == "term" {
            // Hugo's .Data.Term of a term with an `_index` page is its
            // folder; Gazette's `name` stays the name as first written.
            let mut route = route.clone();
            if page["file"] != "" {
                let name = match page["term"].as_str() {
                    Some("hugo-tips") => "Hugo Tips",
                    Some("astuces-hugo") => "Astuces Hugo",
                    Some("nouvelles") => "Nouvelles",
                    other => panic!("a term page not in this test: {other:?}"),
                };
                assert_eq!(route["name"], name, "{rel}");
                route["name"] = page["term"].clone();
            }
            // The term's pages, in its language, as hugo lists them.
            let articles: Vec<Value> = route["articles"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["relPermalink"].clone())
                .collect();
            route["articles"] = Value::Array(articles);
            let route = &route;
            let want = json!({
                "__typename": "Term",
                "taxonomy": page["section"],
                "name": page["term"],
                "title": page["title"],
                "relPermalink": rel,
                "url": page["permalink"],
                "articleCount": page["regularPagesRecursive"],
                "articles": page["termPages"],
            });
            assert_eq!(route, &want, "{rel}");
        } else {
            let want = json!({ "__typename": "Taxonomy", "name": page["section"], "title": page["title"], "relPermalink": rel, "url": page["permalink"] });
            assert_eq!(route, &want, "{rel}");
        }
    }

    let data = app
        .data(
            r#"{ taxonomies { name singular termCount terms(first: 1) { edges { cursor node { slug } } pageInfo { hasNextPage } } }
                 series: articles(filter: { terms: [{ taxonomy: "series", any: ["rates-explained"] }] }) {
                   totalCount edges { node { slug terms(taxonomy: "series") { name } } }
                   facets { terms(taxonomy: "series") { term { slug } count } } }
                 none: articles(filter: { terms: [{ taxonomy: "series", none: ["rates-explained"] }] }) { totalCount }
                 all: articles { totalCount }
                 term(taxonomy: "Series", slug: "rates-explained") { articles { totalCount } }
                 missing: taxonomy(name: "authors") { name } }"#,
            json!({}),
        )
        .await;
    let names: Vec<&Value> = data["taxonomies"]
        .as_array()
        .expect("taxonomies")
        .iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(names, [&json!("categories"), &json!("series"), &json!("tags")]);
    assert_eq!(data["taxonomies"][1]["singular"], "serie");
    assert_eq!(data["taxonomies"][1]["termCount"], 2);
    assert_eq!(
        data["taxonomies"][1]["terms"]["edges"][0]["node"]["slug"],
        "rates-explained"
    );
    assert_eq!(data["taxonomies"][1]["terms"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(data["series"]["totalCount"], 2);
    assert_eq!(
        data["series"]["facets"]["terms"],
        json!([{ "term": { "slug": "rates-explained" }, "count": 2 }, { "term": { "slug": "ünïcödé-säga" }, "count": 1 }])
    );
    let first = data["series"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["slug"] == "first-post")
        .expect("first-post");
    assert_eq!(
        first["node"]["terms"],
        json!([{ "name": "Rates Explained" }, { "name": "Ünïcödé Säga" }])
    );
    assert_eq!(
        data["none"]["totalCount"].as_i64().expect("n") + 2,
        data["all"]["totalCount"].as_i64().expect("n")
    );
    assert_eq!(data["term"]["articles"]["totalCount"], 2);
    assert_eq!(data["missing"], Value::Null);
}

#[actix_web::test]
async fn front_matter_config_takes_dates_and_slugs_as_hugo_does() {
    let dir = site_dir("frontmatter");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let pages = expected.as_array().expect("pages");
    assert_eq!(pages.len(), 4);
    for page in pages {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app
            .data(
                "query($path: String!) { route(path: $path) { ... on Article { slug publishedAt updatedAt relPermalink } } }",
                json!({ "path": rel }),
            )
            .await;
        let a = &data["route"];
        assert_eq!(a["relPermalink"], page["relPermalink"], "{}: {data}", page["file"]);
        let instant = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().expect("date")).expect("rfc3339");
        assert_eq!(instant(&a["publishedAt"]), instant(&page["date"]), "{}", page["file"]);
        assert_eq!(instant(&a["updatedAt"]), instant(&page["lastmod"]), "{}", page["file"]);
        if page["slug"] != "" {
            assert_eq!(a["slug"], page["slug"], "{}", page["file"]);
        }
    }
}

#[actix_web::test]
async fn file_mod_time_gives_a_date_when_the_config_asks_for_it() {
    let site = ContentDir::new();
    site.write(
        "hugo.toml",
        "baseURL = 'https://example.org/'\n[frontmatter]\nlastmod = [':fileModTime', ':default']\n",
    );
    let file = site.write("content/note.md", "---\ntitle: Note\ndate: 2024-01-01\n---\nText.\n");
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .expect("open")
        .set_modified(when)
        .expect("set mtime");
    let app = site_app(site.path()).await;
    let data = app
        .data(r#"{ article(slug: "note") { updatedAt publishedAt } }"#, json!({}))
        .await;
    assert_eq!(data["article"]["updatedAt"], "2023-11-14T22:13:20+00:00");
    assert_eq!(data["article"]["publishedAt"], "2024-01-01T00:00:00+00:00");
}

#[actix_web::test]
async fn build_options_headless_bundles_and_cascade_are_hugos() {
    let dir = site_dir("build");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let rendered: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rendered.json")).expect("rendered.json"))
            .expect("json");
    let stem = |file: &Value| {
        let f = file.as_str().expect("file");
        f.rsplit('/').next().unwrap_or(f).trim_end_matches(".md").to_owned()
    };
    let slugs = |edges: &Value| -> Vec<String> {
        let mut s: Vec<String> = edges
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
            .collect();
        s.sort();
        s
    };
    // The site's lists hold what hugo's .Site.RegularPages holds.
    let data = app
        .data(
            "{ articles(first: 50) { totalCount edges { node { slug } } } }",
            json!({}),
        )
        .await;
    let mut site: Vec<String> = expected["site"].as_array().expect("site").iter().map(stem).collect();
    site.sort();
    assert_eq!(slugs(&data["articles"]["edges"]), site);
    assert_eq!(data["articles"]["totalCount"], site.len());
    // A section's lists hold its .RegularPages, `list: local` ones included.
    for s in expected["sections"].as_array().expect("sections") {
        let folder = ["docs", "glossary", "notes"]
            .into_iter()
            .find(|f| s["pages"][0].as_str().is_some_and(|p| p.starts_with(f)))
            .expect("folder");
        let data = app
            .data(
                "query($p: String!) { section(path: $p) { articleCount articles(first: 50) { edges { node { slug } } } } }",
                json!({ "p": folder }),
            )
            .await;
        let mut want: Vec<String> = s["pages"].as_array().expect("pages").iter().map(stem).collect();
        want.sort();
        assert_eq!(slugs(&data["section"]["articles"]["edges"]), want, "{folder}");
        assert_eq!(data["section"]["articleCount"], want.len(), "{folder}");
    }
    // A page is routed exactly where hugo rendered one.
    for path in [
        "/",
        "/docs/",
        "/docs/guides/guide/",
        "/docs/hidden/",
        "/docs/intro/",
        "/docs/linked/",
        "/docs/headless/",
        "/glossary/",
        "/glossary/action/",
        "/glossary/float/",
        "/notes/",
        "/notes/newer/",
        "/notes/note/",
    ] {
        let data = app
            .data(
                "query($p: String!) { route(path: $p) { __typename } }",
                json!({ "p": path }),
            )
            .await;
        assert_eq!(
            data["route"] != Value::Null,
            rendered.iter().any(|r| r == path),
            "{path}: {data}"
        );
    }
    // `sections` lists only listed sections (the glossary is `list: local` by its own cascade).
    let data = app.data("{ sections { path } }", json!({})).await;
    assert_eq!(data["sections"], json!([{ "path": "docs" }, { "path": "notes" }]));
    // Cascaded params: the nearest cascade, aimed by `_target`, under the page's own keys.
    for page in expected["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter(|p| p["kind"] == "page")
    {
        let data = app
            .data(
                "query($p: String!) { route(path: $p) { ... on Article { frontMatter display { sidebar } } } }",
                json!({ "p": page["relPermalink"] }),
            )
            .await;
        if data["route"] == Value::Null {
            continue; // rendered nowhere (`render: link`)
        }
        let banner = data["route"]["frontMatter"]["banner"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(banner, page["banner"], "{}", page["file"]);
        assert_eq!(data["route"]["display"]["sidebar"], page["sidebar"], "{}", page["file"]);
    }
}

/// Each taxonomy's terms in one language: (taxonomy, [(slug, relPermalink, articleCount)]).
type TermsIn = Vec<(String, Vec<(String, String, i64)>)>;

const TERMS_IN: &str = "query($l: String) {
    taxonomies(locale: $l) { name locale relPermalink termCount
        terms(first: 100) { edges { node { slug locale relPermalink articleCount } } } } }";

/// `taxonomies(locale:)` as (taxonomy, [(slug, relPermalink, articleCount)]).
async fn terms_in(app: &TestApp, locale: Option<&str>) -> TermsIn {
    let data = app.data(TERMS_IN, json!({ "l": locale })).await;
    let lang = locale.unwrap_or("en");
    data["taxonomies"]
        .as_array()
        .expect("taxonomies")
        .iter()
        .map(|t| {
            assert_eq!(t["locale"], lang, "{t}");
            let terms: Vec<(String, String, i64)> = t["terms"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| {
                    let n = &e["node"];
                    assert_eq!(n["locale"], lang, "{n}");
                    (
                        n["slug"].as_str().expect("slug").to_owned(),
                        n["relPermalink"].as_str().expect("rel").to_owned(),
                        n["articleCount"].as_i64().expect("count"),
                    )
                })
                .collect();
            assert_eq!(t["termCount"], terms.len(), "{t}");
            (t["name"].as_str().expect("name").to_owned(), terms)
        })
        .collect()
}

/// Hugo's term pages in `lang` as `terms_in` gives them.
fn hugo_terms_in(expected: &Value, lang: &str) -> TermsIn {
    let mut out: std::collections::BTreeMap<String, Vec<(String, String, i64)>> = std::collections::BTreeMap::new();
    for p in expected["pages"].as_array().expect("pages") {
        if p["lang"] != lang {
            continue;
        }
        let section = p["section"].as_str().expect("section").to_owned();
        if p["kind"] == "taxonomy" {
            out.entry(section).or_default();
        } else if p["kind"] == "term" {
            // Hugo's .Data.Term of a term with an `_index` page is its folder,
            // the slug; else the name, whose slug here is lower-cased with
            // spaces to '-' (enough for the names this is used on).
            let rel = p["relPermalink"].as_str().expect("rel").to_owned();
            let slug = if p["file"] == "" {
                p["term"]
                    .as_str()
                    .expect("term")
                    .to_lowercase()
                    .replace(' ', "-")
                    .replace(" & ", "-")
            } else {
                p["term"].as_str().expect("term").to_owned()
            };
            let count = p["regularPagesRecursive"].as_i64().expect("count");
            out.entry(section).or_default().push((slug, rel, count));
        }
    }
    out.into_iter()
        .map(|(t, mut terms)| {
            terms.sort();
            (t, terms)
        })
        .collect()
}

#[actix_web::test]
async fn each_language_has_its_own_terms_as_hugo_builds_them_and_writes_keep_them() {
    let dir = site_dir("hugo-urls");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    // French: the terms hugo builds in French, each at its French URL with
    // its French pages' count; no English term, and the French-only page's
    // terms are not English ones.
    let sorted = |mut v: TermsIn| {
        for (_, terms) in &mut v {
            terms.sort();
        }
        v.sort();
        v
    };
    let fr = sorted(terms_in(&app, Some("fr")).await);
    assert_eq!(
        fr.iter()
            .map(|(t, terms)| (t.as_str(), terms.iter().map(|x| x.0.as_str()).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
        [
            ("categories", vec!["nouvelles"]),
            ("series", vec![]),
            ("tags", vec!["astuces-hugo", "seul"])
        ]
    );
    let hugo_fr = hugo_terms_in(&expected, "fr");
    // Hugo's pages, counts and URLs of the French terms.
    assert_eq!(fr, hugo_fr);
    let en = terms_in(&app, None).await;
    assert_eq!(en, terms_in(&app, Some("en")).await);
    let en_slugs: Vec<&str> = en.iter().flat_map(|(_, t)| t.iter().map(|x| x.0.as_str())).collect();
    assert!(
        !en_slugs.contains(&"seul") && !en_slugs.contains(&"astuces-hugo"),
        "{en_slugs:?}"
    );

    let one =
        "query($l: String, $s: String!) { term(taxonomy: \"tags\", slug: $s, locale: $l) { relPermalink locale } }";
    let seul = app.data(one, json!({ "s": "seul" })).await;
    assert_eq!(seul["term"], Value::Null, "the default language has no term `seul`");
    let seul = app.data(one, json!({ "s": "seul", "l": "fr" })).await;
    assert_eq!(
        seul["term"],
        json!({ "relPermalink": "/news/fr/topics/seul/", "locale": "fr" })
    );
    let (message, code) = app.error(one, json!({ "s": "seul", "l": "de" })).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    let tags = app
        .data(
            "{ taxonomy(name: \"tags\", locale: \"fr\") { relPermalink url termCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tags["taxonomy"],
        json!({ "relPermalink": "/news/fr/tags/", "url": "https://example.org/news/fr/tags/", "termCount": 2 })
    );

    // An edit of the English article keeps its French translation's terms;
    // an edit of the French-only page's tags moves its French terms.
    let data = app.editable("terms-token");
    let mutate = |query: &'static str, id: Value| {
        let data = data.clone();
        async move {
            let req = post(json!({ "query": query, "variables": { "id": id } }))
                .insert_header((actix_web::http::header::AUTHORIZATION, "Bearer terms-token"));
            let reply = send(&data, req).await.json();
            assert!(reply.get("errors").is_none(), "{reply}");
        }
    };
    let id_at = |path: &'static str| {
        let app = &app;
        async move {
            app.data(
                "query($p: String!) { route(path: $p) { ... on Article { id } } }",
                json!({ "p": path }),
            )
            .await["route"]["id"]
                .clone()
        }
    };
    let first = id_at("/news/2023/03/05/hello-world-%C3%A7a-va/").await;
    mutate(
        "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"Hello, edited\" }) { id } }",
        first,
    )
    .await;
    let seul_id = id_at("/news/fr/seul/").await;
    mutate(
        "mutation($id: ID!) { updateArticle(id: $id, input: { tags: [\"Autre\"] }) { id } }",
        seul_id,
    )
    .await;
    let fr = sorted(terms_in(&app, Some("fr")).await);
    assert_eq!(
        fr,
        [
            (
                "categories".to_owned(),
                vec![("nouvelles".to_owned(), "/news/fr/actualites/".to_owned(), 1)]
            ),
            ("series".to_owned(), vec![]),
            (
                "tags".to_owned(),
                vec![
                    (
                        "astuces-hugo".to_owned(),
                        "/news/fr/topics/conseils-pour-hugo/".to_owned(),
                        1
                    ),
                    ("autre".to_owned(), "/news/fr/topics/autre/".to_owned(), 1),
                ]
            ),
        ]
    );
    let route = app
        .data(
            "{ route(path: \"/news/fr/topics/conseils-pour-hugo/\") { ... on Term { articles { edges { node { relPermalink locale } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        route["route"]["articles"]["edges"],
        json!([{ "node": { "relPermalink": "/news/fr/2023/03/05/bonjour-le-monde/", "locale": "fr" } }])
    );
    assert_eq!(terms_in(&app, None).await, en, "the English terms are as they were");

    // A re-import of the unchanged files puts the French-only page's terms back.
    let summary = app.import(&[dir.join("content")]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(sorted(terms_in(&app, Some("fr")).await), hugo_fr);
}

#[actix_web::test]
async fn taxonomy_and_term_index_pages_give_their_titles_descriptions_and_bodies() {
    let app = site_app(&site_dir("hugo-urls")).await;
    let data = app
        .data(
            r#"{ taxonomy(name: "tags") { title description body(format: HTML) }
                 term(taxonomy: "tags", slug: "hugo-tips") { title body(format: HTML) relPermalink }
                 plain: term(taxonomy: "series", slug: "rates-explained") { title description body } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["taxonomy"],
        json!({ "title": "All topics", "description": "Every topic we write about.", "body": "<p>Topics, A to Z.</p>\n" })
    );
    assert_eq!(
        data["term"],
        json!({ "title": "Tips for Hugo", "body": "<p>Our <strong>best</strong> tips.</p>\n", "relPermalink": "/news/topics/tips-for-hugo/" })
    );
    assert_eq!(
        data["plain"],
        json!({ "title": "Rates Explained", "description": "", "body": "" })
    );
}

#[actix_web::test]
async fn a_languages_taxonomy_and_term_index_pages_are_its_own_as_hugo_builds_them() {
    let app = site_app(&site_dir("hugo-urls")).await;
    let data = app
        .data(
            r#"{ fr: taxonomy(name: "tags", locale: "fr") { title description body(format: HTML) locale }
                 en: taxonomy(name: "tags") { title }
                 term(taxonomy: "tags", slug: "astuces-hugo", locale: "fr") { title description body(format: HTML) relPermalink }
                 moved: term(taxonomy: "categories", slug: "nouvelles", locale: "fr") { title relPermalink url }
                 plain: taxonomy(name: "categories", locale: "fr") { title description }
                 seul: term(taxonomy: "tags", slug: "seul", locale: "fr") { title description } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "fr": { "title": "Tous les sujets", "description": "Chaque sujet dont nous parlons.",
                    "body": "<p>Les sujets, de A à Z.</p>\n", "locale": "fr" },
            "en": { "title": "All topics" },
            "term": { "title": "Conseils pour Hugo", "description": "Le français de hugo-tips.",
                      "body": "<p>Nos <strong>meilleurs</strong> conseils.</p>\n",
                      "relPermalink": "/news/fr/topics/conseils-pour-hugo/" },
            "moved": { "title": "Actualités", "relPermalink": "/news/fr/actualites/",
                       "url": "https://example.org/news/fr/actualites/" },
            "plain": { "title": "Categories", "description": "" },
            "seul": { "title": "Seul", "description": "" },
        })
    );
}

#[actix_web::test]
async fn a_broken_or_removed_language_term_page_leaves_hugos_defaults() {
    let dir = ContentDir::new();
    dir.write(
        "hugo.toml",
        "baseURL = 'https://example.org/'\n[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n[permalinks]\ntags = '/sujets/:slug/'\n",
    );
    std::fs::create_dir_all(dir.path().join("content/tags/astuces")).expect("mkdir");
    dir.write(
        "content/post.fr.md",
        yaml_article("Billet", "2025-02-03", "tags: [Astuces]\n"),
    );
    dir.write(
        "content/tags/astuces/_index.fr.md",
        "---\ntitle: Nos astuces\n---\nCorps\n",
    );
    dir.write("content/tags/astuces/_index.de.md", "---\ntitle: Tipps\n---\n");
    let app = site_app(dir.path()).await;
    let q = r#"{ term(taxonomy: "tags", slug: "astuces", locale: "fr") { title body relPermalink }
                 en: term(taxonomy: "tags", slug: "astuces") { title } }"#;
    let data = app.data(q, json!({})).await;
    assert_eq!(
        data,
        json!({ "term": { "title": "Nos astuces", "body": "Corps", "relPermalink": "/fr/sujets/nos-astuces/" }, "en": null })
    );

    // Broken: `path:line: reason`, and the page it was stays out.
    dir.write(
        "content/tags/astuces/_index.fr.md",
        "---\ntitle: [unclosed\n---\nCorps\n",
    );
    let summary = app.import(&[dir.path().join("content")]).await;
    assert_eq!(summary.failed.len(), 1, "{:?}", summary.failed);
    let error = summary.failed[0].to_string();
    assert!(
        error.contains("tags/astuces/_index.fr.md:3: front matter: invalid YAML"),
        "{error}"
    );

    // Removed: the term's name is its title again.
    std::fs::remove_file(dir.path().join("content/tags/astuces/_index.fr.md")).expect("rm");
    let summary = app.import(&[dir.path().join("content")]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let data = app.data(q, json!({})).await;
    assert_eq!(data["term"]["title"], "Astuces");
    assert_eq!(data["term"]["body"], "");
    assert_eq!(data["term"]["relPermalink"], "/fr/sujets/astuces/");
}

/// Titles of a connection's nodes.
fn titles(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().expect("title").to_owned())
        .collect()
}

#[actix_web::test]
async fn a_terms_articles_are_in_hugos_order_of_its_weights() {
    let dir = site_dir("term-weights");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let terms = expected["terms"].as_array().expect("terms");
    assert_eq!(terms.len(), 4);
    const TERM: &str = "query($t: String!, $s: String!, $after: String, $before: String, $first: Int, $last: Int) {
        term(taxonomy: $t, slug: $s) { relPermalink articleCount
            articles(first: $first, after: $after, last: $last, before: $before) {
                edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage } } } }";
    for t in terms {
        let want: Vec<String> = t["pages"]
            .as_array()
            .expect("pages")
            .iter()
            .map(|p| p.as_str().expect("title").to_owned())
            .collect();
        // hugo's term page and .Site.Taxonomies agree.
        let weighted: Vec<&str> = t["weighted"]
            .as_array()
            .expect("weighted")
            .iter()
            .map(|w| w[1].as_str().expect("title"))
            .collect();
        assert_eq!(weighted, want, "{t}");
        let vars = json!({ "t": t["taxonomy"], "s": t["term"], "first": 50 });
        let data = app.data(TERM, vars.clone()).await;
        let term = &data["term"];
        assert_eq!(term["relPermalink"], t["relPermalink"], "{data}");
        assert_eq!(term["articleCount"], want.len(), "{data}");
        assert_eq!(titles(&term["articles"]), want, "{} {}", t["taxonomy"], t["term"]);

        // Page by page, forwards and backwards, the same order.
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app
                .data(
                    TERM,
                    json!({ "t": t["taxonomy"], "s": t["term"], "first": 3, "after": after }),
                )
                .await;
            let conn = &data["term"]["articles"];
            seen.extend(titles(conn));
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = conn["edges"][2]["cursor"].clone();
        }
        assert_eq!(seen, want, "forwards by 3");
        let mut seen = Vec::new();
        let mut before = Value::Null;
        loop {
            let data = app
                .data(
                    TERM,
                    json!({ "t": t["taxonomy"], "s": t["term"], "last": 2, "before": before }),
                )
                .await;
            let conn = &data["term"]["articles"];
            let mut page = titles(conn);
            page.extend(seen);
            seen = page;
            if conn["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = conn["edges"][0]["cursor"].clone();
        }
        assert_eq!(seen, want, "backwards by 2");
    }

    // A list's articles' terms list their articles in the same order, the
    // term's field reached through an alias and a fragment (the list reads
    // the terms' weights only when a term's articles are selected).
    let data = app
        .data(
            r#"{ articles(first: 50) { edges { node { slug tags { slug ...Listed } } } } }
               fragment Listed on Tag { listed: articles(first: 50) { edges { node { title } } } }"#,
            json!({}),
        )
        .await;
    let rates = terms.iter().find(|t| t["term"] == "rates").expect("the rates tag");
    let want: Vec<&str> = rates["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| p.as_str().expect("title"))
        .collect();
    let mut lists = 0;
    for edge in data["articles"]["edges"].as_array().expect("edges") {
        for tag in edge["node"]["tags"].as_array().expect("tags") {
            if tag["slug"] == "rates" {
                assert_eq!(titles(&tag["listed"]), want, "{}", edge["node"]["slug"]);
                lists += 1;
            }
        }
    }
    assert_eq!(lists, want.len(), "every article of the tag lists it");

    // An explicit order is that order, weights or not.
    let data = app
        .data(
            r#"{ term(taxonomy: "tags", slug: "rates") {
                 articles(first: 3, orderBy: { field: TITLE, direction: ASC }) { edges { node { title } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(titles(&data["term"]["articles"]), ["Alpha", "Bravo", "Charlie"]);

    // Importing the site again keeps the weights.
    let summary = app.import(&[dir.join("content")]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let data = app
        .data(TERM, json!({ "t": "series", "s": "rates-explained", "first": 10 }))
        .await;
    assert_eq!(
        titles(&data["term"]["articles"]),
        ["Foxtrot", "Delta", "India", "Alpha"]
    );

    // An edit keeps the article's weights, and its `tags_weight` weighs a
    // tag it gains as it does the others (hugo's weight is the page's, for
    // every term of the taxonomy).
    let settings = gazette::server::HttpSettings {
        admin_token: Some("s3cret".to_owned()),
        ..gazette::server::HttpSettings::default()
    };
    let data = gazette::server::AppData::new(app.state.clone(), settings).expect("app data");
    let service = actix_web::test::init_service(gazette::server::app(data)).await;
    let id = app.data(r#"{ article(slug: "delta") { id } }"#, json!({})).await["article"]["id"].clone();
    let update = json!({
        "query": r#"mutation($id: ID!) { updateArticle(id: $id, input: { title: "Delta, edited", tags: ["Rates", "Bonds"] }) { title } }"#,
        "variables": { "id": id },
    });
    let req = actix_web::test::TestRequest::post()
        .uri("/graphql")
        .insert_header((actix_web::http::header::AUTHORIZATION, "Bearer s3cret"))
        .set_json(update)
        .to_request();
    let reply: Value = actix_web::test::call_and_read_body_json(&service, req).await;
    assert_eq!(reply["data"]["updateArticle"]["title"], "Delta, edited", "{reply}");
    let data = app.data(TERM, json!({ "t": "tags", "s": "bonds", "first": 10 })).await;
    assert_eq!(
        titles(&data["term"]["articles"]),
        ["Delta, edited", "Echo", "Charlie", "Juliet", "India"]
    );
    let data = app
        .data(TERM, json!({ "t": "series", "s": "rates-explained", "first": 10 }))
        .await;
    assert_eq!(
        titles(&data["term"]["articles"]),
        ["Foxtrot", "Delta, edited", "India", "Alpha"]
    );
}

#[actix_web::test]
async fn display_options_resolve_against_the_site_params_as_mainroad_does() {
    let dir = site_dir("display");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let pages = expected["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 6);
    let data = app
        .data(
            "{ articles(first: 20, orderBy: { field: TITLE, direction: ASC }) { edges { node { title
                 display { sidebar authorbox }
                 displayResolved { sidebar widgets authorbox pager toc mathjax comments postMeta thumbnailVisibility } } } } }",
            json!({}),
        )
        .await;
    let edges = data["articles"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), pages.len(), "{data}");
    for (edge, page) in edges.iter().zip(pages) {
        let node = &edge["node"];
        assert_eq!(node["title"], page["title"]);
        let mut want = page.clone();
        want.as_object_mut().expect("page").remove("title");
        assert_eq!(node["displayResolved"], want, "{}", page["title"]);
    }
    // `display` keeps the front matter's values: null where the site's apply.
    let defaults = edges
        .iter()
        .find(|e| e["node"]["title"] == "Site defaults")
        .expect("Site defaults");
    assert_eq!(
        defaults["node"]["display"],
        json!({ "sidebar": null, "authorbox": null })
    );
}

/// Every article's `related` titles, by title.
async fn related_titles(app: &TestApp) -> std::collections::BTreeMap<String, Vec<String>> {
    let data = app
        .data(
            "{ articles(first: 20) { nodes { title related(first: 20) { title } } } }",
            json!({}),
        )
        .await;
    data["articles"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let related = n["related"].as_array().expect("related");
            (
                n["title"].as_str().expect("title").to_owned(),
                related
                    .iter()
                    .map(|r| r["title"].as_str().expect("title").to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// hugo's `.Related` of every page in `expected` (`tests/sites/related`), by title.
fn hugo_related(expected: &std::path::Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(expected).expect("expected json")).expect("json");
    v["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| {
            let related = p["related"].as_array().expect("related");
            (
                p["title"].as_str().expect("title").to_owned(),
                related.iter().map(|r| r.as_str().expect("title").to_owned()).collect(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn with_a_related_config_related_articles_are_hugos() {
    let dir = site_dir("related");
    for (environment, expected) in [("production", "expected.json"), ("newer", "expected-newer.json")] {
        let want = hugo_related(&dir.join(expected));
        assert_eq!(want.len(), 10, "hugo's regular pages (the draft is none)");
        assert!(want.values().any(|r| r.len() > 2), "{want:?}");
        let app = site_app_in(&dir, environment).await;
        assert_eq!(related_titles(&app).await, want, "{environment}");

        // `first` cuts hugo's list.
        let data = app
            .data(
                r#"{ articles(first: 20) { nodes { title related(first: 2) { title } } } }"#,
                json!({}),
            )
            .await;
        for n in data["articles"]["nodes"].as_array().expect("nodes") {
            let title = n["title"].as_str().expect("title");
            let got: Vec<&str> = n["related"]
                .as_array()
                .expect("related")
                .iter()
                .map(|r| r["title"].as_str().expect("title"))
                .collect();
            let all = &want[title];
            assert_eq!(
                got,
                all.iter().take(2).map(String::as_str).collect::<Vec<_>>(),
                "{title}"
            );
        }
    }
}

/// hugo's order of each weighted term's pages in `tests/sites/term-weights`, by (taxonomy, term).
fn hugo_term_pages(dir: &std::path::Path) -> Vec<(String, String, Vec<String>)> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    expected["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .map(|t| {
            let pages = t["pages"].as_array().expect("pages");
            (
                t["taxonomy"].as_str().expect("taxonomy").to_owned(),
                t["term"].as_str().expect("term").to_owned(),
                pages.iter().map(|p| p.as_str().expect("title").to_owned()).collect(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_weighted_tags_or_categorys_articles_are_in_hugos_order_too() {
    let dir = site_dir("term-weights");
    let app = site_app(&dir).await;
    let terms = hugo_term_pages(&dir);
    let mut checked = 0;
    for (taxonomy, term, want) in &terms {
        let field = match taxonomy.as_str() {
            "tags" => "tag",
            "categories" => "category",
            _ => continue,
        };
        checked += 1;
        let q = format!(
            "query($s: String!, $first: Int, $after: String) {{ {field}(slug: $s) {{
                articles(first: $first, after: $after) {{ edges {{ cursor node {{ title }} }} pageInfo {{ hasNextPage }} }} }} }}"
        );
        let data = app.data(&q, json!({ "s": term, "first": 50 })).await;
        assert_eq!(titles(&data[field]["articles"]), *want, "{field} {term}");

        // Page by page, the same order.
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app.data(&q, json!({ "s": term, "first": 2, "after": after })).await;
            let conn = &data[field]["articles"];
            seen.extend(titles(conn));
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = conn["edges"][1]["cursor"].clone();
        }
        assert_eq!(seen, *want, "{field} {term} by 2");
    }
    assert_eq!(checked, 3, "rates, bonds, markets");

    // Reached through a list of tags and through an article's categories, the same.
    let data = app
        .data(
            r#"{ tags(first: 10) { edges { node { slug articles(first: 3) { edges { node { title } } } } } }
                 article(slug: "alpha") { categories { slug articles(first: 10) { edges { node { title } } } } } }"#,
            json!({}),
        )
        .await;
    let want_of = |taxonomy: &str, slug: &str| {
        terms
            .iter()
            .find(|(t, s, _)| t == taxonomy && s == slug)
            .map(|(_, _, p)| p.clone())
            .expect("term in expected.json")
    };
    let tags = data["tags"]["edges"].as_array().expect("tags");
    assert_eq!(tags.len(), 2, "{data}");
    for e in tags {
        let slug = e["node"]["slug"].as_str().expect("slug");
        let want: Vec<String> = want_of("tags", slug).into_iter().take(3).collect();
        assert_eq!(titles(&e["node"]["articles"]), want, "tag {slug}");
    }
    let markets = &data["article"]["categories"][0];
    assert_eq!(markets["slug"], "markets", "{data}");
    assert_eq!(titles(&markets["articles"]), want_of("categories", "markets"));
}

#[actix_web::test]
async fn a_tag_or_category_mutation_with_a_locale_changes_that_languages_term_only() {
    let dir = ContentDir::new();
    dir.write(
        "hugo.toml",
        "baseURL = 'https://example.org/'\n[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n",
    );
    dir.write(
        "content/post.md",
        yaml_article("Post", "2025-02-03", "tags: [Rates]\ncategories: [Money]\n"),
    );
    dir.write(
        "content/billet.fr.md",
        yaml_article("Billet", "2025-02-04", "tags: [Rates]\ncategories: [Money]\n"),
    );
    let app = site_app(dir.path()).await;
    let data = app.editable("lang-token");
    let mutate = |query: &'static str, variables: Value| {
        let data = data.clone();
        async move {
            let req = post(json!({ "query": query, "variables": variables }))
                .insert_header((actix_web::http::header::AUTHORIZATION, "Bearer lang-token"));
            send(&data, req).await.json()
        }
    };
    let names = "query($t: String!, $s: String!) { tag(slug: \"rates\") { name } category(slug: \"money\") { name }
        en: term(taxonomy: $t, slug: $s) { name articleCount }
        fr: term(taxonomy: $t, slug: $s, locale: \"fr\") { name articleCount } }";
    let ids = app
        .data(
            "{ tag(slug: \"rates\") { id } category(slug: \"money\") { id } }",
            json!({}),
        )
        .await;
    let (tag, category) = (ids["tag"]["id"].clone(), ids["category"]["id"].clone());

    // French only: the French term is renamed; the tag and the English term keep their name.
    let reply = mutate(
        "mutation($id: ID!) { renameTag(id: $id, name: \"Taux\", locale: \"fr\") { name } }",
        json!({ "id": tag }),
    )
    .await;
    assert_eq!(reply["data"]["renameTag"]["name"], "Rates", "{reply}");
    let got = app.data(names, json!({ "t": "tags", "s": "rates" })).await;
    assert_eq!(got["tag"]["name"], "Rates");
    assert_eq!(got["en"], json!({ "name": "Rates", "articleCount": 1 }));
    assert_eq!(got["fr"], json!({ "name": "Taux", "articleCount": 1 }));

    // Deleted in French: the English term and the category stay.
    let reply = mutate(
        "mutation($id: ID!) { deleteCategory(id: $id, locale: \"fr\") }",
        json!({ "id": category }),
    )
    .await;
    assert!(reply.get("errors").is_none(), "{reply}");
    let got = app.data(names, json!({ "t": "categories", "s": "money" })).await;
    assert_eq!(got["category"]["name"], "Money");
    assert_eq!(got["en"], json!({ "name": "Money", "articleCount": 1 }));
    assert_eq!(got["fr"], Value::Null);
    // Again: the French term is gone.
    let reply = mutate(
        "mutation($id: ID!) { deleteCategory(id: $id, locale: \"fr\") }",
        json!({ "id": category }),
    )
    .await;
    assert!(reply.get("errors").is_some(), "{reply}");
    // A language the site does not define.
    let reply = mutate(
        "mutation($id: ID!) { renameTag(id: $id, name: \"X\", locale: \"de\") { name } }",
        json!({ "id": tag }),
    )
    .await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{reply}");

    // Without a locale: every language's, as before.
    let reply = mutate(
        "mutation($id: ID!) { renameTag(id: $id, name: \"Rate\") { name } }",
        json!({ "id": tag }),
    )
    .await;
    assert_eq!(reply["data"]["renameTag"]["name"], "Rate", "{reply}");
    let got = app.data(names, json!({ "t": "tags", "s": "rates" })).await;
    assert_eq!(
        (&got["en"]["name"], &got["fr"]["name"]),
        (&json!("Rate"), &json!("Rate"))
    );
    let reply = mutate("mutation($id: ID!) { deleteTag(id: $id) }", json!({ "id": tag })).await;
    assert!(reply.get("errors").is_none(), "{reply}");
    let got = app.data(names, json!({ "t": "tags", "s": "rates" })).await;
    assert_eq!(
        (&got["tag"], &got["en"], &got["fr"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
}

/// An app over `dir`'s site imported as `gazette serve --site DIR` does:
/// from the content folder its config gives, languages' own folders included.
async fn site_plan_app(dir: &std::path::Path) -> TestApp {
    let site = Arc::new(Site::load(dir, "production").expect("site config"));
    let plan = gazette::import::content_plan(dir, &site);
    let mut app = spawn_app().await;
    app.read.site = site.clone();
    app.read.language_dirs = plan.language_dirs;
    app.state = app.state.clone().with_site(site);
    let summary = app.import(&[plan.folder]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    app
}

#[actix_web::test]
async fn languages_with_content_folders_of_their_own_are_routed_and_listed_as_hugo_builds_them() {
    let dir = site_dir("content-dirs");
    let app = site_plan_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let pages = expected["pages"].as_array().expect("pages");
    let regular: Vec<&Value> = pages.iter().filter(|p| p["kind"] == "page").collect();
    assert_eq!(regular.len(), 7, "hugo builds 7 pages");
    for page in &regular {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app.data(ROUTE, json!({ "path": rel })).await;
        let route = &data["route"];
        assert_eq!(route["__typename"], "Article", "{} at {rel}: {data}", page["file"]);
        assert_eq!(route["relPermalink"], page["relPermalink"], "{}", page["file"]);
        assert_eq!(route["url"], page["permalink"], "{}", page["file"]);
        assert_eq!(route["locale"], page["lang"], "{}", page["file"]);
        // `ref`/`relref` name pages of the page's own language, absolute
        // targets below its language's folder, as hugo links them.
        let body = app
            .data(
                "query($p: String!) { route(path: $p) { ... on Article { body(format: HTML) } } }",
                json!({ "p": rel }),
            )
            .await;
        let html = body["route"]["body"].as_str().expect("body");
        let content = page["content"].as_str().expect("content");
        assert_eq!(hrefs(html), hrefs(content), "{} links: {html}", page["file"]);
    }
    let linked: usize = regular
        .iter()
        .map(|p| hrefs(p["content"].as_str().unwrap_or("")).len())
        .sum();
    assert_eq!(linked, 8, "the fixture's refs");
    // `blog/rates.md` of both folders is one article in two languages.
    let data = app
        .data(
            r#"{ articles(first: 20) { totalCount edges { node { relPermalink translations { locale relPermalink } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["articles"]["totalCount"], 6, "{data}");
    let rates = data["articles"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["relPermalink"] == "/blog/rates/")
        .expect("rates");
    assert_eq!(
        rates["node"]["translations"],
        json!([{ "locale": "fr", "relPermalink": "/fr/blog/rates/" }])
    );
    // Each language's section holds its pages, in hugo's order, each
    // served at its language's URL.
    let section_q = "query($l: String) { section(path: \"blog\", locale: $l) { relPermalink
        articles { edges { node { relPermalink } } } } }";
    for section in pages
        .iter()
        .filter(|p| p["kind"] == "section" && p["file"] == "blog/_index.md")
    {
        let lang = section["lang"].as_str().expect("lang");
        let data = app.data(section_q, json!({ "l": lang })).await;
        assert_eq!(data["section"]["relPermalink"], section["relPermalink"], "{lang}");
        let listed: Vec<&Value> = data["section"]["articles"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["node"]["relPermalink"])
            .collect();
        let hugo: Vec<&Value> = section["sectionPages"].as_array().expect("pages").iter().collect();
        assert_eq!(listed, hugo, "{lang}");
    }
    // A term of each language lists that language's page.
    for term in pages.iter().filter(|p| p["kind"] == "term") {
        let rel = term["relPermalink"].as_str().expect("relPermalink");
        let data = app
            .data(
                "query($p: String!) { route(path: $p) { ... on Term { relPermalink articles { edges { node { relPermalink } } } } } }",
                json!({ "p": rel }),
            )
            .await;
        assert_eq!(data["route"]["relPermalink"], rel, "{data}");
        assert_eq!(
            data["route"]["articles"]["edges"][0]["node"]["relPermalink"], term["termPages"][0],
            "{rel}"
        );
    }
    // Each language's menu: a `pageRef` finds the page of the menu's own
    // language (none when it lacks one), and a front matter entry joins the
    // menu of its page's language, whichever folder the file is in.
    let menus = expected["menus"].as_object().expect("menus");
    assert_eq!(menus.len(), 2);
    for (lang, entries) in menus {
        let data = app
            .data(
                "query($l: String) { site(locale: $l) { menu(name: \"main\") { identifier name url weight page { relPermalink } section { relPermalink } } } }",
                json!({ "l": lang }),
            )
            .await;
        let ours: Vec<Value> = data["site"]["menu"]
            .as_array()
            .expect("menu")
            .iter()
            .map(|e| {
                json!({ "identifier": e["identifier"], "name": e["name"], "url": e["url"], "weight": e["weight"],
                        // Hugo's `.Page` is the article or the section.
                        "page": e["page"]["relPermalink"].as_str().or(e["section"]["relPermalink"].as_str()).unwrap_or("") })
            })
            .collect();
        // Hugo's `.Identifier` is empty when not given; Gazette's is the
        // name then, what children name as their `parent` (Hugo's `KeyName`).
        let hugo: Vec<Value> = entries
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                let mut e = e.clone();
                if e["identifier"] == "" {
                    e["identifier"] = e["name"].clone();
                }
                e
            })
            .collect();
        assert_eq!(ours, hugo, "the {lang} menu");
    }
    // An edit of the article keeps its translation's own entry (the French
    // file declares it, not the English one the edit rewrites).
    let fr_menu = "{ site(locale: \"fr\") { menu(name: \"main\") { name page { relPermalink locale } } } }";
    let before = app.data(fr_menu, json!({})).await;
    assert_eq!(
        before["site"]["menu"][3],
        json!({ "name": "Taux (page)", "page": { "relPermalink": "/fr/blog/rates/", "locale": "fr" } })
    );
    let id = app.data(ROUTE_ID, json!({ "p": "/blog/rates/" })).await["route"]["id"].clone();
    let data = app.editable("menus-token");
    mutate_as(
        &data,
        "menus-token",
        "mutation($id: ID!) { updateArticle(id: $id, input: { title: \"Rates, edited\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(app.data(fr_menu, json!({})).await, before);
    // `content/stray.md` is in no language's folder: hugo builds nothing.
    let data = app.data(ROUTE, json!({ "path": "/stray/" })).await;
    assert_eq!(data["route"], Value::Null);
    let data = app.data(ROUTE, json!({ "path": "/old-guide/" })).await;
    assert_eq!(data["route"]["location"], "/docs/guide/");
}

#[actix_web::test]
async fn module_mounts_into_part_of_the_content_are_read_and_routed_as_hugo_builds_them() {
    // tests/sites/mounts: `extra` mounted at content/blog, `deep/notes` at
    // content/blog/notes, `extra-fr` at content/blog for French only.
    let dir = site_dir("mounts");
    let app = site_plan_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let pages = expected["pages"].as_array().expect("pages");
    let regular: Vec<&Value> = pages.iter().filter(|p| p["kind"] == "page").collect();
    assert_eq!(regular.len(), 7, "hugo builds 7 pages");
    for page in &regular {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app.data(ROUTE, json!({ "path": rel })).await;
        let route = &data["route"];
        assert_eq!(route["__typename"], "Article", "{} at {rel}: {data}", page["file"]);
        assert_eq!(route["url"], page["permalink"], "{}", page["file"]);
        assert_eq!(route["locale"], page["lang"], "{}", page["file"]);
    }
    // Each section, the mounted `notes` one included, lists what hugo's
    // lists, in hugo's order, in each language.
    let section_q = "query($p: String!, $l: String) { section(path: $p, locale: $l) { relPermalink
        articles { edges { node { relPermalink } } } } }";
    let sections: Vec<&Value> = pages.iter().filter(|p| p["kind"] == "section").collect();
    assert_eq!(sections.len(), 3, "blog in both languages and blog/notes");
    for section in sections {
        let lang = section["lang"].as_str().expect("lang");
        let rel = section["relPermalink"].as_str().expect("relPermalink");
        let path = rel.trim_start_matches("/fr").trim_matches('/');
        let data = app.data(section_q, json!({ "p": path, "l": lang })).await;
        assert_eq!(data["section"]["relPermalink"], rel, "{lang} {path}: {data}");
        let listed: Vec<&Value> = data["section"]["articles"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["node"]["relPermalink"])
            .collect();
        let hugo: Vec<&Value> = section["sectionPages"].as_array().expect("pages").iter().collect();
        assert_eq!(listed, hugo, "{lang} {path}");
    }
}

#[actix_web::test]
async fn a_default_language_section_serves_an_article_in_its_translation() {
    // An article whose original is French (front matter `lang`) and which
    // has an English translation is the English page of /blog/, served in
    // English there, and the French page of /fr/blog/.
    let dir = ContentDir::new();
    dir.write(
        "hugo.toml",
        "baseURL = 'https://example.org/'\n[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n",
    );
    std::fs::create_dir_all(dir.path().join("content/blog")).expect("mkdir");
    dir.write(
        "content/blog/h.md",
        yaml_article("Le titre", "2025-03-01", "lang: fr\n"),
    );
    dir.write("content/blog/h.en.md", yaml_article("The title", "2025-03-01", ""));
    let app = site_app(dir.path()).await;
    let q = "query($l: String) { section(path: \"blog\", locale: $l) { articles { edges { node { title locale relPermalink } } } } }";
    let en = app.data(q, json!({})).await;
    assert_eq!(
        en["section"]["articles"]["edges"],
        json!([{ "node": { "title": "The title", "locale": "en", "relPermalink": "/blog/h/" } }]),
        "{en}"
    );
    let fr = app.data(q, json!({ "l": "fr" })).await;
    assert_eq!(
        fr["section"]["articles"]["edges"][0]["node"]["title"], "Le titre",
        "{fr}"
    );
}

/// Runs `git` in `dir`, with fixed dates when given.
fn git(dir: &std::path::Path, args: &[&str], date: Option<&str>) {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(dir).args(args);
    if let Some(date) = date {
        cmd.env("GIT_AUTHOR_DATE", date).env("GIT_COMMITTER_DATE", date);
    }
    let out = cmd.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[actix_web::test]
async fn with_enable_git_info_lastmod_is_the_files_last_commit_as_hugo_reads_it() {
    if std::process::Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipped: no git on this machine (CI has it)");
        return;
    }
    // The repository hugo built tests/sites/gitinfo/expected.json from.
    let repo = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new("bash")
        .arg(site_dir("gitinfo").join("make-repo.sh"))
        .arg(repo.path())
        .output()
        .expect("make-repo.sh runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut app = site_app(repo.path()).await;
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(site_dir("gitinfo").join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let q = "query($p: String!) { route(path: $p) { ... on Article { publishedAt updatedAt } } }";
    let instant = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a date")).expect("RFC 3339");
    let pages = expected["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 4);
    for page in pages {
        let data = app.data(q, json!({ "p": page["relPermalink"] })).await;
        let article = &data["route"];
        assert_eq!(
            instant(&article["updatedAt"]),
            instant(&page["lastmod"]),
            "{}",
            page["file"]
        );
        assert_eq!(
            instant(&article["publishedAt"]),
            instant(&page["date"]),
            "{}",
            page["file"]
        );
    }
    // A commit that changes the author date but not the file (an amend)
    // moves `updatedAt` on the next import.
    git(
        repo.path(),
        &["commit", "-q", "--amend", "--no-edit", "--reset-author"],
        Some("2024-08-09T10:11:12+00:00"),
    );
    let summary = app.import(&[repo.path().join("content")]).await;
    assert_eq!((summary.updated, summary.failed.len()), (1, 0), "{:?}", summary.failed);
    let data = app.data(q, json!({ "p": "/blog/edited/" })).await;
    assert_eq!(data["route"]["updatedAt"], "2024-08-09T10:11:12+00:00");
    // Without enableGitInfo, `:git` gives nothing: the front matter's lastmod.
    std::fs::write(
        repo.path().join("hugo.toml"),
        std::fs::read_to_string(repo.path().join("hugo.toml"))
            .expect("config")
            .replace("enableGitInfo = true", "enableGitInfo = false"),
    )
    .expect("write config");
    let site = Arc::new(Site::load(repo.path(), "production").expect("site config"));
    app.read.site = site.clone();
    app.state = app.state.clone().with_site(site);
    app.import(&[repo.path().join("content")]).await;
    let data = app.data(q, json!({ "p": "/blog/edited/" })).await;
    assert_eq!(data["route"]["updatedAt"], "2024-01-02T00:00:00+00:00");
}

#[actix_web::test]
async fn a_tag_and_a_category_have_their_terms_urls_as_hugo_builds_them() {
    let dir = site_dir("hugo-urls");
    let app = site_app(&dir).await;
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let data = app
        .data(
            "{ tags(first: 100) { edges { node { name relPermalink url } } }
               categories(first: 100) { edges { node { name relPermalink url } } } }",
            json!({}),
        )
        .await;
    let mut checked = 0;
    for (list, taxonomy) in [("tags", "tags"), ("categories", "categories")] {
        for edge in data[list]["edges"].as_array().expect("edges") {
            let node = &edge["node"];
            let pages = expected["pages"].as_array().expect("pages");
            if node["relPermalink"].is_null() {
                // Named by French pages only: hugo builds its page in French alone.
                let key = node["name"].as_str().expect("name").to_lowercase().replace(' ', "-");
                let in_lang = |lang: &str| {
                    pages.iter().any(|p| {
                        p["kind"] == "term"
                            && p["lang"] == lang
                            && p["section"] == taxonomy
                            && p["term"]
                                .as_str()
                                .is_some_and(|t| t.to_lowercase().replace(' ', "-") == key)
                    })
                };
                assert!(in_lang("fr") && !in_lang("en"), "{node}");
                continue;
            }
            // The default language's term page hugo built for the name
            // (`/news/topics/…/` under `tags = "/topics/:slug/"`).
            let hugo = expected["pages"]
                .as_array()
                .expect("pages")
                .iter()
                .find(|p| {
                    p["kind"] == "term"
                        && p["lang"] == "en"
                        && p["section"] == taxonomy
                        && p["relPermalink"] == node["relPermalink"]
                })
                .unwrap_or_else(|| panic!("no page hugo built at {node}"));
            assert_eq!(node["url"], hugo["permalink"], "{node}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
    // A site whose taxonomies leave tags out builds no tag page.
    let site = ContentDir::new();
    site.write(
        "hugo.toml",
        "baseURL = 'https://example.org/'\n[taxonomies]\ncategory = 'categories'\n",
    );
    std::fs::create_dir_all(site.path().join("content/blog")).expect("mkdir");
    site.write(
        "content/blog/a.md",
        yaml_article("A", "2025-01-01", "tags: [Rates]\ncategories: [Markets]\n"),
    );
    let app = site_app(site.path()).await;
    let data = app
        .data(
            "{ tags { edges { node { relPermalink url } } } categories { edges { node { relPermalink } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["tags"]["edges"][0]["node"],
        json!({ "relPermalink": null, "url": null })
    );
    assert_eq!(
        data["categories"]["edges"][0]["node"]["relPermalink"],
        "/categories/markets/"
    );
}

#[actix_web::test]
async fn with_disable_aliases_an_alias_is_no_route() {
    // hugo 0.111.3 with `disableAliases = true` writes no page at an alias.
    let dir = ContentDir::new();
    dir.write("hugo.toml", "baseURL = 'https://example.org/'\ndisableAliases = true\n");
    std::fs::create_dir_all(dir.path().join("content/blog")).expect("mkdir");
    dir.write(
        "content/blog/rates.md",
        yaml_article("Rates", "2025-01-01", "aliases: [/old-rates/]\n"),
    );
    let app = site_app(dir.path()).await;
    let data = app.data(ROUTE, json!({ "path": "/old-rates/" })).await;
    assert_eq!(data["route"], Value::Null, "{data}");
    let data = app.data(ROUTE, json!({ "path": "/blog/rates/" })).await;
    assert_eq!(data["route"]["relPermalink"], "/blog/rates/");
    // The same site without it redirects.
    dir.write("hugo.toml", "baseURL = 'https://example.org/'\n");
    let app = site_app(dir.path()).await;
    let data = app.data(ROUTE, json!({ "path": "/old-rates/" })).await;
    assert_eq!(data["route"]["location"], "/blog/rates/");
}

/// Migration 26 keys a menu entry by language too: stepping back keeps the
/// articles' own entries and drops the translations' (the old shape has no
/// place for them), and stepping forward again keeps every row left.
#[actix_web::test]
async fn the_menu_migration_keeps_the_articles_entries_both_ways() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = site_plan_app(&site_dir("content-dirs")).await;
    let rows = || async {
        let mut rows: Vec<(String, String)> = entity::article_menu::Entity::find()
            .all(&app.db)
            .await
            .expect("menu rows")
            .into_iter()
            .map(|r| (r.lang, r.name))
            .collect();
        rows.sort();
        rows
    };
    let all = rows().await;
    assert_eq!(
        all,
        [
            ("en".to_owned(), "Named English in the French folder".to_owned()),
            ("fr".to_owned(), "Taux (page)".to_owned())
        ]
    );
    Migrator::down(&app.db, Some(1)).await.expect("down");
    let count = entity::article_menu::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 1, "only the article's own entry has a place in the old shape");
    Migrator::up(&app.db, None).await.expect("up");
    assert_eq!(rows().await, all[..1]);
}

/// Migration 24 keys a taxonomy's or term's page by language: stepping back
/// over it (and the two after it) keeps the default language's pages and
/// drops the others', and stepping forward again works, twice, on both
/// engines (on PostgreSQL the copied table keeps its primary key's name,
/// `list_page_new_pkey`, so each step back creates that name again).
#[actix_web::test]
async fn the_list_page_migration_steps_back_and_forward_again() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::EntityTrait;
    let app = site_app(&site_dir("hugo-urls")).await;
    let pages = || async {
        let mut rows: Vec<(String, String, String)> = entity::list_page::Entity::find()
            .all(&app.db)
            .await
            .expect("list pages")
            .into_iter()
            .map(|r| (r.taxonomy, r.lang, r.term_slug))
            .collect();
        rows.sort();
        rows
    };
    let all = pages().await;
    let default: Vec<_> = all.iter().filter(|(_, lang, _)| lang.is_empty()).cloned().collect();
    assert!(
        !default.is_empty() && default.len() < all.len(),
        "the fixture has pages in the default language and in another: {all:?}"
    );
    for round in 0..2 {
        Migrator::down(&app.db, Some(3))
            .await
            .unwrap_or_else(|e| panic!("down, round {round}: {e}"));
        Migrator::up(&app.db, None)
            .await
            .unwrap_or_else(|e| panic!("up, round {round}: {e}"));
        assert_eq!(pages().await, default, "round {round}");
    }
}
