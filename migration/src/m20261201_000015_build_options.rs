//! Hugo's `_build` options (and `headless` leaf bundles): whether a page is
//! rendered (has a route) and whether it is listed (in lists and counts).
//! Lists judge `build_list` beside visibility, so it joins the covering
//! visibility indexes, which are made again with it. One batch: on a pooled
//! SQLite file, separate schema statements may run on connections that have
//! not seen each other's changes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LIST: &str = "idx_article_published_visible";
const BY_ID: &str = "idx_article_id_visible";

fn indexes(extra: &str) -> String {
    format!(
        "DROP INDEX {LIST};
         CREATE INDEX {LIST} ON article (published_at, id, draft, publish_date, expiry_date{extra});
         DROP INDEX {BY_ID};
         CREATE INDEX {BY_ID} ON article (id, published_at, draft, publish_date, expiry_date{extra});"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = format!(
            "ALTER TABLE article ADD COLUMN build_render varchar NOT NULL DEFAULT 'always';
             ALTER TABLE article ADD COLUMN build_list varchar NOT NULL DEFAULT 'always';
             {}",
            indexes(", build_list")
        );
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = format!(
            "{}
             ALTER TABLE article DROP COLUMN build_render;
             ALTER TABLE article DROP COLUMN build_list;",
            indexes("")
        );
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
