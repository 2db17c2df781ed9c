//! Menu entries a translation's front matter declares: `article_menu` keys
//! a row by article, menu *and language*, so `rates.fr.md` joins the French
//! menu beside `rates.md` in the English one. The rows written before this
//! step are the articles' own, in their language, and stay as they are.
//! The primary key changes, which SQLite cannot alter: the table is copied
//! into its new shape (as migration 24 does).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
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
enum ArticleMenuNew {
    Table,
}

#[derive(DeriveIden)]
enum Article {
    Table,
    Id,
}

const COLUMNS: [ArticleMenu; 12] = [
    ArticleMenu::ArticleId,
    ArticleMenu::Menu,
    ArticleMenu::Lang,
    ArticleMenu::Name,
    ArticleMenu::Identifier,
    ArticleMenu::Parent,
    ArticleMenu::Weight,
    ArticleMenu::Url,
    ArticleMenu::Pre,
    ArticleMenu::Post,
    ArticleMenu::Title,
    ArticleMenu::Params,
];

const INDEX: &str = "idx_article_menu_menu";

/// Creates the table's shape as `article_menu_new`, keyed with or without `lang`.
async fn create(manager: &SchemaManager<'_>, with_lang: bool) -> Result<(), DbErr> {
    let mut key = Index::create();
    key.col(ArticleMenu::ArticleId).col(ArticleMenu::Menu);
    if with_lang {
        key.col(ArticleMenu::Lang);
    }
    manager
        .create_table(
            Table::create()
                .table(ArticleMenuNew::Table)
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
                .primary_key(&mut key)
                .foreign_key(
                    ForeignKey::create()
                        .from(ArticleMenuNew::Table, ArticleMenu::ArticleId)
                        .to(Article::Table, Article::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
}

/// Copies the rows `keep` selects into `article_menu_new`, puts it in the
/// old table's place and indexes it by menu again.
async fn copy_and_swap(manager: &SchemaManager<'_>, keep: Option<SimpleExpr>) -> Result<(), DbErr> {
    let mut select = Query::select();
    select.columns(COLUMNS).from(ArticleMenu::Table);
    if let Some(keep) = keep {
        select.and_where(keep);
    }
    let insert = Query::insert()
        .into_table(ArticleMenuNew::Table)
        .columns(COLUMNS)
        .select_from(select.to_owned())
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .to_owned();
    manager.exec_stmt(insert).await?;
    manager
        .drop_table(Table::drop().table(ArticleMenu::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(ArticleMenuNew::Table, ArticleMenu::Table)
                .to_owned(),
        )
        .await?;
    // PostgreSQL keeps the key's index name through a rename: give it the
    // table's, so the next copy's `article_menu_new_pkey` is free again.
    if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
        manager
            .get_connection()
            .execute_unprepared("ALTER INDEX IF EXISTS article_menu_new_pkey RENAME TO article_menu_pkey")
            .await?;
    }
    manager
        .create_index(
            Index::create()
                .name(INDEX)
                .table(ArticleMenu::Table)
                .col(ArticleMenu::Menu)
                .if_not_exists()
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too, as migration 24: the copy, drop
    /// and rename run on one connection, all or nothing.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager, true).await?;
        copy_and_swap(manager, None).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A translation's entries have no place in the old shape: the
        // article's own are those in its language.
        create(manager, false).await?;
        let own = Expr::col((ArticleMenu::Table, ArticleMenu::Lang)).in_subquery(
            Query::select()
                .expr(Expr::cust("LOWER(article.lang)"))
                .from(Article::Table)
                .and_where(
                    Expr::col((Article::Table, Article::Id)).equals((ArticleMenu::Table, ArticleMenu::ArticleId)),
                )
                .to_owned(),
        );
        copy_and_swap(manager, Some(own)).await
    }
}
