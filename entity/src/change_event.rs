//! One change a reader can see, in the order changes committed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `article.published`, `article.updated`, `article.unpublished`,
    /// `article.deleted` or `term.updated`.
    pub kind: String,
    /// The article's id; null for a term's change.
    pub article_id: Option<i32>,
    /// The term's taxonomy (`tags`); null for an article's change.
    pub taxonomy: Option<String>,
    /// The article's or term's slug when the change was made.
    pub slug: String,
    /// Its page path when the change was made (`/posts/hello/`).
    pub path: String,
    /// The article's language; empty for a term.
    pub locale: String,
    /// The cache keys the change invalidates, as a JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub keys: String,
    /// When it took effect (for scheduled publishing: the scheduled instant's tick).
    pub at: DateTimeWithTimeZone,
}

impl ActiveModelBehavior for ActiveModel {}
