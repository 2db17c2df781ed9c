//! The `languages` root field: every locale with its article count.

use async_graphql::{Context, Object, SimpleObject};

use super::context::RequestContext;
use super::error::ApiError;
use crate::query::articles::{self, Scope};

/// A locale articles are available in.
#[derive(SimpleObject)]
pub struct Language {
    /// Locale code, e.g. `zh-CN` or `en`.
    pub code: String,
    /// Published articles available in it, as original or translation.
    pub article_count: i64,
}

#[derive(Default)]
pub struct LanguageQuery;

#[Object]
impl LanguageQuery {
    /// Every locale with published articles, most articles first.
    async fn languages(&self, ctx: &Context<'_>) -> Result<Vec<Language>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let rows = articles::locale_facets(&l.db, &Scope::default(), l.visibility()).await?;
        Ok(rows
            .into_iter()
            .map(|r| Language {
                code: r.locale,
                article_count: r.count,
            })
            .collect())
    }
}
