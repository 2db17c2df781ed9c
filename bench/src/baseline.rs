//! The baselines, run as their own process (`gazette-bench baseline …`): a minimal
//! actix-web server with `POST /static` (Gazette's shape-1 response, pre-serialised)
//! and `POST /raw/{operation}` (a list shape by hand-written SQL on the same
//! database, SQLite or PostgreSQL); and the bench's side: starting that process
//! and checking each raw answer equals Gazette's.
//!
//! Raw shapes: 1 (front page), 2 (tag + date range + totalCount), 4 (the last
//! page through a cursor), 6 and 6b (a tag page, first and last, with
//! totalCount). Each is the best SQL found for its answer on each engine, in
//! as few statements as the answer allows: the page (one extra row tells
//! hasNextPage), its tags and categories in one `UNION ALL`, and the count
//! where the shape asks for one (plus the tag's id and name for 6 and 6b).
//! Shapes 2, 6 and 6b read the tag's link rows, whose copies of each
//! article's date and visibility (Gazette's migration 20) let the count skip
//! `article` altogether.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::{bail, ensure, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};

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

/// The shapes `/raw` answers.
pub const RAW_SHAPES: [shapes::Shape; 5] = [
    shapes::FIRST_PAGE,
    shapes::TAG_RANGE,
    shapes::LAST_PAGE,
    shapes::TAG_PAGE,
    shapes::TAG_LAST_PAGE,
];

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
        let state = web::Data::new(State {
            pool,
            backend,
            static_body: web::Bytes::from(static_body),
            cursor_lists,
        });
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/static", web::post().to(static_page))
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

/// The GraphQL request body, parsed as Gazette must parse it; only the variables are used.
#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    variables: Variables,
}

#[derive(Deserialize, Default)]
struct Variables {
    tag: Option<String>,
    gte: Option<DateTime<Utc>>,
    lt: Option<DateTime<Utc>>,
    after: Option<String>,
}

async fn raw(state: web::Data<State>, operation: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let answer = async {
        let req: Request = serde_json::from_slice(&body)?;
        let v = req.variables;
        let list = state
            .cursor_lists
            .get(operation.as_str())
            .with_context(|| format!("no cursor list for {operation}"))?;
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
            other => bail!("no raw baseline for {other}"),
        }
    };
    match answer.await {
        Ok(body) => HttpResponse::Ok().content_type("application/json").body(body),
        Err(e) => HttpResponse::InternalServerError().body(format!("{e:#}")),
    }
}

#[derive(Serialize)]
struct Term {
    slug: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Node {
    id: String,
    slug: String,
    title: String,
    summary: String,
    published_at: String,
    tags: Vec<Term>,
    categories: Vec<Term>,
}

#[derive(Serialize)]
struct Edge {
    node: Node,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    #[serde(skip_serializing_if = "Option::is_none")]
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
        (
            format!(
                "{alias}.draft = ? AND {alias}.publish_date <= ? \
                 AND ({alias}.expiry_date IS NULL OR {alias}.expiry_date > ?) AND {alias}.build_list = 'always'"
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

/// Shapes 6 and 6b: a tag's name, its articles' first page (or the page after
/// a cursor) and their count, from the tag's link rows.
async fn tag_page(state: &State, list: &str, slug: &str, after: Option<&str>) -> Result<Vec<u8>> {
    let tag_sql = state.sql("SELECT id, name FROM tag WHERE slug = ?");
    let tags = fetch!(&state.pool, &tag_sql, &[Arg::Text(slug.to_owned())], |r| Ok((
        r.int("id")?,
        r.text("name")?
    )));
    let Some((tag_id, name)) = tags.into_iter().next() else {
        return Ok(serde_json::to_vec(&Response {
            data: TagData { tag: None },
        })?);
    };
    let (vis, mut args) = state.visible("j", Utc::now());
    args.insert(0, Arg::Int(tag_id));
    let cond = format!("j.tag_id = ? AND {vis}");
    let count_sql = state.sql(&format!("SELECT count(*) AS n FROM article_tag j WHERE {cond}"));
    let total = fetch!(&state.pool, &count_sql, &args, |r| r.int("n")).first().copied();
    let mut page_cond = cond;
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
    let connection = connection(state, list, cards, total).await?;
    Ok(serde_json::to_vec(&Response {
        data: TagData {
            tag: Some(TagNode {
                name,
                articles: connection,
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
        .map(|c| Edge {
            node: Node {
                id: URL_SAFE_NO_PAD.encode(format!("Article:{}", c.id)),
                tags: terms.remove(&(false, c.id)).unwrap_or_default(),
                categories: terms.remove(&(true, c.id)).unwrap_or_default(),
                slug: c.slug,
                title: c.title,
                summary: c.summary,
                published_at: c.published_at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
            },
        })
        .collect();
    Ok(Connection {
        total_count: total,
        edges,
        page_info: PageInfo {
            has_next_page,
            end_cursor,
        },
    })
}

/// Gazette's cursor: `{list}#{id}|t{microseconds}` in URL-safe base64 (src/graphql/pagination.rs).
fn cursor(list: &str, id: i64, published_at: DateTime<Utc>) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}#{id}|t{}", published_at.timestamp_micros()))
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

/// The connection inside a raw shape's `data`.
pub fn connection_of<'a>(operation: &str, data: &'a Value) -> &'a Value {
    match operation {
        "Shape6" | "Shape6b" => &data["tag"]["articles"],
        _ => &data["articles"],
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
