//! The change log: every change a reader can see, written in the same
//! transaction as the change itself, so a change that commits is logged and
//! one that rolls back is not. Delta sync (`changes`) reads it oldest first,
//! and webhooks deliver from it (it is their outbox).
//!
//! Ids are in commit order, so a reader that has seen id N never later finds
//! a row below N: SQLite runs one write transaction at a time, and on
//! PostgreSQL a transaction-scoped advisory lock taken before the first row
//! is written is held until commit, so the next writer's ids come after.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::change_event;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Set, Statement};

use crate::live::{self, Change, ChangeKind};
use crate::publish::keys::{self, Keys, Listing};

/// The advisory lock key change-log writers take on PostgreSQL ("gzchange").
const LOG_LOCK: i64 = 0x677a_6368_616e_6765;

/// What kind of change an event records, as webhooks and `changes` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// An article became public: created public, published, or its publish date arrived.
    Published,
    /// A public article changed and is still public.
    Updated,
    /// A public article stopped being public: made a draft, or its expiry date arrived.
    Unpublished,
    /// A public article was deleted.
    Deleted,
    /// A term was renamed or deleted.
    TermUpdated,
}

impl EventKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [EventKind; 5] = [
        EventKind::Published,
        EventKind::Updated,
        EventKind::Unpublished,
        EventKind::Deleted,
        EventKind::TermUpdated,
    ];

    /// Its name in the log, in webhooks and in the docs (`article.published`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Published => "article.published",
            EventKind::Updated => "article.updated",
            EventKind::Unpublished => "article.unpublished",
            EventKind::Deleted => "article.deleted",
            EventKind::TermUpdated => "term.updated",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind of event a live change is.
    pub fn of(kind: ChangeKind) -> EventKind {
        match kind {
            ChangeKind::Created | ChangeKind::Published => EventKind::Published,
            ChangeKind::Updated => EventKind::Updated,
            ChangeKind::Unpublished => EventKind::Unpublished,
            ChangeKind::Deleted => EventKind::Deleted,
            ChangeKind::TermUpdated => EventKind::TermUpdated,
        }
    }
}

/// What an article was or is, as an event about it records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleState {
    pub id: i32,
    pub slug: String,
    pub path: String,
    pub locale: String,
    pub listing: Listing,
}

impl ArticleState {
    /// Article `id` as `article` (about to be stored) has it.
    pub fn of(id: i32, article: &crate::store::NewArticle) -> ArticleState {
        let mut terms: Vec<(String, String)> = article
            .site_terms
            .iter()
            .map(|t| (t.taxonomy.clone(), t.slug.clone()))
            .collect();
        // Tags and categories are kept even when the site lists no such taxonomy.
        for (plural, named) in [("tags", &article.tags), ("categories", &article.categories)] {
            terms.extend(named.iter().map(|t| (plural.to_owned(), t.slug.clone())));
        }
        ArticleState {
            id,
            slug: article.slug.clone(),
            path: article.path.clone(),
            locale: article.lang.as_str().to_owned(),
            listing: Listing {
                section: article.section.clone(),
                terms,
            },
        }
    }
}

/// One change to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub article_id: Option<i32>,
    pub taxonomy: Option<String>,
    pub slug: String,
    pub path: String,
    pub locale: String,
    pub keys: Keys,
    pub at: DateTime<Utc>,
}

impl Event {
    /// The event of `change` to an article, which was listed as `before`
    /// (if it was stored) and is now `after`: it invalidates both listings.
    pub fn of_article(change: Change, before: Option<&Listing>, after: &ArticleState, at: DateTime<Utc>) -> Event {
        let listed: Vec<&Listing> = before.into_iter().chain([&after.listing]).collect();
        Event {
            kind: EventKind::of(change.kind),
            article_id: Some(after.id),
            taxonomy: None,
            slug: after.slug.clone(),
            path: after.path.clone(),
            locale: after.locale.clone(),
            keys: keys::of_article_change(after.id, &listed),
            at,
        }
    }

    /// The event of a change to the term `slug` of `taxonomy` (its page at `path`).
    pub fn of_term(taxonomy: &str, slug: &str, path: &str, at: DateTime<Utc>) -> Event {
        Event {
            kind: EventKind::TermUpdated,
            article_id: None,
            taxonomy: Some(taxonomy.to_owned()),
            slug: slug.to_owned(),
            path: path.to_owned(),
            locale: String::new(),
            keys: keys::of_term_change(taxonomy, slug),
            at,
        }
    }
}

/// Logs `events` in `txn` and sends `changes` to every listening process
/// when it commits (PostgreSQL; see [`live::notify_on_commit`]).
pub async fn record<C: ConnectionTrait>(txn: &C, events: &[Event], changes: &[Change]) -> Result<(), DbErr> {
    if !events.is_empty() {
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [LOG_LOCK.into()],
            ))
            .await?;
        }
        for chunk in events.chunks(500) {
            let rows = chunk.iter().map(|e| {
                let keys = serde_json::to_string(&e.keys.iter().collect::<Vec<_>>())
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
                Ok(change_event::ActiveModel {
                    kind: Set(e.kind.as_str().to_owned()),
                    article_id: Set(e.article_id),
                    taxonomy: Set(e.taxonomy.clone()),
                    slug: Set(e.slug.clone()),
                    path: Set(e.path.clone()),
                    locale: Set(e.locale.clone()),
                    keys: Set(keys),
                    at: Set(e.at.into()),
                    ..Default::default()
                })
            });
            let rows: Vec<change_event::ActiveModel> = rows.collect::<Result<_, DbErr>>()?;
            change_event::Entity::insert_many(rows).exec(txn).await?;
        }
    }
    live::notify_on_commit(txn, changes).await
}

/// Where each of the stored articles `ids` is listed now: its section and
/// its terms of every taxonomy.
pub async fn listings<C: ConnectionTrait>(txn: &C, ids: &[i32]) -> Result<HashMap<i32, Listing>, DbErr> {
    let mut out: HashMap<i32, Listing> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let select = Query::select()
            .expr_as(Expr::col(("article", "id")), "id")
            .expr_as(Expr::col(("article", "section")), "section")
            .expr_as(Expr::col(("term", "taxonomy")), "taxonomy")
            .expr_as(Expr::col(("term", "slug")), "slug")
            .from("article")
            .left_join(
                "article_term",
                Expr::col(("article_term", "article_id")).equals(("article", "id")),
            )
            .left_join("term", Expr::col(("term", "id")).equals(("article_term", "term_id")))
            .and_where(Expr::col(("article", "id")).is_in(chunk.iter().copied()))
            .to_owned();
        for row in txn.query_all(&select).await? {
            let id: i32 = row.try_get("", "id")?;
            let listing = out.entry(id).or_default();
            listing.section = row.try_get::<Option<String>>("", "section")?.unwrap_or_default();
            let taxonomy: Option<String> = row.try_get("", "taxonomy")?;
            let slug: Option<String> = row.try_get("", "slug")?;
            if let (Some(taxonomy), Some(slug)) = (taxonomy, slug) {
                listing.terms.push((taxonomy, slug));
            }
        }
    }
    Ok(out)
}

/// Whether the last event logged for article `id` left it public (it was
/// published or updated, and not unpublished or deleted since); `None`
/// when none is logged. The scheduler compares it with the article's
/// dates, so that a change a write already logged is not logged again when
/// its instant passes.
pub async fn last_said_public<C: ConnectionTrait>(txn: &C, id: i32) -> Result<Option<bool>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let last: Option<String> = change_event::Entity::find()
        .select_only()
        .column(change_event::Column::Kind)
        .filter(change_event::Column::ArticleId.eq(id))
        .order_by_desc(change_event::Column::Id)
        .into_tuple()
        .one(txn)
        .await?;
    Ok(last
        .as_deref()
        .and_then(EventKind::parse)
        .map(|k| matches!(k, EventKind::Published | EventKind::Updated)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("article.created"), None);
    }
}
