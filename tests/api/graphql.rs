//! The GraphQL API through the actix app: look-ups, pagination, locales,
//! bad arguments, and the other routes.

use actix_web::http::StatusCode;
use actix_web::test;
use gazette::server;
use serde_json::{json, Value};

use crate::helpers::*;

/// An app holding `n` articles dated one day apart (`a00` oldest), all tagged `t`.
async fn app_with_articles(n: usize) -> (TestApp, ContentDir) {
    let app = spawn_app().await;
    let content = ContentDir::new();
    for i in 0..n {
        let extra = if i % 2 == 0 {
            "tags: [t, even]\ncategories: [c]\n"
        } else {
            "tags: [t]\n"
        };
        content.write(
            &format!("a{i:02}.md"),
            yaml_article(&format!("A{i}"), &format!("2025-01-{:02}", i + 1), extra),
        );
    }
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!(summary.imported, n);
    (app, content)
}

#[actix_web::test]
async fn article_by_slug_returns_null_for_an_unknown_slug() {
    let app = spawn_app().await;
    app.import_seed().await;

    let data = app.data(r#"{ article(slug: "nope") { slug } }"#, json!({})).await;

    assert_eq!(data["article"], json!(null));
}

#[actix_web::test]
async fn articles_page_newest_first_through_cursors_to_the_end() {
    let (app, _content) = app_with_articles(7).await;
    let q = "query($after: String) { articles(first: 3, after: $after) { totalCount edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";

    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let c = app.data(q, json!({ "after": after })).await["articles"].clone();
        assert_eq!(c["totalCount"], 7);
        assert_eq!(c["pageInfo"]["hasPreviousPage"], pages > 0);
        seen.extend(slugs(&c));
        pages += 1;
        if c["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }

    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).rev().map(|i| format!("a{i:02}")).collect();
    assert_eq!(seen, expected);
}

#[actix_web::test]
async fn first_outside_zero_to_a_hundred_is_a_bad_user_input_naming_it() {
    let app = spawn_app().await;

    for first in [101, -1] {
        let (message, code) = app
            .error(
                "query($f: Int) { articles(first: $f) { totalCount } }",
                json!({ "f": first }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert!(message.contains("`first`"), "{message}");
    }
    let (_, code) = app.error("{ tags(first: 1000) { totalCount } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let data = app
        .data(
            "{ articles(first: 0) { edges { cursor } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["articles"]["edges"], json!([]));
}

#[actix_web::test]
async fn a_garbage_cursor_or_one_from_another_list_is_a_bad_user_input() {
    let (app, _content) = app_with_articles(3).await;
    let tags = app
        .data("{ tags(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let tag_cursor = tags["tags"]["pageInfo"]["endCursor"].clone();

    for after in [json!("garbage!!"), json!("Zm9v"), tag_cursor] {
        let (message, code) = app
            .error(
                "query($a: String) { articles(after: $a) { totalCount } }",
                json!({ "a": after }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{after}");
        assert!(message.contains("`after`"), "{message}");
    }
}

#[actix_web::test]
async fn tags_and_categories_list_their_articles_and_counts() {
    let (app, _content) = app_with_articles(5).await;

    let data = app
        .data(
            r#"{
              tags { totalCount edges { node { slug articleCount } } }
              categories { edges { node { slug name } } }
              tag(slug: "even") { name articleCount articles(first: 2) { totalCount edges { node { slug } } pageInfo { hasNextPage } } }
              category(slug: "c") { articles { totalCount } }
              missing: tag(slug: "nope") { slug }
            }"#,
            json!({}),
        )
        .await;

    assert_eq!(data["tags"]["totalCount"], 2);
    assert_eq!(
        data["tags"]["edges"],
        json!([{ "node": { "slug": "even", "articleCount": 3 } }, { "node": { "slug": "t", "articleCount": 5 } }])
    );
    assert_eq!(
        data["categories"]["edges"],
        json!([{ "node": { "slug": "c", "name": "c" } }])
    );
    let even = &data["tag"];
    assert_eq!(even["articleCount"], 3);
    assert_eq!(even["articles"]["totalCount"], 3);
    assert_eq!(slugs(&even["articles"]), vec!["a04", "a02"]);
    assert_eq!(even["articles"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(data["category"]["articles"]["totalCount"], 3);
    assert_eq!(data["missing"], json!(null));
}

#[actix_web::test]
async fn a_locale_serves_the_best_translation_and_says_which() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("s.md", yaml_article("原文", "2025-01-01", "lang: zh-CN\n"));
    content.write("s.en.md", yaml_article("English", "2025-01-01", ""));
    content.write("s.zh-TW.md", yaml_article("繁體", "2025-01-01", ""));
    app.import(&[content.path().to_path_buf()]).await;
    let q = r#"query($l: String) { article(slug: "s", locale: $l) { title locale body } }"#;

    for (requested, title, served) in [
        (json!(null), "原文", "zh-CN"),
        (json!("en"), "English", "en"),
        (json!("en-GB"), "English", "en"),
        (json!("zh-TW"), "繁體", "zh-TW"),
        (json!("zh-HK"), "原文", "zh-CN"),
        (json!("fr"), "原文", "zh-CN"),
    ] {
        let a = &app.data(q, json!({ "l": requested })).await["article"];
        assert_eq!(
            (a["title"].as_str(), a["locale"].as_str()),
            (Some(title), Some(served)),
            "for {requested}"
        );
    }
    let list = app
        .data(
            r#"{ articles(locale: "en") { edges { node { title locale } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        list["articles"]["edges"][0]["node"],
        json!({ "title": "English", "locale": "en" })
    );
    let (_, code) = app
        .error(r#"{ article(slug: "s", locale: "not a locale") { title } }"#, json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[actix_web::test]
async fn graphql_answers_get_requests_too() {
    let app = spawn_app().await;
    app.import_seed().await;
    let service = test::init_service(server::app(app.app_data())).await;

    let req = test::TestRequest::get()
        .uri("/graphql?query=%7Barticles%7BtotalCount%7D%7D")
        .to_request();
    let body: Value = test::call_and_read_body_json(&service, req).await;

    assert_eq!(body["data"]["articles"]["totalCount"], 1);
}

#[actix_web::test]
async fn graphiql_is_served_at_the_root_with_its_assets_and_healthz_answers() {
    let app = spawn_app().await;
    let service = test::init_service(server::app(app.app_data())).await;

    let resp = test::call_service(&service, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).expect("utf-8");
    assert!(html.contains("query FrontPage") && html.contains("/graphql"), "{html}");
    assert!(
        !html.contains("unpkg") && !html.contains("https://"),
        "assets come from this server"
    );
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        let resp = test::call_service(
            &service,
            test::TestRequest::get().uri(&format!("/graphiql/{asset}")).to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
        assert!(test::read_body(resp).await.len() > 1000, "{asset}");
    }

    let resp = test::call_service(&service, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[actix_web::test]
async fn every_example_operation_in_graphiql_runs_on_the_bundled_content() {
    let app = spawn_app().await;
    let summary = app
        .import(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content")])
        .await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let doc = gazette::server::graphiql::DEFAULT_DOCUMENT;
    let parsed = async_graphql::parser::parse_query(doc).expect("the default document parses");
    let names: Vec<String> = parsed
        .operations
        .iter()
        .filter_map(|(n, _)| n.map(|n| n.to_string()))
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");

    for name in names {
        let body = json!({ "query": doc, "operationName": name });
        let (reply, status) = app.graphql_raw(body).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(reply.get("errors").is_none(), "{name}: {reply}");
        let text = reply["data"].to_string();
        assert!(text.len() > 100, "{name} shows real data: {text}");
        if name == "FrontPage" || name == "ArticleBySlug" {
            assert!(text.contains("特朗普欲“单飞”和谈惹众怒"), "{name}: {text}");
        }
    }
}

#[actix_web::test]
async fn every_depth_refusal_carries_the_depth_limits_code_and_message() {
    let app = spawn_app().await;
    app.import_seed().await;
    // article(1) related(levels) slug(1)
    let nested = |levels: usize| {
        format!(
            "{{ article(slug: \"{SEED_SLUG}\") {{ {} slug {} }} }}",
            "related { ".repeat(levels),
            "} ".repeat(levels)
        )
    };
    let (_, limit_status) = app.graphql(&nested(11), json!({})).await;
    // Just over the limit (validation), past async-graphql's recursion
    // check (32 selection sets) and past its parser's recursion limit (64).
    for levels in [11, 30, 40, 70] {
        let depth = levels + 2;
        let expected = (
            format!("query depth is {depth}; the limit is 12"),
            "QUERY_TOO_DEEP".to_owned(),
        );
        let q = nested(levels);
        let (body, status) = app.graphql(&q, json!({})).await;
        assert_eq!(status, limit_status, "{levels}: {body}");
        assert_eq!(app.error(&q, json!({})).await, expected, "over HTTP, {levels} levels");

        // The schema WebSocket subscriptions run on parses for itself.
        let direct = app.state.schema.execute(async_graphql::Request::new(q.clone())).await;
        let e = direct.errors.first().map(|e| {
            let code = e.extensions.as_ref().and_then(|x| x.get("code")).cloned();
            (e.message.clone(), code)
        });
        assert_eq!(
            e,
            Some((expected.0.clone(), Some(async_graphql::Value::from("QUERY_TOO_DEEP")))),
            "on the schema, {levels} levels"
        );
        let via_api = app.state.execute(async_graphql::Request::new(q)).await;
        assert_eq!(
            via_api.errors.first().map(|e| e.message.clone()),
            Some(expected.0),
            "through Api::execute, {levels} levels"
        );
    }
}

#[actix_web::test]
async fn a_cost_too_large_to_count_is_refused_not_wrapped_around() {
    let app = spawn_app().await;
    app.import_seed().await;
    // Depth 12, the limit; 100^10 related articles cost more than a usize
    // holds, which once overflowed (a panic in debug builds; in release a
    // cost that wrapped past the limit back to almost nothing).
    let q = format!(
        "{{ article(slug: \"{SEED_SLUG}\") {{ {} slug {} }} }}",
        "related(first: 100) { ".repeat(10),
        "} ".repeat(10)
    );
    let (message, code) = app.error(&q, json!({})).await;
    assert_eq!(code, "QUERY_TOO_COMPLEX", "{message}");
}
