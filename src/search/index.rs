//! The search index's rows: one `search_document` per article version
//! (original and each translation), holding jieba-segmented text. On SQLite,
//! triggers mirror these rows into the FTS5 table `article_search`.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr};

use super::segment;
use crate::text::markdown;

/// One version of an article as written: markdown body, not yet segmented.
pub struct Version<'a> {
    pub locale: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body_markdown: &'a str,
}

/// Replaces the index rows of `article_id` with `versions`, inside the
/// caller's transaction so the index never disagrees with the article.
pub async fn replace(conn: &impl ConnectionTrait, article_id: i32, versions: &[Version<'_>]) -> Result<(), DbErr> {
    conn.execute(
        &Query::delete()
            .from_table("search_document")
            .and_where(Expr::col("article_id").eq(article_id))
            .to_owned(),
    )
    .await?;
    if versions.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert
        .into_table("search_document")
        .columns(["article_id", "locale", "title", "summary", "body", "chars"]);
    for v in versions {
        let body = markdown::to_text(v.body_markdown);
        let all = format!("{}\n{}\n{body}", v.title, v.summary);
        insert.values_panic([
            article_id.into(),
            v.locale.into(),
            segment::for_index(v.title).into(),
            segment::for_index(v.summary).into(),
            segment::for_index(&body).into(),
            segment::cjk_chars(&all).into(),
        ]);
    }
    conn.execute(&insert).await?;
    Ok(())
}
