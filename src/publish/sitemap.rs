//! `sitemap.xml` (sitemaps.org) as Hugo publishes it, and the Google News
//! sitemap.
//!
//! Hugo lists every page it renders: each language's home page, the
//! taxonomy and term pages, sections (Gazette has none yet: a section
//! would be one more kind of page in `pages`) and regular pages, with
//! their lastmod and, for a page with translations, an `xhtml:link
//! rel="alternate"` for each version. Gazette adds `x-default` (the version
//! in the default language, else the original). A site with one language
//! has one `/sitemap.xml`; a multilingual site has `/LANG/sitemap.xml` for
//! each language and `/sitemap.xml` indexes them, as Hugo does. A file
//! over the URL or byte limit is split into `sitemap-1.xml`, `sitemap-2.xml`,
//! … beside it, and it becomes the index of its parts (the root index then
//! names the parts directly: an index may not name another index).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;

use chrono::{DateTime, Utc};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use sea_orm::DatabaseConnection;

use super::keys;
use super::{taxonomies, Document, Languages, PublishError, Settings, NEWS_MAX_URLS, NEWS_WINDOW, SITEMAP};
use crate::query::feeds::{self, List, Selection, Texts, Version};
use crate::query::terms::TermRow;
use crate::site::url::PageKind;
use crate::site::Site;

const SITEMAPS_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const XML: &str = "application/xml; charset=utf-8";

/// One URL of a sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    loc: String,
    lastmod: Option<DateTime<Utc>>,
    /// `(hreflang, href)` of every version, itself included, then
    /// `x-default`; empty for a page without translations.
    alternates: Vec<(String, String)>,
}

/// One page in each of its versions: `(site language, hreflang, path, lastmod)`.
type Page = Vec<(String, String, String, Option<DateTime<Utc>>)>;

/// Every page the sitemaps list, by the site language each version is in,
/// in the order Hugo writes them (home, taxonomies and terms, then regular
/// pages in Hugo's page order).
async fn pages(
    db: &DatabaseConnection,
    site: &Site,
    languages: &Languages,
    now: DateTime<Utc>,
) -> Result<Vec<Page>, PublishError> {
    let selection = Selection {
        list: List::Home,
        language: None,
        translations: true,
        published_since: None,
        limit: None,
        texts: Texts::None,
    };
    let versions = feeds::versions(db, &selection, now).await?;
    // A page's hreflang: its language's key on a multilingual site, as
    // Hugo 0.111 writes it (`fr`, not the language's `languageCode`); on a
    // site with one language, the version's own locale.
    let hreflang = |group: &str, locale: &str| {
        if languages.multilingual {
            group.to_owned()
        } else {
            locale.to_owned()
        }
    };
    let mut newest: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for v in &versions {
        let group = languages.group(&v.lang);
        let t = newest.entry(group).or_insert(v.updated_at);
        *t = (*t).max(v.updated_at);
    }
    let mut out: Vec<Page> = Vec::new();
    let home: Page = languages
        .codes
        .iter()
        .map(|lang| {
            Ok((
                lang.clone(),
                hreflang(lang, lang),
                site.list_path(PageKind::Home, lang, &[])?,
                newest.get(lang.as_str()).copied(),
            ))
        })
        .collect::<Result<_, PublishError>>()?;
    out.push(home);

    // Sections (rendered and listed ones), each with its versions as
    // alternates, dated by their `_index` file or else their newest page.
    let mut sections: BTreeMap<String, Page> = BTreeMap::new();
    for s in crate::query::sections::listed(db).await? {
        if s.dir.is_empty() {
            continue;
        }
        let lastmod = (s.updated_at > crate::import::dates::zero()).then_some(s.updated_at);
        sections.entry(s.dir.clone()).or_default().push((
            s.lang.clone(),
            hreflang(&s.lang, &s.lang),
            s.path.clone(),
            lastmod,
        ));
    }
    out.extend(sections.into_values());

    // The articles' versions by id, to date each term in each language
    // from its links: reading the links alone and joining here costs a
    // fraction of joining them to the article rows in SQL.
    let mut of_article: HashMap<i32, Vec<&Version>> = HashMap::new();
    for v in &versions {
        // On a site with one language a term lists originals only.
        if languages.multilingual || !v.translation {
            of_article.entry(v.article_id).or_default().push(v);
        }
    }
    for (taxonomy, plural) in taxonomies(site) {
        let names: HashMap<i32, TermRow> = feeds::all_terms(db, taxonomy)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        // (slug, id) → language → newest lastmod of its public versions.
        let mut dated: BTreeMap<(&str, i32), BTreeMap<&str, DateTime<Utc>>> = BTreeMap::new();
        for (article_id, term_id) in feeds::links(db, taxonomy).await? {
            let (Some(term), Some(versions)) = (names.get(&term_id), of_article.get(&article_id)) else {
                continue;
            };
            let langs = dated.entry((term.slug.as_str(), term_id)).or_default();
            for v in versions {
                let t = langs.entry(languages.group(&v.lang)).or_insert(v.updated_at);
                *t = (*t).max(v.updated_at);
            }
        }
        let mut taxonomy_page: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
        let mut terms: Vec<Page> = Vec::new();
        for ((_, id), langs) in &dated {
            let Some(term) = names.get(id) else { continue };
            let mut page: Page = Vec::new();
            for lang in &languages.codes {
                let Some(lastmod) = langs.get(lang.as_str()) else {
                    continue;
                };
                // A term Hugo could give no URL is left out, not the whole sitemap.
                let Ok(path) = site.list_path(PageKind::Term, lang, &[plural.to_owned(), term.name.clone()]) else {
                    continue;
                };
                page.push((lang.clone(), hreflang(lang, lang), path, Some(*lastmod)));
                let t = taxonomy_page.entry(lang).or_insert(*lastmod);
                *t = (*t).max(*lastmod);
            }
            if !page.is_empty() {
                terms.push(page);
            }
        }
        let list: Page = languages
            .codes
            .iter()
            .filter_map(|lang| taxonomy_page.get(lang.as_str()).map(|t| (lang, *t)))
            .map(|(lang, t)| {
                Ok((
                    lang.clone(),
                    hreflang(lang, lang),
                    site.list_path(PageKind::Taxonomy, lang, &[plural.to_owned()])?,
                    Some(t),
                ))
            })
            .collect::<Result<_, PublishError>>()?;
        if !list.is_empty() {
            out.push(list);
        }
        out.extend(terms);
    }

    let mut by_article: BTreeMap<i32, usize> = BTreeMap::new();
    let mut articles: Vec<Vec<&Version>> = Vec::new();
    for v in &versions {
        let i = *by_article.entry(v.article_id).or_insert_with(|| {
            articles.push(Vec::new());
            articles.len() - 1
        });
        articles[i].push(v);
    }
    for mut article in articles {
        // The original first: it is x-default when no version is in the
        // default language. On a site with one language a translation
        // has its original's URL (no language prefix): one URL, listed once.
        article.sort_by_key(|v| v.translation);
        let mut seen = BTreeSet::new();
        article.retain(|v| seen.insert(v.path.as_str()));
        out.push(
            article
                .into_iter()
                .map(|v| {
                    let group = languages.group(&v.lang).to_owned();
                    let tag = hreflang(&group, &v.lang);
                    (group, tag, v.path.clone(), Some(v.updated_at))
                })
                .collect(),
        );
    }
    Ok(out)
}

/// The URLs of each site language's sitemap, in order.
fn urls_by_language(site: &Site, languages: &Languages, pages: Vec<Page>) -> BTreeMap<String, Vec<Url>> {
    let mut out: BTreeMap<String, Vec<Url>> = BTreeMap::new();
    for page in pages {
        let alternates: Vec<(String, String)> = if page.len() > 1 {
            let default = page
                .iter()
                .find(|(lang, ..)| *lang == languages.default)
                .or_else(|| page.first())
                .map(|(_, _, path, _)| site.permalink(path));
            page.iter()
                .map(|(_, tag, path, _)| (tag.clone(), site.permalink(path)))
                .chain(default.map(|d| ("x-default".to_owned(), d)))
                .collect()
        } else {
            Vec::new()
        };
        for (lang, _, path, lastmod) in page {
            out.entry(lang).or_default().push(Url {
                loc: site.permalink(&path),
                lastmod,
                alternates: alternates.clone(),
            });
        }
    }
    out
}

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn start(writer: &mut Writer<Vec<u8>>) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_url(w: &mut Writer<Vec<u8>>, url: &Url) -> io::Result<()> {
    w.create_element("url").write_inner_content(|w| {
        text_element(w, "loc", &url.loc)?;
        if let Some(t) = url.lastmod {
            text_element(w, "lastmod", &w3c(t))?;
        }
        for (lang, href) in &url.alternates {
            w.create_element("xhtml:link")
                .with_attributes([
                    ("rel", "alternate"),
                    ("hreflang", lang.as_str()),
                    ("href", href.as_str()),
                ])
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(())
}

const URLSET_END: &str = "</urlset>";

fn urlset_writer() -> io::Result<Writer<Vec<u8>>> {
    let mut w = Writer::new(Vec::new());
    start(&mut w)?;
    w.write_event(Event::Start(
        quick_xml::events::BytesStart::new("urlset")
            .with_attributes([("xmlns", SITEMAPS_NS), ("xmlns:xhtml", XHTML_NS)]),
    ))?;
    Ok(w)
}

fn finish_urlset(mut w: Writer<Vec<u8>>) -> Result<String, PublishError> {
    w.write_event(Event::End(quick_xml::events::BytesEnd::new("urlset")))?;
    Ok(String::from_utf8(w.into_inner())?)
}

/// One sitemap file of URLs, with the newest lastmod among them.
#[derive(Debug, Clone)]
struct Part {
    body: String,
    lastmod: Option<DateTime<Utc>>,
}

/// `urls` as sitemap files of at most `max_urls` URLs and `max_bytes`
/// bytes each (one URL alone larger than that still gets a file).
fn parts(urls: &[Url], max_urls: usize, max_bytes: usize) -> Result<Vec<Part>, PublishError> {
    let mut out = Vec::new();
    let mut w = urlset_writer()?;
    let (mut count, mut lastmod) = (0usize, None);
    for url in urls {
        let before = w.get_ref().len();
        write_url(&mut w, url)?;
        let full = count >= max_urls.max(1) || w.get_ref().len() + URLSET_END.len() > max_bytes;
        if count > 0 && full {
            // The URL goes to the next file: take it back off this one.
            w.get_mut().truncate(before);
            out.push(Part {
                body: finish_urlset(w)?,
                lastmod,
            });
            w = urlset_writer()?;
            write_url(&mut w, url)?;
            (count, lastmod) = (0, None);
        }
        count += 1;
        lastmod = lastmod.max(url.lastmod);
    }
    out.push(Part {
        body: finish_urlset(w)?,
        lastmod,
    });
    Ok(out)
}

/// A sitemap index of `(loc, lastmod)`.
fn index(entries: &[(String, Option<DateTime<Utc>>)]) -> Result<String, PublishError> {
    let mut w = Writer::new(Vec::new());
    start(&mut w)?;
    w.create_element("sitemapindex")
        .with_attribute(("xmlns", SITEMAPS_NS))
        .write_inner_content(|w| {
            for (loc, lastmod) in entries {
                w.create_element("sitemap").write_inner_content(|w| {
                    text_element(w, "loc", loc)?;
                    if let Some(t) = lastmod {
                        text_element(w, "lastmod", &w3c(*t))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(String::from_utf8(w.into_inner())?)
}

/// A sitemap document: keyed by [`keys::SITEMAP`] and, since any
/// article's change may add, drop or move a URL, [`keys::ARTICLES`].
fn xml(body: String, last_modified: Option<DateTime<Utc>>) -> Document {
    Document {
        body,
        content_type: XML,
        last_modified,
        keys: [keys::SITEMAP.to_owned(), keys::ARTICLES.to_owned()]
            .into_iter()
            .collect(),
    }
}

/// The file named `file` in `dir`: `sitemap.xml` or `sitemap-N.xml`, at the
/// root, or in a language's folder on a multilingual site.
pub async fn serve(
    db: &DatabaseConnection,
    site: &Site,
    settings: &Settings,
    dir: &str,
    file: &str,
    now: DateTime<Utc>,
) -> Result<Option<Document>, PublishError> {
    let part_number = match file {
        SITEMAP => None,
        _ => match file
            .strip_prefix("sitemap-")
            .and_then(|f| f.strip_suffix(".xml"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n >= 1 => Some(n),
            _ => return Ok(None),
        },
    };
    let languages = Languages::of(site);
    // The folder each language's sitemap is in: `/` on a site with one
    // language, else `/LANG/` (also the default language's, as Hugo does).
    let folder = |lang: &str| {
        if languages.multilingual {
            format!("/{lang}/")
        } else {
            "/".to_owned()
        }
    };
    let lang = languages.codes.iter().find(|l| folder(l) == dir);
    let root_index = languages.multilingual && dir == "/" && part_number.is_none();
    if lang.is_none() && !root_index {
        return Ok(None);
    }
    let pages = pages(db, site, &languages, now).await?;
    let by_language = urls_by_language(site, &languages, pages);
    let split = |lang: &str| {
        parts(
            by_language.get(lang).map_or(&[][..], Vec::as_slice),
            settings.sitemap_max_urls,
            settings.sitemap_max_bytes,
        )
    };
    let part_url = |lang: &str, n: usize| site.permalink(&format!("{}sitemap-{n}.xml", folder(lang)));
    // The files that name a language's URLs: itself, or its parts.
    let files_of = |lang: &str, parts: &[Part]| -> Vec<(String, Option<DateTime<Utc>>)> {
        if parts.len() == 1 {
            vec![(site.permalink(&format!("{}{SITEMAP}", folder(lang))), parts[0].lastmod)]
        } else {
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| (part_url(lang, i + 1), p.lastmod))
                .collect()
        }
    };
    if root_index {
        let mut entries = Vec::new();
        for lang in &languages.codes {
            entries.extend(files_of(lang, &split(lang)?));
        }
        let newest = entries.iter().filter_map(|(_, t)| *t).max();
        return Ok(Some(xml(index(&entries)?, newest)));
    }
    let Some(lang) = lang else {
        return Ok(None);
    };
    let mut parts = split(lang)?;
    let newest = parts.iter().filter_map(|p| p.lastmod).max();
    Ok(match part_number {
        None if parts.len() == 1 => parts.pop().map(|p| xml(p.body, p.lastmod)),
        None => Some(xml(index(&files_of(lang, &parts))?, newest)),
        Some(n) if parts.len() > 1 && n <= parts.len() => {
            let p = parts.swap_remove(n - 1);
            Some(xml(p.body, p.lastmod))
        }
        Some(_) => None,
    })
}

/// Google's language code for a locale: ISO 639 (`en`), except `zh-cn`
/// and `zh-tw`, which Google names whole.
fn news_language(locale: &str) -> String {
    let lower = locale.to_lowercase().replace('_', "-");
    match lower.as_str() {
        "zh-cn" | "zh-hans" | "zh-sg" => "zh-cn".to_owned(),
        "zh-tw" | "zh-hant" | "zh-hk" => "zh-tw".to_owned(),
        _ => lower.split('-').next().unwrap_or_default().to_owned(),
    }
}

/// `news-sitemap.xml`: every public version dated in the last two days,
/// newest first (at most Google's 1,000), with the site's title as the
/// publication's name in the version's language.
pub async fn news(db: &DatabaseConnection, site: &Site, now: DateTime<Utc>) -> Result<Document, PublishError> {
    let languages = Languages::of(site);
    let since = now - chrono::Duration::from_std(NEWS_WINDOW).unwrap_or_else(|_| chrono::Duration::days(2));
    let selection = Selection {
        list: List::Home,
        language: None,
        translations: true,
        published_since: Some(since),
        // Cut after sorting newest first: Hugo's order puts weighted pages first.
        limit: None,
        texts: Texts::Title,
    };
    let mut versions = feeds::versions(db, &selection, now).await?;
    // On a site with one language a translation has its original's URL:
    // the original, which that URL serves, is listed.
    versions.sort_by(|a, b| (&a.path, a.translation).cmp(&(&b.path, b.translation)));
    versions.dedup_by(|later, first| later.path == first.path);
    versions.sort_by(|a, b| b.published_at.cmp(&a.published_at).then_with(|| a.path.cmp(&b.path)));
    versions.truncate(usize::try_from(NEWS_MAX_URLS).unwrap_or(usize::MAX));
    let mut w = Writer::new(Vec::new());
    start(&mut w)?;
    w.create_element("urlset")
        .with_attributes([("xmlns", SITEMAPS_NS), ("xmlns:news", NEWS_NS)])
        .write_inner_content(|w| {
            for v in &versions {
                let group = languages.group(&v.lang);
                let name = match site.title_in(group) {
                    "" => site.permalink("/"),
                    title => title.to_owned(),
                };
                w.create_element("url").write_inner_content(|w| {
                    text_element(w, "loc", &site.permalink(&v.path))?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication").write_inner_content(|w| {
                            text_element(w, "news:name", &name)?;
                            text_element(w, "news:language", &news_language(&v.lang))
                        })?;
                        text_element(w, "news:publication_date", &w3c(v.published_at))?;
                        text_element(w, "news:title", &v.title)
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    let newest = versions.iter().map(|v| v.updated_at.max(v.published_at)).max();
    Ok(xml(String::from_utf8(w.into_inner())?, newest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(n: usize) -> Url {
        Url {
            loc: format!("https://example.org/{n}/"),
            lastmod: None,
            alternates: Vec::new(),
        }
    }

    #[test]
    fn parts_split_by_count_and_by_bytes() {
        let urls: Vec<Url> = (0..5).map(url).collect();
        let by_count = parts(&urls, 2, usize::MAX).unwrap();
        assert_eq!(by_count.len(), 3);
        assert_eq!(by_count[2].body.matches("<url>").count(), 1);
        let one = parts(&urls, 10, usize::MAX).unwrap();
        assert_eq!(one.len(), 1);
        // Room for two URLs and no more.
        let two = parts(&urls[..2], 10, usize::MAX).unwrap()[0].body.len();
        let by_bytes = parts(&urls, 10, two).unwrap();
        assert_eq!(by_bytes.len(), 3, "{by_bytes:?}");
        assert!(by_bytes.iter().all(|p| p.body.len() <= two));
        assert!(by_bytes.iter().all(|p| p.body.ends_with(URLSET_END)));
    }

    #[test]
    fn news_languages_are_googles() {
        assert_eq!(news_language("zh-CN"), "zh-cn");
        assert_eq!(news_language("zh-TW"), "zh-tw");
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("fr"), "fr");
    }
}
