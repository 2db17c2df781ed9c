//! The site as the importer and the API use it: its configuration (if it
//! has one) and the URL settings every page's path is computed with. A
//! content folder without a Hugo config is a site with Hugo's defaults.

use std::path::Path;

use super::config::SiteConfig;
use super::url::{self, PageFacts, PageKind, Permalinks, UrlError, UrlSettings};

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

    /// The codes of the site's languages in Hugo's order (disabled ones
    /// left out); a site without a config has one, the default language.
    pub fn languages(&self) -> Vec<String> {
        match &self.config {
            Some(c) => c
                .languages()
                .iter()
                .filter(|l| !l.disabled)
                .map(|l| l.code.clone())
                .collect(),
            None => vec![self.urls.default_language.clone()],
        }
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
        self.page_path(&PageFacts {
            kind: PageKind::Taxonomy,
            lang: self.default_language().to_lowercase(),
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
        self.page_path(&PageFacts {
            kind: PageKind::Term,
            lang: self.default_language().to_lowercase(),
            path: vec![plural.to_owned(), name.to_owned()],
            current_section: Vec::new(),
            file_base: None,
            date: None,
            title: name.to_owned(),
            slug: None,
            url: None,
        })
    }

    /// The title of the home page without an `_index` file: the language's
    /// title, else the site's.
    pub fn home_title(&self, lang: &str) -> String {
        let Some(config) = &self.config else {
            return String::new();
        };
        config
            .language(lang)
            .map_or_else(|| config.title().to_owned(), |l| l.title.clone())
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
