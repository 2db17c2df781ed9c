//! The `Section` type and the `section`/`sections` root fields: the content
//! tree as Hugo makes it (the home page, every top-level folder, every
//! nested folder with an `_index` file), one version per language.

use std::sync::Arc;

use async_graphql::{Context, Enum, Json, Object};
use serde_json::Value;

use super::article::filter::ArticleFilter;
use super::article::order::ArticleOrder;
use super::article::{render, resources, BodyFormat, BodyPage};
use super::cache;
use super::connection::{self, ArticleConnection};
use super::context::{self, RequestContext};
use super::error::ApiError;
use super::loaders::{ChildrenOf, SectionCountOf, SectionsAt};
use super::pagination::PageArgs;
use crate::locale::Locale;
use crate::publish::keys;
use crate::query::articles::{Filter, Scope, SectionScope};
use crate::query::sections;

/// Hugo's `.Kind` of a list page in the content tree.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SectionKind {
    /// The home page (`content/_index.md`), the root of the tree.
    Home,
    /// A section: a top-level content folder, or a nested one with an `_index` file.
    Section,
}

/// A section in one language, as the API serves it.
#[derive(Clone)]
pub struct Section(pub Arc<sections::Section>);

/// The folder a `path` argument names: slashes around it do not matter.
pub fn folder(path: &str) -> String {
    path.trim().trim_matches('/').to_owned()
}

/// The version of a section to serve for `lang`: that language's, else the
/// default language's, else any.
fn pick(rows: &[sections::Section], lang: &str, default_lang: &str) -> Option<Section> {
    let lang = lang.to_lowercase();
    let base = lang.split('-').next().unwrap_or_default().to_owned();
    rows.iter()
        .find(|r| r.lang == lang)
        .or_else(|| rows.iter().find(|r| r.lang == base))
        .or_else(|| rows.iter().find(|r| r.lang == default_lang))
        .or_else(|| rows.first())
        .map(|r| Section(Arc::new(r.clone())))
}

/// The section at folder `dir` as served in `lang` (default: the site's language).
pub async fn at(ctx: &Context<'_>, dir: &str, lang: Option<&str>) -> Result<Option<Section>, ApiError> {
    let l = RequestContext::of(ctx)?;
    let default = l.site.default_language().to_lowercase();
    let rows = context::loaders(ctx)?.load_one(SectionsAt(dir.to_owned())).await?;
    Ok(rows.and_then(|rows| pick(&rows, lang.unwrap_or(&default), &default)))
}

impl Section {
    /// The article locale this version's lists hold: none (every article)
    /// in the default language, else the section's language.
    /// Which articles its lists hold, as [`Filter::locale`] and
    /// [`Filter::or_foreign_to`]: those available in its language (Hugo's
    /// `.Pages` of the section in that language), and in the default
    /// language also those whose language the site does not define.
    fn language(&self, ctx: &Context<'_>) -> Result<(Option<String>, Option<Vec<String>>), ApiError> {
        let l = RequestContext::of(ctx)?;
        let locale = Locale::parse(&self.0.lang).ok().map(|l| l.to_string());
        if self.0.lang != l.site.default_language().to_lowercase() {
            return Ok((locale, None));
        }
        let codes = l.site.language_codes().iter().map(|c| c.to_lowercase()).collect();
        Ok((locale, Some(codes)))
    }

    /// The language its articles are served in: the section's own, the
    /// default one included (an article whose original is in another
    /// language is served in its translation, as hugo lists that page).
    fn locale(&self) -> Option<Locale> {
        Locale::parse(&self.0.lang).ok()
    }
}

/// A section of the site in one language: the home page, a top-level
/// content folder, or a nested folder with an `_index` file, as Hugo makes
/// them. Its `_index` file (if any) gives its title, description, weight and body.
#[Object]
impl Section {
    /// Its folder below the content root, e.g. `blog/2020`; empty for the
    /// home page. `section(path:)` and `ArticleFilter.section` take it.
    async fn path(&self) -> &str {
        &self.0.dir
    }

    /// HOME or SECTION.
    async fn kind(&self) -> SectionKind {
        if self.0.dir.is_empty() {
            SectionKind::Home
        } else {
            SectionKind::Section
        }
    }

    /// The language of this version (`en`).
    async fn lang(&self) -> &str {
        &self.0.lang
    }

    /// Its `_index` file's title; without one, Hugo's: the site's title for
    /// the home page, the folder's name capitalised and pluralised for a section.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Front matter `description` of its `_index` file; empty when not given.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Front matter `weight`; 0 when not given (sorts after every set weight).
    async fn weight(&self) -> i32 {
        self.0.weight
    }

    /// The body of its `_index` file (empty without one), rendered as an
    /// article's body is: shortcodes included, `param` reading its front matter.
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "MARKDOWN (the source), HTML, TEXT or AST.")] format: BodyFormat,
    ) -> Result<String, ApiError> {
        let links = if format == BodyFormat::Html || format == BodyFormat::Ast {
            resources::links(&resources::of_section(ctx, self.0.id, &self.0.path).await?)
        } else {
            std::collections::HashMap::new()
        };
        let page = BodyPage {
            front_matter: &self.0.front_matter,
            source_path: self.0.source_path.as_deref().unwrap_or_default(),
            lang: &self.0.lang,
            resources: &links,
        };
        render(ctx, &self.0.body, format, page).await
    }

    /// Its branch bundle's files: those directly beside its `_index` file
    /// (not in subfolders, as in Hugo), but content files, named, titled
    /// and given params by its front matter `resources` rules, in name
    /// order; empty without an `_index` file. `mediaType` filters as
    /// `Article.resources` does.
    async fn resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A full media type (`image/png`) or a main type (`image`).")] media_type: Option<String>,
    ) -> Result<Vec<resources::Resource>, ApiError> {
        let all = resources::of_section(ctx, self.0.id, &self.0.path).await?;
        Ok(resources::of_type(all, media_type.as_deref()))
    }

    /// The `_index` file's whole front matter (an empty object without one).
    async fn front_matter(&self) -> Json<Value> {
        Json(self.0.front_matter.clone())
    }

    /// Hugo's `.RelPermalink`, e.g. `/news/blog/`.
    async fn rel_permalink(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.rel_permalink(&self.0.path))
    }

    /// Hugo's `.Permalink`: absolute when the baseURL has a host.
    async fn url(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.permalink(&self.0.path))
    }

    /// The section it is in (the home page for a top-level section); null
    /// for the home page.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Section>, ApiError> {
        match &self.0.parent_dir {
            Some(dir) => at(ctx, dir, Some(&self.0.lang)).await,
            None => Ok(None),
        }
    }

    /// The sections directly below it, by weight (unset weights last), then title.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Section>, ApiError> {
        // An article in a new folder below it adds one.
        cache::add(ctx, keys::section(&self.0.dir));
        let key = ChildrenOf {
            dir: self.0.dir.clone(),
            lang: self.0.lang.clone(),
        };
        let rows = context::loaders(ctx)?.load_one(key).await?;
        Ok(rows
            .map(|rows| rows.iter().map(|r| Section(Arc::new(r.clone()))).collect())
            .unwrap_or_default())
    }

    /// How many public articles (in a preview, every article) it holds, those of the sections below it
    /// included, in its language (Hugo's `.RegularPagesRecursive` of the
    /// section in it): those available in it, as the original or a
    /// translation; in the default language also those in a language the
    /// site does not define.
    async fn article_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        cache::add(ctx, keys::section(&self.0.dir));
        let (locale, or_foreign_to) = self.language(ctx)?;
        let key = SectionCountOf {
            dir: self.0.dir.clone(),
            locale,
            or_foreign_to,
        };
        let n = context::loaders(ctx)?.load_one(key).await?.unwrap_or(0);
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Its public articles, those of the sections below it included, newest
    /// first unless `orderBy` says otherwise: those `articleCount` counts
    /// (its language's), each served in the section's language when it is
    /// available in it (else in its own, as a page in a language the site
    /// does not define).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first, last], child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many articles from the start (or after `after`), 0 to 100; default 20.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
        #[graphql(desc = "How many articles from the end (or before `before`), 0 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue before.")] before: Option<String>,
        #[graphql(desc = "Which of its articles to list.")] filter: Option<ArticleFilter>,
        #[graphql(desc = "Sort order; default PUBLISHED_AT DESC, ties by id.")] order_by: Option<ArticleOrder>,
    ) -> Result<ArticleConnection, ApiError> {
        let locale = self.locale();
        let (language, or_foreign_to) = self.language(ctx)?;
        let given = filter.map(ArticleFilter::into_query).transpose()?;
        let filter = Filter {
            section: Some(SectionScope {
                dir: self.0.dir.clone(),
                descendants: true,
            }),
            locale: language,
            or_foreign_to,
            and: given.into_iter().collect(),
            ..Filter::default()
        };
        let scope = Scope {
            filter,
            ..Scope::default()
        };
        let base = format!("section:{}:{}:articles", self.0.lang, self.0.dir);
        let order = order_by.unwrap_or_default().into();
        let args = PageArgs::cursors(first, after, last, before);
        connection::articles(ctx, &base, scope, order, args, locale).await
    }
}

#[derive(Default)]
pub struct SectionQuery;

#[Object]
impl SectionQuery {
    /// The section at a content folder, e.g. `blog` or `docs/guide-book`
    /// (slashes around it do not matter; empty is the home page), in
    /// `locale` when it has a version in it, else in the default language;
    /// null when there is none.
    async fn section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The section's folder below the content root, e.g. `blog/2020`.")] path: String,
        #[graphql(desc = "Preferred language, e.g. `fr`.")] locale: Option<String>,
    ) -> Result<Option<Section>, ApiError> {
        let dir = folder(&path);
        let found = at(ctx, &dir, locale.as_deref()).await?;
        if found.is_none() {
            // An article published in the folder makes it a section.
            cache::add(ctx, keys::section(&dir));
        }
        Ok(found)
    }

    /// The top-level sections (the home page's children), by weight
    /// (unset weights last), then title, in `locale` (default: the site's language).
    async fn sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language, e.g. `fr`; default: the site's.")] locale: Option<String>,
    ) -> Result<Vec<Section>, ApiError> {
        let l = RequestContext::of(ctx)?;
        let lang = locale
            .unwrap_or_else(|| l.site.default_language().to_owned())
            .to_lowercase();
        cache::add(ctx, keys::section(""));
        let key = ChildrenOf {
            dir: String::new(),
            lang,
        };
        let rows = context::loaders(ctx)?.load_one(key).await?;
        Ok(rows
            .map(|rows| rows.iter().map(|r| Section(Arc::new(r.clone()))).collect())
            .unwrap_or_default())
    }
}
