//! Writes to the taxonomies themselves: creating, renaming and deleting a
//! tag or category. (Terms an article names are created with it, in
//! `store::create` and `store::write_batch`.)

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, TransactionTrait,
};

use super::changes::{self, Event};
use super::{writer::WRITER, StoreError};
use crate::live::{Change, ChangeKind};
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
        // A new term has no articles, so no weights.
        .returning(Query::returning().exprs([
            Expr::col("id"),
            Expr::col("slug"),
            Expr::col("name"),
            Expr::cust("CAST(NULL AS INTEGER) AS weighted_term"),
        ]))
        .to_owned();
    let _writer = WRITER.lock().await;
    let row = db
        .query_one(&insert)
        .await
        .map_err(|e| StoreError::unique(e, "name", slug))?
        .ok_or(StoreError::NotFound("term"))?;
    super::import_state::forget(db).await?;
    Ok(TermRow::from_query_result(&row, "")?)
}

/// The same term in the table of every taxonomy (`term`): the rows (one
/// per language naming it) whose taxonomy is this one's plural and whose
/// slug is term `id`'s.
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
pub async fn rename(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    id: i32,
    name: &str,
) -> Result<(TermRow, Change), StoreError> {
    let update = Query::update()
        .table(taxonomy.table())
        .value("name", name)
        .and_where(Expr::col("id").eq(id))
        .returning(Query::returning().exprs([
            Expr::col("id"),
            Expr::col("slug"),
            Expr::col("name"),
            Expr::cust(format!(
                "{} AS weighted_term",
                crate::query::terms::weighted_term_sql(taxonomy)
            )),
        ]))
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
    let change = log_term_change(&txn, taxonomy.plural(), id, &row.slug).await?;
    super::import_state::forget(&txn).await?;
    txn.commit().await?;
    Ok((row, change))
}

/// Logs that term `id` (with `slug`) changed, in `txn`; the change to tell.
async fn log_term_change<C: ConnectionTrait>(
    txn: &C,
    taxonomy: &str,
    id: i32,
    slug: &str,
) -> Result<Change, StoreError> {
    let path = site_term_path(txn, taxonomy, slug)
        .await?
        .unwrap_or_else(|| format!("/{taxonomy}/{slug}/"));
    let change = Change {
        kind: ChangeKind::TermUpdated,
        article_id: id,
    };
    let event = Event::of_term(taxonomy, slug, &path, chrono::Utc::now());
    changes::record(txn, &[event], &[change]).await?;
    Ok(change)
}

/// The page path the site's view of the taxonomy gives term `slug`.
async fn site_term_path<C: ConnectionTrait>(txn: &C, taxonomy: &str, slug: &str) -> Result<Option<String>, StoreError> {
    let select = Query::select()
        .column("path")
        .from(entity::term::Entity)
        .and_where(Expr::col("taxonomy").eq(taxonomy))
        // The default language's page: the one a tag's or category's event names.
        .and_where(Expr::col("lang").eq(""))
        .and_where(Expr::col("slug").eq(slug))
        .to_owned();
    Ok(match txn.query_one(&select).await? {
        Some(row) => Some(row.try_get("", "path")?),
        None => None,
    })
}

/// Deletes term `id` and its links to articles (in the site's view of the
/// taxonomy too, in the same transaction).
pub async fn delete(db: &DatabaseConnection, taxonomy: Taxonomy, id: i32) -> Result<Change, StoreError> {
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
    // The event names the term's page, so it is read before the mirror goes.
    let slug: Option<String> = match txn
        .query_one(
            &Query::select()
                .column("slug")
                .from(taxonomy.table())
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?
    {
        Some(row) => Some(row.try_get("", "slug")?),
        None => None,
    };
    let slug = slug.ok_or(StoreError::NotFound("term"))?;
    let change = log_term_change(&txn, taxonomy.plural(), id, &slug).await?;
    txn.execute(&mirror).await?;
    if txn.execute(&delete).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound("term"));
    }
    super::import_state::forget(&txn).await?;
    txn.commit().await?;
    Ok(change)
}

/// The name of the term `slug` of `taxonomy` in the language of term key
/// `lang`, if it is stored.
pub async fn site_term_name(
    db: &DatabaseConnection,
    taxonomy: &str,
    lang: &str,
    slug: &str,
) -> Result<Option<String>, StoreError> {
    Ok(entity::term::Entity::find()
        .filter(entity::term::Column::Taxonomy.eq(taxonomy))
        .filter(entity::term::Column::Lang.eq(lang))
        .filter(entity::term::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(|t| t.name))
}

/// Moves the term `slug` of `taxonomy` (the site's view of any taxonomy)
/// in the language of term key `lang` to `path`: its `_index` page gave it a title or slug its URL reads.
/// A move is logged as the term's change; the change to tell, if it moved.
pub async fn move_site_term(
    db: &DatabaseConnection,
    taxonomy: &str,
    lang: &str,
    slug: &str,
    path: &str,
) -> Result<Option<Change>, StoreError> {
    let update = Query::update()
        .table(entity::term::Entity)
        .value("path", path)
        .and_where(Expr::col("taxonomy").eq(taxonomy))
        .and_where(Expr::col("lang").eq(lang))
        .and_where(Expr::col("slug").eq(slug))
        .and_where(Expr::col("path").ne(path))
        .returning(Query::returning().column("id"))
        .to_owned();
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let change = match txn.query_one(&update).await? {
        Some(row) => Some(log_term_change(&txn, taxonomy, row.try_get("", "id")?, slug).await?),
        None => None,
    };
    txn.commit().await?;
    Ok(change)
}
