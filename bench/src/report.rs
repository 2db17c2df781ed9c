//! The markdown report: machine, results tables and the targets, PASS or FAIL.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;

use crate::corpus::{Corpus, Import};
use crate::load::{Stats, Timing};
use crate::server::{Memory, SqlCounts};
use crate::shapes;

/// Name of the raw-SQL baseline target: every throughput ratio is against it.
pub const RAW: &str = "baseline: raw SQL";
pub const STATIC: &str = "baseline: static";

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
    pub target: String,
    pub stats: Stats,
}

pub struct Report {
    pub machine: Machine,
    pub mode: &'static str,
    pub timing: Timing,
    pub corpus: Corpus,
    pub import: Import,
    pub db_bytes: u64,
    pub search_word: &'static str,
    pub popular_tag: String,
    pub sql: BTreeMap<String, SqlCounts>,
    pub runs: Vec<Run>,
    pub server_memory: Memory,
    pub loader: Vec<LoaderRun>,
    pub loader_concurrency: usize,
    /// Building the server (cargo), then the whole bench including it.
    pub build_time: std::time::Duration,
    pub elapsed: std::time::Duration,
}

const MIB: f64 = 1024.0;

impl Report {
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

    pub fn render(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = self.write(&mut s);
        s
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
            "- corpus: {} articles in {} files (seed 42{}), SQLite file {:.1} MiB",
            self.corpus.articles,
            self.corpus.files,
            if self.corpus.reused { ", reused" } else { "" },
            self.db_bytes as f64 / MIB / MIB
        )?;
        writeln!(
            s,
            "- each run: {:?} warm-up, then {:?} measured; shape 2 tag `{}`, shape 3 query `{}`",
            self.timing.warmup, self.timing.measure, self.popular_tag, self.search_word
        )?;
        writeln!(
            s,
            "- baselines: actix-web 4 with its default worker count (as Gazette), `/raw` on a read-only sqlx pool \
             of 10 connections (Gazette's default pool size) with no ping before each acquire (as Gazette), \
             3 statements per request"
        )?;
        writeln!(
            s,
            "- bench took {:.0} s after {:.0} s building the server\n",
            (self.elapsed - self.build_time).as_secs_f64(),
            self.build_time.as_secs_f64()
        )?;

        writeln!(s, "## Import\n")?;
        writeln!(s, "| articles | files | wall s | articles/s | files/s | peak RSS MiB |")?;
        writeln!(s, "| ---: | ---: | ---: | ---: | ---: | ---: |")?;
        let i = &self.import;
        writeln!(
            s,
            "| {} | {} | {:.2} | {:.0} | {:.0} | {:.1} |\n",
            i.articles,
            i.files,
            i.wall.as_secs_f64(),
            i.articles_per_sec(),
            i.files_per_sec(),
            i.peak_rss_mib()
        )?;

        writeln!(s, "## Throughput and latency\n")?;
        writeln!(
            s,
            "| target | concurrency | req/s | p50 ms | p99 ms | vs raw SQL | timed out |"
        )?;
        writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        let mut targets: Vec<&str> = Vec::new();
        for r in &self.runs {
            if !targets.contains(&r.target.as_str()) {
                targets.push(&r.target);
            }
        }
        for t in &targets {
            for c in self.concurrencies() {
                let Some(st) = self.run(t, c) else { continue };
                let ratio = self
                    .run(RAW, c)
                    .map(|raw| format!("{:.2}×", st.rps() / raw.rps()))
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    s,
                    "| {t} | {c} | {:.0} | {:.2} | {:.2} | {ratio} | {} |",
                    st.rps(),
                    st.p50_ms(),
                    st.p99_ms(),
                    st.timeouts
                )?;
            }
        }
        writeln!(s)?;

        writeln!(s, "## SQL statements per request\n")?;
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

        writeln!(s, "## Server memory\n")?;
        writeln!(
            s,
            "After the load: VmRSS {:.1} MiB, VmHWM (peak) {:.1} MiB.\n",
            self.server_memory.rss_kib as f64 / MIB,
            self.server_memory.hwm_kib as f64 / MIB
        )?;

        writeln!(s, "## First page vs last page (concurrency 1)\n")?;
        match self.page_ratio() {
            Some((first, last, ratio)) => writeln!(
                s,
                "p50 first page {first:.2} ms, last page {last:.2} ms: last/first = {ratio:.2}.\n"
            )?,
            None => writeln!(s, "Not measured (concurrency 1 not run).\n")?,
        }

        writeln!(s, "## DataLoader delay (concurrency {})\n", self.loader_concurrency)?;
        writeln!(s, "| --loader-delay-ms | shape | req/s | p50 ms | p99 ms |")?;
        writeln!(s, "| ---: | --- | ---: | ---: | ---: |")?;
        for l in &self.loader {
            writeln!(
                s,
                "| {} | {} | {:.0} | {:.2} | {:.2} |",
                l.delay_ms,
                l.target,
                l.stats.rps(),
                l.stats.p50_ms(),
                l.stats.p99_ms()
            )?;
        }
        writeln!(s)?;

        writeln!(s, "## Targets\n")?;
        for line in self.targets() {
            writeln!(s, "- {line}")?;
        }
        Ok(())
    }

    /// (first page p50, last page p50, last/first) at concurrency 1.
    fn page_ratio(&self) -> Option<(f64, f64, f64)> {
        let first = self.run(shapes::FIRST_PAGE.label, 1)?.p50_ms();
        let last = self.run(shapes::LAST_PAGE.label, 1)?.p50_ms();
        Some((first, last, last / first))
    }

    fn targets(&self) -> Vec<String> {
        let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
        let mut out = Vec::new();
        for c in self.concurrencies() {
            if let (Some(shape), Some(raw)) = (self.run(shapes::FIRST_PAGE.label, c), self.run(RAW, c)) {
                let share = shape.rps() / raw.rps();
                out.push(format!(
                    "{} shape 1 ≥ 50% of raw-SQL throughput at concurrency {c}: {:.0} vs {:.0} req/s = {:.0}%",
                    verdict(share >= 0.5),
                    shape.rps(),
                    raw.rps(),
                    share * 100.0
                ));
            }
        }
        match self.page_ratio() {
            Some((_, _, ratio)) => out.push(format!(
                "{} last page p50 ≤ 1.5× first page p50 (concurrency 1): {ratio:.2}×",
                verdict(ratio <= 1.5)
            )),
            None => out.push("FAIL last page ≤ 1.5× first page: not measured (add concurrency 1)".into()),
        }
        let worst = shapes::ALL
            .iter()
            .map(|sh| (sh.label, self.sql.get(sh.operation).map(SqlCounts::max)))
            .collect::<Vec<_>>();
        let missing: Vec<&str> = worst.iter().filter(|w| w.1.is_none()).map(|w| w.0).collect();
        let max = worst.iter().filter_map(|w| w.1.map(|n| (n, w.0))).max();
        match max {
            Some((n, label)) if missing.is_empty() => out.push(format!(
                "{} no shape above 5 SQL statements per request: most is {n} ({label})",
                verdict(n <= 5)
            )),
            _ => out.push(format!(
                "FAIL no shape above 5 SQL statements: no log lines for {missing:?}"
            )),
        }
        let i = &self.import;
        out.push(format!(
            "{} import ≥ 5,000 articles/s: {:.0} articles/s",
            verdict(i.articles_per_sec() >= 5000.0),
            i.articles_per_sec()
        ));
        out.push(format!(
            "{} import peak RSS ≤ 256 MiB: {:.1} MiB",
            verdict(i.peak_rss_mib() <= 256.0),
            i.peak_rss_mib()
        ));
        match self.run(shapes::SEARCH.label, 1) {
            Some(st) => out.push(format!(
                "{} search p99 ≤ 20 ms at concurrency 1: {:.2} ms",
                verdict(st.p99_ms() <= 20.0),
                st.p99_ms()
            )),
            None => out.push("FAIL search p99 ≤ 20 ms: not measured (add concurrency 1)".into()),
        }
        out
    }
}
