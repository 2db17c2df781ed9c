//! A menu entry an article declares in front matter (`menu: main`).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "article_menu")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i32,
    /// The menu's name (`main`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub menu: String,
    /// The language of the version declaring it, lower-cased (`en`,
    /// `zh-cn`): the article's, or a translation's (migration 26).
    #[sea_orm(primary_key, auto_increment = false)]
    pub lang: String,
    /// Link text: the entry's `name`, else the page's `linkTitle` or title.
    pub name: String,
    pub identifier: String,
    pub parent: String,
    /// The entry's `weight`, else the page's.
    pub weight: i64,
    /// A `url` given in the entry; empty means the page's own URL.
    pub url: String,
    pub pre: String,
    pub post: String,
    pub title: String,
    pub params: Json,
    #[sea_orm(belongs_to, from = "article_id", to = "id", on_delete = "Cascade")]
    pub article: BelongsTo<super::article::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
