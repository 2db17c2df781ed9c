//! Hugo's term weights: front matter `<taxonomy>_weight` (`tags_weight: 10`,
//! `series_weight: 2`) orders a term's pages, kept on the link of the page
//! to the term; `term.weighted` says whether any page gives the term a
//! weight, so an unweighted term's list keeps its plain order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ArticleTerm {
    Table,
    Weight,
}

#[derive(DeriveIden)]
enum Term {
    Table,
    Weighted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ArticleTerm::Table)
                    .add_column(integer(ArticleTerm::Weight).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Term::Table)
                    .add_column(boolean(Term::Weighted).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Term::Table).drop_column(Term::Weighted).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ArticleTerm::Table)
                    .drop_column(ArticleTerm::Weight)
                    .to_owned(),
            )
            .await
    }
}
