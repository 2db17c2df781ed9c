//! `ArticleFilter`: which articles a list holds. Only the input types and
//! their translation into the query layer's `Filter` live here.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};

use crate::graphql::error::ApiError;
use crate::locale::Locale;
use crate::query::articles::{Filter, SectionScope, SlugSet};
use crate::query::taxonomies::TermSet;

/// Most filters one request may combine with `and`/`or`/`not`.
pub const MAX_FILTERS: usize = 32;
/// Deepest nesting of `and`/`or`/`not`.
pub const MAX_DEPTH: usize = 5;
/// Most slugs in one `any`/`all`/`none` list.
pub const MAX_SLUGS: usize = 50;

/// Slugs to match against an article's tags or categories. Lists given
/// together must all hold; an empty list adds no condition.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SlugFilter {
    /// At least one of these slugs.
    pub any: Option<Vec<String>>,
    /// Every one of these slugs.
    pub all: Option<Vec<String>>,
    /// None of these slugs.
    pub none: Option<Vec<String>>,
}

/// Slugs to match against an article's terms of one taxonomy (any the site
/// defines, e.g. `series`). Lists given together must all hold.
#[derive(InputObject, Clone, Debug)]
pub struct TermFilter {
    /// The taxonomy's plural name, as the site config gives it (`series`).
    pub taxonomy: String,
    /// At least one of these slugs.
    pub any: Option<Vec<String>>,
    /// Every one of these slugs.
    pub all: Option<Vec<String>>,
    /// None of these slugs.
    pub none: Option<Vec<String>>,
}

/// A section's articles, by the section's folder (`section.path`).
#[derive(InputObject, Clone, Debug)]
pub struct SectionFilter {
    /// The section's folder below the content root, e.g. `blog/2020`
    /// (slashes around it do not matter; empty is the home page).
    pub path: String,
    /// Also the articles of the sections below it (default true).
    #[graphql(default = true)]
    pub include_descendants: bool,
}

/// A range of instants: `gte` included, `lt` excluded.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DateTimeRange {
    /// From this instant on (included).
    pub gte: Option<DateTime<Utc>>,
    /// Before this instant (excluded).
    pub lt: Option<DateTime<Utc>>,
}

/// Which articles to list. Every field given must hold; `and`, `or` and `not`
/// combine whole filters. Drafts, future and expired articles never appear.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ArticleFilter {
    /// Tags by slug, e.g. `{ all: ["federal-reserve", "rates"] }`.
    pub tags: Option<SlugFilter>,
    /// Categories by slug.
    pub categories: Option<SlugFilter>,
    /// Articles available in this locale, as the original or a translation (exact code, e.g. `en`).
    pub locale: Option<String>,
    /// Publication time range.
    pub published_at: Option<DateTimeRange>,
    /// Only articles with (true) or without (false) a thumbnail.
    pub has_thumbnail: Option<bool>,
    /// Only articles in this section (Hugo's `.CurrentSection`), and by
    /// default in the sections below it.
    pub section: Option<SectionFilter>,
    /// Terms of any of the site's taxonomies, e.g.
    /// `[{ taxonomy: "series", any: ["rates-explained"] }]`; every entry must hold.
    pub terms: Option<Vec<TermFilter>>,
    /// Full-text match, as the `search` field matches: every word must occur.
    pub search: Option<String>,
    /// Every one of these filters.
    pub and: Option<Vec<ArticleFilter>>,
    /// At least one of these filters.
    pub or: Option<Vec<ArticleFilter>>,
    /// Not this filter.
    pub not: Option<Box<ArticleFilter>>,
}

fn slugs(argument: &str, list: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let list = list.unwrap_or_default();
    if list.len() > MAX_SLUGS {
        return Err(ApiError::bad_input(argument, format!("at most {MAX_SLUGS} slugs")));
    }
    Ok(list)
}

fn slug_set(argument: &str, f: SlugFilter) -> Result<SlugSet, ApiError> {
    Ok(SlugSet {
        any: slugs(&format!("{argument}.any"), f.any)?,
        all: slugs(&format!("{argument}.all"), f.all)?,
        none: slugs(&format!("{argument}.none"), f.none)?,
    })
}

impl ArticleFilter {
    /// Checks the filter (locale codes, sizes) and converts it.
    pub fn into_query(self) -> Result<Filter, ApiError> {
        let filter = self.convert()?;
        if filter.size() > MAX_FILTERS {
            return Err(ApiError::bad_input(
                "filter",
                format!("combines more than {MAX_FILTERS} filters"),
            ));
        }
        if filter.depth() > MAX_DEPTH {
            return Err(ApiError::bad_input(
                "filter",
                format!("nests and/or/not deeper than {MAX_DEPTH}"),
            ));
        }
        Ok(filter)
    }

    fn convert(self) -> Result<Filter, ApiError> {
        let all = |list: Option<Vec<ArticleFilter>>| -> Result<Vec<Filter>, ApiError> {
            list.unwrap_or_default()
                .into_iter()
                .map(ArticleFilter::convert)
                .collect()
        };
        let locale = self
            .locale
            .map(|l| {
                Locale::parse(&l)
                    .map(|l| l.to_string())
                    .map_err(|e| ApiError::bad_input("filter.locale", e))
            })
            .transpose()?;
        let range = self.published_at.unwrap_or_default();
        Ok(Filter {
            tags: self.tags.map(|f| slug_set("filter.tags", f)).transpose()?,
            categories: self.categories.map(|f| slug_set("filter.categories", f)).transpose()?,
            locale,
            or_foreign_to: None,
            published_gte: range.gte,
            published_lt: range.lt,
            has_thumbnail: self.has_thumbnail,
            section: self.section.map(|s| SectionScope {
                dir: crate::graphql::section::folder(&s.path),
                descendants: s.include_descendants,
            }),
            terms: self
                .terms
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    let arg = format!("filter.terms.{}", t.taxonomy);
                    let set = slug_set(
                        &arg,
                        SlugFilter {
                            any: t.any,
                            all: t.all,
                            none: t.none,
                        },
                    )?;
                    Ok(TermSet {
                        taxonomy: t.taxonomy.to_lowercase(),
                        any: set.any,
                        all: set.all,
                        none: set.none,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            search: self.search,
            and: all(self.and)?,
            or: all(self.or)?,
            not: self.not.map(|f| f.convert().map(Box::new)).transpose()?,
        })
    }
}
