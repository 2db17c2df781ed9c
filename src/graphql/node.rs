//! The `Node` interface and `node(id:)` / `nodes(ids:)`: any object by global ID.

use async_graphql::{Context, Interface, Object, ID};

use super::article::{Article, Translation};
use super::cache;
use super::context;
use super::error::ApiError;
use super::id::{self, Kind};
use super::loaders::{ArticleById, TermById, TranslationById};
use super::pagination::MAX_PAGE;
use super::term::{Category, Tag};
use crate::query::Taxonomy;

/// An object with a global ID, fetchable again with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID: opaque; pass it to `node(id:)`."))]
pub enum Node {
    Article(Article),
    Tag(Tag),
    Category(Category),
    Translation(Translation),
}

async fn load(ctx: &Context<'_>, argument: &str, raw: &ID) -> Result<Option<Node>, ApiError> {
    let (kind, n) = id::decode(argument, raw)?;
    let loaders = context::loaders(ctx)?;
    let node = match kind {
        Kind::Article => loaders
            .load_one(ArticleById(n))
            .await?
            .map(|r| Node::Article(Article::shown(ctx, r, None))),
        Kind::Tag => loaders
            .load_one(TermById(Taxonomy::Tags, n))
            .await?
            .map(|r| Node::Tag(Tag::shown(ctx, r))),
        Kind::Category => loaders
            .load_one(TermById(Taxonomy::Categories, n))
            .await?
            .map(|r| Node::Category(Category::shown(ctx, r))),
        Kind::Translation => loaders
            .load_one(TranslationById(n))
            .await?
            .map(|r| Node::Translation(Translation::shown(ctx, r))),
    };
    Ok(cache::found(ctx, node))
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global ID; null when there is none (or it is not
    /// public). An ID not made by this API is a BAD_USER_INPUT error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from an `id` field.")] id: ID,
    ) -> Result<Option<Node>, ApiError> {
        load(ctx, "id", &id).await
    }

    /// The objects with these global IDs, in the same order, null where there is none; at most 100.
    #[graphql(
        complexity = "crate::graphql::limits::connection_cost(&[i32::try_from(ids.len()).ok()], child_complexity)"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs from `id` fields; at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>, ApiError> {
        if ids.len() > usize::try_from(MAX_PAGE).unwrap_or(100) {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_PAGE} IDs")));
        }
        // Loads run concurrently, so the loaders batch them into one statement per kind.
        let loads = ids.iter().map(|id| load(ctx, "ids", id));
        futures_util::future::try_join_all(loads).await
    }
}
