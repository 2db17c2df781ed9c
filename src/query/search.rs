//! Search as SQL: which articles match a query, how well, and ranked pages
//! of them (ties by id). FTS5 ranked by `gazette_rank` (bm25, see
//! `search::rank`) on SQLite, a tsvector with a GIN index and ts_rank on
//! PostgreSQL, both over the same jieba-segmented text. `search` itself
//! builds the match expressions and knows no SQL.
//!
//! Ranking is bounded: a search ranks the [`RANK_WINDOW`] most recently
//! indexed matching versions in its scope, not every match. A word found in
//! most articles (利率 is in 57% of the benchmark's versions) would
//! otherwise cost a score for each of tens of thousands of rows on every
//! page; newest-first is also what a news reader expects among equally good
//! matches. Filters and counts (`matching_articles`) see every match.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use entity::article;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, EntityTrait, QueryFilter, Statement,
};

use super::articles::{Full, Scope, Visibility};
use super::keyset::{slice, Key, Page, PageRequest, SortValue};
use crate::cache::Recent;
use crate::db::SqliteSetup;
use crate::search::{matcher, rank};

/// What every SQLite connection needs to run this module's SQL: it calls
/// `gazette_rank`, which lives per connection.
pub const SQLITE_FUNCTIONS: &[SqliteSetup] = &[register_rank];

/// Registers `gazette_rank` on one connection.
///
/// # Safety
/// As [`SqliteSetup`]: `db` is open and no other thread uses it meanwhile.
unsafe fn register_rank(db: *mut libsqlite3_sys::sqlite3) -> Result<(), sea_orm::sqlx::error::BoxDynError> {
    // SAFETY: the caller's guarantee is `register`'s requirement.
    unsafe { rank::register(db) }.map_err(Into::into)
}

/// Ranking weights for the indexed columns: title, summary, body, and the
/// character column, which mostly decides recall.
pub const WEIGHTS: [f64; 4] = [10.0, 4.0, 1.0, 0.5];
/// ts_rank weights for D (characters), C (body), B (summary), A (title),
/// negated so that, as with bm25, lower is better.
const TS_RANK: &str = "(-ts_rank('{0.05, 0.2, 0.4, 1.0}', \"h\".\"search_tsv\", to_tsquery('simple', $1)))::float8";
/// How many matching versions (newest first) a search ranks.
pub const RANK_WINDOW: u64 = 1000;

/// `article_id` of every article with a version matching `query`, for
/// `IN (…)` filters and counts; `None` when the query has no words.
pub fn matching_articles(backend: DbBackend, query: &str) -> Option<SelectStatement> {
    let mut select = Query::select();
    select.column("article_id").from("search_document");
    match backend {
        DbBackend::Sqlite => {
            let expr = matcher::fts5(query)?;
            select.and_where(
                Expr::col("id").in_subquery(
                    Query::select()
                        .expr(Expr::cust("rowid"))
                        .from("article_search")
                        .and_where(Expr::cust_with_values("article_search MATCH ?", [expr]))
                        .to_owned(),
                ),
            );
        }
        _ => {
            let expr = matcher::tsquery(query)?;
            select.and_where(Expr::cust_with_values("search_tsv @@ to_tsquery('simple', $1)", [expr]));
        }
    }
    Some(select.to_owned())
}

/// How a page of search results is ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Documents containing each phrase of the SQLite match expression, in
    /// its order ([`matcher::phrase_words`]); `None` for a one-term query,
    /// whose order does not depend on them (its IDF is the same for every row).
    pub doc_counts: Option<Vec<f64>>,
    /// How many matching versions are ranked; see [`RANK_WINDOW`].
    pub window: u64,
}

/// `(article_id, doc, rank)` for each of the newest `ranking.window`
/// versions matching `query` whose article meets `scope` (a condition on
/// `article`): `doc` is the version's `search_document` id, and a lower rank
/// is a better match. An article may have several rows, one per matching
/// version; [`page_within`] keeps its best. `None` when the query has no words.
pub fn ranked(backend: DbBackend, query: &str, scope: Condition, ranking: &Ranking) -> Option<SelectStatement> {
    let (window, score) = match backend {
        DbBackend::Sqlite => {
            let expr = matcher::fts5(query)?;
            let phrases = matcher::phrase_words(query).len();
            let counts = match &ranking.doc_counts {
                Some(c) if c.len() == phrases => c.clone(),
                // Any equal count gives every phrase the same IDF.
                _ => vec![0.0; phrases],
            };
            let args: Vec<String> = WEIGHTS.iter().chain(&counts).map(|v| format!("{v:?}")).collect();
            let window = Query::select()
                .expr_as(Expr::col(("search_document", "article_id")), "article_id")
                .expr_as(Expr::col(("search_document", "id")), "doc")
                .expr_as(
                    Expr::cust(format!("gazette_rank(article_search, {})", args.join(", "))),
                    "r",
                )
                .from("article_search")
                // Views over covering indexes (migration 4): these look-ups
                // then never read the rows' long text.
                .join_as(
                    JoinType::InnerJoin,
                    "search_document_by_id",
                    "search_document",
                    Expr::col(("search_document", "id")).equals(("article_search", "rowid")),
                )
                .join_as(
                    JoinType::InnerJoin,
                    "article_by_id",
                    article::Entity.table_name(),
                    Expr::col((article::Entity, article::Column::Id)).equals(("search_document", "article_id")),
                )
                .and_where(Expr::cust_with_values("article_search MATCH ?", [expr]))
                .cond_where(scope)
                .order_by(("article_search", "rowid"), Order::Desc)
                .limit(ranking.window)
                .to_owned();
            (window, Expr::col(("h", "r")))
        }
        _ => {
            let expr = matcher::tsquery(query)?;
            let window = Query::select()
                .column(("search_document", "article_id"))
                .expr_as(Expr::col(("search_document", "id")), "doc")
                .column(("search_document", "search_tsv"))
                .from("search_document")
                .join(
                    JoinType::InnerJoin,
                    article::Entity.table_ref(),
                    Expr::col((article::Entity, article::Column::Id)).equals(("search_document", "article_id")),
                )
                .and_where(Expr::cust_with_values(
                    "\"search_document\".\"search_tsv\" @@ to_tsquery('simple', $1)",
                    [expr.clone()],
                ))
                .cond_where(scope)
                .order_by(("search_document", "id"), Order::Desc)
                .limit(ranking.window)
                .to_owned();
            (window, Expr::cust_with_values(TS_RANK, [expr]))
        }
    };
    Some(
        Query::select()
            .column(("h", "article_id"))
            .column(("h", "doc"))
            .expr_as(score, "rank")
            .from_subquery(window, Alias::new("h"))
            .to_owned(),
    )
}

/// An article, its rank for the query (lower is better), and which of its
/// versions matched best.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub article: Full,
    pub rank: f64,
    /// The locale of the best matching version: the article's own `lang`,
    /// or a translation's when only (or best) that matched.
    pub locale: String,
}

impl Ranked {
    pub fn key(&self) -> Key {
        Key {
            value: SortValue::Float(self.rank),
            id: self.article.id,
            group: None,
        }
    }
}

/// Documents holding each word, as last read from the FTS5 vocabulary.
/// Reading a word's count walks its whole doclist (15 ms for a word in most
/// of 100,000 articles); a count a minute old weighs a word as well as a
/// fresh one, so counts are kept that long. One per server (`Api`).
pub struct WordCounts {
    cache: Recent<String, (i64, Instant)>,
    ttl: Duration,
}

impl WordCounts {
    /// Keeps up to `capacity` words, each for `ttl`.
    pub fn new(capacity: NonZeroUsize, ttl: Duration) -> Self {
        WordCounts {
            cache: Recent::new(capacity),
            ttl,
        }
    }

    fn get(&self, word: &str) -> Option<i64> {
        match self.cache.get(word) {
            Some((n, at)) if at.elapsed() < self.ttl => Some(n),
            _ => None,
        }
    }

    fn put(&self, word: String, n: i64) {
        self.cache.put(word, (n, Instant::now()));
    }
}

impl Default for WordCounts {
    fn default() -> Self {
        WordCounts::new(
            NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            Duration::from_secs(60),
        )
    }
}

/// Documents holding each phrase of `query`'s SQLite match expression, from
/// the FTS5 vocabulary through `counts`; `None` when the order cannot depend
/// on them (one term, or PostgreSQL, where ts_rank has no IDF), so a
/// one-term search, the common case, never asks.
async fn doc_counts(db: &DatabaseConnection, query: &str, counts: &WordCounts) -> Result<Option<Vec<f64>>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Sqlite || matcher::terms(query).len() < 2 {
        return Ok(None);
    }
    let phrases = matcher::phrase_words(query);
    let mut docs: HashMap<String, i64> = HashMap::new();
    let mut missing: Vec<&String> = Vec::new();
    for w in phrases.iter().flatten() {
        match counts.get(w) {
            Some(n) => {
                docs.insert(w.clone(), n);
            }
            None if !missing.contains(&w) => missing.push(w),
            None => {}
        }
    }
    if !missing.is_empty() {
        let sql = vec!["SELECT term, doc FROM article_search_vocab WHERE term = ?"; missing.len()].join(" UNION ALL ");
        let values = missing.iter().map(|w| (*w).clone().into());
        for row in db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
        {
            docs.insert(row.try_get("", "term")?, row.try_get("", "doc")?);
        }
        for w in missing {
            // A word in no document is counted too: 0 is an answer.
            counts.put(w.clone(), docs.get(w).copied().unwrap_or(0));
        }
    }
    Ok(Some(
        phrases
            .iter()
            .map(|p| p.iter().map(|w| docs.get(w).copied().unwrap_or(0)).min().unwrap_or(0) as f64)
            .collect(),
    ))
}

/// One page of matches, ranked within the newest [`RANK_WINDOW`] matching versions.
pub async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    query: &str,
    req: &PageRequest,
    vis: Visibility,
    counts: &WordCounts,
) -> Result<Page<Ranked>, DbErr> {
    page_within(db, scope, query, req, vis, counts, RANK_WINDOW).await
}

/// [`page`] with a window of `window` versions. The window's ranks are read
/// whole (ids and ranks, no text), paged in memory, and only the page's
/// articles are read: sorting a thousand full rows in SQL would read a
/// thousand bodies.
pub async fn page_within(
    db: &DatabaseConnection,
    scope: &Scope,
    query: &str,
    req: &PageRequest,
    vis: Visibility,
    counts: &WordCounts,
    window: u64,
) -> Result<Page<Ranked>, DbErr> {
    let backend = db.get_database_backend();
    // No words: no counts are read and there is nothing to rank.
    let ranking = Ranking {
        doc_counts: doc_counts(db, query, counts).await?,
        window,
    };
    let Some(ranked) = ranked(backend, query, scope.condition(backend, vis), &ranking) else {
        return Ok(Page {
            rows: Vec::new(),
            has_previous: false,
            has_next: false,
        });
    };
    // Each article's best version: (rank, doc), the first written (the
    // original) on a tie.
    let mut best: HashMap<i32, (f64, i32)> = HashMap::new();
    for row in db.query_all(&ranked).await? {
        let (id, doc, rank): (i32, i32, f64) = (
            row.try_get("", "article_id")?,
            row.try_get("", "doc")?,
            row.try_get("", "rank")?,
        );
        let e = best.entry(id).or_insert((rank, doc));
        if rank < e.0 || (rank == e.0 && doc < e.1) {
            *e = (rank, doc);
        }
    }
    // (rank, article id), in list order.
    let mut hits: Vec<(f64, i32)> = best.iter().map(|(&id, &(rank, _))| (rank, id)).collect();
    let key = |&(rank, id): &(f64, i32)| Key {
        value: SortValue::Float(rank),
        id,
        group: None,
    };
    hits.sort_by(|a, b| key(a).cmp_ascending(&key(b)));
    let page = slice(&hits, key, req);
    let ids: Vec<i32> = page.rows.iter().map(|&(_, id)| id).collect();
    let mut articles: HashMap<i32, Full> = HashMap::new();
    if !ids.is_empty() {
        for a in article::Entity::find()
            .filter(article::Column::Id.is_in(ids))
            .into_model::<Full>()
            .all(db)
            .await?
        {
            articles.insert(a.id, a);
        }
    }
    let docs: Vec<i32> = page
        .rows
        .iter()
        .filter_map(|(_, id)| best.get(id).map(|&(_, doc)| doc))
        .collect();
    let locales = version_locales(db, &docs).await?;
    let rows = page
        .rows
        .into_iter()
        .filter_map(|(rank, id)| {
            let article = articles.remove(&id)?;
            let locale = best
                .get(&id)
                .and_then(|(_, doc)| locales.get(doc).cloned())
                .unwrap_or_else(|| article.lang.clone());
            Some(Ranked { article, rank, locale })
        })
        .collect();
    Ok(Page {
        rows,
        has_previous: page.has_previous,
        has_next: page.has_next,
    })
}

/// The locale of each `search_document` row in `docs`, by id: which version
/// each hit is. Read for a page's hits only, so the window's ranking never
/// reads a row of the index (only its covering index).
async fn version_locales(db: &DatabaseConnection, docs: &[i32]) -> Result<HashMap<i32, String>, DbErr> {
    let mut locales = HashMap::new();
    if docs.is_empty() {
        return Ok(locales);
    }
    let select = Query::select()
        .columns(["id", "locale"])
        .from("search_document")
        .and_where(Expr::col("id").is_in(docs.iter().copied()))
        .to_owned();
    for row in db.query_all(&select).await? {
        locales.insert(row.try_get("", "id")?, row.try_get("", "locale")?);
    }
    Ok(locales)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn the_query_text_is_bound_as_a_value_on_both_engines() {
        let ranking = Ranking {
            doc_counts: None,
            window: RANK_WINDOW,
        };
        let pg = ranked(DbBackend::Postgres, "北约", Condition::all(), &ranking)
            .map(|s| s.to_string(PostgresQueryBuilder))
            .unwrap_or_default();
        assert!(
            pg.contains("\"search_tsv\" @@ to_tsquery('simple', E'(\\'北约\\':ABC | \\'北\\':D <-> \\'约\\':D)')"),
            "{pg}"
        );
        let lite = ranked(DbBackend::Sqlite, "北约", Condition::all(), &ranking)
            .map(|s| s.to_string(SqliteQueryBuilder))
            .unwrap_or_default();
        assert!(
            lite.contains("article_search MATCH '({title summary body} : \"北约\" OR chars : \"北 约\")'"),
            "{lite}"
        );
    }

    #[test]
    fn a_search_ranks_a_window_of_the_newest_matches_with_the_given_counts() {
        let ranking = Ranking {
            doc_counts: Some(vec![7.0, 9.0]),
            window: 50,
        };
        let lite = ranked(DbBackend::Sqlite, "federal reserve", Condition::all(), &ranking)
            .map(|s| s.to_string(SqliteQueryBuilder))
            .unwrap_or_default();
        assert!(
            lite.contains("gazette_rank(article_search, 10.0, 4.0, 1.0, 0.5, 7.0, 9.0)"),
            "{lite}"
        );
        assert!(
            lite.contains(r#"ORDER BY "article_search"."rowid" DESC LIMIT 50"#),
            "{lite}"
        );
        let pg = ranked(DbBackend::Postgres, "federal reserve", Condition::all(), &ranking)
            .map(|s| s.to_string(PostgresQueryBuilder))
            .unwrap_or_default();
        assert!(pg.contains(r#"ORDER BY "search_document"."id" DESC LIMIT 50"#), "{pg}");
    }
}
