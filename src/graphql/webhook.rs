//! Webhook deliveries for admins: `webhookDeliveries` lists them newest
//! first, `redeliverWebhook` (in [`super::mutation`]) sends one again.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, Object, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use entity::webhook_delivery;

use super::auth::AdminGuard;
use super::context::RequestContext;
use super::error::ApiError;
use super::pagination;
use crate::store::webhooks::{self as store, status};

/// Where a webhook delivery stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum WebhookDeliveryStatus {
    /// Not tried yet.
    Pending,
    /// The last attempt failed; another is due at `nextAttemptAt`.
    Failed,
    /// The receiver answered with a 2xx.
    Delivered,
    /// Given up: it kept failing until its event was older than the maximum age.
    Dead,
}

impl WebhookDeliveryStatus {
    fn stored(self) -> &'static str {
        match self {
            WebhookDeliveryStatus::Pending => status::PENDING,
            WebhookDeliveryStatus::Failed => status::FAILED,
            WebhookDeliveryStatus::Delivered => status::DELIVERED,
            WebhookDeliveryStatus::Dead => status::DEAD,
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            status::FAILED => WebhookDeliveryStatus::Failed,
            status::DELIVERED => WebhookDeliveryStatus::Delivered,
            status::DEAD => WebhookDeliveryStatus::Dead,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
}

const ID_PREFIX: &str = "WebhookDelivery:";

/// The global ID of delivery `id`.
fn encode_id(id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{ID_PREFIX}{id}")))
}

/// A delivery's row id from its global ID given as `argument`.
pub fn decode_id(argument: &str, id: &ID) -> Result<i64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(id.as_str())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.strip_prefix(ID_PREFIX).and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_input(argument, "not a WebhookDelivery ID"))
}

/// One change event sent (or being sent) to one webhook, with its attempts.
pub struct WebhookDelivery {
    row: webhook_delivery::Model,
    event_type: Option<String>,
}

impl WebhookDelivery {
    /// The delivery `row`, whose event is of type `event_type` (`None` when
    /// the change log no longer has it).
    pub fn new(row: webhook_delivery::Model, event_type: Option<String>) -> Self {
        WebhookDelivery { row, event_type }
    }
}

/// One change event sent (or being sent) to one webhook, with its attempts.
#[Object]
impl WebhookDelivery {
    /// The delivery's global ID (for `redeliverWebhook`).
    async fn id(&self) -> ID {
        encode_id(self.row.id)
    }

    /// The hook's URL.
    async fn hook(&self) -> &str {
        &self.row.hook
    }

    /// The `webhook-id` header it is sent with (`msg_<event id>`): the same
    /// for every attempt and redelivery of the event, so receivers can drop duplicates.
    async fn webhook_id(&self) -> String {
        crate::webhook::message_id(self.row.event_id)
    }

    /// The event's type (`article.published`, …); null when the change log no longer has the event.
    async fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// Where it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        WebhookDeliveryStatus::of(&self.row.status)
    }

    /// Whether it is a manual redelivery, sent outside the hook's ordered stream.
    async fn redelivery(&self) -> bool {
        self.row.redelivery
    }

    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.row.attempts
    }

    /// When the next attempt is due; null once delivered or dead.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        matches!(self.row.status.as_str(), status::PENDING | status::FAILED).then(|| self.row.next_attempt_at.to_utc())
    }

    /// The HTTP status the last attempt got; null when it got no answer (or none was made).
    async fn last_status(&self) -> Option<i32> {
        self.row.last_status
    }

    /// Why the last attempt failed (`HTTP 500 Internal Server Error`, a
    /// connection error, a timeout); null when it did not.
    async fn last_error(&self) -> Option<&str> {
        self.row.last_error.as_deref()
    }

    /// When the delivery was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at.to_utc()
    }

    /// When the receiver accepted it; null until then.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.row.delivered_at.map(|t| t.to_utc())
    }
}

/// A page of webhook deliveries, newest first.
pub type WebhookDeliveryConnection = Connection<String, WebhookDelivery, EmptyFields, EmptyFields>;

const LIST: &str = "webhookDeliveries";

fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{LIST}#{id}"))
}

fn after_id(after: &str) -> Result<i64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(after)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.strip_prefix(&format!("{LIST}#")).and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_input("after", "not a cursor from this list"))
}

/// Deliveries with their event types, loaded in one statement.
pub async fn with_types(
    db: &sea_orm::DatabaseConnection,
    rows: Vec<webhook_delivery::Model>,
) -> Result<Vec<WebhookDelivery>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
    let kinds = store::event_kinds(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = kinds.get(&r.event_id).cloned();
            WebhookDelivery::new(r, kind)
        })
        .collect())
}

#[derive(Default)]
pub struct WebhookQuery;

/// Webhook deliveries, for admins.
#[Object]
impl WebhookQuery {
    /// Webhook deliveries, newest first (admin only: UNAUTHENTICATED without
    /// the admin token, FORBIDDEN with the preview token).
    #[graphql(
        guard = "AdminGuard",
        complexity = "crate::graphql::limits::connection_cost(&[first], child_complexity)"
    )]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries with this status.")] status: Option<WebhookDeliveryStatus>,
        #[graphql(desc = "How many deliveries, 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
    ) -> Result<WebhookDeliveryConnection, ApiError> {
        let first = first.unwrap_or(pagination::DEFAULT_PAGE);
        if !(0..=pagination::MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 0 and {}, got {first}", pagination::MAX_PAGE),
            ));
        }
        let before = after.as_deref().map(after_id).transpose()?;
        let limit = u64::try_from(first).unwrap_or(0);
        let db = &RequestContext::of(ctx)?.db;
        let mut rows = store::list(db, status.map(WebhookDeliveryStatus::stored), before, limit + 1).await?;
        let has_next = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let mut conn = Connection::new(before.is_some(), has_next);
        conn.edges.extend(
            with_types(db, rows)
                .await?
                .into_iter()
                .map(|d| Edge::new(cursor(d.row.id), d)),
        );
        Ok(conn)
    }
}
