//! Webhooks: the change log (`change_event`, migration 13) is the outbox;
//! these tables say how far each hook has got through it and what each
//! delivery attempt did.
//!
//! `webhook_hook` holds one row per configured hook (keyed by its URL): the
//! last change_event id it is done with (delivered or dead) and the lease
//! that lets one process at a time deliver to it. `webhook_delivery` holds
//! one row per event sent (or being sent) to a hook, and one per manual
//! redelivery.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookHook {
    Table,
    Hook,
    Cursor,
    LeaseOwner,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    Hook,
    EventId,
    Redelivery,
    Status,
    Attempts,
    NextAttemptAt,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookHook::Table)
                    .if_not_exists()
                    .col(text(WebhookHook::Hook).primary_key())
                    .col(big_integer(WebhookHook::Cursor))
                    .col(text_null(WebhookHook::LeaseOwner))
                    .col(timestamp_with_time_zone_null(WebhookHook::LeaseUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .if_not_exists()
                    .col(big_integer(WebhookDelivery::Id).auto_increment().primary_key())
                    .col(text(WebhookDelivery::Hook))
                    // No foreign key to change_event: pruning the log must not
                    // take the delivery history with it.
                    .col(big_integer(WebhookDelivery::EventId))
                    .col(boolean(WebhookDelivery::Redelivery).default(false))
                    .col(string(WebhookDelivery::Status))
                    .col(integer(WebhookDelivery::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDelivery::NextAttemptAt))
                    .col(integer_null(WebhookDelivery::LastStatus))
                    .col(text_null(WebhookDelivery::LastError))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .to_owned(),
            )
            .await?;
        // The deliverer asks for a hook's due attempts, soonest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_delivery_due")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::Hook)
                    .col(WebhookDelivery::Status)
                    .col(WebhookDelivery::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // Admins list deliveries by status, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_delivery_status")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::Status)
                    .col(WebhookDelivery::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDelivery::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookHook::Table).to_owned())
            .await
    }
}
