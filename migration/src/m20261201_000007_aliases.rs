//! Hugo `aliases`: other paths a page was published under, each answering
//! a redirect to the page. A table of their own so `route(path:)` finds one
//! by index instead of scanning every article's JSON list.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ArticleAlias {
    Table,
    Path,
    ArticleId,
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
                    .table(ArticleAlias::Table)
                    .if_not_exists()
                    .col(string(ArticleAlias::Path))
                    .col(integer(ArticleAlias::ArticleId))
                    .primary_key(Index::create().col(ArticleAlias::Path).col(ArticleAlias::ArticleId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleAlias::Table, ArticleAlias::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_article_alias_article")
                    .table(ArticleAlias::Table)
                    .col(ArticleAlias::ArticleId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleAlias::Table).to_owned())
            .await
    }
}
