//! Relay pagination over a generated corpus: both directions walked to the
//! end in every order, numbered pages, and the page flags.

use serde_json::{json, Value};

use crate::helpers::*;

async fn walk_backward(app: &TestApp, order: &Value) -> Vec<String> {
    let q = "query($o: ArticleOrder, $before: String) {
        articles(last: 100, before: $before, orderBy: $o) {
          edges { node { slug } } pageInfo { hasPreviousPage hasNextPage startCursor } } }";
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before = Value::Null;
    loop {
        let c = app.data(q, json!({ "o": order, "before": before })).await["articles"].clone();
        assert_eq!(
            c["pageInfo"]["hasNextPage"],
            !pages.is_empty(),
            "hasNextPage going backwards"
        );
        pages.push(slugs(&c));
        if c["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = c["pageInfo"]["startCursor"].clone();
    }
    pages.into_iter().rev().flatten().collect()
}

#[actix_web::test]
async fn both_directions_visit_every_article_once_in_every_order() {
    let (app, _dir, specs) = app_with_corpus(2000).await;

    let mut by_title: Vec<&Spec> = specs.iter().collect();
    by_title.sort_by(|a, b| a.title.cmp(&b.title).then(a.index.cmp(&b.index)));
    let mut by_updated: Vec<&Spec> = specs.iter().collect();
    by_updated.sort_by(|a, b| a.updated.cmp(&b.updated).then(a.index.cmp(&b.index)));
    let cases = [
        (json!(null), expected(&specs, |_| true)),
        (
            json!({ "field": "TITLE", "direction": "ASC" }),
            by_title.iter().map(|s| s.slug.clone()).collect(),
        ),
        (
            json!({ "field": "UPDATED_AT", "direction": "ASC" }),
            by_updated.iter().map(|s| s.slug.clone()).collect(),
        ),
    ];

    for (order, reference) in cases {
        let (forward, total) = walk(&app, json!(null), order.clone()).await;
        assert_eq!(total, 2000);
        assert_eq!(forward.len(), reference.len(), "forward count for {order}");
        assert!(forward == reference, "forward order differs for {order}");
        let backward = walk_backward(&app, &order).await;
        assert!(backward == reference, "backward order differs for {order}");
    }
}

#[actix_web::test]
async fn page_flags_are_exact_around_cursors() {
    let (app, _dir, specs) = app_with_corpus(10).await;
    let all = expected(&specs, |_| true);
    let q = "query($first: Int, $after: String, $last: Int, $before: String) {
        articles(first: $first, after: $after, last: $last, before: $before) {
          edges { cursor node { slug } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

    let first3 = app.data(q, json!({ "first": 3 })).await["articles"].clone();
    assert_eq!(slugs(&first3), all[..3]);
    assert_eq!(first3["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(first3["pageInfo"]["hasNextPage"], true);
    let cursor3 = first3["pageInfo"]["endCursor"].clone();

    let before = app.data(q, json!({ "last": 2, "before": cursor3 })).await["articles"].clone();
    assert_eq!(slugs(&before), all[..2]);
    assert_eq!(before["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(before["pageInfo"]["hasNextPage"], true);

    let next = app.data(q, json!({ "first": 100, "after": cursor3 })).await["articles"].clone();
    assert_eq!(slugs(&next), all[3..]);
    assert_eq!(next["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(next["pageInfo"]["hasNextPage"], false);

    let last = app.data(q, json!({ "last": 4 })).await["articles"].clone();
    assert_eq!(slugs(&last), all[6..]);
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(last["pageInfo"]["hasNextPage"], false);
}

#[actix_web::test]
async fn numbered_pages_give_page_count_and_the_right_slice() {
    let (app, _dir, specs) = app_with_corpus(45).await;
    let all = expected(&specs, |_| true);
    let q = "query($p: Int, $pp: Int) { articles(page: $p, perPage: $pp) {
        totalCount pageCount edges { node { slug } } pageInfo { hasPreviousPage hasNextPage } } }";

    let p3 = app.data(q, json!({ "p": 3, "pp": 20 })).await["articles"].clone();

    assert_eq!(
        (p3["totalCount"].as_i64(), p3["pageCount"].as_i64()),
        (Some(45), Some(3))
    );
    assert_eq!(slugs(&p3), all[40..]);
    assert_eq!(p3["pageInfo"], json!({ "hasPreviousPage": true, "hasNextPage": false }));
    let p1 = app.data(q, json!({ "p": 1, "pp": 20 })).await["articles"].clone();
    assert_eq!(slugs(&p1), all[..20]);
    assert_eq!(p1["pageInfo"], json!({ "hasPreviousPage": false, "hasNextPage": true }));

    for (vars, arg) in [
        (json!({ "p": 0 }), "`page`"),
        (json!({ "p": 1, "pp": 101 }), "`perPage`"),
        (json!({ "p": 1, "pp": 0 }), "`perPage`"),
    ] {
        let (message, code) = app.error(q, vars).await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert!(message.contains(arg), "{message}");
    }
    let (message, code) = app
        .error("{ articles(page: 2, first: 3) { totalCount } }", json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("cannot be combined"), "{message}");
}

#[actix_web::test]
async fn a_cursor_from_another_ordering_or_a_bad_last_is_refused() {
    let (app, _dir, _) = app_with_corpus(5).await;
    let c = app
        .data("{ articles(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let cursor = c["articles"]["pageInfo"]["endCursor"].clone();

    let q = "query($c: String) { articles(after: $c, orderBy: { field: TITLE }) { totalCount } }";
    let (message, code) = app.error(q, json!({ "c": cursor })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("another list or ordering"), "{message}");

    let (message, code) = app
        .error(
            "query($c: String) { search(query: \"x\", after: $c) { totalCount } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");

    // A well-formed cursor of this list whose key is text, where a time is expected.
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("articles:published_at_desc#1|sfoo");
    let q = "query($c: String) { articles(after: $c) { totalCount } }";
    let (message, code) = app.error(q, json!({ "c": forged })).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");

    for q in [
        "{ articles(last: 101) { totalCount } }",
        "{ articles(last: -1) { totalCount } }",
    ] {
        let (message, code) = app.error(q, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert!(message.contains("`last`"), "{message}");
    }
    let (_, code) = app
        .error("{ articles(first: 1, last: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}
