//! `gazette generate`: deterministic, importable, shaped like the issue asks.

use gazette::generate::{write, Plan};
use serde_json::json;

use crate::helpers::*;

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    out.sort();
    out
}

#[actix_web::test]
async fn the_same_seed_writes_the_same_corpus_and_it_imports_cleanly() {
    let (a, b, c) = (ContentDir::new(), ContentDir::new(), ContentDir::new());
    let written = write(Plan { articles: 200, seed: 7 }, a.path()).expect("generate");
    write(Plan { articles: 200, seed: 7 }, b.path()).expect("generate");
    write(Plan { articles: 200, seed: 8 }, c.path()).expect("generate");
    assert!(files(a.path()) == files(b.path()), "same seed, same bytes");
    assert!(files(a.path()) != files(c.path()), "another seed, another corpus");

    let app = spawn_app().await;
    let summary = app.import(&[a.path().to_path_buf()]).await;

    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(summary.imported, written);
    let translations = written - 200;
    assert!(
        (20..=60).contains(&translations),
        "about 20% translated: {translations}"
    );
    let sizes: Vec<usize> = files(a.path())
        .iter()
        .filter(|(n, _)| !n.contains(".en.") && !n.contains(".zh."))
        .map(|(_, b)| b.len())
        .collect();
    assert!(
        sizes.iter().all(|&s| (1_024..6_000).contains(&s)),
        "bodies of 1-4 KB plus front matter"
    );

    let data = app
        .data(
            "{ articles(first: 100) { totalCount edges { node { tags { slug } categories { slug } } } } }",
            json!({}),
        )
        .await;
    let a = &data["articles"];
    assert_eq!(a["totalCount"], 200);
    for edge in a["edges"].as_array().into_iter().flatten() {
        let tags = edge["node"]["tags"].as_array().map_or(0, Vec::len);
        let categories = edge["node"]["categories"].as_array().map_or(0, Vec::len);
        assert!((1..=8).contains(&tags) && (1..=2).contains(&categories), "{edge}");
    }
    let facets = app
        .data(
            "{ articles(first: 0) { facets { tags(first: 10) { count } } } }",
            json!({}),
        )
        .await;
    let counts: Vec<i64> = facets["articles"]["facets"]["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["count"].as_i64())
        .collect();
    let (top, tenth) = (counts[0], counts[9]);
    assert!(top >= 3 * tenth, "skewed tag use: top {top}, tenth {tenth}");
}
