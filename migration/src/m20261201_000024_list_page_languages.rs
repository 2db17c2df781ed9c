//! Taxonomies' and terms' `_index` pages per language, as terms are since
//! migration 21: `content/tags/_index.fr.md` is the French taxonomy's page.
//! `list_page.lang` is the language's term key (empty for the default
//! language, so the rows written before this step stay the default
//! language's), and a page is unique per (taxonomy, lang, term_slug). The
//! primary key changes, which SQLite cannot alter: the table is copied into
//! its new shape.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ListPage {
    Table,
    Taxonomy,
    Lang,
    TermSlug,
    Title,
    Description,
    Body,
    FrontMatter,
    SourcePath,
}

#[derive(DeriveIden)]
enum ListPageNew {
    Table,
}

const COLUMNS: [ListPage; 7] = [
    ListPage::Taxonomy,
    ListPage::TermSlug,
    ListPage::Title,
    ListPage::Description,
    ListPage::Body,
    ListPage::FrontMatter,
    ListPage::SourcePath,
];

/// Creates the new table's shape as `list_page_new`, with or without `lang`.
async fn create(manager: &SchemaManager<'_>, with_lang: bool) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(ListPageNew::Table)
        .col(string(ListPage::Taxonomy))
        .col(string(ListPage::TermSlug))
        .col(string(ListPage::Title))
        .col(string(ListPage::Description))
        .col(text(ListPage::Body))
        .col(json(ListPage::FrontMatter))
        .col(string(ListPage::SourcePath));
    if with_lang {
        table.col(string(ListPage::Lang).default("")).primary_key(
            Index::create()
                .col(ListPage::Taxonomy)
                .col(ListPage::Lang)
                .col(ListPage::TermSlug),
        );
    } else {
        table.primary_key(Index::create().col(ListPage::Taxonomy).col(ListPage::TermSlug));
    }
    manager.create_table(table.to_owned()).await
}

/// Copies `list_page` (the rows `keep` selects) into `list_page_new`, then
/// puts the new table in its place.
async fn copy_and_swap(manager: &SchemaManager<'_>, keep: Option<SimpleExpr>) -> Result<(), DbErr> {
    let mut select = Query::select();
    select.columns(COLUMNS).from(ListPage::Table);
    if let Some(keep) = keep {
        select.and_where(keep);
    }
    let insert = Query::insert()
        .into_table(ListPageNew::Table)
        .columns(COLUMNS)
        .select_from(select.to_owned())
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .to_owned();
    manager.exec_stmt(insert).await?;
    manager
        .drop_table(Table::drop().table(ListPage::Table).to_owned())
        .await?;
    manager
        .rename_table(Table::rename().table(ListPageNew::Table, ListPage::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (sea-orm-migration's default is
    /// none there): the copy, drop and rename then run on one connection,
    /// all or nothing. Run statement by statement on a pool, the rename once
    /// failed with "there is already another table or index with this name:
    /// list_page".
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager, true).await?;
        copy_and_swap(manager, None).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The other languages' pages have no place in the old shape.
        create(manager, false).await?;
        copy_and_swap(manager, Some(Expr::col(ListPage::Lang).eq(""))).await
    }
}
