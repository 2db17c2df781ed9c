//! The markdown report: machine, results tables and the targets, PASS or FAIL.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::corpus::{Corpus, Import};
use crate::hugo::HugoBuild;
use crate::load::{Stats, Timing};
use crate::server::{Memory, SqlCounts};
use crate::{shapes, Engine};

pub const STATIC: &str = "baseline: static";
/// Shape 1 through async-graphql alone, from memory (`graphql_floor`).
pub const GRAPHQL_ONLY: &str = "baseline: shape 1, GraphQL only";
/// Gazette answering `{ __typename }` (shapes::FLOOR_BODY).
pub const FLOOR: &str = "gazette: { __typename }";

pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub kernel: String,
    pub commit: String,
}

impl Machine {
    pub fn detect(workspace: &std::path::Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .and_then(|r| r.split_once(':'))
                    .map(|(_, m)| m.trim())
            })
            .unwrap_or("unknown")
            .to_owned();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|_| "unknown".into());
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(workspace)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        };
        let mut commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
        // Uncommitted changes mean the figures are not those of the commit alone.
        if git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty()) {
            commit.push_str(" (with uncommitted changes)");
        }
        Machine {
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            cpu_model,
            kernel,
            commit,
        }
    }
}

/// One load run.
pub struct Run {
    pub target: String,
    pub concurrency: usize,
    pub stats: Stats,
}

pub struct LoaderRun {
    pub delay_ms: u64,
    pub concurrency: usize,
    /// The most SQL statements one sequential request of the shape ran with this delay.
    pub statements: Option<u64>,
    pub target: String,
    pub stats: Stats,
}

/// One load run of a peer on one of Gazette's shapes.
pub struct PeerRun {
    pub peer: String,
    pub workers: usize,
    pub shape: &'static str,
    pub concurrency: usize,
    pub stats: Stats,
}

/// seaography on shape 1 (`--peers`, PostgreSQL only): its runs, or why it was skipped.
pub struct SeaographyReport {
    pub version: Option<String>,
    /// What the equality check before the load compared.
    pub check: Option<String>,
    pub runs: Vec<PeerRun>,
    /// Why it was not run: installing, generating, building, starting or the check failed.
    pub note: Option<String>,
}

impl SeaographyReport {
    pub fn skipped(note: String) -> SeaographyReport {
        SeaographyReport {
            version: None,
            check: None,
            runs: Vec::new(),
            note: Some(note),
        }
    }

    fn run(&self, c: usize) -> Option<&Stats> {
        self.runs.iter().find(|r| r.concurrency == c).map(|r| &r.stats)
    }
}

/// What one engine measured.
pub struct EngineReport {
    pub engine: Engine,
    pub db_bytes: Option<u64>,
    pub import: Import,
    /// `gazette import` again over the unchanged corpus: what a restart's start-up import costs.
    pub reimport: Import,
    pub vacuum: Option<Duration>,
    pub popular_tag: String,
    pub sql: BTreeMap<String, SqlCounts>,
    pub runs: Vec<Run>,
    pub peers: Vec<PeerRun>,
    /// Why the peers were not run, when they were asked for.
    pub peer_note: Option<String>,
    /// Kept apart from `peers`: PostGraphile's best is picked from those alone.
    pub seaography: Option<SeaographyReport>,
    pub server_memory: Memory,
    pub loader: Vec<LoaderRun>,
}

pub struct Report {
    pub machine: Machine,
    pub mode: &'static str,
    pub timing: Timing,
    pub corpus: Corpus,
    pub hugo: Option<HugoBuild>,
    pub postgres_version: Option<String>,
    pub search_word: &'static str,
    pub engines: Vec<EngineReport>,
    /// Building the server (cargo), then the whole bench including it.
    pub build_time: Duration,
    pub elapsed: Duration,
    /// An earlier run at another corpus size (`--growth-from`), for the growth table.
    pub growth_from: Option<crate::growth::Results>,
}

/// The load target name of a shape's raw-SQL baseline.
pub fn raw_name(label: &str) -> String {
    format!("raw SQL: {label}")
}

const MIB: f64 = 1024.0;
/// Server memory, import memory: the ceiling.
const MEMORY_CEILING_MIB: f64 = 256.0;

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

impl EngineReport {
    fn run(&self, target: &str, concurrency: usize) -> Option<&Stats> {
        self.runs
            .iter()
            .find(|r| r.target == target && r.concurrency == concurrency)
            .map(|r| &r.stats)
    }

    fn concurrencies(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.runs.iter().map(|r| r.concurrency).collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// The best peer throughput on `shape` at `c`, and how many workers gave it.
    fn best_peer(&self, shape: &str, c: usize) -> Option<&PeerRun> {
        self.peers
            .iter()
            .filter(|p| p.shape == shape && p.concurrency == c)
            .max_by(|a, b| a.stats.rps().total_cmp(&b.stats.rps()))
    }

    fn write(&self, s: &mut String) -> std::fmt::Result {
        let name = self.engine.name();
        writeln!(s, "## {name}\n")?;
        writeln!(s, "Shape 2's and 6's tag: `{}`.\n", self.popular_tag)?;
        writeln!(
            s,
            "| target | concurrency | req/s | p50 ms | p99 ms | raw SQL req/s | raw SQL p50 ms | p50 / raw p50 | timed out |"
        )?;
        writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        for shape in shapes::ALL {
            for c in self.concurrencies() {
                let Some(st) = self.run(shape.label, c) else { continue };
                let raw = self.run(&raw_name(shape.label), c);
                let (raw_rps, raw_p50, ratio) = match raw {
                    Some(r) => (
                        format!("{:.0}", r.rps()),
                        format!("{:.2}", r.p50_ms()),
                        format!("{:.2}×", st.p50_ms() / r.p50_ms()),
                    ),
                    None => ("-".into(), "-".into(), "-".into()),
                };
                writeln!(
                    s,
                    "| {} | {c} | {:.0} | {:.2} | {:.2} | {raw_rps} | {raw_p50} | {ratio} | {} |",
                    shape.label,
                    st.rps(),
                    st.p50_ms(),
                    st.p99_ms(),
                    st.timeouts
                )?;
            }
        }
        for name in [STATIC, GRAPHQL_ONLY, FLOOR] {
            for c in self.concurrencies() {
                if let Some(st) = self.run(name, c) {
                    writeln!(
                        s,
                        "| {name} | {c} | {:.0} | {:.2} | {:.2} | - | - | - | {} |",
                        st.rps(),
                        st.p50_ms(),
                        st.p99_ms(),
                        st.timeouts
                    )?;
                }
            }
        }
        writeln!(s)?;

        writeln!(s, "SQL statements per request ({name}):\n")?;
        writeln!(s, "| shape | requests sampled | min | mean | max |")?;
        writeln!(s, "| --- | ---: | ---: | ---: | ---: |")?;
        for shape in shapes::ALL {
            match self.sql.get(shape.operation) {
                Some(c) => writeln!(
                    s,
                    "| {} | {} | {} | {:.1} | {} |",
                    shape.label,
                    c.samples.len(),
                    c.min(),
                    c.mean(),
                    c.max()
                )?,
                None => writeln!(s, "| {} | 0 | - | - | - |", shape.label)?,
            }
        }
        writeln!(s)?;
        writeln!(
            s,
            "Server memory after the load ({name}): VmRSS {:.1} MiB, VmHWM (peak) {:.1} MiB.\n",
            self.server_memory.rss_kib as f64 / MIB,
            self.server_memory.hwm_kib as f64 / MIB
        )?;

        if !self.peers.is_empty() {
            writeln!(s, "Peers on the same database ({}):\n", self.peers[0].peer)?;
            writeln!(
                s,
                "| shape | concurrency | Gazette req/s | PostGraphile 1 worker req/s | 2 workers req/s | Gazette / best peer |"
            )?;
            writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: |")?;
            for shape in [shapes::FIRST_PAGE, shapes::TAG_RANGE, shapes::LAST_PAGE] {
                for c in self.concurrencies() {
                    let Some(g) = self.run(shape.label, c) else { continue };
                    let w = |n: usize| {
                        self.peers
                            .iter()
                            .find(|p| p.shape == shape.label && p.concurrency == c && p.workers == n)
                            .map(|p| format!("{:.0} (p50 {:.2} ms)", p.stats.rps(), p.stats.p50_ms()))
                            .unwrap_or_else(|| "-".into())
                    };
                    let ratio = self
                        .best_peer(shape.label, c)
                        .map(|p| format!("{:.2}×", g.rps() / p.stats.rps()))
                        .unwrap_or_else(|| "-".into());
                    writeln!(
                        s,
                        "| {} | {c} | {:.0} | {} | {} | {ratio} |",
                        shape.label,
                        g.rps(),
                        w(1),
                        w(2)
                    )?;
                }
            }
            writeln!(s)?;
        } else if let Some(note) = &self.peer_note {
            writeln!(s, "Peers: not run: {note}\n")?;
        }
        match &self.seaography {
            Some(sea) if !sea.runs.is_empty() => {
                writeln!(
                    s,
                    "seaography on the same database ({}), shape 1; answer checked before the load: {}.\n",
                    sea.version.as_deref().unwrap_or("?"),
                    sea.check.as_deref().unwrap_or("?")
                )?;
                writeln!(
                    s,
                    "| shape | concurrency | Gazette req/s | seaography req/s | seaography p50 ms | seaography p99 ms | Gazette / seaography |"
                )?;
                writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
                for c in self.concurrencies() {
                    let (Some(g), Some(p)) = (self.run(shapes::FIRST_PAGE.label, c), sea.run(c)) else {
                        continue;
                    };
                    writeln!(
                        s,
                        "| {} | {c} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2}× |",
                        shapes::FIRST_PAGE.label,
                        g.rps(),
                        p.rps(),
                        p.p50_ms(),
                        p.p99_ms(),
                        g.rps() / p.rps()
                    )?;
                }
                writeln!(s)?;
            }
            Some(sea) => writeln!(s, "seaography: skipped: {}\n", sea.note.as_deref().unwrap_or("no runs"))?,
            None => {}
        }

        if !self.loader.is_empty() {
            writeln!(
                s,
                "DataLoader delay ({name}; SQL statements: the most any of 20 sequential requests ran):\n"
            )?;
            writeln!(
                s,
                "| --loader-delay-ms | shape | concurrency | req/s | p50 ms | p99 ms | SQL statements |"
            )?;
            writeln!(s, "| ---: | --- | ---: | ---: | ---: | ---: | ---: |")?;
            for l in &self.loader {
                writeln!(
                    s,
                    "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} |",
                    l.delay_ms,
                    l.target,
                    l.concurrency,
                    l.stats.rps(),
                    l.stats.p50_ms(),
                    l.stats.p99_ms(),
                    l.statements.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
                )?;
            }
            writeln!(s)?;
        }
        Ok(())
    }

    /// The per-engine targets at concurrency 1 (and 8 for the peers).
    fn targets(&self, out: &mut Vec<String>) {
        let name = self.engine.name();
        let p50 = |label: &str| self.run(label, 1).map(Stats::p50_ms);
        for shape in crate::baseline::RAW_SHAPES {
            let limit = if shape == shapes::FIRST_PAGE || shape == shapes::LAST_PAGE {
                1.5
            } else {
                2.0
            };
            match (p50(shape.label), p50(&raw_name(shape.label))) {
                (Some(g), Some(r)) => out.push(format!(
                    "{} {name}: {} p50 ≤ {limit}× its raw SQL p50: {g:.2} vs {r:.2} ms = {:.2}×",
                    verdict(g / r <= limit),
                    shape.label,
                    g / r
                )),
                _ => out.push(format!(
                    "FAIL {name}: {} vs raw SQL: not measured at concurrency 1",
                    shape.label
                )),
            }
        }
        let first = p50(shapes::FIRST_PAGE.label);
        for shape in [shapes::TAG_RANGE, shapes::TAG_PAGE, shapes::TAG_LAST_PAGE] {
            if let (Some(g), Some(f)) = (p50(shape.label), first) {
                out.push(format!(
                    "{} {name}: {} p50 ≤ 2× shape 1's p50: {g:.2} vs {f:.2} ms = {:.2}×",
                    verdict(g / f <= 2.0),
                    shape.label,
                    g / f
                ));
            }
        }
        if let (Some(a), Some(b)) = (p50(shapes::ARTICLE.label), p50(shapes::ARTICLE_BARE.label)) {
            out.push(format!(
                "{} {name}: shape 5 p50 ≤ 2× without related: {a:.2} vs {b:.2} ms = {:.2}×",
                verdict(a / b <= 2.0),
                a / b
            ));
        }
        if let (Some(st), Some(f)) = (self.run(shapes::SEARCH.label, 1), first) {
            out.push(format!(
                "{} {name}: search p50 ≤ 3× shape 1's p50: {:.2} vs {f:.2} ms = {:.2}×",
                verdict(st.p50_ms() / f <= 3.0),
                st.p50_ms(),
                st.p50_ms() / f
            ));
            out.push(format!(
                "{} {name}: search p99 ≤ 6× shape 1's p50: {:.2} vs {f:.2} ms = {:.2}×",
                verdict(st.p99_ms() / f <= 6.0),
                st.p99_ms(),
                st.p99_ms() / f
            ));
        }
        if !self.peers.is_empty() {
            for shape in [shapes::FIRST_PAGE, shapes::TAG_RANGE, shapes::LAST_PAGE] {
                for c in [1, 8] {
                    if let (Some(g), Some(p)) = (self.run(shape.label, c), self.best_peer(shape.label, c)) {
                        let ratio = g.rps() / p.stats.rps();
                        out.push(format!(
                            "{} {name}: {} throughput ≥ 1.5× PostGraphile's best at concurrency {c}: \
                             {:.0} vs {:.0} req/s ({} worker{}) = {ratio:.2}×",
                            verdict(ratio >= 1.5),
                            shape.label,
                            g.rps(),
                            p.stats.rps(),
                            p.workers,
                            if p.workers > 1 { "s" } else { "" }
                        ));
                    }
                }
            }
        }
        if let Some(sea) = &self.seaography {
            let mut any = false;
            for c in self.concurrencies() {
                if let (Some(g), Some(p)) = (self.run(shapes::FIRST_PAGE.label, c), sea.run(c)) {
                    let ratio = g.rps() / p.rps();
                    out.push(format!(
                        "{} {name}: {} throughput ≥ 10× seaography's at concurrency {c}: {:.0} vs {:.0} req/s = {ratio:.2}×",
                        verdict(ratio >= 10.0),
                        shapes::FIRST_PAGE.label,
                        g.rps(),
                        p.rps()
                    ));
                    any = true;
                }
            }
            if !any {
                out.push(format!(
                    "FAIL {name}: seaography on shape 1: skipped: {}",
                    sea.note.as_deref().unwrap_or("no runs")
                ));
            }
        }
        let most = shapes::ALL
            .iter()
            .filter_map(|sh| self.sql.get(sh.operation).map(|c| (c.max(), sh.label)))
            .max();
        if let Some((n, label)) = most {
            out.push(format!(
                "{} {name}: no shape above 4 SQL statements per request: most is {n} ({label})",
                verdict(n <= 4)
            ));
        }
        out.push(format!(
            "{} {name}: import peak RSS ≤ 256 MiB: {:.1} MiB",
            verdict(self.import.peak_rss_mib() <= MEMORY_CEILING_MIB),
            self.import.peak_rss_mib()
        ));
        let rss = self.server_memory.rss_kib as f64 / MIB;
        out.push(format!(
            "{} {name}: server RSS after the load ≤ 256 MiB: {rss:.1} MiB",
            verdict(rss <= MEMORY_CEILING_MIB)
        ));
        let r = &self.reimport;
        out.push(format!(
            "{} {name}: import of the unchanged corpus (a restart) ≤ 3 s and ≤ 256 MiB: {:.2} s, {:.1} MiB",
            verdict(r.wall.as_secs_f64() <= 3.0 && r.peak_rss_mib() <= MEMORY_CEILING_MIB),
            r.wall.as_secs_f64(),
            r.peak_rss_mib()
        ));
    }
}

impl Report {
    pub fn render(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = self.write(&mut s);
        s
    }

    fn engine(&self, e: Engine) -> Option<&EngineReport> {
        self.engines.iter().find(|r| r.engine == e)
    }

    fn write(&self, s: &mut String) -> std::fmt::Result {
        let m = &self.machine;
        writeln!(
            s,
            "# Gazette benchmark: {} articles ({})\n",
            self.corpus.articles, self.mode
        )?;
        writeln!(s, "- commit: `{}`", m.commit)?;
        writeln!(s, "- machine: {} CPUs, {}, Linux {}", m.cpus, m.cpu_model, m.kernel)?;
        writeln!(
            s,
            "- corpus: {} articles in {} files (seed 42{})",
            self.corpus.articles,
            self.corpus.files,
            if self.corpus.reused { ", reused" } else { "" },
        )?;
        for e in &self.engines {
            if let Some(b) = e.db_bytes {
                writeln!(s, "- {} file: {:.1} MiB", e.engine.name(), b as f64 / MIB / MIB)?;
            }
        }
        if let Some(v) = &self.postgres_version {
            writeln!(
                s,
                "- PostgreSQL {v}: shared_buffers 1GB, random_page_cost 1.1, VACUUM ANALYZE after the import"
            )?;
        }
        writeln!(
            s,
            "- each run: {:?} warm-up, then {:?} measured; shape 3 query `{}`",
            self.timing.warmup, self.timing.measure, self.search_word
        )?;
        writeln!(
            s,
            "- raw SQL baselines: actix-web 4 with its default worker count (as Gazette), sqlx pool of 10 \
             connections (Gazette's default) on the same database, serde_json; the page, its tags and categories \
             in one UNION ALL, and the count where the shape asks for one; search, snippet, HTML body and \
             headings through Gazette's own library functions (bench/src/baseline.rs)"
        )?;
        writeln!(
            s,
            "- bench took {:.0} s after {:.0} s building the server\n",
            (self.elapsed - self.build_time).as_secs_f64(),
            self.build_time.as_secs_f64()
        )?;

        writeln!(s, "## Import\n")?;
        writeln!(
            s,
            "| engine | files | wall s | articles/s | files/s | peak RSS MiB | unchanged corpus again (restart) s | its peak RSS MiB | VACUUM ANALYZE s |"
        )?;
        writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        for e in &self.engines {
            writeln!(
                s,
                "| {} | {} | {:.2} | {:.0} | {:.0} | {:.1} | {:.2} | {:.1} | {} |",
                e.engine.name(),
                e.import.files,
                e.import.wall.as_secs_f64(),
                e.import.articles_per_sec(),
                e.import.files_per_sec(),
                e.import.peak_rss_mib(),
                e.reimport.wall.as_secs_f64(),
                e.reimport.peak_rss_mib(),
                e.vacuum
                    .map(|d| format!("{:.2}", d.as_secs_f64()))
                    .unwrap_or_else(|| "-".into())
            )?;
        }
        match &self.hugo {
            Some(h) => writeln!(
                s,
                "\nhugo ({}) built the same corpus in {:.2} s ({} HTML pages; layouts print each page's title and content).\n",
                h.version,
                h.wall.as_secs_f64(),
                h.pages.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
            )?,
            None => writeln!(s, "\nhugo: not run.\n")?,
        }

        for e in &self.engines {
            e.write(s)?;
        }

        let mut targets = self.targets();
        if let Some(other) = &self.growth_from {
            crate::growth::write(s, other, &crate::growth::Results::of(self), &mut targets)?;
        }

        writeln!(s, "## Targets\n")?;
        for line in targets {
            writeln!(s, "- {line}")?;
        }
        Ok(())
    }

    fn targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.engines {
            e.targets(&mut out);
        }
        let sqlite = self.engine(Engine::Sqlite);
        if let (Some(h), Some(e)) = (&self.hugo, sqlite) {
            let ratio = h.wall.as_secs_f64() / e.import.wall.as_secs_f64();
            out.push(format!(
                "{} import ≥ 3× faster than hugo builds the corpus: {:.2} s against hugo's {:.2} s = {ratio:.2}×",
                verdict(ratio >= 3.0),
                e.import.wall.as_secs_f64(),
                h.wall.as_secs_f64()
            ));
        }
        if let (Some(l), Some(p)) = (sqlite, self.engine(Engine::Postgres)) {
            let share = p.import.articles_per_sec() / l.import.articles_per_sec();
            out.push(format!(
                "{} PostgreSQL import ≥ 50% of SQLite's rate: {:.0} vs {:.0} articles/s = {:.0}%",
                verdict(share >= 0.5),
                p.import.articles_per_sec(),
                l.import.articles_per_sec(),
                share * 100.0
            ));
        }
        // Asked for with --peers, it has its own line per engine above (run or skipped).
        if self.engines.iter().all(|e| e.seaography.is_none()) {
            out.push(
                "FAIL seaography on shape 1: not run by this bench (it needs --peers and the postgres engine)".into(),
            );
        }
        out
    }
}
