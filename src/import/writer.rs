//! Writes one article (with its translations and term links) in one transaction.

use entity::{article, translation};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::Value;

use super::document::{Document, Term};
use crate::live::{self, Change};
use crate::query::terms::TermRow;
use crate::query::{articles, Taxonomy};
use crate::search::{self, index::Version};

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
    /// The article's id; `None` when nothing was written.
    pub article_id: Option<i32>,
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

/// Stores `unit` unless its content hash is already stored; all or nothing.
/// The article it replaces is the one with its slug.
pub async fn write(db: &DatabaseConnection, unit: &ArticleUnit) -> Result<Written, DbErr> {
    write_as(db, unit, None).await
}

/// As [`write`], replacing the article with id `id` when one is given (an
/// editor may change a slug), else the one with the unit's slug.
/// On PostgreSQL the change is sent (`NOTIFY`) with the commit.
pub async fn write_as(db: &DatabaseConnection, unit: &ArticleUnit, id: Option<i32>) -> Result<Written, DbErr> {
    let doc = &unit.original;
    let existing = match id {
        Some(id) => article::Entity::find_by_id(id).one(db).await?,
        None => {
            article::Entity::find()
                .filter(article::Column::Slug.eq(&doc.slug))
                .one(db)
                .await?
        }
    };
    if existing.as_ref().is_some_and(|e| e.content_hash == unit.content_hash) {
        return Ok(Written {
            outcome: Outcome::Unchanged,
            article_id: existing.map(|e| e.id),
            change: None,
        });
    }
    let now = chrono::Utc::now();
    let public_before = existing
        .as_ref()
        .map(|e| articles::is_public(e.draft, e.publish_date, e.expiry_date, now));
    let public_after = articles::is_public(doc.draft, doc.publish_date, doc.expiry_date, now);
    // One writer at a time in this process: SQLite takes one write
    // transaction at a time anyway, and queuing here beats busy-waiting.
    let _writer = WRITER.lock().await;
    let txn = db.begin().await?;
    let mut row = article_row(unit);
    let (id, outcome) = match existing {
        Some(e) => {
            row.id = Set(e.id);
            (row.update(&txn).await?.id, Outcome::Updated)
        }
        None => (row.insert(&txn).await?.id, Outcome::Imported),
    };
    translation::Entity::delete_many()
        .filter(translation::Column::ArticleId.eq(id))
        .exec(&txn)
        .await?;
    for (path, t) in &unit.translations {
        translation::ActiveModel {
            id: NotSet,
            article_id: Set(id),
            locale: Set(t.lang.to_string()),
            title: Set(t.title.clone()),
            summary: Set(t.summary.clone()),
            body: Set(t.body.clone()),
            published_at: Set(t.published_at),
            source_path: Set(path.clone()),
        }
        .insert(&txn)
        .await?;
    }
    let mut versions = vec![Version {
        locale: doc.lang.as_str(),
        title: &doc.title,
        summary: &doc.summary,
        body_markdown: &doc.body,
    }];
    versions.extend(unit.translations.iter().map(|(_, t)| Version {
        locale: t.lang.as_str(),
        title: &t.title,
        summary: &t.summary,
        body_markdown: &t.body,
    }));
    search::index::replace(&txn, id, &versions).await?;
    replace_locales(&txn, id, unit).await?;
    link_terms(&txn, Taxonomy::Tags, id, &doc.tags).await?;
    link_terms(&txn, Taxonomy::Categories, id, &doc.categories).await?;
    let change = Change::of_write(id, public_before, public_after);
    if let Some(change) = change {
        live::notify_on_commit(&txn, change).await?;
    }
    txn.commit().await?;
    Ok(Written {
        outcome,
        article_id: Some(id),
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
async fn replace_locales(txn: &DatabaseTransaction, article_id: i32, unit: &ArticleUnit) -> Result<(), DbErr> {
    txn.execute(
        &Query::delete()
            .from_table("article_locale")
            .and_where(Expr::col("article_id").eq(article_id))
            .to_owned(),
    )
    .await?;
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

/// Replaces the article's links in `taxonomy` with `terms`, creating missing terms.
async fn link_terms(
    txn: &DatabaseTransaction,
    taxonomy: Taxonomy,
    article_id: i32,
    terms: &[Term],
) -> Result<(), DbErr> {
    let (t, j, fk) = (taxonomy.table(), taxonomy.join_table(), taxonomy.term_column());
    txn.execute(
        &Query::delete()
            .from_table(j)
            .and_where(Expr::col("article_id").eq(article_id))
            .to_owned(),
    )
    .await?;
    if terms.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert
        .into_table(t)
        .columns(["slug", "name"])
        .on_conflict(OnConflict::column("slug").do_nothing().to_owned());
    for term in terms {
        insert.values_panic([term.slug.clone().into(), term.name.clone().into()]);
    }
    txn.execute(&insert).await?;

    let select = Query::select()
        .columns(["id", "slug", "name"])
        .from(t)
        .and_where(Expr::col("slug").is_in(terms.iter().map(|t| t.slug.clone())))
        .to_owned();
    let rows: Vec<TermRow> = txn
        .query_all(&select)
        .await?
        .iter()
        .map(|r| <TermRow as sea_orm::FromQueryResult>::from_query_result(r, ""))
        .collect::<Result<_, _>>()?;
    let mut links = Query::insert();
    links.into_table(j).columns(["article_id", fk, "position"]);
    for (position, term) in terms.iter().enumerate() {
        let id = rows
            .iter()
            .find(|r| r.slug == term.slug)
            .map(|r| r.id)
            .ok_or_else(|| DbErr::RecordNotFound(format!("{t} {}", term.slug)))?;
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        links.values_panic([article_id.into(), id.into(), position.into()]);
    }
    txn.execute(&links).await?;
    Ok(())
}
