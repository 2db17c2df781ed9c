//! A term's article count from its counter (`listed_links`, migration 23):
//! after every kind of write, at any instant, the count equals the one
//! computed the slow way from the article rows.

use chrono::{DateTime, Duration, Utc};
use gazette::query::articles::{count, term_facets, Filter, Scope, SlugSet, Visibility};
use gazette::query::{terms, Taxonomy};
use gazette::server::AppData;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "counts-token";

fn editable(app: &TestApp) -> AppData {
    app.editable(TOKEN)
}

async fn mutate(data: &AppData, query: &str, variables: Value) -> Value {
    mutate_as(data, TOKEN, query, variables).await
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("instant").to_utc()
}

/// The instants every count is checked at: around each date of the corpus,
/// on them (publishDate is inclusive, expiryDate exclusive) and now.
fn instants() -> Vec<DateTime<Utc>> {
    let mut out = vec![Utc::now(), Utc::now() + Duration::days(400)];
    for s in [
        "2019-01-01T00:00:00Z",
        "2019-06-01T00:00:00Z",
        "2020-01-01T00:00:00Z",
        "2020-06-01T00:00:00Z",
        "2021-01-01T00:00:00Z",
        "2021-06-01T00:00:00Z",
        "2099-01-01T00:00:00Z",
        "2099-03-01T00:00:00Z",
        "2099-06-01T00:00:00Z",
        "2099-12-01T00:00:00Z",
    ] {
        let t = at(s);
        out.extend([t - Duration::seconds(1), t, t + Duration::seconds(1)]);
    }
    out
}

/// The term's count the slow way: the article rows' own columns, not the
/// links' copies nor the counter.
async fn truth(app: &TestApp, taxonomy: Taxonomy, id: i32, vis: Visibility) -> u64 {
    entity::article::Entity::find()
        .filter(vis.listed(false))
        .filter(
            entity::article::Column::Id.in_subquery(
                Query::select()
                    .column("article_id")
                    .from(taxonomy.join_table())
                    .and_where(Expr::col(taxonomy.term_column()).eq(id))
                    .to_owned(),
            ),
        )
        .select_only()
        .column(entity::article::Column::Id)
        .count(&app.db)
        .await
        .expect("count")
}

async fn terms_of(app: &TestApp, taxonomy: Taxonomy) -> Vec<(i32, String)> {
    let rows = app
        .db
        .query_all(
            &Query::select()
                .columns(["id", "slug"])
                .from(taxonomy.table())
                .to_owned(),
        )
        .await
        .expect("terms");
    rows.iter()
        .map(|r| (r.try_get("", "id").expect("id"), r.try_get("", "slug").expect("slug")))
        .collect()
}

/// Every term's counted count equals the slow one at every instant, by
/// both paths that read the counter (the batched `articleCount` and a
/// list's `totalCount`), and the tag page's totalCount is its edges' number.
async fn check(app: &TestApp, step: &str) {
    for taxonomy in [Taxonomy::Tags, Taxonomy::Categories] {
        let all = terms_of(app, taxonomy).await;
        let ids: Vec<i32> = all.iter().map(|(id, _)| *id).collect();
        for vis in instants().into_iter().map(Visibility::public) {
            let batched = terms::article_counts(&app.db, taxonomy, &ids, vis)
                .await
                .expect("counts");
            let mut facets = Vec::new();
            for (id, slug) in &all {
                let want = truth(app, taxonomy, *id, vis).await;
                if want > 0 {
                    facets.push((slug.clone(), i64::try_from(want).expect("a count")));
                }
                let got = batched.get(id).copied().unwrap_or(0);
                assert_eq!(
                    u64::try_from(got).ok(),
                    Some(want),
                    "{step}: articleCount of {slug} at {}",
                    vis.at
                );
                let scope = Scope {
                    term: Some((taxonomy, *id)),
                    ..Scope::default()
                };
                let listed = count(&app.db, &scope, vis).await.expect("count");
                assert_eq!(listed, want, "{step}: totalCount of {slug} at {}", vis.at);
                let set = Some(SlugSet {
                    any: vec![slug.clone()],
                    ..SlugSet::default()
                });
                let filter = match taxonomy {
                    Taxonomy::Tags => Filter {
                        tags: set,
                        ..Filter::default()
                    },
                    Taxonomy::Categories => Filter {
                        categories: set,
                        ..Filter::default()
                    },
                };
                let filtered = Scope {
                    filter,
                    ..Scope::default()
                };
                let by_slug = count(&app.db, &filtered, vis).await.expect("count");
                assert_eq!(by_slug, want, "{step}: filtered totalCount of {slug} at {}", vis.at);
            }
            // The whole list's facet: most articles first, then by slug.
            facets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let got: Vec<(String, i64)> = term_facets(&app.db, &Scope::default(), taxonomy, 100, vis)
                .await
                .expect("facets")
                .into_iter()
                .map(|f| (f.slug, f.count))
                .collect();
            assert_eq!(got, facets, "{step}: the whole list's facets at {}", vis.at);
        }
    }
    for (_, slug) in terms_of(app, Taxonomy::Tags).await {
        let page = app
            .data(
                "query($slug: String!) { tag(slug: $slug) { articles(first: 100) { totalCount edges { node { slug } } } } }",
                json!({ "slug": slug }),
            )
            .await;
        // A tag none of whose articles is public has no page.
        if Value::is_null(&page["tag"]) {
            continue;
        }
        let list = &page["tag"]["articles"];
        let edges = list["edges"].as_array().map_or(0, Vec::len);
        assert_eq!(list["totalCount"], json!(edges), "{step}: the page of {slug}: {page}");
    }
}

/// Articles with every kind of date and visibility, all under one tag.
fn corpus(dir: &ContentDir) {
    let files = [
        ("a1", "2020-01-01T00:00:00Z", ""),
        ("a2", "2020-01-02T00:00:00Z", "draft: true\n"),
        ("a3", "2099-01-01T00:00:00Z", ""),
        ("a4", "2020-01-03T00:00:00Z", "publishDate: \"2099-01-01T00:00:00Z\"\n"),
        ("a5", "2020-01-04T00:00:00Z", "expiryDate: \"2021-01-01T00:00:00Z\"\n"),
        ("a6", "2020-01-05T00:00:00Z", "expiryDate: \"2099-06-01T00:00:00Z\"\n"),
        ("a7", "2020-01-06T00:00:00Z", "_build:\n  list: never\n"),
        ("a8", "2020-01-07T00:00:00Z", "publishDate: \"2019-01-01T00:00:00Z\"\n"),
        ("a9", "2099-06-01T00:00:00Z", "publishDate: \"2019-06-01T00:00:00Z\"\n"),
        (
            "a10",
            "2020-06-01T00:00:00Z",
            "publishDate: \"2020-06-01T00:00:00Z\"\nexpiryDate: \"2099-03-01T00:00:00Z\"\n",
        ),
    ];
    for (i, (name, date, extra)) in files.iter().enumerate() {
        let other = if i % 2 == 0 { "  - \"Other\"\n" } else { "" };
        let extra = format!("{extra}tags:\n  - \"Fed\"\n{other}categories:\n  - \"Markets\"\n");
        dir.write(&format!("{name}.md"), yaml_article(name, date, &extra));
    }
}

async fn tag_id(app: &TestApp, slug: &str) -> Value {
    app.data("query($s: String!) { tag(slug: $s) { id } }", json!({ "s": slug }))
        .await["tag"]["id"]
        .clone()
}

#[actix_web::test]
async fn a_terms_counter_stays_right_through_every_write() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    corpus(&dir);
    let summary = app.import(&[dir.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    check(&app, "import").await;

    // A re-import: a draft published, an article made a draft, an expiry moved
    // into the past, a date into the future, a tag dropped, a file gone.
    dir.write(
        "a2.md",
        yaml_article("a2", "2020-01-02T00:00:00Z", "tags:\n  - \"Fed\"\n"),
    );
    dir.write(
        "a1.md",
        yaml_article("a1", "2020-01-01T00:00:00Z", "draft: true\ntags:\n  - \"Fed\"\n"),
    );
    dir.write(
        "a6.md",
        yaml_article(
            "a6",
            "2020-01-05T00:00:00Z",
            "expiryDate: \"2020-02-01T00:00:00Z\"\ntags:\n  - \"Fed\"\n",
        ),
    );
    dir.write(
        "a8.md",
        yaml_article("a8", "2099-01-01T00:00:00Z", "categories:\n  - \"Markets\"\n"),
    );
    dir.remove("a3.md");
    let summary = app.import(&[dir.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    check(&app, "re-import").await;

    let data = editable(&app);
    let created = mutate(
        &data,
        "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id } }",
        json!({ "input": {
            "slug": "new", "title": "New", "body": "Body.", "publishedAt": "2020-03-01T00:00:00Z",
            "lang": "en", "tags": ["Fed", "Fresh"], "categories": ["Markets"]
        } }),
    )
    .await;
    let id = created["createArticle"]["id"].clone();
    check(&app, "create").await;

    let update = "mutation($id: ID!, $input: UpdateArticleInput!) { updateArticle(id: $id, input: $input) { slug } }";
    for (step, input) in [
        ("a draft", json!({ "draft": true })),
        ("published again", json!({ "draft": false })),
        ("dated in the future", json!({ "publishedAt": "2099-02-01T00:00:00Z" })),
        ("dated in the past", json!({ "publishedAt": "2020-04-01T00:00:00Z" })),
        ("other tags", json!({ "tags": ["Other", "Fresh"], "categories": [] })),
        ("tags back", json!({ "tags": ["Fed"] })),
    ] {
        mutate(&data, update, json!({ "id": id, "input": input })).await;
        check(&app, step).await;
    }

    mutate(
        &data,
        "mutation($id: ID!) { deleteArticle(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    check(&app, "delete").await;

    let fed = tag_id(&app, "fed").await;
    mutate(
        &data,
        "mutation($id: ID!) { renameTag(id: $id, name: \"Federal Reserve\") { slug } }",
        json!({ "id": fed }),
    )
    .await;
    check(&app, "rename").await;

    let other = tag_id(&app, "other").await;
    mutate(
        &data,
        "mutation($id: ID!) { deleteTag(id: $id) }",
        json!({ "id": other }),
    )
    .await;
    check(&app, "delete a tag").await;

    // A whole-tree re-import after the edits puts the files' state back.
    let summary = app.import(&[dir.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    check(&app, "re-import after edits").await;
}

/// The public count of a whole term, and the whole list's facet, are the
/// counter's: a counter set wrong on purpose shows in them, while a preview
/// and a narrowed list, which the counter cannot answer, still count the links.
#[actix_web::test]
async fn a_whole_terms_public_count_reads_the_counter() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    corpus(&dir);
    app.import(&[dir.path().to_path_buf()]).await;
    let read = "{ tag(slug: \"fed\") { articleCount articles { totalCount } }
                  articles(filter: { tags: { any: [\"fed\"] } }) { totalCount }
                  narrowed: articles(filter: { tags: { any: [\"fed\"] }, publishedAt: { gte: \"2000-01-01T00:00:00Z\" } }) { totalCount }
                  all: articles { facets { tags(first: 1) { tag { slug } count } } }
                  since: articles(filter: { publishedAt: { gte: \"2000-01-01T00:00:00Z\" } }) { facets { tags(first: 1) { tag { slug } count } } } }";
    let before = app.data(read, json!({})).await;
    let n = before["tag"]["articles"]["totalCount"].as_i64().expect("a count");
    assert_eq!(
        before,
        json!({ "tag": { "articleCount": n, "articles": { "totalCount": n } },
                "articles": { "totalCount": n }, "narrowed": { "totalCount": n },
                "all": { "facets": { "tags": [{ "tag": { "slug": "fed" }, "count": n }] } },
                "since": { "facets": { "tags": [{ "tag": { "slug": "fed" }, "count": n }] } } })
    );
    app.db
        .execute(
            &Query::update()
                .table("tag")
                .value("listed_links", Expr::col("listed_links").add(1000))
                .and_where(Expr::col("slug").eq("fed"))
                .to_owned(),
        )
        .await
        .expect("tamper");
    let after = app.data(read, json!({})).await;
    let m = n + 1000;
    assert_eq!(
        after,
        json!({ "tag": { "articleCount": m, "articles": { "totalCount": m } },
                "articles": { "totalCount": m }, "narrowed": { "totalCount": n },
                "all": { "facets": { "tags": [{ "tag": { "slug": "fed" }, "count": m }] } },
                "since": { "facets": { "tags": [{ "tag": { "slug": "fed" }, "count": n }] } } })
    );
    // A preview sees drafts too: the links are counted, not the counter.
    let vis = Visibility::preview(Utc::now());
    let fed = terms_of(&app, Taxonomy::Tags)
        .await
        .into_iter()
        .find(|(_, s)| s == "fed")
        .expect("fed")
        .0;
    let preview = terms::article_counts(&app.db, Taxonomy::Tags, &[fed], vis)
        .await
        .expect("counts");
    assert_eq!(preview.get(&fed).copied(), Some(9), "all but the one never listed");
}

/// On SQLite, the counted statement seeks: the term row by its key, the
/// links dated later through the link index's range, the timed ones
/// through the partial index; no link of the term is scanned.
#[actix_web::test]
#[cfg_attr(test_postgres, ignore = "SQLite's query plan")]
async fn the_counted_statement_scans_no_links() {
    let app = spawn_app().await;
    let dir = ContentDir::new();
    corpus(&dir);
    app.import(&[dir.path().to_path_buf()]).await;
    let stmt = terms::counted(
        Taxonomy::Tags,
        Visibility::public(Utc::now()),
        Expr::col(("tag", "id")).is_in([1, 2]),
    )
    .expect("a public count is counted");
    let mut built = app.db.get_database_backend().build(&stmt);
    built.sql = format!("EXPLAIN QUERY PLAN {}", built.sql);
    let plan: Vec<String> = app
        .db
        .query_all_raw(built)
        .await
        .expect("plan")
        .iter()
        .map(|r| r.try_get::<String>("", "detail").expect("detail"))
        .collect();
    let seeks: Vec<&String> = plan.iter().filter(|d| d.starts_with("SEARCH")).collect();
    assert!(plan.iter().all(|d| !d.starts_with("SCAN")), "{plan:?}");
    assert_eq!(seeks.len(), 3, "{plan:?}");
    assert!(
        seeks[1].contains("COVERING INDEX idx_article_tag_listed (tag_id=? AND published_at>?)"),
        "{plan:?}"
    );
    assert!(seeks[2].contains("COVERING INDEX idx_article_tag_timed"), "{plan:?}");
}
