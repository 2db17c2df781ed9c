//! Sections as the store writes them: an import computes the whole set (one
//! row per folder and language) and [`sync`] makes the table equal to it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::section;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::Value;

use super::{writer::WRITER, Outcome, StoreError};

/// A section in one language, as an import found it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSection {
    /// Its folder below the content root (`blog/2020`); empty for the home page.
    pub dir: String,
    /// The language code of this version (`en`).
    pub lang: String,
    /// Its page path, as Hugo builds it (`/fr/blog/`).
    pub path: String,
    /// The folder of the section it is in; `None` for the home page.
    pub parent_dir: Option<String>,
    pub title: String,
    pub description: String,
    pub weight: i32,
    /// The markdown of its `_index` file.
    pub body: String,
    pub front_matter: Value,
    /// Its `_index` file, relative to the import root.
    pub source_path: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its `_build` options (own or cascaded).
    pub build: super::Build,
}

impl NewSection {
    fn row(&self) -> section::ActiveModel {
        section::ActiveModel {
            id: NotSet,
            dir: Set(self.dir.clone()),
            lang: Set(self.lang.clone()),
            path: Set(self.path.clone()),
            parent_dir: Set(self.parent_dir.clone()),
            title: Set(self.title.clone()),
            description: Set(self.description.clone()),
            weight: Set(self.weight),
            body: Set(self.body.clone()),
            front_matter: Set(self.front_matter.clone()),
            source_path: Set(self.source_path.clone()),
            published_at: Set(self.published_at),
            updated_at: Set(self.updated_at),
            build_render: Set(self.build.render.clone()),
            build_list: Set(self.build.list.clone()),
        }
    }

    fn same_as(&self, row: &section::Model) -> bool {
        self.path == row.path
            && self.parent_dir == row.parent_dir
            && self.title == row.title
            && self.description == row.description
            && self.weight == row.weight
            && self.body == row.body
            && self.front_matter == row.front_matter
            && self.source_path == row.source_path
            && self.published_at == row.published_at
            && self.updated_at == row.updated_at
            && self.build.render == row.build_render
            && self.build.list == row.build_list
    }
}

/// Writes `sections` in one transaction, each reported as imported,
/// updated or unchanged (in the order given). With `whole_tree` (the import
/// saw the whole content tree), sections it did not find are deleted.
pub async fn sync(
    db: &DatabaseConnection,
    sections: &[NewSection],
    whole_tree: bool,
) -> Result<Vec<Outcome>, StoreError> {
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let stored = section::Entity::find().all(&txn).await?;
    let mut by_key: HashMap<(String, String), section::Model> = stored
        .into_iter()
        .map(|r| ((r.dir.clone(), r.lang.clone()), r))
        .collect();
    let mut outcomes = Vec::with_capacity(sections.len());
    // Stale rows go first, so a path they held can be taken by another.
    if whole_tree {
        let wanted: std::collections::HashSet<(&str, &str)> =
            sections.iter().map(|s| (s.dir.as_str(), s.lang.as_str())).collect();
        let stale: Vec<i32> = by_key
            .iter()
            .filter(|((d, l), _)| !wanted.contains(&(d.as_str(), l.as_str())))
            .map(|(_, r)| r.id)
            .collect();
        if !stale.is_empty() {
            section::Entity::delete_many()
                .filter(section::Column::Id.is_in(stale))
                .exec(&txn)
                .await?;
        }
    }
    for s in sections {
        let outcome = match by_key.remove(&(s.dir.clone(), s.lang.clone())) {
            Some(row) if s.same_as(&row) => Outcome::Unchanged,
            Some(row) => {
                let mut update = s.row();
                update.id = Set(row.id);
                section::Entity::update(update)
                    .exec(&txn)
                    .await
                    .map_err(|e| StoreError::unique(e, "path", &s.path))?;
                Outcome::Updated
            }
            None => {
                section::Entity::insert(s.row())
                    .exec(&txn)
                    .await
                    .map_err(|e| StoreError::unique(e, "path", &s.path))?;
                Outcome::Imported
            }
        };
        outcomes.push(outcome);
    }
    txn.commit().await?;
    Ok(outcomes)
}
