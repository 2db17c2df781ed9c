//! A Rust client typed from `schema.graphql` with graphql_client, running
//! the operations in tests/operations: a schema change that breaks a
//! client's operations breaks this test at compile time.

use graphql_client::{GraphQLQuery, Response};

use crate::helpers::*;

/// The schema's custom scalar these operations use, as a client maps it.
type DateTime = String;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/operations/front_page.graphql",
    response_derives = "Debug"
)]
struct FrontPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/operations/article.graphql",
    response_derives = "Debug"
)]
struct ArticlePage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/operations/article_ast.graphql",
    response_derives = "Debug"
)]
struct ArticleAst;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/operations/search.graphql",
    response_derives = "Debug",
    variables_derives = "Default"
)]
struct Search;

async fn run<Q: GraphQLQuery>(app: &TestApp, variables: Q::Variables) -> Q::ResponseData {
    let body = serde_json::to_value(Q::build_query(variables)).expect("request JSON");
    let (reply, _) = app.graphql_raw(body).await;
    let response: Response<Q::ResponseData> = serde_json::from_value(reply.clone()).expect("typed response");
    assert!(response.errors.is_none(), "{reply}");
    response.data.expect("data")
}

#[actix_web::test]
async fn typed_operations_run_against_the_app() {
    let app = spawn_app().await;
    app.import(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content")])
        .await;

    let front = run::<FrontPage>(&app, front_page::Variables { first: Some(10) }).await;
    assert_eq!(front.articles.total_count, 3);
    let seed = front
        .articles
        .edges
        .iter()
        .find(|e| e.node.slug == SEED_SLUG)
        .expect("the seed article");
    assert_eq!(seed.node.title, "特朗普欲“单飞”和谈惹众怒，承诺基辅可以参与俄乌谈判");
    assert_eq!(seed.node.tags[0].slug, "jin10_articles_articles");

    let vars = article_page::Variables {
        slug: SEED_SLUG.into(),
        locale: Some("en".into()),
    };
    let article = run::<ArticlePage>(&app, vars).await.article.expect("found");
    assert_eq!(article.locale, "en");
    assert_eq!(article.available_locales, vec!["zh-CN", "en"]);
    assert!(
        article.body.contains("<h2 id=\"a-seat-at-the-table\">"),
        "{}",
        article.body
    );
    assert_eq!(article.table_of_contents[0].anchor, "a-seat-at-the-table");
    assert_eq!(article.display.widgets, vec!["search", "recent", "taglist"]);

    let vars = article_ast::Variables {
        slug: SEED_SLUG.into(),
        locale: Some("en".into()),
    };
    let article = run::<ArticleAst>(&app, vars).await.article.expect("found");
    let tree: serde_json::Value = serde_json::from_str(&article.ast).expect("the AST is JSON");
    assert_eq!(tree["type"], "root");
    let heading = tree["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|n| n["type"] == "heading")
        .expect("a heading");
    assert_eq!(
        heading["data"]["hProperties"]["id"],
        article.table_of_contents[0].anchor
    );

    let filter = search::ArticleFilter {
        locale: Some("zh-CN".into()),
        ..Default::default()
    };
    let found = run::<Search>(
        &app,
        search::Variables {
            query: "北约".into(),
            filter: Some(filter),
        },
    )
    .await;
    assert_eq!(found.search.total_count, 1);
    assert!(found.search.edges[0]
        .snippet
        .as_deref()
        .unwrap_or_default()
        .contains("<mark>北约</mark>"));
}
