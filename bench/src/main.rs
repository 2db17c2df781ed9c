//! `gazette-bench`: builds the server, generates a corpus, imports it into
//! SQLite and PostgreSQL, then loads the GraphQL query shapes, their raw-SQL
//! baselines and (with `--peers`) PostGraphile and seaography on the
//! PostgreSQL database, and writes a markdown report with PASS/FAIL targets.
//!
//! Processes: this one drives the load; `gazette serve`, the baseline server
//! (this binary again, `gazette-bench baseline`), PostgreSQL and the peers
//! each run on their own, so the client's work is not billed to the servers.

mod baseline;
mod corpus;
mod graphql_floor;
mod growth;
mod hugo;
mod load;
mod peers;
mod postgres;
mod report;
mod seaography;
mod server;
mod shapes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::corpus::{Corpus, Database};
use crate::load::{Target, Timing};
use crate::report::{
    EngineReport, LoaderRun, Machine, PeerRun, Report, Run, SeaographyReport, FLOOR, GRAPHQL_ONLY, STATIC,
};
use crate::server::{Process, SqlCounts};
use crate::shapes::Params;

#[derive(Debug, Parser)]
#[command(
    about = "Benchmark Gazette: import, GraphQL query shapes, baselines and peers on SQLite and PostgreSQL; writes target/bench/report-N.md"
)]
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
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    concurrency: Vec<usize>,
    /// Engines to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    engines: Vec<Engine>,
    /// Also load PostGraphile 5 (shapes 1, 2, 4; installed with npm on first use) and
    /// seaography (shape 1; installed with cargo and generated from the database) on PostgreSQL.
    #[arg(long)]
    peers: bool,
    /// Also compare `--loader-delay-ms` 0, 1 and 5 (shapes 1, 5 and 5b, each concurrency, with their SQL statements).
    #[arg(long)]
    loader_delays: bool,
    /// Skip building the corpus with hugo (the import target's comparison).
    #[arg(long)]
    no_hugo: bool,
    /// Corpus seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// An earlier run's `target/bench/results-N.json` (another corpus size):
    /// the report adds both sizes side by side and the growth targets.
    #[arg(long)]
    growth_from: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Internal: the baseline server, started by the bench itself.
    #[command(hide = true)]
    Baseline(baseline::Args),
}

/// The DataLoader delay comparison's delays (at each `--concurrency`).
const LOADER_DELAYS_MS: [u64; 3] = [0, 1, 5];
/// Sequential requests per shape whose log lines give the SQL statement counts.
const SQL_SAMPLES: usize = 20;
/// Shape 5 cycles through this many translated articles' slugs.
const ARTICLE_SLUGS: usize = 300;
/// PostGraphile's shapes, with Gazette's shape each is compared with.
const PEER_SHAPES: [shapes::Shape; 3] = [shapes::FIRST_PAGE, shapes::TAG_RANGE, shapes::LAST_PAGE];

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
    ensure!(!cli.engines.is_empty(), "--engines needs sqlite, postgres or both");
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
    // Read first: a wrong path should fail before an hour of measuring, not after.
    let growth_from = cli.growth_from.as_deref().map(growth::Results::read).transpose()?;

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

    let hugo = if cli.no_hugo {
        None
    } else {
        eprintln!("== hugo build of the same corpus");
        let h = hugo::build(&corpus, &paths.bench)?;
        match &h {
            Some(h) => eprintln!("   {:.2} s, {:?} pages ({})", h.wall.as_secs_f64(), h.pages, h.version),
            None => eprintln!("   hugo is not installed: skipped"),
        }
        h
    };

    let postgres = if cli.engines.contains(&Engine::Postgres) {
        eprintln!("== starting PostgreSQL");
        let pg = postgres::Postgres::start(&paths.bench)?;
        eprintln!("   PostgreSQL {} on 127.0.0.1:{}", pg.version, pg.port);
        Some(pg)
    } else {
        None
    };

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut engines = Vec::new();
    for &engine in &cli.engines {
        let n = corpus.articles;
        let db = match engine {
            Engine::Sqlite => Database::sqlite(&paths.bench.join(format!("gazette-{n}.db"))),
            Engine::Postgres => {
                let pg = postgres.as_ref().context("PostgreSQL was not started")?;
                Database {
                    url: pg.fresh_database("gazette")?,
                    file: None,
                }
            }
        };
        db.remove()?;
        let tag = engine.name().to_lowercase();
        eprintln!("== {}: import into {}", engine.name(), db.url);
        let import = corpus::import(
            &paths.gazette,
            &corpus,
            &db,
            &paths.bench.join(format!("import-{n}-{tag}.log")),
        )?;
        eprintln!(
            "   {:.2} s, {:.0} articles/s, peak RSS {:.1} MiB",
            import.wall.as_secs_f64(),
            import.articles_per_sec(),
            import.peak_rss_mib()
        );
        let vacuum = match (&postgres, engine) {
            (Some(pg), Engine::Postgres) => {
                let t = Instant::now();
                pg.psql("gazette", "VACUUM ANALYZE")?;
                let d = t.elapsed();
                eprintln!("   VACUUM ANALYZE {:.2} s", d.as_secs_f64());
                Some(d)
            }
            _ => None,
        };
        eprintln!("== {}: import of the unchanged corpus (a restart)", engine.name());
        let reimport = corpus::import(
            &paths.gazette,
            &corpus,
            &db,
            &paths.bench.join(format!("reimport-{n}-{tag}.log")),
        )?;
        eprintln!(
            "   {:.2} s, peak RSS {:.1} MiB",
            reimport.wall.as_secs_f64(),
            reimport.peak_rss_mib()
        );
        // Servers are spawned from this thread (block_on runs the future here), which
        // their parent-death signal depends on; see server::Process::spawn.
        let measured = runtime.block_on(measure(cli, &paths, &corpus, engine, &db, timing))?;
        engines.push(EngineReport {
            engine,
            db_bytes: db
                .file
                .as_ref()
                .and_then(|f| std::fs::metadata(f).ok())
                .map(|m| m.len()),
            import,
            reimport,
            vacuum,
            popular_tag: measured.popular_tag,
            sql: measured.sql,
            runs: measured.runs,
            peers: measured.peers,
            peer_note: measured.peer_note,
            seaography: measured.seaography,
            server_memory: measured.memory,
            loader: measured.loader,
        });
    }

    let report = Report {
        machine: Machine::detect(&paths.workspace),
        mode: if cli.quick { "quick" } else { "full" },
        timing,
        corpus,
        hugo,
        postgres_version: postgres.as_ref().map(|p| p.version.clone()),
        search_word: shapes::SEARCH_WORD,
        engines,
        build_time,
        elapsed: started.elapsed(),
        growth_from,
    };
    drop(postgres);
    let text = report.render();
    print!("{text}");
    let path = paths.bench.join(format!("report-{articles}.md"));
    std::fs::write(&path, &text)?;
    eprintln!("== report written to {}", path.display());
    let results = paths.bench.join(format!("results-{articles}.json"));
    growth::Results::of(&report).write(&results)?;
    eprintln!("== figures written to {} (for --growth-from)", results.display());
    Ok(())
}

struct Measured {
    popular_tag: String,
    sql: BTreeMap<String, SqlCounts>,
    runs: Vec<Run>,
    peers: Vec<PeerRun>,
    peer_note: Option<String>,
    seaography: Option<SeaographyReport>,
    memory: server::Memory,
    loader: Vec<LoaderRun>,
}

async fn measure(
    cli: &Cli,
    paths: &Paths,
    corpus: &Corpus,
    engine: Engine,
    db: &Database,
    timing: Timing,
) -> Result<Measured> {
    let client = load::client()?;
    let n = corpus.articles;
    let tag = engine.name().to_lowercase();
    eprintln!("== {}: starting gazette serve", engine.name());
    // The server's default delay, as a user starts it.
    let mut gazette = server::start_gazette(
        &paths.gazette,
        &db.url,
        gazette::graphql::DEFAULT_LOADER_DELAY_MS,
        &paths.bench.join(format!("server-{n}-{tag}.log")),
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

    // Gazette's answer to each raw shape: the raw baseline's reference, its
    // cursor list names, and shape 1's bytes for the static baseline.
    let mut answers = Vec::new();
    let mut lists = Vec::new();
    for shape in baseline::RAW_SHAPES {
        let body = shapes::bodies(shape, &params)[0].clone();
        let bytes = load::post(&client, &graphql, body.clone()).await?;
        let v = load::check_body(shape.operation, &bytes)?;
        if let Some(connection) = baseline::connection_of(shape.operation, &v["data"]) {
            lists.push((shape.operation.to_owned(), baseline::cursor_list(connection)?));
        }
        answers.push((shape, body, bytes, v));
    }
    let static_path = paths.bench.join(format!("static-shape1-{tag}.json"));
    std::fs::write(&static_path, &answers[0].2)?;

    eprintln!("== starting the baseline server");
    let baseline = baseline::start(
        &paths.exe,
        &db.url,
        &static_path,
        &lists,
        &paths.bench.join(format!("baseline-{tag}.log")),
        &client,
    )
    .await?;
    baseline::verify_static(&client, &baseline, &answers[0].2).await?;
    baseline::verify(
        &client,
        &format!("{}/graphql-floor", baseline.base_url),
        "GraphQL only",
        answers[0].1.clone(),
        &answers[0].3,
    )
    .await?;
    for (shape, body, _, v) in &answers {
        let url = format!("{}/raw/{}", baseline.base_url, shape.operation);
        baseline::verify(&client, &url, shape.operation, body.clone(), v).await?;
    }
    eprintln!(
        "   every raw shape answers exactly Gazette's data; /static serves Gazette's bytes; /graphql-floor Gazette's shape-1 data"
    );

    let mut targets = Vec::new();
    for shape in shapes::ALL {
        targets.push(Target::new(
            shape.label,
            graphql.clone(),
            shapes::bodies(shape, &params),
        )?);
    }
    for shape in baseline::RAW_SHAPES {
        targets.push(Target::new(
            &report::raw_name(shape.label),
            format!("{}/raw/{}", baseline.base_url, shape.operation),
            shapes::bodies(shape, &params),
        )?);
    }
    targets.push(Target::new(
        STATIC,
        format!("{}/static", baseline.base_url),
        vec![shapes::FIRST_PAGE.body(json!({}))],
    )?);
    targets.push(Target::new(
        GRAPHQL_ONLY,
        format!("{}/graphql-floor", baseline.base_url),
        vec![shapes::FIRST_PAGE.body(json!({}))],
    )?);
    targets.push(Target::new(FLOOR, graphql.clone(), vec![shapes::FLOOR_BODY.to_vec()])?);

    let mut runs = Vec::new();
    for &c in &cli.concurrency {
        eprintln!("== {}: concurrency {c}", engine.name());
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

    let (peers, peer_note) = if cli.peers && engine == Engine::Postgres {
        // Gazette stays up, idle, so the peers get the same machine.
        match run_peers(cli, paths, &client, db, &params, &answers, timing).await {
            Ok(runs) => (runs, None),
            Err(e) => {
                eprintln!("   peers skipped: {e:#}");
                (Vec::new(), Some(format!("{e:#}")))
            }
        }
    } else {
        (Vec::new(), None)
    };
    // Apart from PostGraphile's, so either failing leaves the other's runs.
    let seaography = if cli.peers && engine == Engine::Postgres {
        Some(match run_seaography(cli, paths, &client, db, &answers, timing).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("   seaography skipped: {e:#}");
                SeaographyReport::skipped(format!("{e:#}"))
            }
        })
    } else {
        None
    };
    drop(gazette);

    let mut loader = Vec::new();
    if cli.loader_delays {
        eprintln!("== DataLoader delay");
        for delay in LOADER_DELAYS_MS {
            let log = paths.bench.join(format!("server-{n}-{tag}-delay{delay}.log"));
            let server = server::start_gazette(&paths.gazette, &db.url, delay, &log, &client).await?;
            let url = format!("{}/graphql", server.base_url);
            // A shorter delay must not split a batch: the statements say.
            let statements = sample_sql(&client, &url, &server, &params).await?;
            for shape in [shapes::FIRST_PAGE, shapes::ARTICLE, shapes::ARTICLE_BARE] {
                let target = Target::new(shape.label, url.clone(), shapes::bodies(shape, &params))?;
                for &c in &cli.concurrency {
                    let stats = load::run(&client, &target, c, timing).await?;
                    progress(&format!("delay {delay} ms: {}", shape.label), c, &stats);
                    loader.push(LoaderRun {
                        delay_ms: delay,
                        concurrency: c,
                        statements: statements.get(shape.operation).map(SqlCounts::max),
                        target: shape.label.to_owned(),
                        stats,
                    });
                }
            }
        }
    }

    Ok(Measured {
        popular_tag: params.popular_tag,
        sql,
        runs,
        peers,
        peer_note,
        seaography,
        memory,
        loader,
    })
}

/// PostGraphile with 1 and 2 worker processes on shapes 1, 2 and 4, each
/// answer checked equal to Gazette's first.
async fn run_peers(
    cli: &Cli,
    paths: &Paths,
    client: &reqwest::Client,
    db: &Database,
    params: &Params,
    answers: &[(shapes::Shape, Vec<u8>, Vec<u8>, serde_json::Value)],
    timing: Timing,
) -> Result<Vec<PeerRun>> {
    let dir = peers::postgraphile_dir(&paths.workspace);
    eprintln!("== peers: installing PostGraphile ({})", dir.display());
    let version = peers::install_postgraphile(&dir)?;
    eprintln!("   {version}");
    let mut out = Vec::new();
    for workers in [1, 2] {
        let log = paths.bench.join(format!("postgraphile-{workers}.log"));
        let peer = peers::start_postgraphile(&dir, &db.url, workers, &log, client).await?;
        let url = format!("{}/graphql", peer.base_url);
        let after = peers::last_page_cursor(client, &url).await?;
        for shape in PEER_SHAPES {
            let body = match shape.operation {
                "Shape1" => peers::shape1(),
                "Shape2" => peers::shape2(params),
                _ => peers::shape4(&after),
            };
            let gazette = match answers.iter().find(|a| a.0 == shape) {
                Some(a) => a.3.clone(),
                None => bail!("no Gazette answer for {}", shape.operation),
            };
            let mine = load::post(client, &url, body.clone()).await?;
            let mine = load::check_body("postgraphile", &mine)?;
            peers::same_answer(shape.label, &gazette, &mine)?;
            let name = format!(
                "PostGraphile ({workers} worker{}): {}",
                if workers > 1 { "s" } else { "" },
                shape.label
            );
            let target = Target::new(&name, url.clone(), vec![body])?;
            for &c in &cli.concurrency {
                let stats = load::run(client, &target, c, timing).await?;
                progress(&name, c, &stats);
                out.push(PeerRun {
                    peer: version.clone(),
                    workers,
                    shape: shape.label,
                    concurrency: c,
                    stats,
                });
            }
        }
        drop(peer);
    }
    Ok(out)
}

/// seaography on shape 1 at each concurrency, its answer checked equal to
/// Gazette's first. The visibility filter's `now` is the instant fixed here,
/// before the check, and the same for the whole load: seaography has no
/// `now()` of its own (see seaography.rs).
async fn run_seaography(
    cli: &Cli,
    paths: &Paths,
    client: &reqwest::Client,
    db: &Database,
    answers: &[(shapes::Shape, Vec<u8>, Vec<u8>, serde_json::Value)],
    timing: Timing,
) -> Result<SeaographyReport> {
    eprintln!("== peers: seaography (generated from the database, built in release)");
    let peer = seaography::install(&paths.bench, &db.url)?;
    eprintln!("   {}", peer.version);
    let log = paths.bench.join("seaography.log");
    let mut server = seaography::start(&peer, &db.url, &log, client).await?;
    let url = format!("{}/", server.base_url);
    let now = seaography::instant(chrono::Utc::now());
    let body = seaography::shape1(&now);
    let gazette = match answers.iter().find(|a| a.0 == shapes::FIRST_PAGE) {
        Some(a) => &a.3,
        None => bail!("no Gazette answer for shape 1"),
    };
    let mine = load::post(client, &url, body.clone()).await?;
    let mine = load::check_body("seaography", &mine)?;
    let checked = seaography::same_answer(gazette, &mine)?;
    let check = format!(
        "the same 20 articles (slug, title, summary, instant, tags and categories in link order) and hasNextPage; \
         now = {now}; {} of them share an instant with another and were compared within it as a set",
        checked.ties
    );
    eprintln!("   answer equal to Gazette's: {check}");
    let name = format!("seaography: {}", shapes::FIRST_PAGE.label);
    let target = Target::new(&name, url, vec![body])?;
    let mut runs = Vec::new();
    for &c in &cli.concurrency {
        let stats = load::run(client, &target, c, timing).await?;
        server.ensure_running()?;
        progress(&name, c, &stats);
        runs.push(PeerRun {
            peer: peer.version.clone(),
            workers: 1,
            shape: shapes::FIRST_PAGE.label,
            concurrency: c,
            stats,
        });
    }
    Ok(SeaographyReport {
        version: Some(peer.version),
        check: Some(check),
        runs,
        note: None,
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
