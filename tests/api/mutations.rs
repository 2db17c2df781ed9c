//! Editing through GraphQL: authentication, validation per field, and each
//! change landing whole (links, search index, counts) or not at all.

use actix_web::http::header;
use gazette::graphql::Limits;
use gazette::server::{AppData, HttpSettings};
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "s3cret-token";

fn editable(app: &TestApp, token: Option<&str>) -> AppData {
    let settings = HttpSettings {
        admin_token: token.map(str::to_owned),
        ..HttpSettings::default()
    };
    AppData::new(app.state.clone().with_limits(&Limits::default(), true), settings).expect("metrics")
}

async fn mutate(data: &AppData, bearer: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = post(json!({ "query": query, "variables": variables }));
    if let Some(token) = bearer {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    }
    send(data, req).await.json()
}

const CREATE: &str =
    "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id slug title summary tags { slug } } }";

fn new_article() -> Value {
    json!({
        "slug": "breaking", "title": "央行意外降息", "body": "中国人民银行周五意外宣布降息。",
        "publishedAt": "2025-06-01T08:00:00Z", "lang": "zh-CN", "tags": ["Central Banks", "利率"]
    })
}

#[actix_web::test]
async fn writes_need_the_admin_token_and_change_nothing_without_it() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));

    for bearer in [None, Some("wrong")] {
        let reply = mutate(&data, bearer, CREATE, json!({ "input": new_article() })).await;
        assert_eq!(reply["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{reply}");
    }
    assert_eq!(app.article_slugs().await, Vec::<String>::new());

    let disabled = editable(&app, None);
    let reply = mutate(&disabled, Some(TOKEN), CREATE, json!({ "input": new_article() })).await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "FORBIDDEN", "{reply}");

    let reply = mutate(&data, Some(TOKEN), CREATE, json!({ "input": new_article() })).await;
    assert!(reply.get("errors").is_none(), "{reply}");
    assert_eq!(
        reply["data"]["createArticle"]["tags"],
        json!([{ "slug": "central-banks" }, { "slug": "利率" }])
    );
    assert_eq!(
        reply["data"]["createArticle"]["summary"],
        "中国人民银行周五意外宣布降息。"
    );
    assert_eq!(app.article_slugs().await, vec!["breaking"]);
    let found = app
        .data(
            r#"{ search(query: "降息") { totalCount } tag(slug: "central-banks") { articleCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        found,
        json!({ "search": { "totalCount": 1 }, "tag": { "articleCount": 1 } })
    );
}

#[actix_web::test]
async fn bad_fields_are_named_and_a_failed_mutation_changes_nothing() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));
    mutate(&data, Some(TOKEN), CREATE, json!({ "input": new_article() })).await;

    let mut cases = Vec::new();
    for (field, value) in [
        ("slug", json!("a/b")),
        ("slug", json!("")),
        ("title", json!("")),
        ("lang", json!("chinese")),
        ("tags", json!(["!!"])),
        // A shortcode the importer would refuse.
        ("body", json!("Intro.\n\n{{< highlight go >}}\nfunc main() {}\n")),
    ] {
        let mut input = new_article();
        input["slug"] = json!("another");
        input[field] = value;
        cases.push((format!("input.{field}"), input));
    }
    let mut taken = new_article();
    taken["title"] = json!("Same slug");
    cases.push(("input.slug".into(), taken));

    for (field, input) in cases {
        let reply = mutate(&data, Some(TOKEN), CREATE, json!({ "input": input })).await;
        let e = &reply["errors"][0];
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{reply}");
        assert!(
            e["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("`{field}`")),
            "{field}: {reply}"
        );
    }
    assert_eq!(app.article_slugs().await, vec!["breaking"]);
    let article = app.data(r#"{ article(slug: "breaking") { title } }"#, json!({})).await;
    assert_eq!(article["article"]["title"], "央行意外降息");
}

#[actix_web::test]
async fn update_and_delete_keep_links_and_the_index_in_step() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));
    let created = mutate(&data, Some(TOKEN), CREATE, json!({ "input": new_article() })).await;
    let id = created["data"]["createArticle"]["id"].clone();

    let update = "mutation($id: ID!, $input: UpdateArticleInput!) { updateArticle(id: $id, input: $input) { slug title tags { slug } } }";
    let reply = mutate(
        &data,
        Some(TOKEN),
        update,
        json!({ "id": id, "input": { "title": "央行再度降息", "tags": ["Rates"], "slug": "rate-cut" } }),
    )
    .await;
    assert_eq!(
        reply["data"]["updateArticle"],
        json!({ "slug": "rate-cut", "title": "央行再度降息", "tags": [{ "slug": "rates" }] }),
        "{reply}"
    );
    let after = app
        .data(r#"{ old: article(slug: "breaking") { slug } search(query: "再度") { totalCount } tag(slug: "central-banks") { slug } }"#, json!({}))
        .await;
    assert_eq!(
        after,
        json!({ "old": null, "search": { "totalCount": 1 }, "tag": null })
    );

    let reply = mutate(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { deleteArticle(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(reply["data"]["deleteArticle"], id);
    let gone = app
        .data(
            r#"{ articles { totalCount } search(query: "降息") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        gone,
        json!({ "articles": { "totalCount": 0 }, "search": { "totalCount": 0 } })
    );
    let again = mutate(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { deleteArticle(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[actix_web::test]
async fn tags_are_created_renamed_and_deleted() {
    let app = spawn_app().await;
    app.import_seed().await;
    let data = editable(&app, Some(TOKEN));
    let seed_tag = app
        .data(r#"{ tag(slug: "jin10_articles_articles") { id } }"#, json!({}))
        .await["tag"]["id"]
        .clone();

    let created = mutate(
        &data,
        Some(TOKEN),
        r#"mutation { createTag(name: "Federal Reserve") { slug name } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        created["data"]["createTag"],
        json!({ "slug": "federal-reserve", "name": "Federal Reserve" })
    );
    let twice = mutate(
        &data,
        Some(TOKEN),
        r#"mutation { createTag(name: "federal reserve") { slug } }"#,
        json!({}),
    )
    .await;
    assert_eq!(twice["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let renamed = mutate(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { renameTag(id: $id, name: \"金十\") { slug name } }",
        json!({ "id": seed_tag }),
    )
    .await;
    assert_eq!(
        renamed["data"]["renameTag"],
        json!({ "slug": "jin10_articles_articles", "name": "金十" })
    );
    // The site's view of the taxonomy (`Term`) is renamed with it.
    let term = app
        .data(
            r#"{ term(taxonomy: "tags", slug: "jin10_articles_articles") { name relPermalink articleCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        term["term"],
        json!({ "name": "金十", "relPermalink": "/tags/jin10_articles_articles/", "articleCount": 1 })
    );
    let wrong_kind = mutate(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { renameCategory(id: $id, name: \"x\") { slug } }",
        json!({ "id": seed_tag }),
    )
    .await;
    assert_eq!(wrong_kind["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    mutate(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { deleteTag(id: $id) }",
        json!({ "id": seed_tag }),
    )
    .await;
    let seed = app
        .data(
            r#"{ article(slug: "000_4da7ae27dc7d0813") { tags { slug } categories { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        seed["article"],
        json!({ "tags": [], "categories": [{ "slug": "jin10_articles_articles" }] })
    );
    let terms = app
        .data(
            r#"{ article(slug: "000_4da7ae27dc7d0813") { tags: terms(taxonomy: "tags") { slug } categories: terms(taxonomy: "categories") { slug } }
                 term(taxonomy: "tags", slug: "jin10_articles_articles") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        terms,
        json!({ "article": { "tags": [], "categories": [{ "slug": "jin10_articles_articles" }] }, "term": null })
    );

    // An edit's tags are the site's `tags` terms too, with their URLs.
    let created = mutate(&data, Some(TOKEN), CREATE, json!({ "input": new_article() })).await;
    let id = created["data"]["createArticle"]["id"].clone();
    let edited = mutate(
        &data,
        Some(TOKEN),
        "mutation($id: ID!) { updateArticle(id: $id, input: { tags: [\"Rates\"] }) { terms(taxonomy: \"tags\") { slug relPermalink } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        edited["data"]["updateArticle"]["terms"],
        json!([{ "slug": "rates", "relPermalink": "/tags/rates/" }])
    );
}

/// Sends every body at once through one app, as concurrent editors would.
async fn all_at_once(data: &AppData, bodies: Vec<(&str, Value)>) -> Vec<Value> {
    let sends = bodies
        .into_iter()
        .map(|(query, variables)| mutate(data, Some(TOKEN), query, variables));
    futures_util::future::join_all(sends).await
}

#[actix_web::test]
async fn concurrent_creates_of_one_slug_make_one_article_and_name_the_slug_to_the_others() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));
    let bodies = (0..16)
        .map(|i| {
            let mut input = new_article();
            input["title"] = json!(format!("Edition {i}"));
            (CREATE, json!({ "input": input }))
        })
        .collect();
    let replies = all_at_once(&data, bodies).await;

    let won: Vec<&Value> = replies.iter().filter(|r| r.get("errors").is_none()).collect();
    assert_eq!(won.len(), 1, "exactly one create wins: {replies:?}");
    for lost in replies.iter().filter(|r| r.get("errors").is_some()) {
        let error = &lost["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{lost}");
        assert_eq!(error["message"], "`input.slug`: `breaking` is taken", "{lost}");
    }
    // The winner's article is the one stored: nobody overwrote it.
    let stored = app.data(r#"{ article(slug: "breaking") { title } }"#, json!({})).await;
    assert_eq!(stored["article"]["title"], won[0]["data"]["createArticle"]["title"]);
    assert_eq!(app.article_slugs().await, vec!["breaking"]);
}

#[actix_web::test]
async fn articles_introducing_one_new_tag_at_once_all_land_and_share_it() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));
    let bodies = (0..8)
        .map(|i| {
            let mut input = new_article();
            input["slug"] = json!(format!("story-{i}"));
            input["tags"] = json!(["Rate Cuts"]);
            input["categories"] = json!(["Markets"]);
            (CREATE, json!({ "input": input }))
        })
        .collect();
    for reply in all_at_once(&data, bodies).await {
        assert!(reply.get("errors").is_none(), "{reply}");
    }
    let terms = app
        .data(
            r#"{ tags { edges { node { slug articleCount } } } categories { edges { node { slug articleCount } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        terms,
        json!({
            "tags": { "edges": [{ "node": { "slug": "rate-cuts", "articleCount": 8 } }] },
            "categories": { "edges": [{ "node": { "slug": "markets", "articleCount": 8 } }] }
        })
    );
}

#[actix_web::test]
async fn concurrent_creates_of_one_tag_make_one_tag_and_name_the_name_to_the_others() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));
    let create = r#"mutation($name: String!) { createTag(name: $name) { slug } }"#;
    let bodies = (0..8)
        .map(|i| {
            let name = if i % 2 == 0 {
                "Federal Reserve"
            } else {
                "federal reserve"
            };
            (create, json!({ "name": name }))
        })
        .collect();
    let replies = all_at_once(&data, bodies).await;
    let won = replies.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(won, 1, "{replies:?}");
    for lost in replies.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(lost["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{lost}");
        assert_eq!(
            lost["errors"][0]["message"], "`input.name`: a tag with slug `federal-reserve` exists",
            "{lost}"
        );
    }
}

/// A term's lists read the link rows' copies of each article's date and
/// visibility (migration 20): a write that moves, hides or re-tags an
/// article must move it in the tag page, the tag filter's date range and
/// their counts at once.
#[actix_web::test]
async fn a_write_moves_an_article_in_its_terms_lists_and_counts() {
    let app = spawn_app().await;
    let data = editable(&app, Some(TOKEN));
    let mut ids = Vec::new();
    for (slug, at) in [
        ("a", "2025-06-01T08:00:00Z"),
        ("b", "2025-06-02T08:00:00Z"),
        ("c", "2025-06-03T08:00:00Z"),
    ] {
        let input = json!({ "slug": slug, "title": slug, "body": "Rates.", "publishedAt": at,
            "lang": "en", "tags": ["Rates"], "categories": ["Markets"] });
        let created = mutate(&data, Some(TOKEN), CREATE, json!({ "input": input })).await;
        ids.push(created["data"]["createArticle"]["id"].clone());
    }
    let lists = r#"{
        tag(slug: "rates") { articles(first: 10) { totalCount edges { node { slug } } } }
        category(slug: "markets") { articles(first: 2) { totalCount edges { node { slug } } pageInfo { hasNextPage } } }
        june: articles(filter: { tags: { any: ["rates"] }, publishedAt: { gte: "2025-06-01T00:00:00Z", lt: "2025-06-03T00:00:00Z" } }) {
            totalCount edges { node { slug } } }
    }"#;
    let view = |v: &Value| {
        json!({
            "tag": slugs(&v["tag"]["articles"]), "tagCount": v["tag"]["articles"]["totalCount"],
            "category": slugs(&v["category"]["articles"]), "categoryCount": v["category"]["articles"]["totalCount"],
            "june": slugs(&v["june"]), "juneCount": v["june"]["totalCount"],
        })
    };
    assert_eq!(
        view(&app.data(lists, json!({})).await),
        json!({ "tag": ["c", "b", "a"], "tagCount": 3, "category": ["c", "b"], "categoryCount": 3,
                "june": ["b", "a"], "juneCount": 2 })
    );

    let update = "mutation($id: ID!, $input: UpdateArticleInput!) { updateArticle(id: $id, input: $input) { slug } }";
    // `a` becomes the newest: first in every list, out of the June 1–2 range.
    mutate(
        &data,
        Some(TOKEN),
        update,
        json!({ "id": ids[0], "input": { "publishedAt": "2025-07-01T00:00:00Z" } }),
    )
    .await;
    assert_eq!(
        view(&app.data(lists, json!({})).await),
        json!({ "tag": ["a", "c", "b"], "tagCount": 3, "category": ["a", "c"], "categoryCount": 3,
                "june": ["b"], "juneCount": 1 })
    );
    // `c` becomes a draft: gone from every list and count.
    mutate(
        &data,
        Some(TOKEN),
        update,
        json!({ "id": ids[2], "input": { "draft": true } }),
    )
    .await;
    // `b` leaves the tag (it stays in the category).
    mutate(
        &data,
        Some(TOKEN),
        update,
        json!({ "id": ids[1], "input": { "tags": ["Bonds"] } }),
    )
    .await;
    assert_eq!(
        view(&app.data(lists, json!({})).await),
        json!({ "tag": ["a"], "tagCount": 1, "category": ["a", "b"], "categoryCount": 2,
                "june": [], "juneCount": 0 })
    );
}
