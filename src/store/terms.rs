//! Writes to the taxonomies themselves: creating, renaming and deleting a
//! tag or category. (Terms an article names are created with it, in
//! `store::create` and `store::write_batch`.)

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, TransactionTrait};

use super::{writer::WRITER, StoreError};
use crate::query::terms::TermRow;
use crate::query::Taxonomy;

/// Creates a term named `name` with `slug`; the slug's unique index decides
/// whether it is free, so two creating one slug at once get one term and one
/// [`StoreError::Conflict`] on `name`.
pub async fn create(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    slug: &str,
    name: &str,
) -> Result<TermRow, StoreError> {
    let insert = Query::insert()
        .into_table(taxonomy.table())
        .columns(["slug", "name"])
        .values_panic([slug.into(), name.into()])
        .returning(Query::returning().columns(["id", "slug", "name"]))
        .to_owned();
    let _writer = WRITER.lock().await;
    let row = db
        .query_one(&insert)
        .await
        .map_err(|e| StoreError::unique(e, "name", slug))?
        .ok_or(StoreError::NotFound("term"))?;
    Ok(TermRow::from_query_result(&row, "")?)
}

/// The same term in the table of every taxonomy (`term`): the row whose
/// taxonomy is this one's plural and whose slug is term `id`'s.
fn same_site_term(taxonomy: Taxonomy, id: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Expr::col("taxonomy").eq(taxonomy.plural()))
        .add(
            Expr::col("slug").in_subquery(
                Query::select()
                    .column("slug")
                    .from(taxonomy.table())
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            ),
        )
}

/// Renames term `id`; its slug stays, so its URLs do. The site's view of
/// the taxonomy (`Term`) is renamed in the same transaction.
pub async fn rename(db: &DatabaseConnection, taxonomy: Taxonomy, id: i32, name: &str) -> Result<TermRow, StoreError> {
    let update = Query::update()
        .table(taxonomy.table())
        .value("name", name)
        .and_where(Expr::col("id").eq(id))
        .returning(Query::returning().columns(["id", "slug", "name"]))
        .to_owned();
    let mirror = Query::update()
        .table(entity::term::Entity)
        .value("name", name)
        .cond_where(same_site_term(taxonomy, id))
        .to_owned();
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    txn.execute(&mirror).await?;
    let row = txn.query_one(&update).await?.ok_or(StoreError::NotFound("term"))?;
    let row = TermRow::from_query_result(&row, "")?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes term `id` and its links to articles (in the site's view of the
/// taxonomy too, in the same transaction).
pub async fn delete(db: &DatabaseConnection, taxonomy: Taxonomy, id: i32) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(taxonomy.table())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let mirror = Query::delete()
        .from_table(entity::term::Entity)
        .cond_where(same_site_term(taxonomy, id))
        .to_owned();
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    txn.execute(&mirror).await?;
    if txn.execute(&delete).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound("term"));
    }
    txn.commit().await?;
    Ok(())
}

/// Moves the term `slug` of `taxonomy` (the site's view of any taxonomy)
/// to `path`: its `_index` page gave it a title or slug its URL reads.
pub async fn move_site_term(db: &DatabaseConnection, taxonomy: &str, slug: &str, path: &str) -> Result<(), StoreError> {
    let update = Query::update()
        .table(entity::term::Entity)
        .value("path", path)
        .and_where(Expr::col("taxonomy").eq(taxonomy))
        .and_where(Expr::col("slug").eq(slug))
        .to_owned();
    let _writer = WRITER.lock().await;
    db.execute(&update).await?;
    Ok(())
}
