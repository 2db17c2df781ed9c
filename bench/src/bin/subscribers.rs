//! `subscribers`: how many WebSocket subscribers one `gazette serve` carries.
//!
//! Builds and starts `gazette serve` (release, SQLite, the bundled content),
//! opens N graphql-transport-ws clients on loopback, all subscribed to one
//! `articlePublished` document (or, with `--filters F`, to F documents that
//! differ by their tag filter), creates E articles through `createArticle`
//! one after another, and reports whether every event reached every client,
//! the delivery delay (from the mutation's answer to each client's receipt)
//! and the server's RSS before and after the clients subscribed.
//!
//! `cargo run --release -p gazette-bench --bin subscribers -- --subscribers 10000 --events 5`

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "bench-admin-token";

#[derive(Debug, Parser)]
#[command(about = "Measure WebSocket subscription fan-out: delivery, delay and memory per subscriber")]
struct Cli {
    /// WebSocket clients, each with one subscription.
    #[arg(long, default_value_t = 10_000)]
    subscribers: usize,
    /// Articles created, one after another (each waits for the last to reach every client).
    #[arg(long, default_value_t = 5)]
    events: usize,
    /// Distinct subscription documents among the clients (by tag filter); 1: one document without a filter.
    #[arg(long, default_value_t = 1)]
    filters: usize,
    /// The gazette binary to serve with [default: built beside this one with cargo].
    #[arg(long)]
    gazette: Option<PathBuf>,
    /// Connections opened at once while connecting.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// The longest to wait for one event to reach every client, in seconds.
    #[arg(long, default_value_t = 30)]
    event_timeout: u64,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("subscribers: error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(2),
        Err(e) => {
            eprintln!("subscribers: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Raises the open-file limit to its hard limit (the server, a child, inherits it).
fn raise_fd_limit() -> Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            bail!("getrlimit: {}", std::io::Error::last_os_error());
        }
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            bail!("setrlimit: {}", std::io::Error::last_os_error());
        }
    }
    Ok(limit.rlim_cur)
}

/// The server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn rss_kib(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
        Ok(line
            .trim_start_matches("VmRSS:")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?)
    }
}

impl Server {
    /// Anonymous memory in transparent huge pages (`AnonHugePages`), if the kernel says.
    fn huge_pages_kib(&self) -> Option<u64> {
        let rollup = std::fs::read_to_string(format!("/proc/{}/smaps_rollup", self.child.id())).ok()?;
        rollup
            .lines()
            .find_map(|l| l.strip_prefix("AnonHugePages:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

fn build_gazette(workspace: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "gazette", "--bin", "gazette"])
        .current_dir(workspace)
        .status()
        .context("running cargo build")?;
    ensure!(status.success(), "building gazette failed ({status})");
    Ok(())
}

async fn start(gazette: &Path, content: &Path, dir: &Path, http: &reqwest::Client) -> Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("gazette.log"))?;
    let child = Command::new(gazette)
        .arg("--database-url")
        .arg(format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()))
        .args(["serve", "--bind", &addr, "--admin-token", TOKEN, "--content"])
        .arg(content)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting gazette")?;
    let mut server = Server { child, addr };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!("gazette exited ({status}); see {}", dir.join("gazette.log").display());
        }
        if let Ok(r) = http.get(format!("http://{}/readyz", server.addr)).send().await {
            if r.status().is_success() {
                return Ok(server);
            }
        }
        ensure!(Instant::now() < deadline, "gazette not ready after 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A value from `/metrics` (0 when absent).
async fn metric(http: &reqwest::Client, addr: &str, name: &str) -> Result<f64> {
    let text = http.get(format!("http://{addr}/metrics")).send().await?.text().await?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0))
}

fn document(filters: usize, i: usize) -> String {
    if filters <= 1 {
        "subscription { articlePublished { slug title publishedAt } }".to_owned()
    } else {
        format!(
            r#"subscription {{ articlePublished(filter: {{ tags: {{ any: ["bench-{}"] }} }}) {{ slug title publishedAt }} }}"#,
            i % filters
        )
    }
}

/// What the clients saw: per event, when each client received it.
struct Seen {
    /// Per event: how many clients have it.
    count: Vec<AtomicUsize>,
}

/// One client: connects, subscribes, then records when each event's `next` arrives.
async fn client(
    addr: String,
    query: String,
    events: usize,
    seen: Arc<Seen>,
    ready: Arc<AtomicUsize>,
    permit: tokio::sync::OwnedSemaphorePermit,
    mut done: tokio::sync::watch::Receiver<bool>,
) -> Result<Vec<Option<Instant>>> {
    let stream = TcpStream::connect(&addr).await?;
    stream.set_nodelay(true)?;
    let mut request = format!("ws://{addr}/graphql").into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await?;
    ws.send(Message::text(json!({ "type": "connection_init" }).to_string()))
        .await?;
    ws.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }).to_string(),
    ))
    .await?;
    ready.fetch_add(1, Ordering::Relaxed);
    // The next client may connect.
    drop(permit);
    let mut received = vec![None; events];
    while let Some(frame) = ws.next().await {
        let text = match frame? {
            Message::Text(text) => text,
            Message::Close(frame) => bail!("closed by the server: {frame:?}"),
            _ => continue,
        };
        let at = Instant::now();
        let Some(k) = event_number(&text)? else {
            continue;
        };
        if let Some(slot) = received.get_mut(k) {
            if slot.is_none() {
                *slot = Some(at);
                seen.count[k].fetch_add(1, Ordering::Relaxed);
            }
        }
        if received.iter().all(Option::is_some) {
            break;
        }
    }
    // Stay connected until every client has every event: the server closing
    // the first clients' sockets would otherwise slow the last deliveries.
    let _ = done.wait_for(|d| *d).await;
    Ok(received)
}

/// Which bench event a server message is (`None`: not a `next`). The
/// server's own framing is matched first, so 10,000 clients sharing this
/// process's two cores with the server do not each parse the whole JSON
/// (which would add to the delays measured); anything else is parsed.
fn event_number(text: &str) -> Result<Option<usize>> {
    const SLUG: &str = r#""slug":"bench-event-"#;
    if let (true, Some(at)) = (text.starts_with(r#"{"type":"next","#), text.find(SLUG)) {
        let digits: String = text[at + SLUG.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(k) = digits.parse() {
            return Ok(Some(k));
        }
    }
    let message: Value = serde_json::from_str(text)?;
    if message["type"] != "next" {
        return Ok(None);
    }
    let slug = message["payload"]["data"]["articlePublished"]["slug"]
        .as_str()
        .unwrap_or_default();
    match slug.strip_prefix("bench-event-").and_then(|k| k.parse::<usize>().ok()) {
        Some(k) => Ok(Some(k)),
        None => bail!("unexpected event: {text}"),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(cli: &Cli) -> Result<bool> {
    ensure!(
        cli.subscribers > 0 && cli.events > 0 && cli.filters > 0,
        "counts must be above 0"
    );
    let fds = raise_fd_limit()?;
    ensure!(
        fds as usize > cli.subscribers + 200,
        "the open-file limit is {fds}: too low for {} subscribers",
        cli.subscribers
    );
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("bench crate outside a workspace")?
        .to_owned();
    let gazette = match &cli.gazette {
        Some(path) => path.clone(),
        None => {
            build_gazette(&workspace)?;
            std::env::current_exe()?
                .parent()
                .context("no folder above this binary")?
                .join("gazette")
        }
    };
    let dir = std::env::temp_dir().join(format!("gazette-subscribers-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // reqwest is built without a TLS provider (Gazette's feature choice reaches it): install one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let server = start(&gazette, &workspace.join("content"), &dir, &http).await?;
    let addr = server.addr.clone();
    println!(
        "gazette {} · {} subscribers · {} events · {} distinct document(s) · open-file limit {fds}",
        gazette.display(),
        cli.subscribers,
        cli.events,
        cli.filters
    );

    let create = |k: usize| {
        let tags: Vec<String> = (0..cli.filters).map(|f| format!("bench-{f}")).collect();
        json!({
            "query": "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id } }",
            "variables": { "input": {
                "slug": format!("bench-event-{k}"), "title": format!("Bench event {k}"),
                "body": "An article created by the subscribers bench.", "publishedAt": "2025-06-01T08:00:00Z",
                "lang": "en", "tags": tags, "draft": false
            } }
        })
    };
    // Warm up the write path (and create the tags) before measuring memory.
    let warm = http
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(TOKEN)
        .json(&json!({
            "query": "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id } }",
            "variables": { "input": { "slug": "bench-warm-up", "title": "Warm-up", "body": "x",
                "publishedAt": "2025-06-01T08:00:00Z", "lang": "en", "draft": false,
                "tags": (0..cli.filters).map(|f| format!("bench-{f}")).collect::<Vec<_>>() } }
        }))
        .send()
        .await?
        .json::<Value>()
        .await?;
    ensure!(warm.get("errors").is_none(), "warm-up mutation failed: {warm}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server.rss_kib()?;

    let seen = Arc::new(Seen {
        count: (0..cli.events).map(|_| AtomicUsize::new(0)).collect(),
    });
    let ready = Arc::new(AtomicUsize::new(0));
    let connect_started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(cli.connect_concurrency.max(1)));
    let (finish, done) = tokio::sync::watch::channel(false);
    let mut clients = Vec::with_capacity(cli.subscribers);
    for i in 0..cli.subscribers {
        let permit = gate.clone().acquire_owned().await?;
        let (addr, query, seen, ready) = (addr.clone(), document(cli.filters, i), seen.clone(), ready.clone());
        clients.push(tokio::spawn(client(
            addr,
            query,
            cli.events,
            seen,
            ready,
            permit,
            done.clone(),
        )));
    }
    // Every subscription registered on the server.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let open = metric(&http, &addr, "gazette_subscriptions").await? as usize;
        if open >= cli.subscribers {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "only {open} of {} subscriptions open after 120 s ({} clients sent theirs)",
                cli.subscribers,
                ready.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connect_time = connect_started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = server.rss_kib()?;
    let huge_idle = server.huge_pages_kib();
    let groups = metric(&http, &addr, "gazette_subscription_groups").await?;
    let resolutions_before = metric(&http, &addr, "gazette_subscription_resolutions_total").await?;

    let mut answered = Vec::with_capacity(cli.events);
    // When each mutation was sent: delays from here include the write itself,
    // and do not shrink when this task is slow to read the answer.
    let mut sent = Vec::with_capacity(cli.events);
    let mut all_delivered = true;
    for k in 0..cli.events {
        sent.push(Instant::now());
        let reply = http
            .post(format!("http://{addr}/graphql"))
            .bearer_auth(TOKEN)
            .json(&create(k))
            .send()
            .await?;
        let at = Instant::now();
        let body: Value = reply.json().await?;
        ensure!(body.get("errors").is_none(), "createArticle failed: {body}");
        answered.push(at);
        let deadline = Instant::now() + Duration::from_secs(cli.event_timeout);
        while seen.count[k].load(Ordering::Relaxed) < cli.subscribers {
            if Instant::now() > deadline {
                all_delivered = false;
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let resolutions = metric(&http, &addr, "gazette_subscription_resolutions_total").await? - resolutions_before;
    let rss_after = server.rss_kib()?;
    let _ = finish.send(true);

    let mut slowest_per_event = vec![0f64; cli.events];
    let mut slowest_from_sent = vec![0f64; cli.events];
    let mut delays = Vec::with_capacity(cli.subscribers * cli.events);
    let mut delivered = 0usize;
    let mut failed = 0usize;
    let mut first_error = None;
    for handle in clients {
        match tokio::time::timeout(Duration::from_secs(5), handle).await {
            Ok(Ok(Ok(received))) => {
                for (k, at) in received.iter().enumerate() {
                    if let Some(at) = at {
                        delivered += 1;
                        let ms = at.saturating_duration_since(answered[k]).as_secs_f64() * 1000.0;
                        slowest_per_event[k] = slowest_per_event[k].max(ms);
                        let from_sent = at.saturating_duration_since(sent[k]).as_secs_f64() * 1000.0;
                        slowest_from_sent[k] = slowest_from_sent[k].max(from_sent);
                        delays.push(ms);
                    }
                }
            }
            Ok(Ok(Err(e))) => {
                failed += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
            Ok(Err(e)) => {
                failed += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
            Err(_) => failed += 1,
        }
    }
    delays.sort_by(f64::total_cmp);
    let expected = cli.subscribers * cli.events;
    let all_delivered = all_delivered && delivered == expected;
    let per_subscriber = (rss_idle.saturating_sub(rss_before)) as f64 / cli.subscribers as f64;
    println!(
        "connected and subscribed in {:.1} s; groups on the server: {groups}",
        connect_time.as_secs_f64()
    );
    println!(
        "delivered: {delivered} of {expected} ({}){}",
        if all_delivered { "all" } else { "NOT all" },
        if failed > 0 {
            format!(
                "; {failed} clients failed: {}",
                first_error.unwrap_or_else(|| "timed out".into())
            )
        } else {
            String::new()
        }
    );
    println!(
        "delay from the mutation's answer: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        percentile(&delays, 0.5),
        percentile(&delays, 0.99),
        delays.last().copied().unwrap_or(f64::NAN)
    );
    let list = |values: &[f64]| {
        values
            .iter()
            .map(|ms| format!("{ms:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "slowest delivery per event: {} ms from the answer; {} ms from sending the mutation",
        list(&slowest_per_event),
        list(&slowest_from_sent)
    );
    println!(
        "resolutions: {resolutions} for {} events ({:.1} per event)",
        cli.events,
        resolutions / cli.events as f64
    );
    println!(
        "server RSS: {:.1} MiB before, {:.1} MiB with {} idle subscribers ({per_subscriber:.1} KiB each), {:.1} MiB after the events (still connected)",
        rss_before as f64 / 1024.0,
        rss_idle as f64 / 1024.0,
        cli.subscribers,
        rss_after as f64 / 1024.0
    );
    if let Some(huge) = huge_idle {
        println!(
            "server memory in transparent huge pages with the subscribers idle: {:.1} MiB",
            huge as f64 / 1024.0
        );
    }
    // The target is judged on the conservative figure: from sending the mutation.
    let slowest = if delivered > 0 {
        slowest_from_sent.iter().copied().fold(0.0, f64::max)
    } else {
        f64::INFINITY
    };
    let pass = all_delivered && slowest <= 1000.0 && per_subscriber <= 16.0;
    println!(
        "targets (all delivered, slowest ≤ 1 s, ≤ 16 KiB per idle subscriber): {}",
        if pass { "PASS" } else { "FAIL" }
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(pass)
}
