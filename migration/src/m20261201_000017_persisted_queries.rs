//! Automatic persisted queries registered by any API process, so a hash
//! registered through one replica is found by the others.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PersistedQuery {
    Table,
    Hash,
    Query,
    RegisteredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersistedQuery::Table)
                    .if_not_exists()
                    .col(string(PersistedQuery::Hash).primary_key())
                    .col(text(PersistedQuery::Query))
                    .col(timestamp_with_time_zone(PersistedQuery::RegisteredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_persisted_query_registered")
                    .table(PersistedQuery::Table)
                    .col(PersistedQuery::RegisteredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersistedQuery::Table).to_owned())
            .await
    }
}
