//! An article's identity is its page path, as in Hugo, not its slug: two
//! sections may each hold a page with one slug, and what Hugo refuses is two
//! pages with one URL.
//!
//! The unique `slug` column is renamed `path` (the page's path within the
//! site, e.g. `/news/rates/`), which keeps its unique constraint (SQLite
//! cannot drop a column's inline UNIQUE without rebuilding the table, and a
//! rebuild would cascade-delete the links); a new, indexed `slug` column
//! takes the slugs. The next import writes every file's path from the site's
//! config; until then an article's path is `/slug/`, Hugo's path for a page
//! at the content root.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Article {
    Table,
    Slug,
    Path,
}

const SLUG_INDEX: &str = "idx_article_slug";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One unprepared batch on one connection: run as separate statements
        // on a pooled SQLite file, the ADD COLUMN met a connection that had
        // not seen the RENAME ("duplicate column name: slug").
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "ALTER TABLE article RENAME COLUMN slug TO path;
                 ALTER TABLE article ADD COLUMN slug varchar NOT NULL DEFAULT '';
                 UPDATE article SET slug = path, path = '/' || path || '/';
                 CREATE INDEX {SLUG_INDEX} ON article (slug);"
            ))
            .await?;
        Ok(())
    }

    /// Back to unique slugs; fails if two articles share a slug by then.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(SLUG_INDEX).table(Article::Table).to_owned())
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE article SET path = slug").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Article::Table)
                    .drop_column(Article::Slug)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Article::Table)
                    .rename_column(Article::Path, Article::Slug)
                    .to_owned(),
            )
            .await
    }
}
