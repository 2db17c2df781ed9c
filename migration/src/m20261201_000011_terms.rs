//! Every taxonomy the site config defines (`series`, `authors`, tags and
//! categories too), as Hugo lists them: a term per taxonomy and slug with
//! the URL Hugo gives its page, and which articles name it. Tags and
//! categories keep their own tables for the `Tag` and `Category` types.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Term {
    Table,
    Id,
    Taxonomy,
    Slug,
    Name,
    Path,
}

#[derive(DeriveIden)]
enum ArticleTerm {
    Table,
    ArticleId,
    TermId,
    Position,
}

/// A taxonomy's or term's `_index` file (`content/tags/_index.md`,
/// `content/tags/rates/_index.md`): its title, description and body.
#[derive(DeriveIden)]
enum ListPage {
    Table,
    Taxonomy,
    TermSlug,
    Title,
    Description,
    Body,
    FrontMatter,
    SourcePath,
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
                    .table(Term::Table)
                    .if_not_exists()
                    .col(pk_auto(Term::Id))
                    .col(string(Term::Taxonomy))
                    .col(string(Term::Slug))
                    .col(string(Term::Name))
                    .col(string(Term::Path))
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
            .create_index(
                Index::create()
                    .name("idx_term_path")
                    .table(Term::Table)
                    .col(Term::Path)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ListPage::Table)
                    .if_not_exists()
                    .col(string(ListPage::Taxonomy))
                    .col(string(ListPage::TermSlug))
                    .col(string(ListPage::Title))
                    .col(string(ListPage::Description))
                    .col(text(ListPage::Body))
                    .col(json(ListPage::FrontMatter))
                    .col(string(ListPage::SourcePath))
                    .primary_key(Index::create().col(ListPage::Taxonomy).col(ListPage::TermSlug))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ArticleTerm::Table)
                    .if_not_exists()
                    .col(integer(ArticleTerm::ArticleId))
                    .col(integer(ArticleTerm::TermId))
                    .col(integer(ArticleTerm::Position))
                    .primary_key(Index::create().col(ArticleTerm::ArticleId).col(ArticleTerm::TermId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleTerm::Table, ArticleTerm::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleTerm::Table, ArticleTerm::TermId)
                            .to(Term::Table, Term::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_article_term_term")
                    .table(ArticleTerm::Table)
                    .col(ArticleTerm::TermId)
                    .col(ArticleTerm::ArticleId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleTerm::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ListPage::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Term::Table).to_owned()).await
    }
}
