//! A throw-away PostgreSQL server for the bench, started as `.ci/postgres.sh`
//! starts the test suite's (Debian's binaries, run as the `postgres` user, on a
//! free loopback port), with the settings of issue #14's measurements:
//! `shared_buffers = 1GB`, `random_page_cost = 1.1`, and `pg_stat_statements`
//! loaded. Stopped and removed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::server::free_port;

pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    pub version: String,
}

/// Runs a PostgreSQL program as the `postgres` user when we are root (initdb
/// refuses root), else as ourselves.
fn as_pg(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c.current_dir("/");
        c
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The newest `/usr/lib/postgresql/*/bin` holding initdb.
fn find_bin() -> Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (apt-get install -y postgresql)")?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, b)| b)
        .context("no initdb under /usr/lib/postgresql/*/bin")
}

impl Postgres {
    /// initdb into a fresh folder under `parent` and start the server.
    pub fn start(parent: &Path) -> Result<Postgres> {
        let bin = find_bin()?;
        let dir = parent.join(format!("postgres-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres").arg(&dir);
                    c
                },
                "chown postgres",
            )?;
        }
        let data = dir.join("data");
        let mut init = as_pg(&bin.join("initdb"));
        init.arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "gazette", "-E", "UTF8", "--locale=C.UTF-8"]);
        run(init, "initdb")?;
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 \
             -c shared_buffers=1GB -c random_page_cost=1.1 \
             -c shared_preload_libraries=pg_stat_statements",
            dir.display()
        );
        let mut start = as_pg(&bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-o", &options, "start"]);
        // Built before the start, so a failed start is stopped and removed too.
        let mut pg = Postgres {
            bin,
            dir,
            port,
            version: String::new(),
        };
        run(start, "pg_ctl start")?;
        pg.version = pg.psql("postgres", "SHOW server_version")?.trim().to_owned();
        pg.psql("postgres", "CREATE EXTENSION pg_stat_statements")?;
        Ok(pg)
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://gazette@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs one SQL command with psql and returns its unaligned output.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String> {
        let mut c = Command::new(self.bin.join("psql"));
        c.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "gazette",
            "-qAtX",
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql]);
        run(c, &format!("psql {sql:?}"))
    }

    /// A new empty database `name` (dropped first if it exists).
    pub fn fresh_database(&self, name: &str) -> Result<String> {
        self.psql("postgres", &format!("DROP DATABASE IF EXISTS {name}"))?;
        self.psql("postgres", &format!("CREATE DATABASE {name}"))?;
        Ok(self.url(name))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = as_pg(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(self.dir.join("data")).args(["-m", "fast", "stop"]);
        let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
