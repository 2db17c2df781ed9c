//! Child server processes: spawn, wait until ready, read RSS and request logs, kill.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// A running child process, killed (and reaped) when dropped: every exit path
/// of the bench, errors and panics included, takes its servers down with it.
pub struct Process {
    name: String,
    child: Child,
    pub base_url: String,
    pub log: PathBuf,
}

impl Process {
    /// Starts `cmd` with stdout and stderr appended to `log`, serving at `addr`.
    pub fn spawn(name: &str, mut cmd: Command, addr: &str, log: &Path) -> Result<Process> {
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        // If the bench is killed outright (SIGKILL, no Drop), the child goes too.
        // The signal follows the spawning *thread*: we spawn from the main thread
        // (the future given to block_on), which lives as long as the bench.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().with_context(|| format!("starting {name}"))?;
        Ok(Process {
            name: name.to_owned(),
            child,
            base_url: format!("http://{addr}"),
            log: log.to_owned(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /readyz` until it answers 200; fails early if the process exits.
    pub async fn wait_ready(&mut self, client: &reqwest::Client, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let url = format!("{}/readyz", self.base_url);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before it was ready:\n{}",
                    self.name,
                    tail(&self.log, 20)
                );
            }
            if let Ok(r) = client.get(&url).send().await {
                if r.status() == reqwest::StatusCode::OK {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("{} not ready after {timeout:?}:\n{}", self.name, tail(&self.log, 20));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails if the process has died (e.g. crashed under load).
    pub fn ensure_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("{} exited ({status}):\n{}", self.name, tail(&self.log, 20));
        }
        Ok(())
    }

    /// Resident and peak resident memory, in KiB, from /proc/PID/status.
    pub fn memory_kib(&self) -> Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| -> Result<u64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("no {name} in /proc/{}/status", self.pid()))?;
            let kib = line.trim_start_matches(name).trim().trim_end_matches("kB").trim();
            Ok(kib.parse()?)
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
        })
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // SIGKILL rather than a graceful stop: nothing is left to measure, and a
        // server stuck under load must not hang the bench's exit.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Starts `gazette serve` on `db` with JSON logs, and waits until it is ready.
pub async fn start_gazette(
    bin: &Path,
    database_url: &str,
    loader_delay_ms: u64,
    log: &Path,
    client: &reqwest::Client,
) -> Result<Process> {
    let addr = format!("127.0.0.1:{}", free_port()?);
    let mut cmd = Command::new(bin);
    cmd.arg("--database-url")
        .arg(database_url)
        .args([
            "--log-format",
            "json",
            "serve",
            "--bind",
            &addr,
            "--content",
            "/nonexistent",
        ])
        .args(["--loader-delay-ms", &loader_delay_ms.to_string()])
        // The per-request log lines carry the SQL statement counts.
        .env("RUST_LOG", "info");
    let mut p = Process::spawn("gazette serve", cmd, &addr, log)?;
    p.wait_ready(client, Duration::from_secs(60)).await?;
    Ok(p)
}

pub fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}?mode=rwc", db.display())
}

/// SQL statements per request of each operation, from the `gazette::request` log lines.
#[derive(Debug, Clone, Default)]
pub struct SqlCounts {
    pub samples: Vec<u64>,
}

impl SqlCounts {
    pub fn min(&self) -> u64 {
        self.samples.iter().copied().min().unwrap_or(0)
    }
    pub fn max(&self) -> u64 {
        self.samples.iter().copied().max().unwrap_or(0)
    }
    pub fn mean(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        self.samples.iter().sum::<u64>() as f64 / self.samples.len() as f64
    }
}

/// Reads the request log lines written so far, grouped by operation name. A line looks like
/// `{"level":"INFO","fields":{"operation":"Shape1","sql_statements":3,...},"target":"gazette::request"}`.
pub fn sql_counts(log: &Path) -> Result<BTreeMap<String, SqlCounts>> {
    let text = std::fs::read_to_string(log)?;
    let mut out: BTreeMap<String, SqlCounts> = BTreeMap::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue; // the startup banner is plain text
        };
        if v["target"] != "gazette::request" {
            continue;
        }
        let fields = &v["fields"];
        let (Some(op), Some(n)) = (fields["operation"].as_str(), fields["sql_statements"].as_u64()) else {
            bail!("request log line without operation or sql_statements: {line}");
        };
        out.entry(op.to_owned()).or_default().samples.push(n);
    }
    Ok(out)
}

/// The last `n` lines of a log, for error messages.
pub fn tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
