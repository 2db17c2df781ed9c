//! The `Article` type: an article as served in one locale, with its
//! translations, taxonomy and the display options of its front matter.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::translation;
use serde_json::{Map, Value};

pub mod filter;
pub mod order;
pub mod resources;

use super::cache;
use super::context::{self, RequestContext};
use super::error::ApiError;
use super::id::{self, Kind};
use super::loaders::{ArticleById, NeighboursOf, RelatedOf, SiteTermsOf, TermsOf, TranslationsOf};
use super::lookahead::PageTerms;
use super::pagination::MAX_PAGE;
use super::term::{Category, Tag};
use crate::locale::{self, Locale};
use crate::query::articles::{Card, Full, Meta, PageRow, Status};
use crate::query::refs::{self, RefPage};
use crate::query::terms::TermRow;
use crate::query::Taxonomy;
use crate::store::Display;
use crate::text::shortcode::html::{PageContext, RefUrls};
use crate::text::{markdown, mdast, words};

/// How to render a body.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum BodyFormat {
    /// The markdown source as written.
    #[default]
    Markdown,
    /// HTML rendered from the markdown; raw HTML in the source is left out,
    /// and every heading has an `id` matching `tableOfContents`. Shortcodes
    /// render as Hugo renders its built-ins (figure, youtube, vimeo,
    /// highlight, param, ref, relref, details; tweet and x as a link in a
    /// `blockquote.twitter-tweet`); any other is
    /// `<gazette-shortcode name="…" data-params='JSON'>inner HTML</gazette-shortcode>`.
    Html,
    /// Plain text with markup stripped; paragraphs separated by blank lines.
    /// A shortcode gives the text of its HTML (none for param, ref, relref).
    Text,
    /// The markdown as a JSON mdast tree (the unified/remark syntax tree that
    /// react-markdown and MDX consume), as a string. Nodes have a `type`;
    /// parents have `children`, literals a `value`. Types: `root`,
    /// `paragraph`, `heading` (`depth`, and `data.hProperties.id`: the
    /// anchor `tableOfContents` and the HTML give it; `{.class key=value}`
    /// attributes as `className` and keys beside it), `text`, `emphasis`,
    /// `strong`, `delete`, `link` (`url`, `title`; `mailto:` for an email
    /// autolink), `image` (`url`, `title`,
    /// `alt`), `code` (`lang`, `meta`, `value`), `inlineCode`, `list`
    /// (`ordered`, `start`, `spread`), `listItem` (`checked`: true, false or
    /// null, `spread`), `blockquote`, `table` (`align`: `left`, `right`,
    /// `center` or null per column), `tableRow`, `tableCell`,
    /// `thematicBreak`, `break`, `footnoteReference` and
    /// `footnoteDefinition` (`identifier`, `label`), `html` (raw HTML: its
    /// `value` is `<!-- raw HTML omitted -->`, as in the HTML), and
    /// `shortcode` (`name`; `params`, an object of named params or an array
    /// of positional ones; `children`: its inner content, parsed as
    /// markdown for `{{% %}}` and as one `text` for `{{< >}}`, nested
    /// shortcodes as nodes). No positions.
    Ast,
}

/// Where an article stands at an instant.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArticleStatus {
    /// Public: not a draft, its `publishDate` reached, its `expiryDate` (if any) not.
    Published,
    /// Front matter `draft: true`, whatever its dates say.
    Draft,
    /// Its `publishDate` is still ahead: public once it arrives.
    Scheduled,
    /// Its `expiryDate` has passed: no longer public.
    Expired,
}

impl From<Status> for ArticleStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Published => ArticleStatus::Published,
            Status::Draft => ArticleStatus::Draft,
            Status::Scheduled => ArticleStatus::Scheduled,
            Status::Expired => ArticleStatus::Expired,
        }
    }
}

/// Where a body comes from, for the shortcodes that read their page.
pub(crate) struct BodyPage<'a> {
    /// The page's front matter, for `param`.
    pub front_matter: &'a Value,
    /// Its content file, relative to the content folder: `ref` and
    /// `relref` targets are looked up beside it first.
    pub source_path: &'a str,
    /// Its language: `ref` and `relref` targets name that language's pages first.
    pub lang: &'a str,
    /// Its bundle's files by relative path, with their URLs: relative
    /// image and link destinations naming one point at it.
    pub resources: &'a HashMap<String, String>,
}

pub(crate) async fn render(
    ctx: &Context<'_>,
    markdown_src: &str,
    format: BodyFormat,
    page: BodyPage<'_>,
) -> Result<String, ApiError> {
    Ok(match format {
        BodyFormat::Markdown => markdown_src.to_owned(),
        BodyFormat::Text => markdown::to_text(markdown_src),
        BodyFormat::Html | BodyFormat::Ast => {
            let rc = RequestContext::of(ctx)?;
            let targets = markdown::ref_targets(markdown_src);
            let from = RefPage {
                source_path: page.source_path,
                lang: page.lang,
            };
            let found = refs::resolve(&rc.db, rc.visibility(), &rc.site, from, &targets).await?;
            let refs: HashMap<String, RefUrls> = found
                .into_iter()
                .map(|(target, path)| {
                    let urls = RefUrls {
                        rel_permalink: rc.site.rel_permalink(&path),
                        permalink: rc.site.permalink(&path),
                    };
                    (target, urls)
                })
                .collect();
            let site_params = match rc.site.config().map(|c| c.params()) {
                Some(Value::Object(map)) => map,
                _ => Map::new(),
            };
            let empty = Map::new();
            let context = PageContext {
                params: page.front_matter.as_object().unwrap_or(&empty),
                site_params: &site_params,
                refs: &refs,
                config: rc.site.config().map(|c| c.raw()),
                resources: page.resources,
            };
            if format == BodyFormat::Html {
                markdown::to_html_with(markdown_src, &context)
            } else {
                mdast::to_json(markdown_src, &context).to_string()
            }
        }
    })
}

/// What an `Article` holds of its row: the columns its list read, typed,
/// so a field can only read a column through an accessor that has it.
#[derive(Clone)]
enum Read {
    Card(Arc<Card>),
    Meta(Arc<Meta>),
    Full(Arc<Full>),
}

/// The GraphQL `Article`: what was read of its row, and the locale the client asked for.
#[derive(Clone)]
pub struct Article {
    read: Read,
    requested: Option<Locale>,
    /// Its page's terms, when a root list read them with the page.
    page_terms: Option<Arc<PageTerms>>,
}

/// An article's [`Meta`] columns, however they were read.
enum MetaRow {
    Meta(Arc<Meta>),
    Full(Arc<Full>),
}

impl std::ops::Deref for MetaRow {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        match self {
            MetaRow::Meta(m) => m,
            MetaRow::Full(f) => &f.meta,
        }
    }
}

impl Article {
    /// An article read whole, for a response no cache keeps (a mutation's,
    /// a subscription's event); a query's is [`Article::shown`].
    pub fn new(row: impl Into<Arc<Full>>, requested: Option<Locale>) -> Self {
        Self {
            read: Read::Full(row.into()),
            requested,
            page_terms: None,
        }
    }

    /// An article read whole, shown in the response: adds its cache key.
    pub fn shown(ctx: &Context<'_>, row: impl Into<Arc<Full>>, requested: Option<Locale>) -> Self {
        let article = Self::new(row, requested);
        cache::article(ctx, article.card().id);
        article
    }

    /// An article of a page, with the columns its list read, shown in the
    /// response: adds its cache key.
    pub fn of_page(ctx: &Context<'_>, row: PageRow, requested: Option<Locale>) -> Self {
        let read = match row {
            PageRow::Card(c) => Read::Card(Arc::new(c)),
            PageRow::Meta(m) => Read::Meta(Arc::new(m)),
            PageRow::Full(f) => Read::Full(Arc::new(f)),
        };
        let article = Self {
            read,
            requested,
            page_terms: None,
        };
        cache::article(ctx, article.card().id);
        article
    }

    /// The card columns, which every read holds.
    fn card(&self) -> &Card {
        match &self.read {
            Read::Card(c) => c,
            Read::Meta(m) => &m.card,
            Read::Full(f) => &f.meta.card,
        }
    }

    /// The [`Meta`] columns: as read, or the whole row read again by id
    /// (batched) when its list read only the card. The list's look-ahead
    /// makes that rare; it keeps a field it missed correct.
    async fn meta(&self, ctx: &Context<'_>) -> Result<MetaRow, ApiError> {
        Ok(match &self.read {
            Read::Meta(m) => MetaRow::Meta(m.clone()),
            Read::Full(f) => MetaRow::Full(f.clone()),
            Read::Card(_) => MetaRow::Full(self.full(ctx).await?),
        })
    }

    /// The whole row: as read, or read again by id (batched).
    async fn full(&self, ctx: &Context<'_>) -> Result<Arc<Full>, ApiError> {
        if let Read::Full(f) = &self.read {
            return Ok(f.clone());
        }
        let id = self.card().id;
        context::loaders(ctx)?
            .load_one(ArticleById(id))
            .await?
            .ok_or_else(|| ApiError::Internal(format!("article {id} vanished mid-request")))
    }

    /// The same article with its page's terms already read.
    pub fn with_page_terms(mut self, terms: Option<Arc<PageTerms>>) -> Self {
        self.page_terms = terms;
        self
    }

    /// Its terms in `taxonomy`: from its page if read there, else batched by the loader.
    async fn terms(&self, ctx: &Context<'_>, taxonomy: Taxonomy) -> Result<Vec<TermRow>, ApiError> {
        if let Some(rows) = self.page_terms.as_ref().and_then(|p| p.of(taxonomy, self.card().id)) {
            return Ok(rows.to_vec());
        }
        let rows = context::loaders(ctx)?
            .load_one(TermsOf(taxonomy, self.card().id))
            .await?;
        Ok(rows.map(|r| r.as_ref().clone()).unwrap_or_default())
    }

    async fn translation_rows(&self, ctx: &Context<'_>) -> Result<Arc<Vec<translation::Model>>, ApiError> {
        Ok(context::loaders(ctx)?
            .load_one(TranslationsOf(self.card().id))
            .await?
            .unwrap_or_default())
    }

    /// The translation to serve, or `None` for the original.
    async fn served(&self, ctx: &Context<'_>) -> Result<Option<translation::Model>, ApiError> {
        let Some(requested) = &self.requested else {
            return Ok(None);
        };
        if requested.as_str() == self.card().lang {
            return Ok(None);
        }
        let rows = self.translation_rows(ctx).await?;
        let mut available: Vec<Locale> = Locale::parse(&self.card().lang).into_iter().collect();
        available.extend(rows.iter().filter_map(|t| Locale::parse(&t.locale).ok()));
        let chosen = locale::negotiate(requested, &available);
        Ok(chosen.and_then(|l| rows.iter().find(|t| t.locale == l.as_str()).cloned()))
    }

    /// The served body's word count and reading time (see `wordCount`).
    async fn counts(&self, ctx: &Context<'_>) -> Result<(usize, usize), ApiError> {
        let body = self.served_body(ctx).await?;
        let text = markdown::to_text(&body);
        let site = &RequestContext::of(ctx)?.site;
        let Some(config) = site.config() else {
            return Ok((words::word_count(&text), words::reading_time(&text)));
        };
        let cjk = words::is_cjk_page(&self.full(ctx).await?.front_matter, &body, config.has_cjk_language());
        let n = words::hugo_word_count(&text, cjk);
        Ok((n, words::hugo_reading_time(n, cjk)))
    }

    async fn served_body(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(match self.served(ctx).await? {
            Some(t) => t.body,
            None => self.full(ctx).await?.body.clone(),
        })
    }

    /// The page path of the version served: a served translation's own
    /// path when it has one, else the article's.
    async fn served_path(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(match self.served(ctx).await? {
            Some(t) if !t.path.is_empty() => t.path,
            _ => self.card().path.clone(),
        })
    }

    /// Title, summary and markdown body in the served locale.
    pub async fn served_text(&self, ctx: &Context<'_>) -> Result<ServedText, ApiError> {
        Ok(match self.served(ctx).await? {
            Some(t) => ServedText {
                title: t.title,
                summary: t.summary,
                body: t.body,
            },
            None => ServedText {
                title: self.card().title.clone(),
                summary: self.card().summary.clone(),
                body: self.full(ctx).await?.body.clone(),
            },
        })
    }

    /// Articles by id, in the order given, served in this article's locale.
    /// Which they are depends on other articles (related, previous, next),
    /// so any article's change invalidates it.
    async fn siblings(&self, ctx: &Context<'_>, ids: &[i32]) -> Result<Vec<Article>, ApiError> {
        cache::any_article(ctx);
        let mut found = context::loaders(ctx)?
            .load_many(ids.iter().map(|&id| ArticleById(id)))
            .await?;
        Ok(ids
            .iter()
            .filter_map(|&id| found.remove(&ArticleById(id)))
            .map(|row| Article::shown(ctx, row, self.requested.clone()))
            .collect())
    }
}

/// An article's text in the locale being served.
pub struct ServedText {
    pub title: String,
    pub summary: String,
    pub body: String,
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// A published article. When a `locale` argument chose a translation,
/// `title`, `summary` and `body` come from it, and `locale` says which.
#[Object]
impl Article {
    /// Global ID, for `node(id:)`; opaque, stable while the article keeps its slug.
    pub async fn id(&self) -> ID {
        id::encode(Kind::Article, self.card().id)
    }

    /// Front matter `slug`, else the content file's name without extension
    /// (a leaf bundle's folder name). Unique within a section, not across
    /// sections: `relPermalink` and `route(path:)` are the unique identity.
    async fn slug(&self) -> &str {
        &self.card().slug
    }

    /// Hugo's `.RelPermalink` of the version served (a translation has its
    /// own): the page's URL path, with the baseURL's path
    /// (`/news/markets/rates/`), computed as Hugo computes it from the site's
    /// `[permalinks]`, front matter `url` and `slug`, and language prefixes.
    async fn rel_permalink(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?
            .site
            .rel_permalink(&self.served_path(ctx).await?))
    }

    /// Hugo's `.Permalink` of the version served: the absolute URL, from the
    /// site's baseURL (the same as `relPermalink` when it has no host).
    async fn url(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.permalink(&self.served_path(ctx).await?))
    }

    /// Title in the served locale.
    async fn title(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(self
            .served(ctx)
            .await?
            .map_or_else(|| self.card().title.clone(), |t| t.title))
    }

    /// Summary in the served locale, as Hugo makes it: front matter
    /// `summary`, else the text before `<!--more-->`, else the automatic one
    /// by the site's `summaryLength` and `hasCJKLanguage` (extended to the
    /// end of its sentence; CJK cut by character). Without a site config:
    /// the first 70 words (each CJK character a word), cut back to a sentence end.
    async fn summary(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(self
            .served(ctx)
            .await?
            .map_or_else(|| self.card().summary.clone(), |t| t.summary))
    }

    /// Hugo's `.Truncated`: whether `summary` leaves part of the original's
    /// content out (a list shows "Read more"). False for a front matter
    /// `summary`; true when content follows `<!--more-->`.
    async fn truncated(&self) -> bool {
        self.card().truncated
    }

    /// Front matter `lead`: a standfirst shown above the body; null when empty.
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        Ok(self.meta(ctx).await?.lead.clone())
    }

    /// Body in the served locale, without front matter and without the trailing source link.
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "MARKDOWN (the source), HTML, TEXT or AST.")] format: BodyFormat,
    ) -> Result<String, ApiError> {
        let body = self.served_body(ctx).await?;
        if format == BodyFormat::Markdown || format == BodyFormat::Text {
            return render(
                ctx,
                &body,
                format,
                BodyPage {
                    front_matter: &Value::Null,
                    source_path: "",
                    lang: "",
                    resources: &HashMap::new(),
                },
            )
            .await;
        }
        let full = self.full(ctx).await?;
        let served = self.served(ctx).await?;
        let lang = served
            .as_ref()
            .map_or_else(|| self.card().lang.clone(), |t| t.locale.clone());
        let source_path = match served {
            Some(t) if !t.source_path.is_empty() => t.source_path,
            _ => full.source_path.clone(),
        };
        // A translation's own front matter is not stored: `param` reads the original's.
        // Its bundle is the original's, at the served version's URL.
        // Only a leaf bundle has resources: another page's body asks for none.
        let links = if crate::site::is_leaf_bundle_index(std::path::Path::new(&full.source_path)) {
            resources::links(&resources::of_article(ctx, full.id, &self.served_path(ctx).await?).await?)
        } else {
            HashMap::new()
        };
        let page = BodyPage {
            front_matter: &full.front_matter,
            source_path: &source_path,
            lang: &lang,
            resources: &links,
        };
        render(ctx, &body, format, page).await
    }

    /// Headings of the served body, with the anchors `body(format: HTML)` gives them.
    async fn table_of_contents(&self, ctx: &Context<'_>) -> Result<Vec<TocEntry>, ApiError> {
        Ok(markdown::headings(&self.served_body(ctx).await?)
            .into_iter()
            .map(|h| TocEntry {
                level: i32::from(h.level),
                text: h.text,
                anchor: h.anchor,
            })
            .collect())
    }

    /// Words in the served body. With a Hugo site config, Hugo's
    /// `.WordCount`: on a page that is `isCJKLanguage` (front matter, else the
    /// site's `hasCJKLanguage` and CJK text in the page) each CJK character
    /// is a word, else white-space separated words count. Without a config,
    /// each CJK character is a word on every page.
    async fn word_count(&self, ctx: &Context<'_>) -> Result<i32, ApiError> {
        let n = self.counts(ctx).await?.0;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Minutes to read the served body. With a Hugo site config, Hugo's
    /// `.ReadingTime`: words / 213 (501 on a CJK page), rounded up, 0 for an
    /// empty page; without one, at least 1, at 500 CJK characters a minute
    /// for mostly-CJK text.
    async fn reading_time(&self, ctx: &Context<'_>) -> Result<i32, ApiError> {
        let n = self.counts(ctx).await?.1;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Front matter `date`, as an instant.
    async fn published_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>, ApiError> {
        Ok(self
            .served(ctx)
            .await?
            .map_or(self.card().published_at, |t| t.published_at))
    }

    /// Last modification: the first source of the site's `[frontmatter]
    /// lastmod` list that gives one (Hugo's default: the author date of
    /// the file's last commit with `enableGitInfo`, then front matter
    /// `lastmod`, `date`, `publishDate`).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.card().updated_at
    }

    /// The article's own locale: the first entry of front matter `lang`.
    async fn lang(&self) -> &str {
        &self.card().lang
    }

    /// The section it is in (Hugo's `.CurrentSection`: the nearest folder
    /// above it that is a section, the home page for a page at the root),
    /// in the language it is served in when the section has a version in it.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<super::section::Section>, ApiError> {
        let Some(dir) = &self.card().section else {
            return Ok(None);
        };
        let served = self
            .served(ctx)
            .await?
            .map_or_else(|| self.card().lang.clone(), |t| t.locale);
        super::section::at(ctx, dir, Some(&served)).await
    }

    /// The locale whose title, summary and body this response carries.
    async fn locale(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(self
            .served(ctx)
            .await?
            .map_or_else(|| self.card().lang.clone(), |t| t.locale))
    }

    /// Front matter `thumbnail`: an image URL, or the `src` of a
    /// `thumbnail: { src, visibility }` map; null when not given.
    async fn thumbnail(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        Ok(self.meta(ctx).await?.thumbnail.clone())
    }

    /// Its page bundle's files (a leaf bundle's: every file beside its
    /// `index.md`, in subfolders too, but content files), with the names,
    /// titles and params front matter `resources` rules give them, in name
    /// order as Hugo lists them; empty for a page that is not a bundle.
    /// Their URLs are under the served version's (`/fr/post/x/a.png` for a
    /// served translation), as Hugo publishes them under each language's page. `mediaType` keeps those
    /// of a full type (`image/png`) or of a main type (`image`, as Hugo's
    /// `.Resources.ByType "image"`), case-insensitively.
    async fn resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A full media type (`image/png`) or a main type (`image`).")] media_type: Option<String>,
    ) -> Result<Vec<resources::Resource>, ApiError> {
        let all = resources::of_article(ctx, self.card().id, &self.served_path(ctx).await?).await?;
        Ok(resources::of_type(all, media_type.as_deref()))
    }

    /// `thumbnail` resolved: a relative thumbnail naming a bundle file (by
    /// path, else by resource name) gives the file's URL, width and height;
    /// any other thumbnail is given as written, without width and height;
    /// null without a thumbnail.
    async fn image(&self, ctx: &Context<'_>) -> Result<Option<resources::Image>, ApiError> {
        let meta = self.meta(ctx).await?;
        let Some(thumbnail) = meta.thumbnail.as_deref() else {
            return Ok(None);
        };
        let found = if resources::is_relative(thumbnail) {
            resources::of_article(ctx, self.card().id, &self.served_path(ctx).await?).await?
        } else {
            Vec::new()
        };
        Ok(resources::image(Some(thumbnail), &found))
    }

    /// Where the story comes from: the markdown link the body ended with.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>, ApiError> {
        let row = self.meta(ctx).await?;
        Ok(match (&row.source_name, &row.source_url) {
            (Some(name), Some(url)) => Some(Source {
                name: name.clone(),
                url: url.clone(),
            }),
            _ => None,
        })
    }

    /// Front matter `draft`: false wherever a public request reads articles (drafts are not served); true on a
    /// draft a preview or a mutation returns.
    async fn draft(&self) -> bool {
        self.card().draft
    }

    /// Where the article stands at the request's instant: PUBLISHED wherever a public request reads articles;
    /// a preview (or a mutation's answer) also shows DRAFT, SCHEDULED and EXPIRED ones.
    async fn status(&self, ctx: &Context<'_>) -> Result<ArticleStatus, ApiError> {
        let card = self.card();
        let now = RequestContext::of(ctx)?.now();
        Ok(Status::of(card.draft, card.publish_date, card.expiry_date, now).into())
    }

    /// Tags, in front-matter order.
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<Tag>, ApiError> {
        Ok(self
            .terms(ctx, Taxonomy::Tags)
            .await?
            .into_iter()
            .map(|row| Tag::shown(ctx, row))
            .collect())
    }

    /// Its terms in one of the site's taxonomies (`series`, or `tags`), in
    /// front-matter order; empty for a taxonomy the site does not define.
    #[graphql(name = "terms")]
    async fn site_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The taxonomy's plural name, e.g. `series`.")] taxonomy: String,
    ) -> Result<Vec<super::taxonomy::Term>, ApiError> {
        let key = SiteTermsOf(taxonomy.trim().to_lowercase(), self.card().id);
        let rows = context::loaders(ctx)?.load_one(key).await?;
        Ok(rows
            .map(|rows| {
                rows.iter()
                    .map(|r| super::taxonomy::Term::shown(ctx, r.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Categories, in front-matter order.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>, ApiError> {
        Ok(self
            .terms(ctx, Taxonomy::Categories)
            .await?
            .into_iter()
            .map(|row| Category::shown(ctx, row))
            .collect())
    }

    /// Localized versions from `name.LANG.md` files (or a shared `translationKey`), by locale.
    async fn translations(&self, ctx: &Context<'_>) -> Result<Vec<Translation>, ApiError> {
        Ok(self
            .translation_rows(ctx)
            .await?
            .iter()
            .cloned()
            .map(|row| Translation::shown(ctx, row))
            .collect())
    }

    /// Locales this article is published in: its `lang`, front matter
    /// `translations`, and the locales of its translation files, without duplicates.
    async fn available_locales(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        let mut out = vec![self.card().lang.clone()];
        let listed = strings(&self.meta(ctx).await?.translations);
        let files = self.translation_rows(ctx).await?;
        for l in listed.into_iter().chain(files.iter().map(|t| t.locale.clone())) {
            if !out.contains(&l) {
                out.push(l);
            }
        }
        Ok(out)
    }

    /// How a Hugo theme should lay the article out (front matter display keys).
    async fn display(&self, ctx: &Context<'_>) -> Result<DisplayOptions, ApiError> {
        Ok(DisplayOptions(Display::of_row(&*self.meta(ctx).await?)))
    }

    /// The display options in effect, as the Mainroad theme resolves them
    /// for the article's page: its front matter value (`display`), else the
    /// site config's `params` in the article's language (`[params.sidebar]
    /// single` and `widgets`, `authorbox`, `pager`, `toc`, `mathjax`,
    /// `post_meta`, `[params.thumbnail] visibility`), else the theme's default.
    async fn display_resolved(&self, ctx: &Context<'_>) -> Result<ResolvedDisplayOptions, ApiError> {
        let full = self.full(ctx).await?;
        let site = &RequestContext::of(ctx)?.site;
        let params = match site.config() {
            Some(config) => match config.language(&full.card.lang) {
                Some(l) => l.params.clone(),
                None => config.params().as_object().cloned().unwrap_or_default(),
            },
            None => serde_json::Map::new(),
        };
        let empty = serde_json::Map::new();
        let front = full.front_matter.as_object().unwrap_or(&empty);
        Ok(ResolvedDisplayOptions(crate::site::theme::resolve(
            &Display::of_row(&full.meta),
            front,
            &params,
        )))
    }

    /// Articles sharing the most tags and categories with this one, newest
    /// first among equals. A tag or category on more than 1,000 articles is
    /// too broad to relate two of them and is left out, except this
    /// article's narrowest term when all of its terms are that broad. When
    /// the site config has a `related` section, hugo's `.Related` under it
    /// instead (indices, weights, threshold, includeNewer, toLower), among
    /// the articles of its language.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[Some(first)], child_complexity)")]
    async fn related(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5, desc = "How many, 0 to 100; default 5.")] first: i32,
    ) -> Result<Vec<Article>, ApiError> {
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 0 and {MAX_PAGE}, got {first}"),
            ));
        }
        let limit = u64::try_from(first).unwrap_or(0);
        let ids = context::loaders(ctx)?
            .load_one(RelatedOf(self.card().id, limit))
            .await?
            .unwrap_or_default();
        self.siblings(ctx, &ids).await
    }

    /// The article published just before this one in its first category; null at the start.
    async fn previous(&self, ctx: &Context<'_>) -> Result<Option<Article>, ApiError> {
        let n = context::loaders(ctx)?
            .load_one(NeighboursOf(self.card().id))
            .await?
            .unwrap_or_default();
        Ok(self
            .siblings(ctx, &n.previous_id.into_iter().collect::<Vec<_>>())
            .await?
            .pop())
    }

    /// The article published just after this one in its first category; null at the end.
    async fn next(&self, ctx: &Context<'_>) -> Result<Option<Article>, ApiError> {
        let n = context::loaders(ctx)?
            .load_one(NeighboursOf(self.card().id))
            .await?
            .unwrap_or_default();
        Ok(self
            .siblings(ctx, &n.next_id.into_iter().collect::<Vec<_>>())
            .await?
            .pop())
    }

    /// Hugo `weight`: lower sorts first in weighted lists; 0 when not given.
    async fn weight(&self) -> i32 {
        self.card().weight
    }

    /// Hugo `aliases`: other URLs this article was published under.
    async fn aliases(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        Ok(strings(&self.meta(ctx).await?.aliases))
    }

    /// Hugo `keywords`, for meta tags.
    async fn keywords(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        Ok(strings(&self.meta(ctx).await?.keywords))
    }

    /// The whole front matter as parsed (keys lower-cased), for theme keys Gazette does not model.
    async fn front_matter(&self, ctx: &Context<'_>) -> Result<Json<Value>, ApiError> {
        Ok(Json(self.full(ctx).await?.front_matter.clone()))
    }
}

/// The origin of a news article: the link its body ended with.
#[derive(SimpleObject, Clone)]
pub struct Source {
    /// The link text, e.g. the outlet's name.
    pub name: String,
    /// The link target.
    pub url: String,
}

/// A heading of an article body.
#[derive(SimpleObject, Clone)]
pub struct TocEntry {
    /// 1 for `#`, 2 for `##`, … 6.
    pub level: i32,
    /// The heading's text, markup stripped.
    pub text: String,
    /// The `id` of this heading in `body(format: HTML)`, for `#anchor` links.
    pub anchor: String,
}

/// Display options from front matter, as Hugo themes (e.g. Mainroad) read
/// them. A null means the key was not given: use the site's default.
pub struct DisplayOptions(pub Display);

/// Display options from front matter, as Hugo themes (e.g. Mainroad) read
/// them. A null means the key was not given: use the site's default.
#[Object]
impl DisplayOptions {
    /// Front matter `menu` as written: a menu name, a list, or a map; `""` when empty.
    async fn menu(&self) -> Json<&Value> {
        Json(&self.0.menu)
    }

    /// Show the comments section.
    async fn comments(&self) -> Option<bool> {
        self.0.comments
    }

    /// Show the author box.
    async fn authorbox(&self) -> Option<bool> {
        self.0.authorbox
    }

    /// Show previous/next links.
    async fn pager(&self) -> Option<bool> {
        self.0.pager
    }

    /// Show a table of contents.
    async fn toc(&self) -> Option<bool> {
        self.0.toc
    }

    /// Load MathJax for formulas.
    async fn mathjax(&self) -> Option<bool> {
        self.0.mathjax
    }

    /// Sidebar position, e.g. `right`, `left`, `false` (no sidebar): front
    /// matter `sidebar`, or the `position` of a `sidebar` map.
    async fn sidebar(&self) -> Option<&str> {
        self.0.sidebar.as_deref()
    }

    /// Sidebar widgets in order, e.g. `search`, `recent`, `taglist`:
    /// front matter `widgets`, else the `widgets` of a `sidebar` map.
    async fn widgets(&self) -> &[String] {
        &self.0.widgets
    }

    /// Where the thumbnail is shown, e.g. `list`, `post`: the `visibility`
    /// of a `thumbnail: { src, visibility }` map; null when not given.
    async fn thumbnail_visibility(&self) -> Option<&[String]> {
        self.0.thumbnail_visibility.as_deref()
    }
}

/// Display options in effect.
pub struct ResolvedDisplayOptions(pub crate::site::theme::ResolvedDisplay);

/// Display options as the Mainroad theme resolves them for a page: front
/// matter, else the site's `params`, else the theme's default (see
/// `Article.displayResolved`; `Article.display` has the front matter values).
#[Object]
impl ResolvedDisplayOptions {
    /// `left` or `right`; null when no sidebar is shown. Front matter
    /// `sidebar` (or a `sidebar` map's `position`), else `params.sidebar.single`
    /// (Mainroad's partials/sidebar.html: a sidebar when the value is truthy,
    /// on the left when it is `left`).
    async fn sidebar(&self) -> Option<&str> {
        self.0.sidebar.as_deref()
    }

    /// The sidebar's widgets in order: front matter `widgets` (or a
    /// `sidebar` map's), else `params.sidebar.widgets`; empty without either.
    async fn widgets(&self) -> &[String] {
        &self.0.widgets
    }

    /// Show the author box: front matter `authorbox`, else `params.authorbox`.
    async fn authorbox(&self) -> bool {
        self.0.authorbox
    }

    /// Show previous/next links: front matter `pager`, else `params.pager`.
    async fn pager(&self) -> bool {
        self.0.pager
    }

    /// Show a table of contents: front matter `toc`, else `params.toc`.
    async fn toc(&self) -> bool {
        self.0.toc
    }

    /// Load MathJax: front matter `mathjax`, else `params.mathjax`; only
    /// the boolean `true` turns it on (Mainroad's `eq (.Param "mathjax") true`).
    async fn mathjax(&self) -> bool {
        self.0.mathjax
    }

    /// Show the comments section: front matter `comments`, default true
    /// (Mainroad shows it when the site also has a Disqus shortname, which
    /// is the frontend's to know).
    async fn comments(&self) -> bool {
        self.0.comments
    }

    /// Post meta fields in order (`author`, `date`, `categories`,
    /// `translations`): front matter `post_meta`, else `params.post_meta`.
    async fn post_meta(&self) -> &[String] {
        &self.0.post_meta
    }

    /// Where the thumbnail is shown (`list`, `post`): a `thumbnail` map's
    /// `visibility`, else `params.thumbnail.visibility`, else both.
    async fn thumbnail_visibility(&self) -> &[String] {
        &self.0.thumbnail_visibility
    }
}

/// A localized version of an article.
pub struct Translation(pub translation::Model);

impl Translation {
    /// A translation shown in the response: adds its article's cache key
    /// (a translation's change is its article's).
    pub fn shown(ctx: &Context<'_>, row: translation::Model) -> Self {
        cache::article(ctx, row.article_id);
        Translation(row)
    }
}

/// A localized version of an article: a `name.LANG.md` file beside `name.md`,
/// or a file sharing its `translationKey`.
#[Object]
impl Translation {
    /// Global ID, for `node(id:)`.
    pub async fn id(&self) -> ID {
        id::encode(Kind::Translation, self.0.id)
    }

    /// The locale of this version, e.g. `en`.
    async fn locale(&self) -> &str {
        &self.0.locale
    }

    /// Title in this locale.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Summary in this locale.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// Body in this locale.
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "MARKDOWN (the source), HTML, TEXT or AST.")] format: BodyFormat,
    ) -> Result<String, ApiError> {
        if format == BodyFormat::Markdown || format == BodyFormat::Text {
            let page = BodyPage {
                front_matter: &Value::Null,
                source_path: "",
                lang: "",
                resources: &HashMap::new(),
            };
            return render(ctx, &self.0.body, format, page).await;
        }
        // `param` reads the original's front matter: a translation's is not stored.
        let original = context::loaders(ctx)?.load_one(ArticleById(self.0.article_id)).await?;
        let front_matter = original.as_ref().map_or(Value::Null, |a| a.front_matter.clone());
        // The bundle is the original's, served under this version's URL too.
        let page = if self.0.path.is_empty() {
            original.as_ref().map(|a| a.path.clone()).unwrap_or_default()
        } else {
            self.0.path.clone()
        };
        let links = match &original {
            Some(a) if crate::site::is_leaf_bundle_index(std::path::Path::new(&a.source_path)) => {
                resources::links(&resources::of_article(ctx, a.id, &page).await?)
            }
            _ => HashMap::new(),
        };
        let page = BodyPage {
            front_matter: &front_matter,
            source_path: &self.0.source_path,
            lang: &self.0.locale,
            resources: &links,
        };
        render(ctx, &self.0.body, format, page).await
    }

    /// The translation file's `date`.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }

    /// Hugo's `.RelPermalink` of this version (`/fr/about/` in a multilingual site).
    async fn rel_permalink(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.rel_permalink(&self.0.path))
    }

    /// Hugo's `.Permalink` of this version: absolute, from the site's baseURL.
    async fn url(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.permalink(&self.0.path))
    }
}

#[cfg(test)]
mod tests {
    use crate::query::relations::RELATED_MAX_TERM_ARTICLES;

    #[test]
    fn related_states_the_term_size_the_server_uses() {
        let stated = "A tag or category on more than 1,000 articles";
        assert!(crate::graphql::sdl().contains(stated));
        assert_eq!(
            RELATED_MAX_TERM_ARTICLES, 1_000,
            "update `related`'s description: {stated}"
        );
    }
}
