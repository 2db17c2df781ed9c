//! Hugo sections: the content tree's list pages (the home page, every
//! top-level folder, and nested folders with an `_index` file), one row per
//! language a section exists in, and the section each article sits in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Section {
    Table,
    Id,
    Dir,
    Lang,
    Path,
    ParentDir,
    Title,
    Description,
    Weight,
    Body,
    FrontMatter,
    SourcePath,
    PublishedAt,
    UpdatedAt,
    BuildRender,
    BuildList,
}

#[derive(DeriveIden)]
enum Article {
    Table,
    Section,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Section::Table)
                    .if_not_exists()
                    .col(pk_auto(Section::Id))
                    .col(string(Section::Dir))
                    .col(string(Section::Lang))
                    .col(string_uniq(Section::Path))
                    .col(string_null(Section::ParentDir))
                    .col(string(Section::Title))
                    .col(string(Section::Description))
                    .col(integer(Section::Weight))
                    .col(text(Section::Body))
                    .col(json(Section::FrontMatter))
                    .col(string_null(Section::SourcePath))
                    .col(timestamp_with_time_zone(Section::PublishedAt))
                    .col(timestamp_with_time_zone(Section::UpdatedAt))
                    .col(string(Section::BuildRender).default("always"))
                    .col(string(Section::BuildList).default("always"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_section_dir_lang")
                    .table(Section::Table)
                    .col(Section::Dir)
                    .col(Section::Lang)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Article::Table)
                    .add_column(string_null(Article::Section))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_article_section")
                    .table(Article::Table)
                    .col(Article::Section)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_article_section")
                    .table(Article::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Article::Table)
                    .drop_column(Article::Section)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(Section::Table).to_owned()).await
    }
}
