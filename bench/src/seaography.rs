//! seaography, the second peer of `--peers`, on shape 1 only (issue #14).
//!
//! seaography serves no database by itself: its CLI writes a Rust project
//! from SeaORM entities, so the bench installs two pinned CLIs with `cargo
//! install --locked` under `target/bench/peers/seaography-cli/`, has
//! `sea-orm-cli generate entity --seaography` read the entities of the
//! tables shape 1 touches from the live PostgreSQL database, has
//! `seaography-cli` write the server project around them (axum: its actix
//! template binds 127.0.0.1:8000 whatever the environment says, axum's
//! takes `URL`), and builds that project in release. The generated code is
//! used as written; its pool is SeaORM's default, sqlx's 10 connections,
//! the same as Gazette's.
//!
//! What seaography 2.0.0-rc.9 cannot say of shape 1, and how the check
//! handles it:
//! - `orderBy` is applied in the entity's column order, not the input's, and
//!   `id` is the table's first column, so `{publishedAt: DESC, id: DESC}`
//!   would sort by id first. The query orders by `publishedAt` alone: the
//!   order among articles of the same instant is the database's, and the
//!   check compares such a run of equal instants as a set (sorted by slug on
//!   both sides), in order everywhere else.
//! - cursor pagination replaces the order with the primary key's, so the page
//!   is asked with offset pagination (offset 0, limit 20), which costs
//!   seaography a `COUNT(*)` for `hasNextPage`; cursors are not compared.
//! - there is no `now()`: the visibility filter compares `publishDate` and
//!   `expiryDate` with a literal instant, the one `run_peers` fixes before
//!   the check and keeps for the whole load.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::load;
use crate::peers::{self, Item};
use crate::server::{self, Process};

/// The newest seaography on crates.io, the version issue #14 measured.
pub const SEAOGRAPHY_CLI: &str = "2.0.0-rc.9";
/// The sea-orm-cli whose codegen matches the SeaORM Gazette builds with.
pub const SEA_ORM_CLI: &str = "2.0.4";
/// The generated crate; cargo names its binary the same.
const CRATE: &str = "seaography-gazette";
/// The tables shape 1 reads; the other tables are not generated (less to
/// build, and none of their columns can then break the generation).
const TABLES: &str = "article,article_tag,tag,article_category,category";

/// The installed and built peer.
pub struct Seaography {
    pub binary: PathBuf,
    pub app_dir: PathBuf,
    /// For the report: the versions actually used.
    pub version: String,
}

/// Installs both CLIs when missing, generates the project from the database
/// at `database_url` and builds it. An error says why the peer is skipped.
///
/// The project is generated on every run (the URL, a fresh port each time,
/// is written into its `.env`, and the schema follows the migrations), into a
/// scratch folder; only files whose bytes changed are copied into the built
/// project, so an unchanged schema costs no rebuild.
pub fn install(bench_dir: &Path, database_url: &str) -> Result<Seaography> {
    let peers_dir = bench_dir.join("peers");
    let root = peers_dir.join("seaography-cli");
    // Its own target dir: a CARGO_TARGET_DIR inherited from the caller must
    // not receive the tools' or the peer's artefacts.
    let target = peers_dir.join("seaography-target");
    let cli = root.join("bin/seaography-cli");
    let orm = root.join("bin/sea-orm-cli");
    for (krate, version, bin) in [
        ("seaography-cli", SEAOGRAPHY_CLI, &cli),
        ("sea-orm-cli", SEA_ORM_CLI, &orm),
    ] {
        if bin.is_file() {
            continue;
        }
        eprintln!("   cargo install {krate}@{version}");
        let mut c = cargo();
        c.args(["install", "--locked", "--root"])
            .arg(&root)
            .arg(format!("{krate}@{version}"))
            .env("CARGO_TARGET_DIR", &target);
        run(c, &format!("cargo install {krate}@{version}"))?;
        ensure!(bin.is_file(), "cargo install {krate} left no {}", bin.display());
    }

    let scratch = peers_dir.join("seaography-gen");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    let entities = scratch.join("src/entities");
    std::fs::create_dir_all(&entities)?;
    eprintln!("   sea-orm-cli generate entity --seaography --tables {TABLES}");
    let mut c = Command::new(&orm);
    c.args(["generate", "entity", "--seaography", "--tables", TABLES, "-o"])
        .arg(&entities)
        .args(["-u", database_url]);
    run(c, "sea-orm-cli generate entity")?;
    eprintln!("   seaography-cli (axum)");
    let mut c = Command::new(&cli);
    c.arg("-o")
        .arg(&scratch)
        .arg("-e")
        .arg(&entities)
        .args(["-u", database_url, "-f", "axum", CRATE]);
    run(c, "seaography-cli")?;
    ensure!(
        scratch.join("src/main.rs").is_file(),
        "seaography-cli wrote no src/main.rs in {}",
        scratch.display()
    );

    let app_dir = peers_dir.join("seaography-app");
    sync(&scratch, &app_dir)?;
    eprintln!("   cargo build --release ({})", app_dir.display());
    let mut c = cargo();
    c.args(["build", "--release", "--manifest-path"])
        .arg(app_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target);
    run(c, "building the generated seaography project")?;
    let binary = target.join("release").join(CRATE);
    ensure!(binary.is_file(), "{} was not built", binary.display());

    let lock = std::fs::read_to_string(app_dir.join("Cargo.lock")).unwrap_or_default();
    let locked = |name: &str| locked_version(&lock, name).unwrap_or_else(|| "?".into());
    Ok(Seaography {
        version: format!(
            "seaography {} (seaography-cli {SEAOGRAPHY_CLI}, axum template; sea-orm {}, entities by sea-orm-cli {SEA_ORM_CLI})",
            locked("seaography"),
            locked("sea-orm"),
        ),
        binary,
        app_dir,
    })
}

/// The version of package `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == format!("name = \"{name}\"") {
            let v = lines.next()?;
            return Some(v.strip_prefix("version = ")?.trim_matches('"').to_owned());
        }
    }
    None
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // The bench may run under `cargo run`: its own package's variables must not leak into another build.
    c.env_remove("CARGO_MANIFEST_DIR").env_remove("RUSTFLAGS");
    c
}

/// Runs `cmd`; its output is kept for the error only.
fn run(mut cmd: Command, what: &str) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        bail!(
            "{what} failed ({}):\n{}",
            out.status,
            lines[lines.len().saturating_sub(15)..].join("\n")
        );
    }
    Ok(())
}

/// Makes `to` hold `from`'s files: copies those whose bytes differ, removes
/// those `from` lacks (leaving `Cargo.lock`, which the build writes).
fn sync(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            sync(&src, &dst)?;
        } else {
            let bytes = std::fs::read(&src)?;
            if std::fs::read(&dst).ok().as_deref() != Some(&bytes[..]) {
                std::fs::write(&dst, &bytes)?;
            }
        }
    }
    for entry in std::fs::read_dir(to)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "Cargo.lock" || from.join(&name).exists() {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Starts the generated server on a free loopback port and waits until it answers GraphQL.
pub async fn start(peer: &Seaography, database_url: &str, log: &Path, client: &reqwest::Client) -> Result<Process> {
    let addr = format!("127.0.0.1:{}", server::free_port()?);
    let mut cmd = Command::new(&peer.binary);
    cmd.current_dir(&peer.app_dir)
        .env("URL", &addr)
        .env("DATABASE_URL", database_url)
        .env("ENDPOINT", "/");
    let mut p = Process::spawn("seaography", cmd, &addr, log)?;
    let url = format!("{}/", p.base_url);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        p.ensure_running()?;
        if load::post(client, &url, br#"{"query":"{ __typename }"}"#.to_vec())
            .await
            .is_ok()
        {
            return Ok(p);
        }
        if Instant::now() > deadline {
            bail!("seaography not answering after 60 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The instant as seaography parses a timestamptz filter value (`%Y-%m-%d %H:%M:%S %:z`).
pub fn instant(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d %H:%M:%S +00:00").to_string()
}

/// seaography's shape 1: Gazette's visibility (draft, publish and expiry
/// dates against `now`, build_list = 'always'), newest first, 20 articles
/// with their tags and categories through the link tables in `position` order.
pub fn shape1(now: &str) -> Vec<u8> {
    let q = "query Shape1($now: String!) { articles: article(\
        filters: {draft: {eq: false}, buildList: {eq: \"always\"}, publishDate: {lte: $now}, \
        or: [{expiryDate: {is_null: true}}, {expiryDate: {gt: $now}}]}, \
        orderBy: {publishedAt: DESC}, pagination: {offset: {limit: 20, offset: 0}}) { \
        edges { node { id slug title summary publishedAt \
        tags: articleTag(orderBy: {position: ASC}) { nodes { tag { slug name } } } \
        categories: articleCategory(orderBy: {position: ASC}) { nodes { category { slug name } } } } } \
        pageInfo { hasNextPage endCursor } } }";
    let body = json!({ "query": q, "variables": { "now": now }, "operationName": "Shape1" });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// What the check found: `ties` articles were compared within a run of equal instants.
pub struct Checked {
    pub ties: usize,
}

/// Fails unless seaography's page shows what Gazette's shape 1 does: the
/// same 20 articles with the same slug, title, summary, instant, tags and
/// categories (both in link order), in Gazette's order except within a run
/// of equal instants (see the module's doc), and the same hasNextPage.
pub fn same_answer(gazette: &Value, peer: &Value) -> Result<Checked> {
    let g = &gazette["data"]["articles"];
    let p = &peer["data"]["articles"];
    let (mut gi, mut pi) = (peers::items(g, false), peers::items(p, true));
    ensure!(gi.len() == 20, "seaography check: Gazette gave {} edges", gi.len());
    ensure!(
        gi.len() == pi.len(),
        "seaography check: {} edges against seaography's {}",
        gi.len(),
        pi.len()
    );
    // The instants, position by position, must be the same: only the order
    // within a run of equal instants is left to the sort below.
    if let Some((i, (a, b))) = gi.iter().zip(&pi).enumerate().find(|(_, (a, b))| a.at != b.at) {
        bail!("seaography check: article {i} differs in its instant:\n gazette    {a:?}\n seaography {b:?}");
    }
    let ties = gi
        .iter()
        .enumerate()
        .filter(|(i, a)| gi.iter().enumerate().any(|(j, b)| j != *i && b.at == a.at))
        .count();
    for list in [&mut gi, &mut pi] {
        // Newest first, then by slug: a total order both sides share whatever the tie-break.
        list.sort_by(|a: &Item, b: &Item| b.at.cmp(&a.at).then_with(|| a.slug.cmp(&b.slug)));
    }
    if let Some((i, (a, b))) = gi.iter().zip(&pi).enumerate().find(|(_, (a, b))| a != b) {
        bail!("seaography check: article {i} differs:\n gazette    {a:?}\n seaography {b:?}");
    }
    ensure!(
        g["pageInfo"]["hasNextPage"] == p["pageInfo"]["hasNextPage"],
        "seaography check: hasNextPage differs ({} vs {})",
        g["pageInfo"]["hasNextPage"],
        p["pageInfo"]["hasNextPage"]
    );
    Ok(Checked { ties })
}
