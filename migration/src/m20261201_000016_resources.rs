//! Page bundle resources: the files beside a bundle's `index.md` (every
//! one, in subfolders too) with the name, title and params front matter
//! `resources` rules give them. Only their facts are stored; the bytes are
//! served from the content folder.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ArticleResource {
    Table,
    ArticleId,
    Path,
    Position,
    Name,
    Title,
    MediaType,
    Size,
    Width,
    Height,
    Params,
}

#[derive(DeriveIden)]
enum Article {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArticleResource::Table)
                    .if_not_exists()
                    .col(integer(ArticleResource::ArticleId))
                    .col(string(ArticleResource::Path))
                    .col(integer(ArticleResource::Position))
                    .col(string(ArticleResource::Name))
                    .col(string(ArticleResource::Title))
                    .col(string(ArticleResource::MediaType))
                    .col(big_integer(ArticleResource::Size))
                    .col(integer_null(ArticleResource::Width))
                    .col(integer_null(ArticleResource::Height))
                    .col(json(ArticleResource::Params))
                    .primary_key(
                        Index::create()
                            .col(ArticleResource::ArticleId)
                            .col(ArticleResource::Path),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleResource::Table, ArticleResource::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleResource::Table).to_owned())
            .await
    }
}
