//! The root `Query`: articles, search, tags and categories, languages, nodes.

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, MergedObject, Object};

use super::article::filter::ArticleFilter;
use super::article::order::ArticleOrder;
use super::article::Article;
use super::cache;
use super::changes::ChangeQuery;
use super::connection::{self, ArticleConnection, TermListInfo};
use super::context::RequestContext;
use super::error::ApiError;
use super::language::LanguageQuery;
use super::node::NodeQuery;
use super::pagination::PageArgs;
use super::route::RouteQuery;
use super::search::SearchQuery;
use super::section::SectionQuery;
use super::site::SiteQuery;
use super::taxonomy::TaxonomyRootQuery;
use super::term::{Category, Tag};
use super::webhook::WebhookQuery;
use crate::locale::Locale;
use crate::query::articles::{self, Scope};
use crate::query::{terms, Taxonomy};

/// Every root field.
#[derive(MergedObject, Default)]
pub struct Query(
    ArticleQuery,
    SearchQuery,
    TaxonomyQuery,
    LanguageQuery,
    NodeQuery,
    RouteQuery,
    SiteQuery,
    SectionQuery,
    TaxonomyRootQuery,
    WebhookQuery,
    ChangeQuery,
);

fn parse_locale(locale: Option<String>) -> Result<Option<Locale>, ApiError> {
    locale
        .map(|l| Locale::parse(&l).map_err(|e| ApiError::bad_input("locale", e)))
        .transpose()
}

#[derive(Default)]
pub struct ArticleQuery;

#[Object]
impl ArticleQuery {
    /// A published article by slug; null when there is none (drafts, future
    /// and expired articles are never served). With `locale`, title, summary
    /// and body come from the best translation: the locale itself, its
    /// language (`zh-TW` → `zh`), any locale of that language, else the original.
    async fn article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article's slug, e.g. `000_4da7ae27dc7d0813`.")] slug: String,
        #[graphql(desc = "Preferred locale, e.g. `en` or `zh-TW`.")] locale: Option<String>,
    ) -> Result<Option<Article>, ApiError> {
        let locale = parse_locale(locale)?;
        let l = RequestContext::of(ctx)?;
        let row = articles::by_slug(&l.db, &slug, l.visibility()).await?;
        Ok(cache::found(ctx, row).map(|r| Article::shown(ctx, r, locale)))
    }

    /// Published articles (in a preview, drafts, scheduled and expired ones
    /// too: see `Article.status`), newest first unless `orderBy` says otherwise.
    /// Page with cursors (`first`/`after`, `last`/`before`) or with numbered
    /// pages (`page`/`perPage`, with `pageCount`) for pager UIs.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first, last, per_page], child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many articles from the start (or after `after`), 0 to 100; default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
        #[graphql(desc = "How many articles from the end (or before `before`), 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue before.")] before: Option<String>,
        #[graphql(desc = "Numbered page, from 1 (costs an OFFSET; not with cursors).")] page: Option<i32>,
        #[graphql(desc = "Articles per numbered page, 1 to 100; default 20.")] per_page: Option<i32>,
        #[graphql(desc = "Which articles to list.")] filter: Option<ArticleFilter>,
        #[graphql(desc = "Sort order; default PUBLISHED_AT DESC, ties by id.")] order_by: Option<ArticleOrder>,
        #[graphql(desc = "Preferred locale for each article's title, summary and body.")] locale: Option<String>,
    ) -> Result<ArticleConnection, ApiError> {
        let locale = parse_locale(locale)?;
        let filter = filter.map(ArticleFilter::into_query).transpose()?.unwrap_or_default();
        let scope = Scope {
            filter,
            ..Scope::default()
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
            page,
            per_page,
        };
        let order = order_by.unwrap_or_default().into();
        connection::articles(ctx, "articles", scope, order, args, locale).await
    }
}

#[derive(Default)]
pub struct TaxonomyQuery;

#[Object]
impl TaxonomyQuery {
    /// A tag by slug, e.g. `federal-reserve`; null when there is none.
    async fn tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag's slug.")] slug: String,
    ) -> Result<Option<Tag>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let row = terms::by_slug(&l.db, Taxonomy::Tags, &slug, l.visibility()).await?;
        Ok(cache::found(ctx, row).map(|r| Tag::shown(ctx, r)))
    }

    /// All tags in slug order.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first, last], child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many tags from the start (or after `after`), 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
        #[graphql(desc = "How many tags from the end (or before `before`), 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue before.")] before: Option<String>,
    ) -> Result<Connection<String, Tag, TermListInfo, EmptyFields>, ApiError> {
        connection::terms(ctx, Taxonomy::Tags, PageArgs::cursors(first, after, last, before)).await
    }

    /// A category by slug; null when there is none.
    async fn category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's slug.")] slug: String,
    ) -> Result<Option<Category>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let row = terms::by_slug(&l.db, Taxonomy::Categories, &slug, l.visibility()).await?;
        Ok(cache::found(ctx, row).map(|r| Category::shown(ctx, r)))
    }

    /// All categories in slug order.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first, last], child_complexity)")]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many categories from the start (or after `after`), 0 to 100; default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
        #[graphql(desc = "How many categories from the end (or before `before`), 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue before.")] before: Option<String>,
    ) -> Result<Connection<String, Category, TermListInfo, EmptyFields>, ApiError> {
        connection::terms(ctx, Taxonomy::Categories, PageArgs::cursors(first, after, last, before)).await
    }
}
