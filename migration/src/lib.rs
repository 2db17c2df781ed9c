//! Gazette's schema migrations, one module per step, for SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_content;
mod m20261126_000002_search_and_locales;
mod m20261126_000003_visibility_indexes;
mod m20261126_000004_search_vocabulary;
mod m20261201_000005_thumbnail_visibility;
mod m20261201_000006_article_path;
mod m20261201_000007_aliases;
mod m20261201_000008_translation_path;
mod m20261201_000009_truncated;
mod m20261201_000010_sections;
mod m20261201_000011_terms;
mod m20261201_000012_article_menus;
mod m20261201_000013_change_log;
mod m20261201_000014_webhooks;
mod m20261201_000015_build_options;
mod m20261201_000016_resources;
mod m20261201_000017_persisted_queries;
mod m20261201_000018_term_weights;
mod m20261201_000019_rate_limit_buckets;
mod m20261201_000020_link_order;
mod m20261201_000021_term_languages;
mod m20261201_000022_import_state;
mod m20261201_000023_listed_links;
mod m20261201_000024_list_page_languages;
mod m20261201_000025_source_path_index;
mod m20261203_000026_translation_menus;

/// Migration 23's partial index condition over the link rows, which a
/// query must repeat as written for the index to serve it.
pub use m20261201_000023_listed_links::TIMED as TIMED_LINKS;

/// Every migration, in the order they run.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_content::Migration),
            Box::new(m20261126_000002_search_and_locales::Migration),
            Box::new(m20261126_000003_visibility_indexes::Migration),
            Box::new(m20261126_000004_search_vocabulary::Migration),
            Box::new(m20261201_000005_thumbnail_visibility::Migration),
            Box::new(m20261201_000006_article_path::Migration),
            Box::new(m20261201_000007_aliases::Migration),
            Box::new(m20261201_000008_translation_path::Migration),
            Box::new(m20261201_000009_truncated::Migration),
            Box::new(m20261201_000010_sections::Migration),
            Box::new(m20261201_000011_terms::Migration),
            Box::new(m20261201_000012_article_menus::Migration),
            Box::new(m20261201_000013_change_log::Migration),
            Box::new(m20261201_000014_webhooks::Migration),
            Box::new(m20261201_000015_build_options::Migration),
            Box::new(m20261201_000016_resources::Migration),
            Box::new(m20261201_000017_persisted_queries::Migration),
            Box::new(m20261201_000018_term_weights::Migration),
            Box::new(m20261201_000019_rate_limit_buckets::Migration),
            Box::new(m20261201_000020_link_order::Migration),
            Box::new(m20261201_000021_term_languages::Migration),
            Box::new(m20261201_000022_import_state::Migration),
            Box::new(m20261201_000023_listed_links::Migration),
            Box::new(m20261201_000024_list_page_languages::Migration),
            Box::new(m20261201_000025_source_path_index::Migration),
            Box::new(m20261203_000026_translation_menus::Migration),
        ]
    }
}
