//! One parsed content file: front matter read into typed fields, the body
//! with its trailing source link taken off, and a summary when none is given.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::dates;
use super::front_matter::{Problem, Split};
use crate::locale::Locale;
use crate::site::FrontMatterDates;
use crate::store::article::{theme_text, thumbnail_src};
use crate::store::{Build, Display, NewArticle, SiteTerm, SourceLink, Term};
use crate::text::shortcode;
use crate::text::{markdown, slug::slugify, words};

/// Everything one content file says, checked and typed: the article it
/// describes, and what only the importer needs to group files into articles.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// File name without extension or language suffix: `name` for `name.en.md`.
    pub stem: String,
    /// Locale from a `name.LANG.md` file name, else from the language
    /// content folder the file is in.
    pub name_locale: Option<Locale>,
    pub translation_key: Option<String>,
    /// Line of the front-matter `slug` key, when the slug was given there.
    pub slug_line: Option<usize>,
    /// Front matter `slug` and `url` as written: they shape the page's URL.
    pub front_slug: Option<String>,
    pub front_url: Option<String>,
    /// The line of `url`, for an error in it.
    pub url_line: Option<usize>,
    /// The page's date in the offset it was written in (permalinks read
    /// their date tokens in it, as Hugo does); `None` for Hugo's zero date.
    pub local_date: Option<DateTime<FixedOffset>>,
    pub article: NewArticle,
}

/// Settings that change how files are read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Zone for dates written without an offset.
    pub timezone: Tz,
    /// Locale of files that name none (Hugo's `defaultContentLanguage`).
    pub default_lang: Locale,
    /// The site the files belong to: its URL rules give each page its path.
    pub site: std::sync::Arc<crate::site::Site>,
    /// The languages' own content folders inside the folder imported, when
    /// it is the site's content folder and the site gives languages
    /// folders of their own (`[languages.fr] contentDir`); else empty.
    pub language_dirs: Vec<super::walk::LanguageDir>,
    /// The repository's last commit of each file, with `enableGitInfo`
    /// (read by each import; leave it `None`).
    pub git: Option<std::sync::Arc<super::git::GitDates>>,
}

impl ReadOptions {
    /// Whether the site's config turns on `enableGitInfo`.
    pub fn git_info(&self) -> bool {
        self.site.config().is_some_and(|c| c.enable_git_info())
    }
}

/// Splits a file name into its stem and `name.LANG` locale, if any: a
/// suffix counts when it names one of `site`'s languages
/// ([`crate::site::Site::is_language_suffix`]), else it is part of the stem.
/// A leaf bundle's `index.md` takes its folder's name, as in Hugo.
pub fn name_parts(path: &Path, site: &crate::site::Site) -> (String, Option<Locale>) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Only a two-letter language (`en`, `zh-CN`) counts as a suffix, so
    // `notes.old.md` or `api.faq.md` stay articles of their own.
    let two_letter = |s: &str| s.split(['-', '_']).next().is_some_and(|l| l.len() == 2);
    let (base, locale) = match stem.rsplit_once('.') {
        Some((base, suffix)) if !base.is_empty() && two_letter(suffix) && site.is_language_suffix(suffix) => {
            match Locale::parse(suffix) {
                Ok(locale) => (base.to_owned(), Some(locale)),
                Err(_) => (stem.clone(), None),
            }
        }
        _ => (stem.clone(), None),
    };
    if base == "index" {
        if let Some(dir) = path.parent().and_then(Path::file_name) {
            return (dir.to_string_lossy().into_owned(), locale);
        }
    }
    (base, locale)
}

/// A file's name without its extension (Hugo's `BaseFilename` less the
/// extension): `2023-01-02-my-post.md` → `2023-01-02-my-post`.
fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads one file's front matter and body into a [`Document`]. A file in
/// a language's own content folder (`folder_lang`) is in that language
/// unless its name says another of the site's.
pub fn read(
    path: &Path,
    split: &Split<'_>,
    opts: &ReadOptions,
    folder_lang: Option<&Locale>,
) -> Result<Document, Problem> {
    let f = Fields { split };
    let (stem, suffix) = name_parts(path, &opts.site);
    let name_locale = suffix.or_else(|| folder_lang.cloned());

    // Hugo requires no title: a page without one has an empty title.
    let title = f.string("title")?.unwrap_or_default();

    // The site's `[frontmatter]` rules (Hugo's defaults without a config):
    // for each date, the first source in its list that gives one; where
    // none does, Hugo's zero date (0001-01-01T00:00:00Z).
    let rules = opts
        .site
        .config()
        .map_or_else(FrontMatterDates::default, |c| c.front_matter().clone());
    let mut name_slug = None;
    let mut resolve = |sources: &[String]| -> Result<Option<DateTime<FixedOffset>>, Problem> {
        for source in sources {
            let found = match source.as_str() {
                ":filename" => dates::from_file_name(&stem_of(path), opts.timezone).map(|(date, slug)| {
                    name_slug = Some(slug);
                    date
                }),
                ":filemodtime" => dates::file_mod_time(path, opts.timezone),
                // Only with `enableGitInfo`, as in Hugo.
                ":git" => opts.git.as_ref().and_then(|g| g.date_of(path)),
                key => f.date(key, opts.timezone)?,
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    };
    let local_date = resolve(&rules.date)?;
    let (lastmod, publish, expiry_date) = (
        resolve(&rules.lastmod)?,
        resolve(&rules.publish_date)?,
        resolve(&rules.expiry_date)?,
    );
    let utc = |d: Option<DateTime<FixedOffset>>| d.map(|d| d.with_timezone(&Utc));
    let (date, publish, lastmod, expiry_date) = (utc(local_date), utc(publish), utc(lastmod), utc(expiry_date));
    let published_at = date.unwrap_or_else(dates::zero);

    let langs = f.strings("lang")?;
    let lang = match langs.first() {
        Some(raw) => Locale::parse(raw).map_err(|e| f.split.problem("lang", e))?,
        None => name_locale.clone().unwrap_or_else(|| opts.default_lang.clone()),
    };
    let translations = f
        .strings("translations")?
        .iter()
        .map(|raw| Locale::parse(raw).map_err(|e| f.split.problem("translations", e)))
        .collect::<Result<Vec<_>, _>>()?;

    check_shortcodes(split)?;
    let (body, source) = take_source_link(split.body);
    let front = Value::Object(split.fields.clone());
    let cjk_page = words::is_cjk_page(
        &front,
        split.body,
        opts.site.config().is_some_and(|c| c.has_cjk_language()),
    );
    let (summary, truncated) = summary_of(f.string("summary")?, &body, cjk_page, opts);
    // A file name's date brings its slug (`2023-01-02-my-post.md` is
    // `my-post`) unless front matter gives one, as in Hugo.
    let front_slug = match f.string("slug")? {
        Some(s) => Some(s),
        None => name_slug.filter(|s| !s.is_empty()),
    };
    let slug = match front_slug
        .as_ref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    {
        Some(s) if s.contains('/') => return Err(f.split.problem("slug", "slug may not contain '/'")),
        Some(s) => s,
        None => stem.clone(),
    };

    let tags = f.terms("tags")?;
    let categories = f.terms("categories")?;
    let mut site_terms = Vec::new();
    // The page's language, as its URL has it: its terms are that language's.
    let page_lang = name_locale.as_ref().unwrap_or(&lang).as_str().to_owned();
    for plural in opts.site.taxonomy_plurals() {
        let named = match plural.as_str() {
            "tags" => tags.clone(),
            "categories" => categories.clone(),
            other => f.terms(other)?,
        };
        let weight = term_weight(f.get(&format!("{plural}_weight")));
        let terms = SiteTerm::all_of(&opts.site, &plural, &named, weight, &page_lang)
            .map_err(|e| f.split.problem(&plural, format!("URL: {e}")))?;
        site_terms.extend(terms);
    }

    let article = NewArticle {
        // Set by the importer, which knows where the file sits in the site.
        path: String::new(),
        section: String::new(),
        // A headless leaf bundle (Hugo's legacy key, only for `index.md`).
        build: match (f.bool("headless")?, path.file_stem().and_then(|s| s.to_str())) {
            (Some(true), Some(s)) if s == "index" || s.starts_with("index.") => Build::headless(),
            _ => Build::read(split.fields.get("_build")),
        },
        slug,
        title: title.trim().to_owned(),
        summary,
        truncated,
        body,
        source,
        published_at,
        updated_at: lastmod.unwrap_or_else(dates::zero),
        publish_date: publish.unwrap_or_else(dates::zero),
        expiry_date,
        lang,
        translations,
        thumbnail: thumbnail_src(&split.fields),
        lead: theme_text(&split.fields, "lead"),
        draft: f.bool("draft")?.unwrap_or(false),
        display: Display::read(&split.fields),
        weight: f.int("weight")?.unwrap_or(0),
        aliases: f.strings("aliases")?,
        keywords: f.strings("keywords")?,
        tags,
        categories,
        site_terms,
        front_matter: front,
    };
    Ok(Document {
        name_locale,
        translation_key: f.string("translationkey")?,
        slug_line: f.get("slug").and_then(|_| f.split.line_of("slug")),
        front_slug,
        front_url: f.string("url")?,
        local_date,
        url_line: f.split.line_of("url"),
        article,
        stem,
    })
}

/// Refuses a body whose shortcodes do not parse (unclosed, mismatched,
/// badly quoted), as Hugo refuses to build it. A `param` naming no param
/// is not refused (Hugo's built-in fails the build, but a site may replace
/// the template, as the Hugo docs do): it renders as nothing.
fn check_shortcodes(split: &Split<'_>) -> Result<(), Problem> {
    if !shortcode::may_contain(split.body) {
        return Ok(());
    }
    shortcode::parse(split.body).map(|_| ()).map_err(|e| Problem {
        line: Some(split.body_line + e.line - 1),
        reason: e.reason,
    })
}

/// Hugo's summary divider: the content before it is the summary.
const MORE: &str = "<!--more-->";

/// An article's summary and whether it leaves content out, as Hugo makes
/// them: front matter `summary` (never truncated); else the text before
/// `<!--more-->` (truncated when text follows it); else the automatic one,
/// by the site's `summaryLength` and the page's `isCJKLanguage` (without a site config,
/// Gazette's CJK-aware rule: 70 words, each CJK character a word, cut back to
/// a sentence end).
fn summary_of(given: Option<String>, body: &str, cjk_page: bool, opts: &ReadOptions) -> (String, bool) {
    if let Some(s) = given.filter(|s| !s.trim().is_empty()) {
        return (s, false);
    }
    if let Some((before, after)) = body.split_once(MORE) {
        let summary = markdown::to_text(before)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        return (summary, !markdown::to_text(after).trim().is_empty());
    }
    let text = markdown::to_text(body);
    match opts.site.config() {
        Some(config) => words::hugo_summary(
            &words::hugo_plain(&text),
            words::SummaryRules {
                length: usize::try_from(config.summary_length()).unwrap_or(words::SUMMARY_WORDS),
                cjk: cjk_page,
            },
        ),
        None => words::summarize_flagged(&text),
    }
}

/// Typed access to front-matter fields; a wrong type is a problem at the key's line.
struct Fields<'s, 'a> {
    split: &'s Split<'a>,
}

impl Fields<'_, '_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.split.fields.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<String>, Problem> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(self.split.problem(key, format!("`{key}` must be text"))),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, Problem> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(_) => Err(self.split.problem(key, format!("`{key}` must be true or false"))),
        }
    }

    fn int(&self, key: &str) -> Result<Option<i32>, Problem> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .map(Some)
                .ok_or_else(|| self.split.problem(key, format!("`{key}` must be a whole number"))),
            Some(_) => Err(self.split.problem(key, format!("`{key}` must be a whole number"))),
        }
    }

    /// A list of strings; a lone string is a list of one.
    fn strings(&self, key: &str) -> Result<Vec<String>, Problem> {
        let item = |v: &Value| match v {
            Value::String(s) => Ok(s.trim().to_owned()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(self.split.problem(key, format!("`{key}` must be a list of text"))),
        };
        let list = match self.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(item).collect::<Result<_, _>>()?,
            Some(v) => vec![item(v)?],
        };
        Ok(list.into_iter().filter(|s| !s.is_empty()).collect())
    }

    fn date(&self, key: &str, tz: Tz) -> Result<Option<DateTime<FixedOffset>>, Problem> {
        match self.string(key)?.filter(|s| !s.trim().is_empty()) {
            None => Ok(None),
            Some(s) => dates::parse_local(&s, tz)
                .map(Some)
                .map_err(|e| self.split.problem(key, format!("`{key}`: {e}"))),
        }
    }

    /// Tags or categories with their slugs, first spelling of a slug kept.
    fn terms(&self, key: &str) -> Result<Vec<Term>, Problem> {
        let mut terms: Vec<Term> = Vec::new();
        for name in self.strings(key)? {
            let slug = slugify(&name).ok_or_else(|| {
                self.split
                    .problem(key, format!("`{name}` in `{key}` has no letters or digits"))
            })?;
            if !terms.iter().any(|t| t.slug == slug) {
                terms.push(Term { slug, name });
            }
        }
        Ok(terms)
    }
}

/// Takes a last line that is only a markdown link off the body.
fn take_source_link(body: &str) -> (String, Option<SourceLink>) {
    let trimmed = body.trim_end();
    let (rest, last) = match trimmed.rfind('\n') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    match parse_link_line(last.trim()) {
        Some(link) => (rest.trim().to_owned(), Some(link)),
        None => (trimmed.trim().to_owned(), None),
    }
}

fn parse_link_line(line: &str) -> Option<SourceLink> {
    let inner = line.strip_prefix('[')?.strip_suffix(')')?;
    let (name, url) = inner.split_once("](")?;
    let url = url.split_whitespace().next()?;
    if name.is_empty() || name.contains(']') || url.contains(['(', ')']) {
        return None;
    }
    Some(SourceLink {
        name: name.to_owned(),
        url: url.to_owned(),
    })
}

/// A page's weight in a taxonomy, front matter `<taxonomy>_weight`, read as
/// hugo 0.111 reads it (`cast.ToIntE` in `pageMap.attachPageToViews`,
/// hugolib/content_map_page.go): a whole number, a float truncated, a
/// string of a number (`"5"`, `"5.0"`), a boolean as 1 or 0; anything else
/// is 0 (hugo logs an error and goes on with 0).
fn term_weight(value: Option<&Value>) -> i32 {
    let wide = match value {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Some(Value::String(s)) => {
            let s = s.trim();
            // spf13/cast's trimZeroDecimal: "5.00" is "5".
            let s = match s.split_once('.') {
                Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
                _ => s,
            };
            s.parse::<i64>().ok()
        }
        Some(Value::Bool(b)) => Some(i64::from(*b)),
        _ => None,
    };
    // Kept off i32::MIN so that its negation (a descending list's key) fits.
    wide.and_then(|w| i32::try_from(w).ok()).unwrap_or(0).max(-i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_link_line_becomes_the_source() {
        let (body, source) = take_source_link("Text.\n\n[jin10](https://x.com/1)\n");
        assert_eq!(body, "Text.");
        assert_eq!(
            source,
            Some(SourceLink {
                name: "jin10".into(),
                url: "https://x.com/1".into()
            })
        );
    }

    #[test]
    fn a_link_inside_a_sentence_is_not_a_source() {
        let (body, source) = take_source_link("See [this](https://x.com) now.");
        assert_eq!(body, "See [this](https://x.com) now.");
        assert_eq!(source, None);
    }

    #[test]
    fn a_language_suffix_is_split_from_the_stem() {
        let site = crate::site::Site::default();
        let (stem, locale) = name_parts(Path::new("news/rates.en.md"), &site);
        assert_eq!(stem, "rates");
        assert_eq!(locale.unwrap().as_str(), "en");
        let (stem, locale) = name_parts(Path::new("000_4da7ae27dc7d0813.txt"), &site);
        assert_eq!(stem, "000_4da7ae27dc7d0813");
        assert!(locale.is_none());
        let (stem, locale) = name_parts(Path::new("v1.2.md"), &site);
        assert_eq!(stem, "v1.2");
        assert!(locale.is_none());
        let (stem, locale) = name_parts(Path::new("notes.old.md"), &site);
        assert_eq!((stem.as_str(), locale), ("notes.old", None));
        let (stem, locale) = name_parts(Path::new("rates.zh-TW.md"), &site);
        assert_eq!(
            (stem.as_str(), locale.map(|l| l.to_string())),
            ("rates", Some("zh-TW".to_owned()))
        );
    }

    #[test]
    fn with_a_config_only_the_sites_languages_are_suffixes() {
        // tests/sites/site-config/toml-site defines `fr` and `EN`; hugo
        // 0.111.3 builds `c.de.md` of such a site at `/…/c.de/`.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites/site-config/toml-site");
        let config = crate::site::SiteConfig::load(&dir, "production").expect("fixture config");
        let site = crate::site::Site::of(config).expect("fixture site");
        let parts = |name: &str| {
            let (stem, locale) = name_parts(Path::new(name), &site);
            (stem, locale.map(|l| l.to_string()))
        };
        assert_eq!(parts("blog/c.de.md"), ("c.de".to_owned(), None));
        assert_eq!(parts("blog/c.fr.md"), ("c".to_owned(), Some("fr".to_owned())));
        assert_eq!(parts("blog/c.en.md"), ("c".to_owned(), Some("en".to_owned())));
    }

    #[test]
    fn a_term_weight_is_read_as_hugos_cast_to_int_reads_it() {
        let w = |v: serde_json::Value| super::term_weight(Some(&v));
        assert_eq!(w(serde_json::json!(10)), 10);
        assert_eq!(w(serde_json::json!(-3)), -3);
        assert_eq!(w(serde_json::json!(2.7)), 2);
        assert_eq!(w(serde_json::json!("5")), 5);
        assert_eq!(w(serde_json::json!("5.00")), 5);
        assert_eq!(w(serde_json::json!(true)), 1);
        assert_eq!(w(serde_json::json!("heavy")), 0);
        assert_eq!(w(serde_json::json!([1])), 0);
        assert_eq!(super::term_weight(None), 0);
    }
}
