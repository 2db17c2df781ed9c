//! Relations a page reaches: global IDs, related articles, previous/next,
//! table of contents; and the SQL statements a request costs.

use std::sync::atomic::Ordering;

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn node_fetches_any_object_by_its_global_id() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "s.md",
        yaml_article("Story", "2025-01-01", "tags: [fed]\ncategories: [Markets]\n"),
    );
    content.write("s.de.md", yaml_article("Geschichte", "2025-01-01", ""));
    app.import(&[content.path().to_path_buf()]).await;
    let ids = app
        .data(
            r#"{ article(slug: "s") { id tags { id } categories { id } translations { id } } }"#,
            json!({}),
        )
        .await;
    let a = &ids["article"];

    let q = r#"query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
        ... on Article { slug } ... on Tag { slug } ... on Category { slug } ... on Translation { locale } } }"#;
    let all = json!([
        a["id"],
        a["tags"][0]["id"],
        a["categories"][0]["id"],
        a["translations"][0]["id"]
    ]);
    let data = app.data(q, json!({ "ids": all })).await;

    assert_eq!(
        data["nodes"],
        json!([
            { "__typename": "Article", "id": a["id"], "slug": "s" },
            { "__typename": "Tag", "id": a["tags"][0]["id"], "slug": "fed" },
            { "__typename": "Category", "id": a["categories"][0]["id"], "slug": "markets" },
            { "__typename": "Translation", "id": a["translations"][0]["id"], "locale": "de" },
        ])
    );
    let one = app
        .data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": a["id"] }))
        .await;
    assert_eq!(one["node"]["id"], a["id"]);
}

#[actix_web::test]
async fn a_malformed_id_is_bad_input_and_an_unknown_one_is_null() {
    let app = spawn_app().await;
    let q = "query($id: ID!) { node(id: $id) { id } }";

    let (message, code) = app.error(q, json!({ "id": "not-an-id!" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("`id`"), "{message}");
    let unknown = app.data(q, json!({ "id": "QXJ0aWNsZTo5OTk5" })).await; // "Article:9999"
    assert_eq!(unknown["node"], json!(null));
    let too_many: Vec<String> = (0..101).map(|_| "QXJ0aWNsZTo5OTk5".to_owned()).collect();
    let (_, code) = app
        .error(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": too_many }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[actix_web::test]
async fn related_prefers_most_shared_terms_then_newest() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "base.md",
        yaml_article("Base", "2025-01-10", "tags: [a, b, c]\ncategories: [x]\n"),
    );
    content.write(
        "three.md",
        yaml_article("Three", "2025-01-01", "tags: [a, b]\ncategories: [x]\n"),
    );
    content.write(
        "two-old.md",
        yaml_article("Two old", "2025-01-02", "tags: [a]\ncategories: [x]\n"),
    );
    content.write(
        "two-new.md",
        yaml_article("Two new", "2025-01-03", "tags: [c]\ncategories: [x]\n"),
    );
    content.write("none.md", yaml_article("None", "2025-01-04", "tags: [z]\n"));
    content.write(
        "hidden.md",
        yaml_article(
            "Hidden",
            "2025-01-05",
            "tags: [a, b, c]\ncategories: [x]\ndraft: true\n",
        ),
    );
    app.import(&[content.path().to_path_buf()]).await;

    let data = app
        .data(
            r#"{ article(slug: "base") { related(first: 5) { slug } r1: related(first: 1) { slug } } }"#,
            json!({}),
        )
        .await;

    assert_eq!(
        data["article"]["related"],
        json!([{ "slug": "three" }, { "slug": "two-new" }, { "slug": "two-old" }])
    );
    assert_eq!(data["article"]["r1"], json!([{ "slug": "three" }]));
}

#[actix_web::test]
async fn previous_and_next_follow_publication_within_the_first_category() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("a.md", yaml_article("A", "2025-01-01", "categories: [news]\n"));
    content.write("b.md", yaml_article("B", "2025-01-02", "categories: [other]\n"));
    content.write("c.md", yaml_article("C", "2025-01-03", "categories: [news, other]\n"));
    content.write("d.md", yaml_article("D", "2025-01-04", "categories: [news]\n"));
    app.import(&[content.path().to_path_buf()]).await;
    let q = r#"{ articles(orderBy: { direction: ASC }) { edges { node { slug previous { slug } next { slug } } } } }"#;

    let data = app.data(q, json!({})).await;

    let got: Vec<(String, serde_json::Value, serde_json::Value)> = data["articles"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| {
                    let n = &e["node"];
                    (
                        n["slug"].as_str().unwrap_or_default().to_owned(),
                        n["previous"]["slug"].clone(),
                        n["next"]["slug"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        got,
        vec![
            ("a".to_owned(), json!(null), json!("c")),
            ("b".to_owned(), json!(null), json!("c")),
            ("c".to_owned(), json!("a"), json!("d")),
            ("d".to_owned(), json!("c"), json!(null)),
        ]
    );
}

#[actix_web::test]
async fn table_of_contents_anchors_match_the_html_heading_ids() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "t.md",
        "---\ntitle: T\ndate: 2025-01-01\n---\n\n## 美联储 Policy\n\ntext\n\n### Details\n\n## 美联储 Policy\n",
    );
    app.import(&[content.path().to_path_buf()]).await;

    let a = &app.data(r#"{ article(slug: "t") { tableOfContents { level text anchor } body(format: HTML) wordCount readingTime } }"#, json!({})).await["article"];

    let toc = a["tableOfContents"].as_array().cloned().unwrap_or_default();
    assert_eq!(toc.len(), 3);
    assert_eq!(
        toc[0],
        json!({ "level": 2, "text": "美联储 Policy", "anchor": "美联储-policy" })
    );
    assert_eq!(toc[2]["anchor"], "美联储-policy-1");
    let html = a["body"].as_str().unwrap_or_default();
    for entry in &toc {
        let anchor = entry["anchor"].as_str().unwrap_or_default();
        assert!(html.contains(&format!(r#"id="{anchor}""#)), "{anchor} not in {html}");
    }
    assert_eq!(
        a["wordCount"], 10,
        "美联储 counts 3 words twice, Policy twice, text and Details once"
    );
    assert_eq!(a["readingTime"], 1);
}

#[actix_web::test]
async fn a_page_costs_the_same_statements_whatever_its_size() {
    let (app, statements) = spawn_counting_app().await;
    let dir = ContentDir::new();
    write_corpus(&dir, &corpus(150));
    app.import(&[dir.path().to_path_buf()]).await;
    let q = "query($n: Int) { articles(first: $n, locale: \"en\") { edges { node {
        slug title tags { slug articleCount } categories { slug } translations { locale }
        related(first: 3) { slug }
        previous { slug } next { slug }
        t2: tags { articles(first: 5) { edges { node { slug tags { slug } } } } }
        t3: categories { articles(last: 2) { edges { node { slug } } } } } } } }";

    let mut counts = Vec::new();
    for n in [1, 100] {
        statements.store(0, Ordering::SeqCst);
        let data = app.data(q, json!({ "n": n })).await;
        assert_eq!(data["articles"]["edges"].as_array().map(Vec::len), Some(n));
        counts.push(statements.load(Ordering::SeqCst));
    }

    assert_eq!(
        counts[0], counts[1],
        "statements for first: 1 and first: 100: {counts:?}"
    );
    // The root page, then its tags and categories together (2 statements),
    // then one loader batch per relation; the nested lists' tags are a
    // batch of their own, as the root's tags do not go through the loader.
    assert!(counts[0] <= 10, "{counts:?}");

    // A front page (shape 1 of the benchmark): the page, then its tags and
    // categories in one statement.
    statements.store(0, Ordering::SeqCst);
    let front = app
        .data(
            "{ articles(first: 20) { edges { node { slug tags { slug } categories { slug } } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(front["articles"]["edges"].as_array().map(Vec::len), Some(20));
    assert_eq!(statements.load(Ordering::SeqCst), 2, "the page, then its terms");
}

#[actix_web::test]
async fn a_root_list_reads_its_pages_terms_itself_not_through_the_loaders() {
    let mut app = spawn_app().await;
    let dir = ContentDir::new();
    let specs = corpus(12);
    write_corpus(&dir, &specs);
    app.import(&[dir.path().to_path_buf()]).await;
    // Loaders that wait an hour to batch: a list whose terms went through
    // them would not answer within the minute below.
    app.state = app.state.with_loader_delay(std::time::Duration::from_secs(3600));
    let q = "{ articles(first: 5) {
        nodes { slug tags { slug } }
        edges { node { ...Terms } } }
      } fragment Terms on Article { slug c: categories { slug } }";

    let answer = tokio::time::timeout(std::time::Duration::from_secs(60), app.data(q, json!({}))).await;
    let Ok(data) = answer else {
        panic!("the root list waited for a loader to read its tags or categories");
    };

    let newest = expected(&specs, |_| true);
    let by_slug = |slug: &str| specs.iter().find(|s| s.slug == slug);
    let nodes = data["articles"]["nodes"].as_array().cloned().unwrap_or_default();
    let edges = data["articles"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(slugs(&data["articles"]), newest[..5].to_vec());
    assert_eq!(nodes.len(), 5);
    for (node, edge) in nodes.iter().zip(&edges) {
        let spec = by_slug(node["slug"].as_str().unwrap_or_default()).map(|s| (s.tags.clone(), s.categories.clone()));
        let tags: Vec<String> = node["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["slug"].as_str().map(str::to_owned))
            .collect();
        let categories: Vec<String> = edge["node"]["c"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["slug"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(spec, Some((tags, categories)), "{node} {edge}");
    }
}

#[actix_web::test]
async fn a_list_serves_the_same_body_fields_as_the_article_itself() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    write_corpus(&dir, &corpus(6));
    dir.write(
        "long.md",
        "---\ntitle: Long\ndate: 2025-06-01\ntheme_color: teal\n---\n\n## 美联储 Policy\n\nSome words here.\n",
    );
    app.import(&[dir.path().to_path_buf()]).await;
    let fields = "slug title body(format: TEXT) wordCount readingTime tableOfContents { anchor } frontMatter";

    // A list that shows no body reads its rows without it; one that shows
    // any body field (here through a fragment on `nodes`) reads it.
    let bare = app
        .data("{ articles(first: 10) { edges { node { slug title } } } }", json!({}))
        .await;
    let q = format!("{{ articles(first: 10) {{ nodes {{ ...F }} }} }} fragment F on Article {{ {fields} }}");
    let listed = app.data(&q, json!({})).await;

    let nodes = listed["articles"]["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 7);
    assert_eq!(
        slugs(&bare["articles"]),
        nodes
            .iter()
            .filter_map(|n| n["slug"].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
    );
    for node in &nodes {
        let slug = node["slug"].as_str().unwrap_or_default();
        let alone = app
            .data(&format!("{{ article(slug: \"{slug}\") {{ {fields} }} }}"), json!({}))
            .await;
        assert_eq!(node, &alone["article"], "{slug}");
    }
    let long = &nodes[0];
    assert_eq!(long["slug"], "long");
    assert_eq!(long["body"], "美联储 Policy\n\nSome words here.");
    assert_eq!(long["frontMatter"]["theme_color"], "teal");
}

#[actix_web::test]
async fn total_count_and_page_count_share_one_count() {
    let (app, statements) = spawn_counting_app().await;
    app.import_seed().await;

    statements.store(0, Ordering::SeqCst);
    let data = app
        .data("{ articles(first: 1) { totalCount pageCount } }", json!({}))
        .await;

    assert_eq!(data["articles"], json!({ "totalCount": 1, "pageCount": 1 }));
    assert_eq!(statements.load(Ordering::SeqCst), 2, "one page query and one count");
}

#[actix_web::test]
async fn terms_on_too_many_articles_do_not_relate_unless_nothing_narrower_does() {
    use gazette::query::relations::related;

    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("a.md", yaml_article("A", "2025-01-01", "tags: [broad, narrow]\n"));
    content.write("b.md", yaml_article("B", "2025-01-02", "tags: [broad, narrow]\n"));
    for i in 0..4 {
        content.write(
            &format!("c{i}.md"),
            yaml_article(&format!("C{i}"), &format!("2025-01-0{}", i + 3), "tags: [broad]\n"),
        );
    }
    app.import(&[content.path().to_path_buf()]).await;
    let id = |slug: &str| {
        let db = app.db.clone();
        let slug = slug.to_owned();
        async move {
            gazette::query::articles::by_slug(
                &db,
                &slug,
                gazette::query::articles::Visibility::public(chrono::Utc::now()),
            )
            .await
            .ok()
            .flatten()
            .map(|a| a.id)
            .unwrap_or_default()
        }
    };
    let (a, b, c0) = (id("a").await, id("b").await, id("c0").await);
    let now = gazette::query::articles::Visibility::public(chrono::Utc::now());

    // `broad` is on 6 articles: over a limit of 3, only `narrow` relates A.
    let capped = related(&app.db, &[a, c0], 10, 3, now).await.expect("related");
    assert_eq!(capped.get(&a), Some(&vec![b]), "{capped:?}");
    // C0 has only `broad`, its narrowest term: it still relates through it.
    assert_eq!(capped.get(&c0).map(Vec::len), Some(5), "{capped:?}");
    // Without the limit, A relates to every article sharing `broad` too.
    let all = related(&app.db, &[a], 10, 1_000, now).await.expect("related");
    assert_eq!(all.get(&a).map(Vec::len), Some(5), "{all:?}");
    assert_eq!(all.get(&a).and_then(|r| r.first()), Some(&b), "two shared terms first");
}

#[actix_web::test]
async fn a_list_serves_the_same_fields_as_the_article_itself_whatever_it_selects() {
    let app = spawn_app().await;
    app.import_seed().await;
    let dir = ContentDir::new();
    write_corpus(&dir, &corpus(6));
    app.import(&[dir.path().to_path_buf()]).await;
    // A card's fields only (the list reads a few columns), then with every
    // field that needs the rest of the row but not the body.
    let card = "__typename id slug title summary publishedAt updatedAt lang locale draft weight \
                tags { slug } categories { slug } translations { locale } related { slug }";
    let rest = "lead thumbnail source { name url } aliases keywords availableLocales \
                display { menu comments authorbox pager toc mathjax sidebar widgets }";
    for fields in [
        card.to_owned(),
        format!("{card} {rest}"),
        format!("slug ... on Article {{ {rest} }}"),
    ] {
        let listed = app
            .data(
                &format!("{{ articles(first: 10) {{ edges {{ node {{ {fields} }} }} }} }}"),
                json!({}),
            )
            .await;
        let edges = listed["articles"]["edges"].as_array().cloned().unwrap_or_default();
        assert_eq!(edges.len(), 7, "{listed}");
        for edge in &edges {
            let slug = edge["node"]["slug"].as_str().unwrap_or_default();
            let alone = app
                .data(&format!("{{ article(slug: \"{slug}\") {{ {fields} }} }}"), json!({}))
                .await;
            assert_eq!(edge["node"], alone["article"], "{slug}: {fields}");
        }
    }
    // The seed has a thumbnail and a source (its lead is empty): a list shows them.
    let seed = app
        .data(
            "{ articles(first: 10) { nodes { slug lead thumbnail source { url } } } }",
            json!({}),
        )
        .await;
    let seed = seed["articles"]["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["slug"] == "000_4da7ae27dc7d0813").cloned())
        .unwrap_or_default();
    assert!(seed["thumbnail"].is_string() && seed["lead"].is_null(), "{seed}");
    assert!(seed["source"]["url"].is_string(), "{seed}");
}

/// A cursor's far side costs a look-up only when `pageInfo` asks about it:
/// the next page of a list (shape 4, a tag's last page) asks `hasNextPage`,
/// not `hasPreviousPage`.
#[actix_web::test]
async fn a_cursor_page_looks_behind_its_cursor_only_when_asked() {
    let (app, statements) = spawn_counting_app().await;
    let dir = ContentDir::new();
    write_corpus(&dir, &corpus(30));
    app.import(&[dir.path().to_path_buf()]).await;
    let first = app
        .data("{ articles(first: 5) { pageInfo { endCursor } } }", json!({}))
        .await;
    let after = first["articles"]["pageInfo"]["endCursor"].clone();
    let page = |info: &str| {
        format!("query($after: String!) {{ articles(first: 5, after: $after) {{ edges {{ node {{ slug }} }} pageInfo {{ {info} }} }} }}")
    };

    let run = |info: &'static str| {
        let (app, statements, after, q) = (&app, statements.clone(), after.clone(), page(info));
        async move {
            statements.store(0, Ordering::SeqCst);
            let data = app.data(&q, json!({ "after": after })).await;
            (data, statements.load(Ordering::SeqCst))
        }
    };
    let (without, lean) = run("hasNextPage endCursor").await;
    let (with, exact) = run("hasNextPage hasPreviousPage endCursor").await;

    assert_eq!(without["articles"]["edges"], with["articles"]["edges"]);
    assert_eq!(with["articles"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(without["articles"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        (lean, exact),
        (1, 2),
        "the page, then the look-up behind its cursor only when asked"
    );

    // Backwards, a full page says there is more before it without a look-up.
    let before = with["articles"]["pageInfo"]["endCursor"].clone();
    statements.store(0, Ordering::SeqCst);
    let back = app
        .data(
            "query($before: String!) { articles(last: 2, before: $before) { pageInfo { hasPreviousPage hasNextPage } } }",
            json!({ "before": before }),
        )
        .await;
    assert_eq!(
        back["articles"]["pageInfo"],
        json!({ "hasPreviousPage": true, "hasNextPage": true })
    );
    assert_eq!(
        statements.load(Ordering::SeqCst),
        2,
        "the page and the look-up past `before`"
    );
}

/// The article page (shape 5): the article, its translations, its related
/// ids and their rows. A page that is not a leaf bundle has no resources,
/// so its HTML body reads none.
#[actix_web::test]
async fn the_article_page_costs_four_statements() {
    let (app, statements) = spawn_counting_app().await;
    let dir = ContentDir::new();
    let specs = corpus(40);
    write_corpus(&dir, &specs);
    app.import(&[dir.path().to_path_buf()]).await;
    let slug = app
        .data(
            "{ articles(first: 40) { edges { node { slug translations { locale } related(first: 5) { slug } } } } }",
            json!({}),
        )
        .await["articles"]["edges"]
        .as_array()
        .and_then(|edges| {
            edges.iter().find(|e| {
                e["node"]["translations"].as_array().is_some_and(|t| !t.is_empty())
                    && e["node"]["related"].as_array().is_some_and(|r| !r.is_empty())
            })
        })
        .map(|e| e["node"]["slug"].clone())
        .expect("a translated article with related ones");

    statements.store(0, Ordering::SeqCst);
    let data = app
        .data(
            "query($slug: String!) { article(slug: $slug) { id slug title publishedAt body(format: HTML)
              tableOfContents { level text anchor } translations { id locale title } related(first: 5) { id slug title } } }",
            json!({ "slug": slug }),
        )
        .await;
    assert!(
        data["article"]["body"].as_str().is_some_and(|b| b.starts_with('<')),
        "{data}"
    );
    assert_eq!(statements.load(Ordering::SeqCst), 4);
}

/// A tag's page through a cursor (shape 6b): the tag, its page, its count and
/// the page's terms; the look-up behind the cursor is not asked for.
#[actix_web::test]
async fn a_tags_next_page_costs_four_statements() {
    let (app, statements) = spawn_counting_app().await;
    let dir = ContentDir::new();
    write_corpus(&dir, &corpus(60));
    app.import(&[dir.path().to_path_buf()]).await;
    let tag = app
        .data(
            "{ articles { facets { tags(first: 1) { tag { slug } count } } } }",
            json!({}),
        )
        .await["articles"]["facets"]["tags"][0]
        .clone();
    let slug = tag["tag"]["slug"].clone();
    let first = app
        .data(
            "query($tag: String!) { tag(slug: $tag) { articles(first: 2) { pageInfo { endCursor } } } }",
            json!({ "tag": slug }),
        )
        .await;
    let after = first["tag"]["articles"]["pageInfo"]["endCursor"].clone();

    statements.store(0, Ordering::SeqCst);
    let data = app
        .data(
            "query($tag: String!, $after: String!) { tag(slug: $tag) { name articles(first: 2, after: $after) {
              totalCount edges { node { id slug title summary publishedAt tags { slug name } categories { slug name } } }
              pageInfo { hasNextPage endCursor } } } }",
            json!({ "tag": slug, "after": after }),
        )
        .await;
    assert_eq!(data["tag"]["articles"]["totalCount"], tag["count"]);
    assert_eq!(data["tag"]["articles"]["edges"].as_array().map(Vec::len), Some(2));
    assert_eq!(statements.load(Ordering::SeqCst), 4);
}

/// The server's default DataLoader delay is 0 ms: a batch runs once its
/// request stops to wait for it, not after a sleep. A list of 100
/// articles, each asking three loaders (translations, related and its
/// previous article, then their articles), must answer the same as with a
/// two-second wait, which gathers every key, in about as many statements:
/// a batch that starts while another of the request's statements is still
/// running cannot know the keys that statement's answer will ask for, so
/// one or two more are allowed (seen: 7 against 6 while the suite ran
/// beside it; with no wait at all, 245).
#[actix_web::test]
async fn a_long_list_batches_its_loaders_with_the_default_delay_as_with_a_long_wait() {
    let (mut app, statements) = spawn_counting_app().await;
    let dir = ContentDir::new();
    write_corpus(&dir, &corpus(150));
    app.import(&[dir.path().to_path_buf()]).await;
    let q = "{ articles(first: 100) { edges { node { slug translations { locale }
        related(first: 2) { slug title translations { locale } } previous { slug } } } } }";
    let run = async |app: &TestApp| {
        let before = statements.load(Ordering::SeqCst);
        let data = app.data(q, json!({})).await;
        (statements.load(Ordering::SeqCst) - before, data)
    };
    // The helper's app waits two seconds to batch.
    let (waited, expected) = run(&app).await;
    app.state = app.state.with_loader_delay(gazette::graphql::DEFAULT_LOADER_DELAY);
    let (at_once, data) = run(&app).await;
    assert_eq!(data, expected);
    assert_eq!(
        data["articles"]["edges"].as_array().map(Vec::len),
        Some(100),
        "a page of 100"
    );
    assert!(
        at_once <= waited + 2,
        "{at_once} statements with the default delay against {waited} with a two-second wait"
    );
    assert_eq!(gazette::graphql::DEFAULT_LOADER_DELAY, std::time::Duration::ZERO);
}
