//! Sections as Hugo makes them from the content tree: the home page, every
//! top-level folder, and every nested folder with an `_index` file, each in
//! the languages it has content (or an `_index.LANG` file) in. Their
//! `_index` files give them a title, description, weight and body.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use std::path::PathBuf;

use crate::site::url::{PageFacts, PageKind};
use crate::store::NewSection;

use super::dates;
use super::document::{Document, ReadOptions};
use super::walk::ContentFile;
use super::FileError;

/// The newest date and lastmod of a section's own pages in one language.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dates {
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// What the articles tell about sections: for each section folder, the
/// languages its pages are in, with their newest dates.
#[derive(Debug, Default)]
pub(super) struct Content(BTreeMap<String, BTreeMap<String, Dates>>);

impl Content {
    /// Notes a page version in `lang` of the section at `dir`.
    pub fn add(&mut self, dir: &str, lang: &str, published: DateTime<Utc>, updated: DateTime<Utc>) {
        let langs = self.0.entry(dir.to_owned()).or_default();
        let dates = langs.entry(lang.to_lowercase()).or_insert(Dates { published, updated });
        dates.published = dates.published.max(published);
        dates.updated = dates.updated.max(updated);
    }

    /// The entries of the section at `dir` and every section below it.
    fn subtree<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a BTreeMap<String, Dates>> + 'a {
        self.0
            .iter()
            .filter(move |(s, _)| dir.is_empty() || s.as_str() == dir || s.starts_with(&format!("{dir}/")))
            .map(|(_, langs)| langs)
    }

    /// The newest dates below `dir` in `lang`, or in any language with `any_lang`.
    fn newest(&self, dir: &str, lang: &str, any_lang: bool) -> Option<Dates> {
        self.subtree(dir)
            .flat_map(|langs| {
                langs
                    .iter()
                    .filter(|(l, _)| any_lang || l.as_str() == lang)
                    .map(|(_, d)| *d)
            })
            .reduce(|a, b| Dates {
                published: a.published.max(b.published),
                updated: a.updated.max(b.updated),
            })
    }
}

/// One section to store, and the `_index` file it was read from.
pub(super) struct Found {
    pub section: NewSection,
    pub file: Option<PathBuf>,
}

/// What reading the sections produced.
pub(super) struct Sections {
    pub found: Vec<Found>,
    pub failed: Vec<FileError>,
}

/// The folder a content path (as stored) is in: `blog/2020/_index.md` → `blog/2020`.
fn folder_of(stored_path: &str) -> &str {
    stored_path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn top_of(dir: &str) -> &str {
    dir.split('/').next().unwrap_or_default()
}

/// Hugo's title for a section without an `_index` file: its root folder's
/// name with the first letter upper-cased, pluralized unless the config
/// sets `pluralizeListTitles = false`.
fn default_title(dir: &str, opts: &ReadOptions) -> String {
    let first_upper = crate::text::first_upper(top_of(dir));
    let pluralize = opts
        .site
        .config()
        .and_then(|c| c.get("pluralizeListTitles"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(true);
    if pluralize {
        pluralizer::pluralize(&first_upper, 2, false)
    } else {
        first_upper
    }
}

/// Reads the `_index` files and works out every section of the tree.
/// `content` is what the articles tell about their sections.
pub(super) fn read(
    list_pages: &[ContentFile],
    content: &Content,
    cascades: &super::cascade::Cascades,
    opts: &ReadOptions,
) -> Sections {
    let site = &opts.site;
    let default_lang = site.default_language().to_lowercase();
    let taxonomies: HashSet<String> = site.taxonomy_plurals().into_iter().collect();
    let is_taxonomy = |dir: &str| !dir.is_empty() && taxonomies.contains(top_of(dir));
    let mut failed = Vec::new();

    // The `_index` files by folder and language.
    let mut files: BTreeMap<(String, String), (&ContentFile, Document)> = BTreeMap::new();
    for file in list_pages {
        let dir = folder_of(&file.site_path);
        // `content/tags/_index.md` is a taxonomy's page, not a section's.
        if is_taxonomy(dir) {
            continue;
        }
        let kind = if dir.is_empty() { "home" } else { "section" };
        let doc = match super::read_file(file, kind, opts, cascades) {
            Ok((_, doc)) => doc,
            Err(e) => {
                failed.push(e);
                continue;
            }
        };
        let lang = doc
            .name_locale
            .as_ref()
            .map_or_else(|| default_lang.clone(), |l| l.as_str().to_lowercase());
        match files.entry((dir.to_owned(), lang)) {
            std::collections::btree_map::Entry::Occupied(taken) => {
                let reason = format!(
                    "the section's page in language {} is already given by {}",
                    taken.key().1,
                    taken.get().0.path.display()
                );
                failed.push(FileError::new(&file.path, None, reason));
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert((file, doc));
            }
        }
    }

    // The default language has every section: the home page, each
    // top-level folder with content, each folder with an `_index` file.
    let mut dirs: BTreeSet<String> = BTreeSet::from([String::new()]);
    let nested = content
        .0
        .keys()
        .map(String::as_str)
        .chain(files.keys().map(|(d, _)| d.as_str()));
    for dir in nested.filter(|d| !is_taxonomy(d)) {
        dirs.insert(dir.to_owned());
        dirs.insert(top_of(dir).to_owned());
    }
    let parent_of = |dir: &str| -> Option<String> {
        if dir.is_empty() {
            return None;
        }
        let mut up = dir;
        while let Some((parent, _)) = up.rsplit_once('/') {
            if dirs.contains(parent) {
                return Some(parent.to_owned());
            }
            up = parent;
        }
        Some(String::new())
    };

    let mut found = Vec::new();
    for lang in site.language_codes() {
        for dir in &dirs {
            let file = files.get(&(dir.clone(), lang.clone()));
            // Another language has a section where it has content or a page.
            let is_default = lang == default_lang;
            let newest = content.newest(dir, &lang, is_default);
            if !is_default && !dir.is_empty() && file.is_none() && newest.is_none() {
                continue;
            }
            match section_of(dir, &lang, file, parent_of(dir), newest, opts) {
                Ok(section) => found.push(Found {
                    section,
                    file: file.map(|(f, _)| f.path.clone()),
                }),
                Err(e) => failed.push(e),
            }
        }
    }
    Sections { found, failed }
}

fn section_of(
    dir: &str,
    lang: &str,
    file: Option<&(&ContentFile, Document)>,
    parent_dir: Option<String>,
    newest: Option<Dates>,
    opts: &ReadOptions,
) -> Result<NewSection, FileError> {
    let title = match file {
        // A page file's title is its own, even when empty (as in Hugo).
        Some((_, doc)) => doc.article.title.clone(),
        None if dir.is_empty() => opts.site.title_in(lang).to_owned(),
        None => default_title(dir, opts),
    };
    let facts = PageFacts {
        kind: if dir.is_empty() {
            PageKind::Home
        } else {
            PageKind::Section
        },
        lang: lang.to_owned(),
        path: if dir.is_empty() {
            Vec::new()
        } else {
            dir.split('/').map(str::to_owned).collect()
        },
        current_section: Vec::new(),
        file_base: None,
        date: file.and_then(|(_, d)| d.local_date),
        title: title.clone(),
        slug: file.and_then(|(_, d)| d.front_slug.clone()),
        url: file.and_then(|(_, d)| d.front_url.clone()),
    };
    let path = opts.site.page_path(&facts).map_err(|e| {
        let (f, line) = file.map_or((PathBuf::from(dir), None), |(f, d)| (f.path.clone(), d.url_line));
        FileError::new(f, line, format!("URL: {e}"))
    })?;
    // A branch bundle: the files beside its `_index` file.
    let resources = match file {
        Some((f, doc)) => {
            let empty = serde_json::Map::new();
            let fields = doc.article.front_matter.as_object().unwrap_or(&empty);
            let folder = f.path.parent().unwrap_or(std::path::Path::new(""));
            super::bundle::branch_resources(folder, fields)
                .map_err(|reason| FileError::new(folder, None, format!("bundle: {reason}")))?
        }
        None => Vec::new(),
    };
    let (article, source_path) = match file {
        Some((f, doc)) => (Some(&doc.article), Some(f.stored_path.clone())),
        None => (None, None),
    };
    // The `_index` file's dates, else its pages' newest, as Hugo dates a list page.
    let dated = file.filter(|(_, d)| d.local_date.is_some()).map(|(_, d)| &d.article);
    let (published_at, updated_at) = match (dated, newest) {
        (Some(a), _) => (a.published_at, a.updated_at),
        (None, Some(n)) => (n.published, n.updated),
        (None, None) => (dates::zero(), dates::zero()),
    };
    let description = article
        .and_then(|a| a.front_matter.get("description"))
        .and_then(|d| d.as_str())
        .unwrap_or_default()
        .to_owned();
    Ok(NewSection {
        dir: dir.to_owned(),
        lang: lang.to_owned(),
        path,
        parent_dir,
        title,
        description,
        weight: article.map_or(0, |a| a.weight),
        body: article.map(|a| a.body.clone()).unwrap_or_default(),
        front_matter: article.map_or_else(|| serde_json::json!({}), |a| a.front_matter.clone()),
        source_path,
        published_at,
        updated_at,
        build: article.map(|a| a.build.clone()).unwrap_or_default(),
        resources,
    })
}
