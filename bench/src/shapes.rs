//! The GraphQL documents the benchmark sends, the values they need (asked of the
//! server once before the load) and what each must answer to count.

use anyhow::{ensure, Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::corpus::{self, Corpus};
use crate::load;

/// What every article of a list shows (shapes 1, 2 and 4, and the raw baseline).
const LIST_NODE: &str = "id slug title summary publishedAt tags { slug name } categories { slug name }";

/// One query shape: an operation name (so log lines can be attributed) and its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub operation: &'static str,
    pub label: &'static str,
    document: &'static str,
}

pub const FIRST_PAGE: Shape = Shape {
    operation: "Shape1",
    label: "1 first page",
    document:
        "query Shape1 { articles(first: 20) { edges { node { __LIST_NODE__ } } pageInfo { hasNextPage endCursor } } }",
};

pub const TAG_RANGE: Shape = Shape {
    operation: "Shape2",
    label: "2 tag + 30 days",
    document: "query Shape2($tag: String!, $gte: DateTime!, $lt: DateTime!) { \
        articles(first: 20, filter: { tags: { any: [$tag] }, publishedAt: { gte: $gte, lt: $lt } }) { \
        totalCount edges { node { __LIST_NODE__ } } pageInfo { hasNextPage endCursor } } }",
};

pub const SEARCH: Shape = Shape {
    operation: "Shape3",
    label: "3 search (zh)",
    document: "query Shape3($q: String!) { search(query: $q, first: 20) { \
        edges { score snippet node { id slug title publishedAt } } pageInfo { hasNextPage endCursor } } }",
};

pub const LAST_PAGE: Shape = Shape {
    operation: "Shape4",
    label: "4 last page",
    document: "query Shape4($after: String!) { articles(first: 20, after: $after) { \
        edges { node { __LIST_NODE__ } } pageInfo { hasNextPage endCursor } } }",
};

pub const ARTICLE: Shape = Shape {
    operation: "Shape5",
    label: "5 article page",
    document: "query Shape5($slug: String!) { article(slug: $slug) { id slug title publishedAt \
        body(format: HTML) tableOfContents { level text anchor } translations { id locale title } \
        related(first: 5) { id slug title } } }",
};

/// Shape 5 without `related`: what the related list costs is the difference.
pub const ARTICLE_BARE: Shape = Shape {
    operation: "Shape5b",
    label: "5b article, no related",
    document: "query Shape5b($slug: String!) { article(slug: $slug) { id slug title publishedAt \
        body(format: HTML) tableOfContents { level text anchor } translations { id locale title } } }",
};

pub const TAG_PAGE: Shape = Shape {
    operation: "Shape6",
    label: "6 tag page",
    document: "query Shape6($tag: String!) { tag(slug: $tag) { name articles(first: 20) { \
        totalCount edges { node { __LIST_NODE__ } } pageInfo { hasNextPage endCursor } } } }",
};

pub const TAG_LAST_PAGE: Shape = Shape {
    operation: "Shape6b",
    label: "6b tag last page",
    document:
        "query Shape6b($tag: String!, $after: String!) { tag(slug: $tag) { name articles(first: 20, after: $after) { \
        totalCount edges { node { __LIST_NODE__ } } pageInfo { hasNextPage endCursor } } } }",
};

/// The request with no field to resolve: what Gazette's HTTP and GraphQL
/// layers cost before any statement (parse, validate, execute, serialise,
/// log), the fixed part of every shape's p50.
pub const FLOOR_BODY: &[u8] = br#"{"query":"query Floor { __typename }","operationName":"Floor"}"#;

/// Every shape, in report order.
pub const ALL: [Shape; 8] = [
    FIRST_PAGE,
    TAG_RANGE,
    SEARCH,
    LAST_PAGE,
    ARTICLE,
    ARTICLE_BARE,
    TAG_PAGE,
    TAG_LAST_PAGE,
];

/// A common two-character word of the generator's ZH_WORDS (src/generate.rs), so
/// the search matches a large share of the corpus, as a popular query would.
pub const SEARCH_WORD: &str = "利率";

impl Shape {
    pub fn document(&self) -> String {
        self.document.replace("__LIST_NODE__", LIST_NODE)
    }

    /// The JSON request body for one set of variables.
    pub fn body(&self, variables: Value) -> Vec<u8> {
        let body = json!({ "query": self.document(), "variables": variables, "operationName": self.operation });
        // A json! value always serialises.
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// Values the shapes need, found by asking the server once before the load.
#[derive(Debug, Clone)]
pub struct Params {
    pub popular_tag: String,
    /// Start (included) and end (excluded) of the 30 days ending at the newest article.
    pub range: (String, String),
    /// A cursor after which exactly the last page of `articles(first: 20)` follows.
    pub last_page_cursor: String,
    /// Slugs of articles with a translation, cycled through by shape 5.
    pub translated_slugs: Vec<String>,
    /// A cursor after which exactly the last page of the popular tag's
    /// `articles(first: 20)` follows (shape 6b).
    pub tag_last_page_cursor: String,
}

/// The request bodies a worker cycles through for `shape`.
pub fn bodies(shape: Shape, p: &Params) -> Vec<Vec<u8>> {
    match shape.operation {
        "Shape1" => vec![shape.body(json!({}))],
        "Shape2" => vec![shape.body(json!({ "tag": p.popular_tag, "gte": p.range.0, "lt": p.range.1 }))],
        "Shape3" => vec![shape.body(json!({ "q": SEARCH_WORD }))],
        "Shape4" => vec![shape.body(json!({ "after": p.last_page_cursor }))],
        "Shape6" => vec![shape.body(json!({ "tag": p.popular_tag }))],
        "Shape6b" => vec![shape.body(json!({ "tag": p.popular_tag, "after": p.tag_last_page_cursor }))],
        _ => p
            .translated_slugs
            .iter()
            .map(|s| shape.body(json!({ "slug": s })))
            .collect(),
    }
}

/// Newest article's date and the most used tag, in one query.
pub const SETUP_FACTS: &str = "query SetupFacts { articles(first: 1) { \
    edges { node { publishedAt } } facets { tags(first: 1) { tag { slug } count } } } }";

/// The 21st article from the end: `first: 20` after it is exactly the last page.
pub const SETUP_LAST_PAGE: &str = "query SetupLastPage { articles(last: 21) { edges { cursor } } }";

/// Runs a setup query (named, so its log lines are not taken for a shape's) and returns `data`.
async fn setup_query(client: &reqwest::Client, url: &str, operation: &str, document: &str) -> Result<Value> {
    setup_query_with(client, url, operation, document, json!({})).await
}

/// [`setup_query`] with variables.
async fn setup_query_with(
    client: &reqwest::Client,
    url: &str,
    operation: &str,
    document: &str,
    variables: Value,
) -> Result<Value> {
    let body = json!({ "query": document, "operationName": operation, "variables": variables });
    let bytes = load::post(client, url, serde_json::to_vec(&body)?).await?;
    let v = load::check_body(operation, &bytes)?;
    Ok(v["data"].clone())
}

/// Finds the values the shapes need: the most used tag, the newest date, the last-page cursor, translated slugs.
pub async fn discover(client: &reqwest::Client, url: &str, corpus: &Corpus, slugs: usize) -> Result<Params> {
    let facts = setup_query(client, url, "SetupFacts", SETUP_FACTS).await?;
    let newest = facts["articles"]["edges"][0]["node"]["publishedAt"]
        .as_str()
        .context("no newest article")?;
    let newest = DateTime::parse_from_rfc3339(newest)?.with_timezone(&Utc);
    let popular_tag = facts["articles"]["facets"]["tags"][0]["tag"]["slug"]
        .as_str()
        .context("no tags in the facets")?
        .to_owned();
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    // `lt` excludes its instant: one second past the newest article keeps it in.
    let range = (
        fmt(newest - chrono::Duration::days(30)),
        fmt(newest + chrono::Duration::seconds(1)),
    );

    let last = setup_query(client, url, "SetupLastPage", SETUP_LAST_PAGE).await?;
    let edges = last["articles"]["edges"]
        .as_array()
        .context("no edges for articles(last: 21)")?;
    ensure!(edges.len() == 21, "articles(last: 21) gave {} edges", edges.len());
    let last_page_cursor = edges[0]["cursor"].as_str().context("edge without cursor")?.to_owned();

    let tag_last = setup_query_with(
        client,
        url,
        "SetupTagLastPage",
        "query SetupTagLastPage($tag: String!) { tag(slug: $tag) { articles(last: 21) { edges { cursor } } } }",
        json!({ "tag": popular_tag }),
    )
    .await?;
    let tag_edges = tag_last["tag"]["articles"]["edges"]
        .as_array()
        .context("no edges for the tag's articles(last: 21)")?;
    ensure!(
        tag_edges.len() == 21,
        "the tag's articles(last: 21) gave {} edges",
        tag_edges.len()
    );
    let tag_last_page_cursor = tag_edges[0]["cursor"]
        .as_str()
        .context("edge without cursor")?
        .to_owned();

    let translated_slugs = corpus::translated_slugs(corpus, slugs)?;
    ensure!(!translated_slugs.is_empty(), "the corpus has no translated articles");
    Ok(Params {
        popular_tag,
        range,
        last_page_cursor,
        translated_slugs,
        tag_last_page_cursor,
    })
}

/// What each shape must answer for its figures to mean anything.
pub fn check(shape: Shape, data: &Value) -> Result<()> {
    let edges = |v: &Value| v["edges"].as_array().map(Vec::len).unwrap_or(0);
    match shape.operation {
        "Shape1" => ensure!(edges(&data["articles"]) == 20, "shape 1: not 20 edges: {data}"),
        "Shape2" => ensure!(
            data["articles"]["totalCount"].as_u64().unwrap_or(0) > 0 && edges(&data["articles"]) > 0,
            "shape 2: no articles for the tag and range: {data}"
        ),
        "Shape3" => ensure!(edges(&data["search"]) > 0, "shape 3: no search results: {data}"),
        "Shape4" => ensure!(
            edges(&data["articles"]) == 20 && data["articles"]["pageInfo"]["hasNextPage"] == false,
            "shape 4: not the last page of 20: {}",
            data["articles"]["pageInfo"]
        ),
        "Shape6" => ensure!(
            edges(&data["tag"]["articles"]) == 20 && data["tag"]["articles"]["pageInfo"]["hasNextPage"] == true,
            "shape 6: not a first page of 20: {}",
            data["tag"]["articles"]["pageInfo"]
        ),
        "Shape6b" => ensure!(
            edges(&data["tag"]["articles"]) == 20 && data["tag"]["articles"]["pageInfo"]["hasNextPage"] == false,
            "shape 6b: not the tag's last page of 20: {}",
            data["tag"]["articles"]["pageInfo"]
        ),
        _ => ensure!(
            data["article"]["translations"]
                .as_array()
                .is_some_and(|t| !t.is_empty()),
            "shape 5: article missing or without translations: {}",
            data["article"]["slug"]
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_filled_in() {
        for shape in ALL {
            assert!(!shape.document().contains("__"), "{}", shape.operation);
            assert!(shape.document().contains(shape.operation));
        }
    }
}
