//! Sections as the store writes them: an import computes the whole set (one
//! row per folder and language) and [`sync`] makes the table equal to it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{section, section_resource};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
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
    /// Its branch bundle's files (those beside its `_index` file).
    pub resources: Vec<super::NewResource>,
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

/// Replaces section `id`'s bundle files with `wanted` when they differ
/// from `stored`; says whether they did.
async fn write_files<C: sea_orm::ConnectionTrait>(
    txn: &C,
    id: i32,
    stored: Vec<section_resource::Model>,
    wanted: &[super::NewResource],
) -> Result<bool, StoreError> {
    let same = stored.len() == wanted.len()
        && stored.iter().zip(wanted).all(|(s, w)| {
            s.path == w.path
                && s.name == w.name
                && s.title == w.title
                && s.media_type == w.media_type
                && s.size == w.size
                && s.width == w.width
                && s.height == w.height
                && s.params == Value::Object(w.params.clone())
        });
    if same {
        return Ok(false);
    }
    section_resource::Entity::delete_many()
        .filter(section_resource::Column::SectionId.eq(id))
        .exec(txn)
        .await?;
    if !wanted.is_empty() {
        let rows = wanted
            .iter()
            .enumerate()
            .map(|(position, w)| section_resource::ActiveModel {
                section_id: Set(id),
                path: Set(w.path.clone()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                name: Set(w.name.clone()),
                title: Set(w.title.clone()),
                media_type: Set(w.media_type.clone()),
                size: Set(w.size),
                width: Set(w.width),
                height: Set(w.height),
                params: Set(Value::Object(w.params.clone())),
            });
        section_resource::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(true)
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
    let mut stored_files: HashMap<i32, Vec<section_resource::Model>> = HashMap::new();
    for r in section_resource::Entity::find()
        .order_by_asc(section_resource::Column::Position)
        .all(&txn)
        .await?
    {
        stored_files.entry(r.section_id).or_default().push(r);
    }
    for s in sections {
        let (id, outcome) = match by_key.remove(&(s.dir.clone(), s.lang.clone())) {
            Some(row) if s.same_as(&row) => (row.id, Outcome::Unchanged),
            Some(row) => {
                let mut update = s.row();
                update.id = Set(row.id);
                section::Entity::update(update)
                    .exec(&txn)
                    .await
                    .map_err(|e| StoreError::unique(e, "path", &s.path))?;
                (row.id, Outcome::Updated)
            }
            None => {
                let id = section::Entity::insert(s.row())
                    .exec(&txn)
                    .await
                    .map_err(|e| StoreError::unique(e, "path", &s.path))?
                    .last_insert_id;
                (id, Outcome::Imported)
            }
        };
        let files_changed = write_files(&txn, id, stored_files.remove(&id).unwrap_or_default(), &s.resources).await?;
        outcomes.push(match outcome {
            Outcome::Unchanged if files_changed => Outcome::Updated,
            o => o,
        });
    }
    txn.commit().await?;
    Ok(outcomes)
}
