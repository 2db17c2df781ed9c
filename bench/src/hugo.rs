//! hugo building the same corpus, for the import target: Gazette's import
//! against what Debian's `hugo` needs to turn the same files into pages.
//! The site's layouts print each page's title and rendered content (what
//! Gazette's import computes and stores), lists print their title, and the
//! corpus's two languages are configured as Gazette reads them.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::corpus::Corpus;

pub struct HugoBuild {
    pub version: String,
    pub wall: Duration,
    pub pages: Option<u64>,
}

/// Builds the corpus with hugo into a scratch folder; `None` when hugo is not installed.
pub fn build(corpus: &Corpus, bench_dir: &Path) -> Result<Option<HugoBuild>> {
    let Ok(version) = Command::new("hugo").arg("version").output() else {
        return Ok(None);
    };
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let site = bench_dir.join(format!("hugo-site-{}", corpus.articles));
    if site.exists() {
        std::fs::remove_dir_all(&site)?;
    }
    let layouts = site.join("layouts/_default");
    std::fs::create_dir_all(&layouts)?;
    let content = corpus
        .dir
        .canonicalize()
        .with_context(|| format!("resolving {}", corpus.dir.display()))?;
    std::fs::write(
        site.join("hugo.toml"),
        format!(
            "baseURL = 'https://example.com/'\n\
             title = 'bench'\n\
             contentDir = {content:?}\n\
             defaultContentLanguage = 'zh'\n\
             disableKinds = ['RSS', 'sitemap', 'robotsTXT', '404']\n\
             [languages.zh]\nweight = 1\n[languages.en]\nweight = 2\n",
            content = content.display().to_string()
        ),
    )?;
    std::fs::write(layouts.join("single.html"), "{{ .Title }}\n{{ .Content }}\n")?;
    std::fs::write(layouts.join("list.html"), "{{ .Title }}\n")?;
    let out = site.join("public");
    let started = Instant::now();
    let run = Command::new("hugo")
        .arg("--source")
        .arg(&site)
        .arg("--destination")
        .arg(&out)
        .args(["--quiet", "--noBuildLock"])
        .stdin(Stdio::null())
        .output()
        .context("running hugo")?;
    let wall = started.elapsed();
    if !run.status.success() {
        bail!(
            "hugo failed ({}): {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
                .lines()
                .take(10)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let pages = count_html(&out);
    // The output is as large as the corpus; nothing reads it.
    let _ = std::fs::remove_dir_all(&site);
    Ok(Some(HugoBuild { version, wall, pages }))
}

fn count_html(dir: &Path) -> Option<u64> {
    let mut n = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                n += 1;
            }
        }
    }
    Some(n)
}
