//! One configured webhook's place in the change log, and which process may deliver to it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_hook")]
pub struct Model {
    /// The hook's stable id: its URL.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub hook: String,
    /// The last change_event id the hook is done with (delivered, dead or
    /// filtered out); the next event it gets is the first one after it.
    pub cursor: i64,
    /// The process holding the lease, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub lease_owner: Option<String>,
    /// Until when the lease holds; another process may claim it after.
    pub lease_until: Option<DateTimeWithTimeZone>,
}

impl ActiveModelBehavior for ActiveModel {}
