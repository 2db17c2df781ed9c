//! Writes articles (each with its translations, index rows and term links)
//! all or nothing: one transaction per edit; in a batch, the new articles
//! together, and any article that fails with them again in a savepoint of its own.

use std::collections::{HashMap, HashSet};

use entity::{article, translation};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Iterable, QueryFilter, Set,
    TransactionTrait,
};

use super::article::{ArticleChange, NewArticle, NewTranslation, SiteTerm, Term};
use super::changes::{self, ArticleState, Event};
use super::search_index::{self as index, Version};
use super::StoreError;
use crate::db::bulk;
use crate::live::Change;
use crate::query::terms::TermRow;
use crate::query::Taxonomy;

/// One writer at a time in this process: SQLite takes one write transaction
/// at a time anyway, and queuing here beats busy-waiting.
pub(super) static WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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

impl ArticleChange {
    /// The versions the search index holds: the original, then each translation.
    fn versions(&self) -> Vec<Version<'_>> {
        let a = &self.article;
        let mut out = vec![Version {
            locale: a.lang.as_str(),
            title: &a.title,
            summary: &a.summary,
            body_markdown: &a.body,
        }];
        out.extend(self.translations.iter().map(|t: &NewTranslation| Version {
            locale: t.locale.as_str(),
            title: &t.title,
            summary: &t.summary,
            body_markdown: &t.body,
        }));
        out
    }
}

/// A unit with its search index rows already segmented (the CPU-heavy part
/// of a write, done off the async runtime and outside the transaction).
#[derive(Debug)]
pub struct Prepared {
    pub unit: ArticleChange,
    index: Vec<index::Row>,
}

impl Prepared {
    /// Segments `unit`'s versions for the search index.
    pub fn new(unit: ArticleChange) -> Self {
        let index = index::rows(&unit.versions());
        Prepared { unit, index }
    }
}

/// Stores a new article: its path (made from its slug) must be free. All or
/// nothing; on PostgreSQL the change is sent (`NOTIFY`) with the commit.
///
/// The path's unique index decides, not a look-up before the write, so two
/// editors creating one slug at once get one article and one
/// [`StoreError::Conflict`] on the slug, never an overwrite.
pub async fn create(db: &DatabaseConnection, unit: ArticleChange) -> Result<Written, StoreError> {
    let prepared = Prepared::new(unit);
    let slug = prepared.unit.article.slug.clone();
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let (known, mut added) = (TermIds::default(), TermIds::default());
    let written = insert_new(&txn, &[&prepared], &mut known.with(&mut added))
        .await
        .map_err(|e| StoreError::of_slug(e, &slug))?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Db(DbErr::RecordNotInserted))?;
    index::insert(&txn, &[(written.article_id, &prepared.index)]).await?;
    // The files no longer say all the database holds.
    super::import_state::forget(&txn).await?;
    txn.commit().await.map_err(|e| StoreError::of_slug(e, &slug))?;
    Ok(written)
}

/// Replaces article `id` with `unit` (an editor may change its slug, whose
/// path must then be free). All or nothing; [`StoreError::NotFound`] when `id` is
/// not stored (deleted meanwhile).
pub async fn replace(db: &DatabaseConnection, unit: ArticleChange, id: i32) -> Result<Written, StoreError> {
    let prepared = Prepared::new(unit);
    let slug = prepared.unit.article.slug.clone();
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    // Read in the transaction, so what it replaces is what it read.
    let existing = article::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("article"))?;
    if let Some(done) = unchanged(&prepared.unit, Some(&existing)) {
        return Ok(done);
    }
    let (known, mut added) = (TermIds::default(), TermIds::default());
    let written = write_in(&txn, &prepared, Some(&existing), &mut known.with(&mut added))
        .await
        .map_err(|e| StoreError::of_slug(e, &slug))?;
    index::insert(&txn, &[(written.article_id, &prepared.index)]).await?;
    // The files no longer say all the database holds.
    super::import_state::forget(&txn).await?;
    txn.commit().await.map_err(|e| StoreError::of_slug(e, &slug))?;
    Ok(written)
}

/// Stores many units in one transaction: the new ones together, the rest
/// (and the new ones, should they fail together) each in a savepoint of its
/// own, so a unit that fails leaves nothing behind and the others still land.
/// Returns one result per unit, in order. A unit replaces the article of
/// its file, else the one at its path.
pub async fn write_batch(db: &DatabaseConnection, units: &[Prepared]) -> Vec<Result<Written, DbErr>> {
    match write_batch_inner(db, units).await {
        Ok(results) => results,
        // The commit itself failed: nothing of the batch was stored.
        Err(e) => units.iter().map(|_| Err(DbErr::Custom(e.to_string()))).collect(),
    }
}

async fn write_batch_inner(db: &DatabaseConnection, units: &[Prepared]) -> Result<Vec<Result<Written, DbErr>>, DbErr> {
    // A unit replaces the article of its file (so a changed URL moves the
    // article), else the one at its path.
    let mut by_file: HashMap<String, article::Model> = HashMap::new();
    let mut by_path: HashMap<String, article::Model> = HashMap::new();
    for chunk in units.chunks(250) {
        let paths = chunk.iter().map(|p| p.unit.article.path.as_str());
        let files = chunk
            .iter()
            .map(|p| p.unit.source_path.as_str())
            .filter(|f| !f.is_empty());
        for row in stored_at(paths, files).all(db).await? {
            if !row.source_path.is_empty() {
                by_file.insert(row.source_path.clone(), row.clone());
            }
            by_path.insert(row.path.clone(), row);
        }
    }
    let stored_of = |unit: &ArticleChange| {
        by_file
            .get(&unit.source_path)
            .filter(|_| !unit.source_path.is_empty())
            .or_else(|| by_path.get(&unit.article.path))
    };
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let mut terms = TermIds::default();
    let mut results: Vec<Option<Result<Written, DbErr>>> = Vec::with_capacity(units.len());
    let mut fresh: Vec<usize> = Vec::new();
    for (i, p) in units.iter().enumerate() {
        let existing = stored_of(&p.unit);
        results.push(unchanged(&p.unit, existing).map(Ok));
        if existing.is_none() {
            fresh.push(i);
        }
    }
    // New articles go in together, a few statements for the whole chunk
    // instead of several per article. Should the database refuse any of
    // them, the attempt is rolled back and each is written on its own
    // below, so that only the one at fault fails.
    if !fresh.is_empty() {
        let new_units: Vec<&Prepared> = fresh.iter().map(|&i| &units[i]).collect();
        let savepoint = txn.begin().await?;
        let mut added = TermIds::default();
        match insert_new(&savepoint, &new_units, &mut terms.with(&mut added)).await {
            Ok(written) => {
                savepoint.commit().await?;
                terms.0.extend(added.0);
                for (&i, w) in fresh.iter().zip(written) {
                    results[i] = Some(Ok(w));
                }
            }
            Err(e) => {
                savepoint.rollback().await?;
                tracing::debug!(error = %e, "a chunk's new articles refused together; writing them one by one");
            }
        }
    }
    for (i, p) in units.iter().enumerate() {
        if results[i].is_some() {
            continue;
        }
        let existing = stored_of(&p.unit);
        let savepoint = txn.begin().await?;
        let mut unit_terms = TermIds::default();
        match write_in(&savepoint, p, existing, &mut terms.with(&mut unit_terms)).await {
            Ok(written) => {
                savepoint.commit().await?;
                terms.0.extend(unit_terms.0);
                results[i] = Some(Ok(written));
            }
            Err(e) => {
                savepoint.rollback().await?;
                results[i] = Some(Err(e));
            }
        }
    }
    // One statement for the whole chunk's search rows (see `index::insert`),
    // in the chunk's order. Should it fail, the transaction is dropped and
    // the chunk reported failed.
    let indexed: Vec<(i32, &[index::Row])> = results
        .iter()
        .zip(units)
        .filter_map(|(r, p)| match r {
            Some(Ok(w)) if w.outcome != Outcome::Unchanged => Some((w.article_id, p.index.as_slice())),
            _ => None,
        })
        .collect();
    index::insert(&txn, &indexed).await?;
    txn.commit().await?;
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(DbErr::Custom("not written".into()))))
        .collect())
}

/// The stored articles at any of `paths` or from any of `files`. Both
/// columns are indexed (migration 25): without the source file's index the
/// `OR` scans the article table, once per chunk of an import.
fn stored_at<'a>(
    paths: impl IntoIterator<Item = &'a str>,
    files: impl IntoIterator<Item = &'a str>,
) -> sea_orm::Select<article::Entity> {
    article::Entity::find().filter(
        sea_orm::Condition::any()
            .add(article::Column::Path.is_in(paths))
            .add(article::Column::SourcePath.is_in(files)),
    )
}

/// The answer when `unit` is already stored as it is.
fn unchanged(unit: &ArticleChange, existing: Option<&article::Model>) -> Option<Written> {
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
    let Some(existing) = existing else {
        let written = insert_new(txn, &[prepared], terms).await?;
        return written
            .into_iter()
            .next()
            .ok_or_else(|| DbErr::Custom("the article was not inserted".into()));
    };
    let unit = &prepared.unit;
    let now = chrono::Utc::now();
    let public_before =
        crate::query::articles::is_public(existing.draft, existing.publish_date, existing.expiry_date, now);
    let public_after = unit.article.is_public(now);
    // Where it was listed, read before the rows below are replaced: a
    // change invalidates the lists it left as well as those it joined.
    let listed_before = changes::listings(txn, &[existing.id]).await?.remove(&existing.id);
    let mut row = unit.row();
    row.id = Set(existing.id);
    let id = row.update(txn).await?.id;
    translation::Entity::delete_many()
        .filter(translation::Column::ArticleId.eq(id))
        .exec(txn)
        .await?;
    // The new search rows are the caller's to insert (`index::insert`), so
    // a batch inserts all of its articles' rows in one statement.
    index::clear(txn, id).await?;
    for table in [
        "article_locale",
        "article_alias",
        Taxonomy::Tags.join_table(),
        Taxonomy::Categories.join_table(),
        "article_term",
        "article_menu",
    ]
    .into_iter()
    // An edit carries no files: the bundle's resources stay as imported.
    .chain(unit.resources.is_some().then_some("article_resource"))
    {
        txn.execute(
            &Query::delete()
                .from_table(table)
                .and_where(Expr::col("article_id").eq(id))
                .to_owned(),
        )
        .await?;
    }
    add_parts(txn, &[(id, unit)], terms).await?;
    let change = Change::of_write(id, Some(public_before), public_after);
    let events: Vec<Event> = change
        .iter()
        .map(|&c| Event::of_article(c, listed_before.as_ref(), &ArticleState::of(id, &unit.article), now))
        .collect();
    changes::record(txn, &events, change.as_slice()).await?;
    Ok(Written {
        outcome: Outcome::Updated,
        article_id: id,
        change,
    })
}

/// Inserts units none of which is stored yet: each table's rows for all of
/// them in as few statements as the parameter limit allows.
async fn insert_new<C: ConnectionTrait>(
    txn: &C,
    units: &[&Prepared],
    terms: &mut TermScope<'_>,
) -> Result<Vec<Written>, DbErr> {
    let ids = insert_articles(txn, units).await?;
    let stored: Vec<(i32, &ArticleChange)> = ids.into_iter().zip(units.iter().map(|p| &p.unit)).collect();
    add_parts(txn, &stored, terms).await?;
    let now = chrono::Utc::now();
    let mut written = Vec::with_capacity(stored.len());
    for (id, unit) in stored {
        let change = Change::of_write(id, None, unit.article.is_public(now));
        written.push(Written {
            outcome: Outcome::Imported,
            article_id: id,
            change,
        });
    }
    let (mut events, mut told) = (Vec::new(), Vec::new());
    for (w, p) in written.iter().zip(units) {
        if let Some(change) = w.change {
            events.push(Event::of_article(
                change,
                None,
                &ArticleState::of(w.article_id, &p.unit.article),
                now,
            ));
            told.push(change);
        }
    }
    changes::record(txn, &events, &told).await?;
    Ok(written)
}

/// Inserts the article rows of `units`; returns their ids, in order.
async fn insert_articles<C: ConnectionTrait>(txn: &C, units: &[&Prepared]) -> Result<Vec<i32>, DbErr> {
    let columns: Vec<article::Column> = article::Column::iter()
        .filter(|c| !matches!(c, article::Column::Id))
        .collect();
    let start = || {
        Query::insert()
            .into_table(article::Entity)
            .columns(columns.clone())
            .returning(Query::returning().columns([article::Column::Id, article::Column::Path]))
            .to_owned()
    };
    let mut rows = Vec::with_capacity(units.len());
    for p in units {
        let row = p.unit.row();
        let values = columns
            .iter()
            .map(|c| row.get(*c).into_value().map(Expr::val))
            .collect::<Option<Vec<Expr>>>()
            .ok_or_else(|| DbErr::Custom(format!("article {}: a column has no value", p.unit.article.slug)))?;
        rows.push(values);
    }
    let mut ids: HashMap<String, i32> = HashMap::with_capacity(units.len());
    for insert in bulk::inserts(start, columns.len(), rows) {
        for r in txn.query_all(&insert).await? {
            ids.insert(r.try_get("", "path")?, r.try_get("", "id")?);
        }
    }
    units
        .iter()
        .map(|p| {
            let path = &p.unit.article.path;
            ids.get(path).copied().ok_or_else(|| DbErr::RecordNotInserted)
        })
        .collect()
}

/// Stores what hangs off each stored article: its translations, locales,
/// tags and categories.
async fn add_parts<C: ConnectionTrait>(
    txn: &C,
    stored: &[(i32, &ArticleChange)],
    terms: &mut TermScope<'_>,
) -> Result<(), DbErr> {
    insert_translations(txn, stored).await?;
    insert_values(txn, "article_locale", "locale", stored, |u| {
        u.locales().into_iter().map(str::to_owned).collect()
    })
    .await?;
    insert_values(txn, "article_alias", "path", stored, |u| u.article.alias_paths()).await?;
    for taxonomy in [Taxonomy::Tags, Taxonomy::Categories] {
        let links: Vec<(i32, &NewArticle)> = stored.iter().map(|(id, u)| (*id, &u.article)).collect();
        link_terms(txn, taxonomy, &links, terms).await?;
    }
    insert_menu_entries(txn, stored).await?;
    insert_resources(txn, stored).await?;
    // The article's own terms, then each translation's (in its language).
    let mut links: Vec<(i32, &str, &[SiteTerm])> = Vec::new();
    for (id, u) in stored {
        links.push((*id, "", &u.article.site_terms[..]));
        links.extend(
            u.translations
                .iter()
                .map(|t| (*id, t.locale.as_str(), &t.site_terms[..])),
        );
    }
    link_site_terms(txn, &links).await
}

/// The menu entries each article's front matter declares, and each of
/// its translations'.
async fn insert_menu_entries<C: ConnectionTrait>(txn: &C, stored: &[(i32, &ArticleChange)]) -> Result<(), DbErr> {
    use entity::article_menu::Column as M;
    let start = || {
        Query::insert()
            .into_table(entity::article_menu::Entity)
            .columns([
                M::ArticleId,
                M::Menu,
                M::Lang,
                M::Name,
                M::Identifier,
                M::Parent,
                M::Weight,
                M::Url,
                M::Pre,
                M::Post,
                M::Title,
                M::Params,
            ])
            .to_owned()
    };
    // The article's entries in its language, each translation's in its own.
    let rows = stored.iter().flat_map(|(id, unit)| {
        let own = (unit.article.lang.as_str().to_lowercase(), unit.article.menu_entries());
        let translated = unit
            .translations
            .iter()
            .map(|t| (t.locale.as_str().to_lowercase(), t.menus.clone()));
        std::iter::once(own).chain(translated).flat_map(move |(lang, entries)| {
            entries.into_iter().map(move |e| {
                vec![
                    Expr::val(*id),
                    Expr::val(e.menu),
                    Expr::val(lang.clone()),
                    Expr::val(e.name),
                    Expr::val(e.identifier),
                    Expr::val(e.parent),
                    Expr::val(e.weight),
                    Expr::val(e.url),
                    Expr::val(e.pre),
                    Expr::val(e.post),
                    Expr::val(e.title),
                    Expr::val(serde_json::Value::Object(e.params)),
                ]
            })
        })
    });
    bulk::insert(txn, start, 12, rows).await?;
    Ok(())
}

/// The files of each article's page bundle, in the bundle's order.
async fn insert_resources<C: ConnectionTrait>(txn: &C, stored: &[(i32, &ArticleChange)]) -> Result<(), DbErr> {
    use entity::article_resource::Column as R;
    let start = || {
        Query::insert()
            .into_table(entity::article_resource::Entity)
            .columns([
                R::ArticleId,
                R::Path,
                R::Position,
                R::Name,
                R::Title,
                R::MediaType,
                R::Size,
                R::Width,
                R::Height,
                R::Params,
            ])
            .to_owned()
    };
    let rows = stored.iter().flat_map(|(id, unit)| {
        unit.resources.iter().flatten().enumerate().map(move |(position, r)| {
            vec![
                Expr::val(*id),
                Expr::val(r.path.as_str()),
                Expr::val(i32::try_from(position).unwrap_or(i32::MAX)),
                Expr::val(r.name.as_str()),
                Expr::val(r.title.as_str()),
                Expr::val(r.media_type.as_str()),
                Expr::val(r.size),
                Expr::val(r.width),
                Expr::val(r.height),
                Expr::val(serde_json::Value::Object(r.params.clone())),
            ]
        })
    });
    bulk::insert(txn, start, 10, rows).await?;
    Ok(())
}

/// Links each version of each article (`""` the article itself, else a
/// translation's locale) to its terms of every taxonomy (in order), each in
/// its language, creating the missing terms and moving a term whose page
/// path changed (a new `[permalinks]` entry) to its new path.
async fn link_site_terms<C: ConnectionTrait>(txn: &C, versions: &[(i32, &str, &[SiteTerm])]) -> Result<(), DbErr> {
    let mut named: HashMap<(&str, &str, &str), &SiteTerm> = HashMap::new();
    for term in versions.iter().flat_map(|(_, _, terms)| terms.iter()) {
        named.entry((&term.taxonomy, &term.lang, &term.slug)).or_insert(term);
    }
    if named.is_empty() {
        return Ok(());
    }
    let start = || {
        Query::insert()
            .into_table(entity::term::Entity)
            .columns(["taxonomy", "lang", "slug", "name", "path"])
            .on_conflict(
                OnConflict::columns(["taxonomy", "lang", "slug"])
                    .update_column("path")
                    .to_owned(),
            )
            .to_owned()
    };
    let rows = named.values().map(|t| {
        vec![
            Expr::val(t.taxonomy.as_str()),
            Expr::val(t.lang.as_str()),
            Expr::val(t.slug.as_str()),
            Expr::val(t.name.as_str()),
            Expr::val(t.path.as_str()),
        ]
    });
    bulk::insert(txn, start, 5, rows).await?;
    let mut ids: HashMap<(String, String, String), i32> = HashMap::with_capacity(named.len());
    let mut by_taxonomy: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for (taxonomy, lang, slug) in named.keys() {
        by_taxonomy.entry((taxonomy, lang)).or_default().push(slug);
    }
    for ((taxonomy, lang), slugs) in by_taxonomy {
        for part in slugs.chunks(bulk::rows_per_statement(1)) {
            let select = Query::select()
                .columns(["id", "slug"])
                .from(entity::term::Entity)
                .and_where(Expr::col("taxonomy").eq(taxonomy))
                .and_where(Expr::col("lang").eq(lang))
                .and_where(Expr::col("slug").is_in(part.iter().map(|s| s.to_string())))
                .to_owned();
            for r in txn.query_all(&select).await? {
                let (id, slug): (i32, String) = (r.try_get("", "id")?, r.try_get("", "slug")?);
                ids.insert((taxonomy.to_owned(), lang.to_owned(), slug), id);
            }
        }
    }
    let start = || {
        Query::insert()
            .into_table(entity::article_term::Entity)
            .columns(["article_id", "term_id", "position", "weight", "version"])
            .to_owned()
    };
    let mut rows = Vec::new();
    let mut weighted: Vec<i32> = Vec::new();
    // One link per article and term: a translation in a language the site
    // does not define names the default language's terms, which the
    // article itself may name too.
    let mut seen: HashSet<(i32, i32)> = HashSet::new();
    for (article_id, version, terms) in versions {
        for (position, term) in terms.iter().enumerate() {
            let id = ids
                .get(&(term.taxonomy.clone(), term.lang.clone(), term.slug.clone()))
                .copied()
                .ok_or_else(|| DbErr::RecordNotFound(format!("term {} {}", term.taxonomy, term.slug)))?;
            if seen.insert((*article_id, id)) {
                let position = i32::try_from(position).unwrap_or(i32::MAX);
                rows.push(vec![
                    Expr::val(*article_id),
                    Expr::val(id),
                    Expr::val(position),
                    Expr::val(term.weight),
                    Expr::val(*version),
                ]);
                if term.weight != 0 {
                    weighted.push(id);
                }
            }
        }
    }
    bulk::insert(txn, start, 5, rows).await?;
    // A term some page weighs is listed by weight first. The flag is only
    // set here: a term whose weights all went stays flagged, which orders
    // its list the same (every weight 0), through the weighted statement.
    weighted.sort_unstable();
    weighted.dedup();
    for part in weighted.chunks(bulk::rows_per_statement(1)) {
        txn.execute(
            &Query::update()
                .table(entity::term::Entity)
                .value(entity::term::Column::Weighted, true)
                .and_where(Expr::col(entity::term::Column::Id).is_in(part.iter().copied()))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

async fn insert_translations<C: ConnectionTrait>(txn: &C, stored: &[(i32, &ArticleChange)]) -> Result<(), DbErr> {
    use translation::Column as T;
    let start = || {
        Query::insert()
            .into_table(translation::Entity)
            .columns([
                T::ArticleId,
                T::Locale,
                T::Title,
                T::Summary,
                T::Body,
                T::PublishedAt,
                T::SourcePath,
                T::Path,
            ])
            .to_owned()
    };
    let rows = stored.iter().flat_map(|(id, unit)| {
        unit.translations.iter().map(move |t| {
            vec![
                Expr::val(*id),
                Expr::val(t.locale.as_str()),
                Expr::val(t.title.as_str()),
                Expr::val(t.summary.as_str()),
                Expr::val(t.body.as_str()),
                Expr::val(t.published_at),
                Expr::val(t.source_path.as_str()),
                Expr::val(t.path.as_str()),
            ]
        })
    });
    bulk::insert(txn, start, 8, rows).await?;
    Ok(())
}

/// Inserts one `(article_id, value)` row per value each article has, into
/// a two-column table of derived data (its locales, its aliases).
async fn insert_values<C: ConnectionTrait>(
    txn: &C,
    table: &'static str,
    column: &'static str,
    stored: &[(i32, &ArticleChange)],
    values: impl Fn(&ArticleChange) -> Vec<String>,
) -> Result<(), DbErr> {
    let start = || {
        Query::insert()
            .into_table(table)
            .columns(["article_id", column])
            .to_owned()
    };
    let rows = stored.iter().flat_map(|(id, unit)| {
        values(unit)
            .into_iter()
            .map(move |v| vec![Expr::val(*id), Expr::val(v)])
    });
    bulk::insert(txn, start, 2, rows).await?;
    Ok(())
}

/// Links each article to its terms in `taxonomy` (in order), creating the
/// missing terms; ids already in `known` are not looked up again. Each link
/// row carries a copy of the article's order and visibility columns
/// (migration 20), so a term's list reads the link index alone; every
/// article write replaces its links, which keeps the copies right.
async fn link_terms<C: ConnectionTrait>(
    txn: &C,
    taxonomy: Taxonomy,
    articles: &[(i32, &NewArticle)],
    known: &mut TermScope<'_>,
) -> Result<(), DbErr> {
    let (t, j, fk) = (taxonomy.table(), taxonomy.join_table(), taxonomy.term_column());
    // Each missing term once; the first article to name a term names it.
    let mut missing: Vec<&Term> = Vec::new();
    let mut named: HashSet<&str> = HashSet::new();
    for term in articles.iter().flat_map(|(_, a)| a.terms(taxonomy).iter()) {
        if known.get(taxonomy, &term.slug).is_none() && named.insert(&term.slug) {
            missing.push(term);
        }
    }
    if !missing.is_empty() {
        let start = || {
            Query::insert()
                .into_table(t)
                .columns(["slug", "name"])
                .on_conflict(OnConflict::column("slug").do_nothing().to_owned())
                .to_owned()
        };
        let rows = missing
            .iter()
            .map(|term| vec![Expr::val(term.slug.as_str()), Expr::val(term.name.as_str())]);
        bulk::insert(txn, start, 2, rows).await?;
        for part in missing.chunks(bulk::rows_per_statement(1)) {
            let select = Query::select()
                .columns(["id", "slug", "name"])
                .from(t)
                .and_where(Expr::col("slug").is_in(part.iter().map(|t| t.slug.clone())))
                .to_owned();
            for r in txn.query_all(&select).await? {
                let row = <TermRow as sea_orm::FromQueryResult>::from_query_result(&r, "")?;
                known.insert(taxonomy, row.slug, row.id);
            }
        }
    }
    let start = || {
        Query::insert()
            .into_table(j)
            .columns([
                "article_id",
                fk,
                "position",
                "published_at",
                "draft",
                "publish_date",
                "expiry_date",
                "build_list",
            ])
            .to_owned()
    };
    let mut rows = Vec::new();
    for (article_id, a) in articles {
        for (position, term) in a.terms(taxonomy).iter().enumerate() {
            let id = known
                .get(taxonomy, &term.slug)
                .ok_or_else(|| DbErr::RecordNotFound(format!("{t} {}", term.slug)))?;
            let position = i32::try_from(position).unwrap_or(i32::MAX);
            rows.push(vec![
                Expr::val(*article_id),
                Expr::val(id),
                Expr::val(position),
                Expr::val(a.published_at),
                Expr::val(a.draft),
                Expr::val(a.publish_date),
                Expr::val(a.expiry_date),
                Expr::val(a.build.list.as_str()),
            ]);
        }
    }
    bulk::insert(txn, start, 8, rows).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, QueryTrait, Statement};

    /// An import looks up each chunk's stored articles by path or source
    /// file; a scan there made the import grow with the square of the corpus.
    #[tokio::test]
    async fn a_chunks_stored_articles_are_looked_up_through_indexes() {
        let db = crate::query::open("sqlite::memory:").await.expect("db");
        let select = super::stored_at(["/a/", "/b/"], ["a.md", "b.md"]).build(db.get_database_backend());
        let plan = db
            .query_all_raw(Statement {
                sql: format!("EXPLAIN QUERY PLAN {}", select.sql),
                ..select
            })
            .await
            .expect("plan");
        let steps: Vec<String> = plan
            .iter()
            .map(|r| r.try_get::<String>("", "detail").expect("detail"))
            .collect();
        assert!(steps.iter().any(|s| s.contains("idx_article_source_path")), "{steps:?}");
        assert!(!steps.iter().any(|s| s.starts_with("SCAN article")), "{steps:?}");
    }
}
