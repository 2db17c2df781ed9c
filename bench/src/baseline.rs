//! The baselines, run as their own process (`gazette-bench baseline …`): a minimal
//! actix-web server with `POST /static` (Gazette's shape-1 response, pre-serialised)
//! and `POST /raw` (shape 1 by hand-written SQL on the same SQLite file); and the
//! bench's side: starting that process and checking it answers as Gazette does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::{ensure, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};

use crate::server::{self, Process};
use crate::{load, shapes};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The SQLite file Gazette serves.
    #[arg(long)]
    pub database: PathBuf,
    #[arg(long)]
    pub bind: String,
    /// Body served by `POST /static`.
    #[arg(long)]
    pub static_body: PathBuf,
    /// The list name inside Gazette's cursors (`articles:published_at_desc`), so
    /// `/raw` gives the same endCursor.
    #[arg(long)]
    pub cursor_list: String,
    /// Pool size; Gazette's default is 10.
    #[arg(long, default_value_t = 10)]
    pub max_connections: u32,
}

const PAGE: usize = 20;

/// Shape 1's visibility rule and order, as Gazette applies them (src/query/articles.rs).
/// The limit (one extra row tells hasNextPage) is written in, not bound: SQLite
/// re-plans a statement whose bound `LIMIT ?` is bound again, and Gazette's
/// connections turn that off (`db::plan_once`), so the baseline must not pay it either.
fn page_sql() -> String {
    format!(
        "SELECT id, slug, title, summary, published_at FROM article \
         WHERE draft = ? AND publish_date <= ? AND (expiry_date IS NULL OR expiry_date > ?) \
         ORDER BY published_at DESC, id DESC LIMIT {}",
        PAGE + 1
    )
}

struct State {
    pool: SqlitePool,
    static_body: web::Bytes,
    cursor_list: String,
    page_sql: Arc<str>,
    /// `… IN (?, ?, …)` statements for 1..=PAGE ids, built once so each request
    /// reuses the same text (and so sqlx's prepared-statement cache).
    tags_sql: Vec<Arc<str>>,
    categories_sql: Vec<Arc<str>>,
}

fn terms_sql(join: &str, term: &str, fk: &str, n: usize) -> Arc<str> {
    let marks = vec!["?"; n].join(", ");
    format!(
        "SELECT j.article_id, t.slug, t.name FROM {join} j JOIN {term} t ON t.id = j.{fk} \
         WHERE j.article_id IN ({marks}) ORDER BY j.article_id, j.position"
    )
    .into()
}

pub fn serve(args: Args) -> Result<()> {
    let static_body =
        std::fs::read(&args.static_body).with_context(|| format!("reading {}", args.static_body.display()))?;
    actix_web::rt::System::new().block_on(async move {
        let options = SqliteConnectOptions::new().filename(&args.database).read_only(true);
        // No ping before each acquire, as Gazette's SQLite pool: the
        // setting is not what the ratio compares.
        let pool = SqlitePoolOptions::new()
            .max_connections(args.max_connections)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| format!("opening {}", args.database.display()))?;
        let state = web::Data::new(State {
            pool,
            static_body: web::Bytes::from(static_body),
            cursor_list: args.cursor_list.clone(),
            page_sql: page_sql().into(),
            tags_sql: (1..=PAGE)
                .map(|n| terms_sql("article_tag", "tag", "tag_id", n))
                .collect(),
            categories_sql: (1..=PAGE)
                .map(|n| terms_sql("article_category", "category", "category_id", n))
                .collect(),
        });
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/static", web::post().to(static_page))
                .route("/raw", web::post().to(raw_page))
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

async fn raw_page(state: web::Data<State>, _body: web::Bytes) -> HttpResponse {
    match first_page(&state).await {
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
    edges: Vec<Edge>,
    page_info: PageInfo,
}

#[derive(Serialize)]
struct Articles {
    articles: Connection,
}

#[derive(Serialize)]
struct Response {
    data: Articles,
}

/// Shape 1 in three statements: the page (one extra row tells hasNextPage),
/// then its tags and its categories with `IN (…)`, in link order.
async fn first_page(state: &State) -> Result<Vec<u8>> {
    // Stored as RFC 3339 text with +00:00, which compares as text in time order.
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, false);
    let rows = sqlx::query(AssertSqlSafe(state.page_sql.clone()))
        .bind(false)
        .bind(&now)
        .bind(&now)
        .fetch_all(&state.pool)
        .await?;
    let has_next_page = rows.len() > PAGE;
    let mut nodes = Vec::with_capacity(PAGE);
    let mut cursor_key = None;
    for row in rows.iter().take(PAGE) {
        let id: i64 = row.try_get("id")?;
        let published_at: String = row.try_get("published_at")?;
        cursor_key = Some((id, published_at.clone()));
        nodes.push(Node {
            id: URL_SAFE_NO_PAD.encode(format!("Article:{id}")),
            slug: row.try_get("slug")?,
            title: row.try_get("title")?,
            summary: row.try_get("summary")?,
            published_at,
            tags: Vec::new(),
            categories: Vec::new(),
        });
    }
    let ids: Vec<i64> = rows
        .iter()
        .take(PAGE)
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    if !ids.is_empty() {
        let mut tags = terms(state, &state.tags_sql[ids.len() - 1], &ids).await?;
        let mut categories = terms(state, &state.categories_sql[ids.len() - 1], &ids).await?;
        for (node, id) in nodes.iter_mut().zip(&ids) {
            node.tags = tags.remove(id).unwrap_or_default();
            node.categories = categories.remove(id).unwrap_or_default();
        }
    }
    let end_cursor = match cursor_key {
        Some((id, published_at)) => Some(cursor(&state.cursor_list, id, &published_at)?),
        None => None,
    };
    let response = Response {
        data: Articles {
            articles: Connection {
                edges: nodes.into_iter().map(|node| Edge { node }).collect(),
                page_info: PageInfo {
                    has_next_page,
                    end_cursor,
                },
            },
        },
    };
    Ok(serde_json::to_vec(&response)?)
}

/// Each article's terms in link order (rows come ordered by article, then position).
async fn terms(state: &State, sql: &Arc<str>, ids: &[i64]) -> Result<HashMap<i64, Vec<Term>>> {
    let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
    for id in ids {
        q = q.bind(*id);
    }
    let mut out: HashMap<i64, Vec<Term>> = HashMap::with_capacity(ids.len());
    for r in q.fetch_all(&state.pool).await? {
        out.entry(r.try_get("article_id")?).or_default().push(Term {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
        });
    }
    Ok(out)
}

/// Gazette's cursor: `{list}#{id}|t{microseconds}` in URL-safe base64 (src/graphql/pagination.rs).
fn cursor(list: &str, id: i64, published_at: &str) -> Result<String> {
    let t = DateTime::parse_from_rfc3339(published_at)
        .with_context(|| format!("published_at {published_at:?} is not RFC 3339"))?;
    Ok(URL_SAFE_NO_PAD.encode(format!("{list}#{id}|t{}", t.timestamp_micros())))
}

// The bench's side: starting the baseline process and checking it answers as Gazette does.

/// The list name inside Gazette's shape-1 endCursor (`base64(list#key)`), for the raw baseline.
pub fn cursor_list(shape1: &Value) -> Result<String> {
    let cursor = shape1["data"]["articles"]["pageInfo"]["endCursor"]
        .as_str()
        .context("shape 1 has no endCursor")?;
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor)?)?;
    let (list, _) = text.split_once('#').context("endCursor is not list#key")?;
    Ok(list.to_owned())
}

/// Starts `gazette-bench baseline` (this binary again) and waits until it is ready.
pub async fn start(
    exe: &Path,
    db: &Path,
    static_body: &Path,
    cursor_list: &str,
    log: &Path,
    client: &reqwest::Client,
) -> Result<Process> {
    let addr = format!("127.0.0.1:{}", server::free_port()?);
    let mut cmd = Command::new(exe);
    cmd.arg("baseline")
        .arg("--database")
        .arg(db)
        .args(["--bind", &addr, "--cursor-list", cursor_list])
        .arg("--static-body")
        .arg(static_body);
    let mut p = Process::spawn("baseline server", cmd, &addr, log)?;
    p.wait_ready(client, Duration::from_secs(30)).await?;
    Ok(p)
}

/// Checked in every build (not a `debug_assert!`: the bench runs in release): the
/// baselines must answer what Gazette answers, or the ratios compare different work.
pub async fn verify(client: &reqwest::Client, baseline: &Process, shape1: &[u8], shape1_json: &Value) -> Result<()> {
    let request = shapes::FIRST_PAGE.body(json!({}));
    let stat = load::post(client, &format!("{}/static", baseline.base_url), request.clone()).await?;
    ensure!(stat == shape1, "/static does not serve Gazette's bytes");

    let raw = load::post(client, &format!("{}/raw", baseline.base_url), request).await?;
    let raw = load::check_body("raw baseline", &raw)?;
    let (g, r) = (&shape1_json["data"], &raw["data"]);
    ensure!(
        skeleton(g) == skeleton(r),
        "raw baseline's JSON structure differs:\n gazette {}\n raw     {}",
        skeleton(g),
        skeleton(r)
    );
    let titles = |v: &Value| -> Vec<String> {
        v["articles"]["edges"]
            .as_array()
            .map(|e| e.iter().map(|e| e["node"]["title"].to_string()).collect())
            .unwrap_or_default()
    };
    ensure!(
        titles(g).len() == titles(r).len(),
        "raw baseline: different number of edges"
    );
    ensure!(titles(g) == titles(r), "raw baseline: different titles or order");
    if g != r {
        // Same structure and titles but other values: worth a look, not worth stopping for.
        eprintln!("   warning: the raw baseline's data differs from Gazette's in some value");
    } else {
        eprintln!("   raw baseline answers exactly Gazette's data; /static serves Gazette's bytes");
    }
    Ok(())
}

/// A value's key structure: objects keep their keys, arrays their first element's skeleton, leaves their type.
fn skeleton(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), skeleton(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(skeleton).into_iter().collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => "null".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_matches_gazettes() {
        // An endCursor Gazette gave for shape 1 over a generated corpus.
        let c = cursor("articles:published_at_desc", 1880, "2025-12-26T21:55:52+00:00");
        assert_eq!(
            c.ok().as_deref(),
            Some("YXJ0aWNsZXM6cHVibGlzaGVkX2F0X2Rlc2MjMTg4MHx0MTc2Njc4NjE1MjAwMDAwMA")
        );
    }
}
