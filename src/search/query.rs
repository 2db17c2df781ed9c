//! Search as SQL: which articles match a query, and how well: FTS5 with bm25
//! on SQLite, a tsvector with a GIN index and ts_rank on PostgreSQL, both over
//! the same jieba-segmented text.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::DbBackend;

use super::matcher;

/// bm25 weights for the indexed columns: title, summary, body, and the
/// character column, which only decides recall.
const BM25: &str = "bm25(article_search, 10.0, 4.0, 1.0, 0.5)";
/// ts_rank weights for D (characters), C (body), B (summary), A (title),
/// negated so that, as with bm25, lower is better.
const TS_RANK: &str = "(-ts_rank('{0.05, 0.2, 0.4, 1.0}', search_tsv, to_tsquery('simple', $1)))::float8";
/// The largest LIMIT SQLite takes: in effect none.
const NO_LIMIT: u64 = i64::MAX as u64;

/// `(article_id, rank)` for every article with a version matching `query`;
/// a lower rank is a better match. `None` when the query has no words.
pub fn ranked(backend: DbBackend, query: &str) -> Option<SelectStatement> {
    match backend {
        DbBackend::Sqlite => {
            let expr = matcher::fts5(query)?;
            let hits = Query::select()
                .expr_as(Expr::cust("rowid"), "doc_id")
                .expr_as(Expr::cust(BM25), "r")
                .from("article_search")
                .and_where(Expr::cust_with_values("article_search MATCH ?", [expr]))
                // Custom SQL takes the engine's own placeholder: `?` here, `$1` on PostgreSQL.
                // A LIMIT keeps SQLite from flattening this subquery into the
                // outer join, where bm25() cannot run ("unable to use function
                // bm25 in the requested context").
                .limit(NO_LIMIT)
                .to_owned();
            Some(
                Query::select()
                    .column(("d", "article_id"))
                    .expr_as(Func::min(Expr::col(("h", "r"))), "rank")
                    .from_as("search_document", "d")
                    .join_subquery(
                        JoinType::InnerJoin,
                        hits,
                        Alias::new("h"),
                        Expr::col(("h", "doc_id")).equals(("d", "id")),
                    )
                    .group_by_col(("d", "article_id"))
                    .to_owned(),
            )
        }
        _ => {
            let expr = matcher::tsquery(query)?;
            Some(
                Query::select()
                    .column("article_id")
                    .expr_as(Func::min(Expr::cust_with_values(TS_RANK, [expr.clone()])), "rank")
                    .from("search_document")
                    .and_where(Expr::cust_with_values("search_tsv @@ to_tsquery('simple', $1)", [expr]))
                    .group_by_col("article_id")
                    .to_owned(),
            )
        }
    }
}

/// `article_id` of every article matching `query`, for `IN (…)` filters.
pub fn matching_articles(backend: DbBackend, query: &str) -> Option<SelectStatement> {
    let ranked = ranked(backend, query)?;
    Some(
        Query::select()
            .column(("m", "article_id"))
            .from_subquery(ranked, "m")
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn the_query_text_is_bound_as_a_value_on_both_engines() {
        let pg = ranked(DbBackend::Postgres, "北约")
            .map(|s| s.to_string(PostgresQueryBuilder))
            .unwrap_or_default();
        assert!(
            pg.contains("search_tsv @@ to_tsquery('simple', E'(\\'北约\\':ABC | \\'北\\':D <-> \\'约\\':D)')"),
            "{pg}"
        );
        let lite = ranked(DbBackend::Sqlite, "北约")
            .map(|s| s.to_string(SqliteQueryBuilder))
            .unwrap_or_default();
        assert!(
            lite.contains("article_search MATCH '({title summary body} : \"北约\" OR chars : \"北 约\")'"),
            "{lite}"
        );
    }
}
