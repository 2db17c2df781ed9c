//! The one write path: every change to stored content (an import, watch
//! mode, a mutation) goes through here, so the derived data (search index
//! rows, locales, term links, change notifications) stays in step with the
//! articles. Each write is one transaction. Knows nothing of files or GraphQL:
//! [`crate::import`] maps a content file to an [`ArticleChange`](crate::store::ArticleChange), and
//! [`crate::edit`] maps a mutation's input to one.

pub mod article;
pub mod changes;
pub mod import_state;
pub mod list_pages;
pub mod persisted_queries;
pub mod schedule;
mod search_index;
pub mod sections;
pub mod terms;
pub mod webhooks;
mod writer;

use sea_orm::{DbErr, SqlErr};

use crate::live::{Change, ChangeKind};

pub use article::{ArticleChange, Build, Display, NewArticle, NewResource, NewTranslation, SiteTerm, SourceLink, Term};
pub use sections::NewSection;
pub use writer::{create, replace, write_batch, Outcome, Prepared, Written};

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A value that must be unique is taken; `field` names the input that gave it.
    #[error("{field}: `{value}` is taken")]
    Conflict { field: &'static str, value: String },
    /// What the write changes is not stored (deleted meanwhile).
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl StoreError {
    /// `e`, or a conflict on `field` when it is a unique-index violation.
    fn unique(e: DbErr, field: &'static str, value: &str) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict {
                field,
                value: value.to_owned(),
            },
            _ => StoreError::Db(e),
        }
    }

    /// `e` from writing an article with `slug`: its path, the article's one
    /// unique value, is made from the slug an editor gives.
    fn of_slug(e: DbErr, slug: &str) -> Self {
        Self::unique(e, "slug", slug)
    }
}

/// Deletes the articles imported from `files` (content paths as stored),
/// with their translations, links and index rows: watch mode's answer to
/// removed files. Returns how many were deleted and the changes to tell
/// (one per article that was public), logged in the same transaction.
pub async fn delete_articles_of_files(
    db: &sea_orm::DatabaseConnection,
    files: &[String],
) -> Result<(u64, Vec<Change>), StoreError> {
    use sea_orm::ColumnTrait;
    if files.is_empty() {
        return Ok((0, Vec::new()));
    }
    delete_where(db, entity::article::Column::SourcePath.is_in(files.iter().cloned())).await
}

/// Deletes article `id` with its translations, links and index rows (the
/// foreign keys cascade); the change to tell when it was public.
pub async fn delete_article(db: &sea_orm::DatabaseConnection, id: i32) -> Result<Option<Change>, StoreError> {
    use sea_orm::ColumnTrait;
    let (deleted, changes) = delete_where(db, entity::article::Column::Id.eq(id)).await?;
    if deleted == 0 {
        return Err(StoreError::NotFound("article"));
    }
    Ok(changes.into_iter().next())
}

/// Deletes the articles `condition` selects in one transaction, logging
/// a deletion for each that was public.
async fn delete_where(
    db: &sea_orm::DatabaseConnection,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<(u64, Vec<Change>), StoreError> {
    use sea_orm::{EntityTrait, QueryFilter, TransactionTrait};
    let _writer = writer::WRITER.lock().await;
    let txn = db.begin().await?;
    let rows = entity::article::Entity::find()
        .filter(condition.clone())
        .all(&txn)
        .await?;
    let now = chrono::Utc::now();
    let public: Vec<&entity::article::Model> = rows
        .iter()
        .filter(|r| crate::query::articles::is_public(r.draft, r.publish_date, r.expiry_date, now))
        .collect();
    let ids: Vec<i32> = public.iter().map(|r| r.id).collect();
    let mut listings = changes::listings(&txn, &ids).await?;
    let result = entity::article::Entity::delete_many()
        .filter(condition)
        .exec(&txn)
        .await?;
    let (mut events, mut told) = (Vec::new(), Vec::new());
    for row in public {
        let change = Change {
            kind: ChangeKind::Deleted,
            article_id: row.id,
        };
        let state = changes::ArticleState {
            id: row.id,
            slug: row.slug.clone(),
            path: row.path.clone(),
            locale: row.lang.clone(),
            listing: listings.remove(&row.id).unwrap_or_default(),
        };
        events.push(changes::Event::of_article(change, None, &state, now));
        told.push(change);
    }
    changes::record(&txn, &events, &told).await?;
    if result.rows_affected > 0 {
        import_state::forget(&txn).await?;
    }
    txn.commit().await?;
    Ok((result.rows_affected, told))
}
