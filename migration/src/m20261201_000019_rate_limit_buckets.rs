//! The shared rate limit's token buckets, on PostgreSQL: one row per client
//! key (an IPv4 address or an IPv6 /64), updated by every API process, so N
//! processes together admit at most the configured rate.
//!
//! UNLOGGED: the buckets are a few seconds of state, written on every
//! request; they need no WAL (and so cost the standbys nothing and are not
//! replicated), and a crash that empties the table only hands every client
//! a full bucket. A low fillfactor leaves room on each page for the update
//! of a row to stay on its page (HOT), which the primary key allows since
//! the key never changes. On SQLite this step creates nothing: one machine
//! runs one process, whose buckets stay in memory.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str = "CREATE UNLOGGED TABLE IF NOT EXISTS rate_limit_bucket (
    key text PRIMARY KEY,
    tokens double precision NOT NULL,
    at timestamptz NOT NULL
) WITH (fillfactor = 50)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(CREATE).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS rate_limit_bucket")
                .await?;
        }
        Ok(())
    }
}
