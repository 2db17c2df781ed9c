//! Relay connections for articles and terms: pages from the query layer,
//! cursors, and `totalCount`, `pageCount` and `facets`, each computed only
//! when a query selects it.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, SimpleObject};

use super::article::Article;
use super::cache;
use super::context::{self, RequestContext};
use super::error::ApiError;
use super::loaders::ArticleCountOf;
use super::lookahead::{self, PageTerms};
use super::pagination::{self, PageArgs};
use super::term::{Category, Tag, TermObject};
use crate::locale::Locale;
use crate::query::articles::{self, Order, PageRow, Scope};
use crate::query::keyset::{Key, Page, PageRequest, SortValue};
use crate::query::terms::{self, TermRow};
use crate::query::Taxonomy;

/// Extra fields of an article connection.
pub struct ArticleListInfo {
    scope: Scope,
    page_size: u64,
    /// Counted once per connection: `totalCount` and `pageCount` share it.
    total: tokio::sync::OnceCell<i64>,
}

impl ArticleListInfo {
    pub fn new(scope: Scope, page_size: u64) -> Self {
        ArticleListInfo {
            scope,
            page_size,
            total: tokio::sync::OnceCell::new(),
        }
    }

    async fn total(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        self.total.get_or_try_init(|| self.count(ctx)).await.copied()
    }

    async fn count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let loaders = context::loaders(ctx)?;
        // A whole tag's or category's list is its article count: batched across parents.
        if let Some((taxonomy, id)) = self.scope.is_whole_term() {
            return Ok(loaders.load_one(ArticleCountOf(taxonomy, id)).await?.unwrap_or(0));
        }
        let l = loaders.loader();
        let n = articles::count(&l.db, &self.scope, l.visibility()).await?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

#[Object]
impl ArticleListInfo {
    /// How many articles the whole list holds, across all pages, under its filter.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        self.total(ctx).await
    }

    /// How many pages of this page's size the list fills (for pager UIs); 0 when empty.
    async fn page_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let total = u64::try_from(self.total(ctx).await?).unwrap_or(0);
        let pages = if self.page_size == 0 {
            0
        } else {
            total.div_ceil(self.page_size)
        };
        Ok(i64::try_from(pages).unwrap_or(i64::MAX))
    }

    /// Counts of tags, categories, any taxonomy's terms and languages among
    /// the list's articles (all pages).
    async fn facets(&self) -> ArticleFacets {
        ArticleFacets {
            scope: self.scope.clone(),
        }
    }
}

/// The facets of one article list.
pub struct ArticleFacets {
    scope: Scope,
}

/// A tag and how many articles of the list carry it.
#[derive(SimpleObject)]
pub struct TagFacet {
    /// The tag.
    pub tag: Tag,
    /// Articles of the list carrying it.
    pub count: i64,
}

/// A category and how many articles of the list are filed under it.
#[derive(SimpleObject)]
pub struct CategoryFacet {
    /// The category.
    pub category: Category,
    /// Articles of the list filed under it.
    pub count: i64,
}

/// A term of any taxonomy and how many articles of the list name it.
#[derive(SimpleObject)]
pub struct TermFacet {
    /// The term.
    pub term: super::taxonomy::Term,
    /// Articles of the list naming it.
    pub count: i64,
}

/// A locale and how many articles of the list are available in it.
#[derive(SimpleObject)]
pub struct LanguageFacet {
    /// Locale code, e.g. `zh-CN`.
    pub code: String,
    /// Articles of the list available in it (as original or translation).
    pub count: i64,
}

fn facet_limit(first: i32) -> Result<u64, ApiError> {
    if (1..=pagination::MAX_PAGE).contains(&first) {
        Ok(u64::try_from(first).unwrap_or(1))
    } else {
        Err(ApiError::bad_input(
            "first",
            format!("must be between 1 and {}, got {first}", pagination::MAX_PAGE),
        ))
    }
}

/// Counts within a list of articles (all its pages), for sidebars such as a tag list.
#[Object]
impl ArticleFacets {
    /// The most used tags, most articles first (ties by slug).
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[Some(first)], child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10, desc = "How many tags, 1 to 100; default 10.")] first: i32,
    ) -> Result<Vec<TagFacet>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let rows =
            articles::term_facets(&l.db, &self.scope, Taxonomy::Tags, facet_limit(first)?, l.visibility()).await?;
        Ok(rows
            .into_iter()
            .map(|r| TagFacet {
                tag: Tag::shown(
                    ctx,
                    TermRow {
                        id: r.id,
                        slug: r.slug,
                        name: r.name,
                        weighted_term: r.weighted_term,
                    },
                ),
                count: r.count,
            })
            .collect())
    }

    /// The most used categories, most articles first (ties by slug).
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[Some(first)], child_complexity)")]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10, desc = "How many categories, 1 to 100; default 10.")] first: i32,
    ) -> Result<Vec<CategoryFacet>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let rows = articles::term_facets(
            &l.db,
            &self.scope,
            Taxonomy::Categories,
            facet_limit(first)?,
            l.visibility(),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CategoryFacet {
                category: Category::shown(
                    ctx,
                    TermRow {
                        id: r.id,
                        slug: r.slug,
                        name: r.name,
                        weighted_term: r.weighted_term,
                    },
                ),
                count: r.count,
            })
            .collect())
    }

    /// The most used terms of one of the site's taxonomies (`series`), most
    /// articles first (ties by slug); empty for a taxonomy the site does not define.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[Some(first)], child_complexity)")]
    async fn terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The taxonomy's plural name, e.g. `series`.")] taxonomy: String,
        #[graphql(default = 10, desc = "How many terms, 1 to 100; default 10.")] first: i32,
    ) -> Result<Vec<TermFacet>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let taxonomy = taxonomy.trim().to_lowercase();
        let rows = crate::query::taxonomies::facets(&l.db, &self.scope, &taxonomy, facet_limit(first)?, l.visibility())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(row, count)| TermFacet {
                term: super::taxonomy::Term::shown(ctx, row),
                count,
            })
            .collect())
    }

    /// Every locale the list's articles are available in, most articles first.
    async fn languages(&self, ctx: &Context<'_>) -> Result<Vec<LanguageFacet>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let rows = articles::locale_facets(&l.db, &self.scope, l.visibility()).await?;
        Ok(rows
            .into_iter()
            .map(|r| LanguageFacet {
                code: r.locale,
                count: r.count,
            })
            .collect())
    }
}

pub type ArticleConnection = Connection<String, Article, ArticleListInfo, EmptyFields>;

/// The size a page request asks for.
pub fn page_size(req: &PageRequest) -> u64 {
    match req {
        PageRequest::Forward { limit, .. } | PageRequest::Backward { limit, .. } => *limit,
        PageRequest::Numbered { per_page, .. } => *per_page,
    }
}

/// The cursor-list name of an article list in `order`.
pub fn article_list(base: &str, order: Order) -> String {
    format!("{base}:{}", order.name())
}

/// Builds an article connection from a page of rows.
pub fn article_connection(
    ctx: &Context<'_>,
    list: &str,
    page: Page<PageRow>,
    order: Order,
    info: ArticleListInfo,
    locale: Option<Locale>,
    page_terms: Option<Arc<PageTerms>>,
) -> ArticleConnection {
    let keys: Vec<Key> = page.rows.iter().map(|row| order.key_of(row.card())).collect();
    keyed_connection(ctx, list, page, keys, info, locale, page_terms)
}

/// Builds an article connection from a page of rows and their keys (in order).
fn keyed_connection(
    ctx: &Context<'_>,
    list: &str,
    page: Page<PageRow>,
    keys: Vec<Key>,
    info: ArticleListInfo,
    locale: Option<Locale>,
    page_terms: Option<Arc<PageTerms>>,
) -> ArticleConnection {
    let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, info);
    conn.edges.extend(page.rows.into_iter().zip(keys).map(|(row, key)| {
        let cursor = pagination::encode(list, &key);
        let article = Article::of_page(ctx, row, locale.clone()).with_page_terms(page_terms.clone());
        Edge::new(cursor, article)
    }));
    conn
}

/// A page of term `term_id`'s articles (`scope`) in Hugo's order of a
/// weighted term: `<taxonomy>_weight` ascending, then newest first. `base`
/// names the list in its cursors.
pub async fn weighted_term_articles(
    ctx: &Context<'_>,
    base: &str,
    scope: Scope,
    term_id: i32,
    args: PageArgs,
    locale: Option<Locale>,
) -> Result<ArticleConnection, ApiError> {
    let order = Order::default();
    let list = format!("{}:weight", article_list(base, order));
    let req = args
        .request(&list, &order.sample_value())?
        .with_sides(lookahead::sides(ctx));
    cache::list(ctx, &scope);
    let l = RequestContext::of(ctx)?;
    let columns = lookahead::columns(ctx);
    let (page, keys) =
        articles::page_by_term_weight(&l.db, &scope, term_id, order, &req, l.visibility(), columns).await?;
    let page_terms = PageTerms::read(ctx, &page.rows.iter().map(|r| r.card().id).collect::<Vec<_>>()).await?;
    let info = ArticleListInfo::new(scope, page_size(&req));
    Ok(keyed_connection(ctx, &list, page, keys, info, locale, page_terms))
}

/// A page of `scope` in `order`. `base` names the list in its cursors.
pub async fn articles(
    ctx: &Context<'_>,
    base: &str,
    scope: Scope,
    order: Order,
    args: PageArgs,
    locale: Option<Locale>,
) -> Result<ArticleConnection, ApiError> {
    let list = article_list(base, order);
    let req = args
        .request(&list, &order.sample_value())?
        .with_sides(lookahead::sides(ctx));
    cache::list(ctx, &scope);
    let l = RequestContext::of(ctx)?;
    let columns = lookahead::columns(ctx);
    let page = articles::page(&l.db, &scope, order, &req, l.visibility(), columns).await?;
    let page_terms = PageTerms::read(ctx, &page.rows.iter().map(|r| r.card().id).collect::<Vec<_>>()).await?;
    let info = ArticleListInfo::new(scope, page_size(&req));
    Ok(article_connection(ctx, &list, page, order, info, locale, page_terms))
}

/// Extra fields of a tag or category connection.
pub struct TermListInfo {
    taxonomy: Taxonomy,
}

#[Object]
impl TermListInfo {
    /// How many terms the whole list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let l = RequestContext::of(ctx)?;
        let n = terms::count(&l.db, self.taxonomy, l.visibility()).await?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A page of tags or categories in slug order, mapped to their GraphQL
/// type. Which terms are listed depends on which articles are public, so
/// any article's change invalidates it.
pub async fn terms<T: TermObject>(
    ctx: &Context<'_>,
    taxonomy: Taxonomy,
    args: PageArgs,
) -> Result<Connection<String, T, TermListInfo, EmptyFields>, ApiError> {
    let list = taxonomy.table();
    let req = args
        .request(list, &SortValue::Text(String::new()))?
        .with_sides(lookahead::sides(ctx));
    cache::any_article(ctx);
    let l = RequestContext::of(ctx)?;
    let page = terms::page(&l.db, taxonomy, &req, l.visibility()).await?;
    let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, TermListInfo { taxonomy });
    conn.edges.extend(
        page.rows
            .into_iter()
            .map(|row| Edge::new(pagination::encode(list, &terms::key_of(&row)), T::shown(ctx, row))),
    );
    Ok(conn)
}
