//! Full-text search documents (one per article version, jieba-segmented, plus
//! the CJK characters one by one for exact substring matches) with their
//! SQLite FTS5 index, and the locales each article is available in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SearchDocument {
    Table,
    Id,
    ArticleId,
    Locale,
    Title,
    Summary,
    Body,
    Chars,
}

#[derive(DeriveIden, Clone, Copy)]
enum ArticleLocale {
    Table,
    ArticleId,
    Locale,
}

#[derive(DeriveIden, Clone, Copy)]
enum Article {
    Table,
    Id,
}

/// The FTS5 index over `search_document`, kept in step by triggers.
const SQLITE_FTS: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(
        title, summary, body, chars,
        content = 'search_document', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_document_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO article_search(rowid, title, summary, body, chars)
        VALUES (new.id, new.title, new.summary, new.body, new.chars);
     END",
    "CREATE TRIGGER IF NOT EXISTS search_document_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO article_search(article_search, rowid, title, summary, body, chars)
        VALUES ('delete', old.id, old.title, old.summary, old.body, old.chars);
     END",
    "CREATE TRIGGER IF NOT EXISTS search_document_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO article_search(article_search, rowid, title, summary, body, chars)
        VALUES ('delete', old.id, old.title, old.summary, old.body, old.chars);
        INSERT INTO article_search(rowid, title, summary, body, chars)
        VALUES (new.id, new.title, new.summary, new.body, new.chars);
     END",
];

/// PostgreSQL's full-text index: a tsvector of the same segmented text
/// (weights A–D for title, summary, body and characters), kept by the
/// database itself as a generated column, with a GIN index.
const POSTGRES_FTS: &[&str] = &[
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', summary), 'B')
        || setweight(to_tsvector('simple', body), 'C') || setweight(to_tsvector('simple', chars), 'D')
     ) STORED",
    "CREATE INDEX IF NOT EXISTS idx_search_document_tsv ON search_document USING GIN (search_tsv)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchDocument::Table)
                    .if_not_exists()
                    .col(pk_auto(SearchDocument::Id))
                    .col(integer(SearchDocument::ArticleId))
                    .col(string(SearchDocument::Locale))
                    .col(text(SearchDocument::Title))
                    .col(text(SearchDocument::Summary))
                    .col(text(SearchDocument::Body))
                    .col(text(SearchDocument::Chars))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SearchDocument::Table, SearchDocument::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_document_article")
                    .table(SearchDocument::Table)
                    .col(SearchDocument::ArticleId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ArticleLocale::Table)
                    .if_not_exists()
                    .col(integer(ArticleLocale::ArticleId))
                    .col(string(ArticleLocale::Locale))
                    .primary_key(Index::create().col(ArticleLocale::ArticleId).col(ArticleLocale::Locale))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleLocale::Table, ArticleLocale::ArticleId)
                            .to(Article::Table, Article::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_article_locale_reverse")
                    .table(ArticleLocale::Table)
                    .col(ArticleLocale::Locale)
                    .col(ArticleLocale::ArticleId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => SQLITE_FTS,
            DbBackend::Postgres => POSTGRES_FTS,
            _ => &[],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS article_search")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ArticleLocale::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SearchDocument::Table).to_owned())
            .await
    }
}
