//! What feeds and sitemaps list: the public versions of articles (an
//! original or one of its translations) of a list page in one language, in
//! Hugo's page order, and the terms they are filed under.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use entity::{article, translation};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};

use super::articles::{SectionScope, Visibility};
use super::terms::TermRow;
use super::Taxonomy;

/// Which list page's articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    /// The home page: every article (Hugo's `.Site.RegularPages`).
    Home,
    /// One tag's or category's articles, by term id.
    Term(Taxonomy, i32),
    /// A section's own pages (Hugo's `.Pages` of it, less its subsections'
    /// list pages), by folder.
    Section(String),
}

/// Which language's versions a list holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InLanguage {
    /// The site language (lower case, as Hugo keys languages).
    pub lang: String,
    /// For the default language: every site language, so versions in none
    /// of them (a locale the config does not name) are listed under the
    /// default one rather than nowhere.
    pub unclaimed_besides: Option<Vec<String>>,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Selection {
    pub list: List,
    /// `None`: every language (a site with one language).
    pub language: Option<InLanguage>,
    /// Whether translations are versions of their own. A site with one
    /// language lists articles once, as `articles` does; a multilingual
    /// site lists each language's versions, translations included.
    pub translations: bool,
    /// Only versions dated at or after this instant (and not after now).
    pub published_since: Option<DateTime<Utc>>,
    /// At most this many, in Hugo's order.
    pub limit: Option<u64>,
    /// Which texts to read.
    pub texts: Texts,
}

/// The texts a list reads of each version, fewest first: the rest are
/// empty. A sitemap of every article reads none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Texts {
    None,
    /// The title (the news sitemap).
    Title,
    /// Title and summary (feeds).
    Summary,
    /// Title, summary and the markdown body (full-content feeds).
    Body,
}

/// One public version of an article: the original or a translation.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Version {
    pub article_id: i32,
    /// Whether it is a translation (else the original).
    pub translation: bool,
    /// Its page path in the site (`/fr/about/`).
    pub path: String,
    pub title: String,
    pub summary: String,
    /// The markdown body. Title, summary and body are empty unless
    /// [`Selection::texts`] asked for them.
    pub body: String,
    /// Its locale as stored (`zh-CN`).
    pub lang: String,
    /// Hugo's `.Date`.
    pub published_at: DateTime<Utc>,
    /// Hugo's `.Lastmod`. A translation stores no lastmod of its own: it is
    /// its date, which is what Hugo gives a file without `lastmod`.
    pub updated_at: DateTime<Utc>,
    /// The article's weight (Hugo sorts weighted pages first).
    pub weight: i32,
    pub thumbnail: Option<String>,
}

/// Hugo's default page order (`page.DefaultPageSort`): weighted pages
/// first by weight, then newest first, then by title, then by file.
pub fn hugo_order(a: &Version, b: &Version) -> Ordering {
    let weight = match (a.weight, b.weight) {
        (x, y) if x == y => Ordering::Equal,
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        (x, y) => x.cmp(&y),
    };
    weight
        .then_with(|| b.published_at.timestamp().cmp(&a.published_at.timestamp()))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.path.cmp(&b.path))
}

/// `ORDER BY` of [`hugo_order`] for a statement reading `article` and the
/// version's own `published_at`, `title` and `path` columns from `table`.
fn order_hugo(stmt: &mut SelectStatement, table: &str) {
    stmt.order_by_expr(
        Expr::case(Expr::col((article::Entity, article::Column::Weight)).eq(0), 1)
            .finally(0)
            .into(),
        Order::Asc,
    )
    .order_by((article::Entity, article::Column::Weight), Order::Asc)
    .order_by((Alias::new(table), Alias::new("published_at")), Order::Desc)
    .order_by((Alias::new(table), Alias::new("title")), Order::Asc)
    .order_by((Alias::new(table), Alias::new("path")), Order::Asc);
}

fn list_condition(list: &List) -> Condition {
    match list {
        List::Home => Condition::all(),
        List::Section(dir) => SectionScope {
            dir: dir.clone(),
            descendants: false,
        }
        .condition(),
        List::Term(taxonomy, id) => Condition::all().add(
            Expr::col((article::Entity, article::Column::Id)).in_subquery(
                Query::select()
                    .column("article_id")
                    .from(taxonomy.join_table())
                    .and_where(Expr::col(taxonomy.term_column()).eq(id))
                    .to_owned(),
            ),
        ),
    }
}

/// The version's locale column (`table.column`) is in the language.
fn language_condition(table: &str, column: &str, language: &InLanguage) -> Condition {
    let lower = || Expr::from(Func::lower(Expr::col((Alias::new(table), Alias::new(column)))));
    let mut any = Condition::any().add(lower().eq(language.lang.as_str()));
    if let Some(all) = &language.unclaimed_besides {
        any = any.add(lower().is_not_in(all.iter().map(String::as_str)));
    }
    any
}

/// The public versions `selection` names, in Hugo's order: two statements
/// (originals, then translations when asked for), each limited alike, so
/// the merged first `limit` are the list's first `limit`.
pub async fn versions(
    db: &DatabaseConnection,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<Vec<Version>, DbErr> {
    let a = || (article::Entity, article::Column::Id);
    let text = |table: &str, column: &str, from: Texts| -> Expr {
        if selection.texts >= from {
            Expr::col((Alias::new(table), Alias::new(column)))
        } else {
            Expr::val("")
        }
    };
    // Feeds are public whatever a request's token: never a preview.
    let in_section = matches!(selection.list, List::Section(_));
    let common = Visibility::public(now)
        .listed(in_section)
        .add(list_condition(&selection.list));

    let mut originals = Query::select();
    originals
        .expr_as(Expr::col(a()), "article_id")
        .expr_as(Expr::val(false), "translation")
        .column((article::Entity, article::Column::Path))
        .expr_as(text("article", "title", Texts::Title), "title")
        .expr_as(text("article", "summary", Texts::Summary), "summary")
        .expr_as(text("article", "body", Texts::Body), "body")
        .columns([
            (article::Entity, article::Column::Lang),
            (article::Entity, article::Column::PublishedAt),
            (article::Entity, article::Column::UpdatedAt),
            (article::Entity, article::Column::Weight),
            (article::Entity, article::Column::Thumbnail),
        ])
        .from(article::Entity)
        .cond_where(common.clone());
    if let Some(language) = &selection.language {
        originals.cond_where(language_condition("article", "lang", language));
    }
    if let Some(since) = selection.published_since {
        originals
            .and_where(Expr::col((article::Entity, article::Column::PublishedAt)).gte(since))
            .and_where(Expr::col((article::Entity, article::Column::PublishedAt)).lte(now));
    }
    order_hugo(&mut originals, "article");
    if let Some(limit) = selection.limit {
        originals.limit(limit);
    }
    let mut out = read(db, &originals).await?;

    if selection.translations {
        let t = translation::Entity;
        let mut versions = Query::select();
        versions
            .expr_as(Expr::col((t, translation::Column::ArticleId)), "article_id")
            .expr_as(Expr::val(true), "translation")
            .column((t, translation::Column::Path))
            .expr_as(text("translation", "title", Texts::Title), "title")
            .expr_as(text("translation", "summary", Texts::Summary), "summary")
            .expr_as(text("translation", "body", Texts::Body), "body")
            .expr_as(Expr::col((t, translation::Column::Locale)), "lang")
            .column((t, translation::Column::PublishedAt))
            .expr_as(Expr::col((t, translation::Column::PublishedAt)), "updated_at")
            .columns([
                (article::Entity, article::Column::Weight),
                (article::Entity, article::Column::Thumbnail),
            ])
            .from(t)
            .inner_join(
                article::Entity,
                Expr::col(a()).equals((t, translation::Column::ArticleId)),
            )
            .cond_where(common);
        if let Some(language) = &selection.language {
            versions.cond_where(language_condition("translation", "locale", language));
        }
        if let Some(since) = selection.published_since {
            versions
                .and_where(Expr::col((t, translation::Column::PublishedAt)).gte(since))
                .and_where(Expr::col((t, translation::Column::PublishedAt)).lte(now));
        }
        order_hugo(&mut versions, "translation");
        if let Some(limit) = selection.limit {
            versions.limit(limit);
        }
        out.extend(read(db, &versions).await?);
        out.sort_by(hugo_order);
        if let Some(limit) = selection.limit.and_then(|l| usize::try_from(l).ok()) {
            out.truncate(limit);
        }
    }
    Ok(out)
}

async fn read(db: &DatabaseConnection, stmt: &SelectStatement) -> Result<Vec<Version>, DbErr> {
    let rows = db.query_all(stmt).await?;
    rows.iter().map(|r| Version::from_query_result(r, "")).collect()
}

/// Every `(article id, term id)` link of `taxonomy`, of any article: one
/// statement over the join table's index; callers keep the links of the
/// articles they list.
pub async fn links(db: &DatabaseConnection, taxonomy: Taxonomy) -> Result<Vec<(i32, i32)>, DbErr> {
    let j = taxonomy.join_table();
    let stmt = Query::select()
        .columns([Alias::new("article_id"), Alias::new(taxonomy.term_column())])
        .from(j)
        .to_owned();
    let mut out = Vec::new();
    for row in db.query_all(&stmt).await? {
        out.push((
            row.try_get::<i32>("", "article_id")?,
            row.try_get::<i32>("", taxonomy.term_column())?,
        ));
    }
    Ok(out)
}

/// Every term of `taxonomy`, used or not: a feed's folder is matched
/// against each one's path, and only then are its articles read (one
/// cheap statement over the term table, however many articles there are).
pub async fn all_terms(db: &DatabaseConnection, taxonomy: Taxonomy) -> Result<Vec<TermRow>, DbErr> {
    let t = taxonomy.table();
    let stmt = Query::select()
        .columns([(t, "id"), (t, "slug"), (t, "name")])
        .from(t)
        .order_by((t, "slug"), Order::Asc)
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter().map(|r| TermRow::from_query_result(r, "")).collect()
}
