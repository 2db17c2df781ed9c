//! The root `Subscription`: articles as they are published or updated,
//! served over WebSocket (graphql-transport-ws) at `/graphql`.

use async_graphql::{Context, Subscription as SubscriptionObject, ID};
use entity::article;
use futures_util::stream::{self, Stream};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc;

use super::article::filter::ArticleFilter;
use super::article::Article;
use super::context::RequestContext;
use super::error::ApiError;
use super::id;
use crate::live::{Change, Hub};
use crate::query::articles::{Filter, Full, Scope, Visibility};

/// Set by the WebSocket transport for each connection: a subscription that
/// falls too far behind sends the close reason here, and the connection is
/// closed with it (the client then knows to reconnect and catch up).
#[derive(Clone)]
pub struct Hangup(pub mpsc::UnboundedSender<String>);

/// A hub subscription taken before the subscription runs, set by the
/// transport when it starts a multiplexed group: the group hears every
/// change from the moment its first subscriber joined, even those made
/// while its document was still being checked. The first subscription
/// field of the operation takes it; any other subscribes afresh.
pub struct Listening(std::sync::Mutex<Option<broadcast::Receiver<Change>>>);

impl Listening {
    /// Holds `receiver` until the subscription's stream starts.
    pub fn new(receiver: broadcast::Receiver<Change>) -> Listening {
        Listening(std::sync::Mutex::new(Some(receiver)))
    }

    fn take(&self) -> Option<broadcast::Receiver<Change>> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

#[derive(Default)]
pub struct Subscription;

/// Live news. Each event is resolved when it arrives, so an article's fields
/// are current. A subscriber that falls more than the server's buffer of
/// changes behind gets a SUBSCRIBER_TOO_SLOW error and its connection is
/// closed (code 1008), so it can reconnect and re-read what it missed.
#[SubscriptionObject]
impl Subscription {
    /// Each article as it becomes public: created (not as a draft or dated in
    /// the future), or an existing article published. With `filter`, only
    /// articles matching it (the same filter `articles` takes).
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only articles matching this filter.")] filter: Option<ArticleFilter>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Article>>, ApiError> {
        let filter = filter.map(ArticleFilter::into_query).transpose()?.unwrap_or_default();
        changes(ctx, filter, |change| change.kind.is_publication(), None)
    }

    /// Each change to a public article that existed before (an edit, a
    /// re-imported file, or a draft published). With `id`, only that article.
    async fn article_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this article (its global ID).")] id: Option<ID>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Article>>, ApiError> {
        let only = id.map(|id| id::article("id", &id)).transpose()?;
        changes(ctx, Filter::default(), |change| change.kind.is_update(), only)
    }
}

/// The articles of changes that `wanted` accepts (and are article `only`, if
/// given) and that match `filter` when they are resolved.
fn changes(
    ctx: &Context<'_>,
    filter: Filter,
    wanted: fn(&Change) -> bool,
    only: Option<i32>,
) -> Result<impl Stream<Item = async_graphql::Result<Article>> + use<>, ApiError> {
    let hub = ctx
        .data::<Hub>()
        .map_err(|_| ApiError::Internal("no change hub".into()))?;
    let db = RequestContext::of(ctx)?.db.clone();
    let hangup = ctx.data_opt::<Hangup>().cloned();
    let receiver = ctx
        .data_opt::<Listening>()
        .and_then(Listening::take)
        .unwrap_or_else(|| hub.subscribe());
    let scope = Scope {
        filter,
        ..Scope::default()
    };
    Ok(stream::unfold(Some(receiver), move |state| {
        let (db, scope, hangup) = (db.clone(), scope.clone(), hangup.clone());
        async move {
            let mut receiver = state?;
            loop {
                let change = match receiver.recv().await {
                    Ok(change) => change,
                    Err(RecvError::Lagged(missed)) => {
                        let error = ApiError::SubscriberTooSlow(missed);
                        if let Some(Hangup(close)) = hangup {
                            let _ = close.send(format!("subscriber too slow: {missed} changes missed"));
                        }
                        return Some((Err(error.into()), None));
                    }
                    Err(RecvError::Closed) => return None,
                };
                if !wanted(&change) || only.is_some_and(|id| id != change.article_id) {
                    continue;
                }
                match matching(&db, &scope, change.article_id).await {
                    Ok(Some(row)) => return Some((Ok(Article::new(row, None)), Some(receiver))),
                    // Not public any more, or not in the filter.
                    Ok(None) => continue,
                    Err(e) => return Some((Err(e.into()), Some(receiver))),
                }
            }
        }
    }))
}

/// Article `id` if it is public now and in `scope`: one statement.
/// Subscriptions are public only, whoever opened them: a preview is a
/// request, not a stream.
async fn matching(db: &DatabaseConnection, scope: &Scope, id: i32) -> Result<Option<Full>, ApiError> {
    Ok(scope
        .select(db, Visibility::public(chrono::Utc::now()))
        .filter(article::Column::Id.eq(id))
        .into_model::<Full>()
        .one(db)
        .await?)
}
