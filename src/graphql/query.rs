//! The root `Query`: articles, tags and categories.

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, MergedObject, Object};

use super::article::Article;
use super::connection::{self, ArticleConnection, TermListInfo};
use super::error::ApiError;
use super::loaders;
use super::term::{Category, Tag};
use crate::locale::Locale;
use crate::query::articles::{self, Scope};
use crate::query::{terms, Taxonomy};

/// Every root field.
#[derive(MergedObject, Default)]
pub struct Query(ArticleQuery, TaxonomyQuery);

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
        let l = loaders::get(ctx)?.loader();
        let row = articles::by_slug(&l.db, &slug, l.now).await?;
        Ok(row.map(|r| Article::new(r, locale)))
    }

    /// Published articles, newest first (ties by id).
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many articles, 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
        #[graphql(desc = "Preferred locale for each article's title, summary and body.")] locale: Option<String>,
    ) -> Result<ArticleConnection, ApiError> {
        let locale = parse_locale(locale)?;
        connection::articles(ctx, "articles", Scope::default(), first, after, locale).await
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
        let db = &loaders::get(ctx)?.loader().db;
        Ok(terms::by_slug(db, Taxonomy::Tags, &slug).await?.map(Tag))
    }

    /// All tags in slug order.
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many tags, 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
    ) -> Result<Connection<String, Tag, TermListInfo, EmptyFields>, ApiError> {
        connection::terms(ctx, Taxonomy::Tags, first, after).await
    }

    /// A category by slug; null when there is none.
    async fn category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's slug.")] slug: String,
    ) -> Result<Option<Category>, ApiError> {
        let db = &loaders::get(ctx)?.loader().db;
        Ok(terms::by_slug(db, Taxonomy::Categories, &slug).await?.map(Category))
    }

    /// All categories in slug order.
    async fn categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many categories, 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
    ) -> Result<Connection<String, Category, TermListInfo, EmptyFields>, ApiError> {
        connection::terms(ctx, Taxonomy::Categories, first, after).await
    }
}
