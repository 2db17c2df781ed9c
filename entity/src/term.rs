//! A term of any taxonomy the site defines (`series`, `authors`, `tags`, …).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The taxonomy's plural name, as the site config gives it (`series`).
    pub taxonomy: String,
    /// Lower-cased, spaces to '-', Unicode letters kept (as tags' slugs).
    pub slug: String,
    /// The name as first written in front matter.
    pub name: String,
    /// Its page path, as Hugo builds it (`/series/rates-explained/`).
    pub path: String,
    /// Whether a page gives it a weight (`tags_weight`); its list is then
    /// ordered by weight first.
    pub weighted: bool,
    /// The language whose pages name it: empty for the default language,
    /// else that language's code (`fr`); its `path` is that language's.
    pub lang: String,
}

impl ActiveModelBehavior for ActiveModel {}
