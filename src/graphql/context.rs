//! What every resolver of one request (or one subscription) shares: the
//! database, the site, and what the request may see (the instant
//! visibility is judged at, and whether it is a preview). It is also
//! what the request's DataLoaders load with (see [`super::loaders`]), so
//! resolvers reach it through them.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::error::ApiError;
use crate::query::articles::Visibility;
use crate::site::Site;

/// What every resolver of one request shares: the database and the instant
/// visibility is judged at, so one response is consistent with itself.
pub struct RequestContext {
    pub db: DatabaseConnection,
    /// The site the content belongs to: its URLs and config.
    pub site: Arc<Site>,
    /// `None` for a subscription, which lives for hours: each event is
    /// judged when it is resolved.
    at: Option<DateTime<Utc>>,
    /// Whether the request previews: it sees drafts, future-dated and
    /// expired articles too. Never for a subscription.
    preview: bool,
}

impl RequestContext {
    /// The request's context, as resolvers find it.
    pub fn of<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, ApiError> {
        Ok(loaders(ctx)?.loader())
    }

    /// The instant visibility is judged at.
    pub fn now(&self) -> DateTime<Utc> {
        self.at.unwrap_or_else(Utc::now)
    }

    /// What the request may see: the one switch every query it runs reads.
    pub fn visibility(&self) -> Visibility {
        Visibility {
            at: self.now(),
            preview: self.preview,
        }
    }
}

/// The request's loaders, as resolvers find them.
pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<RequestContext>, ApiError> {
    ctx.data::<DataLoader<RequestContext>>()
        .map_err(|_| ApiError::Internal("request has no loaders".into()))
}

/// New loaders for one request; with `preview`, it sees unpublished articles too.
pub fn for_request(db: DatabaseConnection, site: Arc<Site>, preview: bool) -> DataLoader<RequestContext> {
    // Batches run as their own tasks; they count their statements into the request's counter.
    let counter = crate::db::current_counter();
    DataLoader::new(
        RequestContext {
            db,
            site,
            at: Some(Utc::now()),
            preview,
        },
        move |fut| crate::db::spawn_counted(counter.clone(), fut),
    )
}

/// Loaders for one subscription: shared by its events, each judged at the
/// time it is resolved (loaders keep no cache, so nothing goes stale).
pub fn for_subscription(db: DatabaseConnection, site: Arc<Site>) -> DataLoader<RequestContext> {
    DataLoader::new(
        RequestContext {
            db,
            site,
            at: None,
            preview: false,
        },
        tokio::spawn,
    )
}
