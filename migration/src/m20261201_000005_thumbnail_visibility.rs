//! Mainroad's extended `thumbnail: { src, visibility }` front matter: where
//! a theme shows the thumbnail (`list`, `post`), kept beside its src.

use sea_orm_migration::{prelude::*, schema::json_binary_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Article {
    Table,
    ThumbnailVisibility,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Article::Table)
                    .add_column(json_binary_null(Article::ThumbnailVisibility))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Article::Table)
                    .drop_column(Article::ThumbnailVisibility)
                    .to_owned(),
            )
            .await
    }
}
