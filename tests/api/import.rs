//! `gazette import`: the seed article, front-matter formats, translations,
//! visibility, bad files, idempotence and updates.

use entity::{article, tag, translation};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::*;

const SEED_QUERY: &str = r#"query($slug: String!) {
  article(slug: $slug) {
    slug title summary lead thumbnail lang locale draft publishedAt updatedAt
    body bodyHtml: body(format: HTML) bodyText: body(format: TEXT)
    source { name url }
    tags { slug name articleCount }
    categories { slug name articleCount }
    availableLocales
    translations { locale }
    display { menu comments authorbox pager toc mathjax sidebar widgets }
    weight aliases keywords frontMatter
  }
}"#;

#[actix_web::test]
async fn the_seed_article_is_imported_with_every_front_matter_field() {
    let app = spawn_app().await;

    let summary = app.import_seed().await;

    assert_eq!((summary.imported, summary.failed.len()), (1, 0), "{summary:?}");
    let a = &app.data(SEED_QUERY, json!({ "slug": SEED_SLUG })).await["article"];
    assert_eq!(a["slug"], SEED_SLUG);
    assert_eq!(a["title"], "特朗普欲“单飞”和谈惹众怒，承诺基辅可以参与俄乌谈判");
    assert_eq!(
        a["summary"],
        "美国总统特朗普周四表示，乌克兰将参与与俄罗斯的和平谈判，但基辅方面表示，在周五的安全会议上与莫斯科..."
    );
    assert_eq!(a["publishedAt"], "2025-02-14T08:41:48+00:00");
    assert_eq!(a["updatedAt"], "2025-02-14T08:41:48+00:00");
    assert_eq!(a["lang"], "zh-CN");
    assert_eq!(a["locale"], "zh-CN");
    assert_eq!(a["draft"], false);
    assert_eq!(a["lead"], json!(null), "an empty lead is not given");
    assert_eq!(
        a["thumbnail"],
        "https://img.jin10.com/gallary/81c18b1a-c7f1-4c9b-a1f1-9d5a30007fa4.png/lite"
    );
    assert_eq!(
        a["source"],
        json!({ "name": "jin10_articles_articles", "url": "https://xnews.jin10.com/details/163169" })
    );
    let body = a["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("美国总统特朗普周四表示，乌克兰将参与与俄罗斯的和平谈判"),
        "{body}"
    );
    assert!(
        body.ends_with("特朗普大声说出了拜登在乌克兰问题上的想法和做法。”"),
        "source link left in: {body}"
    );
    assert!(!body.contains("xnews.jin10.com"));
    assert!(a["bodyHtml"]
        .as_str()
        .unwrap_or_default()
        .contains("<strong>大胆外交的必要性</strong>"));
    assert!(!a["bodyText"].as_str().unwrap_or_default().contains("**"));
    let term = json!([{ "slug": "jin10_articles_articles", "name": "jin10_articles_articles", "articleCount": 1 }]);
    assert_eq!(a["tags"], term);
    assert_eq!(a["categories"], term);
    assert_eq!(a["availableLocales"], json!(["zh-CN"]));
    assert_eq!(a["translations"], json!([]));
    assert_eq!(
        a["display"],
        json!({
            "menu": "", "comments": false, "authorbox": false, "pager": true, "toc": false,
            "mathjax": false, "sidebar": "right", "widgets": ["search", "recent", "taglist"]
        })
    );
    assert_eq!((a["weight"].clone(), a["aliases"].clone()), (json!(0), json!([])));
    let fm = a["frontMatter"].as_object().expect("front matter object");
    for key in [
        "title",
        "date",
        "summary",
        "categories",
        "lang",
        "translations",
        "tags",
        "menu",
        "thumbnail",
        "lead",
        "comments",
        "authorbox",
        "pager",
        "toc",
        "mathjax",
        "sidebar",
        "widgets",
    ] {
        assert!(fm.contains_key(key), "front matter lost `{key}`");
    }

    let stored = article::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a row");
    assert_eq!(stored.source_path, SEED_FILE);
    assert_eq!(stored.content_hash.len(), 64);
}

#[actix_web::test]
async fn toml_and_json_front_matter_are_read_like_yaml() {
    let app = spawn_app().await;

    let summary = app.import(&[fixture("formats")]).await;

    assert_eq!((summary.imported, summary.failed.len()), (2, 0), "{:?}", summary.failed);
    let q = "query($s: String!) { article(slug: $s) { title publishedAt lang tags { slug name } categories { slug } display { toc widgets } source { url } } }";
    let toml = &app.data(q, json!({ "s": "fed-holds" })).await["article"];
    assert_eq!(toml["title"], "Federal Reserve holds rates steady");
    assert_eq!(
        toml["publishedAt"], "2025-03-19T18:00:00+00:00",
        "TOML dates keep their offset"
    );
    assert_eq!(
        toml["tags"],
        json!([{ "slug": "federal-reserve", "name": "Federal Reserve" }, { "slug": "美联储", "name": "美联储" }])
    );
    assert_eq!(toml["display"], json!({ "toc": true, "widgets": ["search"] }));
    let json_doc = &app.data(q, json!({ "s": "boj-policy" })).await["article"];
    assert_eq!(json_doc["title"], "日本央行维持利率不变");
    assert_eq!(json_doc["lang"], "zh-CN");
    assert_eq!(json_doc["categories"], json!([{ "slug": "央行动态" }]));
    assert_eq!(json_doc["source"], json!({ "url": "https://example.com/boj" }));
}

#[actix_web::test]
async fn a_name_lang_file_is_a_translation_not_an_article() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "news/rates.md",
        yaml_article(
            "利率新闻",
            "2025-01-02 10:00:00",
            "lang: zh-CN\ntranslations: [zh-CN, ja]\n",
        ),
    );
    content.write(
        "news/rates.en.md",
        yaml_article("Rates news", "2025-01-02 12:00:00", ""),
    );

    let summary = app.import(&[content.path().to_path_buf()]).await;

    assert_eq!((summary.imported, summary.failed.len()), (2, 0), "{:?}", summary.failed);
    assert_eq!(app.article_slugs().await, vec!["rates"]);
    let q = r#"{ article(slug: "rates") { title locale availableLocales translations { locale title summary publishedAt body } } }"#;
    let a = &app.data(q, json!({})).await["article"];
    assert_eq!(a["title"], "利率新闻");
    assert_eq!(a["availableLocales"], json!(["zh-CN", "ja", "en"]));
    assert_eq!(
        a["translations"],
        json!([{
            "locale": "en", "title": "Rates news", "summary": "Body of Rates news.",
            "publishedAt": "2025-01-02T12:00:00+00:00", "body": "Body of Rates news."
        }])
    );
}

#[actix_web::test]
async fn a_translation_key_links_files_with_different_names() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "a/original.md",
        yaml_article("Original", "2025-01-02", "translationKey: story-1\n"),
    );
    content.write(
        "b/traduction.fr.md",
        yaml_article("Traduction", "2025-01-02", "translationKey: story-1\n"),
    );

    app.import(&[content.path().to_path_buf()]).await;

    assert_eq!(app.article_slugs().await, vec!["original"]);
    let a = &app
        .data(
            r#"{ article(slug: "original", locale: "fr") { title locale } }"#,
            json!({}),
        )
        .await["article"];
    assert_eq!(a, &json!({ "title": "Traduction", "locale": "fr" }));
}

#[actix_web::test]
async fn drafts_future_and_expired_articles_are_stored_but_never_served() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("visible.md", yaml_article("Visible", "2025-01-01", ""));
    content.write(
        "draft.md",
        yaml_article("Draft", "2025-01-01", "draft: true\ntags: [hidden]\n"),
    );
    content.write(
        "future.md",
        yaml_article("Future", "2025-01-01", "publishDate: 2999-01-01\n"),
    );
    content.write(
        "expired.md",
        yaml_article("Expired", "2025-01-01", "expiryDate: 2025-02-01\n"),
    );

    let summary = app.import(&[content.path().to_path_buf()]).await;

    assert_eq!(summary.imported, 4);
    assert_eq!(article::Entity::find().count(&app.db).await.expect("count"), 4);
    assert_eq!(app.article_slugs().await, vec!["visible"]);
    let data = app
        .data(r#"{ article(slug: "draft") { slug } articles { totalCount } tag(slug: "hidden") { articleCount articles { totalCount } } }"#, json!({}))
        .await;
    assert_eq!(data["article"], json!(null));
    assert_eq!(data["articles"]["totalCount"], 1);
    assert_eq!(data["tag"], json!(null), "a tag only drafts use is not shown");
    let tags = app
        .data("{ tags { totalCount edges { node { slug } } } }", json!({}))
        .await;
    assert_eq!(tags["tags"], json!({ "totalCount": 0, "edges": [] }));
}

#[actix_web::test]
async fn each_bad_file_is_reported_with_its_path_and_line_while_the_rest_import() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("good.md", yaml_article("Good", "2025-01-01", ""));
    let broken_yaml = content.write(
        "broken-yaml.md",
        "---\ntitle: x\ntags: [a, b\ndate: 2025-01-01\n---\nbody\n",
    );
    content.write("no-title.md", "---\ndate: 2025-01-01\n---\nbody\n");
    let bad_date = content.write(
        "bad-date.md",
        "---\ntitle: x\nsummary: s\ndate: yesterday-ish\n---\nbody\n",
    );
    let bad_utf8 = content.write(
        "bad-utf8.md",
        b"---\ntitle: x\ndate: 2025-01-01\n---\nline 5\nbad \xff byte\n".as_slice(),
    );
    let bad_toml = content.write("bad-toml.md", "+++\ntitle = \"x\"\ndate = = 2025\n+++\n");
    let bad_type = content.write("bad-type.md", "---\ntitle: x\ndate: 2025-01-01\n\ndraft: maybe\n---\n");

    let summary = app.import(&[content.path().to_path_buf()]).await;

    // A missing title is not an error: Hugo builds such a page.
    assert_eq!(summary.imported, 2);
    let mut reported: Vec<String> = summary.failed.iter().map(ToString::to_string).collect();
    reported.sort();
    let d = |p: &std::path::Path| p.display().to_string();
    let mut expected = vec![
        format!("{}:4: `date`: `yesterday-ish` is not a date (expected RFC 3339, e.g. 2025-02-14T08:41:48+08:00, or 2025-02-14 08:41:48)", d(&bad_date)),
        format!("{}:6: invalid UTF-8", d(&bad_utf8)),
        format!("{}:3: front matter: invalid TOML: {}", d(&bad_toml), "string values must be quoted, expected literal string"),
        format!("{}:5: `draft` must be true or false", d(&bad_type)),
    ];
    expected.sort();
    let yaml_line = reported
        .iter()
        .find(|r| r.starts_with(&d(&broken_yaml)))
        .expect("broken YAML reported");
    assert!(yaml_line.contains(": front matter: invalid YAML:"), "{yaml_line}");
    let line: usize = yaml_line[d(&broken_yaml).len() + 1..]
        .split(':')
        .next()
        .and_then(|l| l.parse().ok())
        .expect("a line");
    assert!((3..=5).contains(&line), "{yaml_line}");
    reported.retain(|r| !r.starts_with(&d(&broken_yaml)));
    // TOML's message wording belongs to the toml crate; check the rest exactly.
    let toml_reported = reported
        .iter()
        .find(|r| r.starts_with(&d(&bad_toml)))
        .cloned()
        .expect("TOML reported");
    assert!(
        toml_reported.starts_with(&format!("{}:3: front matter: invalid TOML:", d(&bad_toml))),
        "{toml_reported}"
    );
    reported.retain(|r| !r.starts_with(&d(&bad_toml)));
    expected.retain(|r| !r.starts_with(&d(&bad_toml)));
    assert_eq!(reported, expected);
    let mut slugs = app.article_slugs().await;
    slugs.sort();
    assert_eq!(slugs, vec!["good", "no-title"]);
}

#[actix_web::test]
async fn reimporting_unchanged_files_writes_nothing() {
    let app = spawn_app().await;
    app.import_seed().await;
    let before = article::Entity::find().one(&app.db).await.expect("query").expect("row");

    let again = app.import_seed().await;

    assert_eq!((again.imported, again.updated, again.unchanged), (0, 0, 1));
    let after = article::Entity::find().one(&app.db).await.expect("query").expect("row");
    assert_eq!(before, after);
}

#[actix_web::test]
async fn a_changed_file_updates_its_article_translations_and_links() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("story.md", yaml_article("First", "2025-01-01", "tags: [old, kept]\n"));
    content.write("story.de.md", yaml_article("Erste", "2025-01-01", ""));
    app.import(&[content.path().to_path_buf()]).await;

    content.write(
        "story.md",
        yaml_article("Second", "2025-01-01", "tags: [kept, new]\ncategories: [Fresh]\n"),
    );
    content.remove("story.de.md");
    content.write("story.fr.md", yaml_article("Deuxième", "2025-01-01", ""));
    let summary = app.import(&[content.path().to_path_buf()]).await;

    assert_eq!((summary.updated, summary.failed.len()), (2, 0), "{summary:?}");
    let a = &app
        .data(
            r#"{ article(slug: "story") { title tags { slug } categories { slug } translations { locale title } } }"#,
            json!({}),
        )
        .await["article"];
    assert_eq!(a["title"], "Second");
    assert_eq!(a["tags"], json!([{ "slug": "kept" }, { "slug": "new" }]));
    assert_eq!(a["categories"], json!([{ "slug": "fresh" }]));
    assert_eq!(a["translations"], json!([{ "locale": "fr", "title": "Deuxième" }]));
    assert_eq!(translation::Entity::find().count(&app.db).await.expect("count"), 1);
    assert_eq!(article::Entity::find().count(&app.db).await.expect("count"), 1);
}

#[actix_web::test]
async fn two_files_with_one_url_fail_naming_both_while_one_slug_in_two_sections_is_fine() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    let first = content.write("a.md", yaml_article("A", "2025-01-01", "slug: same\n"));
    let second = content.write("b.md", yaml_article("B", "2025-01-01", "slug: same\n"));
    std::fs::create_dir_all(content.path().join("news")).expect("mkdir");
    content.write("news/c.md", yaml_article("C", "2025-01-02", "slug: same\n"));

    let summary = app.import(&[content.path().to_path_buf()]).await;

    // Hugo's rule: what it refuses is two pages with one URL, not one slug.
    assert_eq!(summary.imported, 2);
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(
        summary.failed[0].to_string(),
        format!(
            "{}:4: URL `/same/` is also produced by {}",
            second.display(),
            first.display()
        )
    );
    // `article(slug:)` answers with the one nearest the content root.
    let a = app.data(r#"{ article(slug: "same") { title } }"#, json!({})).await;
    assert_eq!(a["article"]["title"], "A");
}

#[actix_web::test]
async fn dates_without_an_offset_are_read_in_the_configured_time_zone() {
    let mut app = spawn_app().await;
    app.read.timezone = "Asia/Shanghai".parse().expect("zone");

    app.import_seed().await;

    let a = &app
        .data(
            r#"{ article(slug: "000_4da7ae27dc7d0813") { publishedAt } }"#,
            json!({}),
        )
        .await["article"];
    assert_eq!(a["publishedAt"], "2025-02-14T00:41:48+00:00");
}

#[actix_web::test]
async fn a_missing_summary_is_the_first_seventy_words_cut_at_a_sentence() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    let sentence = "This sentence has exactly ten words in it, you see. ";
    content.write(
        "long.md",
        format!("---\ntitle: Long\ndate: 2025-01-01\n---\n\n{}", sentence.repeat(10)),
    );

    app.import(&[content.path().to_path_buf()]).await;

    let a = &app.data(r#"{ article(slug: "long") { summary } }"#, json!({})).await["article"];
    assert_eq!(a["summary"], sentence.repeat(7).trim());
}

#[actix_web::test]
async fn tags_are_shared_across_articles_by_slug() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("one.md", yaml_article("One", "2025-01-01", "tags: [Federal Reserve]\n"));
    content.write(
        "two.md",
        yaml_article("Two", "2025-01-02", "tags: [federal reserve, 日本央行]\n"),
    );

    app.import(&[content.path().to_path_buf()]).await;

    assert_eq!(tag::Entity::find().count(&app.db).await.expect("count"), 2);
    let t = &app
        .data(r#"{ tag(slug: "federal-reserve") { name articleCount } }"#, json!({}))
        .await["tag"];
    assert_eq!(t, &json!({ "name": "Federal Reserve", "articleCount": 2 }));
}

#[actix_web::test]
async fn a_draft_translation_is_not_served_and_a_broken_one_spares_its_original() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("s.md", yaml_article("Original", "2025-01-01", ""));
    content.write("s.de.md", yaml_article("Entwurf", "2025-01-01", "draft: true\n"));
    content.write(
        "s.fr.md",
        yaml_article("Plus tard", "2025-01-01", "publishDate: 2999-01-01\n"),
    );
    let broken = content.write("s.es.md", "---\ntitle: Roto\ndate: not-a-date\n---\n");
    content.write("notes.old.md", yaml_article("Old notes", "2025-01-02", ""));

    let summary = app.import(&[content.path().to_path_buf()]).await;

    assert_eq!(summary.failed.len(), 1, "{:?}", summary.failed);
    assert_eq!(summary.failed[0].path, broken);
    assert_eq!(app.article_slugs().await, vec!["notes.old", "s"]);
    let q = r#"{ article(slug: "s", locale: "de") { title locale availableLocales translations { locale } } }"#;
    let a = &app.data(q, json!({})).await["article"];
    assert_eq!(
        a,
        &json!({ "title": "Original", "locale": "en", "availableLocales": ["en"], "translations": [] })
    );
}

#[actix_web::test]
async fn a_large_folder_is_imported_in_chunks_without_splitting_an_article_from_its_translations() {
    // More files than one chunk (256): every `name.md` keeps its `name.en.md`,
    // and a `translationKey` pair is joined across the first and last chunk.
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "a/aaa-original.md",
        yaml_article("Key original", "2025-01-02", "translationKey: far-apart\n"),
    );
    for i in 0..300 {
        content.write(
            &format!("b/p{i:03}.md"),
            yaml_article(&format!("P{i}"), "2025-01-01", "lang: zh-CN\n"),
        );
        if i % 3 == 0 {
            content.write(
                &format!("b/p{i:03}.en.md"),
                yaml_article(&format!("P{i} in English"), "2025-01-01", ""),
            );
        }
    }
    content.write(
        "z/zzz-traduction.fr.md",
        yaml_article("Traduction", "2025-01-02", "translationKey: far-apart\n"),
    );

    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(summary.imported, 1 + 300 + 100 + 1);
    let data = app.data("{ articles { totalCount } }", json!({})).await;
    assert_eq!(data["articles"]["totalCount"], 301);
    for (slug, locales) in [
        ("p000", json!([{ "locale": "en" }])),
        ("p001", json!([])),
        ("p299", json!([])),
        ("p297", json!([{ "locale": "en" }])),
        ("aaa-original", json!([{ "locale": "fr" }])),
    ] {
        let q = format!(r#"{{ article(slug: "{slug}") {{ translations {{ locale }} }} }}"#);
        assert_eq!(
            app.data(&q, json!({})).await["article"]["translations"],
            locales,
            "{slug}"
        );
    }

    // Importing it again writes nothing.
    let again = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!((again.imported, again.updated, again.unchanged), (0, 0, 402));
}

#[actix_web::test]
async fn an_article_the_database_refuses_leaves_nothing_and_its_chunk_still_lands() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn_app().await;
    // The database refuses one article, as a full disk or a constraint would.
    let refuse: &[&str] = match app.db.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse_bad() RETURNS trigger AS $$ BEGIN
               IF NEW.slug = 'bad' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON article FOR EACH ROW EXECUTE FUNCTION refuse_bad()",
        ],
        _ => &[
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON article WHEN NEW.slug = 'bad'
                BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
    };
    for sql in refuse {
        app.db.execute_unprepared(sql).await.expect("trigger");
    }
    let content = ContentDir::new();
    for (name, title) in [("a", "利率 first"), ("bad", "利率 refused"), ("c", "利率 third")] {
        content.write(
            &format!("{name}.md"),
            yaml_article(title, "2025-01-01", "tags: [rates]\n"),
        );
    }

    let summary = app.import(&[content.path().to_path_buf()]).await;

    assert_eq!((summary.imported, summary.failed.len()), (2, 1), "{summary:?}");
    let reason = summary.failed[0].to_string();
    assert!(reason.contains("bad.md") && reason.contains("refused"), "{reason}");
    let found = app
        .data(
            r#"{ search(query: "利率") { edges { node { slug } } totalCount } }"#,
            json!({}),
        )
        .await;
    let mut hits = slugs(&found["search"]);
    hits.sort();
    assert_eq!(hits, vec!["a", "c"]);
    assert_eq!(found["search"]["totalCount"], 2);
    let rows = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM search_document",
        ))
        .await
        .expect("count")
        .and_then(|r| r.try_get::<i64>("", "n").ok());
    assert_eq!(rows, Some(2), "the refused article left no search rows");
    assert_eq!(article::Entity::find().count(&app.db).await.ok(), Some(2));
}

/// Imports `n` new articles (each with a translation, two tags and a
/// category) into a fresh database; returns the statements it ran.
async fn statements_to_import(n: usize) -> (usize, gazette::import::Summary) {
    use std::sync::atomic::Ordering;
    let (app, statements) = spawn_counting_app().await;
    let content = ContentDir::new();
    for i in 0..n {
        let extra = format!("lang: zh\ntags: [rates, t{i}]\ncategories: [c{}]\n", i % 3);
        content.write(
            &format!("a{i:03}.md"),
            yaml_article(&format!("利率 {i}"), "2025-01-01", &extra),
        );
        content.write(
            &format!("a{i:03}.en.md"),
            yaml_article(&format!("Rates {i}"), "2025-01-01", ""),
        );
    }
    let before = statements.load(Ordering::SeqCst);
    let summary = app.import(&[content.path().to_path_buf()]).await;
    let ran = statements.load(Ordering::SeqCst) - before;
    let found = app.data(r#"{ search(query: "利率") { totalCount } }"#, json!({})).await;
    assert_eq!(found["search"]["totalCount"], n, "every article is searchable");
    let tagged = app.data(r#"{ tag(slug: "rates") { articleCount } }"#, json!({})).await;
    assert_eq!(tagged["tag"]["articleCount"], n, "every article carries its tags");
    (ran, summary)
}

#[actix_web::test]
async fn new_articles_of_a_chunk_are_written_together() {
    // 3 and 100 articles (200 files) both fit one chunk: a chunk's new
    // articles cost the same statements however many there are.
    let (few, few_summary) = statements_to_import(3).await;
    let (many, many_summary) = statements_to_import(100).await;
    assert_eq!(
        (few_summary.imported, few_summary.failed.len()),
        (6, 0),
        "{few_summary:?}"
    );
    assert_eq!(
        (many_summary.imported, many_summary.failed.len()),
        (200, 0),
        "{many_summary:?}"
    );
    assert_eq!(few, many, "statements for 3 articles, then for 100");
}

#[actix_web::test]
async fn files_hugo_builds_import_without_title_date_or_front_matter() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write("bare.md", "Just a body, as Hugo allows.\n");
    content.write("untitled.md", "---\ndraft: false\n---\nNo title, no date.\n");
    content.write(
        "aliases.md",
        "---\ntitle: Aliased dates\npubdate: 2025-03-01\nmodified: 2025-03-05\nunpublishdate: 2999-01-01\n---\nbody\n",
    );
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!((summary.imported, summary.failed.len()), (3, 0), "{:?}", summary.failed);

    let data = app
        .data(
            r#"{ bare: article(slug: "bare") { title publishedAt updatedAt body }
                 untitled: article(slug: "untitled") { title publishedAt }
                 aliases: article(slug: "aliases") { publishedAt updatedAt } }"#,
            json!({}),
        )
        .await;
    // Hugo's zero date where nothing gives one; its aliases for the others.
    assert_eq!(
        data,
        json!({
            "bare": { "title": "", "publishedAt": "0001-01-01T00:00:00+00:00",
                      "updatedAt": "0001-01-01T00:00:00+00:00", "body": "Just a body, as Hugo allows." },
            "untitled": { "title": "", "publishedAt": "0001-01-01T00:00:00+00:00" },
            "aliases": { "publishedAt": "2025-03-01T00:00:00+00:00", "updatedAt": "2025-03-05T00:00:00+00:00" }
        })
    );
}

#[actix_web::test]
async fn theme_keys_take_every_form_the_theme_documents_and_keep_the_rest_raw() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    let extra = |s: &str| yaml_article("x", "2025-01-01", s);
    content.write(
        "off.md",
        extra("sidebar: false\nthumbnail:\n  src: img/a.png\n  visibility: [list]\n"),
    );
    content.write(
        "map.md",
        extra("sidebar:\n  position: left\n  widgets: [search, recent]\nthumbnail: img/b.png\n"),
    );
    content.write(
        "odd.md",
        extra("sidebar: 3.5e9x\ncomments: sometimes\nlead: [1, 2]\nthumbnail: {}\n"),
    );
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert_eq!((summary.imported, summary.failed.len()), (3, 0), "{:?}", summary.failed);

    let q = "{ off: article(slug: \"off\") { ...D } map: article(slug: \"map\") { ...D } odd: article(slug: \"odd\") { ...D frontMatter } }
             fragment D on Article { thumbnail lead display { sidebar widgets comments thumbnailVisibility } }";
    let data = app.data(q, json!({})).await;
    assert_eq!(
        data["off"],
        json!({ "thumbnail": "img/a.png", "lead": null,
                "display": { "sidebar": "false", "widgets": [], "comments": null, "thumbnailVisibility": ["list"] } })
    );
    assert_eq!(
        data["map"],
        json!({ "thumbnail": "img/b.png", "lead": null,
                "display": { "sidebar": "left", "widgets": ["search", "recent"], "comments": null, "thumbnailVisibility": null } })
    );
    assert_eq!(data["odd"]["display"]["sidebar"], "3.5e9x");
    assert_eq!(data["odd"]["display"]["comments"], json!(null));
    assert_eq!(data["odd"]["lead"], json!(null));
    assert_eq!(data["odd"]["frontMatter"]["comments"], "sometimes", "kept raw");
    assert_eq!(data["odd"]["frontMatter"]["lead"], json!([1, 2]), "kept raw");
}
