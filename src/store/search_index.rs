//! The search index's rows: one `search_document` per article version
//! (original and each translation), holding jieba-segmented text. On SQLite,
//! triggers mirror these rows into the FTS5 table `article_search`.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::bulk;
use crate::search::segment;
use crate::text::markdown;

/// One version of an article as written: markdown body, not yet segmented.
pub(super) struct Version<'a> {
    pub locale: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body_markdown: &'a str,
}

/// One version's index row, segmented: CPU work done before (and outside)
/// the write transaction, so it can run on another core.
#[derive(Debug, Clone)]
pub struct Row {
    locale: String,
    title: String,
    summary: String,
    body: String,
    chars: String,
}

/// Segments each version for the index.
pub(super) fn rows(versions: &[Version<'_>]) -> Vec<Row> {
    versions
        .iter()
        .map(|v| {
            let body = markdown::to_text(v.body_markdown);
            let all = format!("{}\n{}\n{body}", v.title, v.summary);
            Row {
                locale: v.locale.to_owned(),
                title: segment::for_index(v.title),
                summary: segment::for_index(v.summary),
                body: segment::for_index(&body),
                chars: segment::cjk_chars(&all),
            }
        })
        .collect()
}

/// Deletes the index rows of `article_id`.
pub(super) async fn clear(conn: &impl ConnectionTrait, article_id: i32) -> Result<(), DbErr> {
    conn.execute(
        &Query::delete()
            .from_table("search_document")
            .and_where(Expr::col("article_id").eq(article_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Inserts the index rows of many articles, in order, in as few statements
/// as the parameter limit allows. On SQLite each statement that fills the
/// FTS5 table makes FTS5 write a new segment (it flushes at every statement
/// savepoint), so an import inserts a whole chunk's rows at once.
pub(super) async fn insert(conn: &impl ConnectionTrait, articles: &[(i32, &[Row])]) -> Result<(), DbErr> {
    let start = || {
        Query::insert()
            .into_table("search_document")
            .columns(["article_id", "locale", "title", "summary", "body", "chars"])
            .to_owned()
    };
    let rows = articles.iter().flat_map(|(id, rows)| {
        rows.iter().map(move |r| {
            vec![
                Expr::val(*id),
                Expr::val(r.locale.as_str()),
                Expr::val(r.title.as_str()),
                Expr::val(r.summary.as_str()),
                Expr::val(r.body.as_str()),
                Expr::val(r.chars.as_str()),
            ]
        })
    });
    bulk::insert(conn, start, 6, rows).await?;
    Ok(())
}
