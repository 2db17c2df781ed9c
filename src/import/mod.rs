//! `gazette import`: reads Hugo content files and stores them as articles.
//! Each article (a file and its translation files) is written whole or not
//! at all; a bad file is reported as `path:line: reason` and skipped.

mod bundle;
mod cascade;
pub mod dates;
pub mod document;
mod error;
pub mod front_matter;
pub mod git;
mod sections;
mod walk;
pub use walk::{content_plan, ContentPlan, LanguageDir};
pub mod watch;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use sea_orm::DatabaseConnection;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::live::Change;
use crate::site::url::{PageFacts, PageKind};
use crate::store::{self, ArticleChange, NewTranslation, Prepared};
use document::Document;
pub use document::ReadOptions;
pub use error::{FileError, ImportError};
pub use store::{Outcome, Written};

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
    /// No file was read: every file of the tree has the path, size and
    /// modification time the last import saw, so all are unchanged and the
    /// failures are that import's.
    pub reused: bool,
    /// A write to the database failed (not a file's fault): what this run
    /// saw is not remembered, so the next one reads every file again.
    write_failed: bool,
}

impl Summary {
    /// Counts one file stored with `outcome`.
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Imported => self.imported += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
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
        )?;
        if self.reused {
            write!(f, " (no file changed since the last import)")?;
        }
        Ok(())
    }
}

/// One file read from disk, parsed or not.
struct Read {
    path: PathBuf,
    stored_path: String,
    /// See [`walk::ContentFile::site_path`].
    site_path: String,
    bytes: Vec<u8>,
    doc: Document,
    /// A leaf bundle's files and their digest (for the content hash).
    resources: (Vec<crate::store::NewResource>, Vec<u8>),
}

/// Files read, grouped and segmented together. A chunk never splits a
/// `name.md` from its `name.LANG.md` files, and bounds the import's memory:
/// only two chunks are held at once, whatever the size of the corpus.
const CHUNK_FILES: usize = 256;

/// What reading one chunk produced.
#[derive(Default)]
struct Chunk {
    failed: Vec<FileError>,
    units: Vec<(Prepared, Files)>,
    /// Groups with a `translationKey`: they may join files of any other
    /// chunk, so they are grouped once every chunk has been read.
    deferred: Vec<Read>,
    /// The first moment a page's publish or expiry date comes (see
    /// [`crate::store::NewArticle::next_change`]).
    next_change: Option<chrono::DateTime<chrono::Utc>>,
}

/// Imports every content file under `paths` (files or folders, walked
/// recursively). `on_event` is told of each file as it is done.
///
/// Reading, parsing and segmenting a chunk runs on a blocking thread while
/// the previous chunk is written, so the two use both cores; each chunk is
/// written in one transaction (see [`store::write_batch`]).
pub async fn run(
    db: &DatabaseConnection,
    paths: &[PathBuf],
    opts: &ReadOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Summary, ImportError> {
    let walked = walk::content_files(paths, &opts.language_dirs)?;
    // `enableGitInfo`: the history is read once per import, so a new commit
    // is seen by the next one (and changes the stamp below).
    let with_git;
    let opts = match (opts.git_info(), paths.first()) {
        (true, Some(first)) => {
            let dir = match first.is_dir() {
                true => first.clone(),
                false => first.parent().map(Path::to_path_buf).unwrap_or_default(),
            };
            let git = tokio::task::spawn_blocking(move || git::GitDates::read(&dir))
                .await
                .map_err(|e| ImportError::Worker(e.to_string()))??;
            with_git = ReadOptions {
                git: git.map(std::sync::Arc::new),
                ..opts.clone()
            };
            &with_git
        }
        _ => opts,
    };
    let now = chrono::Utc::now();
    // A start over an unchanged tree reads nothing: what the last import
    // stored from these files is what reading them again would store.
    let stamp = walked.tree.as_ref().map(|tree| (stamp_of(&tree.digest, opts), tree));
    let token = format!(
        "{}-{}",
        std::process::id(),
        now.timestamp_nanos_opt().unwrap_or_default()
    );
    match &stamp {
        Some((stamp, _)) => {
            if let Some(state) = store::import_state::find(db).await? {
                // A remembered tree was not racy when walked (see below), and
                // the same stamp means the same modification times; only a
                // publish or expiry date that has come since can change it.
                if state.stamp == *stamp && state.valid_until.is_none_or(|at| now < at) {
                    return Ok(replay(&walked, state, &mut on_event));
                }
            }
            store::import_state::begin(db, &token).await?;
        }
        // Single files: the database no longer matches any whole tree.
        None => store::import_state::forget(db).await?,
    }
    let taxonomies = opts.site.taxonomy_plurals();
    // `content/tags/_index.md` and `content/tags/TERM/_index.md` are a
    // taxonomy's and a term's pages, not sections'.
    let (taxonomy_pages, list_pages): (Vec<walk::ContentFile>, Vec<walk::ContentFile>) =
        walked.list_pages.into_iter().partition(|f| {
            let top = f.site_path.split('/').next().unwrap_or_default();
            f.site_path.contains('/') && taxonomies.iter().any(|t| t == top)
        });
    let (files, sections) = (walked.files, std::sync::Arc::new(walked.sections));
    on_event(Event::Found(files.len() + list_pages.len() + taxonomy_pages.len()));
    let cascades = std::sync::Arc::new(read_cascades(&list_pages, opts));

    let mut summary = Summary::default();
    let mut pages: HashMap<String, PathBuf> = HashMap::new();
    let mut article_sections = sections::Content::default();
    let mut deferred = Vec::new();
    let mut valid_until = None;
    let mut chunks = chunked(files, opts).into_iter();
    let spawn = |files: Vec<walk::ContentFile>| {
        let (opts, sections, cascades) = (opts.clone(), sections.clone(), cascades.clone());
        tokio::task::spawn_blocking(move || read_chunk(files, &opts, &sections, &cascades, now))
    };
    let mut next = chunks.next().map(spawn);
    while let Some(task) = next.take() {
        let mut chunk = task.await.map_err(|e| ImportError::Worker(e.to_string()))?;
        next = chunks.next().map(spawn);
        valid_until = earliest(valid_until, chunk.next_change);
        deferred.append(&mut chunk.deferred);
        store(
            db,
            chunk,
            &mut pages,
            &mut article_sections,
            &mut summary,
            &mut on_event,
        )
        .await;
    }
    if !deferred.is_empty() {
        let opts = opts.clone();
        let chunk = tokio::task::spawn_blocking(move || prepare(deferred, &HashMap::new(), &opts, now, false))
            .await
            .map_err(|e| ImportError::Worker(e.to_string()))?;
        valid_until = earliest(valid_until, chunk.next_change);
        store(
            db,
            chunk,
            &mut pages,
            &mut article_sections,
            &mut summary,
            &mut on_event,
        )
        .await;
    }
    let (opts_for_sections, cascades_for_sections) = (opts.clone(), cascades.clone());
    let found = tokio::task::spawn_blocking(move || {
        sections::read(
            &list_pages,
            &article_sections,
            &cascades_for_sections,
            &opts_for_sections,
        )
    })
    .await
    .map_err(|e| ImportError::Worker(e.to_string()))?;
    store_sections(db, found, &pages, walked.whole_tree, &mut summary, &mut on_event).await;
    store_taxonomy_pages(
        db,
        &taxonomy_pages,
        &cascades,
        opts,
        walked.whole_tree,
        &mut summary,
        &mut on_event,
    )
    .await;
    if let (Some((stamp, tree)), false) = (stamp, summary.write_failed) {
        let state = store::import_state::ImportState {
            stamp,
            walked_at: now,
            valid_until,
            failures: summary
                .failed
                .iter()
                .map(|e| store::import_state::Failure {
                    path: e.path.to_string_lossy().into_owned(),
                    line: e.line,
                    reason: e.reason.clone(),
                })
                .collect(),
        };
        // A tree whose files changed within the file system's timestamp
        // resolution of the walk may have changed unseen: not remembered.
        if !racy(tree, now) && !store::import_state::remember(db, &token, &state).await? {
            tracing::info!("the database changed during the import; the next one reads every file");
        }
    }
    Ok(summary)
}

/// What, besides the files, decides what an import stores.
fn stamp_of(tree_digest: &str, opts: &ReadOptions) -> String {
    let mut hasher = Sha256::new();
    for part in [
        HASH_VERSION,
        env!("CARGO_PKG_VERSION"),
        opts.timezone.name(),
        opts.default_lang.as_str(),
        &opts.site.fingerprint(),
        &opts.site.config().map(|c| c.raw().to_string()).unwrap_or_default(),
        &language_dirs_key(opts),
        opts.git.as_ref().map_or("", |g| g.head.as_str()),
        tree_digest,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())
}

/// The language folders as text, for the stamp and the content hash: a
/// file read with other folders' languages is read differently.
fn language_dirs_key(opts: &ReadOptions) -> String {
    opts.language_dirs
        .iter()
        // A mount's target only when it has one, so the key of a site
        // without such mounts stays what earlier imports stamped.
        .map(|d| match d.target.is_empty() {
            true => format!("{}={}", d.folder, d.lang),
            false => format!("{}={}>{}", d.folder, d.lang, d.target),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How close to the walk a file's modification time may be before a later
/// change in the same timestamp tick could go unseen (as git's "racily
/// clean" files): Linux stamps files from a coarse clock (a few
/// milliseconds); a file system keeping whole seconds gets two.
fn resolution(tree: &walk::Tree) -> std::time::Duration {
    if tree.whole_seconds {
        std::time::Duration::from_secs(2)
    } else {
        std::time::Duration::from_millis(100)
    }
}

/// Whether a file was modified so close to `walked_at` that a change after
/// the walk could have kept its size and modification time.
fn racy(tree: &walk::Tree, walked_at: chrono::DateTime<chrono::Utc>) -> bool {
    let walked: std::time::SystemTime = walked_at.into();
    tree.newest.is_some_and(|newest| newest + resolution(tree) >= walked)
}

/// The run of an import that reads nothing: every file is reported
/// unchanged, but those the remembered import failed on, which fail again.
fn replay(
    walked: &walk::Walked,
    state: store::import_state::ImportState,
    on_event: &mut impl FnMut(Event<'_>),
) -> Summary {
    let mut summary = Summary {
        reused: true,
        ..Summary::default()
    };
    let all: Vec<&walk::ContentFile> = walked.files.iter().chain(&walked.list_pages).collect();
    on_event(Event::Found(all.len()));
    let failed: HashSet<&str> = state.failures.iter().map(|f| f.path.as_str()).collect();
    for file in all {
        if !failed.contains(file.path.to_string_lossy().as_ref()) {
            summary.unchanged += 1;
            on_event(Event::Done {
                path: &file.path,
                outcome: Outcome::Unchanged,
                change: None,
            });
        }
    }
    for f in state.failures {
        fail(FileError::new(f.path, f.line, f.reason), &mut summary, on_event);
    }
    summary
}

/// The earlier of two moments, either of which may be unknown.
fn earliest(
    a: Option<chrono::DateTime<chrono::Utc>>,
    b: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Reads and writes the `_index` files of taxonomies and terms, each in
/// its file's language (`_index.fr.md`), and reports each.
async fn store_taxonomy_pages(
    db: &DatabaseConnection,
    files: &[walk::ContentFile],
    cascades: &cascade::Cascades,
    opts: &ReadOptions,
    whole_tree: bool,
    summary: &mut Summary,
    on_event: &mut impl FnMut(Event<'_>),
) {
    let default = opts.site.default_language().to_lowercase();
    let mut read: Vec<(&walk::ContentFile, store::list_pages::ListPage)> = Vec::new();
    // A term page's title (or slug, or url) shapes its URL, as in Hugo.
    let mut moves: Vec<(String, String, String, String)> = Vec::new();
    for file in files {
        let folders: Vec<&str> = file.site_path.split('/').collect();
        let (taxonomy, term) = match folders.as_slice() {
            [t, _] => (*t, ""),
            [t, term, _] => (*t, *term),
            _ => {
                tracing::warn!(file = %file.path.display(), "skipped: not a taxonomy's or a term's page");
                continue;
            }
        };
        // A language the config does not define has no taxonomy or term
        // pages (Hugo builds none): not an error in the file.
        let lang = file_lang(file, opts);
        if lang != default && !opts.site.language_codes().iter().any(|c| c.to_lowercase() == lang) {
            tracing::warn!(file = %file.path.display(), lang, "skipped: not one of the site's languages");
            continue;
        }
        let lang = opts.site.term_lang(&lang);
        let kind = if term.is_empty() { "taxonomy" } else { "term" };
        // The cascades above it apply to a taxonomy's or term's page too, as in Hugo.
        match read_file(file, kind, opts, cascades) {
            Ok((_, doc)) => {
                if !term.is_empty() {
                    match opts.site.term_page_path_in(
                        taxonomy,
                        term,
                        &doc.article.title,
                        doc.front_slug.clone(),
                        doc.front_url.clone(),
                        &lang,
                    ) {
                        Ok(path) => moves.push((taxonomy.to_owned(), lang.clone(), term.to_lowercase(), path)),
                        Err(e) => {
                            fail(
                                FileError::new(&file.path, doc.url_line, format!("URL: {e}")),
                                summary,
                                on_event,
                            );
                            continue;
                        }
                    }
                }
                let a = doc.article;
                let description = a
                    .front_matter
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                read.push((
                    file,
                    store::list_pages::ListPage {
                        taxonomy: taxonomy.to_owned(),
                        lang,
                        term_slug: term.to_lowercase(),
                        title: a.title,
                        description,
                        body: a.body,
                        front_matter: a.front_matter,
                        source_path: file.stored_path.clone(),
                    },
                ));
            }
            Err(e) => fail(e, summary, on_event),
        }
    }
    for (taxonomy, lang, slug, path) in moves {
        // The move is logged for webhooks and delta sync; no subscription
        // hears of terms, so there is nothing to tell in-process.
        if let Err(e) = store::terms::move_site_term(db, &taxonomy, &lang, &slug, &path).await {
            summary.write_failed = true;
            tracing::error!(error = %e, taxonomy, lang, slug, "moving a term to its page's URL");
        }
    }
    let rows: Vec<_> = read.iter().map(|(_, p)| p.clone()).collect();
    match store::list_pages::sync(db, &rows, whole_tree).await {
        Ok((outcomes, removed)) => {
            // A term whose page is gone (or broken) is at the URL its name
            // gives it again.
            for page in removed.iter().filter(|p| !p.term_slug.is_empty()) {
                if let Err(e) = move_term_back(db, opts, page).await {
                    summary.write_failed = true;
                    tracing::error!(error = %e, taxonomy = page.taxonomy, lang = page.lang, slug = page.term_slug, "moving a term back to its name's URL");
                }
            }
            for ((file, _), outcome) in read.iter().zip(outcomes) {
                summary.count(outcome);
                on_event(Event::Done {
                    path: &file.path,
                    outcome,
                    change: None,
                });
            }
        }
        Err(e) => {
            summary.write_failed = true;
            for (file, _) in &read {
                fail(
                    FileError::new(&file.path, None, format!("not stored: {e}")),
                    summary,
                    on_event,
                );
            }
        }
    }
}

/// Moves the term of a removed `_index` page back to the URL its name gives it.
async fn move_term_back(
    db: &DatabaseConnection,
    opts: &ReadOptions,
    page: &store::list_pages::ListPage,
) -> Result<(), String> {
    let name = store::terms::site_term_name(db, &page.taxonomy, &page.lang, &page.term_slug)
        .await
        .map_err(|e| e.to_string())?;
    let Some(name) = name else { return Ok(()) };
    let path = opts
        .site
        .term_path_in(&page.taxonomy, &name, &page.lang)
        .map_err(|e| e.to_string())?;
    store::terms::move_site_term(db, &page.taxonomy, &page.lang, &page.term_slug, &path)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Writes the sections an import found and reports their `_index` files.
async fn store_sections(
    db: &DatabaseConnection,
    found: sections::Sections,
    pages: &HashMap<String, PathBuf>,
    whole_tree: bool,
    summary: &mut Summary,
    on_event: &mut impl FnMut(Event<'_>),
) {
    for e in found.failed {
        fail(e, summary, on_event);
    }
    let mut keep = Vec::with_capacity(found.found.len());
    for f in found.found {
        // Hugo's duplicate-path warning, between a section and a page.
        match (pages.get(&f.section.path), &f.file) {
            (Some(page), Some(file)) => {
                let reason = format!("URL `{}` is also produced by {}", f.section.path, page.display());
                fail(FileError::new(file, None, reason), summary, on_event);
            }
            _ => keep.push(f),
        }
    }
    let rows: Vec<store::NewSection> = keep.iter().map(|f| f.section.clone()).collect();
    match store::sections::sync(db, &rows, whole_tree).await {
        Ok(outcomes) => {
            for (f, outcome) in keep.iter().zip(outcomes) {
                let Some(path) = &f.file else { continue };
                summary.count(outcome);
                on_event(Event::Done {
                    path,
                    outcome,
                    change: None,
                });
            }
        }
        Err(e) => {
            summary.write_failed = true;
            for path in keep.iter().filter_map(|f| f.file.as_ref()) {
                fail(
                    FileError::new(path, None, format!("not stored: {e}")),
                    summary,
                    on_event,
                );
            }
        }
    }
}

/// Splits files into chunks of about [`CHUNK_FILES`], cut only between groups.
/// Files are sorted by folder and name stem first, so an article's files are adjacent.
fn chunked(files: Vec<walk::ContentFile>, opts: &ReadOptions) -> Vec<Vec<walk::ContentFile>> {
    let mut keyed: Vec<_> = files
        .into_iter()
        .map(|f| (group_dir(&f.site_path, document::name_parts(&f.path, &opts.site).0), f))
        .collect();
    keyed.sort_by(|(a, fa), (b, fb)| (a, &fa.path).cmp(&(b, &fb.path)));
    let mut chunks: Vec<Vec<walk::ContentFile>> = Vec::new();
    let mut last_group = None;
    for (group, file) in keyed {
        let same_group = last_group.as_ref() == Some(&group);
        match chunks.last_mut() {
            Some(chunk) if same_group || chunk.len() < CHUNK_FILES => chunk.push(file),
            _ => chunks.push(vec![file]),
        }
        last_group = Some(group);
    }
    chunks
}

/// The `cascade`s of the site config and of every `_index` file (whose
/// front matter is read here once more, so pages can be read with them).
/// An `_index` file that does not parse hands nothing down; it is reported
/// when its section is read.
fn read_cascades(list_pages: &[walk::ContentFile], opts: &ReadOptions) -> cascade::Cascades {
    let mut cascades = cascade::Cascades::with_site(opts.site.config().and_then(|c| c.cascade()));
    for file in list_pages {
        let Ok(bytes) = std::fs::read(&file.path) else { continue };
        let Ok(text) = front_matter::decode(&bytes) else {
            continue;
        };
        let Ok(split) = front_matter::split(text) else { continue };
        let folder = file.site_path.rsplit_once('/').map_or("", |(d, _)| d);
        cascades.add(folder, &file_lang(file, opts), &split.fields);
    }
    cascades
}

/// The language a file's name gives (`name.fr.md`), else its language
/// folder's, else the site's default, lower-cased.
fn file_lang(file: &walk::ContentFile, opts: &ReadOptions) -> String {
    document::name_parts(&file.path, &opts.site)
        .1
        .or_else(|| file.folder_lang.clone())
        .map_or_else(
            || opts.site.default_language().to_lowercase(),
            |l| l.as_str().to_lowercase(),
        )
}

/// Reads, parses, groups and segments one chunk (blocking work).
fn read_chunk(
    files: Vec<walk::ContentFile>,
    opts: &ReadOptions,
    sections: &HashSet<String>,
    cascades: &cascade::Cascades,
    now: chrono::DateTime<chrono::Utc>,
) -> Chunk {
    let mut failed = Vec::new();
    let mut reads = Vec::with_capacity(files.len());
    // Groups whose original failed: their translations must not stand in for it.
    let mut broken_groups: HashMap<(String, String), PathBuf> = HashMap::new();
    for file in files {
        let read = read_file(&file, "page", opts, cascades).and_then(|(bytes, mut doc)| {
            (doc.article.path, doc.article.section) = page_path(&file.path, &file.site_path, &doc, opts, sections)?;
            let resources = bundle_of(&file.path, &doc, opts)?;
            Ok((bytes, doc, resources))
        });
        match read {
            Ok((bytes, doc, resources)) => reads.push(Read {
                path: file.path,
                stored_path: file.stored_path,
                site_path: file.site_path,
                bytes,
                doc,
                resources,
            }),
            Err(e) => {
                // Only a broken original takes its translations down with it.
                let (stem, locale) = document::name_parts(&file.path, &opts.site);
                let default = opts.default_lang.as_str();
                if locale.is_none() && file.folder_lang.as_ref().is_none_or(|l| l.as_str() == default) {
                    broken_groups
                        .entry(group_dir(&file.site_path, stem))
                        .or_insert_with(|| file.path.clone());
                }
                failed.push(e);
            }
        }
    }
    let mut chunk = prepare(reads, &broken_groups, opts, now, true);
    failed.append(&mut chunk.failed);
    chunk.failed = failed;
    chunk
}

/// The files of the leaf bundle whose `index` file is `path` (none for
/// another page, or a bundle's translation: the original's are the
/// article's), with the front matter `resources` rules applied.
/// An `index.md` of a language's own content folder has its own.
fn bundle_of(
    path: &Path,
    doc: &Document,
    opts: &ReadOptions,
) -> Result<(Vec<crate::store::NewResource>, Vec<u8>), FileError> {
    let suffix = document::name_parts(path, &opts.site).1;
    let (true, None, Some(dir)) = (bundle::is_leaf_index(path), suffix, path.parent()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let empty = serde_json::Map::new();
    let fields = doc.article.front_matter.as_object().unwrap_or(&empty);
    bundle::leaf_resources(dir, fields).map_err(|reason| FileError::new(dir, None, format!("bundle: {reason}")))
}

/// An article's files (the original first), and the line of the original's
/// front-matter `slug`, for the error should another file take the slug.
struct Files {
    paths: Vec<PathBuf>,
    slug_line: Option<usize>,
}

/// Groups `reads` into units and segments them; with `defer`, groups that
/// carry a `translationKey` are handed back for later instead.
fn prepare(
    reads: Vec<Read>,
    broken: &HashMap<(String, String), PathBuf>,
    opts: &ReadOptions,
    now: chrono::DateTime<chrono::Utc>,
    defer: bool,
) -> Chunk {
    let (groups, mut failed) = group(reads, broken);
    let mut chunk = Chunk::default();
    for files in groups {
        if defer && files.iter().any(|r| r.doc.translation_key.is_some()) {
            chunk.deferred.extend(files);
            continue;
        }
        let next = files.iter().filter_map(|r| r.doc.article.next_change(now)).min();
        chunk.next_change = earliest(chunk.next_change, next);
        if let Some((unit, files)) = unit_of(files, opts, now, &mut failed) {
            chunk.units.push((Prepared::new(unit), files));
        }
    }
    chunk.failed = failed;
    chunk
}

fn fail(e: FileError, summary: &mut Summary, on_event: &mut impl FnMut(Event<'_>)) {
    on_event(Event::Failed(&e));
    summary.failed.push(e);
}

/// Writes a chunk's units and reports every file of it.
async fn store(
    db: &DatabaseConnection,
    chunk: Chunk,
    pages: &mut HashMap<String, PathBuf>,
    article_sections: &mut sections::Content,
    summary: &mut Summary,
    on_event: &mut impl FnMut(Event<'_>),
) {
    for e in chunk.failed {
        fail(e, summary, on_event);
    }
    let mut units = Vec::with_capacity(chunk.units.len());
    let mut files = Vec::with_capacity(chunk.units.len());
    for (prepared, Files { paths, slug_line }) in chunk.units {
        let original = &prepared.unit.article;
        // Hugo's duplicate-path warning: two pages with one URL.
        if let Some(first) = pages.get(&original.path) {
            let reason = format!("URL `{}` is also produced by {}", original.path, first.display());
            fail(FileError::new(&paths[0], slug_line, reason), summary, on_event);
            for t in &paths[1..] {
                let reason = format!("not imported: its original {} failed", paths[0].display());
                fail(FileError::new(t, None, reason), summary, on_event);
            }
            continue;
        }
        pages.insert(original.path.clone(), paths[0].clone());
        // Sections are what hugo builds from public pages: their languages
        // and dates come from those alone.
        if original.is_public(chrono::Utc::now()) {
            article_sections.add(
                &original.section,
                original.lang.as_str(),
                original.published_at,
                original.updated_at,
            );
            for t in &prepared.unit.translations {
                article_sections.add(&original.section, t.locale.as_str(), t.published_at, t.published_at);
            }
        }
        units.push(prepared);
        files.push(paths);
    }
    let results = store::write_batch(db, &units).await;
    for (result, paths) in results.into_iter().zip(files) {
        match result {
            Ok(written) => {
                for (i, path) in paths.iter().enumerate() {
                    summary.count(written.outcome);
                    let change = if i == 0 { written.change } else { None };
                    on_event(Event::Done {
                        path,
                        outcome: written.outcome,
                        change,
                    });
                }
            }
            Err(db_err) => {
                for path in paths {
                    summary.write_failed = true;
                    fail(
                        FileError::new(path, None, format!("not stored: {db_err}")),
                        summary,
                        on_event,
                    );
                }
            }
        }
    }
}

/// Reads a content file of `kind` (`page`, `section`, `home`) with the
/// cascades above it laid over its front matter. The bytes returned end
/// with what the cascades set, so a changed cascade changes the file's hash.
fn read_file(
    file: &walk::ContentFile,
    kind: &str,
    opts: &ReadOptions,
    cascades: &cascade::Cascades,
) -> Result<(Vec<u8>, Document), FileError> {
    let path = &file.path;
    let mut bytes = std::fs::read(path).map_err(|e| FileError::new(path, None, e.to_string()))?;
    let problem = |p: front_matter::Problem| FileError::new(path, p.line, p.reason);
    let text = front_matter::decode(&bytes).map_err(problem)?;
    let mut split = front_matter::split(text).map_err(problem)?;
    let mut cascaded = serde_json::Map::new();
    if !cascades.is_empty() {
        let folder = file.site_path.rsplit_once('/').map_or("", |(d, _)| d);
        let lang = file_lang(file, opts);
        let environment = opts.site.config().map_or("production", |c| c.environment());
        let facts = cascade::PageFacts {
            file: &file.site_path,
            kind,
            lang: &lang,
            environment,
        };
        let default = opts.site.default_language().to_lowercase();
        cascaded = cascades.apply(folder, &default, &facts, &mut split.fields);
    }
    let doc = document::read(path, &split, opts, file.folder_lang.as_ref()).map_err(problem)?;
    if !cascaded.is_empty() {
        bytes.extend_from_slice(Value::Object(cascaded).to_string().as_bytes());
    }
    // A new commit changes a `:git` date without changing the file.
    if let Some(date) = opts.git.as_ref().and_then(|g| g.date_of(path)) {
        bytes.extend_from_slice(date.to_rfc3339().as_bytes());
    }
    Ok((bytes, doc))
}

/// A regular page's path in the site, as Hugo makes it (see
/// [`crate::site::url`]): from its folders under the content root, its
/// front matter `url` and `slug`, the site's `[permalinks]`, and its
/// language's prefix. `news/Rates.md` is `/news/rates/` by default. Also
/// the folder of its section (Hugo's `.CurrentSection`).
fn page_path(
    file: &Path,
    site_path: &str,
    doc: &Document,
    opts: &ReadOptions,
    sections: &HashSet<String>,
) -> Result<(String, String), FileError> {
    let mut folders: Vec<String> = site_path.split('/').map(str::to_owned).collect();
    let name = folders.pop().unwrap_or_default();
    // Hugo's TranslationBaseName: no extension, no `.LANG`.
    let mut base = name.rsplit_once('.').map_or(name.as_str(), |(b, _)| b).to_owned();
    if let Some(locale) = &doc.name_locale {
        base = base.strip_suffix(&format!(".{locale}")).unwrap_or(&base).to_owned();
    }
    // The nearest enclosing section: a nested folder with an `_index`
    // file, else the top-level folder.
    let mut current = folders.clone();
    if base == "index" {
        // A leaf bundle's folder is the page, not a section.
        current.pop();
    }
    while current.len() > 1 && !sections.contains(&current.join("/")) {
        current.pop();
    }
    let lang = doc
        .name_locale
        .as_ref()
        .unwrap_or(&doc.article.lang)
        .as_str()
        .to_lowercase();
    let facts = PageFacts {
        kind: PageKind::Page,
        lang,
        path: folders,
        current_section: current.clone(),
        file_base: Some(base),
        date: doc.local_date,
        title: doc.article.title.clone(),
        slug: doc.front_slug.clone(),
        url: doc.front_url.clone(),
    };
    let path = opts
        .site
        .page_path(&facts)
        .map_err(|e| FileError::new(file, doc.url_line.or(doc.slug_line), format!("URL: {e}")))?;
    Ok((path, current.join("/")))
}

/// The key of a file's group: its folder in the site and its name's stem,
/// so `blog/x.md` of the English and the French content folders are one
/// page's translations, as in Hugo.
fn group_dir(site_path: &str, stem: String) -> (String, String) {
    (site_path.rsplit_once('/').map_or("", |(d, _)| d).to_owned(), stem)
}

/// Bumped when the importer reads the same bytes differently.
const HASH_VERSION: &str = "gazette-import-10";

/// Groups files into articles: `name.md` with its `name.LANG.md` files, and
/// files sharing a `translationKey`. Reports translations whose original failed.
fn group(reads: Vec<Read>, broken: &HashMap<(String, String), PathBuf>) -> (Vec<Vec<Read>>, Vec<FileError>) {
    let mut errors = Vec::new();
    let mut groups: Vec<Vec<Read>> = Vec::new();
    let mut by_name: HashMap<(String, String), usize> = HashMap::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for read in reads {
        let name = group_dir(&read.site_path, read.doc.stem.clone());
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
    (groups, errors)
}

/// One group as a unit to store, with its files (the original first);
/// reports translations that clash with another version's locale.
fn unit_of(
    mut files: Vec<Read>,
    opts: &ReadOptions,
    now: chrono::DateTime<chrono::Utc>,
    errors: &mut Vec<FileError>,
) -> Option<(ArticleChange, Files)> {
    if files.is_empty() {
        return None;
    }
    // The original is the file without a language suffix (or folder), else
    // the one in the default language, else the first.
    let default = opts.default_lang.as_str();
    let pos = files
        .iter()
        .position(|r| r.doc.name_locale.is_none())
        .or_else(|| files.iter().position(|r| r.doc.article.lang.as_str() == default))
        .unwrap_or(0);
    let original = files.remove(pos);
    let mut hasher = Sha256::new();
    hasher.update(HASH_VERSION);
    hasher.update(opts.timezone.name());
    hasher.update(opts.default_lang.as_str());
    hasher.update(opts.site.fingerprint());
    hasher.update(language_dirs_key(opts));
    let feed = |hasher: &mut Sha256, r: &Read| {
        hasher.update(r.stored_path.as_bytes());
        hasher.update((r.bytes.len() as u64).to_le_bytes());
        hasher.update(&r.bytes);
    };
    feed(&mut hasher, &original);
    // The bundle's files: a changed image re-imports the article.
    let (resources, digest) = original.resources;
    hasher.update(&digest);
    let mut translations: Vec<NewTranslation> = Vec::new();
    let mut paths = vec![original.path.clone()];
    for t in files {
        let locale = t.doc.name_locale.clone().unwrap_or_else(|| t.doc.article.lang.clone());
        let clash = locale == original.doc.article.lang || translations.iter().any(|v| v.locale == locale);
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
        let public = t.doc.article.is_public(now);
        hasher.update([u8::from(public)]);
        if public {
            let a = t.doc.article;
            let menus = a.menu_entries();
            translations.push(NewTranslation {
                menus,
                locale,
                title: a.title,
                summary: a.summary,
                body: a.body,
                published_at: a.published_at,
                source_path: t.stored_path,
                path: a.path,
                site_terms: a.site_terms,
            });
        }
    }
    let content_hash = format!("{:x}", hasher.finalize());
    let files = Files {
        paths,
        slug_line: original.doc.slug_line,
    };
    Some((
        ArticleChange {
            article: original.doc.article,
            source_path: original.stored_path,
            translations,
            resources: Some(resources),
            content_hash,
        },
        files,
    ))
}
