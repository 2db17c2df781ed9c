//! Links an article to a term of any taxonomy, in front-matter order.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_term")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub term_id: i32,
    /// Index in the front-matter list.
    pub position: i32,
    /// Front matter `<taxonomy>_weight` (`tags_weight`), 0 without one:
    /// the term's pages are in ascending weight first, as Hugo orders them.
    pub weight: i32,
    /// Which version of the article names the term: empty for the article
    /// itself, else the locale of the translation that does.
    pub version: String,
    #[sea_orm(belongs_to, from = "article_id", to = "id", on_delete = "Cascade")]
    pub article: BelongsTo<super::article::Entity>,
    #[sea_orm(belongs_to, from = "term_id", to = "id", on_delete = "Cascade")]
    pub term: BelongsTo<super::term::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
