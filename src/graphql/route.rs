//! `route(path:)`: what the site serves at a path, so a frontend can route
//! any request path to its content as Hugo would.

use async_graphql::{Context, Object, SimpleObject, Union};

use super::article::Article;
use super::cache;
use super::context::RequestContext;
use super::error::ApiError;
use super::section::Section;
use super::taxonomy::{Taxonomy, Term};
use crate::locale::Locale;
use crate::query::routes::{self, Found};

/// What a site path leads to.
#[derive(Union)]
pub enum Route {
    /// The article published at the path; at a translation's path, the
    /// article served in that translation (its `locale` says which).
    Article(Article),
    /// The section (or home page) listed at the path, in the language whose path it is.
    Section(Section),
    /// A taxonomy's list of terms (`/tags/`).
    Taxonomy(Taxonomy),
    /// A term's list of articles (`/tags/rates/`).
    Term(Term),
    /// A path the content lists among a page's `aliases`: send the client there.
    Redirect(Redirect),
}

/// A redirect to a page's canonical URL (Hugo writes an alias page that
/// redirects there).
#[derive(SimpleObject)]
pub struct Redirect {
    /// The canonical `relPermalink` to send the client to.
    pub location: String,
    /// Whether the move is permanent (HTTP 301/308): aliases are.
    pub permanent: bool,
}

#[derive(Default)]
pub struct RouteQuery;

#[Object]
impl RouteQuery {
    /// What Hugo would serve at `path`: an article, a section (the home
    /// page included), a taxonomy or one of its terms, a redirect from one
    /// of a page's `aliases` (none with the site's `disableAliases`), or
    /// null. The path may include the baseURL's path or
    /// not, end with `/` or not, and be percent-encoded or not.
    async fn route(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A site path, e.g. `/news/markets/rates/` or `/news/markets/rates`.")] path: String,
    ) -> Result<Option<Route>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let Some(path) = l.site.request_path(&path) else {
            return Ok(None);
        };
        // A taxonomy's page path comes from the config, not the store.
        let mut candidates = vec![path.clone()];
        if !path.ends_with('/') {
            candidates.push(format!("{path}/"));
        }
        if let Some(t) = Taxonomy::at(ctx, &candidates)? {
            return Ok(Some(Route::Taxonomy(t)));
        }
        let found = routes::resolve(&l.db, &path, l.visibility()).await?;
        Ok(match cache::found(ctx, found) {
            Some(Found::Article(full)) => Some(Route::Article(Article::shown(ctx, *full, None))),
            Some(Found::Translation { article, locale }) => {
                let locale = Locale::parse(&locale).ok();
                Some(Route::Article(Article::shown(ctx, *article, locale)))
            }
            Some(Found::Section(row)) => Some(Route::Section(Section(std::sync::Arc::new(*row)))),
            Some(Found::Term(row)) => Some(Route::Term(Term::shown(ctx, *row))),
            // `disableAliases`: hugo writes no alias pages, so nothing is there.
            Some(Found::Alias { .. }) if l.site.config().is_some_and(|c| c.disable_aliases()) => None,
            Some(Found::Alias { target }) => Some(Route::Redirect(Redirect {
                location: l.site.rel_permalink(&target),
                permanent: true,
            })),
            None => None,
        })
    }
}
