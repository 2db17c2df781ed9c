//! A category: a taxonomy term articles are filed under.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Lower-cased, spaces to '-', Unicode letters kept.
    #[sea_orm(unique)]
    pub slug: String,
    /// The name as first written in front matter.
    pub name: String,
}

impl ActiveModelBehavior for ActiveModel {}
