//! The change log: one row per change a reader can see (an article published,
//! updated, unpublished or deleted; a term renamed), written in the same
//! transaction as the change. Delta sync reads it, webhooks deliver from it,
//! and the scheduler's clock says up to which instant scheduled publishing
//! has been recorded in it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChangeEvent {
    Table,
    Id,
    Kind,
    ArticleId,
    Taxonomy,
    Slug,
    Path,
    Locale,
    Keys,
    At,
}

#[derive(DeriveIden)]
enum ScheduleClock {
    Table,
    Id,
    ReachedMs,
}

/// The scheduler's look-ups: the next publish or expiry date after an
/// instant, and the articles whose dates fall in a window.
const SCHEDULE_INDEXES: [(&str, &str); 2] = [
    ("idx_article_publish_date", "publish_date"),
    ("idx_article_expiry_date", "expiry_date"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeEvent::Table)
                    .if_not_exists()
                    .col(big_integer(ChangeEvent::Id).auto_increment().primary_key())
                    .col(string(ChangeEvent::Kind))
                    // No foreign key: a deletion's tombstone outlives its article.
                    .col(integer_null(ChangeEvent::ArticleId))
                    .col(string_null(ChangeEvent::Taxonomy))
                    .col(string(ChangeEvent::Slug))
                    .col(string(ChangeEvent::Path))
                    .col(string(ChangeEvent::Locale))
                    .col(text(ChangeEvent::Keys))
                    .col(timestamp_with_time_zone(ChangeEvent::At))
                    .to_owned(),
            )
            .await?;
        // The scheduler asks what was last said of an article.
        manager
            .create_index(
                Index::create()
                    .name("idx_change_event_article")
                    .table(ChangeEvent::Table)
                    .col(ChangeEvent::ArticleId)
                    .col(ChangeEvent::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScheduleClock::Table)
                    .if_not_exists()
                    .col(integer(ScheduleClock::Id).primary_key())
                    // Unix milliseconds: compared for equality when a
                    // process claims a tick, which timestamps' text form on
                    // SQLite would make fragile.
                    .col(big_integer(ScheduleClock::ReachedMs))
                    .to_owned(),
            )
            .await?;
        for (name, column) in SCHEDULE_INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new("article"))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in SCHEDULE_INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new("article")).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ScheduleClock::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ChangeEvent::Table).to_owned())
            .await
    }
}
