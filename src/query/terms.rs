//! Tags and categories: look-ups, pages, per-article lists and article counts.

use std::collections::HashMap;

use entity::{article, category, tag};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use super::articles::Visibility;
use super::keyset::{fetch, Key, Page, PageRequest, Sort, SortValue};
use super::Taxonomy;

/// One tag or category.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TermRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    /// The same term in the site's taxonomy (`term`) when some article
    /// gives it a weight (`tags_weight`), so its articles list in hugo's
    /// order of a weighted term; read with every row (see [`weighted_term`])
    /// except by [`of_articles_in`] told not to (nothing then lists the
    /// term's articles).
    pub weighted_term: Option<i32>,
}

/// `weighted_term` of a row of `taxonomy`'s table: the id of the site's
/// term of that slug when it is weighted, else NULL. A correlated subquery
/// in the statement that reads the terms, so knowing costs no statement.
pub fn weighted_term(taxonomy: Taxonomy) -> Expr {
    Expr::cust(weighted_term_sql(taxonomy))
}

/// [`weighted_term`] as SQL text.
pub fn weighted_term_sql(taxonomy: Taxonomy) -> String {
    format!(
        "(SELECT st.id FROM term st WHERE st.taxonomy = '{}' AND st.lang = '' AND st.slug = \"{}\".\"slug\" AND st.weighted)",
        taxonomy.plural(),
        taxonomy.table()
    )
}

#[derive(Debug, FromQueryResult)]
struct LinkedTerm {
    /// The index of its taxonomy in the list asked for.
    taxonomy: i32,
    article_id: i32,
    id: i32,
    slug: String,
    name: String,
    weighted_term: Option<i32>,
}

/// Whether a term has an article `vis` lists: publicly, terms used only by drafts (an
/// embargoed story's tag) or by no article at all are not shown.
fn in_use(taxonomy: Taxonomy, vis: Visibility) -> Expr {
    let (t, j) = (taxonomy.table(), taxonomy.join_table());
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(j)
            .inner_join(
                article::Entity,
                Expr::col((article::Entity, article::Column::Id)).equals((j, "article_id")),
            )
            .and_where(Expr::col((j, taxonomy.term_column())).equals((t, "id")))
            .cond_where(vis.listed(false))
            .to_owned(),
    )
}

fn select_terms(taxonomy: Taxonomy, vis: Visibility) -> SelectStatement {
    let t = taxonomy.table();
    Query::select()
        .columns([(t, "id"), (t, "slug"), (t, "name")])
        .expr_as(weighted_term(taxonomy), "weighted_term")
        .from(t)
        .and_where(in_use(taxonomy, vis))
        .to_owned()
}

/// A term by slug.
pub async fn by_slug(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    slug: &str,
    vis: Visibility,
) -> Result<Option<TermRow>, DbErr> {
    let stmt = select_terms(taxonomy, vis)
        .and_where(Expr::col((taxonomy.table(), "slug")).eq(slug))
        .to_owned();
    match db.query_one(&stmt).await? {
        Some(row) => Ok(Some(TermRow::from_query_result(&row, "")?)),
        None => Ok(None),
    }
}

/// Terms in slug order, for any page request.
pub async fn page(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    req: &PageRequest,
    vis: Visibility,
) -> Result<Page<TermRow>, DbErr> {
    fn sort<E: EntityTrait>(entity: E, slug: E::Column, id: E::Column) -> Sort {
        Sort {
            expr: Expr::col((entity, slug)),
            id: Expr::col((entity, id)),
            desc: false,
            group: None,
        }
    }
    match taxonomy {
        Taxonomy::Tags => {
            let s = sort(tag::Entity, tag::Column::Slug, tag::Column::Id);
            let q = tag::Entity::find().column_as(weighted_term(taxonomy), "weighted_term");
            fetch(db, q.filter(in_use(taxonomy, vis)), &s, req).await
        }
        Taxonomy::Categories => {
            let s = sort(category::Entity, category::Column::Slug, category::Column::Id);
            let q = category::Entity::find().column_as(weighted_term(taxonomy), "weighted_term");
            fetch(db, q.filter(in_use(taxonomy, vis)), &s, req).await
        }
    }
}

/// The key of a term in slug order.
pub fn key_of(row: &TermRow) -> Key {
    Key {
        value: SortValue::Text(row.slug.clone()),
        id: row.id,
        group: None,
    }
}

/// Terms by id: one statement.
pub async fn by_ids(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    ids: &[i32],
    vis: Visibility,
) -> Result<Vec<TermRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = select_terms(taxonomy, vis)
        .and_where(Expr::col((taxonomy.table(), "id")).is_in(ids.iter().copied()))
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter().map(|r| TermRow::from_query_result(r, "")).collect()
}

/// How many terms the taxonomy has.
pub async fn count(db: &DatabaseConnection, taxonomy: Taxonomy, vis: Visibility) -> Result<u64, DbErr> {
    let t = taxonomy.table();
    let stmt = Query::select()
        .expr_as(Func::count(Expr::col((t, "id"))), "n")
        .from(t)
        .and_where(in_use(taxonomy, vis))
        .to_owned();
    let n: i64 = match db.query_one(&stmt).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The terms of each article, in front-matter order: one statement for all ids.
pub async fn of_articles(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    article_ids: &[i32],
) -> Result<HashMap<i32, Vec<TermRow>>, DbErr> {
    let mut all = of_articles_in(db, &[taxonomy], article_ids, true).await?;
    Ok(all.pop().unwrap_or_default())
}

/// The terms of each article in each of `taxonomies` (in that order), in
/// front-matter order: one statement for all of them (`UNION ALL`), so a
/// list that shows tags and categories reads both in one round trip.
/// `read_weights: false` leaves every [`TermRow::weighted_term`] `None`,
/// saving a subquery per row, for a caller that lists no term's articles.
pub async fn of_articles_in(
    db: &DatabaseConnection,
    taxonomies: &[Taxonomy],
    article_ids: &[i32],
    read_weights: bool,
) -> Result<Vec<HashMap<i32, Vec<TermRow>>>, DbErr> {
    let mut out: Vec<HashMap<i32, Vec<TermRow>>> = taxonomies.iter().map(|_| HashMap::new()).collect();
    if article_ids.is_empty() {
        return Ok(out);
    }
    let select = |index: usize, taxonomy: Taxonomy| {
        let (t, j) = (taxonomy.table(), taxonomy.join_table());
        Query::select()
            // A literal, not a parameter: PostgreSQL types the union's column by it.
            .expr_as(Expr::cust(index.to_string()), "taxonomy")
            .columns([(j, "article_id"), (j, "position")])
            .columns([(t, "id"), (t, "slug"), (t, "name")])
            .expr_as(
                match read_weights {
                    true => weighted_term(taxonomy),
                    false => Expr::cust("CAST(NULL AS INTEGER)"),
                },
                "weighted_term",
            )
            .from(t)
            .inner_join(j, Expr::col((j, taxonomy.term_column())).equals((t, "id")))
            .and_where(Expr::col((j, "article_id")).is_in(article_ids.iter().copied()))
            .to_owned()
    };
    let mut parts = taxonomies.iter().enumerate().map(|(i, t)| select(i, *t));
    let Some(mut stmt) = parts.next() else {
        return Ok(out);
    };
    for part in parts {
        stmt.union(UnionType::All, part);
    }
    // A compound SELECT orders by its result columns' names, unqualified.
    for column in ["taxonomy", "article_id", "position"] {
        stmt.order_by(Alias::new(column), Order::Asc);
    }
    for row in db.query_all(&stmt).await? {
        let l = LinkedTerm::from_query_result(&row, "")?;
        let Some(found) = usize::try_from(l.taxonomy).ok().and_then(|i| out.get_mut(i)) else {
            continue;
        };
        found.entry(l.article_id).or_default().push(TermRow {
            id: l.id,
            slug: l.slug,
            name: l.name,
            weighted_term: l.weighted_term,
        });
    }
    Ok(out)
}

/// How many articles `vis` lists each term has: one statement for all ids,
/// over the link index alone (migration 20).
pub async fn article_counts(
    db: &DatabaseConnection,
    taxonomy: Taxonomy,
    term_ids: &[i32],
    vis: Visibility,
) -> Result<HashMap<i32, i64>, DbErr> {
    if term_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (j, fk) = (taxonomy.join_table(), taxonomy.term_column());
    let which = Expr::col((taxonomy.table(), "id")).is_in(term_ids.iter().copied());
    let stmt = match counted(taxonomy, vis, which) {
        Some(stmt) => stmt,
        None => Query::select()
            .expr_as(Expr::col((j, fk)), "term_id")
            .expr_as(Func::count(Expr::col((j, "article_id"))), "n")
            .from(j)
            // The link rows' copies of the article's columns: an index-only count.
            .cond_where(vis.listed_on(j, false))
            .and_where(Expr::col((j, fk)).is_in(term_ids.iter().copied()))
            .group_by_col((Alias::new(j), Alias::new(fk)))
            .to_owned(),
    };
    let mut out = HashMap::new();
    for row in db.query_all(&stmt).await? {
        out.insert(row.try_get::<i32>("", "term_id")?, row.try_get::<i64>("", "n")?);
    }
    Ok(out)
}

/// How many articles `vis` lists of each term of `taxonomy` that `which`
/// (a condition on the term table) selects, as `(term_id, n)` rows, read
/// from the term's `listed_links` (kept by migration 23's triggers) less
/// its listed links hidden at `vis.at`: one statement whose cost is the
/// term rows and the links dated after the instant or with a publish date
/// or expiry of their own, not the term's size. `None` in a preview, which
/// also lists drafts: the counter does not know those.
pub fn counted(taxonomy: Taxonomy, vis: Visibility, which: impl Into<sea_orm::Condition>) -> Option<SelectStatement> {
    if vis.preview {
        return None;
    }
    let (t, j, fk) = (taxonomy.table(), taxonomy.join_table(), taxonomy.term_column());
    let l = Alias::new("l");
    let col = |c: &'static str| Expr::col((l.clone(), Alias::new(c)));
    // Listed links of the term that `part` selects and the instant hides.
    let hidden = |part: sea_orm::Condition| {
        let select = Query::select()
            .expr(Func::count(col("article_id")))
            .from_as(Alias::new(j), l.clone())
            .and_where(col(fk).equals((t, "id")))
            .cond_where(part)
            .and_where(col("draft").eq(false))
            .and_where(col("build_list").eq("always"))
            .cond_where(
                sea_orm::Condition::any()
                    .add(col("publish_date").gt(vis.at))
                    .add(col("expiry_date").lte(vis.at)),
            )
            .to_owned();
        Expr::SubQuery(
            None,
            Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(select)),
        )
    };
    // A link hidden at `at` is dated after it, or else (its publish date
    // after `at` but not after its date, or expired) in the partial index.
    let later = hidden(sea_orm::Condition::all().add(col("published_at").gt(vis.at)));
    let timed = hidden(
        sea_orm::Condition::all().add(Expr::cust(migration::TIMED_LINKS)).add(
            sea_orm::Condition::any()
                .add(col("published_at").is_null())
                .add(col("published_at").lte(vis.at)),
        ),
    );
    Some(
        Query::select()
            .expr_as(Expr::col((t, "id")), "term_id")
            .expr_as(Expr::col((t, "listed_links")).sub(later).sub(timed), "n")
            .from(t)
            .cond_where(which)
            .to_owned(),
    )
}
