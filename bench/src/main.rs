//! `gazette-bench`: builds the server, generates and imports a corpus, then loads
//! five GraphQL query shapes and two baselines (static bytes, raw SQL) at several
//! concurrencies, and writes a markdown report with PASS/FAIL targets.
//!
//! Processes: this one drives the load; `gazette serve` and the baseline server
//! (this binary again, `gazette-bench baseline`) each run on their own, so the
//! client's work is not billed to the servers.

mod baseline;
mod corpus;
mod load;
mod report;
mod server;
mod shapes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::corpus::Corpus;
use crate::load::{Target, Timing};
use crate::report::{LoaderRun, Machine, Report, Run, RAW, STATIC};
use crate::server::{Process, SqlCounts};
use crate::shapes::Params;

#[derive(Debug, Parser)]
#[command(about = "Benchmark Gazette: import, GraphQL query shapes, baselines; writes target/bench/report-N.md")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Articles in the corpus [default: 100000, or 10000 with --quick].
    #[arg(long)]
    articles: Option<usize>,
    /// Smaller corpus and shorter runs (1 s warm-up, 4 s measured instead of 3 s and 10 s).
    #[arg(long)]
    quick: bool,
    /// Concurrent workers per run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    concurrency: Vec<usize>,
    /// Corpus seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Internal: the baseline server, started by the bench itself.
    #[command(hide = true)]
    Baseline(baseline::Args),
}

/// The DataLoader delay comparison runs at this concurrency, with these delays.
const LOADER_CONCURRENCY: usize = 8;
const LOADER_DELAYS_MS: [u64; 3] = [0, 1, 5];
/// Sequential requests per shape whose log lines give the SQL statement counts.
const SQL_SAMPLES: usize = 20;
/// Shape 5 cycles through this many translated articles' slugs.
const ARTICLE_SLUGS: usize = 300;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Cmd::Baseline(args)) => baseline::serve(args),
        None => bench(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gazette-bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where things live: the workspace (to build and for git), the target dir's binaries and `target/bench/`.
struct Paths {
    workspace: PathBuf,
    exe: PathBuf,
    gazette: PathBuf,
    bench: PathBuf,
}

impl Paths {
    fn find() -> Result<Paths> {
        let exe = std::env::current_exe().context("locating gazette-bench")?;
        // target/release/gazette-bench: the server is built beside it.
        let bin_dir = exe.parent().context("gazette-bench has no parent folder")?;
        let target = bin_dir.parent().context("no target folder above the binary")?;
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("bench crate outside a workspace")?;
        Ok(Paths {
            workspace: workspace.to_owned(),
            gazette: bin_dir.join("gazette"),
            bench: target.join("bench"),
            exe,
        })
    }
}

fn bench(cli: &Cli) -> Result<()> {
    let started = Instant::now();
    ensure!(
        !cli.concurrency.is_empty() && cli.concurrency.iter().all(|&c| c > 0),
        "--concurrency needs numbers above 0"
    );
    let articles = cli.articles.unwrap_or(if cli.quick { 10_000 } else { 100_000 });
    ensure!(
        articles >= 100,
        "--articles must be at least 100 (the last page needs 21 articles)"
    );
    let timing = if cli.quick {
        Timing {
            warmup: Duration::from_secs(1),
            measure: Duration::from_secs(4),
        }
    } else {
        Timing {
            warmup: Duration::from_secs(3),
            measure: Duration::from_secs(10),
        }
    };
    let paths = Paths::find()?;
    std::fs::create_dir_all(&paths.bench)?;

    eprintln!("== building the gazette server");
    corpus::build_server(&paths.workspace)?;
    let build_time = started.elapsed();
    ensure!(paths.gazette.is_file(), "{} was not built", paths.gazette.display());

    eprintln!("== corpus: {articles} articles, seed {}", cli.seed);
    let corpus = corpus::generate(&paths.gazette, &paths.workspace, &paths.bench, articles, cli.seed)?;
    eprintln!(
        "   {} files in {}{}",
        corpus.files,
        corpus.dir.display(),
        if corpus.reused { " (reused)" } else { "" }
    );
    let db = paths.bench.join(format!("gazette-{articles}.db"));
    eprintln!("== import into {}", db.display());
    let import = corpus::import(
        &paths.gazette,
        &corpus,
        &db,
        &paths.bench.join(format!("import-{articles}.log")),
    )?;
    eprintln!(
        "   {:.2} s, {:.0} articles/s, peak RSS {:.1} MiB",
        import.wall.as_secs_f64(),
        import.articles_per_sec(),
        import.peak_rss_mib()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    // Servers are spawned from this thread (block_on runs the future here), which
    // their parent-death signal depends on; see server::Process::spawn.
    let measured = runtime.block_on(measure(cli, &paths, &corpus, &db, timing))?;

    let report = Report {
        machine: Machine::detect(&paths.workspace),
        mode: if cli.quick { "quick" } else { "full" },
        timing,
        db_bytes: std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0),
        corpus,
        import,
        search_word: shapes::SEARCH_WORD,
        popular_tag: measured.popular_tag,
        sql: measured.sql,
        runs: measured.runs,
        server_memory: measured.memory,
        loader: measured.loader,
        loader_concurrency: LOADER_CONCURRENCY,
        build_time,
        elapsed: started.elapsed(),
    };
    let text = report.render();
    print!("{text}");
    let path = paths.bench.join(format!("report-{articles}.md"));
    std::fs::write(&path, &text)?;
    eprintln!("== report written to {}", path.display());
    Ok(())
}

struct Measured {
    popular_tag: String,
    sql: BTreeMap<String, SqlCounts>,
    runs: Vec<Run>,
    memory: server::Memory,
    loader: Vec<LoaderRun>,
}

async fn measure(cli: &Cli, paths: &Paths, corpus: &Corpus, db: &Path, timing: Timing) -> Result<Measured> {
    let client = load::client()?;
    let n = corpus.articles;
    eprintln!("== starting gazette serve");
    let mut gazette = server::start_gazette(
        &paths.gazette,
        db,
        1,
        &paths.bench.join(format!("server-{n}.log")),
        &client,
    )
    .await?;
    let graphql = format!("{}/graphql", gazette.base_url);

    let params = shapes::discover(&client, &graphql, corpus, ARTICLE_SLUGS).await?;
    eprintln!(
        "   tag {:?}, range {} .. {}, {} translated slugs",
        params.popular_tag,
        params.range.0,
        params.range.1,
        params.translated_slugs.len()
    );

    eprintln!("== sampling SQL statements per request ({SQL_SAMPLES} sequential requests per shape)");
    let sql = sample_sql(&client, &graphql, &gazette, &params).await?;
    for (op, c) in &sql {
        eprintln!("   {op}: {:?}", c.samples);
    }

    // Gazette's own shape-1 answer: the static baseline's bytes and the raw baseline's reference.
    let shape1 = load::post(&client, &graphql, shapes::FIRST_PAGE.body(json!({}))).await?;
    let shape1_json = load::check_body("shape 1", &shape1)?;
    let static_path = paths.bench.join("static-shape1.json");
    std::fs::write(&static_path, &shape1)?;
    let cursor_list = baseline::cursor_list(&shape1_json)?;

    eprintln!("== starting the baseline server");
    let baseline = baseline::start(
        &paths.exe,
        db,
        &static_path,
        &cursor_list,
        &paths.bench.join("baseline.log"),
        &client,
    )
    .await?;
    baseline::verify(&client, &baseline, &shape1, &shape1_json).await?;

    let mut targets = Vec::new();
    for shape in shapes::ALL {
        targets.push(Target::new(
            shape.label,
            graphql.clone(),
            shapes::bodies(shape, &params),
        )?);
    }
    let shape1_request = vec![shapes::FIRST_PAGE.body(json!({}))];
    targets.push(Target::new(
        STATIC,
        format!("{}/static", baseline.base_url),
        shape1_request.clone(),
    )?);
    targets.push(Target::new(RAW, format!("{}/raw", baseline.base_url), shape1_request)?);

    let mut runs = Vec::new();
    for &c in &cli.concurrency {
        eprintln!("== concurrency {c}");
        for t in &targets {
            let stats = load::run(&client, t, c, timing).await?;
            gazette.ensure_running()?;
            progress(&t.name, c, &stats);
            runs.push(Run {
                target: t.name.clone(),
                concurrency: c,
                stats,
            });
        }
    }
    let memory = gazette.memory_kib()?;
    drop(baseline);
    drop(gazette);

    eprintln!("== DataLoader delay, concurrency {LOADER_CONCURRENCY}");
    let mut loader = Vec::new();
    for delay in LOADER_DELAYS_MS {
        let log = paths.bench.join(format!("server-{n}-delay{delay}.log"));
        let server = server::start_gazette(&paths.gazette, db, delay, &log, &client).await?;
        let url = format!("{}/graphql", server.base_url);
        for shape in [shapes::FIRST_PAGE, shapes::ARTICLE] {
            let target = Target::new(shape.label, url.clone(), shapes::bodies(shape, &params))?;
            let stats = load::run(&client, &target, LOADER_CONCURRENCY, timing).await?;
            progress(
                &format!("delay {delay} ms: {}", shape.label),
                LOADER_CONCURRENCY,
                &stats,
            );
            loader.push(LoaderRun {
                delay_ms: delay,
                target: shape.label.to_owned(),
                stats,
            });
        }
    }

    Ok(Measured {
        popular_tag: params.popular_tag,
        sql,
        runs,
        memory,
        loader,
    })
}

fn progress(name: &str, c: usize, s: &load::Stats) {
    eprintln!(
        "   {name:<28} c={c:<3} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} requests)",
        s.rps(),
        s.p50_ms(),
        s.p99_ms(),
        s.requests
    );
}

/// Sends each shape `SQL_SAMPLES` times in sequence, checks the answers make
/// sense, then reads the server's log lines for those operations.
async fn sample_sql(
    client: &reqwest::Client,
    url: &str,
    gazette: &Process,
    params: &Params,
) -> Result<BTreeMap<String, SqlCounts>> {
    for shape in shapes::ALL {
        let bodies = shapes::bodies(shape, params);
        for i in 0..SQL_SAMPLES {
            let bytes = load::post(client, url, bodies[i % bodies.len()].clone()).await?;
            let v = load::check_body(shape.operation, &bytes)?;
            shapes::check(shape, &v["data"])?;
        }
    }
    // The log is written by another process: wait until every line is there.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let counts = server::sql_counts(&gazette.log)?;
        let complete = shapes::ALL
            .iter()
            .all(|s| counts.get(s.operation).is_some_and(|c| c.samples.len() >= SQL_SAMPLES));
        if complete {
            return Ok(counts
                .into_iter()
                .filter(|(op, _)| shapes::ALL.iter().any(|s| s.operation == op))
                .collect());
        }
        if Instant::now() > deadline {
            bail!(
                "request log lines missing in {} (got {:?})",
                gazette.log.display(),
                counts.iter().map(|(k, v)| (k, v.samples.len())).collect::<Vec<_>>()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
