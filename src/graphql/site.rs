//! `site(locale:)`: the Hugo site as its config describes it, in one
//! language: title, baseURL, languages, params and menus.

use std::sync::Arc;

use async_graphql::{Context, Json, Object, SimpleObject};
use serde_json::{Map, Value};

use super::article::Article;
use super::cache;
use super::context::RequestContext;
use super::error::ApiError;
use super::section::Section;
use crate::locale::Locale;
use crate::query::articles::{self, Full};
use crate::query::{menus, sections, translations};
use crate::site::{page_menu_entries, MenuEntry as ConfigEntry, Site};

/// The site in one language. Without a Hugo config it has Hugo's defaults:
/// empty title and baseURL, one language (`en`), no params and no menus.
pub struct SiteView {
    site: Arc<Site>,
    /// The language code, lower-cased as Hugo keys it.
    lang: String,
}

/// A language the site config defines.
#[derive(SimpleObject)]
pub struct SiteLanguage {
    /// Its code as the config keys it (lower-cased, e.g. `zh-cn`).
    pub code: String,
    /// `languageName`, e.g. `English`; empty when not given.
    pub name: String,
    /// `weight`: languages are listed by it, then by code.
    pub weight: i64,
}

/// One menu entry, from the site config's `[menus]` or a page's front
/// matter `menu`, with its children.
#[derive(SimpleObject)]
pub struct MenuEntry {
    /// `identifier`, else `name`: what children name as their `parent`.
    pub identifier: String,
    /// `name`: the entry's text.
    pub name: String,
    /// `url` (a site path gets the baseURL's path, as Hugo gives it: `/zeta/`
    /// under `https://example.org/news/` is `/news/zeta/`), else the
    /// relPermalink of the page `pageRef` names; empty when neither gives one.
    pub url: String,
    /// `weight`: lower first; an unweighted (0) entry after weighted ones.
    pub weight: i64,
    /// HTML to put before the entry's name, as written.
    pub pre: String,
    /// HTML to put after the entry's name, as written.
    pub post: String,
    /// `params` as written.
    pub params: Json<Map<String, Value>>,
    /// The article it points to, in the menu's language: the one `pageRef`
    /// names (its content path, e.g. `/about`, found in that language's
    /// content folder), or the one whose front matter (or whose
    /// translation's) declares the entry; null when none (or not public).
    pub page: Option<Article>,
    /// The section it points to: the one `pageRef` names (`/docs`), or the
    /// one whose `_index` front matter declares the entry.
    pub section: Option<Section>,
    /// Entries whose `parent` is this entry's identifier, in Hugo's order.
    pub children: Vec<MenuEntry>,
}

/// Hugo's menu order: by weight (an unweighted entry after weighted ones),
/// then name, then identifier.
fn hugo_order(a: &ConfigEntry, b: &ConfigEntry) -> std::cmp::Ordering {
    let weight = |e: &ConfigEntry| (e.weight == 0, e.weight);
    weight(a)
        .cmp(&weight(b))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| identifier(a).cmp(identifier(b)))
}

fn identifier(e: &ConfigEntry) -> &str {
    if e.identifier.is_empty() {
        &e.name
    } else {
        &e.identifier
    }
}

/// Hugo's pager size without a config.
const DEFAULT_PAGER_SIZE: i64 = 10;

/// The content paths (Hugo's `.File.Path`, no leading slash) a `pageRef`
/// may name for a page of `lang`: as written, with or without `.md`, as a
/// bundle's `index.md`, each also as `name.LANG.md`, best first.
fn page_ref_files(page_ref: &str, lang: &str) -> Vec<String> {
    let r = page_ref.trim().trim_matches('/');
    if r.is_empty() {
        return Vec::new();
    }
    let base = r.strip_suffix(".md").unwrap_or(r);
    vec![
        r.to_owned(),
        format!("{base}.md"),
        format!("{base}.{lang}.md"),
        format!("{base}/index.md"),
        format!("{base}/index.{lang}.md"),
    ]
}

/// The Hugo site in one language: what its config says (title, baseURL,
/// languages, params) and its menus.
#[Object(name = "Site")]
impl SiteView {
    /// The site `title` (the language's own title when it has one).
    async fn title(&self) -> String {
        let Some(config) = self.site.config() else {
            return String::new();
        };
        config
            .language(&self.lang)
            .map(|l| l.title.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| config.title().to_owned())
    }

    /// `baseURL` as written (the language's own in a multihost site).
    #[graphql(name = "baseURL")]
    async fn base_url(&self) -> String {
        let Some(config) = self.site.config() else {
            return String::new();
        };
        config
            .language(&self.lang)
            .and_then(|l| l.base_url.clone())
            .unwrap_or_else(|| config.base_url().to_owned())
    }

    /// `languageCode` (e.g. `en-us`); empty when not given.
    async fn language_code(&self) -> String {
        self.site
            .config()
            .map(|c| c.language_code().to_owned())
            .unwrap_or_default()
    }

    /// The language this view is in: its code as the config keys it.
    async fn locale(&self) -> &str {
        &self.lang
    }

    /// Every language the config defines, by weight then code.
    async fn languages(&self) -> Vec<SiteLanguage> {
        match self.site.config() {
            Some(config) => config
                .languages()
                .iter()
                .map(|l| SiteLanguage {
                    code: l.code.clone(),
                    name: l.language_name.clone(),
                    weight: l.weight,
                })
                .collect(),
            None => vec![SiteLanguage {
                code: self.site.default_language().to_owned(),
                name: String::new(),
                weight: 0,
            }],
        }
    }

    /// Hugo's pager size, what a theme's `.Paginator` pages a list by:
    /// `paginate` (a number or a numeric string) when not 0, else
    /// `pagination.pagerSize`, else 10 (also without a config). Gazette
    /// routes no `/page/N/` paths: pass it as `first` (or `perPage`) to page
    /// a list as the theme does.
    async fn pager_size(&self) -> i32 {
        let size = self.site.config().map_or(DEFAULT_PAGER_SIZE, |c| c.pager_size());
        i32::try_from(size).unwrap_or(i32::MAX)
    }

    /// `params` (keys lower-cased, as Hugo reads them), with the language's
    /// own params over the site's.
    async fn params(&self) -> Json<Value> {
        let Some(config) = self.site.config() else {
            return Json(Value::Object(Map::new()));
        };
        Json(match config.language(&self.lang) {
            Some(l) => Value::Object(l.params.clone()),
            None => config.params(),
        })
    }

    /// A menu's entries as a tree, in Hugo's order (weight, entries without
    /// one last, then name): the config's `[menus]` entries and those pages
    /// and sections declare in front matter (`menu: main`, or a map with
    /// `weight`, `parent`, `identifier`, `pre`, `post`, `params`). Entries
    /// whose `parent` is not in the menu stay at the top, as in Hugo.
    async fn menu(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The menu's name, e.g. `main`.")] name: String,
    ) -> Result<Vec<MenuEntry>, ApiError> {
        let name = name.to_lowercase();
        let l = RequestContext::of(ctx)?;
        // Any article may join the menu from its front matter.
        cache::any_article(ctx);
        let mut items: Vec<Item> = Vec::new();
        // The config's entries, with the pages or sections their pageRef names.
        let configured: Vec<ConfigEntry> = self
            .site
            .config()
            .and_then(|c| c.menus_for(&self.lang).get(&name))
            .cloned()
            .unwrap_or_default();
        // A pageRef names a page in the menu's own language (in that
        // language's content folder): none when the language lacks it.
        let folders = self.site.content_folders();
        let stored = |e: &ConfigEntry| -> Vec<String> {
            page_ref_files(&e.page_ref, &self.lang)
                .iter()
                .flat_map(|f| folders.stored_paths(f, &self.lang))
                .collect()
        };
        let files: Vec<String> = configured.iter().flat_map(stored).collect();
        let pages = articles::pages_by_source_paths(&l.db, &files, l.visibility()).await?;
        let dirs: Vec<String> = configured
            .iter()
            .filter(|e| !e.page_ref.trim().is_empty())
            .map(|e| e.page_ref.trim().trim_matches('/').to_owned())
            .collect();
        let sections_named = sections::by_dirs(&l.db, &dirs).await?;
        for e in configured {
            let page = stored(&e)
                .iter()
                .find_map(|f| {
                    pages
                        .iter()
                        .find(|p| &p.source_path == f && p.lang.eq_ignore_ascii_case(&self.lang))
                })
                .cloned();
            let dir = e.page_ref.trim().trim_matches('/');
            let section = match (&page, e.page_ref.trim().is_empty()) {
                (None, false) => sections_named
                    .iter()
                    .find(|s| s.dir == dir && s.lang == self.lang)
                    .cloned(),
                _ => None,
            };
            items.push(Item {
                entry: e,
                page: page.map(Target::from),
                section,
            });
        }
        // Articles' front matter entries, in this language (an article in a
        // language the site does not define is the default language's).
        let default = self.site.default_language().to_lowercase();
        let languages = self.site.language_codes();
        let declared: Vec<_> = menus::article_entries(&l.db, &name, l.visibility())
            .await?
            .into_iter()
            .filter(|e| e.lang == self.lang || (self.lang == default && !languages.contains(&e.lang)))
            .collect();
        let ids: Vec<i32> = declared.iter().map(|e| e.article_id).collect();
        let declaring = articles::by_ids(&l.db, &ids, l.visibility()).await?;
        // A translation's entry points to that translation.
        let translated: Vec<i32> = declared
            .iter()
            .filter(|e| {
                declaring
                    .iter()
                    .any(|a| a.id == e.article_id && !a.lang.eq_ignore_ascii_case(&e.lang))
            })
            .map(|e| e.article_id)
            .collect();
        let versions = translations::of_articles(&l.db, &translated).await?;
        for e in declared {
            let page = declaring
                .iter()
                .find(|p| p.id == e.article_id)
                .cloned()
                .and_then(|article| {
                    if article.lang.eq_ignore_ascii_case(&e.lang) {
                        return Some(Target {
                            path: article.path.clone(),
                            locale: None,
                            article,
                        });
                    }
                    let version = versions
                        .get(&article.id)?
                        .iter()
                        .find(|t| t.locale.eq_ignore_ascii_case(&e.lang))?;
                    Some(Target {
                        path: version.path.clone(),
                        locale: Locale::parse(&version.locale).ok(),
                        article,
                    })
                });
            let entry = menus::as_entry(e);
            items.push(Item {
                entry,
                page,
                section: None,
            });
        }
        // Sections' `_index` front matter entries.
        for s in menus::sections_with_menus(&l.db, &self.lang).await? {
            let Some(fields) = s.front_matter.as_object() else {
                continue;
            };
            let link_title = fields
                .get("linktitle")
                .and_then(Value::as_str)
                .map_or_else(|| s.title.clone(), str::to_owned);
            for entry in page_menu_entries(fields, &link_title, i64::from(s.weight)) {
                if entry.menu == name {
                    items.push(Item {
                        entry,
                        page: None,
                        section: Some(s.clone()),
                    });
                }
            }
        }
        items.sort_by(|a, b| hugo_order(&a.entry, &b.entry));
        let build = |item: &Item| {
            let e = &item.entry;
            let own = item
                .page
                .as_ref()
                .map(|p| p.path.clone())
                .or_else(|| item.section.as_ref().map(|s| s.path.clone()));
            MenuEntry {
                identifier: identifier(e).to_owned(),
                name: e.name.clone(),
                url: match own {
                    Some(path) if e.url.is_empty() => l.site.rel_permalink(&path),
                    _ if e.url.starts_with('/') => l.site.rel_permalink(&e.url),
                    _ => e.url.clone(),
                },
                weight: e.weight,
                pre: e.pre.clone(),
                post: e.post.clone(),
                params: Json(e.params.clone()),
                page: item.page.clone().map(|p| Article::shown(ctx, p.article, p.locale)),
                section: item.section.clone().map(|s| Section(Arc::new(s))),
                children: Vec::new(),
            }
        };
        // Children hang under their parent's identifier; an entry whose
        // parent is not in the menu stays at the top, as Hugo keeps it.
        fn attach(parent: &str, items: &[Item], build: &dyn Fn(&Item) -> MenuEntry, depth: usize) -> Vec<MenuEntry> {
            items
                .iter()
                .filter(|i| i.entry.parent == parent && depth < 16)
                .map(|i| {
                    let mut entry = build(i);
                    entry.children = attach(identifier(&i.entry), items, build, depth + 1);
                    entry
                })
                .collect()
        }
        let known: Vec<&str> = items.iter().map(|i| identifier(&i.entry)).collect();
        let mut top = attach("", &items, &build, 0);
        for orphan in items
            .iter()
            .filter(|i| !i.entry.parent.is_empty() && !known.contains(&i.entry.parent.as_str()))
        {
            let mut entry = build(orphan);
            entry.children = attach(identifier(&orphan.entry), &items, &build, 1);
            top.push(entry);
        }
        Ok(top)
    }
}

/// A menu entry with what it points to.
struct Item {
    entry: ConfigEntry,
    page: Option<Target>,
    section: Option<sections::Section>,
}

/// The page a menu entry points to: its article, the path of the version
/// meant, and that version's locale when it is a translation.
#[derive(Clone)]
struct Target {
    article: Full,
    path: String,
    locale: Option<Locale>,
}

impl From<articles::SourcePage> for Target {
    fn from(p: articles::SourcePage) -> Self {
        let locale = match p.lang == p.article.lang {
            true => None,
            false => Locale::parse(&p.lang).ok(),
        };
        Target {
            article: p.article,
            path: p.path,
            locale,
        }
    }
}

#[derive(Default)]
pub struct SiteQuery;

#[Object]
impl SiteQuery {
    /// The Hugo site (title, baseURL, languages, params, menus) in `locale`,
    /// else in its default language.
    async fn site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A language code the config defines, e.g. `en` or `zh-CN`.")] locale: Option<String>,
    ) -> Result<SiteView, ApiError> {
        let site = RequestContext::of(ctx)?.site.clone();
        let lang = match locale {
            None => site.default_language().to_lowercase(),
            Some(l) => {
                let code = l.to_lowercase();
                let known = match site.config() {
                    Some(c) => c.language(&code).is_some(),
                    None => code == site.default_language().to_lowercase(),
                };
                if !known {
                    return Err(ApiError::bad_input("locale", format!("the site has no language `{l}`")));
                }
                code
            }
        };
        Ok(SiteView { site, lang })
    }
}
