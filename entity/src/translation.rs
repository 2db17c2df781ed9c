//! A localized version of an article (a Hugo `name.LANG.md` file).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "translation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub article_id: i32,
    pub locale: String,
    pub title: String,
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub published_at: DateTimeUtc,
    pub source_path: String,
    /// This version's page path in the site (`/fr/about/`), as Hugo builds it.
    pub path: String,
    #[sea_orm(belongs_to, from = "article_id", to = "id", on_delete = "Cascade")]
    pub article: BelongsTo<super::article::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
