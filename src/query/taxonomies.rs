//! Terms of every taxonomy the site defines (`term`, `article_term`):
//! look-ups, lists, counts, per-article lists, facets and filters. A term is
//! shown only while a public article names it, as Hugo builds no page for a
//! term only drafts use.

use std::collections::HashMap;

use entity::{article, article_term, term};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order as SqlOrder, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};

use super::articles::{Scope, Visibility};
use crate::store::SiteTerm;

pub use term::Model as TermRow;

/// Terms with an article `vis` lists.
fn in_use(vis: Visibility) -> Condition {
    Condition::all().add(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(article_term::Entity)
            .inner_join(
                article::Entity,
                Expr::col((article::Entity, article::Column::Id)).equals((article_term::Entity, "article_id")),
            )
            .and_where(Expr::col((article_term::Entity, "term_id")).equals((term::Entity, "id")))
            .cond_where(vis.listed(false))
            .to_owned(),
    ))
}

/// A term by taxonomy, language (`Site::term_lang`) and slug.
pub async fn by_slug(
    db: &DatabaseConnection,
    taxonomy: &str,
    lang: &str,
    slug: &str,
    vis: Visibility,
) -> Result<Option<TermRow>, DbErr> {
    term::Entity::find()
        .filter(term::Column::Taxonomy.eq(taxonomy))
        .filter(term::Column::Lang.eq(lang))
        .filter(term::Column::Slug.eq(slug))
        .filter(in_use(vis))
        .one(db)
        .await
}

/// The page paths of the default language's terms of `taxonomy` with
/// these slugs, by slug (public or not: the caller shows the term anyway).
pub async fn paths_by_slugs(
    db: &DatabaseConnection,
    taxonomy: &str,
    slugs: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    let rows = term::Entity::find()
        .filter(term::Column::Taxonomy.eq(taxonomy))
        .filter(term::Column::Lang.eq(""))
        .filter(term::Column::Slug.is_in(slugs.iter().cloned()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|t| (t.slug, t.path)).collect())
}

/// The term whose page path is one of `paths`.
pub async fn by_path(db: &DatabaseConnection, paths: &[String], vis: Visibility) -> Result<Option<TermRow>, DbErr> {
    term::Entity::find()
        .filter(term::Column::Path.is_in(paths.iter().cloned()))
        .filter(in_use(vis))
        .order_by_asc(term::Column::Id)
        .one(db)
        .await
}

/// Terms by id.
pub async fn by_ids(db: &DatabaseConnection, ids: &[i32], vis: Visibility) -> Result<Vec<TermRow>, DbErr> {
    term::Entity::find()
        .filter(term::Column::Id.is_in(ids.iter().copied()))
        .filter(in_use(vis))
        .all(db)
        .await
}

/// Up to `limit` terms of `taxonomy` in language `lang` (`Site::term_lang`)
/// in slug order, after slug `after`.
pub async fn list(
    db: &DatabaseConnection,
    taxonomy: &str,
    lang: &str,
    after: Option<&str>,
    limit: u64,
    vis: Visibility,
) -> Result<Vec<TermRow>, DbErr> {
    let mut q = term::Entity::find()
        .filter(term::Column::Taxonomy.eq(taxonomy))
        .filter(term::Column::Lang.eq(lang))
        .filter(in_use(vis));
    if let Some(after) = after {
        q = q.filter(term::Column::Slug.gt(after));
    }
    q.order_by_asc(term::Column::Slug).limit(limit).all(db).await
}

/// How many terms of each of `taxonomies` (plural name, language) are in use.
pub async fn counts(
    db: &DatabaseConnection,
    taxonomies: &[(String, String)],
    vis: Visibility,
) -> Result<HashMap<(String, String), u64>, DbErr> {
    let mut which = Condition::any();
    for (taxonomy, lang) in taxonomies {
        which = which.add(
            Condition::all()
                .add(term::Column::Taxonomy.eq(taxonomy.as_str()))
                .add(term::Column::Lang.eq(lang.as_str())),
        );
    }
    let rows: Vec<(String, String, i64)> = term::Entity::find()
        .select_only()
        .column(term::Column::Taxonomy)
        .column(term::Column::Lang)
        .column_as(term::Column::Id.count(), "n")
        .filter(which)
        .filter(in_use(vis))
        .group_by(term::Column::Taxonomy)
        .group_by(term::Column::Lang)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(t, l, n)| ((t, l), u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// How many articles `vis` lists each of `ids` has.
pub async fn article_counts(db: &DatabaseConnection, ids: &[i32], vis: Visibility) -> Result<HashMap<i32, u64>, DbErr> {
    let rows: Vec<(i32, i64)> = article_term::Entity::find()
        .select_only()
        .column(article_term::Column::TermId)
        .column_as(article_term::Column::ArticleId.count(), "n")
        .inner_join(article::Entity)
        .filter(article_term::Column::TermId.is_in(ids.iter().copied()))
        .filter(vis.listed(false))
        .group_by(article_term::Column::TermId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct Linked {
    article_id: i32,
    id: i32,
    taxonomy: String,
    slug: String,
    name: String,
    path: String,
    weighted: bool,
    lang: String,
    /// The link's `<taxonomy>_weight`.
    weight: i32,
    /// The version naming it (see `article_term.version`).
    version: String,
}

/// The terms of `taxonomy` each of `article_ids` names (the article
/// itself, not its translations), in front-matter order.
pub async fn of_articles(
    db: &DatabaseConnection,
    taxonomy: &str,
    article_ids: &[i32],
) -> Result<HashMap<i32, Vec<TermRow>>, DbErr> {
    Ok(linked_terms(db, Some(taxonomy), article_ids, Some(""))
        .await?
        .into_iter()
        .map(|(id, terms)| (id, terms.into_iter().map(|(t, _, _)| t).collect()))
        .collect())
}

/// The terms each of `article_ids` links to with their weights and the
/// version naming them; only `version`'s (`""` the article itself) if given.
async fn linked_terms(
    db: &DatabaseConnection,
    taxonomy: Option<&str>,
    article_ids: &[i32],
    version: Option<&str>,
) -> Result<HashMap<i32, Vec<(TermRow, i32, String)>>, DbErr> {
    let mut stmt = Query::select();
    stmt.column((article_term::Entity, article_term::Column::ArticleId))
        .columns([
            (term::Entity, term::Column::Id),
            (term::Entity, term::Column::Taxonomy),
            (term::Entity, term::Column::Slug),
            (term::Entity, term::Column::Name),
            (term::Entity, term::Column::Path),
            (term::Entity, term::Column::Weighted),
            (term::Entity, term::Column::Lang),
        ])
        .column((article_term::Entity, article_term::Column::Weight))
        .column((article_term::Entity, article_term::Column::Version))
        .from(article_term::Entity)
        .inner_join(
            term::Entity,
            Expr::col((term::Entity, term::Column::Id)).equals((article_term::Entity, article_term::Column::TermId)),
        )
        .and_where(
            Expr::col((article_term::Entity, article_term::Column::ArticleId)).is_in(article_ids.iter().copied()),
        )
        .order_by((article_term::Entity, article_term::Column::ArticleId), SqlOrder::Asc)
        .order_by((article_term::Entity, article_term::Column::Position), SqlOrder::Asc);
    if let Some(taxonomy) = taxonomy {
        stmt.and_where(Expr::col((term::Entity, term::Column::Taxonomy)).eq(taxonomy));
    }
    if let Some(version) = version {
        stmt.and_where(Expr::col((article_term::Entity, article_term::Column::Version)).eq(version));
    }
    let mut out: HashMap<i32, Vec<(TermRow, i32, String)>> = HashMap::new();
    for r in db.query_all(&stmt).await? {
        let l = Linked::from_query_result(&r, "")?;
        let row = TermRow {
            id: l.id,
            taxonomy: l.taxonomy,
            slug: l.slug,
            name: l.name,
            path: l.path,
            weighted: l.weighted,
            lang: l.lang,
        };
        out.entry(l.article_id).or_default().push((row, l.weight, l.version));
    }
    Ok(out)
}

/// Every term article `id` itself names, as the store writes them.
pub async fn site_terms_of(db: &DatabaseConnection, id: i32) -> Result<Vec<SiteTerm>, DbErr> {
    Ok(versions_terms_of(db, id).await?.remove("").unwrap_or_default())
}

/// Every term each version of article `id` names, as the store writes
/// them, by version (`""` the article itself, else a translation's locale).
pub async fn versions_terms_of(db: &DatabaseConnection, id: i32) -> Result<HashMap<String, Vec<SiteTerm>>, DbErr> {
    let mut found = linked_terms(db, None, &[id], None).await?;
    let mut out: HashMap<String, Vec<SiteTerm>> = HashMap::new();
    for (t, weight, version) in found.remove(&id).unwrap_or_default() {
        out.entry(version).or_default().push(SiteTerm {
            taxonomy: t.taxonomy,
            slug: t.slug,
            name: t.name,
            path: t.path,
            weight,
            lang: t.lang,
        });
    }
    Ok(out)
}

/// Slugs to match against an article's terms of one taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSet {
    pub taxonomy: String,
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
}

fn linked(taxonomy: &str, slugs: &[String], all: bool) -> SelectStatement {
    let mut q = Query::select();
    q.column((article_term::Entity, article_term::Column::ArticleId))
        .from(article_term::Entity)
        .inner_join(
            term::Entity,
            Expr::col((term::Entity, term::Column::Id)).equals((article_term::Entity, article_term::Column::TermId)),
        )
        .and_where(Expr::col((term::Entity, term::Column::Taxonomy)).eq(taxonomy))
        .and_where(Expr::col((term::Entity, term::Column::Slug)).is_in(slugs.iter().cloned()))
        // What the article itself names, as its lists show it.
        .and_where(Expr::col((article_term::Entity, article_term::Column::Version)).eq(""));
    if all {
        q.group_by_col((article_term::Entity, article_term::Column::ArticleId))
            .and_having(
                Func::count_distinct(Expr::col((term::Entity, term::Column::Id)))
                    .eq(i64::try_from(slugs.len()).unwrap_or(i64::MAX)),
            );
    }
    q
}

impl TermSet {
    /// The condition on `article`; empty lists add none.
    pub fn condition(&self) -> Condition {
        let id = || Expr::col((article::Entity, article::Column::Id));
        let mut cond = Condition::all();
        if !self.any.is_empty() {
            cond = cond.add(id().in_subquery(linked(&self.taxonomy, &self.any, false)));
        }
        if !self.all.is_empty() {
            cond = cond.add(id().in_subquery(linked(&self.taxonomy, &self.all, true)));
        }
        if !self.none.is_empty() {
            cond = cond.add(id().not_in_subquery(linked(&self.taxonomy, &self.none, false)));
        }
        cond
    }
}

/// Articles naming term `id`.
pub fn with_term(id: i32) -> Condition {
    Condition::all().add(
        article::Column::Id.in_subquery(
            Query::select()
                .column(article_term::Column::ArticleId)
                .from(article_term::Entity)
                .and_where(Expr::col(article_term::Column::TermId).eq(id))
                .to_owned(),
        ),
    )
}

/// The terms of `taxonomy` the articles of `scope` name, most articles first.
pub async fn facets(
    db: &DatabaseConnection,
    scope: &Scope,
    taxonomy: &str,
    limit: u64,
    vis: Visibility,
) -> Result<Vec<(TermRow, i64)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Counted {
        id: i32,
        taxonomy: String,
        slug: String,
        name: String,
        path: String,
        weighted: bool,
        lang: String,
        count: i64,
    }
    let ids = scope
        .select(db, vis)
        .select_only()
        .column(article::Column::Id)
        .into_query();
    let cols = [
        (term::Entity, term::Column::Id),
        (term::Entity, term::Column::Taxonomy),
        (term::Entity, term::Column::Slug),
        (term::Entity, term::Column::Name),
        (term::Entity, term::Column::Path),
        (term::Entity, term::Column::Weighted),
        (term::Entity, term::Column::Lang),
    ];
    let stmt = Query::select()
        .columns(cols)
        .expr_as(
            Func::count(Expr::col((article_term::Entity, article_term::Column::ArticleId))),
            "count",
        )
        .from(article_term::Entity)
        .inner_join(
            term::Entity,
            Expr::col((term::Entity, term::Column::Id)).equals((article_term::Entity, article_term::Column::TermId)),
        )
        .and_where(Expr::col((term::Entity, term::Column::Taxonomy)).eq(taxonomy))
        // The terms the articles themselves name, not their translations.
        .and_where(Expr::col((article_term::Entity, article_term::Column::Version)).eq(""))
        .and_where(Expr::col((article_term::Entity, article_term::Column::ArticleId)).in_subquery(ids))
        .group_by_columns(cols)
        .order_by_expr(Expr::cust("count"), SqlOrder::Desc)
        .order_by((term::Entity, term::Column::Slug), SqlOrder::Asc)
        .limit(limit)
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter()
        .map(|r| {
            let c = Counted::from_query_result(r, "")?;
            Ok((
                TermRow {
                    id: c.id,
                    taxonomy: c.taxonomy,
                    slug: c.slug,
                    name: c.name,
                    path: c.path,
                    weighted: c.weighted,
                    lang: c.lang,
                },
                c.count,
            ))
        })
        .collect()
}

/// The `_index` pages of the taxonomies (slug empty) and terms in `keys`:
/// (taxonomy, term key `lang`, slug).
pub async fn list_pages(
    db: &DatabaseConnection,
    keys: &[(String, String, String)],
) -> Result<Vec<entity::list_page::Model>, DbErr> {
    use entity::list_page;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = Condition::any();
    for (taxonomy, lang, slug) in keys {
        any = any.add(
            Condition::all()
                .add(list_page::Column::Taxonomy.eq(taxonomy.as_str()))
                .add(list_page::Column::Lang.eq(lang.as_str()))
                .add(list_page::Column::TermSlug.eq(slug.as_str())),
        );
    }
    list_page::Entity::find().filter(any).all(db).await
}

/// Gives each of `terms` that is stored the page path stored for it: an
/// `_index` page may have moved it (its title or slug), which a path
/// computed from the name alone, as an edit's is, does not know.
pub async fn keep_stored_paths(db: &DatabaseConnection, terms: &mut [SiteTerm]) -> Result<(), DbErr> {
    if terms.is_empty() {
        return Ok(());
    }
    let mut any = Condition::any();
    for t in terms.iter() {
        any = any.add(
            Condition::all()
                .add(term::Column::Taxonomy.eq(t.taxonomy.as_str()))
                .add(term::Column::Lang.eq(t.lang.as_str()))
                .add(term::Column::Slug.eq(t.slug.as_str())),
        );
    }
    let stored = term::Entity::find().filter(any).all(db).await?;
    for t in terms.iter_mut() {
        if let Some(row) = stored
            .iter()
            .find(|r| r.taxonomy == t.taxonomy && r.lang == t.lang && r.slug == t.slug)
        {
            t.path.clone_from(&row.path);
        }
    }
    Ok(())
}
