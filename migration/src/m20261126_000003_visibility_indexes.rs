//! Covering indexes for visibility: an article row holds its body, so
//! reading `draft`, `publish_date` or `expiry_date` from the table walks
//! the body's overflow pages. With these columns in the indexes, lists,
//! counts and the related-articles join judge visibility from the index and
//! read a row only to return it (measured in BENCHMARKS.md).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Article {
    Table,
    Id,
    PublishedAt,
    Draft,
    PublishDate,
    ExpiryDate,
}

const LIST: &str = "idx_article_published_visible";
const BY_ID: &str = "idx_article_id_visible";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Article::*;
        for (name, cols) in [
            (LIST, [PublishedAt, Id, Draft, PublishDate, ExpiryDate]),
            (BY_ID, [Id, PublishedAt, Draft, PublishDate, ExpiryDate]),
        ] {
            let mut stmt = Index::create();
            stmt.name(name).table(Table).if_not_exists();
            for col in cols {
                stmt.col(col);
            }
            manager.create_index(stmt.to_owned()).await?;
        }
        // The list index starts with the same columns: the old one is redundant.
        manager
            .drop_index(Index::drop().name("idx_article_published").table(Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_article_published")
                    .table(Article::Table)
                    .col(Article::PublishedAt)
                    .col(Article::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        for name in [LIST, BY_ID] {
            manager
                .drop_index(Index::drop().name(name).table(Article::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
