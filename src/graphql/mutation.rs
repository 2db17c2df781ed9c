//! The root `Mutation`: editing articles, tags and categories. Every field
//! needs `Authorization: Bearer <token>` matching the configured admin token.

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};

use super::article::Article;
use super::auth::AdminGuard;
use super::context::RequestContext;
use super::error::ApiError;
use super::id::{self, Kind};
use super::term::{Category, Tag};
use super::webhook::{self, WebhookDelivery};
use crate::edit::{self, ArticleFields, EditError};
use crate::query::Taxonomy;

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Invalid { field, reason } => ApiError::bad_input(&format!("input.{field}"), reason),
            EditError::NotFound(what) => ApiError::BadUserInput(format!("no such {what}")),
            EditError::Db(e) => e.into(),
        }
    }
}

/// A new article. Tags and categories are names; their slugs are made as the importer makes them.
#[derive(InputObject, Default)]
pub struct CreateArticleInput {
    /// URL identity; any characters but `/`, whitespace and control characters (trimmed); at most 200 characters.
    pub slug: String,
    /// 1 to 500 characters.
    pub title: String,
    /// Markdown; at most 1 MiB.
    pub body: String,
    /// Publication instant.
    pub published_at: DateTime<Utc>,
    /// Locale code, e.g. `zh-CN`.
    pub lang: String,
    /// A summary; made from the body (first 70 words) when not given.
    pub summary: Option<String>,
    /// Tag names, in order.
    pub tags: Option<Vec<String>>,
    /// Category names, in order.
    pub categories: Option<Vec<String>>,
    /// Image URL.
    pub thumbnail: Option<String>,
    /// Standfirst.
    pub lead: Option<String>,
    /// A draft is stored but not served.
    pub draft: Option<bool>,
    /// Source name (with `sourceUrl`).
    pub source_name: Option<String>,
    /// Source link (with `sourceName`).
    pub source_url: Option<String>,
}

/// Changes to an article; fields left out stay as they are.
#[derive(InputObject, Default)]
pub struct UpdateArticleInput {
    /// A new slug (the old URL stops working).
    pub slug: Option<String>,
    /// 1 to 500 characters.
    pub title: Option<String>,
    /// Markdown; at most 1 MiB. The summary is remade from it unless one is given.
    pub body: Option<String>,
    /// Publication instant.
    pub published_at: Option<DateTime<Utc>>,
    /// Locale code.
    pub lang: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Tag names, replacing the article's tags.
    pub tags: Option<Vec<String>>,
    /// Category names, replacing the article's categories.
    pub categories: Option<Vec<String>>,
    /// Image URL; empty to remove.
    pub thumbnail: Option<String>,
    /// Standfirst; empty to remove.
    pub lead: Option<String>,
    /// Draft flag.
    pub draft: Option<bool>,
    /// Source name.
    pub source_name: Option<String>,
    /// Source link.
    pub source_url: Option<String>,
}

fn article_id(id: &ID) -> Result<i32, ApiError> {
    id::article("id", id)
}

fn term_id(id: &ID, taxonomy: Taxonomy) -> Result<i32, ApiError> {
    match (id::decode("id", id)?, taxonomy) {
        ((Kind::Tag, n), Taxonomy::Tags) | ((Kind::Category, n), Taxonomy::Categories) => Ok(n),
        _ => Err(ApiError::bad_input("id", format!("not a {} ID", taxonomy.table()))),
    }
}

fn db<'a>(ctx: &Context<'a>) -> Result<&'a sea_orm::DatabaseConnection, ApiError> {
    Ok(&RequestContext::of(ctx)?.db)
}

fn hub<'a>(ctx: &Context<'a>) -> Result<&'a crate::live::Hub, ApiError> {
    ctx.data::<crate::live::Hub>()
        .map_err(|_| ApiError::Internal("request has no change hub".into()))
}

/// The term key (`Site::term_lang`) a tag or category mutation's `locale`
/// limits it to; none without one.
fn mutation_lang(ctx: &Context<'_>, locale: Option<&str>) -> Result<Option<String>, ApiError> {
    locale.map(|l| super::taxonomy::term_lang(ctx, Some(l))).transpose()
}

#[derive(Default)]
pub struct Mutation;

/// Editing. Each field is one transaction that also updates the search
/// index, links and counts, and needs `Authorization: Bearer <admin token>`:
/// without it (or with a wrong one) the answer is UNAUTHENTICATED and nothing changes.
#[Object(guard = "AdminGuard")]
impl Mutation {
    /// Creates an article (it appears in lists at once unless it is a draft or dated in the future).
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new article.")] input: CreateArticleInput,
    ) -> Result<Article, ApiError> {
        let fields = ArticleFields {
            slug: Some(input.slug),
            title: Some(input.title),
            summary: input.summary,
            body: Some(input.body),
            published_at: Some(input.published_at),
            lang: Some(input.lang),
            tags: input.tags,
            categories: input.categories,
            thumbnail: input.thumbnail,
            lead: input.lead,
            draft: input.draft,
            source_name: input.source_name,
            source_url: input.source_url,
        };
        Ok(Article::new(
            edit::create_article(db(ctx)?, hub(ctx)?, &RequestContext::of(ctx)?.site, &fields).await?,
            None,
        ))
    }

    /// Changes an article; its translations are kept.
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article's global ID.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateArticleInput,
    ) -> Result<Article, ApiError> {
        let fields = ArticleFields {
            slug: input.slug,
            title: input.title,
            summary: input.summary,
            body: input.body,
            published_at: input.published_at,
            lang: input.lang,
            tags: input.tags,
            categories: input.categories,
            thumbnail: input.thumbnail,
            lead: input.lead,
            draft: input.draft,
            source_name: input.source_name,
            source_url: input.source_url,
        };
        Ok(Article::new(
            edit::update_article(
                db(ctx)?,
                hub(ctx)?,
                &RequestContext::of(ctx)?.site,
                article_id(&id)?,
                &fields,
            )
            .await?,
            None,
        ))
    }

    /// Deletes an article with its translations; returns its ID.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The article's global ID.")] id: ID,
    ) -> Result<ID, ApiError> {
        edit::delete_article(db(ctx)?, hub(ctx)?, article_id(&id)?).await?;
        Ok(id)
    }

    /// Creates a tag; its slug is made from the name and must be free.
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag's name.")] name: String,
    ) -> Result<Tag, ApiError> {
        Ok(Tag(edit::create_term(db(ctx)?, Taxonomy::Tags, &name).await?))
    }

    /// Renames a tag; its slug (and so its URLs) stay. In every language
    /// (the tag and each language's `Term`), or with `locale` only that
    /// language's `Term`, the tag keeping its name.
    async fn rename_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag's global ID.")] id: ID,
        #[graphql(desc = "The new name.")] name: String,
        #[graphql(
            desc = "Only this language's term (`term(…, locale:)`), e.g. `fr`; the tag itself and the other languages' terms stay. Default: every language's, and the tag."
        )]
        locale: Option<String>,
    ) -> Result<Tag, ApiError> {
        let lang = mutation_lang(ctx, locale.as_deref())?;
        Ok(Tag(edit::rename_term(
            db(ctx)?,
            hub(ctx)?,
            Taxonomy::Tags,
            term_id(&id, Taxonomy::Tags)?,
            &name,
            lang.as_deref(),
        )
        .await?))
    }

    /// Deletes a tag and its links to articles, in every language; with
    /// `locale`, only that language's `Term` and its links (the tag
    /// stays). Returns its ID.
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag's global ID.")] id: ID,
        #[graphql(
            desc = "Only this language's term (`term(…, locale:)`), e.g. `fr`; the tag itself and the other languages' terms stay. Default: every language's, and the tag."
        )]
        locale: Option<String>,
    ) -> Result<ID, ApiError> {
        let lang = mutation_lang(ctx, locale.as_deref())?;
        let term = term_id(&id, Taxonomy::Tags)?;
        edit::delete_term(db(ctx)?, hub(ctx)?, Taxonomy::Tags, term, lang.as_deref()).await?;
        Ok(id)
    }

    /// Creates a category; its slug is made from the name and must be free.
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's name.")] name: String,
    ) -> Result<Category, ApiError> {
        Ok(Category(
            edit::create_term(db(ctx)?, Taxonomy::Categories, &name).await?,
        ))
    }

    /// Renames a category; its slug (and so its URLs) stay. In every
    /// language (the category and each language's `Term`), or with
    /// `locale` only that language's `Term`, the category keeping its name.
    async fn rename_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's global ID.")] id: ID,
        #[graphql(desc = "The new name.")] name: String,
        #[graphql(
            desc = "Only this language's term (`term(…, locale:)`), e.g. `fr`; the category itself and the other languages' terms stay. Default: every language's, and the category."
        )]
        locale: Option<String>,
    ) -> Result<Category, ApiError> {
        let lang = mutation_lang(ctx, locale.as_deref())?;
        let id = term_id(&id, Taxonomy::Categories)?;
        Ok(Category(
            edit::rename_term(db(ctx)?, hub(ctx)?, Taxonomy::Categories, id, &name, lang.as_deref()).await?,
        ))
    }

    /// Deletes a category and its links to articles, in every language;
    /// with `locale`, only that language's `Term` and its links (the
    /// category stays). Returns its ID.
    async fn delete_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's global ID.")] id: ID,
        #[graphql(
            desc = "Only this language's term (`term(…, locale:)`), e.g. `fr`; the category itself and the other languages' terms stay. Default: every language's, and the category."
        )]
        locale: Option<String>,
    ) -> Result<ID, ApiError> {
        let lang = mutation_lang(ctx, locale.as_deref())?;
        let term = term_id(&id, Taxonomy::Categories)?;
        edit::delete_term(db(ctx)?, hub(ctx)?, Taxonomy::Categories, term, lang.as_deref()).await?;
        Ok(id)
    }

    /// Queues a new delivery of a webhook delivery's event to the same hook,
    /// sent within a few seconds, outside the hook's ordered stream (it
    /// neither waits for earlier events nor holds up later ones), with the
    /// same `webhook-id` so receivers can drop it if they had it. Returns
    /// the new delivery.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global ID of the delivery to send again.")] id: ID,
    ) -> Result<WebhookDelivery, ApiError> {
        let db = db(ctx)?;
        let delivery = crate::store::webhooks::redeliver(db, webhook::decode_id("id", &id)?, Utc::now())
            .await?
            .ok_or_else(|| ApiError::bad_input("id", "no such webhook delivery"))?;
        let mut page = webhook::with_types(db, vec![delivery]).await?;
        page.pop()
            .ok_or_else(|| ApiError::Internal("a redelivery vanished".into()))
    }
}
