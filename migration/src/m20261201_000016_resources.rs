//! Page bundle resources: the files beside a leaf bundle's `index.md`
//! (in subfolders too), an article's, and beside a branch bundle's
//! `_index.md`, a section's, with the name, title and params front matter
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

#[derive(DeriveIden)]
enum SectionResource {
    Table,
    SectionId,
}

#[derive(DeriveIden)]
enum Section {
    Table,
    Id,
}

/// The columns both tables share, after their owner's id.
fn facts(table: TableCreateStatement) -> TableCreateStatement {
    let mut table = table;
    table
        .col(string(ArticleResource::Path))
        .col(integer(ArticleResource::Position))
        .col(string(ArticleResource::Name))
        .col(string(ArticleResource::Title))
        .col(string(ArticleResource::MediaType))
        .col(big_integer(ArticleResource::Size))
        .col(integer_null(ArticleResource::Width))
        .col(integer_null(ArticleResource::Height))
        .col(json(ArticleResource::Params));
    table
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                facts(
                    Table::create()
                        .table(ArticleResource::Table)
                        .if_not_exists()
                        .col(integer(ArticleResource::ArticleId))
                        .to_owned(),
                )
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
            .await?;
        manager
            .create_table(
                facts(
                    Table::create()
                        .table(SectionResource::Table)
                        .if_not_exists()
                        .col(integer(SectionResource::SectionId))
                        .to_owned(),
                )
                .primary_key(
                    Index::create()
                        .col(SectionResource::SectionId)
                        .col(ArticleResource::Path),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SectionResource::Table, SectionResource::SectionId)
                        .to(Section::Table, Section::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SectionResource::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ArticleResource::Table).to_owned())
            .await
    }
}
