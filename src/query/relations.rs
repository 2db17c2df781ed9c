//! Per-parent look-ups batched into one statement with window functions:
//! the first articles of many terms, related articles, and neighbours in a
//! category. Written as SQL because they read best that way; they run as
//! written on SQLite and PostgreSQL.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement, Value};

use super::articles::{Full, Visibility};
use super::Taxonomy;
use crate::site::related::{RelatedConfig, RelatedDoc};

/// Numbers `?` placeholders as `$1, $2, …` for PostgreSQL.
fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

fn list(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// `article a` for joins that only judge visibility or order: on SQLite,
/// through the covering index, since reaching `draft` in the table row
/// walks the body's overflow pages (3 of 4 times slower for a popular tag).
fn visible_articles(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => "article a INDEXED BY idx_article_id_visible",
        _ => "article a",
    }
}

fn statement(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
}

#[derive(Debug, FromQueryResult)]
struct Parent {
    parent_id: i32,
}

/// The newest `limit` articles `vis` lists of each term (plus one more, to tell
/// whether there is another page), newest first; with `from_end`, the
/// oldest, oldest first.
pub async fn first_articles_of_terms(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    term_ids: &[i32],
    limit: u64,
    from_end: bool,
    vis: Visibility,
) -> Result<HashMap<i32, Vec<Full>>, DbErr> {
    let mut out: HashMap<i32, Vec<Full>> = HashMap::new();
    if term_ids.is_empty() {
        return Ok(out);
    }
    let (j, fk) = (taxonomy.join_table(), taxonomy.term_column());
    // One index walk per term over the link rows' copies of the article's
    // columns (migration 20), stopping after the page: numbering every
    // link of a popular tag first cost 7 ms for 4,036 of 10,000 articles
    // on SQLite, and grew with the tag.
    let (listed, listed_values) = vis.listed_sql_on("j");
    let dir = if from_end { "ASC" } else { "DESC" };
    let one = format!(
        "SELECT * FROM (SELECT j.article_id AS id, j.{fk} AS parent_id, j.published_at AS at FROM {j} j
            WHERE j.{fk} = ? AND {listed} ORDER BY j.published_at {dir}, j.article_id {dir} LIMIT ?) t"
    );
    let sql = format!(
        "SELECT a.*, x.parent_id FROM ({}) x JOIN article a ON a.id = x.id
         ORDER BY x.parent_id, x.at {dir}, x.id {dir}",
        vec![one; term_ids.len()].join(" UNION ALL ")
    );
    let mut values: Vec<Value> = Vec::new();
    for &id in term_ids {
        values.push(id.into());
        values.extend(listed_values.iter().cloned());
        values.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
    }
    for row in db.query_all_raw(statement(db, &sql, values)).await? {
        let parent = Parent::from_query_result(&row, "")?.parent_id;
        out.entry(parent).or_default().push(Full::from_query_result(&row, "")?);
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct RelatedRow {
    source_id: i32,
    article_id: i32,
}

/// Terms on more articles than this say little about what an article is
/// about (a tag on 40% of a corpus relates nearly everything to everything)
/// and make relatedness cost a pair per article carrying them, so they are
/// left out of [`related`], as Elasticsearch's more-like-this leaves out
/// terms above its `max_doc_freq`. An article whose terms are all broader
/// is related through its narrowest one. A term's size is its listed links
/// (not drafts, listed by `_build`), the counter migration 23's triggers
/// keep, so sizing a popular tag reads one row instead of counting its links.
pub const RELATED_MAX_TERM_ARTICLES: u64 = 1_000;

/// For each article, the ids of up to `limit` articles `vis` lists sharing the
/// most tags and categories with it, newest first among equals. Terms on
/// more than `max_term_articles` articles are left out, except an
/// article's narrowest (see [`RELATED_MAX_TERM_ARTICLES`]).
pub async fn related(
    db: &DatabaseConnection,
    article_ids: &[i32],
    limit: u64,
    max_term_articles: u64,
    vis: Visibility,
) -> Result<HashMap<i32, Vec<i32>>, DbErr> {
    let mut out: HashMap<i32, Vec<i32>> = HashMap::new();
    if article_ids.is_empty() || limit == 0 {
        return Ok(out);
    }
    let ids = list(article_ids.len());
    let articles = visible_articles(db);
    let (listed, listed_values) = vis.listed_sql();
    let sql = format!(
        "WITH source_terms AS (
            SELECT s.article_id AS source_id, 0 AS kind, s.tag_id AS term_id, n.listed_links AS size
            FROM article_tag s JOIN tag n ON n.id = s.tag_id WHERE s.article_id IN ({ids})
            UNION ALL
            SELECT s.article_id, 1, s.category_id, n.listed_links
            FROM article_category s JOIN category n ON n.id = s.category_id WHERE s.article_id IN ({ids})
        ), chosen AS (
            SELECT t.source_id, t.kind, t.term_id FROM source_terms t
            WHERE t.size <= ?
               OR t.size = (SELECT MIN(u.size) FROM source_terms u WHERE u.source_id = t.source_id)
        )
        SELECT x.source_id, x.article_id FROM (
            SELECT l.source_id, l.article_id,
                   ROW_NUMBER() OVER (PARTITION BY l.source_id
                                      ORDER BY COUNT(*) DESC, a.published_at DESC, a.id DESC) AS rn
            FROM (
                SELECT c.source_id, o.article_id
                FROM chosen c JOIN article_tag o ON o.tag_id = c.term_id AND o.article_id <> c.source_id
                WHERE c.kind = 0
                UNION ALL
                SELECT c.source_id, o.article_id
                FROM chosen c JOIN article_category o ON o.category_id = c.term_id AND o.article_id <> c.source_id
                WHERE c.kind = 1
            ) l JOIN {articles} ON a.id = l.article_id
            WHERE {listed}
            GROUP BY l.source_id, l.article_id, a.published_at, a.id
        ) x WHERE x.rn <= ? ORDER BY x.source_id, x.rn"
    );
    let max = i64::try_from(max_term_articles).unwrap_or(i64::MAX);
    let mut values: Vec<Value> = article_ids.iter().map(|&i| i.into()).collect();
    values.extend(article_ids.iter().map(|&i| i.into()));
    values.push(max.into());
    values.extend(listed_values);
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    for row in db.query_all_raw(statement(db, &sql, values)).await? {
        let r = RelatedRow::from_query_result(&row, "")?;
        out.entry(r.source_id).or_default().push(r.article_id);
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct RelatedDocRow {
    id: i32,
    title: String,
    lang: String,
    listed: i32,
    published_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    publish_date: chrono::DateTime<chrono::Utc>,
    expiry_date: Option<chrono::DateTime<chrono::Utc>>,
    front_matter: serde_json::Value,
}

/// For each article, the ids of up to `limit` articles `vis` lists that
/// hugo's `.Site.RegularPages.Related` gives it under the site's `related`
/// config (see [`crate::site::related`]), among the articles of its
/// language. One statement reads every listed article's params (hugo
/// indexes them all too); the scoring runs here.
pub async fn related_by_config(
    db: &DatabaseConnection,
    cfg: &RelatedConfig,
    site_params: &serde_json::Value,
    article_ids: &[i32],
    limit: u64,
    vis: Visibility,
) -> Result<HashMap<i32, Vec<i32>>, DbErr> {
    if article_ids.is_empty() || limit == 0 {
        return Ok(HashMap::new());
    }
    let (listed, listed_values) = vis.listed_sql();
    // The articles asked about are read even when not listed (a preview's draft).
    let sql = format!(
        "SELECT a.id, a.title, a.lang, CASE WHEN {listed} THEN 1 ELSE 0 END AS listed,
                a.published_at, a.updated_at, a.publish_date, a.expiry_date, a.front_matter
         FROM article a WHERE {listed} OR a.id IN ({})",
        list(article_ids.len())
    );
    let mut values = listed_values.clone();
    values.extend(listed_values);
    values.extend(article_ids.iter().map(|&i| Value::from(i)));
    let mut by_lang: HashMap<String, Vec<RelatedDoc>> = HashMap::new();
    let mut sources: Vec<(String, RelatedDoc)> = Vec::new();
    for row in db.query_all_raw(statement(db, &sql, values)).await? {
        let r = RelatedDocRow::from_query_result(&row, "")?;
        let doc = RelatedDoc {
            id: r.id,
            title: r.title,
            publish_date: r.publish_date,
            dates: [
                ("date", Some(r.published_at)),
                ("publishdate", Some(r.publish_date)),
                ("lastmod", Some(r.updated_at)),
                ("expirydate", r.expiry_date),
            ],
            front_matter: r.front_matter,
        };
        let lang = r.lang.to_lowercase();
        if article_ids.contains(&doc.id) {
            sources.push((lang.clone(), doc.clone()));
        }
        if r.listed != 0 {
            by_lang.entry(lang).or_default().push(doc);
        }
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out = HashMap::new();
    for (lang, docs) in &by_lang {
        let asked: Vec<&RelatedDoc> = sources.iter().filter(|(l, _)| l == lang).map(|(_, d)| d).collect();
        if !asked.is_empty() {
            out.extend(crate::site::related::related(cfg, docs, &asked, site_params, limit));
        }
    }
    Ok(out)
}

/// The articles just before and just after one, by publication, within its first category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct Neighbours {
    pub previous_id: Option<i32>,
    pub next_id: Option<i32>,
}

#[derive(Debug, FromQueryResult)]
struct NeighbourRow {
    id: i32,
    previous_id: Option<i32>,
    next_id: Option<i32>,
}

/// Previous (older) and next (newer) article `vis` lists of each article within
/// its first category, ordered by publication time then id.
pub async fn neighbours(
    db: &DatabaseConnection,
    article_ids: &[i32],
    vis: Visibility,
) -> Result<HashMap<i32, Neighbours>, DbErr> {
    let mut out = HashMap::new();
    if article_ids.is_empty() {
        return Ok(out);
    }
    let ids = list(article_ids.len());
    let articles = visible_articles(db);
    let (listed, listed_values) = vis.listed_sql();
    let sql = format!(
        "SELECT x.id, x.previous_id, x.next_id FROM (
            SELECT a.id, j.category_id,
                   LAG(a.id) OVER (PARTITION BY j.category_id ORDER BY a.published_at, a.id) AS previous_id,
                   LEAD(a.id) OVER (PARTITION BY j.category_id ORDER BY a.published_at, a.id) AS next_id
            FROM article_category j JOIN {articles} ON a.id = j.article_id
            WHERE j.category_id IN (SELECT category_id FROM article_category WHERE article_id IN ({ids}) AND position = 0)
              AND {listed}
        ) x
        JOIN article_category f ON f.article_id = x.id AND f.category_id = x.category_id AND f.position = 0
        WHERE x.id IN ({ids})"
    );
    let mut values: Vec<Value> = article_ids.iter().map(|&i| i.into()).collect();
    values.extend(listed_values);
    values.extend(article_ids.iter().map(|&i| i.into()));
    for row in db.query_all_raw(statement(db, &sql, values)).await? {
        let r = NeighbourRow::from_query_result(&row, "")?;
        out.insert(
            r.id,
            Neighbours {
                previous_id: r.previous_id,
                next_id: r.next_id,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        assert_eq!(
            placeholders(DbBackend::Postgres, "a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(placeholders(DbBackend::Sqlite, "a = ?"), "a = ?");
    }
}
