//! One change event sent (or being sent) to one webhook: its attempts and outcome.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The hook's id (its URL).
    #[sea_orm(column_type = "Text")]
    pub hook: String,
    /// The change_event delivered.
    pub event_id: i64,
    /// A manual redelivery, sent outside the hook's ordered stream.
    pub redelivery: bool,
    /// `pending` (not tried yet), `failed` (the last attempt failed; it will
    /// be retried), `delivered` or `dead` (given up).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (while pending or failed).
    pub next_attempt_at: DateTimeWithTimeZone,
    /// The HTTP status of the last attempt, if it got an answer.
    pub last_status: Option<i32>,
    /// Why the last attempt failed, if it did.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    pub delivered_at: Option<DateTimeWithTimeZone>,
}

impl ActiveModelBehavior for ActiveModel {}
