//! A real site: a trimmed subset of the Hugo documentation
//! (tests/sites/hugo-docs, Apache-2.0). Its content imports with no
//! failures, one article per regular page hugo 0.111.3 built from it, every
//! page and section is routed at hugo's relPermalink with hugo's permalink, and every
//! alias redirects where the alias page hugo wrote points.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use gazette::site::Site;
use serde_json::{json, Value};

use crate::helpers::*;

fn site_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sites/hugo-docs")
}

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(site_dir().join(name)).expect(name);
    serde_json::from_str(&text).expect(name)
}

/// Files Gazette imports but hugo does not build: their `expiryDate` has
/// passed. Gazette stores an expired article (and serves it nowhere), so
/// they count as imported; hugo builds no page for them.
/// hugo: no page; Gazette: an imported (hidden) article.
/// Each with the path its page would have: Gazette routes nothing there.
const EXPIRED: [(&str, &str); 2] = [
    ("methods/page/Scratch.md", "/methods/page/scratch/"), // expiryDate 2026-11-18
    ("methods/shortcode/Scratch.md", "/methods/shortcode/scratch/"), // expiryDate 2026-11-18
];

const ROUTE: &str = "query($path: String!) { route(path: $path) {
    __typename ... on Article { relPermalink url } ... on Redirect { location permanent } } }";

/// The route of the alias page hugo writes for `alias`: `/a/b` and `/a/b/`
/// are written to `a/b/index.html`, `/a/b.html` to itself.
fn alias_route(alias: &str) -> String {
    if alias.ends_with(".html") {
        alias.to_owned()
    } else {
        format!("{}/", alias.trim_end_matches('/'))
    }
}

#[actix_web::test]
async fn the_hugo_docs_import_whole_and_route_as_hugo_builds_them() {
    let dir = site_dir();
    let site = Arc::new(Site::load(&dir, "production").expect("site config"));
    let mut app = spawn_app().await;
    // The folder `serve --site` imports: the config's mount of content/en.
    let plan = gazette::import::content_plan(&dir, &site);
    assert_eq!(plan.folder, dir.join("content/en"));
    app.read.site = site.clone();
    app.read.language_dirs = plan.language_dirs;
    app.state = app.state.clone().with_site(site);
    let summary = app.import(&[plan.folder]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);

    let expected = read_json("expected.json");
    assert_eq!(expected["hugo"], "0.111.3");
    let all = expected["pages"].as_array().expect("pages");
    // Regular pages, and list pages (sections and the home page); the
    // taxonomy pages have no routes of their own yet.
    let pages: Vec<&Value> = all.iter().filter(|p| p["kind"] == "page").collect();
    assert!(pages.len() >= 150, "{}", pages.len());
    let lists: Vec<&Value> = all
        .iter()
        .filter(|p| p["kind"] == "section" || p["kind"] == "home")
        .collect();
    assert!(lists.len() >= 30, "{}", lists.len());
    // The `_index` files hugo built a list page from.
    let list_files = lists.iter().filter(|p| p["file"] != "").count();

    let mut wrong = Vec::new();
    if summary.imported != pages.len() + EXPIRED.len() + list_files {
        wrong.push(format!(
            "{} files imported, hugo built {} regular pages (+ {} expired) and {list_files} list pages from files",
            summary.imported,
            pages.len(),
            EXPIRED.len()
        ));
    }
    for page in &lists {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app
            .data(
                "query($path: String!) { route(path: $path) { __typename ... on Section { relPermalink url } } }",
                json!({ "path": rel }),
            )
            .await;
        let want = json!({ "__typename": "Section", "relPermalink": rel, "url": page["permalink"] });
        if data["route"] != want {
            wrong.push(format!(
                "{}: route({rel}) = {}, hugo: {want}",
                page["file"], data["route"]
            ));
        }
    }
    let tree = app.data("{ sections { path } }", json!({})).await;
    let top = lists
        .iter()
        .filter(|p| p["relPermalink"].as_str().is_some_and(|r| r.matches('/').count() == 2))
        .count();
    if tree["sections"].as_array().map(Vec::len) != Some(top) {
        wrong.push(format!("top-level sections: {tree}, hugo built {top}"));
    }
    let visible = app.data("{ articles { totalCount } }", json!({})).await;
    if visible["articles"]["totalCount"] != pages.len() {
        wrong.push(format!("{visible} articles served, hugo built {}", pages.len()));
    }
    for (file, path) in EXPIRED {
        assert!(dir.join("content/en").join(file).is_file(), "{file}");
        assert!(all.iter().all(|p| p["file"] != file), "hugo built {file}");
        let data = app.data(ROUTE, json!({ "path": path })).await;
        if data["route"] != Value::Null {
            wrong.push(format!(
                "{file} (expired): route({path}) = {}, hugo: no page",
                data["route"]
            ));
        }
    }
    for page in &pages {
        let rel = page["relPermalink"].as_str().expect("relPermalink");
        let data = app.data(ROUTE, json!({ "path": rel })).await;
        let want = json!({ "__typename": "Article", "relPermalink": rel, "url": page["permalink"] });
        if data["route"] != want {
            wrong.push(format!(
                "{}: route({rel}) = {}, hugo: {want}",
                page["file"], data["route"]
            ));
        }
    }

    // Where each alias page hugo wrote points (public/…/index.html, by
    // regenerate.sh). Two pages may claim one alias: hugo serves the file it
    // wrote last.
    let base = "https://gohugo.io";
    let alias_files: BTreeMap<String, String> = read_json("alias-files.json")
        .as_array()
        .expect("alias files")
        .iter()
        .map(|a| {
            let file = a["file"].as_str().expect("file");
            let target = a["target"].as_str().expect("target");
            (
                file.strip_suffix("index.html").unwrap_or(file).to_owned(),
                target.strip_prefix(base).expect("a gohugo.io target").to_owned(),
            )
        })
        .collect();
    let mut aliases = 0;
    for page in &pages {
        for alias in page["aliases"].as_array().expect("aliases") {
            let alias = alias.as_str().expect("alias");
            let written = alias_route(alias);
            let want = match alias_files.get(&written) {
                Some(location) => json!({ "__typename": "Redirect", "location": location, "permanent": true }),
                // No alias page there: the alias is a page's own URL, and
                // hugo wrote that page instead.
                None => {
                    let at = all
                        .iter()
                        .find(|p| p["relPermalink"] == written.as_str())
                        .unwrap_or_else(|| panic!("{}: hugo wrote nothing at {written}", page["file"]));
                    json!({ "__typename": "Article", "relPermalink": at["relPermalink"], "url": at["permalink"] })
                }
            };
            aliases += 1;
            for path in [alias, written.as_str()] {
                let data = app.data(ROUTE, json!({ "path": path })).await;
                if data["route"] != want {
                    wrong.push(format!(
                        "{} alias {alias}: route({path}) = {}, hugo: {want}",
                        page["file"], data["route"]
                    ));
                }
            }
        }
    }
    assert!(aliases >= 100, "{aliases}");
    assert!(
        wrong.is_empty(),
        "{} disagreements with hugo:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
