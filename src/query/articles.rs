//! Public articles: visibility, filters, orders, keyset pages, counts and facets.

use chrono::{DateTime, Utc};
use entity::{article, translation};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order as SqlOrder, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult,
    Iterable, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};

use super::keyset::{fetch, Key, Page, PageRequest, Sort, SortValue};
use super::Taxonomy;

/// Which articles one request may see, judged at one instant: the one
/// switch every visibility condition of the read side honours. A public
/// reader sees published articles only; a preview (an editor's, with the
/// preview or admin token) also sees drafts, future-dated and expired
/// ones. Hugo's `_build` options (listed, rendered) hold for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// The instant publication is judged at.
    pub at: DateTime<Utc>,
    /// Whether drafts, future-dated and expired articles are seen too.
    pub preview: bool,
}

impl Visibility {
    /// What any reader sees at `at`.
    pub fn public(at: DateTime<Utc>) -> Self {
        Visibility { at, preview: false }
    }

    /// What an editor previewing the site sees (statuses judged at `at`).
    pub fn preview(at: DateTime<Utc>) -> Self {
        Visibility { at, preview: true }
    }

    /// Articles seen: for a public reader, not drafts, past `publishDate`
    /// and before `expiryDate`; in a preview, every article.
    pub fn condition(self) -> Condition {
        if self.preview {
            return Condition::all();
        }
        Condition::all()
            .add(article::Column::Draft.eq(false))
            .add(article::Column::PublishDate.lte(self.at))
            .add(
                Condition::any()
                    .add(article::Column::ExpiryDate.is_null())
                    .add(article::Column::ExpiryDate.gt(self.at)),
            )
    }

    /// Articles lists and counts hold: seen and listed (Hugo's
    /// `_build.list` is `always`); `local` ones also when `in_section` (a
    /// section's own lists, as Hugo lists them in their section only).
    pub fn listed(self, in_section: bool) -> Condition {
        let list = if in_section {
            article::Column::BuildList.ne("never")
        } else {
            article::Column::BuildList.eq("always")
        };
        self.condition().add(list)
    }

    /// [`Visibility::listed`] judged on a link table's copies of the
    /// article's columns (migration 20), so a term's list is filtered from
    /// its link index alone.
    pub fn listed_on(self, links: &'static str, in_section: bool) -> Condition {
        let col = |c: &'static str| Expr::col((links, c));
        let list = if in_section {
            col("build_list").ne("never")
        } else {
            col("build_list").eq("always")
        };
        if self.preview {
            return Condition::all().add(list);
        }
        Condition::all()
            .add(col("draft").eq(false))
            .add(col("publish_date").lte(self.at))
            .add(
                Condition::any()
                    .add(col("expiry_date").is_null())
                    .add(col("expiry_date").gt(self.at)),
            )
            .add(list)
    }

    /// Articles served at their own path: seen and rendered
    /// (`_build.render` is `always`).
    pub fn rendered(self) -> Condition {
        self.condition().add(article::Column::BuildRender.eq("always"))
    }

    /// [`Visibility::listed`] (outside a section) as raw SQL on the article
    /// table aliased `a`, with the values of its placeholders, for the
    /// statements written as SQL (`query::relations`).
    pub fn listed_sql(self) -> (String, Vec<sea_orm::Value>) {
        self.listed_sql_on("a")
    }

    /// [`Visibility::listed_sql`] on the table aliased `alias`: an article,
    /// or a link table's copies of its columns.
    pub fn listed_sql_on(self, alias: &str) -> (String, Vec<sea_orm::Value>) {
        if self.preview {
            return (format!("{alias}.build_list = 'always'"), Vec::new());
        }
        (
            format!(
                "{alias}.draft = ? AND {alias}.publish_date <= ? AND ({alias}.expiry_date IS NULL OR {alias}.expiry_date > ?) \
                 AND {alias}.build_list = 'always'"
            ),
            vec![false.into(), self.at.into(), self.at.into()],
        )
    }
}

/// Where an article stands at an instant, as an editor reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Public: not a draft, past its `publishDate`, before its `expiryDate`.
    Published,
    /// `draft: true`, whatever its dates say.
    Draft,
    /// Its `publishDate` is still ahead.
    Scheduled,
    /// Its `expiryDate` has passed (it will not be public again, whatever
    /// its `publishDate`).
    Expired,
}

impl Status {
    /// The status of an article of these settings at `now`: the rule of
    /// [`Visibility::condition`] for one article, in Rust. A draft is a
    /// draft first; an expired article stays expired.
    pub fn of(
        draft: bool,
        publish_date: DateTime<Utc>,
        expiry_date: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Status {
        if draft {
            Status::Draft
        } else if expiry_date.is_some_and(|e| e <= now) {
            Status::Expired
        } else if publish_date > now {
            Status::Scheduled
        } else {
            Status::Published
        }
    }
}

/// Whether a reader may see an article of these settings at `now`
/// (see [`Status::of`]).
pub fn is_public(
    draft: bool,
    publish_date: DateTime<Utc>,
    expiry_date: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    Status::of(draft, publish_date, expiry_date, now) == Status::Published
}

/// Slugs an article's tags (or categories) must include: any of, all of, none of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlugSet {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
}

/// Which articles a list holds; the parts combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub tags: Option<SlugSet>,
    pub categories: Option<SlugSet>,
    /// Available in this locale, as the original or a translation.
    pub locale: Option<String>,
    /// With `locale`: also the articles whose own language is none of these
    /// (lower-case codes, the site's languages). Hugo puts a page whose
    /// language the config does not define in the default language, so a
    /// default-language list gives these.
    pub or_foreign_to: Option<Vec<String>>,
    pub published_gte: Option<DateTime<Utc>>,
    pub published_lt: Option<DateTime<Utc>>,
    pub has_thumbnail: Option<bool>,
    /// In this section (by folder), or in it and the sections below it.
    pub section: Option<SectionScope>,
    /// Terms of any of the site's taxonomies; every set must hold.
    pub terms: Vec<super::taxonomies::TermSet>,
    /// Full-text match, as `search` does.
    pub search: Option<String>,
    pub and: Vec<Filter>,
    pub or: Vec<Filter>,
    pub not: Option<Box<Filter>>,
}

/// A section's articles: those whose section folder is `dir`, and with
/// `descendants` those of every section below it too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionScope {
    /// The section's folder (`blog/2020`); empty for the home page.
    pub dir: String,
    pub descendants: bool,
}

impl SectionScope {
    /// The condition on `article.section`. Below `blog` is the range
    /// [`blog/`, `blog0`) (`0` follows `/`), which the section index serves.
    pub fn condition(&self) -> Condition {
        let col = article::Column::Section;
        match (self.descendants, self.dir.as_str()) {
            (true, "") => Condition::all().add(col.is_not_null()),
            (true, dir) => Condition::any().add(col.eq(dir)).add(
                Condition::all()
                    .add(col.gte(format!("{dir}/")))
                    .add(col.lt(format!("{dir}0"))),
            ),
            (false, dir) => Condition::all().add(col.eq(dir)),
        }
    }
}

/// `article.id IN (SELECT article_id FROM join JOIN term WHERE slug IN (…))`,
/// or with `all`, only articles linked to every slug.
fn term_subquery(taxonomy: Taxonomy, slugs: &[String], all: bool) -> SelectStatement {
    let (t, j) = (taxonomy.table(), taxonomy.join_table());
    let mut q = Query::select();
    q.column((j, "article_id"))
        .from(j)
        .inner_join(t, Expr::col((t, "id")).equals((j, taxonomy.term_column())))
        .and_where(Expr::col((t, "slug")).is_in(slugs.iter().cloned()));
    if all {
        q.group_by_col((j, "article_id"))
            .and_having(Func::count_distinct(Expr::col((t, "id"))).eq(i64::try_from(slugs.len()).unwrap_or(i64::MAX)));
    }
    q
}

/// The article id as a filter's `IN (subquery)` tests it. On SQLite it is
/// written `+id`: a plain `id IN (…)` makes SQLite fetch every listed article
/// by rowid (40% of the corpus for a popular tag), where testing membership
/// while it walks the list index stops after a page (BENCHMARKS.md).
fn member_id(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust("+\"article\".\"id\""),
        _ => Expr::col((article::Entity, article::Column::Id)),
    }
}

fn slug_condition(taxonomy: Taxonomy, set: &SlugSet, backend: DbBackend) -> Condition {
    let id = || member_id(backend);
    let mut cond = Condition::all();
    if !set.any.is_empty() {
        cond = cond.add(id().in_subquery(term_subquery(taxonomy, &set.any, false)));
    }
    if !set.all.is_empty() {
        cond = cond.add(id().in_subquery(term_subquery(taxonomy, &set.all, true)));
    }
    if !set.none.is_empty() {
        cond = cond.add(id().not_in_subquery(term_subquery(taxonomy, &set.none, false)));
    }
    cond
}

impl Filter {
    /// The filter as a SQL condition on `article`. Empty lists add no constraint.
    pub fn condition(&self, backend: DbBackend) -> Condition {
        let mut cond = Condition::all();
        if let Some(set) = &self.tags {
            cond = cond.add(slug_condition(Taxonomy::Tags, set, backend));
        }
        if let Some(set) = &self.categories {
            cond = cond.add(slug_condition(Taxonomy::Categories, set, backend));
        }
        if let Some(locale) = &self.locale {
            let available = member_id(backend).in_subquery(
                Query::select()
                    .column("article_id")
                    .from("article_locale")
                    .and_where(Expr::col("locale").eq(locale.as_str()))
                    .to_owned(),
            );
            cond = cond.add(match &self.or_foreign_to {
                Some(codes) => Condition::any().add(available).add(
                    Expr::expr(Func::lower(Expr::col((article::Entity, article::Column::Lang))))
                        .is_not_in(codes.iter().map(String::as_str)),
                ),
                None => Condition::all().add(available),
            });
        }
        if let Some(t) = self.published_gte {
            cond = cond.add(article::Column::PublishedAt.gte(t));
        }
        if let Some(t) = self.published_lt {
            cond = cond.add(article::Column::PublishedAt.lt(t));
        }
        match self.has_thumbnail {
            Some(true) => cond = cond.add(article::Column::Thumbnail.is_not_null()),
            Some(false) => cond = cond.add(article::Column::Thumbnail.is_null()),
            None => {}
        }
        if let Some(section) = &self.section {
            cond = cond.add(section.condition());
        }
        for set in &self.terms {
            cond = cond.add(set.condition());
        }
        if let Some(q) = &self.search {
            cond = cond.add(match super::search::matching_articles(backend, q) {
                Some(ids) => member_id(backend).in_subquery(ids),
                None => Expr::value(false),
            });
        }
        for f in &self.and {
            cond = cond.add(f.condition(backend));
        }
        if !self.or.is_empty() {
            cond = cond.add(
                self.or
                    .iter()
                    .fold(Condition::any(), |any, f| any.add(f.condition(backend))),
            );
        }
        if let Some(f) = &self.not {
            cond = cond.add(f.condition(backend).not());
        }
        cond
    }

    /// How many filters this one holds, itself included (a guard against abuse).
    pub fn size(&self) -> usize {
        // Each taxonomy's term set is a subquery of its own.
        1 + self.terms.len()
            + self.and.iter().chain(&self.or).map(Filter::size).sum::<usize>()
            + self.not.as_ref().map_or(0, |f| f.size())
    }

    /// How deeply `and`/`or`/`not` nest, 1 for a flat filter.
    pub fn depth(&self) -> usize {
        1 + self
            .and
            .iter()
            .chain(&self.or)
            .chain(self.not.as_deref())
            .map(Filter::depth)
            .max()
            .unwrap_or(0)
    }
}

/// Which articles a list holds: a parent term's articles, narrowed by a filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// Only articles filed under this tag or category id.
    pub term: Option<(Taxonomy, i32)>,
    /// Only articles naming this term (of any taxonomy) by id.
    pub site_term: Option<i32>,
    pub filter: Filter,
}

impl Scope {
    /// Every condition of the list, visibility included.
    pub fn condition(&self, backend: DbBackend, vis: Visibility) -> Condition {
        let in_section = self.filter.section.is_some();
        let mut cond = vis.listed(in_section).add(self.filter.condition(backend));
        if let Some((taxonomy, term_id)) = self.term {
            cond = cond.add(
                article::Column::Id.in_subquery(
                    Query::select()
                        .column("article_id")
                        .from(taxonomy.join_table())
                        .and_where(Expr::col(taxonomy.term_column()).eq(term_id))
                        .to_owned(),
                ),
            );
        }
        if let Some(id) = self.site_term {
            cond = cond.add(super::taxonomies::with_term(id));
        }
        cond
    }

    /// The term whose link rows a list in published order is read from: the
    /// parent term, or the one tag or category a filter asks for with
    /// `any` (and no other term condition of that taxonomy). The list is then
    /// walked in the link index's order, `(term, published_at, article_id)`,
    /// and stops after a page whatever the term's size and the plan, where
    /// `id IN (the term's links)` makes a database gather every link first.
    fn driver(&self) -> Option<(Taxonomy, Driver)> {
        if let Some((taxonomy, id)) = self.term {
            return Some((taxonomy, Driver::Id(id)));
        }
        let one = |set: &Option<SlugSet>| match set {
            Some(SlugSet { any, all, none }) if any.len() == 1 && all.is_empty() && none.is_empty() => {
                any.first().cloned()
            }
            _ => None,
        };
        if let Some(slug) = one(&self.filter.tags) {
            return Some((Taxonomy::Tags, Driver::Slug(slug)));
        }
        one(&self.filter.categories).map(|slug| (Taxonomy::Categories, Driver::Slug(slug)))
    }

    /// The list read through its [`Scope::driver`]'s link rows, with the
    /// sort on the link's copies; `None` when it has no driver.
    fn through_links(&self, db: &DatabaseConnection, vis: Visibility, order: Order) -> Option<ThroughLinks> {
        if order.field != OrderField::PublishedAt {
            return None;
        }
        let (taxonomy, driver) = self.driver()?;
        let (j, fk) = (taxonomy.join_table(), taxonomy.term_column());
        // The rest of the scope: the driving term's condition is the join's.
        let mut rest = self.clone();
        rest.term = None;
        match taxonomy {
            Taxonomy::Tags if matches!(driver, Driver::Slug(_)) => rest.filter.tags = None,
            Taxonomy::Categories if matches!(driver, Driver::Slug(_)) => rest.filter.categories = None,
            _ => {}
        }
        let backend = db.get_database_backend();
        let in_section = self.filter.section.is_some();
        // The whole term, nothing else: its count is the term row's counter.
        let counted = if rest == Scope::default() {
            let t = taxonomy.table();
            let which = match &driver {
                Driver::Id(id) => Expr::col((t, "id")).eq(*id),
                Driver::Slug(slug) => Expr::col((t, "slug")).eq(slug.as_str()),
            };
            super::terms::counted(taxonomy, vis, which)
        } else {
            None
        };
        let term = match driver {
            Driver::Id(id) => Expr::col((j, fk)).eq(id),
            // Slugs are unique: a scalar subquery, so the planner seeks the
            // index to one term and walks it in order (with `IN` PostgreSQL
            // sorts the term's whole range instead).
            Driver::Slug(slug) => Expr::col((j, fk)).eq(Expr::SubQuery(
                None,
                Box::new(sea_orm::sea_query::SubQueryStatement::SelectStatement(
                    Query::select()
                        .column("id")
                        .from(taxonomy.table())
                        .and_where(Expr::col("slug").eq(slug))
                        .to_owned(),
                )),
            )),
        };
        let mut links = Condition::all().add(term).add(vis.listed_on(j, in_section));
        // The top-level date range holds for the link's copy too, so the
        // index seeks to it.
        if let Some(t) = self.filter.published_gte {
            links = links.add(Expr::col((j, "published_at")).gte(t));
        }
        if let Some(t) = self.filter.published_lt {
            links = links.add(Expr::col((j, "published_at")).lt(t));
        }
        // With nothing left but what the link rows' copies judge (visibility
        // and the date range), the count needs no article row.
        let mut left = rest.clone();
        left.filter.published_gte = None;
        left.filter.published_lt = None;
        let count_links = (left == Scope::default()).then(|| {
            Query::select()
                .expr(Func::count(Expr::col((j, "article_id"))))
                .from(j)
                .cond_where(links.clone())
                .to_owned()
        });
        let mut select = article::Entity::find();
        QueryTrait::query(&mut select).join(
            sea_orm::JoinType::InnerJoin,
            sea_orm::sea_query::Alias::new(j),
            Expr::col((j, "article_id")).equals((article::Entity, article::Column::Id)),
        );
        let select = select.filter(rest.condition(backend, vis)).filter(links);
        let sort = Sort {
            group: None,
            expr: Expr::col((j, "published_at")),
            id: Expr::col((j, "article_id")),
            desc: order.desc,
        };
        Some(ThroughLinks {
            select,
            sort,
            count_links,
            counted,
        })
    }

    /// Whether the scope is a whole term's articles, unfiltered.
    pub fn is_whole_term(&self) -> Option<(Taxonomy, i32)> {
        self.term.filter(|_| self.filter == Filter::default())
    }

    pub fn select(&self, db: &DatabaseConnection, vis: Visibility) -> Select<article::Entity> {
        article::Entity::find().filter(self.condition(db.get_database_backend(), vis))
    }
}

/// A list read through its driving term's link rows.
struct ThroughLinks {
    select: Select<article::Entity>,
    sort: Sort,
    /// The count from the link rows alone, when nothing else filters.
    count_links: Option<SelectStatement>,
    /// The count from the term's counter, when the list is the whole term
    /// in a public view ([`super::terms::counted`]).
    counted: Option<SelectStatement>,
}

/// How a [`Scope::driver`] names its term.
#[derive(Debug, Clone)]
enum Driver {
    Id(i32),
    Slug(String),
}

/// Fields a list of articles can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderField {
    #[default]
    PublishedAt,
    UpdatedAt,
    Title,
}

/// A list order; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub field: OrderField,
    pub desc: bool,
}

impl Default for Order {
    fn default() -> Self {
        Order {
            field: OrderField::PublishedAt,
            desc: true,
        }
    }
}

impl Order {
    /// A name for cursors: a cursor is only valid in a list of the same order.
    pub fn name(self) -> &'static str {
        match (self.field, self.desc) {
            (OrderField::PublishedAt, true) => "published_at_desc",
            (OrderField::PublishedAt, false) => "published_at_asc",
            (OrderField::UpdatedAt, true) => "updated_at_desc",
            (OrderField::UpdatedAt, false) => "updated_at_asc",
            (OrderField::Title, true) => "title_desc",
            (OrderField::Title, false) => "title_asc",
        }
    }

    fn column(self) -> article::Column {
        match self.field {
            OrderField::PublishedAt => article::Column::PublishedAt,
            OrderField::UpdatedAt => article::Column::UpdatedAt,
            OrderField::Title => article::Column::Title,
        }
    }

    pub fn sort(self) -> Sort {
        Sort {
            expr: Expr::col((article::Entity, self.column())),
            id: Expr::col((article::Entity, article::Column::Id)),
            desc: self.desc,
            group: None,
        }
    }

    /// A sort value of the kind this order's cursors carry.
    pub fn sample_value(self) -> SortValue {
        match self.field {
            OrderField::PublishedAt | OrderField::UpdatedAt => SortValue::Time(DateTime::<Utc>::UNIX_EPOCH),
            OrderField::Title => SortValue::Text(String::new()),
        }
    }

    /// The key of `row` in this order.
    pub fn key_of(self, row: &Card) -> Key {
        let value = match self.field {
            OrderField::PublishedAt => SortValue::Time(row.published_at),
            OrderField::UpdatedAt => SortValue::Time(row.updated_at),
            OrderField::Title => SortValue::Text(row.title.clone()),
        };
        Key {
            value,
            id: row.id,
            group: None,
        }
    }
}

/// An article `vis` sees, by slug.
pub async fn by_slug(db: &DatabaseConnection, slug: &str, vis: Visibility) -> Result<Option<Full>, DbErr> {
    article::Entity::find()
        .filter(vis.condition())
        .filter(article::Column::Slug.eq(slug))
        // Sections may each hold the slug: the shortest path first, as the
        // one closest to the root.
        .order_by_asc(Expr::cust("LENGTH(path)"))
        .order_by_asc(article::Column::Path)
        .into_model::<Full>()
        .one(db)
        .await
}

/// A page read from a file: its article, and the language and path of
/// the version that file holds (the article's own, or a translation's).
#[derive(Debug, Clone)]
pub struct SourcePage {
    pub source_path: String,
    pub lang: String,
    pub path: String,
    pub article: Full,
}

/// The pages `vis` sees imported from any of `files` (paths relative to the
/// folder imported, as `source_path` stores them), articles and
/// translations alike: three statements at most.
pub async fn pages_by_source_paths(
    db: &DatabaseConnection,
    files: &[String],
    vis: Visibility,
) -> Result<Vec<SourcePage>, DbErr> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let mut pages: Vec<SourcePage> = article::Entity::find()
        .filter(vis.condition())
        .filter(article::Column::SourcePath.is_in(files.iter().cloned()))
        .into_model::<Full>()
        .all(db)
        .await?
        .into_iter()
        .map(|a| SourcePage {
            source_path: a.source_path.clone(),
            lang: a.lang.clone(),
            path: a.path.clone(),
            article: a,
        })
        .collect();
    let translated = translation::Entity::find()
        .filter(translation::Column::SourcePath.is_in(files.iter().cloned()))
        .all(db)
        .await?;
    let ids: Vec<i32> = translated.iter().map(|t| t.article_id).collect();
    let articles = by_ids(db, &ids, vis).await?;
    for t in translated {
        if let Some(a) = articles.iter().find(|a| a.id == t.article_id) {
            pages.push(SourcePage {
                source_path: t.source_path,
                lang: t.locale,
                path: t.path,
                article: a.clone(),
            });
        }
    }
    Ok(pages)
}

/// An article by id, public or not (an editor's answer shows drafts too).
pub async fn any_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<Full>, DbErr> {
    article::Entity::find_by_id(id).into_model::<Full>().one(db).await
}

/// Articles `vis` sees, by id, in no particular order: one statement.
pub async fn by_ids(db: &DatabaseConnection, ids: &[i32], vis: Visibility) -> Result<Vec<Full>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    article::Entity::find()
        .filter(vis.condition())
        .filter(article::Column::Id.is_in(ids.iter().copied()))
        .into_model::<Full>()
        .all(db)
        .await
}

/// Which of an article's columns a page reads, fewest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Columns {
    /// Only what a list's card shows ([`Card`]).
    Card,
    /// All but the large `body` and `front_matter` ([`Meta`]): a list that
    /// shows neither skips copying and decoding them.
    WithoutBody,
    /// Every column ([`Full`]).
    All,
}

/// The columns of an article's card: its ids, texts shown in a list, the
/// keys every order sorts and pages by, and what decides its visibility
/// and locale. sqlx copies every column of every row it reads, so a list
/// that shows no more reads no more.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Card {
    pub id: i32,
    /// The page's path in the site, e.g. `/news/rates/`.
    pub path: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub truncated: bool,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub publish_date: DateTime<Utc>,
    pub expiry_date: Option<DateTime<Utc>>,
    pub lang: String,
    pub draft: bool,
    pub weight: i32,
    /// Its section's folder (`blog/2020`, empty at the root).
    pub section: Option<String>,
}

impl Card {
    const COLUMNS: [article::Column; 14] = [
        article::Column::Id,
        article::Column::Path,
        article::Column::Slug,
        article::Column::Title,
        article::Column::Summary,
        article::Column::Truncated,
        article::Column::PublishedAt,
        article::Column::UpdatedAt,
        article::Column::PublishDate,
        article::Column::ExpiryDate,
        article::Column::Lang,
        article::Column::Draft,
        article::Column::Weight,
        article::Column::Section,
    ];
}

/// Every column a reader sees but the body and front matter: the card, and
/// the rest of the front matter Gazette models. Dereferences to its card.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Meta {
    #[sea_orm(nested)]
    pub card: Card,
    pub thumbnail: Option<String>,
    pub thumbnail_visibility: Option<serde_json::Value>,
    pub lead: Option<String>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    pub menu: serde_json::Value,
    pub comments: Option<bool>,
    pub authorbox: Option<bool>,
    pub pager: Option<bool>,
    pub toc: Option<bool>,
    pub mathjax: Option<bool>,
    pub sidebar: Option<String>,
    pub widgets: serde_json::Value,
    pub translations: serde_json::Value,
    pub aliases: serde_json::Value,
    pub keywords: serde_json::Value,
}

impl std::ops::Deref for Meta {
    type Target = Card;
    fn deref(&self) -> &Card {
        &self.card
    }
}

/// A whole article row as served: [`Meta`] plus the body, the front matter
/// and the file it came from. Dereferences to its [`Meta`].
#[derive(Debug, Clone, FromQueryResult)]
pub struct Full {
    #[sea_orm(nested)]
    pub meta: Meta,
    pub body: String,
    pub front_matter: serde_json::Value,
    pub source_path: String,
    /// Hugo's `_build.render` and `_build.list`.
    pub build_render: String,
    pub build_list: String,
}

impl std::ops::Deref for Full {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.meta
    }
}

/// One article of a page, with the columns its list read.
#[derive(Debug, Clone)]
pub enum PageRow {
    Card(Card),
    Meta(Meta),
    Full(Full),
}

impl PageRow {
    /// Its card, which every read holds.
    pub fn card(&self) -> &Card {
        match self {
            PageRow::Card(c) => c,
            PageRow::Meta(m) => &m.card,
            PageRow::Full(f) => &f.meta.card,
        }
    }
}

fn into_page<R>(page: Page<R>, row: impl Fn(R) -> PageRow) -> Page<PageRow> {
    Page {
        rows: page.rows.into_iter().map(row).collect(),
        has_previous: page.has_previous,
        has_next: page.has_next,
    }
}

/// One page of `scope` in `order`, reading `columns` of each article.
pub async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    order: Order,
    req: &PageRequest,
    vis: Visibility,
    columns: Columns,
) -> Result<Page<PageRow>, DbErr> {
    if let Some(t) = scope.through_links(db, vis, order) {
        return run_page(db, t.select, &t.sort, req, columns).await;
    }
    page_sorted(db, scope, &order.sort(), req, vis, columns).await
}

/// Where an article of page weight `weight` sorts among pages of one term
/// weight in Hugo's default page order (`page.DefaultPageSort`): weighted
/// pages first by weight, then unweighted ones.
const UNWEIGHTED: i64 = 0xFFFF_FFFF;

/// The group key of an article in a weighted term's list, ascending: its
/// term weight, then its page weight (0 last), packed in one integer.
fn term_group(term_weight: i32, page_weight: i32) -> i64 {
    let page = if page_weight == 0 {
        UNWEIGHTED
    } else {
        i64::from(page_weight) + (1 << 31)
    };
    i64::from(term_weight) * (1 << 32) + page
}

/// [`term_group`] in SQL for term `term_id` (see [`Sort::group`]),
/// negated in a descending list.
fn term_weight_group(term_id: i32, order: Order) -> sea_orm::sea_query::SimpleExpr {
    let sign = if order.desc { "-" } else { "" };
    Expr::cust(format!(
        "{sign}(COALESCE((SELECT \"article_term\".\"weight\" FROM \"article_term\" \
         WHERE \"article_term\".\"article_id\" = \"article\".\"id\" AND \"article_term\".\"term_id\" = {term_id}), 0) \
         * 4294967296 + CASE WHEN \"article\".\"weight\" = 0 THEN {UNWEIGHTED} ELSE \"article\".\"weight\" + 2147483648 END)"
    ))
}

/// A page of term `term_id`'s articles (`scope` holds them) in Hugo's order
/// of a term's pages: ascending `<taxonomy>_weight` first
/// (`WeightedPages.Less`, resources/page/weighted.go in hugo 0.111, where 0
/// is a weight like any other), then Hugo's default page order
/// (`DefaultPageSort`: page weight, unweighted last), then `order` (where
/// hugo breaks ties of one date by title and file, Gazette keeps `order`'s
/// ties by id). With each row's key, its group the two weights as
/// `term_group` packs them.
pub async fn page_by_term_weight(
    db: &DatabaseConnection,
    scope: &Scope,
    term_id: i32,
    order: Order,
    req: &PageRequest,
    vis: Visibility,
    columns: Columns,
) -> Result<(Page<PageRow>, Vec<Key>), DbErr> {
    let mut sort = order.sort();
    sort.group = Some(term_weight_group(term_id, order));
    let page = page_sorted(db, scope, &sort, req, vis, columns).await?;
    let ids: Vec<i32> = page.rows.iter().map(|r| r.card().id).collect();
    let weights: std::collections::HashMap<i32, i32> = if ids.is_empty() {
        Default::default()
    } else {
        entity::article_term::Entity::find()
            .select_only()
            .column(entity::article_term::Column::ArticleId)
            .column(entity::article_term::Column::Weight)
            .filter(entity::article_term::Column::TermId.eq(term_id))
            .filter(entity::article_term::Column::ArticleId.is_in(ids))
            .into_tuple::<(i32, i32)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let keys = page
        .rows
        .iter()
        .map(|r| {
            let card = r.card();
            let g = term_group(weights.get(&card.id).copied().unwrap_or(0), card.weight);
            Key {
                group: Some(if order.desc { -g } else { g }),
                ..order.key_of(card)
            }
        })
        .collect();
    Ok((page, keys))
}

async fn page_sorted(
    db: &DatabaseConnection,
    scope: &Scope,
    sort: &Sort,
    req: &PageRequest,
    vis: Visibility,
    columns: Columns,
) -> Result<Page<PageRow>, DbErr> {
    run_page(db, scope.select(db, vis), sort, req, columns).await
}

/// One page of `select` in `sort`, reading `columns` of each article.
async fn run_page(
    db: &DatabaseConnection,
    select: Select<article::Entity>,
    sort: &Sort,
    req: &PageRequest,
    columns: Columns,
) -> Result<Page<PageRow>, DbErr> {
    Ok(match columns {
        Columns::All => into_page(fetch(db, select, sort, req).await?, PageRow::Full),
        Columns::WithoutBody => into_page(fetch(db, without_body(select), sort, req).await?, PageRow::Meta),
        Columns::Card => {
            let select = select.select_only().columns(Card::COLUMNS);
            into_page(fetch(db, select, sort, req).await?, PageRow::Card)
        }
    })
}

/// `select` reading [`Meta`]'s columns: all but the body, the front matter
/// and the bookkeeping ones.
fn without_body(select: Select<article::Entity>) -> Select<article::Entity> {
    use article::Column as C;
    let kept = C::iter().filter(|c| !matches!(c, C::Body | C::FrontMatter | C::SourcePath | C::ContentHash));
    select.select_only().columns(kept)
}

/// How many articles `scope` holds: a whole term's from its counter, else
/// ids only, through the driving term's link index when there is one.
pub async fn count(db: &DatabaseConnection, scope: &Scope, vis: Visibility) -> Result<u64, DbErr> {
    let select = match scope.through_links(db, vis, Order::default()) {
        Some(ThroughLinks {
            counted: Some(stmt), ..
        }) => {
            let n: i64 = match db.query_one(&stmt).await? {
                Some(r) => r.try_get("", "n")?,
                None => 0,
            };
            return Ok(u64::try_from(n).unwrap_or(0));
        }
        Some(ThroughLinks {
            count_links: Some(stmt),
            ..
        }) => {
            let n: i64 = match db.query_one(&stmt).await? {
                Some(r) => r.try_get_by_index(0)?,
                None => 0,
            };
            return Ok(u64::try_from(n).unwrap_or(0));
        }
        Some(t) => t.select,
        None => scope.select(db, vis),
    };
    select.select_only().column(article::Column::Id).count(db).await
}

/// A term and how many articles of a list carry it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct TermCount {
    pub id: i32,
    pub slug: String,
    pub name: String,
    /// See [`TermRow::weighted_term`](super::terms::TermRow::weighted_term).
    pub weighted_term: Option<i32>,
    pub count: i64,
}

/// The most used tags (or categories) among the articles of `scope`, most first.
pub async fn term_facets(
    db: &DatabaseConnection,
    scope: &Scope,
    taxonomy: Taxonomy,
    limit: u64,
    vis: Visibility,
) -> Result<Vec<TermCount>, DbErr> {
    if *scope == Scope::default() {
        if let Some(stmt) = counted_facets(taxonomy, limit, vis) {
            let rows = db.query_all(&stmt).await?;
            return rows.iter().map(|r| TermCount::from_query_result(r, "")).collect();
        }
    }
    let (t, j) = (taxonomy.table(), taxonomy.join_table());
    let ids = scope
        .select(db, vis)
        .select_only()
        .column(article::Column::Id)
        .into_query();
    let stmt = Query::select()
        .columns([(t, "id"), (t, "slug"), (t, "name")])
        .expr_as(super::terms::weighted_term(taxonomy), "weighted_term")
        .expr_as(Func::count(Expr::col((j, "article_id"))), "count")
        .from(j)
        .inner_join(t, Expr::col((t, "id")).equals((j, taxonomy.term_column())))
        .and_where(Expr::col((j, "article_id")).in_subquery(ids))
        .group_by_columns([(t, "id"), (t, "slug"), (t, "name")])
        .order_by_expr(Expr::cust("count"), SqlOrder::Desc)
        .order_by((t, "slug"), SqlOrder::Asc)
        .limit(limit)
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter().map(|r| TermCount::from_query_result(r, "")).collect()
}

/// [`term_facets`] of the whole list (no filter, no term), read from each
/// term's counter as its `articleCount` is (`terms::counted`): the same
/// counts, at the cost of the term rows instead of every link of the
/// corpus (over 10 s for the tags of 1,000,000 articles). `None` in a
/// preview, which the counters do not describe.
fn counted_facets(taxonomy: Taxonomy, limit: u64, vis: Visibility) -> Option<SelectStatement> {
    let t = taxonomy.table();
    let mut counts = super::terms::counted(taxonomy, vis, Condition::all())?;
    counts
        .columns([(t, "slug"), (t, "name")])
        .expr_as(super::terms::weighted_term(taxonomy), "weighted_term");
    let c = sea_orm::sea_query::Alias::new("c");
    let col = |name: &'static str| Expr::col((c.clone(), sea_orm::sea_query::Alias::new(name)));
    Some(
        Query::select()
            .expr_as(col("term_id"), "id")
            .expr_as(col("slug"), "slug")
            .expr_as(col("name"), "name")
            .expr_as(col("weighted_term"), "weighted_term")
            .expr_as(col("n"), "count")
            .from_subquery(counts, c.clone())
            // A facet lists the terms the list's articles carry.
            .and_where(col("n").gt(0))
            .order_by_expr(col("n"), SqlOrder::Desc)
            .order_by_expr(col("slug"), SqlOrder::Asc)
            .limit(limit)
            .to_owned(),
    )
}

/// A locale and how many articles are available in it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct LocaleCount {
    pub locale: String,
    pub count: i64,
}

/// Locales the articles of `scope` are available in, most articles first.
pub async fn locale_facets(db: &DatabaseConnection, scope: &Scope, vis: Visibility) -> Result<Vec<LocaleCount>, DbErr> {
    let ids = scope
        .select(db, vis)
        .select_only()
        .column(article::Column::Id)
        .into_query();
    let stmt = Query::select()
        .column("locale")
        .expr_as(Func::count(Expr::col("article_id")), "count")
        .from("article_locale")
        .and_where(Expr::col("article_id").in_subquery(ids))
        .group_by_col("locale")
        .order_by_expr(Expr::cust("count"), SqlOrder::Desc)
        .order_by("locale", SqlOrder::Asc)
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter().map(|r| LocaleCount::from_query_result(r, "")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_draft_is_a_draft_first_and_an_expired_article_stays_expired() {
        let now = at("2026-06-01T00:00:00Z");
        let (past, future) = (at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
        assert_eq!(Status::of(false, past, None, now), Status::Published);
        assert_eq!(Status::of(false, past, Some(future), now), Status::Published);
        assert_eq!(
            Status::of(false, now, None, now),
            Status::Published,
            "publishDate is inclusive"
        );
        assert_eq!(Status::of(false, future, None, now), Status::Scheduled);
        assert_eq!(
            Status::of(false, past, Some(now), now),
            Status::Expired,
            "expiryDate is exclusive"
        );
        assert_eq!(Status::of(false, future, Some(past), now), Status::Expired);
        assert_eq!(Status::of(true, past, None, now), Status::Draft);
        assert_eq!(Status::of(true, future, Some(past), now), Status::Draft);
    }

    #[test]
    fn a_preview_judges_only_the_build_options_in_sql() {
        let now = at("2026-06-01T00:00:00Z");
        let (sql, values) = Visibility::preview(now).listed_sql();
        assert_eq!((sql, values.len()), ("a.build_list = 'always'".to_owned(), 0));
        let (sql, values) = Visibility::public(now).listed_sql();
        assert_eq!(sql.matches('?').count(), values.len());
    }
}
