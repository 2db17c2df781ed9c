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

/// The site's view of term `id` (`Term`): every language's, or with
/// `lang` (a term key, `Site::term_lang`) that language's only.
fn site_terms_of(taxonomy: Taxonomy, id: i32, lang: Option<&str>) -> sea_orm::Condition {
    let cond = same_site_term(taxonomy, id);
    match lang {
        Some(lang) => cond.add(Expr::col("lang").eq(lang)),
        None => cond,
    }
}

/// Renames term `id`; its slug stays, so its URLs do. The site's view of
/// the taxonomy (`Term`) is renamed in the same transaction: in every
/// language, or with `lang` (a term key) in that language only, the tag or
/// category itself (a view of every language) then keeping its name; a
/// language without the term is `NotFound`.
pub async fn rename(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    id: i32,
    name: &str,
    lang: Option<&str>,
) -> Result<(TermRow, Change), StoreError> {
    let returning = Query::returning().exprs([
        Expr::col("id"),
        Expr::col("slug"),
        Expr::col("name"),
        Expr::cust(format!(
            "{} AS weighted_term",
            crate::query::terms::weighted_term_sql(taxonomy)
        )),
    ]);
    // With `lang`, the tag or category row is only read back (a no-op update).
    let update = Query::update()
        .table(taxonomy.table())
        .value(
            "name",
            if lang.is_some() {
                Expr::col("name")
            } else {
                Expr::value(name)
            },
        )
        .and_where(Expr::col("id").eq(id))
        .returning(returning)
        .to_owned();
    let mirror = Query::update()
        .table(entity::term::Entity)
        .value("name", name)
        .cond_where(site_terms_of(taxonomy, id, lang))
        .to_owned();
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let renamed = txn.execute(&mirror).await?.rows_affected();
    if lang.is_some() && renamed == 0 {
        return Err(StoreError::NotFound("term in that language"));
    }
    let row = txn.query_one(&update).await?.ok_or(StoreError::NotFound("term"))?;
    let row = TermRow::from_query_result(&row, "")?;
    let change = log_term_change(&txn, taxonomy.plural(), lang.unwrap_or_default(), id, &row.slug).await?;
    super::import_state::forget(&txn).await?;
    txn.commit().await?;
    Ok((row, change))
}

/// Logs that term `id` (with `slug`) changed, in `txn`; the change to tell.
async fn log_term_change<C: ConnectionTrait>(
    txn: &C,
    taxonomy: &str,
    lang: &str,
    id: i32,
    slug: &str,
) -> Result<Change, StoreError> {
    let path = site_term_path(txn, taxonomy, lang, slug)
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

/// The page path the site's view of the taxonomy gives term `slug` in the
/// language of term key `lang` (the default language's page is the one a
/// change to every language's names).
async fn site_term_path<C: ConnectionTrait>(
    txn: &C,
    taxonomy: &str,
    lang: &str,
    slug: &str,
) -> Result<Option<String>, StoreError> {
    let select = Query::select()
        .column("path")
        .from(entity::term::Entity)
        .and_where(Expr::col("taxonomy").eq(taxonomy))
        .and_where(Expr::col("lang").eq(lang))
        .and_where(Expr::col("slug").eq(slug))
        .to_owned();
    Ok(match txn.query_one(&select).await? {
        Some(row) => Some(row.try_get("", "path")?),
        None => None,
    })
}

/// Deletes term `id` and its links to articles (in the site's view of the
/// taxonomy too, in the same transaction); with `lang` (a term key), only
/// that language's `Term` and its links, the tag or category itself
/// staying; a language without the term is `NotFound`.
pub async fn delete(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    id: i32,
    lang: Option<&str>,
) -> Result<Change, StoreError> {
    let delete = Query::delete()
        .from_table(taxonomy.table())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let mirror = Query::delete()
        .from_table(entity::term::Entity)
        .cond_where(site_terms_of(taxonomy, id, lang))
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
    let change = log_term_change(&txn, taxonomy.plural(), lang.unwrap_or_default(), id, &slug).await?;
    let deleted = txn.execute(&mirror).await?.rows_affected();
    match lang {
        Some(_) if deleted == 0 => return Err(StoreError::NotFound("term in that language")),
        Some(_) => {}
        None => {
            if txn.execute(&delete).await?.rows_affected() == 0 {
                return Err(StoreError::NotFound("term"));
            }
        }
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
        Some(row) => Some(log_term_change(&txn, taxonomy, lang, row.try_get("", "id")?, slug).await?),
        None => None,
    };
    txn.commit().await?;
    Ok(change)
}
