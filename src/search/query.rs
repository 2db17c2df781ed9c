//! Search as SQL: which articles match a query, and how well: FTS5 ranked by
//! `gazette_rank` (bm25, see `search::rank`) on SQLite, a tsvector with a GIN
//! index and ts_rank on PostgreSQL, both over the same jieba-segmented text.
//!
//! Ranking is bounded: a search ranks the [`RANK_WINDOW`] most recently
//! indexed matching versions in its scope, not every match. A word found in
//! most articles (利率 is in 57% of the benchmark's versions) would
//! otherwise cost a score for each of tens of thousands of rows on every
//! page; newest-first is also what a news reader expects among equally good
//! matches. Filters and counts (`matching_articles`) see every match.

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sea_orm::{DbBackend, EntityName};

use super::matcher;
use entity::article;

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

/// `(article_id, rank)` for the newest `ranking.window` versions matching
/// `query` whose article meets `scope` (a condition on `article`); a lower
/// rank is a better match. `None` when the query has no words.
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
            .expr_as(Func::min(score), "rank")
            .from_subquery(window, Alias::new("h"))
            .group_by_col(("h", "article_id"))
            .to_owned(),
    )
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
