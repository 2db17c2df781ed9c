//! Building the server, generating the corpus and timing its import (wall time, peak RSS).

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::server::{sqlite_url, tail};

/// `$CARGO build --release -p gazette --bin gazette` in the workspace, so the
/// bench always measures the server as the sources are now.
pub fn build_server(workspace: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        // With the bench selected too: it depends on the library, and one
        // feature set for both keeps cargo from building the library twice.
        .args([
            "build",
            "--release",
            "-p",
            "gazette",
            "-p",
            "gazette-bench",
            "--bin",
            "gazette",
        ])
        .current_dir(workspace)
        .status()
        .with_context(|| format!("running {} build", cargo.to_string_lossy()))?;
    if !status.success() {
        bail!("building the gazette server failed ({status})");
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Corpus {
    pub dir: PathBuf,
    pub articles: usize,
    /// Content files: articles plus translation files.
    pub files: usize,
    pub reused: bool,
}

/// `gazette generate` into `bench_dir`, reused when a marker says the same
/// articles and seed were generated completely before by the same generator source.
pub fn generate(gazette: &Path, workspace: &Path, bench_dir: &Path, articles: usize, seed: u64) -> Result<Corpus> {
    let dir = bench_dir.join(format!("corpus-{articles}-seed{seed}"));
    // Outside the corpus folder, so the import never sees it.
    let marker = bench_dir.join(format!("corpus-{articles}-seed{seed}.done"));
    let expected = format!(
        "articles={articles} seed={seed} generator={:016x}\n",
        generator_hash(workspace)
    );
    if dir.is_dir() && std::fs::read_to_string(&marker).ok().as_deref() == Some(expected.as_str()) {
        return Ok(Corpus {
            files: count_files(&dir)?,
            dir,
            articles,
            reused: true,
        });
    }
    // Written to a temporary folder and renamed, so an interrupted run leaves no half corpus behind.
    let tmp = bench_dir.join(format!(".corpus-{articles}-seed{seed}.tmp"));
    for stale in [&tmp, &dir] {
        if stale.exists() {
            std::fs::remove_dir_all(stale).with_context(|| format!("removing {}", stale.display()))?;
        }
    }
    let _ = std::fs::remove_file(&marker);
    let out = Command::new(gazette)
        .args([
            "generate",
            "--articles",
            &articles.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(&tmp)
        .output()
        .context("running gazette generate")?;
    if !out.status.success() {
        bail!(
            "gazette generate failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::rename(&tmp, &dir)?;
    std::fs::write(&marker, expected)?;
    Ok(Corpus {
        files: count_files(&dir)?,
        dir,
        articles,
        reused: false,
    })
}

/// A hash of the generator's source, so a changed generator invalidates a kept corpus.
fn generator_hash(workspace: &Path) -> u64 {
    let source = std::fs::read(workspace.join("src/generate.rs")).unwrap_or_default();
    // SipHash with fixed keys: stable between runs of the same toolchain, which is all a cache key needs.
    let mut h = std::hash::DefaultHasher::new();
    source.hash(&mut h);
    h.finish()
}

fn count_files(dir: &Path) -> Result<usize> {
    Ok(std::fs::read_dir(dir)?
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_file()))
        .count())
}

/// Slugs (file stems) of articles that have a translation file (`000017.en.md`), at most `limit`.
pub fn translated_slugs(corpus: &Corpus, limit: usize) -> Result<Vec<String>> {
    let mut slugs: Vec<String> = std::fs::read_dir(&corpus.dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".md")?;
            let (slug, lang) = stem.split_once('.')?;
            (!lang.is_empty()).then(|| slug.to_owned())
        })
        .collect();
    slugs.sort();
    slugs.dedup();
    slugs.truncate(limit);
    Ok(slugs)
}

#[derive(Debug, Clone)]
pub struct Import {
    pub wall: Duration,
    pub peak_rss_kib: u64,
    pub articles: usize,
    pub files: usize,
}

impl Import {
    pub fn articles_per_sec(&self) -> f64 {
        self.articles as f64 / self.wall.as_secs_f64()
    }
    pub fn files_per_sec(&self) -> f64 {
        self.files as f64 / self.wall.as_secs_f64()
    }
    pub fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }
}

/// Where the bench keeps one engine's data: the URL Gazette is given, and
/// for SQLite the file (removed before a fresh import).
#[derive(Debug, Clone)]
pub struct Database {
    pub url: String,
    pub file: Option<PathBuf>,
}

impl Database {
    pub fn sqlite(file: &Path) -> Database {
        Database {
            url: sqlite_url(file),
            file: Some(file.to_owned()),
        }
    }

    /// Removes a SQLite file and its WAL (PostgreSQL databases are made fresh by the caller).
    pub fn remove(&self) -> Result<()> {
        let Some(db) = &self.file else { return Ok(()) };
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let f = PathBuf::from(format!("{}{suffix}", db.display()));
            if f.exists() {
                std::fs::remove_file(&f).with_context(|| format!("removing {}", f.display()))?;
            }
        }
        Ok(())
    }
}

/// Imports the corpus with `gazette import`, timing it and reading the
/// child's peak RSS from `wait4` (exact, unlike polling /proc). Run on a
/// database that already holds the corpus, it measures a restart's import.
pub fn import(gazette: &Path, corpus: &Corpus, db: &Database, log: &Path) -> Result<Import> {
    let out = File::create(log)?;
    let err = out.try_clone()?;
    let started = Instant::now();
    let child = Command::new(gazette)
        .arg("--database-url")
        .arg(&db.url)
        .arg("import")
        .arg(&corpus.dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .context("starting gazette import")?;
    let pid = libc::pid_t::try_from(child.id())?;
    let (status, rusage) = wait4(pid)?;
    let wall = started.elapsed();
    // The child is reaped by wait4; std's Child is dropped without waiting again.
    drop(child);
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("gazette import failed (wait status {status}):\n{}", tail(log, 20));
    }
    Ok(Import {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_rss_kib: u64::try_from(rusage.ru_maxrss)?,
        articles: corpus.articles,
        files: corpus.files,
    })
}

/// Waits for `pid` to end, retrying on EINTR; returns its wait status and resource usage.
fn wait4(pid: libc::pid_t) -> Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if r == pid {
            return Ok((status, rusage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4 on gazette import");
        }
    }
}
