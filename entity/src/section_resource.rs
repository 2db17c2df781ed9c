//! A file of a section's branch bundle (beside its `_index` file): its facts, not its bytes.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "section_resource")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: i32,
    /// Its path relative to the bundle's folder, `/`-separated (`images/a.png`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub path: String,
    /// Its place in the bundle's resources (Hugo's order: by name).
    pub position: i32,
    /// Hugo's `.Name`: a front matter rule's `name`, else the path.
    pub name: String,
    /// Hugo's `.Title`: a rule's `title`, else the name.
    pub title: String,
    /// Its media type, from its extension (`image/png`).
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// An image's size in pixels, read from its header.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// A rule's `params` (merged key by key, the first rule to set a key wins).
    pub params: Json,
    #[sea_orm(belongs_to, from = "section_id", to = "id", on_delete = "Cascade")]
    pub section: BelongsTo<super::section::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
