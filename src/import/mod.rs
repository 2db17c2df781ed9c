//! `gazette import`: reads Hugo content files and stores them as articles.
//! Each article (a file and its translation files) is written whole or not
//! at all; a bad file is reported as `path:line: reason` and skipped.

pub mod dates;
pub mod document;
mod error;
pub mod front_matter;
mod walk;
pub mod watch;
pub mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::live::Change;
use document::Document;
pub use document::ReadOptions;
pub use error::{FileError, ImportError};
use writer::ArticleUnit;
pub use writer::{Outcome, Written};

/// What happened to one content file.
#[derive(Debug)]
pub enum Event<'a> {
    /// Content files were found; this many will be reported.
    Found(usize),
    /// The file was stored with this outcome. The change subscribers hear
    /// of comes with the article's original file only.
    Done {
        path: &'a Path,
        outcome: Outcome,
        change: Option<Change>,
    },
    /// The file was skipped.
    Failed(&'a FileError),
}

/// Counts of an import run, and the files that failed.
#[derive(Debug, Default)]
pub struct Summary {
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: Vec<FileError>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} imported, {} updated, {} unchanged, {} failed",
            self.imported,
            self.updated,
            self.unchanged,
            self.failed.len()
        )
    }
}

/// One file read from disk, parsed or not.
struct Read {
    path: PathBuf,
    stored_path: String,
    bytes: Vec<u8>,
    doc: Document,
}

/// Imports every content file under `paths` (files or folders, walked
/// recursively). `on_event` is told of each file as it is done.
pub async fn run(
    db: &DatabaseConnection,
    paths: &[PathBuf],
    opts: &ReadOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Summary, ImportError> {
    let files = walk::content_files(paths)?;
    on_event(Event::Found(files.len()));

    let mut summary = Summary::default();
    let mut reads = Vec::with_capacity(files.len());
    // Groups whose original failed: their translations must not stand in for it.
    let mut broken_groups: HashMap<(PathBuf, String), PathBuf> = HashMap::new();
    for file in files {
        match read_file(&file.path, opts) {
            Ok((bytes, doc)) => reads.push(Read {
                path: file.path,
                stored_path: file.stored_path,
                bytes,
                doc,
            }),
            Err(e) => {
                // Only a broken original takes its translations down with it.
                let (stem, locale) = document::name_parts(&file.path);
                if locale.is_none() {
                    broken_groups
                        .entry(group_dir(&file.path, stem))
                        .or_insert_with(|| file.path.clone());
                }
                on_event(Event::Failed(&e));
                summary.failed.push(e);
            }
        }
    }

    let (units, errors) = group(reads, &broken_groups, opts, chrono::Utc::now());
    for e in errors {
        on_event(Event::Failed(&e));
        summary.failed.push(e);
    }
    for (unit, files) in units {
        match writer::write(db, &unit).await {
            Ok(written) => {
                let outcome = written.outcome;
                for (i, path) in files.iter().enumerate() {
                    match outcome {
                        Outcome::Imported => summary.imported += 1,
                        Outcome::Updated => summary.updated += 1,
                        Outcome::Unchanged => summary.unchanged += 1,
                    }
                    let change = if i == 0 { written.change } else { None };
                    on_event(Event::Done { path, outcome, change });
                }
            }
            Err(db_err) => {
                for path in files {
                    let e = FileError::new(path, None, format!("not stored: {db_err}"));
                    on_event(Event::Failed(&e));
                    summary.failed.push(e);
                }
            }
        }
    }
    Ok(summary)
}

fn read_file(path: &Path, opts: &ReadOptions) -> Result<(Vec<u8>, Document), FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::new(path, None, e.to_string()))?;
    let problem = |p: front_matter::Problem| FileError::new(path, p.line, p.reason);
    let text = front_matter::decode(&bytes).map_err(problem)?;
    let split = front_matter::split(text).map_err(problem)?;
    let doc = document::read(path, &split, opts).map_err(problem)?;
    Ok((bytes, doc))
}

fn group_dir(path: &Path, stem: String) -> (PathBuf, String) {
    (path.parent().map(Path::to_path_buf).unwrap_or_default(), stem)
}

/// Bumped when the importer reads the same bytes differently.
const HASH_VERSION: &str = "gazette-import-3";

/// Groups files into articles: `name.md` with its `name.LANG.md` files, and
/// files sharing a `translationKey`. Reports translations whose original
/// failed, clashing locales, and slugs produced twice.
fn group(
    reads: Vec<Read>,
    broken: &HashMap<(PathBuf, String), PathBuf>,
    opts: &ReadOptions,
    now: chrono::DateTime<chrono::Utc>,
) -> (Vec<(ArticleUnit, Vec<PathBuf>)>, Vec<FileError>) {
    let mut errors = Vec::new();
    let mut groups: Vec<Vec<Read>> = Vec::new();
    let mut by_name: HashMap<(PathBuf, String), usize> = HashMap::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for read in reads {
        let name = group_dir(&read.path, read.doc.stem.clone());
        if let Some(original) = broken.get(&name) {
            let reason = format!("not imported: its original {} failed", original.display());
            errors.push(FileError::new(read.path, None, reason));
            continue;
        }
        let existing = read
            .doc
            .translation_key
            .as_ref()
            .and_then(|k| by_key.get(k))
            .or_else(|| by_name.get(&name))
            .copied();
        let index = existing.unwrap_or_else(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        by_name.entry(name).or_insert(index);
        if let Some(k) = &read.doc.translation_key {
            by_key.entry(k.clone()).or_insert(index);
        }
        groups[index].push(read);
    }

    let mut units = Vec::new();
    let mut slugs: HashMap<String, PathBuf> = HashMap::new();
    for mut files in groups {
        // The original is the file without a language suffix, else the first.
        let pos = files.iter().position(|r| r.doc.name_locale.is_none()).unwrap_or(0);
        let original = files.remove(pos);
        if let Some(first) = slugs.get(&original.doc.slug) {
            let reason = format!("slug `{}` is also produced by {}", original.doc.slug, first.display());
            errors.push(FileError::new(&original.path, original.doc.slug_line, reason));
            for t in files {
                let reason = format!("not imported: its original {} failed", original.path.display());
                errors.push(FileError::new(t.path, None, reason));
            }
            continue;
        }
        slugs.insert(original.doc.slug.clone(), original.path.clone());

        let mut hasher = Sha256::new();
        hasher.update(HASH_VERSION);
        hasher.update(opts.timezone.name());
        hasher.update(opts.default_lang.as_str());
        let feed = |hasher: &mut Sha256, r: &Read| {
            hasher.update(r.stored_path.as_bytes());
            hasher.update((r.bytes.len() as u64).to_le_bytes());
            hasher.update(&r.bytes);
        };
        feed(&mut hasher, &original);
        let mut translations: Vec<(String, Document)> = Vec::new();
        let mut paths = vec![original.path.clone()];
        for mut t in files {
            let locale = t.doc.name_locale.clone().unwrap_or_else(|| t.doc.lang.clone());
            let clash = locale == original.doc.lang || translations.iter().any(|(_, d)| d.lang == locale);
            if clash {
                let reason = format!(
                    "a version in locale {locale} is already given for {}",
                    original.path.display()
                );
                errors.push(FileError::new(t.path, None, reason));
                continue;
            }
            feed(&mut hasher, &t);
            paths.push(t.path);
            // A draft, not-yet-published or expired translation is not stored.
            // Whether it is public goes into the hash, so a later import stores
            // it once its publishDate has come (or drops it once it expires).
            let public = crate::query::articles::is_public(t.doc.draft, t.doc.publish_date, t.doc.expiry_date, now);
            hasher.update([u8::from(public)]);
            if public {
                t.doc.lang = locale;
                translations.push((t.stored_path, t.doc));
            }
        }
        let content_hash = format!("{:x}", hasher.finalize());
        units.push((
            ArticleUnit {
                original: original.doc,
                original_path: original.stored_path,
                translations,
                content_hash,
            },
            paths,
        ));
    }
    (units, errors)
}
