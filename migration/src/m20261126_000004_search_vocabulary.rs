//! What a ranked search reads on SQLite (PostgreSQL needs none of it):
//! - the FTS5 vocabulary: how many documents hold each word, which a
//!   multi-word search reads to weigh its words (`gazette_rank`);
//! - covering look-ups from a matching document to its article and from an
//!   article to its visibility. Rows of both tables hold long text, so a
//!   look-up by rowid walks overflow pages; SQLite prefers the rowid anyway,
//!   so two views pin the covering indexes with INDEXED BY (a search ranks up
//!   to 1,000 matches, each looked up in both: 12 ms before, 4 ms after, on
//!   100,000 articles).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

const UP: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS article_search_vocab USING fts5vocab(article_search, 'row')",
    "CREATE INDEX IF NOT EXISTS idx_search_document_id_article ON search_document (id, article_id)",
    "CREATE VIEW IF NOT EXISTS search_document_by_id AS
        SELECT id, article_id FROM search_document INDEXED BY idx_search_document_id_article",
    "CREATE VIEW IF NOT EXISTS article_by_id AS SELECT * FROM article INDEXED BY idx_article_id_visible",
];

const DOWN: &[&str] = &[
    "DROP VIEW IF EXISTS article_by_id",
    "DROP VIEW IF EXISTS search_document_by_id",
    "DROP INDEX IF EXISTS idx_search_document_id_article",
    "DROP TABLE IF EXISTS article_search_vocab",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            for sql in UP {
                manager.get_connection().execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            for sql in DOWN {
                manager.get_connection().execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }
}
