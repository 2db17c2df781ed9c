//! Cache keys: what a response shows, named so a CDN can drop every cached
//! response that shows something the moment it changes (Fastly's and
//! Varnish's `Surrogate-Key`, Cloudflare's `Cache-Tag`). A response carries
//! the keys of what it shows; a change carries the keys it invalidates.
//!
//! - `article:<id>`: a response showing that article.
//! - `term:<taxonomy>/<slug>`: a response showing that term (its name).
//! - `section:/<dir>/`: a list scoped to that section (with or without its
//!   subsections), and its feed; `section:/` is the home section.
//! - `articles`: any other list of articles (the front page, search, any
//!   filter not scoped to one section or term), and the home feed.
//! - `feeds`: every feed; `sitemap`: every sitemap, the news sitemap and
//!   `robots.txt`'s neighbours.
//! - `changes`: the change log (`changes`); every change invalidates it.
//! - `overflow`: a response whose keys would not fit the header limit
//!   carries its list keys and this instead of its article and term keys;
//!   every change invalidates it.
//!
//! Keys are ASCII without spaces or commas (the two headers' separators):
//! any other byte of a slug or folder is percent-encoded.

use std::collections::BTreeSet;

/// Any list of articles not scoped to one section or term.
pub const ARTICLES: &str = "articles";
/// Every feed.
pub const FEEDS: &str = "feeds";
/// Every sitemap.
pub const SITEMAP: &str = "sitemap";
/// The change log (`changes`): every change invalidates it.
pub const CHANGES: &str = "changes";
/// What a response carries instead of keys that overflow the header.
pub const OVERFLOW: &str = "overflow";

/// The header bytes Gazette keeps keys within by default: Fastly takes a
/// `Surrogate-Key` of up to 16,384 bytes and Cloudflare 16 KB of
/// `Cache-Tag`s; half of that leaves room for proxies' own limits.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 8 * 1024;

/// The longest key Fastly takes (1,024 bytes): it ignores a longer key
/// and every key after it in the header.
pub const MAX_KEY_BYTES: usize = 1024;

/// The key of a response showing article `id`.
pub fn article(id: i32) -> String {
    format!("article:{id}")
}

/// The key of a response showing the term `slug` of `taxonomy` (plural).
pub fn term(taxonomy: &str, slug: &str) -> String {
    format!("term:{}/{}", encode(taxonomy), encode(slug))
}

/// The key of a list scoped to the section at content folder `dir`
/// (`blog/2020`; empty for the home section).
pub fn section(dir: &str) -> String {
    let dir = dir.trim_matches('/');
    if dir.is_empty() {
        "section:/".to_owned()
    } else {
        format!("section:/{}/", encode(dir))
    }
}

/// The section keys an article in the section at `dir` is listed under:
/// the home section's and every folder's down to `dir` (`blog/2020` →
/// `/`, `/blog/`, `/blog/2020/`), since a section's list may hold its
/// subsections' articles.
pub fn sections_of(dir: &str) -> Vec<String> {
    let mut out = vec![section("")];
    let dirs: Vec<&str> = dir.split('/').filter(|d| !d.is_empty()).collect();
    for i in 1..=dirs.len() {
        out.push(section(&dirs[..i].join("/")));
    }
    out
}

/// Percent-encodes every byte but visible ASCII other than `%` and `,`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_graphic() && b != b'%' && b != b',' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `key` names one article or term (dropped first on overflow).
fn is_item(key: &str) -> bool {
    key.starts_with("article:") || key.starts_with("term:")
}

/// A set of keys, sorted (so two replicas send the same header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys(BTreeSet<String>);

impl Keys {
    /// No keys.
    pub fn new() -> Self {
        Keys::default()
    }

    /// Adds `key`.
    pub fn insert(&mut self, key: impl Into<String>) {
        self.0.insert(key.into());
    }

    /// Adds every key of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = String>) {
        self.0.extend(other);
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The same keys, with any longer than `max_key_bytes` (a very long
    /// slug's) replaced by [`OVERFLOW`], which every change invalidates.
    pub fn within_key_limit(&self, max_key_bytes: usize) -> Keys {
        if self.iter().all(|k| k.len() <= max_key_bytes) {
            return self.clone();
        }
        let mut out: Keys = self
            .iter()
            .filter(|k| k.len() <= max_key_bytes)
            .map(str::to_owned)
            .collect();
        out.insert(OVERFLOW);
        out
    }

    /// The keys as a header value joined by `separator`, at most `max_bytes`
    /// long: when they do not fit, the article and term keys give way to
    /// [`OVERFLOW`] (the list keys stay); should even those not fit, only
    /// [`OVERFLOW`] is sent.
    pub fn header_value(&self, separator: &str, max_bytes: usize) -> String {
        let all = self.iter().collect::<Vec<_>>().join(separator);
        if all.len() <= max_bytes {
            return all;
        }
        let mut coarse: Vec<&str> = self.iter().filter(|k| !is_item(k)).collect();
        coarse.push(OVERFLOW);
        coarse.sort_unstable();
        coarse.dedup();
        let coarse = coarse.join(separator);
        if coarse.len() <= max_bytes {
            coarse
        } else {
            OVERFLOW.to_owned()
        }
    }
}

impl FromIterator<String> for Keys {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Keys(iter.into_iter().collect())
    }
}

impl IntoIterator for Keys {
    type Item = String;
    type IntoIter = std::collections::btree_set::IntoIter<String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// What a change to one article invalidates, from where it was listed
/// before (`None`: it was not stored or not public) and after: the
/// article itself, every list it was or is in (its sections', its terms',
/// [`ARTICLES`]), the sitemap and [`OVERFLOW`].
pub fn of_article_change(id: i32, listed: &[&Listing]) -> Keys {
    let mut keys = Keys::new();
    keys.insert(article(id));
    keys.insert(ARTICLES);
    keys.insert(SITEMAP);
    keys.insert(CHANGES);
    keys.insert(OVERFLOW);
    for listing in listed {
        keys.extend(sections_of(&listing.section));
        for (taxonomy, slug) in &listing.terms {
            keys.insert(term(taxonomy, slug));
        }
    }
    keys
}

/// What a term's change (a rename, a deletion) invalidates: every
/// response showing the term, every feed (their items name it) and
/// [`OVERFLOW`].
pub fn of_term_change(taxonomy: &str, slug: &str) -> Keys {
    [
        term(taxonomy, slug),
        FEEDS.to_owned(),
        CHANGES.to_owned(),
        OVERFLOW.to_owned(),
    ]
    .into_iter()
    .collect()
}

/// Where an article is listed: its section's folder and its terms as
/// `(taxonomy, slug)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub section: String,
    pub terms: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ascii_without_separators() {
        assert_eq!(
            term("tags", "利率 上调,x"),
            "term:tags/%E5%88%A9%E7%8E%87%20%E4%B8%8A%E8%B0%83%2Cx"
        );
        assert_eq!(section(""), "section:/");
        assert_eq!(section("/blog/2020/"), "section:/blog/2020/");
    }

    #[test]
    fn an_article_is_listed_under_its_section_and_every_one_above() {
        assert_eq!(
            sections_of("blog/2020"),
            vec!["section:/", "section:/blog/", "section:/blog/2020/"]
        );
        assert_eq!(sections_of(""), vec!["section:/"]);
    }

    #[test]
    fn a_change_invalidates_the_lists_it_left_and_joined() {
        let before = Listing {
            section: "news".into(),
            terms: vec![("tags".into(), "old".into())],
        };
        let after = Listing {
            section: "sport".into(),
            terms: vec![("tags".into(), "new".into())],
        };
        let keys: Vec<String> = of_article_change(7, &[&before, &after]).into_iter().collect();
        for k in [
            "article:7",
            "articles",
            "section:/news/",
            "section:/sport/",
            "term:tags/old",
            "term:tags/new",
            "sitemap",
            "overflow",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
        }
    }

    #[test]
    fn overflowing_keys_fall_back_to_the_list_keys() {
        let mut keys: Keys = (0..1000).map(article).collect();
        keys.insert(ARTICLES);
        let value = keys.header_value(" ", 100);
        assert_eq!(value, "articles overflow");
        let small: Keys = [article(1), ARTICLES.to_owned()].into_iter().collect();
        assert_eq!(small.header_value(", ", 100), "article:1, articles");
        let lists: Keys = (0..1000).map(|i| section(&format!("s{i}"))).collect();
        assert_eq!(lists.header_value(" ", 100), "overflow");
    }

    #[test]
    fn a_key_too_long_for_the_cdn_gives_way_to_overflow() {
        let long = term("tags", &"x".repeat(MAX_KEY_BYTES));
        let keys: Keys = [article(1), long, ARTICLES.to_owned()].into_iter().collect();
        let fitted = keys.within_key_limit(MAX_KEY_BYTES);
        assert_eq!(
            fitted.iter().collect::<Vec<_>>(),
            vec!["article:1", "articles", "overflow"]
        );
        let short: Keys = [article(1)].into_iter().collect();
        assert_eq!(short.within_key_limit(MAX_KEY_BYTES), short);
    }
}
