//! What every resolver of one request (or one subscription) shares: the
//! database, the site, and what the request may see (the instant
//! visibility is judged at, and whether it is a preview). It is also
//! what the request's DataLoaders load with (see [`super::loaders`]), so
//! resolvers reach it through them.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// How many times one request's future has been polled. A loader's batch
/// runs once a yield to the scheduler passes without the request being
/// polled again: the request has then stopped to wait (for its loaders),
/// so every field it polled has asked for its keys. Waiting a fixed time
/// instead cost an article page 1.2–4 ms of sleep at concurrency 1, and
/// no wait at all split a list's batches (async-graphql joins a list of
/// more than 30 items through `FuturesUnordered`, which yields part-way
/// through a pass; BENCHMARKS.md, sessions 4 and 14).
#[derive(Clone, Default)]
pub struct Polls(Arc<AtomicU64>);

/// Most yields a batch waits for its request to stop being polled, so a
/// request that keeps waking itself still gets its batches.
const MAX_IDLE_YIELDS: usize = 4096;

impl Polls {
    /// Runs `fut`, counting its polls.
    pub async fn count<F: Future>(&self, fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let polls = self.0.clone();
        std::future::poll_fn(move |cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            fut.as_mut().poll(cx)
        })
        .await
    }

    /// Yields until a yield passes with no poll of the request.
    async fn until_idle(&self) {
        for _ in 0..MAX_IDLE_YIELDS {
            let seen = self.0.load(Ordering::Relaxed);
            tokio::task::yield_now().await;
            if self.0.load(Ordering::Relaxed) == seen {
                return;
            }
        }
    }
}

/// New loaders for one request whose future counts its polls in `polls`
/// ([`Polls::count`]); with `preview`, it sees unpublished articles too.
pub fn for_request(db: DatabaseConnection, site: Arc<Site>, preview: bool, polls: Polls) -> DataLoader<RequestContext> {
    // Batches run as their own tasks; they count their statements into the request's counter.
    let counter = crate::db::current_counter();
    DataLoader::new(
        RequestContext {
            db,
            site,
            at: Some(Utc::now()),
            preview,
        },
        move |fut| {
            let polls = polls.clone();
            crate::db::spawn_counted(counter.clone(), async move {
                polls.until_idle().await;
                fut.await
            })
        },
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
