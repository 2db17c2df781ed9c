//! Writes articles (each with its translations, index rows and term links)
//! all or nothing: one transaction per edit, one savepoint per article in a batch.

use std::collections::HashMap;

use entity::{article, translation};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use serde_json::Value;

use super::document::{Document, Term};
use crate::live::{self, Change};
use crate::query::terms::TermRow;
use crate::query::{articles, Taxonomy};
use crate::search::index::{self, Version};

static WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What writing an article did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Imported,
    Updated,
    Unchanged,
}

/// What a write did, and the change subscribers hear of (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub outcome: Outcome,
    /// The article's id (written, or found unchanged).
    pub article_id: i32,
    pub change: Option<Change>,
}

/// An article's original document and its translations, ready to store.
#[derive(Debug)]
pub struct ArticleUnit {
    pub original: Document,
    pub original_path: String,
    /// (stored path, locale-resolved document) for each translation file.
    pub translations: Vec<(String, Document)>,
    pub content_hash: String,
}

impl ArticleUnit {
    fn versions(&self) -> Vec<Version<'_>> {
        fn version(d: &Document) -> Version<'_> {
            Version {
                locale: d.lang.as_str(),
                title: &d.title,
                summary: &d.summary,
                body_markdown: &d.body,
            }
        }
        let mut out = vec![version(&self.original)];
        out.extend(self.translations.iter().map(|(_, t)| version(t)));
        out
    }
}

/// A unit with its search index rows already segmented (the CPU-heavy part
/// of a write, done off the async runtime and outside the transaction).
#[derive(Debug)]
pub struct Prepared {
    pub unit: ArticleUnit,
    index: Vec<index::Row>,
}

impl Prepared {
    pub fn new(unit: ArticleUnit) -> Self {
        let index = index::rows(&unit.versions());
        Prepared { unit, index }
    }
}

/// Stores `unit` unless its content hash is already stored; all or nothing.
/// The article it replaces is the one with its slug.
pub async fn write(db: &DatabaseConnection, unit: ArticleUnit) -> Result<Written, DbErr> {
    write_as(db, unit, None).await
}

/// As [`write`], replacing the article with id `id` when one is given (an
/// editor may change a slug), else the one with the unit's slug.
/// On PostgreSQL the change is sent (`NOTIFY`) with the commit.
pub async fn write_as(db: &DatabaseConnection, unit: ArticleUnit, id: Option<i32>) -> Result<Written, DbErr> {
    let existing = match id {
        Some(id) => article::Entity::find_by_id(id).one(db).await?,
        None => {
            article::Entity::find()
                .filter(article::Column::Slug.eq(&unit.original.slug))
                .one(db)
                .await?
        }
    };
    if let Some(done) = unchanged(&unit, existing.as_ref()) {
        return Ok(done);
    }
    let prepared = Prepared::new(unit);
    // One writer at a time in this process: SQLite takes one write
    // transaction at a time anyway, and queuing here beats busy-waiting.
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let (known, mut added) = (TermIds::default(), TermIds::default());
    let written = write_in(&txn, &prepared, existing.as_ref(), &mut known.with(&mut added)).await?;
    index::insert(&txn, &[(written.article_id, &prepared.index)]).await?;
    txn.commit().await?;
    Ok(written)
}

/// Stores many units in one transaction, each in a savepoint of its own:
/// a unit that fails leaves nothing behind and the others still land.
/// Returns one result per unit, in order. Articles are matched by slug.
pub async fn write_batch(db: &DatabaseConnection, units: &[Prepared]) -> Vec<Result<Written, DbErr>> {
    match write_batch_inner(db, units).await {
        Ok(results) => results,
        // The commit itself failed: nothing of the batch was stored.
        Err(e) => units.iter().map(|_| Err(DbErr::Custom(e.to_string()))).collect(),
    }
}

async fn write_batch_inner(db: &DatabaseConnection, units: &[Prepared]) -> Result<Vec<Result<Written, DbErr>>, DbErr> {
    let slugs: Vec<&str> = units.iter().map(|p| p.unit.original.slug.as_str()).collect();
    let mut stored: HashMap<String, article::Model> = HashMap::new();
    for chunk in slugs.chunks(500) {
        for row in article::Entity::find()
            .filter(article::Column::Slug.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            stored.insert(row.slug.clone(), row);
        }
    }
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let mut terms = TermIds::default();
    let mut results = Vec::with_capacity(units.len());
    // The search rows of the units written, stored together after the loop.
    let mut indexed: Vec<(i32, &[index::Row])> = Vec::new();
    for p in units {
        let existing = stored.get(&p.unit.original.slug);
        if let Some(done) = unchanged(&p.unit, existing) {
            results.push(Ok(done));
            continue;
        }
        let savepoint = txn.begin().await?;
        let mut unit_terms = TermIds::default();
        match write_in(&savepoint, p, existing, &mut terms.with(&mut unit_terms)).await {
            Ok(written) => {
                savepoint.commit().await?;
                terms.0.extend(unit_terms.0);
                indexed.push((written.article_id, &p.index));
                results.push(Ok(written));
            }
            Err(e) => {
                savepoint.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    // One statement for the whole chunk's search rows (see `index::insert`).
    // Should it fail, the transaction is dropped and the chunk reported failed.
    index::insert(&txn, &indexed).await?;
    txn.commit().await?;
    Ok(results)
}

/// The answer when `unit` is already stored as it is.
fn unchanged(unit: &ArticleUnit, existing: Option<&article::Model>) -> Option<Written> {
    existing
        .filter(|e| e.content_hash == unit.content_hash)
        .map(|e| Written {
            outcome: Outcome::Unchanged,
            article_id: e.id,
            change: None,
        })
}

/// Term ids known in this transaction, by taxonomy and slug: popular tags
/// are looked up once per batch, not once per article.
#[derive(Default)]
struct TermIds(HashMap<(Taxonomy, String), i32>);

/// The batch's known ids plus the ones the current unit adds; the unit's
/// only join the batch's once its savepoint is released.
struct TermScope<'a> {
    known: &'a TermIds,
    added: &'a mut TermIds,
}

impl TermIds {
    fn with<'a>(&'a self, added: &'a mut TermIds) -> TermScope<'a> {
        TermScope { known: self, added }
    }
}

impl TermScope<'_> {
    fn get(&self, taxonomy: Taxonomy, slug: &str) -> Option<i32> {
        let key = (taxonomy, slug.to_owned());
        self.known.0.get(&key).or_else(|| self.added.0.get(&key)).copied()
    }

    fn insert(&mut self, taxonomy: Taxonomy, slug: String, id: i32) {
        self.added.0.insert((taxonomy, slug), id);
    }
}

/// Writes one unit in `txn`, replacing `existing` (its stored row) if given.
async fn write_in<C: ConnectionTrait>(
    txn: &C,
    prepared: &Prepared,
    existing: Option<&article::Model>,
    terms: &mut TermScope<'_>,
) -> Result<Written, DbErr> {
    let unit = &prepared.unit;
    let doc = &unit.original;
    let now = chrono::Utc::now();
    let public_before = existing.map(|e| articles::is_public(e.draft, e.publish_date, e.expiry_date, now));
    let public_after = articles::is_public(doc.draft, doc.publish_date, doc.expiry_date, now);
    let mut row = article_row(unit);
    let (id, outcome) = match existing {
        Some(e) => {
            row.id = Set(e.id);
            (row.update(txn).await?.id, Outcome::Updated)
        }
        None => (row.insert(txn).await?.id, Outcome::Imported),
    };
    // A new article has no old rows to clear.
    let replace = existing.is_some();
    if replace {
        translation::Entity::delete_many()
            .filter(translation::Column::ArticleId.eq(id))
            .exec(txn)
            .await?;
    }
    if !unit.translations.is_empty() {
        translation::Entity::insert_many(unit.translations.iter().map(|(path, t)| translation::ActiveModel {
            id: NotSet,
            article_id: Set(id),
            locale: Set(t.lang.to_string()),
            title: Set(t.title.clone()),
            summary: Set(t.summary.clone()),
            body: Set(t.body.clone()),
            published_at: Set(t.published_at),
            source_path: Set(path.clone()),
        }))
        .exec(txn)
        .await?;
    }
    // The new search rows are the caller's to insert (`index::insert`), so
    // a batch inserts all of its articles' rows in one statement.
    if replace {
        index::clear(txn, id).await?;
    }
    replace_locales(txn, id, unit, replace).await?;
    link_terms(txn, Taxonomy::Tags, id, &doc.tags, replace, terms).await?;
    link_terms(txn, Taxonomy::Categories, id, &doc.categories, replace, terms).await?;
    let change = Change::of_write(id, public_before, public_after);
    if let Some(change) = change {
        live::notify_on_commit(txn, change).await?;
    }
    Ok(Written {
        outcome,
        article_id: id,
        change,
    })
}

fn json_list<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.to_string())).collect())
}

fn article_row(unit: &ArticleUnit) -> article::ActiveModel {
    let d = &unit.original;
    article::ActiveModel {
        id: NotSet,
        slug: Set(d.slug.clone()),
        title: Set(d.title.clone()),
        summary: Set(d.summary.clone()),
        body: Set(d.body.clone()),
        published_at: Set(d.published_at),
        updated_at: Set(d.updated_at),
        publish_date: Set(d.publish_date),
        expiry_date: Set(d.expiry_date),
        lang: Set(d.lang.to_string()),
        thumbnail: Set(d.thumbnail.clone()),
        lead: Set(d.lead.clone()),
        source_name: Set(d.source.as_ref().map(|s| s.name.clone())),
        source_url: Set(d.source.as_ref().map(|s| s.url.clone())),
        draft: Set(d.draft),
        menu: Set(d.display.menu.clone()),
        comments: Set(d.display.comments),
        authorbox: Set(d.display.authorbox),
        pager: Set(d.display.pager),
        toc: Set(d.display.toc),
        mathjax: Set(d.display.mathjax),
        sidebar: Set(d.display.sidebar.clone()),
        widgets: Set(json_list(&d.display.widgets)),
        translations: Set(json_list(&d.translations)),
        weight: Set(d.weight),
        aliases: Set(json_list(&d.aliases)),
        keywords: Set(json_list(&d.keywords)),
        front_matter: Set(d.front_matter.clone()),
        source_path: Set(unit.original_path.clone()),
        content_hash: Set(unit.content_hash.clone()),
    }
}

/// Records every locale the article is available in: its `lang`, front
/// matter `translations`, and its translation files.
async fn replace_locales<C: ConnectionTrait>(
    txn: &C,
    article_id: i32,
    unit: &ArticleUnit,
    replace: bool,
) -> Result<(), DbErr> {
    if replace {
        txn.execute(
            &Query::delete()
                .from_table("article_locale")
                .and_where(Expr::col("article_id").eq(article_id))
                .to_owned(),
        )
        .await?;
    }
    let d = &unit.original;
    let mut locales: Vec<&str> = vec![d.lang.as_str()];
    let listed = d.translations.iter().map(|l| l.as_str());
    for l in listed.chain(unit.translations.iter().map(|(_, t)| t.lang.as_str())) {
        if !locales.contains(&l) {
            locales.push(l);
        }
    }
    let mut insert = Query::insert();
    insert.into_table("article_locale").columns(["article_id", "locale"]);
    for l in locales {
        insert.values_panic([article_id.into(), l.into()]);
    }
    txn.execute(&insert).await?;
    Ok(())
}

/// Replaces the article's links in `taxonomy` with `terms`, creating missing
/// terms; ids already in `known` are not looked up again.
async fn link_terms<C: ConnectionTrait>(
    txn: &C,
    taxonomy: Taxonomy,
    article_id: i32,
    terms: &[Term],
    replace: bool,
    known: &mut TermScope<'_>,
) -> Result<(), DbErr> {
    let (t, j, fk) = (taxonomy.table(), taxonomy.join_table(), taxonomy.term_column());
    if replace {
        txn.execute(
            &Query::delete()
                .from_table(j)
                .and_where(Expr::col("article_id").eq(article_id))
                .to_owned(),
        )
        .await?;
    }
    if terms.is_empty() {
        return Ok(());
    }
    let missing: Vec<&Term> = terms
        .iter()
        .filter(|t| known.get(taxonomy, &t.slug).is_none())
        .collect();
    if !missing.is_empty() {
        let mut insert = Query::insert();
        insert
            .into_table(t)
            .columns(["slug", "name"])
            .on_conflict(OnConflict::column("slug").do_nothing().to_owned());
        for term in &missing {
            insert.values_panic([term.slug.clone().into(), term.name.clone().into()]);
        }
        txn.execute(&insert).await?;
        let select = Query::select()
            .columns(["id", "slug", "name"])
            .from(t)
            .and_where(Expr::col("slug").is_in(missing.iter().map(|t| t.slug.clone())))
            .to_owned();
        for r in txn.query_all(&select).await? {
            let row = <TermRow as sea_orm::FromQueryResult>::from_query_result(&r, "")?;
            known.insert(taxonomy, row.slug, row.id);
        }
    }
    let mut links = Query::insert();
    links.into_table(j).columns(["article_id", fk, "position"]);
    for (position, term) in terms.iter().enumerate() {
        let id = known
            .get(taxonomy, &term.slug)
            .ok_or_else(|| DbErr::RecordNotFound(format!("{t} {}", term.slug)))?;
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        links.values_panic([article_id.into(), id.into(), position.into()]);
    }
    txn.execute(&links).await?;
    Ok(())
}
