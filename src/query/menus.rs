//! Menu entries pages declare in front matter: articles' from their own
//! table, sections' from their `_index` front matter.

use entity::{article, article_menu, section};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::articles::Visibility;

pub use article_menu::Model as ArticleMenuEntry;

/// The entries articles `vis` sees declare for `menu`.
pub async fn article_entries(
    db: &DatabaseConnection,
    menu: &str,
    vis: Visibility,
) -> Result<Vec<ArticleMenuEntry>, DbErr> {
    article_menu::Entity::find()
        .filter(article_menu::Column::Menu.eq(menu))
        .filter(
            article_menu::Column::ArticleId.in_subquery(
                Query::select()
                    .column(article::Column::Id)
                    .from(article::Entity)
                    .cond_where(vis.condition())
                    .to_owned(),
            ),
        )
        .all(db)
        .await
}

/// A stored entry as the site config's entries are read.
pub fn as_entry(row: ArticleMenuEntry) -> crate::site::MenuEntry {
    crate::site::MenuEntry {
        menu: row.menu,
        name: row.name,
        url: row.url,
        weight: row.weight,
        parent: row.parent,
        identifier: row.identifier,
        pre: row.pre,
        post: row.post,
        title: row.title,
        params: row.params.as_object().cloned().unwrap_or_default(),
        page_ref: String::new(),
    }
}

/// The entries article `id` and its translations declare, with the
/// language of the version declaring each.
pub async fn of_article<C: sea_orm::ConnectionTrait>(db: &C, id: i32) -> Result<Vec<ArticleMenuEntry>, DbErr> {
    article_menu::Entity::find()
        .filter(article_menu::Column::ArticleId.eq(id))
        .all(db)
        .await
}

/// The sections in `lang` whose `_index` front matter names a menu.
pub async fn sections_with_menus(db: &DatabaseConnection, lang: &str) -> Result<Vec<section::Model>, DbErr> {
    let rows = section::Entity::find()
        .filter(section::Column::Lang.eq(lang))
        .filter(section::Column::SourcePath.is_not_null())
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|s| s.front_matter.get("menu").is_some() || s.front_matter.get("menus").is_some())
        .collect())
}
