//! Taxonomies' and terms' `_index` pages as the store writes them: an import
//! finds the whole set and [`sync`] makes the table equal to it.

use entity::list_page;
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

use super::{writer::WRITER, Outcome, StoreError};

pub use list_page::Model as ListPage;

/// Writes `pages` in one transaction, each reported as imported, updated or
/// unchanged (in order); with `whole_tree`, the pages not given are deleted
/// and returned second.
pub async fn sync(
    db: &DatabaseConnection,
    pages: &[ListPage],
    whole_tree: bool,
) -> Result<(Vec<Outcome>, Vec<ListPage>), StoreError> {
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let stored = list_page::Entity::find().all(&txn).await?;
    let mut outcomes = Vec::with_capacity(pages.len());
    for page in pages {
        let same = stored
            .iter()
            .find(|s| s.taxonomy == page.taxonomy && s.lang == page.lang && s.term_slug == page.term_slug);
        outcomes.push(match same {
            Some(s) if s == page => Outcome::Unchanged,
            Some(_) => Outcome::Updated,
            None => Outcome::Imported,
        });
        if same.is_some_and(|s| s == page) {
            continue;
        }
        let row = list_page::ActiveModel {
            taxonomy: Set(page.taxonomy.clone()),
            lang: Set(page.lang.clone()),
            term_slug: Set(page.term_slug.clone()),
            title: Set(page.title.clone()),
            description: Set(page.description.clone()),
            body: Set(page.body.clone()),
            front_matter: Set(page.front_matter.clone()),
            source_path: Set(page.source_path.clone()),
        };
        list_page::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    list_page::Column::Taxonomy,
                    list_page::Column::Lang,
                    list_page::Column::TermSlug,
                ])
                .update_columns([
                    list_page::Column::Title,
                    list_page::Column::Description,
                    list_page::Column::Body,
                    list_page::Column::FrontMatter,
                    list_page::Column::SourcePath,
                ])
                .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    let mut removed = Vec::new();
    if whole_tree {
        for s in &stored {
            if !pages
                .iter()
                .any(|p| p.taxonomy == s.taxonomy && p.lang == s.lang && p.term_slug == s.term_slug)
            {
                list_page::Entity::delete_many()
                    .filter(list_page::Column::Taxonomy.eq(s.taxonomy.as_str()))
                    .filter(list_page::Column::Lang.eq(s.lang.as_str()))
                    .filter(list_page::Column::TermSlug.eq(s.term_slug.as_str()))
                    .exec(&txn)
                    .await?;
                removed.push(s.clone());
            }
        }
    }
    txn.commit().await?;
    Ok((outcomes, removed))
}
