//! What the store writes: an article (its row, links and derived data), its
//! translations, and the display options a theme reads. The importer maps a
//! content file to these types and the editor maps a mutation's input to
//! them; a front-matter key Gazette models is read and stored here.

use chrono::{DateTime, Utc};
use entity::article;
use sea_orm::ActiveValue::Set;
use serde_json::{Map, Value};

use crate::locale::Locale;

/// A tag or category as an article names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub slug: String,
    pub name: String,
}

/// A term of one of the site's taxonomies (tags and categories included)
/// as an article names it, with the page path Hugo gives the term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteTerm {
    /// The taxonomy's plural name (`series`).
    pub taxonomy: String,
    pub slug: String,
    pub name: String,
    /// The term page's path (`/series/rates-explained/`).
    pub path: String,
    /// Front matter `<taxonomy>_weight` (`series_weight: 2`), 0 without one.
    pub weight: i32,
    /// The term's language (`Site::term_lang`): empty for the default one.
    pub lang: String,
}

impl SiteTerm {
    /// Terms of taxonomy `plural` as a page in language `page_lang` names
    /// them: that language's terms, with the paths the site gives their
    /// pages and the page's `weight` in them.
    pub fn all_of(
        site: &crate::site::Site,
        plural: &str,
        terms: &[Term],
        weight: i32,
        page_lang: &str,
    ) -> Result<Vec<SiteTerm>, crate::site::url::UrlError> {
        let lang = site.term_lang(page_lang);
        terms
            .iter()
            .map(|t| {
                Ok(SiteTerm {
                    taxonomy: plural.to_owned(),
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    path: site.term_path_in(plural, &t.name, &lang)?,
                    weight,
                    lang: lang.clone(),
                })
            })
            .collect()
    }
}

/// Hugo's `_build` front matter (0.111 reads `_build`, not `build`):
/// `render` is `always`, `never` or `link`; `list` is `always`, `never` or
/// `local`. A `headless: true` leaf bundle is `never`/`never`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub render: String,
    pub list: String,
}

impl Default for Build {
    fn default() -> Self {
        Build {
            render: "always".to_owned(),
            list: "always".to_owned(),
        }
    }
}

impl Build {
    /// Hugo's `DecodeBuildConfig` of a `_build` value: weakly typed (the
    /// old booleans are always/never), unknown values `always`.
    pub fn read(value: Option<&Value>) -> Self {
        let mut build = Build::default();
        let Some(Value::Object(m)) = value else {
            return build;
        };
        let get = |key: &str| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| match v {
                    Value::Bool(true) => "always".to_owned(),
                    Value::Bool(false) => "never".to_owned(),
                    Value::Number(n) if n.as_i64() == Some(1) => "always".to_owned(),
                    Value::Number(n) if n.as_i64() == Some(0) => "never".to_owned(),
                    Value::String(s) => s.to_lowercase(),
                    _ => String::new(),
                })
        };
        if let Some(render) = get("render").filter(|r| ["always", "never", "link"].contains(&r.as_str())) {
            build.render = render;
        }
        if let Some(list) = get("list").filter(|l| ["always", "never", "local"].contains(&l.as_str())) {
            build.list = list;
        }
        build
    }

    /// Neither rendered nor listed: a `headless: true` leaf bundle.
    pub fn headless() -> Self {
        Build {
            render: "never".to_owned(),
            list: "never".to_owned(),
        }
    }
}

/// The link a news body ends with: `[name](url)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    pub name: String,
    pub url: String,
}

/// Display options a Hugo theme (e.g. Mainroad) reads from front matter.
/// `None` means the key was not given (or not in a form the theme
/// documents): the theme uses the site's default. These keys are the
/// theme's, so a value of another form is never an import error; it stays
/// in the article's raw front matter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Display {
    /// Front matter `menu` as written: a menu name, a list, or a map.
    pub menu: Value,
    pub comments: Option<bool>,
    pub authorbox: Option<bool>,
    pub pager: Option<bool>,
    pub toc: Option<bool>,
    pub mathjax: Option<bool>,
    /// `left`, `right`, or `false` (no sidebar): `sidebar` as a string or
    /// `false`, or the `position` of a `sidebar` map.
    pub sidebar: Option<String>,
    /// Front matter `widgets`, else the `widgets` of a `sidebar` map.
    pub widgets: Vec<String>,
    /// Where the thumbnail is shown (`list`, `post`): the `visibility` of a
    /// `thumbnail` map.
    pub thumbnail_visibility: Option<Vec<String>>,
}

impl Display {
    /// Reads the display keys of a file's front matter (keys lower-cased).
    pub fn read(fields: &Map<String, Value>) -> Self {
        let get = |key: &str| fields.get(key).filter(|v| !v.is_null());
        let sidebar_map = get("sidebar").and_then(Value::as_object);
        let position = match sidebar_map {
            Some(map) => map.get("position"),
            None => get("sidebar"),
        };
        let widgets = match get("widgets") {
            Some(v) => text_list(v),
            None => sidebar_map.and_then(|m| m.get("widgets")).and_then(text_list),
        };
        Display {
            menu: fields.get("menu").cloned().unwrap_or(Value::Null),
            comments: get("comments").and_then(flag),
            authorbox: get("authorbox").and_then(flag),
            pager: get("pager").and_then(flag),
            toc: get("toc").and_then(flag),
            mathjax: get("mathjax").and_then(flag),
            sidebar: position.and_then(|v| match v {
                Value::Bool(false) => Some("false".to_owned()),
                v => text(v),
            }),
            widgets: widgets.unwrap_or_default(),
            thumbnail_visibility: get("thumbnail").and_then(|t| t.get("visibility")).and_then(text_list),
        }
    }

    /// The options as stored in an article's row.
    pub fn of_row(row: &crate::query::articles::Meta) -> Self {
        Display {
            menu: row.menu.clone(),
            comments: row.comments,
            authorbox: row.authorbox,
            pager: row.pager,
            toc: row.toc,
            mathjax: row.mathjax,
            sidebar: row.sidebar.clone(),
            widgets: strings(&row.widgets),
            thumbnail_visibility: row.thumbnail_visibility.as_ref().map(strings),
        }
    }

    /// Sets the row's display columns to these options.
    pub(super) fn store_in(&self, row: &mut article::ActiveModel) {
        row.menu = Set(self.menu.clone());
        row.comments = Set(self.comments);
        row.authorbox = Set(self.authorbox);
        row.pager = Set(self.pager);
        row.toc = Set(self.toc);
        row.mathjax = Set(self.mathjax);
        row.sidebar = Set(self.sidebar.clone());
        row.widgets = Set(json_list(&self.widgets));
        row.thumbnail_visibility = Set(self.thumbnail_visibility.as_deref().map(json_list));
    }
}

/// A theme's text key: a non-empty string (or number), else not given.
pub fn theme_text(fields: &Map<String, Value>, key: &str) -> Option<String> {
    fields.get(key).and_then(text)
}

/// Front matter `thumbnail`: a URL, or the `src` of a `{ src, visibility }` map.
pub fn thumbnail_src(fields: &Map<String, Value>) -> Option<String> {
    match fields.get("thumbnail")? {
        Value::Object(map) => map.get("src").and_then(text),
        v => text(v),
    }
}

fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
        _ => None,
    }
}

/// A list of text (a lone text is a list of one); `None` for other forms.
fn text_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(items) => Some(items.iter().filter_map(text).collect()),
        v => text(v).map(|s| vec![s]),
    }
}

/// An article's content as the store keeps it: every column of its row but
/// the bookkeeping ones, and the terms it links to.
#[derive(Debug, Clone, PartialEq)]
pub struct NewArticle {
    /// The page's path in the site (e.g. `/news/rates/`): its identity.
    pub path: String,
    /// The folder of its section (Hugo's `.CurrentSection`) below the
    /// content root: `blog/2020`, or empty at the root.
    pub section: String,
    /// Hugo's `_build` options: whether it is rendered and listed.
    pub build: Build,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Whether `summary` leaves part of the content out (Hugo's `.Truncated`).
    pub truncated: bool,
    /// Markdown, without front matter and without the trailing source link.
    pub body: String,
    pub source: Option<SourceLink>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub publish_date: DateTime<Utc>,
    pub expiry_date: Option<DateTime<Utc>>,
    pub lang: Locale,
    /// Locales front matter `translations` lists.
    pub translations: Vec<Locale>,
    pub thumbnail: Option<String>,
    pub lead: Option<String>,
    pub draft: bool,
    pub display: Display,
    pub weight: i32,
    pub aliases: Vec<String>,
    pub keywords: Vec<String>,
    pub tags: Vec<Term>,
    pub categories: Vec<Term>,
    /// Its terms in every taxonomy the site defines, in front-matter order.
    pub site_terms: Vec<SiteTerm>,
    /// The whole front matter, for keys Gazette does not model.
    pub front_matter: Value,
}

impl NewArticle {
    /// Its `aliases` as site paths, each answering a redirect: an absolute
    /// alias as written, a relative one beside the page (`old` on
    /// `/posts/new/` is `/posts/old/`), where hugo writes its alias page: a
    /// folder (`/a/b.c` is `/a/b.c/`) unless it names an HTML file (`/old.html`).
    pub fn alias_paths(&self) -> Vec<String> {
        let dir = self.path.trim_end_matches('/').rsplit_once('/').map_or("", |(d, _)| d);
        let mut out: Vec<String> = Vec::new();
        for alias in self.aliases.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            let mut path = if alias.starts_with('/') {
                alias.to_owned()
            } else {
                format!("{dir}/{alias}")
            };
            if !path.ends_with('/') && !path.ends_with(".html") {
                path.push('/');
            }
            if path != self.path && !out.contains(&path) {
                out.push(path);
            }
        }
        out
    }

    /// The menu entries its front matter declares (`menu`/`menus`), named
    /// by its `linkTitle` (else title) and weighted by its weight by default.
    pub fn menu_entries(&self) -> Vec<crate::site::MenuEntry> {
        let Value::Object(fields) = &self.front_matter else {
            return Vec::new();
        };
        let link_title = theme_text(fields, "linktitle").unwrap_or_else(|| self.title.clone());
        crate::site::page_menu_entries(fields, &link_title, i64::from(self.weight))
    }

    /// Whether a reader may see it at `now` (see `query::articles::is_public`).
    pub fn is_public(&self, now: DateTime<Utc>) -> bool {
        crate::query::articles::is_public(self.draft, self.publish_date, self.expiry_date, now)
    }

    /// The first moment after `now` when [`Self::is_public`] changes: its
    /// publish date still to come, else its expiry date.
    pub fn next_change(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        [Some(self.publish_date), self.expiry_date]
            .into_iter()
            .flatten()
            .filter(|d| *d > now)
            .min()
    }

    /// Its terms in `taxonomy`.
    pub fn terms(&self, taxonomy: crate::query::Taxonomy) -> &[Term] {
        match taxonomy {
            crate::query::Taxonomy::Tags => &self.tags,
            crate::query::Taxonomy::Categories => &self.categories,
        }
    }
}

/// A localized version of an article, as stored beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTranslation {
    pub locale: Locale,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
    /// The file it came from, relative to the import root.
    pub source_path: String,
    /// Its page path in the site (`/fr/about/`).
    pub path: String,
    /// Its terms in every taxonomy, in its language (front-matter order).
    pub site_terms: Vec<SiteTerm>,
    /// The menu entries its own front matter declares, in its language.
    pub menus: Vec<crate::site::MenuEntry>,
}

/// One write: an article with all its translations, replacing whatever was
/// stored for it. `content_hash` identifies the inputs: a write whose hash
/// is already stored changes nothing.
#[derive(Debug, Clone)]
pub struct ArticleChange {
    pub article: NewArticle,
    /// The file it came from, relative to the import root; empty for an edit.
    pub source_path: String,
    pub translations: Vec<NewTranslation>,
    /// Its page bundle's files; `None` keeps what is stored (an edit
    /// changes no files), `Some` replaces it.
    pub resources: Option<Vec<NewResource>>,
    pub content_hash: String,
}

/// A file of a page bundle, as the importer found it and the front matter
/// `resources` rules named it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResource {
    /// Relative to the bundle's folder, `/`-separated (`images/a.png`).
    pub path: String,
    /// Hugo's `.Name`: a rule's `name`, else `path`.
    pub name: String,
    /// Hugo's `.Title`: a rule's `title`, else the name.
    pub title: String,
    /// From its extension (`image/png`); `application/octet-stream` when unknown.
    pub media_type: String,
    pub size: i64,
    /// An image's pixel size, from its header.
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub params: Map<String, Value>,
}

impl ArticleChange {
    /// Every locale the article is available in: its `lang`, front matter
    /// `translations`, and its translations, without duplicates.
    pub fn locales(&self) -> Vec<&str> {
        let a = &self.article;
        let mut locales: Vec<&str> = vec![a.lang.as_str()];
        let listed = a.translations.iter().map(|l| l.as_str());
        for l in listed.chain(self.translations.iter().map(|t| t.locale.as_str())) {
            if !locales.contains(&l) {
                locales.push(l);
            }
        }
        locales
    }

    /// The article's row (without its id).
    pub(super) fn row(&self) -> article::ActiveModel {
        let a = &self.article;
        let mut row = article::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            path: Set(a.path.clone()),
            section: Set(Some(a.section.clone())),
            build_render: Set(a.build.render.clone()),
            build_list: Set(a.build.list.clone()),
            slug: Set(a.slug.clone()),
            title: Set(a.title.clone()),
            summary: Set(a.summary.clone()),
            truncated: Set(a.truncated),
            body: Set(a.body.clone()),
            published_at: Set(a.published_at),
            updated_at: Set(a.updated_at),
            publish_date: Set(a.publish_date),
            expiry_date: Set(a.expiry_date),
            lang: Set(a.lang.to_string()),
            thumbnail: Set(a.thumbnail.clone()),
            lead: Set(a.lead.clone()),
            source_name: Set(a.source.as_ref().map(|s| s.name.clone())),
            source_url: Set(a.source.as_ref().map(|s| s.url.clone())),
            draft: Set(a.draft),
            translations: Set(json_list(&a.translations)),
            weight: Set(a.weight),
            aliases: Set(json_list(&a.aliases)),
            keywords: Set(json_list(&a.keywords)),
            front_matter: Set(a.front_matter.clone()),
            source_path: Set(self.source_path.clone()),
            content_hash: Set(self.content_hash.clone()),
            ..Default::default()
        };
        a.display.store_in(&mut row);
        row
    }
}

/// A stored JSON list of text (widgets, aliases, keywords, locales).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn json_list<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.to_string())).collect())
}
