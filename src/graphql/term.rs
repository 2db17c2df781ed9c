//! The `Tag` and `Category` types: one shape, two taxonomies.

use async_graphql::{Context, Object, ID};

use super::connection::{self, ArticleConnection};
use super::error::ApiError;
use super::id::{self, Kind};
use super::loaders::{self, ArticleCountOf};
use crate::query::articles::Scope;
use crate::query::terms::TermRow;
use crate::query::Taxonomy;

macro_rules! term_type {
    ($name:ident, $taxonomy:expr, $kind:expr, $doc:literal, $list:literal) => {
        #[derive(Clone, Debug)]
        pub struct $name(pub TermRow);

        impl From<TermRow> for $name {
            fn from(row: TermRow) -> Self {
                Self(row)
            }
        }

        #[doc = $doc]
        #[Object]
        impl $name {
            /// Global ID.
            async fn id(&self) -> ID {
                id::encode($kind, self.0.id)
            }

            /// Lower-cased name with spaces as `-`; Unicode letters kept (`federal-reserve`, `日本央行`).
            async fn slug(&self) -> &str {
                &self.0.slug
            }

            /// The name as first written in front matter.
            async fn name(&self) -> &str {
                &self.0.name
            }

            /// How many published articles carry it.
            async fn article_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
                let n = loaders::get(ctx)?
                    .load_one(ArticleCountOf($taxonomy, self.0.id))
                    .await?;
                Ok(n.unwrap_or(0))
            }

            /// Its published articles, newest first.
            async fn articles(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "How many articles, 0 to 100; default 20.")] first: Option<i32>,
                #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
            ) -> Result<ArticleConnection, ApiError> {
                let list = format!(concat!($list, ":{}:articles"), self.0.id);
                let scope = Scope {
                    term: Some(($taxonomy, self.0.id)),
                };
                connection::articles(ctx, &list, scope, first, after, None).await
            }
        }
    };
}

term_type!(Tag, Taxonomy::Tags, Kind::Tag, "A tag from front matter `tags`.", "tag");
term_type!(
    Category,
    Taxonomy::Categories,
    Kind::Category,
    "A category from front matter `categories`.",
    "category"
);
