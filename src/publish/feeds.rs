//! Feeds of the lists Hugo gives an RSS feed: each language's home page
//! and each tag's and category's page (a section's would be one more
//! [`List`] case). RSS 2.0 is at Hugo's `index.xml`; Atom (`atom.xml`) and
//! JSON Feed 1.1 (`feed.json`) list the same items beside it.

use std::collections::HashMap;

use atom_syndication as atom;
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use super::keys::{self, Keys};
use super::{taxonomies, Document, FeedContent, Languages, PublishError, Settings, ATOM, JSON_FEED, RSS};
use crate::query::feeds::{self, List, Selection, Texts, Version};
use crate::query::{terms, Taxonomy};
use crate::site::url::PageKind;
use crate::site::Site;
use crate::text::markdown;

/// The three feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Rss => RSS,
            Format::Atom => ATOM,
            Format::JsonFeed => JSON_FEED,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::JsonFeed => "application/feed+json; charset=utf-8",
        }
    }
}

/// Articles whose terms one statement reads.
const TERM_BATCH: usize = 1_000;

/// A list page that has feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListPage {
    list: List,
    lang: String,
    /// Its title: empty for the home page (the site's title stands), the
    /// term as written for a term.
    title: String,
    /// Its folder, where the feeds are (`/fr/tags/rates/`).
    dir: String,
    /// Its HTML page's path (`/fr/tags/rates/`, or `.html` with uglyURLs).
    page: String,
    /// The cache key of its list: [`keys::ARTICLES`] for a home page, its
    /// section's or term's key for a section's or term's.
    key: String,
}

/// The list page whose feeds are in `dir`: a language's home, else a
/// term with public articles in that language.
async fn find_list(
    db: &DatabaseConnection,
    site: &Site,
    languages: &Languages,
    dir: &str,
) -> Result<Option<ListPage>, PublishError> {
    for lang in &languages.codes {
        if site.feed_dir(PageKind::Home, lang, &[])? == dir {
            return Ok(Some(ListPage {
                list: List::Home,
                lang: lang.clone(),
                title: String::new(),
                dir: dir.to_owned(),
                page: site.list_path(PageKind::Home, lang, &[])?,
                key: keys::ARTICLES.to_owned(),
            }));
        }
    }
    // A section's feed sits in its folder in each language it has.
    for s in crate::query::sections::listed(db).await? {
        let folders: Vec<String> = s.dir.split('/').map(str::to_owned).collect();
        if !s.dir.is_empty() && site.feed_dir(PageKind::Section, &s.lang, &folders)? == dir {
            return Ok(Some(ListPage {
                list: List::Section(s.dir.clone()),
                lang: s.lang.clone(),
                title: s.title.clone(),
                dir: dir.to_owned(),
                page: s.path.clone(),
                key: keys::section(&s.dir),
            }));
        }
    }
    // Terms are matched by the path Hugo gives each in each language
    // (`[permalinks]` may move them anywhere): one statement per taxonomy
    // over its terms alone; whether the term has articles in that language
    // is known once its feed is read.
    for (taxonomy, plural) in taxonomies(site) {
        for term in feeds::all_terms(db, taxonomy).await? {
            let path = [plural.to_owned(), term.name.clone()];
            for lang in &languages.codes {
                // A term Hugo could give no URL has no feed; the others still do.
                if site.feed_dir(PageKind::Term, lang, &path).is_ok_and(|d| d == dir) {
                    return Ok(Some(ListPage {
                        list: List::Term(taxonomy, term.id),
                        lang: lang.clone(),
                        page: site.list_path(PageKind::Term, lang, &path)?,
                        key: keys::term(plural, &term.slug),
                        title: term.name,
                        dir: dir.to_owned(),
                    }));
                }
            }
        }
    }
    Ok(None)
}

/// One feed item, whatever the format.
#[derive(Debug, Clone)]
struct Item {
    article_id: i32,
    title: String,
    link: String,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    summary: String,
    /// The body as HTML, in full-content feeds.
    html: Option<String>,
    /// Tag and category names.
    categories: Vec<String>,
    /// The thumbnail's absolute URL.
    image: Option<String>,
    language: String,
}

/// A feed, whatever the format.
#[derive(Debug, Clone)]
struct Channel {
    title: String,
    description: String,
    /// The list page's absolute URL.
    link: String,
    /// The folder's absolute URL; the feed's file name follows.
    dir_url: String,
    language: String,
    items: Vec<Item>,
    /// The cache keys of what it shows: its list's, [`keys::FEEDS`] and
    /// every item's article.
    keys: Keys,
}

impl Channel {
    fn feed_url(&self, format: Format) -> String {
        format!("{}{}", self.dir_url, format.file())
    }

    fn newest_published(&self) -> Option<DateTime<Utc>> {
        self.items.iter().map(|i| i.published).max()
    }

    fn newest_updated(&self) -> Option<DateTime<Utc>> {
        self.items.iter().map(|i| i.updated.max(i.published)).max()
    }
}

/// The feed in `format` of the list page in `dir`, if there is one there.
pub async fn serve(
    db: &DatabaseConnection,
    site: &Site,
    settings: &Settings,
    dir: &str,
    format: Format,
    now: DateTime<Utc>,
) -> Result<Option<Document>, PublishError> {
    let languages = Languages::of(site);
    let Some(page) = find_list(db, site, &languages, dir).await? else {
        return Ok(None);
    };
    let channel = channel(db, site, settings, &languages, &page, now).await?;
    // A language's home page always has a feed, as in Hugo; a term has one
    // only where it has public articles in that language.
    if channel.items.is_empty() && !matches!(page.list, List::Home | List::Section(_)) {
        return Ok(None);
    }
    let body = match format {
        Format::Rss => rss(&channel)?,
        Format::Atom => atom(&channel)?,
        Format::JsonFeed => json_feed(&channel)?,
    };
    Ok(Some(Document {
        body,
        content_type: format.content_type(),
        last_modified: channel.newest_updated(),
        keys: channel.keys,
    }))
}

/// Hugo's `services.rss.limit` (also `rssLimit`) when it is 1 or more,
/// else (Hugo's -1, no limit) `settings.unlimited_cap`.
fn limit(site: &Site, settings: &Settings) -> u64 {
    site.config()
        .map(|c| c.rss_limit())
        .and_then(|l| u64::try_from(l).ok())
        .filter(|l| *l >= 1)
        .unwrap_or(settings.unlimited_cap)
}

/// A version's thumbnail as an absolute URL: as written when it has a
/// scheme, else below the site's baseURL.
fn absolute(site: &Site, url: &str) -> String {
    if url.contains("://") || url.starts_with("//") {
        url.to_owned()
    } else {
        site.permalink(&format!("/{}", url.trim_start_matches('/')))
    }
}

async fn channel(
    db: &DatabaseConnection,
    site: &Site,
    settings: &Settings,
    languages: &Languages,
    page: &ListPage,
    now: DateTime<Utc>,
) -> Result<Channel, PublishError> {
    let selection = Selection {
        list: page.list.clone(),
        language: languages.scope(&page.lang),
        translations: languages.multilingual,
        published_since: None,
        limit: Some(limit(site, settings)),
        texts: match settings.content {
            FeedContent::Full => Texts::Body,
            FeedContent::Summary => Texts::Summary,
        },
    };
    let versions = feeds::versions(db, &selection, now).await?;
    let mut ids: Vec<i32> = versions.iter().map(|v| v.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // In batches: a site may set `services.rss.limit` past what one
    // statement can bind (SQLite takes 32,766 parameters).
    let (mut tags, mut categories) = (HashMap::new(), HashMap::new());
    for batch in ids.chunks(TERM_BATCH) {
        let mut linked = terms::of_articles_in(db, &[Taxonomy::Tags, Taxonomy::Categories], batch, false).await?;
        categories.extend(linked.pop().unwrap_or_default());
        tags.extend(linked.pop().unwrap_or_default());
    }
    let names = |map: &HashMap<i32, Vec<terms::TermRow>>, id: i32| -> Vec<String> {
        map.get(&id)
            .map(|ts| ts.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_default()
    };
    let items: Vec<Item> = versions
        .into_iter()
        .map(|v: Version| Item {
            article_id: v.article_id,
            title: v.title,
            link: site.permalink(&v.path),
            published: v.published_at,
            updated: v.updated_at,
            summary: v.summary,
            html: (settings.content == FeedContent::Full).then(|| markdown::to_html(&v.body)),
            categories: names(&tags, v.article_id)
                .into_iter()
                .chain(names(&categories, v.article_id))
                .collect(),
            image: v.thumbnail.as_deref().map(|t| absolute(site, t)),
            // A multilingual site's language, else the article's own locale.
            language: if languages.multilingual {
                site.language_tag(languages.group(&v.lang))
            } else {
                v.lang
            },
        })
        .collect();
    // Hugo's RSS template: "TITLE on SITE", "Recent content in TITLE on SITE".
    let site_title = site.title_in(&page.lang);
    let (title, description) = if page.title.is_empty() || page.title == site_title {
        (site_title.to_owned(), format!("Recent content on {site_title}"))
    } else {
        (
            format!("{} on {site_title}", page.title),
            format!("Recent content in {} on {site_title}", page.title),
        )
    };
    let mut keys = Keys::new();
    keys.insert(page.key.clone());
    keys.insert(keys::FEEDS);
    keys.extend(items.iter().map(|i: &Item| keys::article(i.article_id)));
    Ok(Channel {
        title,
        description,
        link: site.permalink(&page.page),
        dir_url: site.permalink(&page.dir),
        language: site.language_tag(&page.lang),
        items,
        keys,
    })
}

/// RFC 822 dates, as RSS 2.0 asks and Hugo writes them.
fn rfc822(t: DateTime<Utc>) -> String {
    t.to_rfc2822()
}

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

/// A thumbnail's media type, from its file extension.
fn image_type(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    mime_guess::from_path(path)
        .first()
        .map_or_else(|| "application/octet-stream".to_owned(), |m| m.essence_str().to_owned())
}

fn rss(channel: &Channel) -> Result<String, PublishError> {
    let items = channel
        .items
        .iter()
        .map(|i| rss::Item {
            title: Some(i.title.clone()),
            link: Some(i.link.clone()),
            guid: Some(rss::Guid {
                value: i.link.clone(),
                permalink: true,
            }),
            pub_date: Some(rfc822(i.published)),
            description: Some(i.html.clone().unwrap_or_else(|| i.summary.clone())),
            categories: i
                .categories
                .iter()
                .map(|name| rss::Category {
                    name: name.clone(),
                    domain: None,
                })
                .collect(),
            // RSS asks for the length; Gazette does not fetch the image to
            // learn it, and 0 is what feeds write when they do not know.
            enclosure: i.image.as_ref().map(|url| rss::Enclosure {
                url: url.clone(),
                length: "0".to_owned(),
                mime_type: image_type(url),
            }),
            ..Default::default()
        })
        .collect();
    let feed = rss::Channel {
        title: channel.title.clone(),
        link: channel.link.clone(),
        description: channel.description.clone(),
        language: Some(channel.language.clone()),
        generator: Some("Gazette".to_owned()),
        last_build_date: channel.newest_published().map(rfc822),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![atom::Link {
                href: channel.feed_url(Format::Rss),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Default::default()
            }],
        }),
        items,
        ..Default::default()
    };
    Ok(String::from_utf8(feed.write_to(Vec::new())?)?)
}

fn atom(channel: &Channel) -> Result<String, PublishError> {
    let entries = channel
        .items
        .iter()
        .map(|i| {
            let mut links = vec![atom::Link {
                href: i.link.clone(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Default::default()
            }];
            if let Some(url) = &i.image {
                links.push(atom::Link {
                    href: url.clone(),
                    rel: "enclosure".to_owned(),
                    mime_type: Some(image_type(url)),
                    ..Default::default()
                });
            }
            atom::Entry {
                title: atom::Text::plain(i.title.clone()),
                id: i.link.clone(),
                updated: fixed(i.updated.max(i.published)),
                published: Some(fixed(i.published)),
                links,
                summary: Some(atom::Text::plain(i.summary.clone())),
                content: i.html.as_ref().map(|html| atom::Content {
                    value: Some(html.clone()),
                    content_type: Some("html".to_owned()),
                    ..Default::default()
                }),
                categories: i
                    .categories
                    .iter()
                    .map(|name| atom::Category {
                        term: name.clone(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    let feed = atom::Feed {
        title: atom::Text::plain(channel.title.clone()),
        subtitle: Some(atom::Text::plain(channel.description.clone())),
        id: channel.feed_url(Format::Atom),
        updated: fixed(channel.newest_updated().unwrap_or(DateTime::<Utc>::UNIX_EPOCH)),
        generator: Some(atom::Generator {
            value: "Gazette".to_owned(),
            ..Default::default()
        }),
        links: vec![
            atom::Link {
                href: channel.feed_url(Format::Atom),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Default::default()
            },
            atom::Link {
                href: channel.link.clone(),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Default::default()
            },
        ],
        lang: Some(channel.language.clone()),
        entries,
        ..Default::default()
    };
    Ok(String::from_utf8(feed.write_to(Vec::new())?)?)
}

/// JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    description: &'a str,
    language: &'a str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    /// One of `content_html` and `content_text` is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    language: &'a str,
}

fn json_feed(channel: &Channel) -> Result<String, PublishError> {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &channel.title,
        home_page_url: &channel.link,
        feed_url: channel.feed_url(Format::JsonFeed),
        description: &channel.description,
        language: &channel.language,
        items: channel
            .items
            .iter()
            .map(|i| JsonItem {
                id: &i.link,
                url: &i.link,
                title: &i.title,
                content_html: i.html.as_deref(),
                content_text: i.html.is_none().then_some(i.summary.as_str()),
                summary: &i.summary,
                image: i.image.as_deref(),
                date_published: i.published.to_rfc3339(),
                date_modified: i.updated.max(i.published).to_rfc3339(),
                tags: &i.categories,
                language: &i.language,
            })
            .collect(),
    };
    Ok(serde_json::to_string(&feed)?)
}
