//! `ArticleFilter`, facets and `languages`, checked against a reference
//! computed from the generated corpus.

use serde_json::json;

use crate::helpers::*;

fn has(list: &[String], slug: &str) -> bool {
    list.iter().any(|t| t == slug)
}

#[actix_web::test]
async fn every_filter_and_their_combinations_match_the_reference() {
    let (app, _dir, specs) = app_with_corpus(240).await;
    let t = |s: &Spec, tag: &str| has(&s.tags, tag);
    let jan2 = chrono::DateTime::parse_from_rfc3339("2021-01-02T00:00:00Z")
        .map(|d| d.to_utc())
        .unwrap_or_default();
    let jan3 = chrono::DateTime::parse_from_rfc3339("2021-01-03T00:00:00Z")
        .map(|d| d.to_utc())
        .unwrap_or_default();

    let cases: Vec<(serde_json::Value, Vec<String>)> = vec![
        (
            json!({ "tags": { "any": ["t1", "t2"] } }),
            expected(&specs, |s| t(s, "t1") || t(s, "t2")),
        ),
        (
            json!({ "tags": { "all": ["t1", "t0"] } }),
            expected(&specs, |s| t(s, "t1") && t(s, "t0")),
        ),
        (json!({ "tags": { "none": ["t1"] } }), expected(&specs, |s| !t(s, "t1"))),
        (
            json!({ "tags": { "any": ["t1", "t3"], "none": ["t4"] }, "categories": { "any": ["c0"] } }),
            expected(&specs, |s| {
                (t(s, "t1") || t(s, "t3")) && !t(s, "t4") && has(&s.categories, "c0")
            }),
        ),
        (
            json!({ "categories": { "all": ["c1"] } }),
            expected(&specs, |s| has(&s.categories, "c1")),
        ),
        (
            json!({ "locale": "en" }),
            expected(&specs, |s| s.locales().contains(&"en")),
        ),
        (
            json!({ "locale": "fr" }),
            expected(&specs, |s| s.locales().contains(&"fr")),
        ),
        (
            json!({ "publishedAt": { "gte": "2021-01-02T00:00:00Z", "lt": "2021-01-03T00:00:00Z" } }),
            expected(&specs, |s| s.published >= jan2 && s.published < jan3),
        ),
        (json!({ "hasThumbnail": true }), expected(&specs, |s| s.thumbnail)),
        (json!({ "hasThumbnail": false }), expected(&specs, |s| !s.thumbnail)),
        (
            json!({ "or": [{ "tags": { "any": ["t5"] } }, { "hasThumbnail": true }] }),
            expected(&specs, |s| t(s, "t5") || s.thumbnail),
        ),
        (
            json!({ "and": [{ "tags": { "any": ["t5"] } }, { "not": { "locale": "en" } }] }),
            expected(&specs, |s| t(s, "t5") && !s.locales().contains(&"en")),
        ),
        (
            json!({ "not": { "or": [{ "categories": { "any": ["c0"] } }, { "tags": { "any": ["t9"] } }] } }),
            expected(&specs, |s| !(has(&s.categories, "c0") || t(s, "t9"))),
        ),
        (json!({ "tags": { "any": ["no-such-tag"] } }), vec![]),
        (json!({ "tags": { "any": [] } }), expected(&specs, |_| true)),
    ];

    for (filter, reference) in cases {
        assert!(
            !reference.is_empty() || filter["tags"]["any"][0] == "no-such-tag",
            "a vacuous case: {filter}"
        );
        let (got, total) = walk(&app, filter.clone(), json!(null)).await;
        assert_eq!(got, reference, "filter {filter}");
        assert_eq!(
            total,
            i64::try_from(reference.len()).unwrap_or(-1),
            "totalCount under {filter}"
        );
    }
}

#[actix_web::test]
async fn nested_connection_counts_follow_the_parent() {
    let (app, _dir, specs) = app_with_corpus(60).await;

    let data = app
        .data(r#"{ tag(slug: "t3") { articleCount articles(first: 2) { totalCount pageCount edges { node { slug } } } } }"#, json!({}))
        .await;

    let reference = expected(&specs, |s| has(&s.tags, "t3"));
    let tag = &data["tag"];
    assert_eq!(tag["articleCount"], reference.len());
    assert_eq!(tag["articles"]["totalCount"], reference.len());
    assert_eq!(tag["articles"]["pageCount"], reference.len().div_ceil(2));
    assert_eq!(slugs(&tag["articles"]), reference[..2]);
}

#[actix_web::test]
async fn nested_lists_page_from_either_end_for_every_parent() {
    let (app, _dir, specs) = app_with_corpus(40).await;
    let q = r#"{ categories { edges { node { slug
        newest: articles(first: 2) { edges { node { slug } } pageInfo { hasPreviousPage hasNextPage } }
        oldest: articles(last: 2) { edges { node { slug } } pageInfo { hasPreviousPage hasNextPage } } } } } }"#;

    let data = app.data(q, json!({})).await;

    let edges = data["categories"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(edges.len(), 3);
    for edge in edges {
        let node = &edge["node"];
        let slug = node["slug"].as_str().unwrap_or_default().to_owned();
        let all = expected(&specs, |s| has(&s.categories, &slug));
        assert_eq!(slugs(&node["newest"]), all[..2], "{slug}");
        assert_eq!(
            node["newest"]["pageInfo"],
            json!({ "hasPreviousPage": false, "hasNextPage": true })
        );
        assert_eq!(slugs(&node["oldest"]), all[all.len() - 2..], "{slug}");
        assert_eq!(
            node["oldest"]["pageInfo"],
            json!({ "hasPreviousPage": true, "hasNextPage": false })
        );
    }
}

#[actix_web::test]
async fn facets_count_within_the_current_filter() {
    let (app, _dir, specs) = app_with_corpus(120).await;
    let q = r#"query($f: ArticleFilter) { articles(first: 1, filter: $f) { totalCount facets {
        tags(first: 3) { tag { slug } count } categories { category { slug } count } languages { code count } } } }"#;

    let data = app.data(q, json!({ "f": { "categories": { "any": ["c1"] } } })).await;

    let in_c1: Vec<&Spec> = specs.iter().filter(|s| has(&s.categories, "c1")).collect();
    let facets = &data["articles"]["facets"];
    assert_eq!(
        facets["categories"],
        json!([{ "category": { "slug": "c1" }, "count": in_c1.len() }])
    );
    let mut tag_counts: Vec<(String, usize)> = (0..10)
        .map(|i| format!("t{i}"))
        .map(|t| {
            let n = in_c1.iter().filter(|s| has(&s.tags, &t)).count();
            (t, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    tag_counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let want: Vec<serde_json::Value> = tag_counts
        .iter()
        .take(3)
        .map(|(t, n)| json!({ "tag": { "slug": t }, "count": n }))
        .collect();
    assert_eq!(facets["tags"], json!(want));
    let zh = in_c1.iter().filter(|s| s.locales().contains(&"zh-CN")).count();
    let en = in_c1.iter().filter(|s| s.locales().contains(&"en")).count();
    let languages = facets["languages"].as_array().cloned().unwrap_or_default();
    assert!(
        languages.contains(&json!({ "code": "zh-CN", "count": zh })),
        "{languages:?}"
    );
    assert!(
        languages.contains(&json!({ "code": "en", "count": en })),
        "{languages:?}"
    );
}

#[actix_web::test]
async fn languages_lists_every_locale_with_its_article_count() {
    let (app, _dir, specs) = app_with_corpus(30).await;

    let data = app.data("{ languages { code articleCount } }", json!({})).await;

    let count = |l: &str| specs.iter().filter(|s| s.locales().contains(&l)).count();
    let mut want = [("zh-CN", count("zh-CN")), ("en", count("en")), ("fr", count("fr"))];
    want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let want: Vec<serde_json::Value> = want
        .iter()
        .map(|(c, n)| json!({ "code": c, "articleCount": n }))
        .collect();
    assert_eq!(data["languages"], json!(want));
}

#[actix_web::test]
async fn a_filter_too_large_or_too_deep_is_refused() {
    let app = spawn_app().await;
    let mut deep = json!({ "hasThumbnail": true });
    for _ in 0..6 {
        deep = json!({ "not": deep });
    }
    let wide = json!({ "or": (0..40).map(|_| json!({ "hasThumbnail": true })).collect::<Vec<_>>() });
    let q = "query($f: ArticleFilter) { articles(filter: $f) { totalCount } }";

    for filter in [deep, wide, json!({ "locale": "not a locale" })] {
        let (message, code) = app.error(q, json!({ "f": filter })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{message}");
        assert!(message.contains("`filter"), "{message}");
    }
}
