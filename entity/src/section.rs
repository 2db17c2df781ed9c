//! A Hugo section in one language: the home page, a top-level content
//! folder, or a nested folder with an `_index` file.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "section")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Its folder below the content root (`blog/2020`); empty for the home page.
    pub dir: String,
    /// The language this version is in (`en`).
    pub lang: String,
    /// Its page path in the site, as Hugo builds it (`/fr/blog/`).
    #[sea_orm(unique)]
    pub path: String,
    /// The folder of the section it is in; null for the home page.
    pub parent_dir: Option<String>,
    pub title: String,
    /// Front matter `description` of its `_index` file.
    pub description: String,
    /// Front matter `weight`; 0 when not given.
    pub weight: i32,
    /// The markdown of its `_index` file.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The `_index` file's whole front matter.
    pub front_matter: Json,
    /// The `_index` file, relative to the import root; null when the
    /// folder has none.
    pub source_path: Option<String>,
    /// Its `_index` file's date, else the newest date of its pages (as in Hugo).
    pub published_at: DateTimeUtc,
    /// Its `_index` file's lastmod, else the newest lastmod of its pages.
    pub updated_at: DateTimeUtc,
    /// Its `_build.render` (own or cascaded): only `always` has a route.
    pub build_render: String,
    /// Its `_build.list`: only `always` is among its parent's children.
    pub build_list: String,
}

impl ActiveModelBehavior for ActiveModel {}
