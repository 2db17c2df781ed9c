//! A translation's own page path (`/fr/about/`): Hugo gives each language
//! version a URL, and `route(path:)` serves the translation found there.
//! Not unique: in a single-language site every version of a page has the
//! page's path, and the article itself answers there.

use sea_orm_migration::{prelude::*, schema::string};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Translation {
    Table,
    Path,
}

const INDEX: &str = "idx_translation_path";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Translation::Table)
                    .add_column(string(Translation::Path).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Translation::Table)
                    .col(Translation::Path)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Translation::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Translation::Table)
                    .drop_column(Translation::Path)
                    .to_owned(),
            )
            .await
    }
}
