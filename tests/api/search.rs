//! Full-text search: Chinese and English, ranking, snippets, filters,
//! locales, paging, and hostile input.

use serde_json::json;

use crate::helpers::*;

const Q: &str = r#"query($q: String!, $f: ArticleFilter, $l: String, $first: Int, $after: String) {
  search(query: $q, filter: $f, locale: $l, first: $first, after: $after) {
    totalCount edges { cursor score snippet node { slug title locale } } pageInfo { hasNextPage endCursor } } }"#;

async fn search_app() -> (TestApp, ContentDir) {
    let app = spawn_app().await;
    app.import_seed().await;
    let content = ContentDir::new();
    content.write(
        "fed.md",
        yaml_article("Federal Reserve holds rates", "2025-03-01", "tags: [fed]\n"),
    );
    content.write(
        "fed-title.md",
        "---\ntitle: Rates and the Federal Reserve\ndate: 2025-03-02\n---\n\nA long story about many things; the word appears once: reserve.\n",
    );
    content.write(
        "nato.md",
        "---\ntitle: 北约峰会\ndate: 2025-03-03\nlang: zh-CN\n---\n\n北约秘书长表示，成员国将增加国防开支。\n",
    );
    content.write("nato.en.md", yaml_article("NATO summit", "2025-03-03", ""));
    app.import(&[content.path().to_path_buf()]).await;
    (app, content)
}

fn hits(data: &serde_json::Value) -> Vec<String> {
    slugs(&data["search"])
}

#[actix_web::test]
async fn two_character_chinese_words_find_the_seed_article() {
    let (app, _c) = search_app().await;

    for word in ["和谈", "北约"] {
        let data = app.data(Q, json!({ "q": word })).await;
        assert!(hits(&data).contains(&SEED_SLUG.to_owned()), "{word}: {data}");
        let seed_edge = data["search"]["edges"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["node"]["slug"] == SEED_SLUG).cloned())
            .unwrap_or_default();
        let snippet = seed_edge["snippet"].as_str().unwrap_or_default();
        assert!(snippet.contains(&format!("<mark>{word}</mark>")), "{word}: {snippet}");
        assert!(seed_edge["score"].as_f64().unwrap_or(0.0) > 0.0);
    }
    let data = app.data(Q, json!({ "q": "北约" })).await;
    assert_eq!(hits(&data), vec!["nato", SEED_SLUG], "title matches rank first");
}

#[actix_web::test]
async fn names_and_compound_words_of_the_seed_are_found_however_jieba_cuts_them() {
    let (app, _c) = search_app().await;

    for words in ["卢比奥", "美国国务卿", "慕尼黑安全年会", "泽连斯基 北约", "佩斯科夫"] {
        let data = app.data(Q, json!({ "q": words })).await;
        assert_eq!(hits(&data), vec![SEED_SLUG], "{words}");
    }
    let snippet = app.data(Q, json!({ "q": "卢比奥" })).await["search"]["edges"][0]["snippet"].clone();
    assert!(
        snippet.as_str().unwrap_or_default().contains("<mark>卢比奥</mark>"),
        "{snippet}"
    );
    assert_eq!(
        hits(&app.data(Q, json!({ "q": "北京" })).await),
        Vec::<String>::new(),
        "characters far apart do not match"
    );
}

#[actix_web::test]
async fn english_words_all_must_match_and_title_matches_rank_higher() {
    let (app, _c) = search_app().await;

    let data = app.data(Q, json!({ "q": "federal reserve" })).await;
    assert_eq!(data["search"]["totalCount"], 2);
    let scores: Vec<f64> = data["search"]["edges"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["score"].as_f64()).collect())
        .unwrap_or_default();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by score: {scores:?}");
    assert_eq!(
        hits(&app.data(Q, json!({ "q": "federal nowhere" })).await),
        Vec::<String>::new()
    );
    assert_eq!(
        hits(&app.data(Q, json!({ "q": "FEDERAL" })).await).len(),
        2,
        "case does not matter"
    );
}

#[actix_web::test]
async fn hostile_search_strings_are_just_text() {
    let (app, _c) = search_app().await;

    for q in [
        r#"""#,
        r#""federal"#,
        "*",
        "fed*",
        "NEAR(",
        "NEAR(a b)",
        "AND",
        "OR OR",
        "NOT",
        r"\",
        r"\\'",
        "'; DROP TABLE article; --",
        "title:北约",
        "^",
        "(",
        ")",
        "{}",
        "-",
        "+",
    ] {
        let (body, status) = app.graphql(Q, json!({ "q": q })).await;
        assert_eq!(status, actix_web::http::StatusCode::OK, "{q}");
        assert!(body.get("errors").is_none(), "{q}: {body}");
    }
    assert_eq!(hits(&app.data(Q, json!({ "q": "\"federal\"" })).await).len(), 2);
    let (_, code) = app.error(Q, json!({ "q": "x".repeat(300) })).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[actix_web::test]
async fn search_takes_a_filter_and_a_locale() {
    let (app, _c) = search_app().await;

    let filtered = app
        .data(
            Q,
            json!({ "q": "federal reserve", "f": { "tags": { "any": ["fed"] } } }),
        )
        .await;
    assert_eq!(hits(&filtered), vec!["fed"]);
    assert_eq!(filtered["search"]["totalCount"], 1);

    let english = app.data(Q, json!({ "q": "NATO", "l": "en" })).await;
    let edge = &english["search"]["edges"][0];
    assert_eq!(
        edge["node"],
        json!({ "slug": "nato", "title": "NATO summit", "locale": "en" })
    );
    let seed_in_en = app.data(Q, json!({ "q": "北约", "l": "en" })).await;
    assert!(
        hits(&seed_in_en).contains(&"nato".to_owned()),
        "translations are searched and originals too"
    );

    let in_filter = app
        .data("{ articles(filter: { search: \"北约\" }) { totalCount } }", json!({}))
        .await;
    assert_eq!(in_filter["articles"]["totalCount"], 2);
}

#[actix_web::test]
async fn a_hit_serves_the_version_that_matched_unless_a_locale_is_asked_for() {
    let (app, content) = search_app().await;
    content.write("boj.md", yaml_article("Bank of Japan holds rates", "2025-03-04", ""));
    content.write(
        "boj.zh-CN.md",
        "---\ntitle: 日本央行维持利率不变\ndate: 2025-03-04\n---\n\n日本央行周四宣布维持短期政策利率不变。\n",
    );
    app.import(&[content.path().to_path_buf()]).await;

    // Only the translation holds 利率: the hit is that version.
    let data = app.data(Q, json!({ "q": "利率" })).await;
    let edge = &data["search"]["edges"][0];
    assert_eq!(
        edge["node"],
        json!({ "slug": "boj", "title": "日本央行维持利率不变", "locale": "zh-CN" }),
        "{data}"
    );
    let snippet = edge["snippet"].as_str().unwrap_or_default();
    assert!(snippet.contains("<mark>利率</mark>"), "{data}");

    // Asked for English, it is served in English, and the match is elsewhere.
    let english = app.data(Q, json!({ "q": "利率", "l": "en" })).await;
    let edge = &english["search"]["edges"][0];
    assert_eq!(
        edge["node"],
        json!({ "slug": "boj", "title": "Bank of Japan holds rates", "locale": "en" }),
        "{english}"
    );
    assert_eq!(edge["snippet"], serde_json::Value::Null, "{english}");

    // A match in the original is served as the original.
    let original = app.data(Q, json!({ "q": "Japan" })).await;
    assert_eq!(
        original["search"]["edges"][0]["node"],
        json!({ "slug": "boj", "title": "Bank of Japan holds rates", "locale": "en" }),
        "{original}"
    );
}

#[actix_web::test]
async fn search_pages_through_cursors() {
    let (app, _c) = search_app().await;

    let first = app.data(Q, json!({ "q": "reserve", "first": 1 })).await;
    let cursor = first["search"]["pageInfo"]["endCursor"].clone();
    assert_eq!(first["search"]["pageInfo"]["hasNextPage"], true);
    let second = app
        .data(Q, json!({ "q": "reserve", "first": 1, "after": cursor }))
        .await;

    assert_eq!(second["search"]["pageInfo"]["hasNextPage"], false);
    let mut all = hits(&first);
    all.extend(hits(&second));
    all.sort();
    assert_eq!(all, vec!["fed", "fed-title"]);
    let (message, code) = app.error(Q, json!({ "q": "federal", "after": cursor })).await;
    assert_eq!(code, "BAD_USER_INPUT", "a cursor of another query: {message}");
}

#[actix_web::test]
async fn an_edit_keeps_the_index_in_step() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("s.md", yaml_article("Zebra crossing", "2025-01-01", ""));
    app.import(&[content.path().to_path_buf()]).await;
    assert_eq!(hits(&app.data(Q, json!({ "q": "zebra" })).await), vec!["s"]);

    content.write("s.md", yaml_article("Giraffe crossing", "2025-01-01", ""));
    app.import(&[content.path().to_path_buf()]).await;

    assert_eq!(hits(&app.data(Q, json!({ "q": "zebra" })).await), Vec::<String>::new());
    assert_eq!(hits(&app.data(Q, json!({ "q": "giraffe" })).await), vec!["s"]);
}

#[actix_web::test]
async fn rarer_words_weigh_more_in_a_multi_word_search() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    let body = |slug: &str, text: &str| format!("---\ntitle: {slug}\ndate: 2025-01-01\n---\n\n{text}\n");
    content.write("a.md", body("alpha", "common common common rare"));
    content.write("b.md", body("beta", "common rare rare rare"));
    for i in 0..8 {
        content.write(&format!("filler{i}.md"), body("filler", "common words only"));
    }
    app.import(&[content.path().to_path_buf()]).await;

    // Both hold both words four times in all; only the words' document
    // counts (rare is in 2 of 10) put the one with more of the rare word
    // first. PostgreSQL's ts_rank has no document counts: both are found.
    let data = app.data(Q, json!({ "q": "common rare" })).await;
    let mut found = hits(&data);
    if app.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        assert_eq!(found, vec!["b", "a"], "{data}");
    }
    found.sort();
    assert_eq!(found, vec!["a", "b"], "{data}");
}

#[actix_web::test]
async fn a_search_ranks_only_its_window_of_newest_matches() {
    use gazette::query::articles::Scope;
    use gazette::query::keyset::PageRequest;
    use gazette::query::search::{page_within, WordCounts};

    let app = spawn_app().await;
    let content = ContentDir::new();
    for i in 1..=5 {
        content.write(
            &format!("w{i}.md"),
            yaml_article(&format!("Window {i}"), "2025-01-01", ""),
        );
    }
    app.import(&[content.path().to_path_buf()]).await;
    let req = PageRequest::Forward {
        limit: 10,
        after: None,
        before: None,
        sides: gazette::query::keyset::Sides::BOTH,
    };
    let now = gazette::query::articles::Visibility::public(chrono::Utc::now());
    let counts = WordCounts::default();
    let slugs = |rows: &[gazette::query::search::Ranked]| {
        let mut s: Vec<String> = rows.iter().map(|r| r.article.slug.clone()).collect();
        s.sort();
        s
    };

    let all = page_within(&app.db, &Scope::default(), "window", &req, now, &counts, 1000)
        .await
        .expect("search");
    assert_eq!(slugs(&all.rows), vec!["w1", "w2", "w3", "w4", "w5"]);
    let windowed = page_within(&app.db, &Scope::default(), "window", &req, now, &counts, 3)
        .await
        .expect("search");
    assert_eq!(
        slugs(&windowed.rows),
        vec!["w3", "w4", "w5"],
        "the newest indexed three"
    );
    assert!(!windowed.has_next);

    // Counts and filters see every match.
    let data = app
        .data("{ articles(filter: { search: \"window\" }) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["articles"]["totalCount"], 5);
}

#[actix_web::test]
async fn word_counts_are_read_once_and_then_kept() {
    use std::sync::atomic::Ordering;
    let (app, statements) = spawn_counting_app().await;
    let content = ContentDir::new();
    content.write("a.md", yaml_article("Common rare", "2025-01-01", ""));
    app.import(&[content.path().to_path_buf()]).await;
    let q = r#"{ search(query: "common rare") { edges { node { slug } } } }"#;

    let mut counts = Vec::new();
    for _ in 0..2 {
        statements.store(0, Ordering::SeqCst);
        assert_eq!(hits(&app.data(q, json!({})).await), vec!["a"]);
        counts.push(statements.load(Ordering::SeqCst));
    }
    // SQLite reads both words' counts in one statement, the first time only;
    // PostgreSQL's ranking needs none.
    let vocabulary = usize::from(app.db.get_database_backend() == sea_orm::DbBackend::Sqlite);
    assert_eq!(counts[0], counts[1] + vocabulary, "{counts:?}");
}
