//! Menu entries pages declare in front matter (`menu: main`, or a map with
//! weight, parent, identifier, …), one row per article and menu, so a
//! site's menu is read by index instead of from every article's JSON.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ArticleMenu {
    Table,
    ArticleId,
    Menu,
    Lang,
    Name,
    Identifier,
    Parent,
    Weight,
    Url,
    Pre,
    Post,
    Title,
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
                    .table(ArticleMenu::Table)
                    .if_not_exists()
                    .col(integer(ArticleMenu::ArticleId))
                    .col(string(ArticleMenu::Menu))
                    .col(string(ArticleMenu::Lang))
                    .col(string(ArticleMenu::Name))
                    .col(string(ArticleMenu::Identifier))
                    .col(string(ArticleMenu::Parent))
                    .col(big_integer(ArticleMenu::Weight))
                    .col(string(ArticleMenu::Url))
                    .col(string(ArticleMenu::Pre))
                    .col(string(ArticleMenu::Post))
                    .col(string(ArticleMenu::Title))
                    .col(json(ArticleMenu::Params))
                    .primary_key(Index::create().col(ArticleMenu::ArticleId).col(ArticleMenu::Menu))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleMenu::Table, ArticleMenu::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_article_menu_menu")
                    .table(ArticleMenu::Table)
                    .col(ArticleMenu::Menu)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleMenu::Table).to_owned())
            .await
    }
}
