//! The `search` root field: ranked full-text matches with score and snippet.

use std::sync::Arc;

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EnableNodesField};
use async_graphql::{Context, Object, OutputType};
use sha2::{Digest, Sha256};

use super::article::filter::ArticleFilter;
use super::article::Article;
use super::cache;
use super::connection::{page_size, ArticleListInfo};
use super::context::RequestContext;
use super::error::ApiError;
use super::lookahead::PageTerms;
use super::pagination::{self, PageArgs};
use crate::locale::Locale;
use crate::query::articles::{Filter, Scope};
use crate::query::keyset::SortValue;
use crate::query::search::{self, WordCounts};
use crate::search::{matcher, snippet};
use crate::text::markdown;

/// Names the connection `SearchConnection`.
pub struct SearchConnectionName;

impl ConnectionNameType for SearchConnectionName {
    fn type_name<T: OutputType>() -> String {
        "SearchConnection".into()
    }
}

/// Names the edge `SearchEdge`.
pub struct SearchEdgeName;

impl EdgeNameType for SearchEdgeName {
    fn type_name<T: OutputType>() -> String {
        "SearchEdge".into()
    }
}

/// How well an edge's article matched, and where.
pub struct SearchHit {
    score: f64,
    article: Article,
    words: Vec<String>,
}

#[Object]
impl SearchHit {
    /// Relevance: higher is better (bm25 over title, summary and body; title weighs most).
    async fn score(&self) -> f64 {
        self.score
    }

    /// The best matching passage of the served body (else title or summary),
    /// HTML-escaped, with matched words in `<mark>`. A hit is served in the
    /// version that matched unless `locale` asks for another; null when the
    /// match was in another locale's version.
    async fn snippet(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        let served = self.article.served_text(ctx).await?;
        Ok([markdown::to_text(&served.body), served.title, served.summary]
            .iter()
            .find_map(|text| snippet::best_passage(text, &self.words)))
    }
}

pub type SearchConnection =
    Connection<String, Article, ArticleListInfo, SearchHit, SearchConnectionName, SearchEdgeName, EnableNodesField>;

fn list_name(query: &str) -> String {
    let digest = Sha256::digest(query.trim().as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("search:{hex}")
}

/// The translation a hit matched in, if not its original: served by
/// default, so its title and snippet show what was found.
fn matched_translation(hit: &search::Ranked) -> Option<Locale> {
    (hit.locale != hit.article.lang)
        .then(|| Locale::parse(&hit.locale).ok())
        .flatten()
}

/// Maximum length of a search query, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over titles, summaries and bodies (translations
    /// included), best match first. Chinese is segmented into words; every
    /// word of the query must match. Any text is accepted: quotes, `*`,
    /// `AND` or `NEAR(` are searched for as words, never read as syntax.
    /// The 1,000 most recently indexed matching versions (after the filter)
    /// are ranked and can be paged through; `totalCount` counts every match,
    /// and `articles(filter: { search })` lists them all, newest first.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first, last], child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to search for, e.g. `北约` or `federal reserve`; at most 256 characters.")]
        query: String,
        #[graphql(desc = "How many results from the start (or after `after`), 0 to 100; default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
        #[graphql(desc = "How many results from the end (or before `before`), 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue before.")] before: Option<String>,
        #[graphql(desc = "Only results that also match this filter.")] filter: Option<ArticleFilter>,
        #[graphql(
            desc = "Preferred locale for each result's title, summary, body and snippet; by default each result is served in the version (original or translation) that matched best."
        )]
        locale: Option<String>,
    ) -> Result<SearchConnection, ApiError> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::bad_input(
                "query",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let locale = locale
            .map(|l| Locale::parse(&l).map_err(|e| ApiError::bad_input("locale", e)))
            .transpose()?;
        let filter = filter.map(ArticleFilter::into_query).transpose()?.unwrap_or_default();
        let list = list_name(&query);
        let req = PageArgs::cursors(first, after, last, before).request(&list, &SortValue::Float(0.0))?;
        let scope = Scope {
            filter: filter.clone(),
            ..Scope::default()
        };
        let l = RequestContext::of(ctx)?;
        let counts = ctx
            .data::<Arc<WordCounts>>()
            .map_err(|_| ApiError::Internal("request has no word counts".into()))?;
        let page = search::page(&l.db, &scope, &query, &req, l.visibility(), counts).await?;

        // totalCount and facets count the same matches, through the filter.
        let counted = Scope {
            filter: Filter {
                search: Some(query.clone()),
                and: vec![filter],
                ..Filter::default()
            },
            ..Scope::default()
        };
        let info = ArticleListInfo::new(counted, page_size(&req));
        cache::any_article(ctx);
        let ids: Vec<i32> = page.rows.iter().map(|hit| hit.article.id).collect();
        let page_terms = PageTerms::read(ctx, &ids).await?;
        let words = matcher::highlight_words(&query);
        let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, info);
        conn.edges.extend(page.rows.into_iter().map(|hit| {
            let cursor = pagination::encode(&list, &hit.key());
            // The version that matched, unless `locale` asks for another.
            let served = locale.clone().or_else(|| matched_translation(&hit));
            let article = Article::shown(ctx, hit.article, served).with_page_terms(page_terms.clone());
            let fields = SearchHit {
                score: -hit.rank,
                article: article.clone(),
                words: words.clone(),
            };
            Edge::with_additional_fields(cursor, article, fields)
        }));
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use crate::query::search::RANK_WINDOW;

    #[test]
    fn the_schema_states_the_ranked_window_the_server_uses() {
        let stated = "The 1,000 most recently indexed matching versions";
        assert!(crate::graphql::sdl().contains(stated));
        assert_eq!(RANK_WINDOW, 1_000, "update the `search` description: {stated}");
    }
}
