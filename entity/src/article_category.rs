//! Links an article to a category, in front-matter order.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_category")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: i32,
    /// Index in the front-matter list.
    pub position: i32,
    /// The article's `published_at`, `draft`, `publish_date`, `expiry_date`
    /// and `build_list`, copied by the writer so a term's list is filtered,
    /// ordered and counted from the link rows alone.
    pub published_at: Option<DateTimeUtc>,
    pub draft: bool,
    pub publish_date: Option<DateTimeUtc>,
    pub expiry_date: Option<DateTimeUtc>,
    pub build_list: String,
    #[sea_orm(belongs_to, from = "article_id", to = "id", on_delete = "Cascade")]
    pub article: BelongsTo<super::article::Entity>,
    #[sea_orm(belongs_to, from = "category_id", to = "id", on_delete = "Cascade")]
    pub category: BelongsTo<super::category::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
