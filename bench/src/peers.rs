//! Peers measured in the same run (`--peers`), on the PostgreSQL database
//! Gazette serves: PostGraphile 5 (`bench/peers/postgraphile/`, installed
//! with `npm ci` on first use) for shapes 1, 2 and 4. Before any load, each
//! peer shape's answer is checked equal to Gazette's: the same articles in
//! the same order with the same title, summary, instant, tags and
//! categories, the same hasNextPage and, where asked, totalCount.
//! seaography, the other peer, is in `seaography.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::load;
use crate::server::{self, Process};
use crate::shapes::Params;

/// The peer's folder in the workspace.
pub fn postgraphile_dir(workspace: &Path) -> PathBuf {
    workspace.join("bench/peers/postgraphile")
}

/// `npm ci` when the pinned packages are not installed yet. An error says
/// why the peer is skipped.
pub fn install_postgraphile(dir: &Path) -> Result<String> {
    let node = dir.join("node_modules/.bin/node");
    if !node.is_file() {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .output()
            .context("running npm ci (is npm installed?)")?;
        ensure!(
            out.status.success(),
            "npm ci failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        );
    }
    let v = Command::new(&node).arg("--version").output()?;
    let pkg: Value = serde_json::from_slice(&std::fs::read(dir.join("node_modules/postgraphile/package.json"))?)?;
    Ok(format!(
        "postgraphile {} on Node {}",
        pkg["version"].as_str().unwrap_or("?"),
        String::from_utf8_lossy(&v.stdout).trim()
    ))
}

/// Starts PostGraphile with `workers` processes (10 connections in all, as Gazette's pool).
pub async fn start_postgraphile(
    dir: &Path,
    database_url: &str,
    workers: usize,
    log: &Path,
    client: &reqwest::Client,
) -> Result<Process> {
    let port = server::free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(dir.join("node_modules/.bin/node"));
    cmd.current_dir(dir)
        .arg("serve.mjs")
        .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
        .args(["--database-url", database_url, "--workers", &workers.to_string()])
        // The tag + range shape filters through the article_tag relation.
        .env("PGL_FILTER_RELATIONS", "1")
        .env("PGL_POOL_MAX", (10 / workers.max(1)).max(1).to_string());
    let mut p = Process::spawn("postgraphile", cmd, &addr, log)?;
    let url = format!("{}/graphql", p.base_url);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        p.ensure_running()?;
        let probe = load::post(client, &url, br#"{"query":"{ __typename }"}"#.to_vec()).await;
        if probe.is_ok() {
            return Ok(p);
        }
        if Instant::now() > deadline {
            bail!("postgraphile not answering after 60 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const VISIBLE: &str = "filter: {draft: {equalTo: false}, publishDate: {lessThanOrEqualTo: $now}, \
    or: [{expiryDate: {isNull: true}}, {expiryDate: {greaterThan: $now}}] __MORE__}";
const NODE: &str = "id slug title summary publishedAt \
    tags: articleTagsByArticleId(orderBy: POSITION_ASC) { nodes { tag: tagByTagId { slug name } } } \
    categories: articleCategoriesByArticleId(orderBy: POSITION_ASC) { nodes { category: categoryByCategoryId { slug name } } }";
const ORDER: &str = "orderBy: [PUBLISHED_AT_DESC, ROW_ID_DESC]";

fn filter(more: &str) -> String {
    VISIBLE.replace("__MORE__", more)
}

/// PostGraphile's equivalent of shape 1.
pub fn shape1() -> Vec<u8> {
    let q = format!(
        "query Shape1($now: Datetime!) {{ articles: allArticles(first: 20, {ORDER}, {}) {{ \
         edges {{ node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
        filter("")
    );
    body(&q, json!({ "now": "now" }))
}

/// Shape 2: the tag through the link table, the range, and totalCount.
pub fn shape2(p: &Params) -> Vec<u8> {
    let q = format!(
        "query Shape2($now: Datetime!, $tag: String!, $gte: Datetime!, $lt: Datetime!) {{ \
         articles: allArticles(first: 20, {ORDER}, {}) {{ totalCount \
         edges {{ node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
        filter(
            ", publishedAt: {greaterThanOrEqualTo: $gte, lessThan: $lt}, \
             articleTagsByArticleId: {some: {tagByTagId: {slug: {equalTo: $tag}}}}"
        )
    );
    body(
        &q,
        json!({ "now": "now", "tag": p.popular_tag, "gte": p.range.0, "lt": p.range.1 }),
    )
}

/// Shape 4: the last page, after the peer's own cursor of the 21st article from the end.
pub fn shape4(after: &str) -> Vec<u8> {
    let q = format!(
        "query Shape4($now: Datetime!, $after: Cursor!) {{ articles: allArticles(first: 20, after: $after, {ORDER}, {}) {{ \
         edges {{ node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
        filter("")
    );
    body(&q, json!({ "now": "now", "after": after }))
}

/// The peer's cursor after which exactly the last page follows.
pub async fn last_page_cursor(client: &reqwest::Client, url: &str) -> Result<String> {
    let q = format!(
        "query SetupLast($now: Datetime!) {{ articles: allArticles(last: 21, {ORDER}, {}) {{ edges {{ cursor }} }} }}",
        filter("")
    );
    let bytes = load::post(client, url, body(&q, json!({ "now": "now" }))).await?;
    let v = load::check_body("postgraphile last page cursor", &bytes)?;
    let edges = v["data"]["articles"]["edges"]
        .as_array()
        .context("postgraphile: no edges")?;
    ensure!(edges.len() == 21, "postgraphile: last 21 gave {} edges", edges.len());
    edges[0]["cursor"]
        .as_str()
        .map(str::to_owned)
        .context("postgraphile: edge without cursor")
}

fn body(query: &str, variables: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "query": query, "variables": variables })).unwrap_or_default()
}

/// One article as both servers show it, for comparison.
#[derive(Debug, PartialEq)]
pub struct Item {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub at: Option<DateTime<Utc>>,
    pub tags: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
}

fn pairs(v: &Value, wrapper: Option<&str>) -> Vec<(String, String)> {
    let list = match wrapper {
        None => v.as_array().cloned().unwrap_or_default(),
        Some(key) => v["nodes"]
            .as_array()
            .map(|n| n.iter().map(|x| x[key].clone()).collect())
            .unwrap_or_default(),
    };
    list.iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap_or_default().to_owned(),
                t["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The articles of a connection; `peer` reads the tags and categories through
/// the link rows' `nodes` (PostGraphile's and seaography's shape).
pub fn items(connection: &Value, peer: bool) -> Vec<Item> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| {
                    let n = &e["node"];
                    Item {
                        slug: n["slug"].as_str().unwrap_or_default().to_owned(),
                        title: n["title"].as_str().unwrap_or_default().to_owned(),
                        summary: n["summary"].as_str().unwrap_or_default().to_owned(),
                        at: n["publishedAt"]
                            .as_str()
                            // seaography writes chrono's Display form, `2026-11-30 12:00:00 +00:00`.
                            .and_then(|s| {
                                DateTime::parse_from_rfc3339(s)
                                    .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f %:z"))
                                    .ok()
                            })
                            .map(|t| t.with_timezone(&Utc)),
                        tags: pairs(&n["tags"], peer.then_some("tag")),
                        categories: pairs(&n["categories"], peer.then_some("category")),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Fails unless the peer's connection shows what Gazette's does.
pub fn same_answer(shape: &str, gazette: &Value, peer: &Value) -> Result<()> {
    let g = &gazette["data"]["articles"];
    let p = &peer["data"]["articles"];
    let (gi, pi) = (items(g, false), items(p, true));
    ensure!(gi.len() == 20, "{shape}: Gazette gave {} edges", gi.len());
    if let Some((i, (a, b))) = gi.iter().zip(&pi).enumerate().find(|(_, (a, b))| a != b) {
        bail!("{shape}: article {i} differs:\n gazette {a:?}\n peer    {b:?}");
    }
    ensure!(
        gi.len() == pi.len(),
        "{shape}: {} edges against the peer's {}",
        gi.len(),
        pi.len()
    );
    ensure!(
        g["pageInfo"]["hasNextPage"] == p["pageInfo"]["hasNextPage"],
        "{shape}: hasNextPage differs"
    );
    ensure!(g["totalCount"] == p["totalCount"], "{shape}: totalCount differs");
    Ok(())
}
