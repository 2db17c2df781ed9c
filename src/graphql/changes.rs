//! Delta sync: `changes(after:, first:)` lists every change a reader could
//! see since a cursor, oldest first, deletions and unpublishing included,
//! so static builders and search indexers can sync incrementally.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use entity::change_event;

use super::cache;
use super::context::RequestContext;
use super::error::ApiError;
use super::id::{self, Kind};
use super::pagination::MAX_PAGE;
use crate::publish::keys;
use crate::query;
use crate::store::changes::EventKind;

/// Changes in a page when `first` is not given.
const DEFAULT_CHANGES: i32 = 100;

/// What kind of change a [`Change`] is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeType {
    /// An article became public: created public, published, or its publish date arrived.
    ArticlePublished,
    /// A public article changed and is still public.
    ArticleUpdated,
    /// A public article stopped being public: made a draft, or its expiry date arrived.
    ArticleUnpublished,
    /// A public article was deleted (a tombstone: its slug and URL remain).
    ArticleDeleted,
    /// A term was renamed, deleted, or moved to another URL.
    TermUpdated,
}

impl From<EventKind> for ChangeType {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::Published => ChangeType::ArticlePublished,
            EventKind::Updated => ChangeType::ArticleUpdated,
            EventKind::Unpublished => ChangeType::ArticleUnpublished,
            EventKind::Deleted => ChangeType::ArticleDeleted,
            EventKind::TermUpdated => ChangeType::TermUpdated,
        }
    }
}

/// One change, as it was when it was made.
pub struct Change(change_event::Model);

/// The article a change was about, as it was then.
#[derive(SimpleObject)]
pub struct ChangedArticle {
    /// The article's global ID (an `Article` ID; gone after a deletion).
    id: ID,
    /// Its slug at the time.
    slug: String,
    /// Its absolute URL (Hugo's `.Permalink`) at the time.
    url: String,
    /// Its page path with the baseURL's path (Hugo's `.RelPermalink`) at the time.
    rel_permalink: String,
    /// Its language (`en`).
    locale: String,
}

/// The term a change was about, as it was then.
#[derive(SimpleObject)]
pub struct ChangedTerm {
    /// The taxonomy's plural name (`tags`).
    taxonomy: String,
    /// The term's slug.
    slug: String,
    /// Its page's absolute URL at the time.
    url: String,
    /// Its page path with the baseURL's path at the time.
    rel_permalink: String,
}

/// One change a reader could see, as it was when it was made: what
/// happened, to which article or term, when, and the cache keys it
/// invalidated.
#[Object]
impl Change {
    /// The change's position in the log; later changes have larger ones.
    async fn sequence(&self) -> String {
        self.0.id.to_string()
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn kind(&self) -> Result<ChangeType, ApiError> {
        EventKind::parse(&self.0.kind)
            .map(ChangeType::from)
            .ok_or_else(|| ApiError::Internal(format!("unknown change kind `{}`", self.0.kind)))
    }

    /// When it took effect (for scheduled publishing, the scheduled instant
    /// as the server's timer reached it).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at.with_timezone(&Utc)
    }

    /// The article it was about; null for a term's change.
    async fn article(&self, ctx: &Context<'_>) -> Result<Option<ChangedArticle>, ApiError> {
        let Some(article_id) = self.0.article_id else {
            return Ok(None);
        };
        let site = &RequestContext::of(ctx)?.site;
        Ok(Some(ChangedArticle {
            id: id::encode(Kind::Article, article_id),
            slug: self.0.slug.clone(),
            url: site.permalink(&self.0.path),
            rel_permalink: site.rel_permalink(&self.0.path),
            locale: self.0.locale.clone(),
        }))
    }

    /// The term it was about; null for an article's change.
    async fn term(&self, ctx: &Context<'_>) -> Result<Option<ChangedTerm>, ApiError> {
        let Some(taxonomy) = &self.0.taxonomy else {
            return Ok(None);
        };
        let site = &RequestContext::of(ctx)?.site;
        Ok(Some(ChangedTerm {
            taxonomy: taxonomy.clone(),
            slug: self.0.slug.clone(),
            url: site.permalink(&self.0.path),
            rel_permalink: site.rel_permalink(&self.0.path),
        }))
    }

    /// The cache keys it invalidated (see the README's "Cache keys").
    async fn keys(&self) -> Vec<String> {
        query::changes::keys(&self.0)
    }
}

/// Extra fields of a page of changes.
pub struct ChangePage {
    sync_cursor: String,
}

#[Object]
impl ChangePage {
    /// The cursor to pass as `after` next time: the last change's on this
    /// page, or the one given when there is nothing new. Store it and ask
    /// again later; `pageInfo.hasNextPage` says whether more is waiting now.
    async fn sync_cursor(&self) -> &str {
        &self.sync_cursor
    }
}

/// A page of changes, oldest first.
pub type ChangeConnection = Connection<String, Change, ChangePage, EmptyFields>;

/// The cursor of the change logged with `id`.
fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("change:{id}"))
}

/// The log id a cursor names; anything else is a bad argument.
fn position(after: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::bad_input("after", "not a cursor from `changes`");
    let text = URL_SAFE_NO_PAD.decode(after).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    text.strip_prefix("change:")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(bad)
}

#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// Every change since `after` (from the first one logged when not
    /// given), oldest first: articles published, updated, unpublished and
    /// deleted, and terms changed, each with the cache keys it invalidated.
    /// For incremental sync (static builders, search indexers): pass the
    /// last `syncCursor` you got. Only changes readers could see are
    /// logged: editing a draft is not a change until it is published.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A cursor from an earlier page (`syncCursor` or an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "How many changes to return, at most 100 (default 100).")] first: Option<i32>,
    ) -> Result<ChangeConnection, ApiError> {
        let first = first.unwrap_or(DEFAULT_CHANGES);
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 0 and {MAX_PAGE}, got {first}"),
            ));
        }
        let after_id = after.as_deref().map(position).transpose()?;
        cache::add(ctx, keys::CHANGES);
        let db = &RequestContext::of(ctx)?.db;
        let limit = u64::try_from(first).unwrap_or(0);
        let mut rows = query::changes::after(db, after_id, limit + 1).await?;
        let has_next = rows.len() as u64 > limit;
        rows.truncate(first as usize);
        let sync_cursor = rows.last().map(|r| cursor(r.id)).or(after).unwrap_or_else(|| cursor(0));
        let mut connection = Connection::with_additional_fields(false, has_next, ChangePage { sync_cursor });
        connection
            .edges
            .extend(rows.into_iter().map(|r| Edge::new(cursor(r.id), Change(r))));
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_others_are_refused() {
        assert_eq!(position(&cursor(42)).ok(), Some(42));
        assert!(position("bm90LWEtY3Vyc29y").is_err());
        assert!(position(&URL_SAFE_NO_PAD.encode("change:-1")).is_err());
    }
}
