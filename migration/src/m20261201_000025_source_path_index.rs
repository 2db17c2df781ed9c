//! An index on `article.source_path`: each import chunk looks up the stored
//! articles of its files by path *or* source file, and without this index
//! that `OR` scanned the whole article table once per chunk (at 100,000
//! articles, about 1 s per 256 files: the import grew with the square of the
//! corpus).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_article_source_path";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Alias::new("article"))
                    .col(Alias::new("source_path"))
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Alias::new("article")).to_owned())
            .await
    }
}
