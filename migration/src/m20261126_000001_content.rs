//! The content model: articles, translations, tags, categories and their links.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Article::Table)
                    .if_not_exists()
                    .col(pk_auto(Article::Id))
                    .col(string_uniq(Article::Slug))
                    .col(text(Article::Title))
                    .col(text(Article::Summary))
                    .col(text(Article::Body))
                    .col(timestamp_with_time_zone(Article::PublishedAt))
                    .col(timestamp_with_time_zone(Article::UpdatedAt))
                    .col(timestamp_with_time_zone(Article::PublishDate))
                    .col(timestamp_with_time_zone_null(Article::ExpiryDate))
                    .col(string(Article::Lang))
                    .col(text_null(Article::Thumbnail))
                    .col(text_null(Article::Lead))
                    .col(text_null(Article::SourceName))
                    .col(text_null(Article::SourceUrl))
                    .col(boolean(Article::Draft))
                    .col(json_binary(Article::Menu))
                    .col(boolean_null(Article::Comments))
                    .col(boolean_null(Article::Authorbox))
                    .col(boolean_null(Article::Pager))
                    .col(boolean_null(Article::Toc))
                    .col(boolean_null(Article::Mathjax))
                    .col(string_null(Article::Sidebar))
                    .col(json_binary(Article::Widgets))
                    .col(json_binary(Article::Translations))
                    .col(integer(Article::Weight))
                    .col(json_binary(Article::Aliases))
                    .col(json_binary(Article::Keywords))
                    .col(json_binary(Article::FrontMatter))
                    .col(text(Article::SourcePath))
                    .col(string(Article::ContentHash))
                    .to_owned(),
            )
            .await?;
        // The public list order (newest first, ties by id) and the visibility window.
        index(
            manager,
            "idx_article_published",
            Article::Table,
            &[Article::PublishedAt, Article::Id],
        )
        .await?;
        index(
            manager,
            "idx_article_updated",
            Article::Table,
            &[Article::UpdatedAt, Article::Id],
        )
        .await?;
        index(manager, "idx_article_lang", Article::Table, &[Article::Lang]).await?;
        index(
            manager,
            "idx_article_title",
            Article::Table,
            &[Article::Title, Article::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Translation::Table)
                    .if_not_exists()
                    .col(pk_auto(Translation::Id))
                    .col(integer(Translation::ArticleId))
                    .col(string(Translation::Locale))
                    .col(text(Translation::Title))
                    .col(text(Translation::Summary))
                    .col(text(Translation::Body))
                    .col(timestamp_with_time_zone(Translation::PublishedAt))
                    .col(text(Translation::SourcePath))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Translation::Table, Translation::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_translation_article_locale")
                    .table(Translation::Table)
                    .col(Translation::ArticleId)
                    .col(Translation::Locale)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_translation_locale",
            Translation::Table,
            &[Translation::Locale],
        )
        .await?;

        for (term, join, term_id, reverse_index) in [
            (Term::Tag, Term::ArticleTag, Term::TagId, "idx_article_tag_reverse"),
            (
                Term::Category,
                Term::ArticleCategory,
                Term::CategoryId,
                "idx_article_category_reverse",
            ),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(term)
                        .if_not_exists()
                        .col(pk_auto(Term::Id))
                        .col(string_uniq(Term::Slug))
                        .col(text(Term::Name))
                        .to_owned(),
                )
                .await?;
            manager
                .create_table(
                    Table::create()
                        .table(join)
                        .if_not_exists()
                        .col(integer(Term::ArticleId))
                        .col(integer(term_id))
                        .col(integer(Term::Position))
                        .primary_key(Index::create().col(Term::ArticleId).col(term_id))
                        .foreign_key(
                            ForeignKey::create()
                                .from(join, Term::ArticleId)
                                .to(Article::Table, Article::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .foreign_key(
                            ForeignKey::create()
                                .from(join, term_id)
                                .to(term, Term::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .to_owned(),
                )
                .await?;
            // The primary key serves article → terms; this serves term → articles.
            index(manager, reverse_index, join, &[term_id, Term::ArticleId]).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Term::ArticleCategory, Term::ArticleTag, Term::Category, Term::Tag] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .drop_table(Table::drop().table(Translation::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Article::Table).to_owned()).await
    }
}

async fn index<T, C>(manager: &SchemaManager<'_>, name: &str, table: T, cols: &[C]) -> Result<(), DbErr>
where
    T: IntoIden + Copy + 'static,
    C: IntoIden + Copy + 'static,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(*col);
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Article {
    Table,
    Id,
    Slug,
    Title,
    Summary,
    Body,
    PublishedAt,
    UpdatedAt,
    PublishDate,
    ExpiryDate,
    Lang,
    Thumbnail,
    Lead,
    SourceName,
    SourceUrl,
    Draft,
    Menu,
    Comments,
    Authorbox,
    Pager,
    Toc,
    Mathjax,
    Sidebar,
    Widgets,
    Translations,
    Weight,
    Aliases,
    Keywords,
    FrontMatter,
    SourcePath,
    ContentHash,
}

#[derive(DeriveIden, Clone, Copy)]
enum Translation {
    Table,
    Id,
    ArticleId,
    Locale,
    Title,
    Summary,
    Body,
    PublishedAt,
    SourcePath,
}

#[derive(DeriveIden, Clone, Copy)]
enum Term {
    Tag,
    Category,
    ArticleTag,
    ArticleCategory,
    Id,
    Slug,
    Name,
    ArticleId,
    TagId,
    CategoryId,
    Position,
}
