//! What the last whole-tree import saw (each file's size and modification
//! time, digested), so a start over an unchanged content folder skips
//! reading and parsing it again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportState {
    Table,
    Name,
    Stamp,
    WalkedAt,
    ValidUntil,
    Failures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportState::Table)
                    .if_not_exists()
                    .col(string(ImportState::Name).primary_key())
                    .col(string(ImportState::Stamp))
                    .col(timestamp_with_time_zone(ImportState::WalkedAt))
                    .col(timestamp_with_time_zone_null(ImportState::ValidUntil))
                    .col(text(ImportState::Failures))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportState::Table).to_owned())
            .await
    }
}
