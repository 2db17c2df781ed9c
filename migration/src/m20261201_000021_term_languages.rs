//! Taxonomy terms per language, as Hugo builds them: a term exists in a
//! language when a page in that language names it, at that language's URL
//! (`/fr/tags/astuces/`). `term.lang` is the language's code, empty for the
//! default language, so rows written before this step stay the default
//! language's; a term is unique per (taxonomy, lang, slug).
//! `article_term.version` says which version of the article names the term:
//! empty for the article itself, a translation's locale for that translation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Term {
    Table,
    Taxonomy,
    Lang,
    Slug,
}

#[derive(DeriveIden)]
enum ArticleTerm {
    Table,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Term::Table)
                    .add_column(string(Term::Lang).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ArticleTerm::Table)
                    .add_column(string(ArticleTerm::Version).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_term_taxonomy_slug")
                    .table(Term::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_term_taxonomy_lang_slug")
                    .table(Term::Table)
                    .col(Term::Taxonomy)
                    .col(Term::Lang)
                    .col(Term::Slug)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The other languages' terms have no place in the old shape.
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM term WHERE lang <> ''")
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_term_taxonomy_lang_slug")
                    .table(Term::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_term_taxonomy_slug")
                    .table(Term::Table)
                    .col(Term::Taxonomy)
                    .col(Term::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ArticleTerm::Table)
                    .drop_column(ArticleTerm::Version)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Term::Table).drop_column(Term::Lang).to_owned())
            .await
    }
}
