//! Editing through the API: create, update and delete articles, tags and
//! categories. This module checks a mutation's input and maps it to the
//! store's types; [`crate::store`] writes it (one transaction each, with the
//! search index, locales and links). Knows nothing of GraphQL or HTTP.

use chrono::{DateTime, Utc};
use entity::translation;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::live::Hub;
use crate::locale::Locale;
use crate::query::articles::{self, Full};
use crate::query::taxonomies;
use crate::query::terms::{self, TermRow};
use crate::query::Taxonomy;
use crate::site::Site;
use crate::store::{
    self, article::strings, ArticleChange, Build, Display, NewArticle, NewTranslation, SiteTerm, SourceLink,
    StoreError, Term,
};
use crate::text::slug::slugify;
use crate::text::{markdown, shortcode, words};

/// Longest title an editor may give, in characters.
pub const MAX_TITLE: usize = 500;
/// Longest slug, in characters.
pub const MAX_SLUG: usize = 200;
/// Longest body, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
/// Most tags or categories on one article.
pub const MAX_TERMS: usize = 50;

/// Why an edit was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// An input field is not acceptable; `field` names it.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field, value } => invalid(field, format!("`{value}` is taken")),
            StoreError::NotFound(what) => EditError::NotFound(what),
            StoreError::Db(e) => EditError::Db(e),
        }
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> EditError {
    EditError::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// An article's editable fields; `None` leaves a field as it is (on update)
/// or takes its default (on create).
#[derive(Debug, Clone, Default)]
pub struct ArticleFields {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    pub tags: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    pub thumbnail: Option<String>,
    pub lead: Option<String>,
    pub draft: Option<bool>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
}

fn check_slug(slug: &str) -> Result<String, EditError> {
    let slug = slug.trim();
    if slug.is_empty() || slug.chars().count() > MAX_SLUG {
        return Err(invalid("slug", format!("must be 1 to {MAX_SLUG} characters")));
    }
    if slug.chars().any(|c| c == '/' || c.is_whitespace() || c.is_control()) {
        return Err(invalid("slug", "may not contain '/', spaces or control characters"));
    }
    Ok(slug.to_owned())
}

fn terms(field: &str, names: &[String]) -> Result<Vec<Term>, EditError> {
    if names.len() > MAX_TERMS {
        return Err(invalid(field, format!("at most {MAX_TERMS}")));
    }
    let mut out: Vec<Term> = Vec::new();
    for name in names {
        let slug = slugify(name).ok_or_else(|| invalid(field, format!("`{name}` has no letters or digits")))?;
        if !out.iter().any(|t| t.slug == slug) {
            out.push(Term {
                slug,
                name: name.trim().to_owned(),
            });
        }
    }
    Ok(out)
}

/// The article's terms in every taxonomy of `site`: its tags and categories
/// with their pages' paths, and the `stored` terms of the other taxonomies
/// (front matter only gives those; an edit keeps them).
fn site_terms(
    site: &Site,
    tags: &[Term],
    categories: &[Term],
    stored: Vec<SiteTerm>,
    lang: &str,
) -> Result<Vec<SiteTerm>, EditError> {
    let mut out = Vec::new();
    // The article's weight in a taxonomy (`tags_weight`) is front matter's; an edit keeps it.
    let weight = |plural: &str| stored.iter().find(|t| t.taxonomy == plural).map_or(0, |t| t.weight);
    for plural in site.taxonomy_plurals() {
        match plural.as_str() {
            "tags" => out.extend(
                SiteTerm::all_of(site, "tags", tags, weight("tags"), lang)
                    .map_err(|e| invalid("tags", e.to_string()))?,
            ),
            "categories" => out.extend(
                SiteTerm::all_of(site, "categories", categories, weight("categories"), lang)
                    .map_err(|e| invalid("categories", e.to_string()))?,
            ),
            other => out.extend(stored.iter().filter(|t| t.taxonomy == other).cloned()),
        }
    }
    Ok(out)
}

/// The article the fields describe, over `base` (the stored article, if any).
fn new_article(
    fields: &ArticleFields,
    base: Option<(&Full, Vec<Term>, Vec<Term>)>,
    site: &Site,
    stored_terms: Vec<SiteTerm>,
) -> Result<NewArticle, EditError> {
    let (row, old_tags, old_categories) = match base {
        Some((row, tags, categories)) => (Some(row), tags, categories),
        None => (None, Vec::new(), Vec::new()),
    };
    let pick = |new: &Option<String>, old: Option<&String>| new.clone().or_else(|| old.cloned());
    let slug = check_slug(&pick(&fields.slug, row.map(|r| &r.slug)).ok_or_else(|| invalid("slug", "is required"))?)?;
    let title = pick(&fields.title, row.map(|r| &r.title))
        .unwrap_or_default()
        .trim()
        .to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(invalid("title", format!("must be 1 to {MAX_TITLE} characters")));
    }
    let body = pick(&fields.body, row.map(|r| &r.body)).unwrap_or_default();
    if body.len() > MAX_BODY {
        return Err(invalid("body", format!("at most {MAX_BODY} bytes")));
    }
    // A body the importer would refuse is refused here too.
    if shortcode::may_contain(&body) {
        if let Err(e) = shortcode::parse(&body) {
            return Err(invalid("body", format!("line {}: {}", e.line, e.reason)));
        }
    }
    let lang = pick(&fields.lang, row.map(|r| &r.lang)).ok_or_else(|| invalid("lang", "is required"))?;
    let lang = Locale::parse(&lang).map_err(|e| invalid("lang", e))?;
    // A given summary wins; else the stored one while the body stays; else
    // one made from the body, as the importer makes it.
    let (summary, truncated) = match (&fields.summary, row) {
        (Some(s), _) if !s.trim().is_empty() => (s.trim().to_owned(), false),
        (None, Some(r)) if fields.body.is_none() => (r.summary.clone(), r.truncated),
        _ => words::summarize_flagged(&markdown::to_text(&body)),
    };
    let published_at = fields
        .published_at
        .or_else(|| row.map(|r| r.published_at))
        .ok_or_else(|| invalid("publishedAt", "is required"))?;
    let tags = match &fields.tags {
        Some(names) => terms("tags", names)?,
        None => old_tags,
    };
    let categories = match &fields.categories {
        Some(names) => terms("categories", names)?,
        None => old_categories,
    };
    let text = |new: &Option<String>, old: Option<&Option<String>>| {
        new.clone()
            .map(|s| s.trim().to_owned())
            .or_else(|| old.cloned().flatten())
            .filter(|s| !s.is_empty())
    };
    let source = match (
        text(&fields.source_name, row.map(|r| &r.source_name)),
        text(&fields.source_url, row.map(|r| &r.source_url)),
    ) {
        (Some(name), Some(url)) => Some(SourceLink { name, url }),
        _ => None,
    };
    let now_or = |t: Option<DateTime<Utc>>| t.unwrap_or(published_at);
    // An article made here lives at the content root, as a file there
    // would; a new slug moves an article within its section.
    let path = match row {
        Some(r) if r.slug == slug => r.path.clone(),
        Some(r) => {
            let section = r.path.trim_end_matches('/').rsplit_once('/').map_or("", |(s, _)| s);
            format!("{section}/{}/", slug.to_lowercase())
        }
        None => format!("/{}/", slug.to_lowercase()),
    };
    Ok(NewArticle {
        path,
        section: row.and_then(|r| r.section.clone()).unwrap_or_default(),
        build: row.map_or_else(Build::default, |r| Build {
            render: r.build_render.clone(),
            list: r.build_list.clone(),
        }),
        slug,
        title,
        summary,
        truncated,
        body,
        source,
        published_at,
        updated_at: if row.is_some() { Utc::now() } else { published_at },
        publish_date: if fields.published_at.is_some() {
            published_at
        } else {
            now_or(row.map(|r| r.publish_date))
        },
        expiry_date: row.and_then(|r| r.expiry_date),
        translations: row
            .map(|r| strings(&r.translations))
            .unwrap_or_default()
            .iter()
            .filter_map(|l| Locale::parse(l).ok())
            .collect(),
        thumbnail: text(&fields.thumbnail, row.map(|r| &r.thumbnail)),
        lead: text(&fields.lead, row.map(|r| &r.lead)),
        draft: fields.draft.or(row.map(|r| r.draft)).unwrap_or(false),
        display: row.map(|r| Display::of_row(r)).unwrap_or_default(),
        weight: row.map_or(0, |r| r.weight),
        aliases: row.map(|r| strings(&r.aliases)).unwrap_or_default(),
        keywords: row.map(|r| strings(&r.keywords)).unwrap_or_default(),
        site_terms: site_terms(site, &tags, &categories, stored_terms, lang.as_str())?,
        tags,
        categories,
        front_matter: row.map(|r| r.front_matter.clone()).unwrap_or_else(|| json!({})),
        lang,
    })
}

/// A hash that differs from every file's, so the next import of a file with
/// this slug replaces the edit (files stay the source of truth when there are files).
fn edit_hash(article: &NewArticle) -> String {
    let digest = Sha256::digest(format!(
        "api-edit|{}|{}|{}",
        Utc::now().timestamp_nanos_opt().unwrap_or(0),
        article.slug,
        article.title
    ));
    format!("{digest:x}")
}

async fn stored(db: &DatabaseConnection, id: i32) -> Result<Full, EditError> {
    articles::any_by_id(db, id).await?.ok_or(EditError::NotFound("article"))
}

/// Creates an article; its slug must be free.
/// Subscribers on `hub` hear of it once it is committed.
pub async fn create_article(
    db: &DatabaseConnection,
    hub: &Hub,
    site: &Site,
    fields: &ArticleFields,
) -> Result<Full, EditError> {
    if fields.body.is_none() {
        return Err(invalid("body", "is required"));
    }
    let mut article = new_article(fields, None, site, Vec::new())?;
    taxonomies::keep_stored_paths(db, &mut article.site_terms).await?;
    let change = ArticleChange {
        content_hash: edit_hash(&article),
        article,
        source_path: String::new(),
        translations: Vec::new(),
        resources: Some(Vec::new()),
    };
    let written = store::create(db, change).await?;
    hub.announce(written.change);
    stored(db, written.article_id).await
}

/// Changes the given fields of article `id`; its translations are kept.
/// Subscribers on `hub` hear of it once it is committed.
pub async fn update_article(
    db: &DatabaseConnection,
    hub: &Hub,
    site: &Site,
    id: i32,
    fields: &ArticleFields,
) -> Result<Full, EditError> {
    let row = stored(db, id).await?;
    let mut versions_terms = taxonomies::versions_terms_of(db, id).await?;
    let stored_terms = versions_terms.remove("").unwrap_or_default();
    let mut tags = terms::of_articles(db, Taxonomy::Tags, &[id]).await?;
    let mut categories = terms::of_articles(db, Taxonomy::Categories, &[id]).await?;
    let as_terms = |rows: Vec<TermRow>| {
        rows.into_iter()
            .map(|t| Term {
                slug: t.slug,
                name: t.name,
            })
            .collect()
    };
    let article = new_article(
        fields,
        Some((
            &row,
            as_terms(tags.remove(&id).unwrap_or_default()),
            as_terms(categories.remove(&id).unwrap_or_default()),
        )),
        site,
        stored_terms,
    )?;
    let mut article = article;
    taxonomies::keep_stored_paths(db, &mut article.site_terms).await?;
    // Kept, as the translations are: each one's own menu entries.
    let mut versions_menus: std::collections::HashMap<String, Vec<crate::site::MenuEntry>> =
        std::collections::HashMap::new();
    for entry in crate::query::menus::of_article(db, id).await? {
        if !entry.lang.eq_ignore_ascii_case(article.lang.as_str()) {
            versions_menus
                .entry(entry.lang.clone())
                .or_default()
                .push(crate::query::menus::as_entry(entry));
        }
    }
    let translations = translation::Entity::find()
        .filter(translation::Column::ArticleId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|t| {
            Some(NewTranslation {
                locale: Locale::parse(&t.locale).ok()?,
                title: t.title,
                summary: t.summary,
                body: t.body,
                published_at: t.published_at,
                source_path: t.source_path,
                // Kept, as the translation is: an edit changes the article.
                site_terms: versions_terms.remove(&t.locale).unwrap_or_default(),
                menus: versions_menus.remove(&t.locale.to_lowercase()).unwrap_or_default(),
                path: t.path,
            })
        })
        .collect();
    let change = ArticleChange {
        content_hash: edit_hash(&article),
        article,
        source_path: row.source_path.clone(),
        translations,
        // An edit changes no files: the bundle's stay as imported.
        resources: None,
    };
    hub.announce(store::replace(db, change, id).await?.change);
    stored(db, id).await
}

/// Deletes article `id` with its translations, links and index rows.
pub async fn delete_article(db: &DatabaseConnection, hub: &Hub, id: i32) -> Result<(), EditError> {
    hub.announce(store::delete_article(db, id).await?);
    Ok(())
}

fn term_name(name: &str) -> Result<(String, String), EditError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_TITLE {
        return Err(invalid("name", format!("must be 1 to {MAX_TITLE} characters")));
    }
    let slug = slugify(name).ok_or_else(|| invalid("name", "has no letters or digits"))?;
    Ok((name.to_owned(), slug))
}

/// Creates a tag or category; its slug (from the name) must be free.
pub async fn create_term(db: &DatabaseConnection, taxonomy: Taxonomy, name: &str) -> Result<TermRow, EditError> {
    let (name, slug) = term_name(name)?;
    store::terms::create(db, taxonomy, &slug, &name)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => invalid("name", format!("a {} with slug `{slug}` exists", taxonomy.table())),
            e => e.into(),
        })
}

/// Renames a tag or category; its slug stays, so its URLs do.
pub async fn rename_term(
    db: &DatabaseConnection,
    hub: &Hub,
    taxonomy: Taxonomy,
    id: i32,
    name: &str,
    lang: Option<&str>,
) -> Result<TermRow, EditError> {
    let (name, _) = term_name(name)?;
    let (row, change) = store::terms::rename(db, taxonomy, id, &name, lang).await?;
    hub.announce([change]);
    Ok(row)
}

/// Deletes a tag or category and its links to articles; with `lang` (a
/// term key), only that language's term (see [`store::terms::delete`]).
pub async fn delete_term(
    db: &DatabaseConnection,
    hub: &Hub,
    taxonomy: Taxonomy,
    id: i32,
    lang: Option<&str>,
) -> Result<(), EditError> {
    hub.announce([store::terms::delete(db, taxonomy, id, lang).await?]);
    Ok(())
}
