//! Search as SQL: which articles match a query, and how well. On SQLite this
//! is FTS5 with bm25 ranking; other engines get a plain substring match until
//! they have a full-text index of their own.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::DbBackend;

use super::matcher;

/// bm25 weights for the indexed columns: title, summary, body, and the
/// character column, which only decides recall.
const BM25: &str = "bm25(article_search, 10.0, 4.0, 1.0, 0.5)";
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
            let terms = matcher::terms(query);
            if terms.is_empty() {
                return None;
            }
            let mut q = Query::select();
            q.column("article_id")
                .expr_as(Expr::val(0.0f64), "rank")
                .from("search_document");
            for words in terms {
                let needle = format!("%{}%", words.concat().replace(['%', '_', '\\'], ""));
                let text = Expr::cust("(title || ' ' || summary || ' ' || body)");
                q.and_where(Expr::cust_with_exprs("? ILIKE ?", [text, Expr::val(needle)]));
            }
            Some(q.group_by_col("article_id").to_owned())
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
