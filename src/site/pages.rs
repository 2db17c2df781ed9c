//! The site as the importer and the API use it: its configuration (if it
//! has one) and the URL settings every page's path is computed with. A
//! content folder without a Hugo config is a site with Hugo's defaults.

use std::borrow::Cow;
use std::path::Path;

use super::config::SiteConfig;
use super::url::{self, PageFacts, PageKind, Permalinks, UrlError, UrlSettings};

/// A folder of the site's content: a language's `contentDir` or a module
/// mount's source (relative to the site folder), its language, and where in
/// the content tree its files are (empty for the root, `blog` for a mount
/// with `target = "content/blog"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentMount {
    pub source: String,
    pub lang: String,
    pub target: String,
}

/// Where a site's content is read from ([`Site::content_folders`]): the
/// folder an import reads and each language's mount inside it. Computed
/// once from the config, then asked for many paths (a body's refs, a menu).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentFolders {
    /// The folder's parts below the site folder.
    pub common: Vec<String>,
    /// Each mount, its `source` relative to that folder (`/`-separated,
    /// empty for the folder itself).
    pub mounts: Vec<ContentMount>,
}

impl ContentFolders {
    /// The stored paths (relative to the folder an import reads) a page of
    /// `lang` at `site_path` (a path in the content tree, Hugo's
    /// `.File.Path`, e.g. `blog/rates.md`) may have been read from, best
    /// first: inside each of the language's own folders, then the path
    /// itself (a site whose languages share one folder, or an import of an
    /// explicit `--content`).
    pub fn stored_paths(&self, site_path: &str, lang: &str) -> Vec<String> {
        let mut out = Vec::new();
        for m in self.mounts.iter().filter(|m| m.lang.eq_ignore_ascii_case(lang)) {
            let inside = match m.target.is_empty() {
                true => Some(site_path),
                false => site_path
                    .strip_prefix(m.target.as_str())
                    .and_then(|rest| rest.strip_prefix('/')),
            };
            if let Some(inside) = inside {
                out.push(match m.source.is_empty() {
                    true => inside.to_owned(),
                    false => format!("{}/{inside}", m.source),
                });
            }
        }
        out.push(site_path.to_owned());
        out.dedup();
        out
    }

    /// The path in the content tree (Hugo's `.File.Path`) of the file
    /// stored at `stored`: the inverse of [`Self::stored_paths`]. The
    /// language folder holding it (the longest mount source) is taken off
    /// and its target put on; a site whose languages share a folder stores
    /// site paths already.
    pub fn site_path_of(&self, stored: &str) -> String {
        let inside = |m: &ContentMount| match m.source.is_empty() {
            true => Some(stored),
            false => stored.strip_prefix(m.source.as_str()).and_then(|r| r.strip_prefix('/')),
        };
        let best = self
            .mounts
            .iter()
            .filter_map(|m| inside(m).map(|rest| (m, rest)))
            .max_by_key(|(m, _)| m.source.len());
        match best {
            Some((m, rest)) if !m.target.is_empty() => format!("{}/{rest}", m.target),
            Some((_, rest)) => rest.to_owned(),
            None => stored.to_owned(),
        }
    }
}

/// A site: its config, if any, and its URL settings.
#[derive(Debug, Clone)]
pub struct Site {
    config: Option<SiteConfig>,
    urls: UrlSettings,
    /// The same settings with `uglyURLs`, for the sections that have them.
    ugly: UrlSettings,
    ugly_urls: super::config::UglyUrls,
    /// The baseURL's path without its trailing slash (`/news`, or empty),
    /// and its scheme and host (`https://example.org`, or empty): every
    /// URL the API serves starts with them, so they are worked out once.
    base_path: String,
    origin: String,
}

impl Default for Site {
    fn default() -> Self {
        let urls = UrlSettings {
            base_url: String::new(),
            ugly_urls: false,
            disable_path_to_lower: false,
            default_language: "en".to_owned(),
            multilingual: false,
            default_language_in_subdir: false,
            permalinks: Permalinks::default(),
        };
        Site {
            config: None,
            ugly: UrlSettings {
                ugly_urls: true,
                ..urls.clone()
            },
            urls,
            ugly_urls: super::config::UglyUrls::All(false),
            base_path: String::new(),
            origin: String::new(),
        }
    }
}

/// Why a site could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
    /// `[permalinks]` holds a pattern Hugo refuses.
    #[error("{path}: permalinks: {source}")]
    Permalinks {
        path: String,
        #[source]
        source: UrlError,
    },
}

impl Site {
    /// The site whose config is in `dir` (Hugo's files for `environment`),
    /// or Hugo's defaults when `dir` holds none.
    pub fn load(dir: &Path, environment: &str) -> Result<Site, SiteError> {
        match SiteConfig::find(dir, environment)? {
            Some(config) => Site::of(config),
            None => Ok(Site::default()),
        }
    }

    /// The site a config describes.
    pub fn of(config: SiteConfig) -> Result<Site, SiteError> {
        let permalinks = Permalinks::parse(config.permalinks().iter()).map_err(|source| SiteError::Permalinks {
            path: config
                .files()
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            source,
        })?;
        let urls = UrlSettings {
            base_url: config.base_url().to_owned(),
            ugly_urls: false,
            disable_path_to_lower: config
                .get("disablePathToLower")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            default_language: config.default_content_language().to_owned(),
            multilingual: config.languages().len() > 1,
            default_language_in_subdir: config.default_content_language_in_subdir(),
            permalinks,
        };
        let base = config.base_url();
        let origin = match base.find("://") {
            Some(scheme_end) => {
                let host = scheme_end + 3;
                base[..base[host..].find('/').map_or(base.len(), |i| host + i)].to_owned()
            }
            None => String::new(),
        };
        Ok(Site {
            ugly: UrlSettings {
                ugly_urls: true,
                ..urls.clone()
            },
            urls,
            ugly_urls: config.ugly_urls().clone(),
            base_path: config.base_path().trim_end_matches('/').to_owned(),
            origin,
            config: Some(config),
        })
    }

    /// The config, when the site has one.
    pub fn config(&self) -> Option<&SiteConfig> {
        self.config.as_ref()
    }

    /// `defaultContentLanguage` (Hugo's default `en`).
    pub fn default_language(&self) -> &str {
        &self.urls.default_language
    }

    /// The site's taxonomies as (singular, plural), in the config's order of
    /// singular names; Hugo's `tag`/`tags` and `category`/`categories` by default.
    pub fn taxonomies(&self) -> Vec<(String, String)> {
        match &self.config {
            Some(c) => c
                .taxonomies()
                .iter()
                .map(|(s, p)| (s.clone(), p.to_lowercase()))
                .collect(),
            None => vec![
                ("category".to_owned(), "categories".to_owned()),
                ("tag".to_owned(), "tags".to_owned()),
            ],
        }
    }

    /// The plural names of the site's taxonomies (`tags`, `categories` by
    /// default): content folders with those names are taxonomy pages, not sections.
    pub fn taxonomy_plurals(&self) -> Vec<String> {
        self.taxonomies().into_iter().map(|(_, p)| p).collect()
    }

    /// The page path of a taxonomy's list of terms (`/tags/`), in the default language.
    pub fn taxonomy_path(&self, plural: &str) -> Result<String, UrlError> {
        self.taxonomy_path_in(plural, "")
    }

    /// The key of the terms a page in `lang` names: empty for the default
    /// language and for a language the site does not define (whose pages
    /// Hugo builds in the default language's tree), else the code. Each
    /// language has its own terms, as in Hugo.
    pub fn term_lang(&self, lang: &str) -> String {
        let lang = lang.to_lowercase();
        if lang == self.default_language().to_lowercase() || !self.language_codes().contains(&lang) {
            String::new()
        } else {
            lang
        }
    }

    /// The language code of term key `lang` (see [`Self::term_lang`]).
    fn lang_of_key(&self, lang: &str) -> String {
        if lang.is_empty() {
            self.default_language().to_lowercase()
        } else {
            lang.to_lowercase()
        }
    }

    /// The page path of a taxonomy's list of terms in the language of term
    /// key `lang` (`/fr/tags/`; empty `lang` for the default language).
    pub fn taxonomy_path_in(&self, plural: &str, lang: &str) -> Result<String, UrlError> {
        self.page_path(&PageFacts {
            kind: PageKind::Taxonomy,
            lang: self.lang_of_key(lang),
            path: vec![plural.to_owned()],
            current_section: Vec::new(),
            file_base: None,
            date: None,
            title: plural.to_owned(),
            slug: None,
            url: None,
        })
    }

    /// The page path of a term (`/tags/hugo-tips/`, or what `[permalinks]`
    /// makes it), in the default language.
    pub fn term_path(&self, plural: &str, name: &str) -> Result<String, UrlError> {
        self.term_page_path(plural, name, name, None, None)
    }

    /// The page path of a term in the language of term key `lang` (see
    /// [`Self::term_lang`]): `/fr/tags/astuces/`.
    pub fn term_path_in(&self, plural: &str, name: &str, lang: &str) -> Result<String, UrlError> {
        self.term_page_path_in(plural, name, name, None, None, lang)
    }

    /// The page path of a term whose `_index` page gives it a title (which
    /// `:slug` and `:title` read), and maybe a `slug` or `url`.
    pub fn term_page_path(
        &self,
        plural: &str,
        term: &str,
        title: &str,
        slug: Option<String>,
        url: Option<String>,
    ) -> Result<String, UrlError> {
        self.term_page_path_in(plural, term, title, slug, url, "")
    }

    /// [`Self::term_page_path`] in the language of term key `lang`.
    pub fn term_page_path_in(
        &self,
        plural: &str,
        term: &str,
        title: &str,
        slug: Option<String>,
        url: Option<String>,
        lang: &str,
    ) -> Result<String, UrlError> {
        self.page_path(&PageFacts {
            kind: PageKind::Term,
            lang: self.lang_of_key(lang),
            path: vec![plural.to_owned(), term.to_owned()],
            current_section: Vec::new(),
            file_base: None,
            date: None,
            title: title.to_owned(),
            slug,
            url,
        })
    }

    /// A page's path in the site, below the baseURL's path: what Gazette
    /// stores as its identity (`/news/rates/`).
    pub fn page_path(&self, page: &PageFacts) -> Result<String, UrlError> {
        let section = page.path.first().map(String::as_str).unwrap_or_default();
        let settings = if self.ugly_urls.for_section(section) {
            &self.ugly
        } else {
            &self.urls
        };
        url::page_link(page, settings)
    }

    /// Hugo's `.RelPermalink` of a page at `path`: with the baseURL's path.
    pub fn rel_permalink(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// Hugo's `.Permalink` of a page at `path`: absolute when the baseURL
    /// has a host, else the same as [`Site::rel_permalink`].
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}{path}", self.origin, self.base_path)
    }

    /// The site with `origin` (`https://host`, the request's) standing in
    /// for the baseURL's scheme and host when it has none: feeds and
    /// sitemaps must hold absolute URLs where GraphQL may serve paths.
    pub fn with_origin(&self, origin: &str) -> Cow<'_, Site> {
        if self.origin.is_empty() {
            Cow::Owned(Site {
                origin: origin.trim_end_matches('/').to_owned(),
                ..self.clone()
            })
        } else {
            Cow::Borrowed(self)
        }
    }

    /// The site path a request path names, as stored: without the
    /// baseURL's path (given or not), with a leading slash, percent-encoded
    /// as Hugo encodes paths whether it came encoded or not. `None` for a
    /// path that is not one (bad escapes, control characters).
    pub fn request_path(&self, raw: &str) -> Option<String> {
        // No query or fragment is cut off: Hugo's own paths may hold `#`
        // (`/c#-basics/`), and a frontend passes `location.pathname`.
        let raw = raw.trim();
        let decoded = url::path_unescape(raw)?;
        let base = self.base_path.as_str();
        let mut path = match decoded.strip_prefix(base) {
            Some(rest) if !base.is_empty() && (rest.is_empty() || rest.starts_with('/')) => rest.to_owned(),
            _ => decoded,
        };
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        url::go_url_reencode(&path).ok()
    }

    /// Whether the site has more than one language, so pages of a
    /// non-default language (and of every language, with
    /// `defaultContentLanguageInSubdir`) get a language prefix.
    pub fn multilingual(&self) -> bool {
        self.urls.multilingual
    }

    /// The site's languages in Hugo's order, disabled ones left out; a
    /// site without `[languages]` has one, its default content language.
    pub fn language_codes(&self) -> Vec<String> {
        let codes: Vec<String> = self
            .config
            .iter()
            .flat_map(|c| c.languages())
            .filter(|l| !l.disabled)
            .map(|l| l.code.clone())
            .collect();
        if codes.is_empty() {
            vec![self.default_language().to_owned()]
        } else {
            codes
        }
    }

    /// Whether a file name's `.LANG` suffix names a language of the site,
    /// as Hugo reads it: with a config only its languages do (`c.de.md` in
    /// a site without `de` is the page `c.de` of the default language);
    /// without a config any language tag does, as before sites had one.
    pub fn is_language_suffix(&self, suffix: &str) -> bool {
        if self.config.is_none() {
            return true;
        }
        let suffix = suffix.to_lowercase();
        self.language_codes().iter().any(|c| c.to_lowercase() == suffix)
    }

    /// Each language's content folder (its `contentDir`, else the site's),
    /// relative to the site folder, when at least one language has a folder
    /// of its own; empty when every language reads the site's `contentDir`
    /// (then a file's language is its name's suffix alone).
    ///
    /// Module mounts of the content (`[[module.mounts]] source = "content/en"
    /// target = "content"`, with an optional `lang`) replace the contentDirs,
    /// as in Hugo: each is a folder of its `lang`, else of the default
    /// language, and a mount into part of the content (`target =
    /// "content/blog"`) puts its files below that part.
    pub fn language_content_dirs(&self) -> Vec<ContentMount> {
        let Some(config) = &self.config else {
            return Vec::new();
        };
        let mounts = self.content_mounts();
        if !mounts.is_empty() {
            return mounts;
        }
        let enabled: Vec<_> = config.languages().iter().filter(|l| !l.disabled).collect();
        if enabled.iter().all(|l| l.content_dir == config.content_dir()) {
            return Vec::new();
        }
        enabled
            .iter()
            .map(|l| ContentMount {
                source: l.content_dir.clone(),
                lang: l.code.clone(),
                target: String::new(),
            })
            .collect()
    }

    /// [`Self::language_content_dirs`] below the deepest folder holding them
    /// all, which is the folder an import reads (a file's stored path is
    /// relative to it).
    pub fn content_folders(&self) -> ContentFolders {
        let dirs = self.language_content_dirs();
        let parts = |dir: &str| -> Vec<String> {
            dir.split(['/', '\\'])
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_owned)
                .collect()
        };
        let split: Vec<Vec<String>> = dirs.iter().map(|d| parts(&d.source)).collect();
        let mut common = split.first().cloned().unwrap_or_default();
        for p in split.iter().skip(1) {
            let same = common.iter().zip(p).take_while(|(a, b)| a == b).count();
            common.truncate(same);
        }
        let mounts = dirs
            .into_iter()
            .zip(&split)
            .map(|(d, p)| ContentMount {
                source: p[common.len()..].join("/"),
                ..d
            })
            .collect();
        ContentFolders { common, mounts }
    }

    /// The content mounts of `[module]`: (source, language), see
    /// [`Self::language_content_dirs`].
    fn content_mounts(&self) -> Vec<ContentMount> {
        let Some(serde_json::Value::Array(mounts)) = self.config.as_ref().and_then(|c| c.get("module.mounts")) else {
            return Vec::new();
        };
        let field = |m: &serde_json::Map<String, serde_json::Value>, key: &str| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_str())
                .map(|v| v.trim().trim_matches('/').to_owned())
        };
        let mut dirs = Vec::new();
        for mount in mounts {
            let serde_json::Value::Object(m) = mount else { continue };
            let (Some(source), Some(target)) = (field(m, "source"), field(m, "target")) else {
                continue;
            };
            let part = match target.strip_prefix("content") {
                Some("") => "",
                Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/'),
                _ => continue,
            };
            let lang = field(m, "lang").filter(|l| !l.is_empty());
            dirs.push(ContentMount {
                source,
                lang: lang
                    .unwrap_or_else(|| self.default_language().to_owned())
                    .to_lowercase(),
                target: part.to_owned(),
            });
        }
        dirs
    }

    /// Hugo's `.Language.LanguageCode` for `lang`: the language's
    /// `languageCode`, else the site's when `lang` is the default one,
    /// else the language key itself.
    pub fn language_tag(&self, lang: &str) -> String {
        let lang = lang.to_lowercase();
        let own = self.config.as_ref().and_then(|c| {
            c.get(&format!("languages.{lang}.languageCode"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .or_else(|| (lang == self.default_language()).then(|| c.language_code().to_owned()))
        });
        own.filter(|c| !c.is_empty()).unwrap_or(lang)
    }

    /// The site's title as `lang` shows it (a language's own `title`, else
    /// the site's); empty without a config.
    pub fn title_in(&self, lang: &str) -> &str {
        self.config
            .as_ref()
            .map_or("", |c| c.language(lang).map_or_else(|| c.title(), |l| l.title.as_str()))
    }

    /// The path of a list page in `lang`, as Hugo links its HTML: the home
    /// page (`path` empty), a taxonomy (`["tags"]`) or a term (`["tags",
    /// "Hugo Tips"]`, the term as written); a section would be
    /// `PageKind::Section` with its folders.
    pub fn list_path(&self, kind: PageKind, lang: &str, path: &[String]) -> Result<String, UrlError> {
        self.page_path(&list_facts(kind, lang, path))
    }

    /// Where Hugo writes the RSS feed of the same list page: its folder
    /// with `index.xml`, also with `uglyURLs` (Hugo's RSS output format is
    /// `noUgly`). The path ends in `/`; the feed's file name follows.
    pub fn feed_dir(&self, kind: PageKind, lang: &str, path: &[String]) -> Result<String, UrlError> {
        url::page_link(&list_facts(kind, lang, path), &self.urls)
    }

    /// The folder of a language's home page (`/`, `/fr/`), where Hugo
    /// puts that language's sitemap.
    pub fn home_dir(&self, lang: &str) -> Result<String, UrlError> {
        self.feed_dir(PageKind::Home, lang, &[])
    }

    /// What in the site's settings shapes a stored page (its path, its
    /// terms' paths, its dates, its summary), for content hashes: a change
    /// re-imports every page.
    pub fn fingerprint(&self) -> String {
        let content = self.config.as_ref().map(|c| {
            (
                c.front_matter(),
                c.summary_length(),
                c.has_cjk_language(),
                c.taxonomies(),
                c.cascade(),
            )
        });
        format!("{:?}|{:?}|{:?}", self.urls, self.ugly_urls, content)
    }
}

/// The facts of a list page: no file, date, slug or url of its own; a
/// term's title is the term as written, which `:title` and `:slug` use.
fn list_facts(kind: PageKind, lang: &str, path: &[String]) -> PageFacts {
    PageFacts {
        kind,
        lang: lang.to_owned(),
        path: path.to_vec(),
        current_section: Vec::new(),
        file_base: None,
        date: None,
        title: path.last().cloned().unwrap_or_default(),
        slug: None,
        url: None,
    }
}
