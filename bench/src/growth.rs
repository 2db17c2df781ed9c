//! Growth: the same shapes at two corpus sizes, side by side. Every run
//! writes its figures to `target/bench/results-N.json`; a run given
//! `--growth-from` an earlier run's file reports both sizes in one table
//! and judges the growth target (shapes 1, 2, 4 and 6 at the larger
//! size within 1.5× of their p50 at the smaller). Two runs rather than one,
//! so the larger corpus can be measured on the engines that fit the time
//! (a 1,000,000-article import takes most of an hour) without redoing the
//! smaller.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::report::Report;
use crate::shapes;

/// The shapes the growth target names.
const GROWTH_SHAPES: [shapes::Shape; 4] = [
    shapes::FIRST_PAGE,
    shapes::TAG_RANGE,
    shapes::LAST_PAGE,
    shapes::TAG_PAGE,
];
/// At the larger size, each of those shapes' p50 at most this many times its p50 at the smaller.
const GROWTH_LIMIT: f64 = 1.5;

/// One run's figures, as written to `results-N.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Results {
    pub articles: usize,
    pub commit: String,
    pub engines: Vec<EngineResults>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EngineResults {
    /// `SQLite` or `PostgreSQL`.
    pub engine: String,
    pub import_wall_s: f64,
    pub import_articles_per_s: f64,
    pub import_peak_rss_mib: f64,
    pub server_rss_mib: f64,
    pub runs: Vec<RunResult>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub target: String,
    pub concurrency: usize,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Results {
    pub fn of(report: &Report) -> Results {
        Results {
            articles: report.corpus.articles,
            commit: report.machine.commit.clone(),
            engines: report
                .engines
                .iter()
                .map(|e| EngineResults {
                    engine: e.engine.name().to_owned(),
                    import_wall_s: e.import.wall.as_secs_f64(),
                    import_articles_per_s: e.import.articles_per_sec(),
                    import_peak_rss_mib: e.import.peak_rss_mib(),
                    server_rss_mib: e.server_memory.rss_kib as f64 / 1024.0,
                    runs: e
                        .runs
                        .iter()
                        .map(|r| RunResult {
                            target: r.target.clone(),
                            concurrency: r.concurrency,
                            rps: r.stats.rps(),
                            p50_ms: r.stats.p50_ms(),
                            p99_ms: r.stats.p99_ms(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Results> {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&text).with_context(|| format!("{}: not a bench results file", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, serde_json::to_vec_pretty(self)?).with_context(|| format!("writing {}", path.display()))
    }

    fn engine(&self, name: &str) -> Option<&EngineResults> {
        self.engines.iter().find(|e| e.engine == name)
    }
}

impl EngineResults {
    fn p50(&self, target: &str, concurrency: usize) -> Option<f64> {
        self.runs
            .iter()
            .find(|r| r.target == target && r.concurrency == concurrency)
            .map(|r| r.p50_ms)
    }
}

/// The growth section: every shape's p50 at both sizes on each engine both
/// runs measured, then the targets. `(small, large)` by article count.
pub fn write(s: &mut String, a: &Results, b: &Results, targets: &mut Vec<String>) -> std::fmt::Result {
    let (small, large) = if a.articles <= b.articles { (a, b) } else { (b, a) };
    writeln!(
        s,
        "## Growth: {} and {} articles\n\n{} articles: commit `{}`; {} articles: commit `{}`.\n",
        small.articles, large.articles, small.articles, small.commit, large.articles, large.commit
    )?;
    for l in &large.engines {
        let Some(sm) = small.engine(&l.engine) else {
            writeln!(s, "{}: measured at {} articles only.\n", l.engine, large.articles)?;
            continue;
        };
        writeln!(s, "### {}\n", l.engine)?;
        writeln!(
            s,
            "| target | concurrency | {} p50 ms | {} p50 ms | growth |",
            small.articles, large.articles
        )?;
        writeln!(s, "| --- | ---: | ---: | ---: | ---: |")?;
        for r in &l.runs {
            if let Some(p) = sm.p50(&r.target, r.concurrency) {
                writeln!(
                    s,
                    "| {} | {} | {p:.2} | {:.2} | {:.2}× |",
                    r.target,
                    r.concurrency,
                    r.p50_ms,
                    r.p50_ms / p
                )?;
            }
        }
        writeln!(
            s,
            "\nImport: {:.0} articles/s at {} ({:.1} MiB peak), {:.0} at {} ({:.1} MiB peak); server RSS after the load {:.1} and {:.1} MiB.\n",
            sm.import_articles_per_s,
            small.articles,
            sm.import_peak_rss_mib,
            l.import_articles_per_s,
            large.articles,
            l.import_peak_rss_mib,
            sm.server_rss_mib,
            l.server_rss_mib
        )?;
        for shape in GROWTH_SHAPES {
            match (sm.p50(shape.label, 1), l.p50(shape.label, 1)) {
                (Some(p), Some(q)) => targets.push(format!(
                    "{} {}: {} p50 at {} articles ≤ {GROWTH_LIMIT}× its p50 at {}: {q:.2} vs {p:.2} ms = {:.2}×",
                    if q / p <= GROWTH_LIMIT { "PASS" } else { "FAIL" },
                    l.engine,
                    shape.label,
                    large.articles,
                    small.articles,
                    q / p
                )),
                _ => targets.push(format!(
                    "FAIL {}: {} growth: not measured at concurrency 1 at both sizes",
                    l.engine, shape.label
                )),
            }
        }
    }
    Ok(())
}
