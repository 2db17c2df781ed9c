//! `site(locale:)`: the Hugo site as its config describes it, in one
//! language: title, baseURL, languages, params and menus.

use std::sync::Arc;

use async_graphql::{Context, Json, Object, SimpleObject};
use serde_json::{Map, Value};

use super::article::Article;
use super::context::RequestContext;
use super::error::ApiError;
use crate::query::articles;
use crate::site::{MenuEntry as ConfigEntry, Site};

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

/// One menu entry, from the site config's `[menus]`, with its children.
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
    /// The article `pageRef` names (its content path, e.g. `/about`), if public.
    pub page: Option<Article>,
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

/// The content files a `pageRef` may name: as written, or with `.md`, or
/// as a bundle's `index.md`, without a leading slash.
fn page_ref_files(page_ref: &str) -> Vec<String> {
    let r = page_ref.trim().trim_matches('/');
    if r.is_empty() {
        return Vec::new();
    }
    vec![r.to_owned(), format!("{r}.md"), format!("{r}/index.md")]
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

    /// The menu `name` from the site config (the language's own menus when it
    /// has some), as a tree in Hugo's order; empty when there is none.
    async fn menu(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The menu's name in the config, e.g. `main`.")] name: String,
    ) -> Result<Vec<MenuEntry>, ApiError> {
        let Some(config) = self.site.config() else {
            return Ok(Vec::new());
        };
        let mut entries: Vec<&ConfigEntry> = config
            .menus_for(&self.lang)
            .get(&name.to_lowercase())
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        entries.sort_by(|a, b| hugo_order(a, b));
        let l = RequestContext::of(ctx)?;
        let files: Vec<String> = entries.iter().flat_map(|e| page_ref_files(&e.page_ref)).collect();
        let pages = articles::public_by_source_paths(&l.db, &files, l.now()).await?;
        let build = |e: &ConfigEntry| {
            let page = page_ref_files(&e.page_ref)
                .iter()
                .find_map(|f| pages.iter().find(|p| &p.source_path == f))
                .cloned();
            MenuEntry {
                identifier: identifier(e).to_owned(),
                name: e.name.clone(),
                url: match (&page, e.url.is_empty()) {
                    (Some(p), true) => l.site.rel_permalink(&p.path),
                    _ if e.url.starts_with('/') => l.site.rel_permalink(&e.url),
                    _ => e.url.clone(),
                },
                weight: e.weight,
                pre: e.pre.clone(),
                post: e.post.clone(),
                params: Json(e.params.clone()),
                page: page.map(|p| Article::new(p, None)),
                children: Vec::new(),
            }
        };
        // Children hang under their parent's identifier; an entry whose
        // parent is not in the menu stays at the top, as Hugo keeps it.
        fn attach(
            parent: &str,
            entries: &[&ConfigEntry],
            build: &dyn Fn(&ConfigEntry) -> MenuEntry,
            depth: usize,
        ) -> Vec<MenuEntry> {
            entries
                .iter()
                .filter(|e| e.parent == parent && depth < 16)
                .map(|e| {
                    let mut entry = build(e);
                    entry.children = attach(identifier(e), entries, build, depth + 1);
                    entry
                })
                .collect()
        }
        let known: Vec<&str> = entries.iter().map(|e| identifier(e)).collect();
        let mut top = attach("", &entries, &build, 0);
        for orphan in entries
            .iter()
            .filter(|e| !e.parent.is_empty() && !known.contains(&e.parent.as_str()))
        {
            let mut entry = build(orphan);
            entry.children = attach(identifier(orphan), &entries, &build, 1);
            top.push(entry);
        }
        Ok(top)
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
