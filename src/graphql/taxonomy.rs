//! `Taxonomy` and `Term`: every taxonomy the site config defines (tags and
//! categories included, Hugo's defaults without a config), with the URLs
//! Hugo gives their pages. `Tag` and `Category` stay for their own fields.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object};

use super::article::filter::ArticleFilter;
use super::article::order::ArticleOrder;
use super::article::{render, BodyFormat, BodyPage};
use super::cache;
use super::connection::{self, ArticleConnection};
use super::context::{self, RequestContext};
use super::error::ApiError;
use super::loaders::{ListPageOf, SiteTermCountOf, TermCountOf};
use super::pagination::{PageArgs, MAX_PAGE};
use crate::query::articles::Scope;
use crate::query::taxonomies::{self, TermRow};

/// A taxonomy of the site, e.g. `tags` or `series`, in one language.
#[derive(Clone)]
pub struct Taxonomy {
    singular: String,
    plural: String,
    /// The language's term key (`Site::term_lang`): empty for the default one.
    lang: String,
}

/// The term key (`Site::term_lang`) of `locale`, a language the site
/// defines; the default language's without one.
pub fn term_lang(ctx: &Context<'_>, locale: Option<&str>) -> Result<String, ApiError> {
    let site = &RequestContext::of(ctx)?.site;
    let Some(locale) = locale else {
        return Ok(String::new());
    };
    let code = locale.trim().to_lowercase();
    if !site.language_codes().iter().any(|c| c.to_lowercase() == code) {
        return Err(ApiError::bad_input(
            "locale",
            format!("the site has no language `{locale}`"),
        ));
    }
    Ok(site.term_lang(&code))
}

/// The language code of term key `lang` (the default language's when empty).
fn lang_code(ctx: &Context<'_>, lang: &str) -> Result<String, ApiError> {
    Ok(if lang.is_empty() {
        RequestContext::of(ctx)?.site.default_language().to_lowercase()
    } else {
        lang.to_owned()
    })
}

/// The site's taxonomy named `name` (its plural, case-insensitive) in the
/// language of term key `lang`, if it defines one.
pub fn named(ctx: &Context<'_>, name: &str, lang: &str) -> Result<Option<Taxonomy>, ApiError> {
    let name = name.trim().to_lowercase();
    Ok(all(ctx, lang)?.into_iter().find(|t| t.plural == name))
}

/// Every taxonomy of the site in the language of term key `lang`, in the
/// order of their singular names.
pub fn all(ctx: &Context<'_>, lang: &str) -> Result<Vec<Taxonomy>, ApiError> {
    Ok(RequestContext::of(ctx)?
        .site
        .taxonomies()
        .into_iter()
        .map(|(singular, plural)| Taxonomy {
            singular,
            plural,
            lang: lang.to_owned(),
        })
        .collect())
}

/// A taxonomy's or term's `_index` page in the language of term key
/// `lang` (`_index.fr.md` for `fr`), if it has one.
async fn list_page(
    ctx: &Context<'_>,
    taxonomy: &str,
    slug: &str,
    lang: &str,
) -> Result<Option<Arc<entity::list_page::Model>>, ApiError> {
    Ok(context::loaders(ctx)?
        .load_one(ListPageOf(taxonomy.to_owned(), lang.to_owned(), slug.to_owned()))
        .await?)
}

/// An `_index` page's body, rendered as an article's is.
async fn page_body(
    ctx: &Context<'_>,
    page: Option<Arc<entity::list_page::Model>>,
    format: BodyFormat,
) -> Result<String, ApiError> {
    let Some(page) = page else {
        return Ok(String::new());
    };
    // A term key is empty for the default language.
    let site = RequestContext::of(ctx)?.site.clone();
    let lang = match page.lang.is_empty() {
        true => site.default_language().to_lowercase(),
        false => page.lang.clone(),
    };
    let body = BodyPage {
        front_matter: &page.front_matter,
        source_path: &page.source_path,
        lang: &lang,
        resources: &std::collections::HashMap::new(),
    };
    render(ctx, &page.body, format, body).await
}

impl Taxonomy {
    fn path(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        RequestContext::of(ctx)?
            .site
            .taxonomy_path_in(&self.plural, &self.lang)
            .map_err(|e| ApiError::Internal(format!("taxonomy {}: {e}", self.plural)))
    }

    /// The taxonomy whose list page is at one of `paths`, in any of the
    /// site's languages (Hugo builds each taxonomy's page in each), if any.
    pub fn at(ctx: &Context<'_>, paths: &[String]) -> Result<Option<Taxonomy>, ApiError> {
        let site = &RequestContext::of(ctx)?.site;
        let mut langs: Vec<String> = site.language_codes().iter().map(|c| site.term_lang(c)).collect();
        langs.dedup();
        for lang in langs {
            for t in all(ctx, &lang)? {
                if paths.contains(&t.path(ctx)?) {
                    return Ok(Some(t));
                }
            }
        }
        Ok(None)
    }
}

/// Most terms one `terms` page holds.
const MAX_TERMS: i32 = MAX_PAGE;

/// A taxonomy the site config defines (`[taxonomies]`; Hugo's `tags` and
/// `categories` without one), with its terms in use.
#[Object]
impl Taxonomy {
    /// The plural name, as front matter keys and URLs use it (`series`).
    async fn name(&self) -> &str {
        &self.plural
    }

    /// The singular name (`serie` for `serie = "series"`).
    async fn singular(&self) -> &str {
        &self.singular
    }

    /// The language whose terms, URL and counts these are (`fr`): the
    /// `locale` asked for, else the site's default language.
    async fn locale(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        lang_code(ctx, &self.lang)
    }

    /// The title of its `_index` page (`content/tags/_index.md`), else
    /// Hugo's: the plural name with its first letter upper-cased (`Tags`).
    async fn title(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(match list_page(ctx, &self.plural, "", &self.lang).await? {
            Some(p) => p.title.clone(),
            None => crate::text::first_upper(&self.plural),
        })
    }

    /// Front matter `description` of its `_index` page; empty without one.
    async fn description(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(list_page(ctx, &self.plural, "", &self.lang)
            .await?
            .map(|p| p.description.clone())
            .unwrap_or_default())
    }

    /// The body of its `_index` page; empty without one.
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "MARKDOWN (the source), HTML, TEXT or AST.")] format: BodyFormat,
    ) -> Result<String, ApiError> {
        page_body(ctx, list_page(ctx, &self.plural, "", &self.lang).await?, format).await
    }

    /// Hugo's `.RelPermalink` of its list of terms (`/tags/`).
    async fn rel_permalink(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.rel_permalink(&self.path(ctx)?))
    }

    /// Hugo's `.Permalink` of its list of terms.
    async fn url(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.permalink(&self.path(ctx)?))
    }

    /// How many of its terms a public article names.
    async fn term_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        cache::any_article(ctx);
        let n = context::loaders(ctx)?
            .load_one(TermCountOf(self.plural.clone(), self.lang.clone()))
            .await?
            .unwrap_or(0);
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Its terms a public article names, in slug order; the cursor is a slug.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(&[first], child_complexity)")]
    async fn terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many terms, 0 to 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the edge to continue after.")] after: Option<String>,
    ) -> Result<Connection<String, Term, EmptyFields, EmptyFields>, ApiError> {
        let first = first.unwrap_or(20);
        if !(0..=MAX_TERMS).contains(&first) {
            return Err(ApiError::bad_input("first", format!("must be 0 to {MAX_TERMS}")));
        }
        let limit = u64::try_from(first).unwrap_or(0);
        // Which terms are listed depends on which articles are public.
        cache::any_article(ctx);
        let l = RequestContext::of(ctx)?;
        let mut rows = taxonomies::list(
            &l.db,
            &self.plural,
            &self.lang,
            after.as_deref(),
            limit + 1,
            l.visibility(),
        )
        .await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let mut conn = Connection::new(after.is_some(), more);
        conn.edges
            .extend(rows.into_iter().map(|r| Edge::new(r.slug.clone(), Term::shown(ctx, r))));
        Ok(conn)
    }
}

/// A term of one of the site's taxonomies, as an article names it.
#[derive(Clone)]
pub struct Term(pub Arc<TermRow>);

impl Term {
    /// The term of `row`, shown in the response: adds its cache key.
    pub fn shown(ctx: &Context<'_>, row: TermRow) -> Self {
        cache::term(ctx, &row.taxonomy, &row.slug);
        Term(Arc::new(row))
    }
}

/// A term of one of the site's taxonomies (`series: [Rates explained]`),
/// shown while a public article names it.
#[Object]
impl Term {
    /// Its taxonomy's plural name (`series`).
    async fn taxonomy(&self) -> &str {
        &self.0.taxonomy
    }

    /// Lower-cased, spaces to '-', Unicode letters kept (as a tag's slug).
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The name as first written in front matter.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The language whose pages name it (`fr`): each language has its own
    /// terms, as in Hugo; the site's default language for the default one's.
    async fn locale(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        lang_code(ctx, &self.0.lang)
    }

    /// The title of its `_index` page (`content/tags/TERM/_index.md`), else its name.
    async fn title(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(list_page(ctx, &self.0.taxonomy, &self.0.slug, &self.0.lang)
            .await?
            .map_or_else(|| self.0.name.clone(), |p| p.title.clone()))
    }

    /// Front matter `description` of its `_index` page; empty without one.
    async fn description(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(list_page(ctx, &self.0.taxonomy, &self.0.slug, &self.0.lang)
            .await?
            .map(|p| p.description.clone())
            .unwrap_or_default())
    }

    /// The body of its `_index` page; empty without one.
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "MARKDOWN (the source), HTML, TEXT or AST.")] format: BodyFormat,
    ) -> Result<String, ApiError> {
        page_body(
            ctx,
            list_page(ctx, &self.0.taxonomy, &self.0.slug, &self.0.lang).await?,
            format,
        )
        .await
    }

    /// Hugo's `.RelPermalink` of its page (`/series/rates-explained/`, or
    /// what the site's `[permalinks]` make it).
    async fn rel_permalink(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.rel_permalink(&self.0.path))
    }

    /// Hugo's `.Permalink` of its page.
    async fn url(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(RequestContext::of(ctx)?.site.permalink(&self.0.path))
    }

    /// How many public articles (in a preview, every article) name it.
    async fn article_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let n = context::loaders(ctx)?
            .load_one(SiteTermCountOf(self.0.id))
            .await?
            .unwrap_or(0);
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// The public articles naming it, newest first unless `orderBy` says
    /// otherwise. Without `orderBy`, a term some article weighs (front
    /// matter `<taxonomy>_weight`, e.g. `tags_weight: 10`) lists them by
    /// that weight first, smallest first and 0 (no weight) a weight like
    /// any other, then by page `weight` (unweighted last), then newest
    /// first, as hugo 0.111 orders a term's pages (where hugo breaks a tie
    /// of one date by title, this list does by id).
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
        #[graphql(
            desc = "Sort order; default the term's weights (`tags_weight`) if it has any, then PUBLISHED_AT DESC, ties by id."
        )]
        order_by: Option<ArticleOrder>,
    ) -> Result<ArticleConnection, ApiError> {
        let filter = filter.map(ArticleFilter::into_query).transpose()?.unwrap_or_default();
        let scope = Scope {
            site_term: Some(self.0.id),
            filter,
            ..Scope::default()
        };
        let base = format!("term:{}:articles", self.0.id);
        let args = PageArgs::cursors(first, after, last, before);
        // Another language's term lists its pages in that language: an
        // article through its translation there.
        let locale = (!self.0.lang.is_empty())
            .then(|| crate::locale::Locale::parse(&self.0.lang).ok())
            .flatten();
        match order_by {
            None if self.0.weighted => {
                connection::weighted_term_articles(ctx, &base, scope, self.0.id, args, locale).await
            }
            _ => {
                let order = order_by.unwrap_or_default().into();
                connection::articles(ctx, &base, scope, order, args, locale).await
            }
        }
    }
}

#[derive(Default)]
pub struct TaxonomyRootQuery;

#[Object]
impl TaxonomyRootQuery {
    /// Every taxonomy the site defines (Hugo's `tags` and `categories`
    /// without a config), in the order of their singular names, with the
    /// terms and URLs of `locale` (the default language without one).
    async fn taxonomies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A language code the config defines, e.g. `fr`; default the site's default language.")]
        locale: Option<String>,
    ) -> Result<Vec<Taxonomy>, ApiError> {
        all(ctx, &term_lang(ctx, locale.as_deref())?)
    }

    /// A taxonomy by its plural name (`series`) in `locale` (the default
    /// language without one); null when the site defines none by that name.
    async fn taxonomy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plural name, e.g. `series`.")] name: String,
        #[graphql(desc = "A language code the config defines, e.g. `fr`; default the site's default language.")]
        locale: Option<String>,
    ) -> Result<Option<Taxonomy>, ApiError> {
        named(ctx, &name, &term_lang(ctx, locale.as_deref())?)
    }

    /// A term by taxonomy and slug in `locale` (each language has its own
    /// terms, those its pages name; the default language without one); null
    /// when no public page in that language names it.
    async fn term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The taxonomy's plural name, e.g. `series`.")] taxonomy: String,
        #[graphql(desc = "The term's slug.")] slug: String,
        #[graphql(desc = "A language code the config defines, e.g. `fr`; default the site's default language.")]
        locale: Option<String>,
    ) -> Result<Option<Term>, ApiError> {
        let lang = term_lang(ctx, locale.as_deref())?;
        let l = RequestContext::of(ctx)?;
        let row = taxonomies::by_slug(&l.db, &taxonomy.trim().to_lowercase(), &lang, &slug, l.visibility()).await?;
        Ok(cache::found(ctx, row).map(|r| Term::shown(ctx, r)))
    }
}
