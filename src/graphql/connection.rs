//! Relay connections for articles and terms: keyset pages, cursors, and a
//! `totalCount` that is only counted when a query selects it.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

use super::article::Article;
use super::error::ApiError;
use super::loaders;
use super::pagination;
use crate::locale::Locale;
use crate::query::articles::{self, Keyset, Scope};
use crate::query::terms::{self, TermRow};
use crate::query::Taxonomy;

/// Extra fields of an article connection.
pub struct ArticleListInfo {
    scope: Scope,
}

#[Object]
impl ArticleListInfo {
    /// How many articles the whole list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let l = loaders::get(ctx)?.loader();
        let n = articles::count(&l.db, &self.scope, l.now).await?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

pub type ArticleConnection = Connection<String, Article, ArticleListInfo, EmptyFields>;

fn keyset_key(k: Keyset) -> String {
    format!("{}:{}", k.published_at.timestamp_micros(), k.id)
}

fn parse_keyset(key: &str) -> Result<Keyset, ApiError> {
    let bad = || ApiError::bad_input("after", "not a cursor from this API");
    let (micros, id) = key.split_once(':').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    Ok(Keyset {
        published_at: DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?,
        id: id.parse().map_err(|_| bad())?,
    })
}

/// A page of `scope`, newest first. `list` names the list in its cursors.
pub async fn articles(
    ctx: &Context<'_>,
    list: &str,
    scope: Scope,
    first: Option<i32>,
    after: Option<String>,
    locale: Option<Locale>,
) -> Result<ArticleConnection, ApiError> {
    let page = pagination::forward(list, first, after.as_deref())?;
    let after = page.after.as_deref().map(parse_keyset).transpose()?;
    let l = loaders::get(ctx)?.loader();
    let mut rows = if page.limit == 0 {
        Vec::new()
    } else {
        articles::page(&l.db, &scope, after, page.limit + 1, l.now).await?
    };
    let has_next = rows.len() as u64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let mut conn = Connection::with_additional_fields(after.is_some(), has_next, ArticleListInfo { scope });
    conn.edges.extend(rows.into_iter().map(|row| {
        let cursor = pagination::encode(list, &keyset_key(Keyset::from(&row)));
        Edge::new(cursor, Article::new(row, locale.clone()))
    }));
    Ok(conn)
}

/// Extra fields of a tag or category connection.
pub struct TermListInfo {
    taxonomy: Taxonomy,
}

#[Object]
impl TermListInfo {
    /// How many terms the whole list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let n = terms::count(&loaders::get(ctx)?.loader().db, self.taxonomy).await?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A page of tags or categories in slug order, mapped to their GraphQL type.
pub async fn terms<T>(
    ctx: &Context<'_>,
    taxonomy: Taxonomy,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, T, TermListInfo, EmptyFields>, ApiError>
where
    T: From<TermRow> + async_graphql::OutputType,
{
    let list = taxonomy.table();
    let page = pagination::forward(list, first, after.as_deref())?;
    let db = &loaders::get(ctx)?.loader().db;
    let mut rows = if page.limit == 0 {
        Vec::new()
    } else {
        terms::page(db, taxonomy, page.after.as_deref(), page.limit + 1).await?
    };
    let has_next = rows.len() as u64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let mut conn = Connection::with_additional_fields(page.after.is_some(), has_next, TermListInfo { taxonomy });
    conn.edges.extend(
        rows.into_iter()
            .map(|row| Edge::new(pagination::encode(list, &row.slug), T::from(row))),
    );
    Ok(conn)
}
