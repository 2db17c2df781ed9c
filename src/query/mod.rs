//! The read side: which articles are public, keyset pages and the batched
//! look-ups the GraphQL loaders run. Knows nothing of GraphQL.

pub mod articles;
pub mod changes;
pub mod feeds;
pub mod keyset;
pub mod menus;
pub mod refs;
pub mod relations;
pub mod resources;
pub mod routes;
pub mod search;
pub mod sections;
pub mod taxonomies;
pub mod terms;
pub mod translations;

use sea_orm::{DatabaseConnection, DbErr};

use crate::db::{self, PoolSettings};

/// `settings` with what this layer's SQL needs of each SQLite connection:
/// the functions it calls ([`search::SQLITE_FUNCTIONS`]).
pub fn pool_settings(settings: PoolSettings) -> PoolSettings {
    PoolSettings {
        sqlite_setup: search::SQLITE_FUNCTIONS,
        ..settings
    }
}

/// Connects to `url` and migrates, with default pool settings, for these queries.
pub async fn open(url: &str) -> Result<DatabaseConnection, DbErr> {
    db::open_with(url, pool_settings(PoolSettings::default())).await
}

/// Tags or categories: the two taxonomies share one table shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Taxonomy {
    Tags,
    Categories,
}

impl Taxonomy {
    /// The term table: `tag` or `category`.
    pub fn table(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tag",
            Taxonomy::Categories => "category",
        }
    }

    /// The front-matter key and the plural name Hugo gives the taxonomy:
    /// `tags` or `categories`.
    pub fn plural(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tags",
            Taxonomy::Categories => "categories",
        }
    }

    /// The join table: `article_tag` or `article_category`.
    pub fn join_table(self) -> &'static str {
        match self {
            Taxonomy::Tags => "article_tag",
            Taxonomy::Categories => "article_category",
        }
    }

    /// The join table's column naming the term.
    pub fn term_column(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tag_id",
            Taxonomy::Categories => "category_id",
        }
    }
}
