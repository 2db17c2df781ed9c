//! The baselines, run as their own process (`gazette-bench baseline …`): a minimal
//! actix-web server with `POST /static` (Gazette's shape-1 response, pre-serialised),
//! `POST /graphql-floor` (that response through async-graphql alone, see
//! [`crate::graphql_floor`]) and `POST /raw/{operation}` (a list shape by hand-written SQL on the same
//! database, SQLite or PostgreSQL); and the bench's side: starting that process
//! and checking each raw answer equals Gazette's.
//!
//! Raw shapes: every shape of the bench. 1 (front page), 2 (tag + date range +
//! totalCount), 4 (the last page through a cursor), 6 and 6b (a tag page,
//! first and last, with totalCount): the page (one extra row tells
//! hasNextPage), its tags and categories in one `UNION ALL`, and the count
//! where the shape asks for one (plus the tag's id and name for 6 and 6b).
//! Shapes 2, 6 and 6b read the tag's link rows, whose copies of each
//! article's date and visibility (Gazette's migration 20) let the list skip
//! `article` until the page is known; 6 and 6b count from the tag's counter
//! (migration 23's `listed_links`) less its links hidden right now, as the
//! best SQL on this schema would. 3 (search): the ranked window of matching
//! versions in one statement, the page's articles in the version that
//! matched in a second. 5 (article page): the article, then its
//! translations and related list in one `UNION ALL`; 5b without related.
//! The parts of 3 and 5 that are not SQL (the snippet, the HTML body, the
//! table of contents, the cursor's key) are computed with Gazette's own
//! functions from the library, so the baseline does the same work outside
//! the database and only the GraphQL layer and the ORM are left out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::{bail, ensure, Context, Result};
use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};

use gazette::graphql::id::Kind;

use crate::graphql_floor;
use crate::server::{self, Process};
use crate::{load, shapes};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The database Gazette serves (`sqlite://…` or `postgres://…`).
    #[arg(long)]
    pub database_url: String,
    #[arg(long)]
    pub bind: String,
    /// Body served by `POST /static`.
    #[arg(long)]
    pub static_body: PathBuf,
    /// `Operation=list` pairs: the list name inside Gazette's cursors for each
    /// raw shape (`Shape1=articles:published_at_desc`), so `/raw` gives the same endCursor.
    #[arg(long, value_delimiter = ',')]
    pub cursor_lists: Vec<String>,
    /// Pool size; Gazette's default is 10.
    #[arg(long, default_value_t = 10)]
    pub max_connections: u32,
}

const PAGE: usize = 20;

/// The shapes `/raw` answers: all of them.
pub const RAW_SHAPES: [shapes::Shape; 8] = shapes::ALL;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A bound value; instants are text on SQLite (as sea-orm stores them: RFC
/// 3339 with `+00:00`, which compares as text in time order) and timestamptz on PostgreSQL.
#[derive(Clone)]
enum Arg {
    Bool(bool),
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// One article row of a page.
struct Card {
    id: i64,
    slug: String,
    title: String,
    summary: String,
    published_at: DateTime<Utc>,
}

/// Runs a statement and maps each row with `$map` (an expression over `r`,
/// the same for both engines since the column types are read through `get_*`).
macro_rules! fetch {
    ($pool:expr, $sql:expr, $args:expr, |$r:ident| $map:expr) => {{
        match $pool {
            Pool::Sqlite(p) => {
                let mut q = sqlx::query(AssertSqlSafe($sql.to_owned()));
                for a in $args {
                    q = match a {
                        Arg::Bool(b) => q.bind(*b),
                        Arg::Int(i) => q.bind(*i),
                        Arg::Text(s) => q.bind(s.clone()),
                        Arg::Time(t) => q.bind(t.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
                    };
                }
                let rows = q.fetch_all(p).await?;
                rows.iter()
                    .map(|$r| -> Result<_> {
                        let $r = Either::Sqlite($r);
                        $map
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            Pool::Postgres(p) => {
                let mut q = sqlx::query(AssertSqlSafe($sql.to_owned()));
                for a in $args {
                    q = match a {
                        Arg::Bool(b) => q.bind(*b),
                        Arg::Int(i) => q.bind(i32::try_from(*i)?),
                        Arg::Text(s) => q.bind(s.clone()),
                        Arg::Time(t) => q.bind(*t),
                    };
                }
                let rows = q.fetch_all(p).await?;
                rows.iter()
                    .map(|$r| -> Result<_> {
                        let $r = Either::Postgres($r);
                        $map
                    })
                    .collect::<Result<Vec<_>>>()?
            }
        }
    }};
}

enum Either<'a> {
    Sqlite(&'a sqlx::sqlite::SqliteRow),
    Postgres(&'a sqlx::postgres::PgRow),
}

impl Either<'_> {
    fn int(&self, col: &str) -> Result<i64> {
        Ok(match self {
            Either::Sqlite(r) => r.try_get::<i64, _>(col)?,
            // int4 ids, bigint counts.
            Either::Postgres(r) => match r.try_get::<i32, _>(col) {
                Ok(v) => i64::from(v),
                Err(_) => r.try_get::<i64, _>(col)?,
            },
        })
    }
    fn float(&self, col: &str) -> Result<f64> {
        Ok(match self {
            Either::Sqlite(r) => r.try_get(col)?,
            Either::Postgres(r) => r.try_get(col)?,
        })
    }
    fn text(&self, col: &str) -> Result<String> {
        Ok(match self {
            Either::Sqlite(r) => r.try_get(col)?,
            Either::Postgres(r) => r.try_get(col)?,
        })
    }
    fn time(&self, col: &str) -> Result<DateTime<Utc>> {
        Ok(match self {
            Either::Sqlite(r) => {
                let s: String = r.try_get(col)?;
                DateTime::parse_from_rfc3339(&s)
                    .with_context(|| format!("{col} {s:?} is not RFC 3339"))?
                    .with_timezone(&Utc)
            }
            Either::Postgres(r) => r.try_get(col)?,
        })
    }
    fn card(&self) -> Result<Card> {
        Ok(Card {
            id: self.int("id")?,
            slug: self.text("slug")?,
            title: self.text("title")?,
            summary: self.text("summary")?,
            published_at: self.time("published_at")?,
        })
    }
}

struct State {
    pool: Pool,
    backend: Backend,
    static_body: web::Bytes,
    cursor_lists: HashMap<String, String>,
    floor: graphql_floor::FloorSchema,
}

pub fn serve(args: Args) -> Result<()> {
    let static_body =
        std::fs::read(&args.static_body).with_context(|| format!("reading {}", args.static_body.display()))?;
    let cursor_lists = args
        .cursor_lists
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("--cursor-lists: {p:?} is not Operation=list"))
        })
        .collect::<Result<HashMap<_, _>>>()?;
    actix_web::rt::System::new().block_on(async move {
        // No ping before each acquire on SQLite, as Gazette's SQLite pool; on
        // PostgreSQL sqlx's default (a ping), as Gazette's PostgreSQL pool.
        let (pool, backend) = if let Some(file) = args.database_url.strip_prefix("sqlite://") {
            let file = file.split('?').next().unwrap_or(file);
            let options = SqliteConnectOptions::new().filename(file).read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(args.max_connections)
                .test_before_acquire(false)
                // Search ranks with Gazette's bm25 function, which lives per connection.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        let mut handle = conn.lock_handle().await?;
                        let raw = handle.as_raw_handle().as_ptr();
                        // SAFETY: the locked handle is this open connection, ours alone while locked.
                        unsafe { gazette::search::rank::register(raw) }
                            .map_err(|e| sqlx::Error::Configuration(e.to_string().into()))?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .with_context(|| format!("opening {file}"))?;
            (Pool::Sqlite(pool), Backend::Sqlite)
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(args.max_connections)
                .connect(&args.database_url)
                .await
                .with_context(|| format!("connecting to {}", args.database_url))?;
            (Pool::Postgres(pool), Backend::Postgres)
        };
        let floor = graphql_floor::schema(&static_body)?;
        let state = web::Data::new(State {
            pool,
            backend,
            floor,
            static_body: web::Bytes::from(static_body),
            cursor_lists,
        });
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/static", web::post().to(static_page))
                .route("/graphql-floor", web::post().to(graphql_only))
                .route("/raw/{operation}", web::post().to(raw))
                .route("/readyz", web::get().to(HttpResponse::Ok))
        })
        .bind(&args.bind)
        .with_context(|| format!("binding {}", args.bind))?
        .run()
        .await?;
        Ok(())
    })
}

/// Takes the body as Gazette does (it must be read off the connection either way).
async fn static_page(state: web::Data<State>, _body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.static_body.clone())
}

/// Shape 1 through async-graphql alone (see [`graphql_floor`]).
async fn graphql_only(state: web::Data<State>, body: web::Bytes) -> HttpResponse {
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return HttpResponse::BadRequest().body(e.to_string()),
    };
    let response = state.floor.execute(request).await;
    match serde_json::to_vec(&response) {
        Ok(bytes) => HttpResponse::Ok().content_type("application/json").body(bytes),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// The GraphQL request body, parsed as Gazette must parse it; only the variables are used.
#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    variables: Variables,
}

#[derive(Deserialize, Default)]
struct Variables {
    tag: Option<String>,
    q: Option<String>,
    slug: Option<String>,
    gte: Option<DateTime<Utc>>,
    lt: Option<DateTime<Utc>>,
    after: Option<String>,
}

async fn raw(state: web::Data<State>, operation: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let answer = async {
        let req: Request = serde_json::from_slice(&body)?;
        let v = req.variables;
        // The article page has no connection, so no cursor list.
        let list = match state.cursor_lists.get(operation.as_str()) {
            Some(list) => list.as_str(),
            None if operation.starts_with("Shape5") => "",
            None => bail!("no cursor list for {operation}"),
        };
        match operation.as_str() {
            "Shape1" => articles(&state, list).await,
            "Shape2" => {
                let (Some(tag), Some(gte), Some(lt)) = (v.tag, v.gte, v.lt) else {
                    bail!("Shape2 needs tag, gte and lt");
                };
                tag_range(&state, list, &tag, gte, lt).await
            }
            "Shape4" => {
                let after = v.after.context("Shape4 needs after")?;
                articles_after(&state, list, &after).await
            }
            "Shape6" | "Shape6b" => {
                let tag = v.tag.context("tag page needs tag")?;
                tag_page(&state, list, &tag, v.after.as_deref()).await
            }
            "Shape3" => search(&state, list, &v.q.context("Shape3 needs q")?).await,
            "Shape5" | "Shape5b" => {
                let slug = v.slug.context("the article page needs slug")?;
                article_page(&state, &slug, operation.as_str() == "Shape5").await
            }
            other => bail!("no raw baseline for {other}"),
        }
    };
    match answer.await {
        Ok(body) => HttpResponse::Ok().content_type("application/json").body(body),
        Err(e) => HttpResponse::InternalServerError().body(format!("{e:#}")),
    }
}

// The list shapes' answer, as Gazette's schema names it: serialised by the
// raw handlers, and read back into the GraphQL-only baseline's schema
// (`graphql_floor`), so both answer with the same types.
#[derive(Serialize, Deserialize, SimpleObject)]
pub(crate) struct Term {
    slug: String,
    name: String,
}

#[derive(Serialize, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Node {
    id: String,
    slug: String,
    title: String,
    summary: String,
    published_at: String,
    tags: Vec<Term>,
    categories: Vec<Term>,
}

#[derive(Serialize, Deserialize, SimpleObject)]
pub(crate) struct Edge {
    node: Node,
}

#[derive(Serialize, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Serialize, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    total_count: Option<i64>,
    edges: Vec<Edge>,
    page_info: PageInfo,
}

#[derive(Serialize)]
struct ArticlesData {
    articles: Connection,
}

#[derive(Serialize)]
struct TagData {
    tag: Option<TagNode>,
}

#[derive(Serialize)]
struct TagNode {
    name: String,
    articles: Connection,
}

#[derive(Serialize)]
struct Response<T> {
    data: T,
}

impl State {
    /// `?` on SQLite, `$n` on PostgreSQL: numbers the placeholders of `sql` written with `?`.
    fn sql(&self, sql: &str) -> String {
        match self.backend {
            Backend::Sqlite => sql.to_owned(),
            Backend::Postgres => {
                let mut out = String::with_capacity(sql.len() + 8);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    /// Gazette's public-and-listed rule (src/query/articles.rs) on `alias`:
    /// an article, or a link row's copies of its columns.
    fn visible(&self, alias: &str, now: DateTime<Utc>) -> (String, Vec<Arg>) {
        let (public, args) = self.public(alias, now);
        (format!("{public} AND {alias}.build_list = 'always'"), args)
    }

    /// Gazette's public rule, listed or not: what `article(slug:)` shows.
    fn public(&self, alias: &str, now: DateTime<Utc>) -> (String, Vec<Arg>) {
        (
            format!(
                "{alias}.draft = ? AND {alias}.publish_date <= ? \
                 AND ({alias}.expiry_date IS NULL OR {alias}.expiry_date > ?)"
            ),
            vec![Arg::Bool(false), Arg::Time(now), Arg::Time(now)],
        )
    }
}

const CARD: &str = "a.id, a.slug, a.title, a.summary, a.published_at";
/// The limit is written in, not bound: SQLite re-plans a statement whose bound
/// `LIMIT ?` is bound again, and Gazette's connections turn that off.
const ORDER_LIMIT: &str = "ORDER BY a.published_at DESC, a.id DESC LIMIT 21";
/// The same order on a link row's copies, which its index holds.
const LINK_ORDER_LIMIT: &str = "ORDER BY j.published_at DESC, j.article_id DESC LIMIT 21";

/// Shape 1: the list's first page.
async fn articles(state: &State, list: &str) -> Result<Vec<u8>> {
    let (vis, args) = state.visible("a", Utc::now());
    let page_sql = state.sql(&format!("SELECT {CARD} FROM article a WHERE {vis} {ORDER_LIMIT}"));
    let cards = fetch!(&state.pool, &page_sql, &args, |r| r.card());
    let connection = connection(state, list, cards, None).await?;
    Ok(serde_json::to_vec(&Response {
        data: ArticlesData { articles: connection },
    })?)
}

/// Shape 2: one tag's articles in a date range, counted. Read from the
/// tag's link rows, which carry copies of each article's date and
/// visibility (Gazette's migration 20): the count never touches `article`.
async fn tag_range(state: &State, list: &str, tag: &str, gte: DateTime<Utc>, lt: DateTime<Utc>) -> Result<Vec<u8>> {
    let (vis, mut args) = state.visible("j", Utc::now());
    let cond = format!(
        "j.tag_id = (SELECT id FROM tag WHERE slug = ?) AND {vis} AND j.published_at >= ? AND j.published_at < ?"
    );
    args.insert(0, Arg::Text(tag.to_owned()));
    args.push(Arg::Time(gte));
    args.push(Arg::Time(lt));
    let page_sql = state.sql(&format!(
        "SELECT {CARD} FROM article_tag j JOIN article a ON a.id = j.article_id WHERE {cond} {LINK_ORDER_LIMIT}"
    ));
    let cards = fetch!(&state.pool, &page_sql, &args, |r| r.card());
    let count_sql = state.sql(&format!("SELECT count(*) AS n FROM article_tag j WHERE {cond}"));
    let total = fetch!(&state.pool, &count_sql, &args, |r| r.int("n")).first().copied();
    let connection = connection(state, list, cards, total).await?;
    Ok(serde_json::to_vec(&Response {
        data: ArticlesData { articles: connection },
    })?)
}

/// Shape 4: the page after a cursor of the default list.
async fn articles_after(state: &State, list: &str, after: &str) -> Result<Vec<u8>> {
    let (id, at) = decode_cursor(list, after)?;
    let (vis, mut args) = state.visible("a", Utc::now());
    // Row comparison: both engines walk the list index from the key.
    let sql = state.sql(&format!(
        "SELECT {CARD} FROM article a WHERE {vis} AND (a.published_at, a.id) < (?, ?) {ORDER_LIMIT}"
    ));
    args.push(Arg::Time(at));
    args.push(Arg::Int(id));
    let cards = fetch!(&state.pool, &sql, &args, |r| r.card());
    let connection = connection(state, list, cards, None).await?;
    Ok(serde_json::to_vec(&Response {
        data: ArticlesData { articles: connection },
    })?)
}

/// Shapes 6 and 6b: a tag's name and its articles' count in one statement
/// (the counter less the links the instant hides, as Gazette counts: two
/// small index ranges, never the tag's 40,000 links), then the first page
/// (or the page after a cursor) from the tag's link rows.
async fn tag_page(state: &State, list: &str, slug: &str, after: Option<&str>) -> Result<Vec<u8>> {
    let now = Utc::now();
    let hidden = |part: &str| {
        format!(
            "(SELECT count(l.article_id) FROM article_tag l WHERE l.tag_id = t.id AND {part} \
             AND l.draft = ? AND l.build_list = 'always' AND (l.publish_date > ? OR l.expiry_date <= ?))"
        )
    };
    let tag_sql = state.sql(&format!(
        "SELECT t.id, t.name, t.listed_links - {} - {} AS n FROM tag t WHERE t.slug = ?",
        hidden("l.published_at > ?"),
        hidden(&format!(
            "{TIMED_LINKS} AND (l.published_at IS NULL OR l.published_at <= ?)"
        ))
    ));
    let hidden_args = [Arg::Bool(false), Arg::Time(now), Arg::Time(now)];
    let mut tag_args = vec![Arg::Time(now)];
    tag_args.extend(hidden_args.iter().cloned());
    tag_args.push(Arg::Time(now));
    tag_args.extend(hidden_args.iter().cloned());
    tag_args.push(Arg::Text(slug.to_owned()));
    let tags = fetch!(&state.pool, &tag_sql, &tag_args, |r| Ok((
        r.int("id")?,
        r.text("name")?,
        r.int("n")?
    )));
    let Some((tag_id, name, total)) = tags.into_iter().next() else {
        return Ok(serde_json::to_vec(&Response {
            data: TagData { tag: None },
        })?);
    };
    let (vis, mut args) = state.visible("j", now);
    args.insert(0, Arg::Int(tag_id));
    let mut page_cond = format!("j.tag_id = ? AND {vis}");
    if let Some(after) = after {
        let (id, at) = decode_cursor(list, after)?;
        page_cond.push_str(" AND (j.published_at, j.article_id) < (?, ?)");
        args.push(Arg::Time(at));
        args.push(Arg::Int(id));
    }
    let page_sql = state.sql(&format!(
        "SELECT {CARD} FROM article_tag j JOIN article a ON a.id = j.article_id WHERE {page_cond} {LINK_ORDER_LIMIT}"
    ));
    let cards = fetch!(&state.pool, &page_sql, &args, |r| r.card());
    let connection = connection(state, list, cards, Some(total)).await?;
    Ok(serde_json::to_vec(&Response {
        data: TagData {
            tag: Some(TagNode {
                name,
                articles: connection,
            }),
        },
    })?)
}

/// Migration 23's partial index condition on the link alias `l`, verbatim
/// but for the alias (SQLite matches an index's condition as written).
const TIMED_LINKS: &str = "(l.publish_date > l.published_at OR l.published_at IS NULL OR l.expiry_date IS NOT NULL)";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HitNode {
    id: String,
    slug: String,
    title: String,
    published_at: String,
}

#[derive(Serialize)]
struct HitEdge {
    score: f64,
    snippet: Option<String>,
    node: HitNode,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchConnection {
    edges: Vec<HitEdge>,
    page_info: PageInfo,
}

#[derive(Serialize)]
struct SearchData {
    search: SearchConnection,
}

/// Gazette's ranking window (`query::search::RANK_WINDOW`): the newest matching versions a search ranks.
const RANK_WINDOW: u64 = gazette::query::search::RANK_WINDOW;

/// Shape 3: the newest [`RANK_WINDOW`] matching versions of visible
/// articles with their rank, in one statement (FTS5 with Gazette's bm25
/// function on SQLite, the tsvector's GIN index and ts_rank on PostgreSQL,
/// over Gazette's match expression of the query); each article's best
/// version, sorted and cut to the page here; then the page's articles in
/// the version that matched, in one statement.
async fn search(state: &State, list: &str, query: &str) -> Result<Vec<u8>> {
    use gazette::search::{matcher, snippet};
    let now = Utc::now();
    let (vis, vis_args) = state.visible("a", now);
    // Gazette's weights; a one-term query gives every row the same IDF, so
    // the document counts do not change the order (Gazette passes 0 too).
    let (sql, args) = match state.backend {
        Backend::Sqlite => {
            let expr = matcher::fts5(query).context("the query has no words")?;
            let phrases = matcher::phrase_words(query).len();
            let weights: Vec<String> = gazette::query::search::WEIGHTS
                .iter()
                .copied()
                .chain(std::iter::repeat_n(0.0, phrases))
                .map(|v| format!("{v:?}"))
                .collect();
            let sql = format!(
                "SELECT d.article_id, d.id AS doc, gazette_rank(article_search, {}) AS r \
                 FROM article_search JOIN search_document_by_id d ON d.id = article_search.rowid \
                 JOIN article_by_id a ON a.id = d.article_id \
                 WHERE article_search MATCH ? AND {vis} ORDER BY article_search.rowid DESC LIMIT {RANK_WINDOW}",
                weights.join(", ")
            );
            let mut args = vec![Arg::Text(expr)];
            args.extend(vis_args);
            (sql, args)
        }
        Backend::Postgres => {
            let expr = matcher::tsquery(query).context("the query has no words")?;
            let sql = state.sql(&format!(
                "SELECT h.article_id, h.doc, \
                 (-ts_rank('{{0.05, 0.2, 0.4, 1.0}}', h.search_tsv, to_tsquery('simple', ?)))::float8 AS r FROM ( \
                 SELECT d.article_id, d.id AS doc, d.search_tsv FROM search_document d JOIN article a ON a.id = d.article_id \
                 WHERE d.search_tsv @@ to_tsquery('simple', ?) AND {vis} ORDER BY d.id DESC LIMIT {RANK_WINDOW}) h"
            ));
            let mut args = vec![Arg::Text(expr.clone()), Arg::Text(expr)];
            args.extend(vis_args);
            (sql, args)
        }
    };
    let rows = fetch!(&state.pool, &sql, &args, |r| Ok((
        r.int("article_id")?,
        r.int("doc")?,
        r.float("r")?
    )));
    // Each article's best version (the first written on a tie), then
    // (rank, id) ascending: Gazette's order.
    let mut best: HashMap<i64, (f64, i64)> = HashMap::new();
    for (id, doc, rank) in rows {
        let e = best.entry(id).or_insert((rank, doc));
        if rank < e.0 || (rank == e.0 && doc < e.1) {
            *e = (rank, doc);
        }
    }
    let mut hits: Vec<(f64, i64, i64)> = best.iter().map(|(&id, &(rank, doc))| (rank, id, doc)).collect();
    hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let has_next_page = hits.len() > PAGE;
    hits.truncate(PAGE);

    // The page in the version that matched: a translation's title, date
    // and body when the best version is one.
    let marks = vec!["?"; hits.len().max(1)].join(", ");
    let page_sql = state.sql(&format!(
        "SELECT d.id AS doc, a.id, a.slug, COALESCE(t.title, a.title) AS title, \
         COALESCE(t.summary, a.summary) AS summary, COALESCE(t.body, a.body) AS body, \
         COALESCE(t.published_at, a.published_at) AS published_at \
         FROM search_document d JOIN article a ON a.id = d.article_id \
         LEFT JOIN translation t ON t.article_id = a.id AND t.locale = d.locale AND d.locale <> a.lang \
         WHERE d.id IN ({marks})"
    ));
    let docs: Vec<Arg> = hits.iter().map(|h| Arg::Int(h.2)).collect();
    let found = fetch!(&state.pool, &page_sql, &docs, |r| Ok((
        r.int("doc")?,
        (
            r.int("id")?,
            r.text("slug")?,
            r.text("title")?,
            r.text("summary")?,
            r.text("body")?,
            r.time("published_at")?
        )
    )));
    let mut found: HashMap<i64, _> = found.into_iter().collect();
    let words = matcher::highlight_words(query);
    let mut edges = Vec::with_capacity(hits.len());
    let mut end_cursor = None;
    for (rank, id, doc) in hits {
        let (_, slug, title, summary, body, at) = found.remove(&doc).context("a ranked version vanished")?;
        let text = gazette::text::markdown::to_text(&body);
        let snippet = [text, title.clone(), summary]
            .iter()
            .find_map(|t| snippet::best_passage(t, &words));
        let key = gazette::query::keyset::Key {
            value: gazette::query::keyset::SortValue::Float(rank),
            id: i32::try_from(id)?,
            group: None,
        };
        end_cursor = Some(gazette::graphql::pagination::encode(list, &key));
        edges.push(HitEdge {
            score: -rank,
            snippet,
            node: HitNode {
                id: global_id(Kind::Article, id)?,
                slug,
                title,
                published_at: at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
            },
        });
    }
    Ok(serde_json::to_vec(&Response {
        data: SearchData {
            search: SearchConnection {
                edges,
                page_info: PageInfo {
                    has_next_page,
                    end_cursor,
                },
            },
        },
    })?)
}

#[derive(Serialize)]
struct TocEntry {
    level: i64,
    text: String,
    anchor: String,
}

#[derive(Serialize)]
struct TranslationNode {
    id: String,
    locale: String,
    title: String,
}

#[derive(Serialize)]
struct RelatedNode {
    id: String,
    slug: String,
    title: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArticlePage {
    id: String,
    slug: String,
    title: String,
    published_at: String,
    body: String,
    table_of_contents: Vec<TocEntry>,
    translations: Vec<TranslationNode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related: Option<Vec<RelatedNode>>,
}

#[derive(Serialize)]
struct ArticleData {
    article: Option<ArticlePage>,
}

/// Gazette's rule for a related list (`query::relations::related`): terms
/// on more articles than this are left out, but an article's narrowest.
const RELATED_MAX: u64 = gazette::query::relations::RELATED_MAX_TERM_ARTICLES;

/// Shapes 5 and 5b: the visible article with the slug (the shortest path
/// first, as Gazette picks among sections), then in one statement its
/// translations and (shape 5) its five related articles: those sharing the
/// most tags and categories, each term sized by its counter and left out
/// above [`RELATED_MAX`] articles unless it is the article's narrowest,
/// newest first among equals. The body's HTML and headings are Gazette's
/// markdown functions (the corpus has no shortcodes or refs).
async fn article_page(state: &State, slug: &str, with_related: bool) -> Result<Vec<u8>> {
    let now = Utc::now();
    let (vis, mut args) = state.public("a", now);
    args.insert(0, Arg::Text(slug.to_owned()));
    let sql = state.sql(&format!(
        "SELECT a.id, a.slug, a.title, a.published_at, a.body FROM article a WHERE a.slug = ? AND {vis} \
         ORDER BY LENGTH(a.path), a.path LIMIT 1"
    ));
    let found = fetch!(&state.pool, &sql, &args, |r| Ok((
        r.int("id")?,
        r.text("slug")?,
        r.text("title")?,
        r.time("published_at")?,
        r.text("body")?
    )));
    let Some((id, slug, title, at, body)) = found.into_iter().next() else {
        return Ok(serde_json::to_vec(&Response {
            data: ArticleData { article: None },
        })?);
    };
    let translations_sql =
        "SELECT 0 AS kind, t.id, t.locale AS a, t.title AS b, 0 AS rn FROM translation t WHERE t.article_id = ?";
    let (listed, listed_args) = state.visible("v", now);
    let (sql, args) = if with_related {
        let sql = format!(
            "{translations_sql} UNION ALL \
             SELECT 1 AS kind, a.id, a.slug AS a, a.title AS b, x.rn FROM ( \
               SELECT l.article_id, ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, v.published_at DESC, v.id DESC) AS rn \
               FROM ( \
                 SELECT o.article_id FROM article_tag s JOIN tag n ON n.id = s.tag_id \
                 JOIN article_tag o ON o.tag_id = s.tag_id AND o.article_id <> s.article_id \
                 WHERE s.article_id = ? AND (n.listed_links <= ? OR n.listed_links = (SELECT MIN(m) FROM sizes)) \
                 UNION ALL \
                 SELECT o.article_id FROM article_category s JOIN category n ON n.id = s.category_id \
                 JOIN article_category o ON o.category_id = s.category_id AND o.article_id <> s.article_id \
                 WHERE s.article_id = ? AND (n.listed_links <= ? OR n.listed_links = (SELECT MIN(m) FROM sizes)) \
               ) l JOIN {} ON v.id = l.article_id \
               WHERE {} GROUP BY l.article_id, v.published_at, v.id \
             ) x JOIN article a ON a.id = x.article_id WHERE x.rn <= 5 \
             ORDER BY kind, rn, a",
            match state.backend {
                Backend::Sqlite => "article v INDEXED BY idx_article_id_visible",
                Backend::Postgres => "article v",
            },
            listed
        );
        // The article's term sizes, for its narrowest.
        let sizes = "WITH sizes(m) AS (SELECT n.listed_links FROM article_tag s JOIN tag n ON n.id = s.tag_id WHERE s.article_id = ? \
             UNION ALL SELECT n.listed_links FROM article_category s JOIN category n ON n.id = s.category_id WHERE s.article_id = ?) ";
        let max = i64::try_from(RELATED_MAX)?;
        let mut args = vec![
            Arg::Int(id),
            Arg::Int(id),
            Arg::Int(id),
            Arg::Int(id),
            Arg::Int(max),
            Arg::Int(id),
            Arg::Int(max),
        ];
        args.extend(listed_args);
        (state.sql(&format!("{sizes}{sql}")), args)
    } else {
        (
            state.sql(&format!("{translations_sql} ORDER BY kind, rn, a")),
            vec![Arg::Int(id)],
        )
    };
    let rows = fetch!(&state.pool, &sql, &args, |r| Ok((
        r.int("kind")?,
        r.int("id")?,
        r.text("a")?,
        r.text("b")?,
        r.int("rn")?
    )));
    let mut translations = Vec::new();
    let mut related: Vec<(i64, RelatedNode)> = Vec::new();
    for (kind, rid, a, b, rn) in rows {
        if kind == 0 {
            translations.push(TranslationNode {
                id: global_id(Kind::Translation, rid)?,
                locale: a,
                title: b,
            });
        } else {
            related.push((
                rn,
                RelatedNode {
                    id: global_id(Kind::Article, rid)?,
                    slug: a,
                    title: b,
                },
            ));
        }
    }
    related.sort_by_key(|r| r.0);
    let toc = gazette::text::markdown::headings(&body)
        .into_iter()
        .map(|h| TocEntry {
            level: i64::from(h.level),
            text: h.text,
            anchor: h.anchor,
        })
        .collect();
    Ok(serde_json::to_vec(&Response {
        data: ArticleData {
            article: Some(ArticlePage {
                id: global_id(Kind::Article, id)?,
                slug,
                title,
                published_at: at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
                body: gazette::text::markdown::to_html(&body),
                table_of_contents: toc,
                translations,
                related: with_related.then(|| related.into_iter().map(|r| r.1).collect()),
            }),
        },
    })?)
}

/// The page's edges with their tags and categories (one statement for both,
/// in link order) and its pageInfo.
async fn connection(state: &State, list: &str, cards: Vec<Card>, total: Option<i64>) -> Result<Connection> {
    let has_next_page = cards.len() > PAGE;
    let cards: Vec<Card> = cards.into_iter().take(PAGE).collect();
    let mut terms: HashMap<(bool, i64), Vec<Term>> = HashMap::new();
    if !cards.is_empty() {
        let marks = vec!["?"; cards.len()].join(", ");
        let sql = state.sql(&format!(
            "SELECT 0 AS kind, j.article_id, t.slug, t.name, j.position FROM article_tag j JOIN tag t ON t.id = j.tag_id \
             WHERE j.article_id IN ({marks}) \
             UNION ALL SELECT 1 AS kind, j.article_id, t.slug, t.name, j.position FROM article_category j \
             JOIN category t ON t.id = j.category_id WHERE j.article_id IN ({marks}) \
             ORDER BY kind, article_id, position"
        ));
        let ids: Vec<Arg> = cards.iter().map(|c| Arg::Int(c.id)).collect();
        let args: Vec<Arg> = ids.iter().chain(&ids).cloned().collect();
        let rows = fetch!(&state.pool, &sql, &args, |r| Ok((
            r.int("kind")? == 1,
            r.int("article_id")?,
            Term {
                slug: r.text("slug")?,
                name: r.text("name")?,
            }
        )));
        for (category, id, term) in rows {
            terms.entry((category, id)).or_default().push(term);
        }
    }
    let end_cursor = cards.last().map(|c| cursor(list, c.id, c.published_at));
    let edges = cards
        .into_iter()
        .map(|c| {
            Ok(Edge {
                node: Node {
                    id: global_id(Kind::Article, c.id)?,
                    tags: terms.remove(&(false, c.id)).unwrap_or_default(),
                    categories: terms.remove(&(true, c.id)).unwrap_or_default(),
                    slug: c.slug,
                    title: c.title,
                    summary: c.summary,
                    published_at: c.published_at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Connection {
        total_count: total,
        edges,
        page_info: PageInfo {
            has_next_page,
            end_cursor,
        },
    })
}

/// Gazette's cursor of a list ordered by instant (`graphql::pagination::encode`).
fn cursor(list: &str, id: i64, published_at: DateTime<Utc>) -> String {
    let key = gazette::query::keyset::Key {
        value: gazette::query::keyset::SortValue::Time(published_at),
        id: i32::try_from(id).unwrap_or(i32::MAX),
        group: None,
    };
    gazette::graphql::pagination::encode(list, &key)
}

/// Gazette's global ID of row `id` of `kind` (`graphql::id::encode`).
fn global_id(kind: Kind, id: i64) -> Result<String> {
    Ok(gazette::graphql::id::encode(kind, i32::try_from(id)?).0)
}

/// The id and instant of a cursor of `list`.
fn decode_cursor(list: &str, cursor: &str) -> Result<(i64, DateTime<Utc>)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor)?)?;
    let key = text
        .strip_prefix(list)
        .and_then(|k| k.strip_prefix('#'))
        .with_context(|| format!("cursor {text:?} is not of list {list}"))?;
    let (id, value) = key.split_once("|t").context("cursor key is not id|t…")?;
    let at = DateTime::from_timestamp_micros(value.parse()?).context("cursor instant out of range")?;
    Ok((id.parse()?, at))
}

// The bench's side: starting the baseline process and checking it answers as Gazette does.

/// The list name inside a connection's endCursor (`base64(list#key)`).
pub fn cursor_list(connection: &Value) -> Result<String> {
    let cursor = connection["pageInfo"]["endCursor"]
        .as_str()
        .context("connection has no endCursor")?;
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor)?)?;
    let (list, _) = text.split_once('#').context("endCursor is not list#key")?;
    Ok(list.to_owned())
}

/// The connection inside a raw shape's `data`; none on the article page.
pub fn connection_of<'a>(operation: &str, data: &'a Value) -> Option<&'a Value> {
    match operation {
        "Shape6" | "Shape6b" => Some(&data["tag"]["articles"]),
        "Shape3" => Some(&data["search"]),
        "Shape5" | "Shape5b" => None,
        _ => Some(&data["articles"]),
    }
}

/// Starts `gazette-bench baseline` (this binary again) and waits until it is ready.
pub async fn start(
    exe: &Path,
    database_url: &str,
    static_body: &Path,
    cursor_lists: &[(String, String)],
    log: &Path,
    client: &reqwest::Client,
) -> Result<Process> {
    let addr = format!("127.0.0.1:{}", server::free_port()?);
    let lists: Vec<String> = cursor_lists.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut cmd = Command::new(exe);
    cmd.arg("baseline")
        .args(["--database-url", database_url])
        .args(["--bind", &addr, "--cursor-lists", &lists.join(",")])
        .arg("--static-body")
        .arg(static_body);
    let mut p = Process::spawn("baseline server", cmd, &addr, log)?;
    p.wait_ready(client, Duration::from_secs(30)).await?;
    Ok(p)
}

/// Checked in every build (not a `debug_assert!`: the bench runs in release): a
/// raw shape must answer exactly what Gazette answers, or the ratio compares different work.
pub async fn verify(
    client: &reqwest::Client,
    url: &str,
    operation: &str,
    body: Vec<u8>,
    gazette: &Value,
) -> Result<()> {
    let raw = load::post(client, url, body).await?;
    let raw = load::check_body(&format!("raw baseline {operation}"), &raw)?;
    let (g, r) = (&gazette["data"], &raw["data"]);
    ensure!(
        g == r,
        "raw baseline {operation} differs from Gazette:\n gazette {}\n raw     {}",
        truncate(g),
        truncate(r)
    );
    Ok(())
}

/// `/static` must serve Gazette's shape-1 bytes.
pub async fn verify_static(client: &reqwest::Client, baseline: &Process, shape1: &[u8]) -> Result<()> {
    let request = shapes::FIRST_PAGE.body(json!({}));
    let stat = load::post(client, &format!("{}/static", baseline.base_url), request).await?;
    ensure!(stat == shape1, "/static does not serve Gazette's bytes");
    Ok(())
}

fn truncate(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(600) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_matches_gazettes() {
        // An endCursor Gazette gave for shape 1 over a generated corpus.
        let at = DateTime::parse_from_rfc3339("2025-12-26T21:55:52+00:00")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let c = at.map(|at| cursor("articles:published_at_desc", 1880, at));
        assert_eq!(
            c.as_deref(),
            Some("YXJ0aWNsZXM6cHVibGlzaGVkX2F0X2Rlc2MjMTg4MHx0MTc2Njc4NjE1MjAwMDAwMA")
        );
        let back = c
            .as_deref()
            .map(|c| decode_cursor("articles:published_at_desc", c).ok());
        assert_eq!(back, Some(Some((1880, at.unwrap_or_default()))));
    }
}
