//! The `Tag` and `Category` types: one shape, two taxonomies.

use async_graphql::{Context, Object, OutputType, ID};

use super::cache;
use super::connection::{self, ArticleConnection, ArticleListInfo};
use super::context;
use super::context::RequestContext;
use super::error::ApiError;
use super::id::{self, Kind};
use super::loaders::{ArticleCountOf, FirstArticlesOf, TermPathOf};
use super::lookahead::PageTerms;
use super::pagination::PageArgs;
use crate::query::articles::{Order, PageRow, Scope};
use crate::query::keyset::{Page, PageRequest};
use crate::query::terms::TermRow;
use crate::query::Taxonomy;

/// A term's articles, newest first, or in hugo's order of a weighted term
/// when some article weighs it (`tags_weight`), as `Term.articles` lists
/// them. The first or last page (no cursor) of an unweighted term loads for
/// every term of a list in one statement; a page after a cursor belongs to
/// one term's list (a cursor names its term), so it loads alone, as does a
/// weighted term's page (through `Term.articles`' statement).
async fn term_articles(
    ctx: &Context<'_>,
    taxonomy: Taxonomy,
    term: &TermRow,
    args: PageArgs,
) -> Result<ArticleConnection, ApiError> {
    let base = format!("{}:{}:articles", taxonomy.table(), term.id);
    let scope = Scope {
        term: Some((taxonomy, term.id)),
        ..Scope::default()
    };
    if let Some(site_term) = term.weighted_term {
        return connection::weighted_term_articles(ctx, &base, scope, site_term, args, None).await;
    }
    let order = Order::default();
    let list = connection::article_list(&base, order);
    let (limit, from_end) = match args.request(&list, &order.sample_value())? {
        PageRequest::Forward {
            limit,
            after: None,
            before: None,
            ..
        } => (limit, false),
        PageRequest::Backward {
            limit,
            after: None,
            before: None,
            ..
        } => (limit, true),
        _ => return connection::articles(ctx, &base, scope, order, args, None).await,
    };
    let rows = context::loaders(ctx)?
        .load_one(FirstArticlesOf(taxonomy, term.id, limit, from_end))
        .await?;
    let mut rows: Vec<PageRow> = rows
        .map(|r| r.iter().cloned().map(PageRow::Full).collect())
        .unwrap_or_default();
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if from_end {
        rows.reverse();
    }
    let (has_previous, has_next) = if from_end { (more, false) } else { (false, more) };
    let page = Page {
        rows,
        has_previous,
        has_next,
    };
    let page_terms = PageTerms::read(ctx, &page.rows.iter().map(|r| r.card().id).collect::<Vec<_>>()).await?;
    let info = ArticleListInfo::new(scope, limit);
    Ok(connection::article_connection(
        ctx, &list, page, order, info, None, page_terms,
    ))
}

/// A GraphQL type showing one tag or category.
pub trait TermObject: OutputType {
    /// The object of `row`, shown in the response: adds its cache key.
    fn shown(ctx: &Context<'_>, row: TermRow) -> Self;
}

macro_rules! term_type {
    ($name:ident, $taxonomy:expr, $kind:expr, $doc:literal) => {
        #[derive(Clone, Debug)]
        pub struct $name(pub TermRow);

        impl TermObject for $name {
            fn shown(ctx: &Context<'_>, row: TermRow) -> Self {
                cache::term(ctx, $taxonomy.plural(), &row.slug);
                Self(row)
            }
        }

        impl $name {
            /// The term shown in the response: adds its cache key.
            pub fn shown(ctx: &Context<'_>, row: TermRow) -> Self {
                <Self as TermObject>::shown(ctx, row)
            }

            /// Its page's path: that of the default language's site term
            /// the importer stored with the same slug, when the site has one.
            async fn site_path(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
                let l = RequestContext::of(ctx)?;
                let plural = $taxonomy.plural();
                if !l.site.taxonomy_plurals().iter().any(|p| p == plural) {
                    return Ok(None);
                }
                Ok(context::loaders(ctx)?
                    .load_one(TermPathOf(plural.to_owned(), self.0.slug.clone()))
                    .await?)
            }
        }

        #[doc = $doc]
        #[Object]
        impl $name {
            /// Global ID, for `node(id:)`.
            pub async fn id(&self) -> ID {
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

            /// Hugo's `.RelPermalink` of its page in the default language, as
            /// `term(taxonomy:, slug:) { relPermalink }` gives it; null when the
            /// site's taxonomies do not include it (hugo builds no page then).
            async fn rel_permalink(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
                let site = &RequestContext::of(ctx)?.site;
                Ok(self.site_path(ctx).await?.map(|p| site.rel_permalink(&p)))
            }

            /// Hugo's `.Permalink` of its page in the default language; null
            /// as `relPermalink` is.
            async fn url(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
                let site = &RequestContext::of(ctx)?.site;
                Ok(self.site_path(ctx).await?.map(|p| site.permalink(&p)))
            }

            /// How many published articles carry it (in a preview, every article).
            async fn article_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
                let n = context::loaders(ctx)?
                    .load_one(ArticleCountOf($taxonomy, self.0.id))
                    .await?;
                Ok(n.unwrap_or(0))
            }

            /// Its published articles (in a preview, every article), newest
            /// first; when some article weighs the term (front matter
            /// `tags_weight` / `categories_weight`), in hugo's order of a
            /// weighted term instead, as `Term.articles` lists it.
            #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first, last], child_complexity)")]
            async fn articles(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "How many articles from the start (or after `after`), 0 to 100; default 20.")]
                first: Option<i32>,
                #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
                #[graphql(desc = "How many articles from the end (or before `before`), 0 to 100.")] last: Option<i32>,
                #[graphql(desc = "Cursor of the edge to continue before.")] before: Option<String>,
            ) -> Result<ArticleConnection, ApiError> {
                term_articles(
                    ctx,
                    $taxonomy,
                    &self.0,
                    PageArgs::cursors(first, after, last, before),
                )
                .await
            }
        }
    };
}

term_type!(Tag, Taxonomy::Tags, Kind::Tag, "A tag from front matter `tags`.");
term_type!(
    Category,
    Taxonomy::Categories,
    Kind::Category,
    "A category from front matter `categories`."
);
