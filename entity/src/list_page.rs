//! The `_index` file of a taxonomy (`content/tags/_index.md`) or of one of
//! its terms (`content/tags/rates/_index.md`), in one language.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "list_page")]
pub struct Model {
    /// The taxonomy's plural name (`tags`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub taxonomy: String,
    /// The language's term key: empty for the default language, else its
    /// code (`fr` for `content/tags/_index.fr.md`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub lang: String,
    /// The term's folder (its slug); empty for the taxonomy's own page.
    #[sea_orm(primary_key, auto_increment = false)]
    pub term_slug: String,
    pub title: String,
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub front_matter: Json,
    /// The `_index` file, relative to the import root.
    pub source_path: String,
}

impl ActiveModelBehavior for ActiveModel {}
