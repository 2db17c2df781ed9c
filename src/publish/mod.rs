//! Publishing the site for readers and crawlers: RSS 2.0, Atom and JSON
//! Feed 1.1 for the lists Hugo makes feeds of (`feeds`), `sitemap.xml`
//! with its index and the Google News sitemap (`sitemap`), and
//! `robots.txt`. Everything is built from the public articles at one
//! instant, at the paths Hugo publishes them (below the baseURL's path).
//! Knows nothing of HTTP: the server asks [`publish`] what a path holds.

pub mod feeds;
pub mod keys;
pub mod schedule;
pub mod sitemap;

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::query::feeds::InLanguage;
use crate::query::Taxonomy;
use crate::site::url::UrlError;
use crate::site::Site;

/// What a feed item carries of the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FeedContent {
    /// The summary only (Hugo's feeds carry `.Summary`).
    #[default]
    Summary,
    /// The whole body as HTML, besides the summary.
    Full,
}

/// The sitemaps.org limit of URLs in one sitemap file.
pub const SITEMAP_MAX_URLS: usize = 50_000;
/// The sitemaps.org limit of one sitemap file's size, uncompressed.
pub const SITEMAP_MAX_BYTES: usize = 50 * 1024 * 1024;
/// Items in a feed when the site sets no `services.rss.limit` (Hugo's -1,
/// "no limit"): Hugo writes every page into a static file once, where
/// Gazette would read and render the whole archive on every request.
pub const UNLIMITED_FEED_CAP: u64 = 1_000;
/// How far back the Google News sitemap reaches (Google: "articles
/// published in the last two days").
pub const NEWS_WINDOW: Duration = Duration::from_secs(2 * 24 * 3600);
/// Google News reads at most this many URLs from one news sitemap.
pub const NEWS_MAX_URLS: u64 = 1_000;

/// How feeds and sitemaps are made; the defaults are the specs' limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Summary or full HTML in feed items.
    pub content: FeedContent,
    /// Items in a feed when the site's `services.rss.limit` is unlimited.
    pub unlimited_cap: u64,
    /// URLs in one sitemap file before it is split under a sitemap index.
    pub sitemap_max_urls: usize,
    /// Bytes of one sitemap file before it is split.
    pub sitemap_max_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            content: FeedContent::Summary,
            unlimited_cap: UNLIMITED_FEED_CAP,
            sitemap_max_urls: SITEMAP_MAX_URLS,
            sitemap_max_bytes: SITEMAP_MAX_BYTES,
        }
    }
}

/// Why a feed or sitemap could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("page URL: {0}")]
    Url(#[from] UrlError),
    #[error("writing RSS: {0}")]
    Rss(#[from] rss::Error),
    #[error("writing Atom: {0}")]
    Atom(#[from] atom_syndication::Error),
    #[error("writing XML: {0}")]
    Xml(#[from] std::io::Error),
    #[error("writing JSON Feed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("a written document is not UTF-8")]
    Utf8(#[from] std::string::FromUtf8Error),
}

/// A document to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub body: String,
    pub content_type: &'static str,
    /// The newest change among what it lists, for `Last-Modified`.
    pub last_modified: Option<DateTime<Utc>>,
    /// The cache keys of what it shows ([`keys`]).
    pub keys: keys::Keys,
}

/// The files Gazette publishes in a folder of the site.
const RSS: &str = "index.xml";
const ATOM: &str = "atom.xml";
const JSON_FEED: &str = "feed.json";
const SITEMAP: &str = "sitemap.xml";
const NEWS_SITEMAP: &str = "news-sitemap.xml";

/// What `path` (a site path, below the baseURL's path, as
/// [`Site::request_path`] gives it) holds, if it is a feed or a sitemap.
/// Their URLs are `site`'s permalinks, so a site whose baseURL has no host
/// should come [`Site::with_origin`] the request's.
pub async fn publish(
    db: &DatabaseConnection,
    site: &Site,
    settings: &Settings,
    path: &str,
    now: DateTime<Utc>,
) -> Result<Option<Document>, PublishError> {
    let Some(slash) = path.rfind('/') else {
        return Ok(None);
    };
    let (dir, file) = path.split_at(slash + 1);
    let format = match file {
        RSS => feeds::Format::Rss,
        ATOM => feeds::Format::Atom,
        JSON_FEED => feeds::Format::JsonFeed,
        NEWS_SITEMAP if dir == "/" => return sitemap::news(db, site, now).await.map(Some),
        _ => return sitemap::serve(db, site, settings, dir, file, now).await,
    };
    feeds::serve(db, site, settings, dir, format, now).await
}

/// `robots.txt`: everything allowed, and where the sitemaps are, by
/// absolute URL (give a site [`Site::with_origin`] when its baseURL has no host).
pub fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\nSitemap: {}\n",
        site.permalink(&format!("/{SITEMAP}")),
        site.permalink(&format!("/{NEWS_SITEMAP}"))
    )
}

/// The site's languages as feeds and sitemaps group versions.
pub(crate) struct Languages {
    /// In Hugo's order; one (the default) on a site with one language.
    pub codes: Vec<String>,
    pub default: String,
    pub multilingual: bool,
}

impl Languages {
    pub fn of(site: &Site) -> Languages {
        let multilingual = site.multilingual();
        let default = site.default_language().to_lowercase();
        let codes = if multilingual {
            site.language_codes()
        } else {
            vec![default.clone()]
        };
        Languages {
            codes,
            default,
            multilingual,
        }
    }

    /// The site language a version in `locale` is listed under: its own
    /// when the site has it, else the default.
    pub fn group(&self, locale: &str) -> &str {
        let locale = locale.to_lowercase();
        if self.multilingual {
            if let Some(code) = self.codes.iter().find(|c| **c == locale) {
                return code;
            }
        }
        &self.default
    }

    /// The query's language scope for `lang`'s lists: none on a site with
    /// one language (every article, originals only).
    pub fn scope(&self, lang: &str) -> Option<InLanguage> {
        self.multilingual.then(|| InLanguage {
            lang: lang.to_owned(),
            unclaimed_besides: (lang == self.default).then(|| self.codes.clone()),
        })
    }
}

/// The taxonomies Gazette stores whose pages the site has: both without a
/// config, else those its `[taxonomies]` name (by plural, as Hugo's URLs).
pub(crate) fn taxonomies(site: &Site) -> Vec<(Taxonomy, &'static str)> {
    [(Taxonomy::Tags, "tags"), (Taxonomy::Categories, "categories")]
        .into_iter()
        .filter(|(_, plural)| {
            site.config()
                .is_none_or(|c| c.taxonomies().values().any(|p| p.eq_ignore_ascii_case(plural)))
        })
        .collect()
}
