//! The one write path: every change to stored content (an import, watch
//! mode, a mutation) goes through here, so the derived data (search index
//! rows, locales, term links, change notifications) stays in step with the
//! articles. Each write is one transaction. Knows nothing of files or GraphQL:
//! [`crate::import`] maps a content file to an [`ArticleChange`](crate::store::ArticleChange), and
//! [`crate::edit`] maps a mutation's input to one.

pub mod article;
pub mod list_pages;
pub mod persisted_queries;
mod search_index;
pub mod sections;
pub mod terms;
pub mod webhooks;
mod writer;

use sea_orm::{DbErr, SqlErr};

pub use article::{ArticleChange, Build, Display, NewArticle, NewTranslation, SiteTerm, SourceLink, Term};
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
/// removed files. Returns how many were deleted.
pub async fn delete_articles_of_files(db: &sea_orm::DatabaseConnection, files: &[String]) -> Result<u64, StoreError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if files.is_empty() {
        return Ok(0);
    }
    let _writer = writer::WRITER.lock().await;
    let result = entity::article::Entity::delete_many()
        .filter(entity::article::Column::SourcePath.is_in(files.iter().cloned()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes article `id` with its translations, links and index rows (the
/// foreign keys cascade).
pub async fn delete_article(db: &sea_orm::DatabaseConnection, id: i32) -> Result<(), StoreError> {
    use sea_orm::EntityTrait;
    let _writer = writer::WRITER.lock().await;
    let result = entity::article::Entity::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound("article"));
    }
    Ok(())
}
