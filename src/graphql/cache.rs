//! The cache keys of one response ([`crate::publish::keys`]): resolvers add
//! the keys of what they show to the request's [`ResponseKeys`], which the
//! HTTP layer sends as `Surrogate-Key` and `Cache-Tag` headers. A request
//! without a collector (a subscription, a test's schema) adds nowhere.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;

use crate::publish::keys::{self, Keys};
use crate::query::articles::{Filter, Scope, SlugSet};
use crate::query::Taxonomy;

/// The keys one request's resolvers gathered; shared by its resolvers,
/// which may run concurrently.
#[derive(Clone, Default)]
pub struct ResponseKeys(Arc<Mutex<Keys>>);

impl ResponseKeys {
    /// Adds `key`.
    pub fn insert(&self, key: impl Into<String>) {
        // A resolver that panicked holding the lock left a set, not a broken one.
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key);
    }

    /// The keys gathered so far.
    pub fn keys(&self) -> Keys {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Adds `key` to the request's keys, if it gathers any.
pub fn add(ctx: &Context<'_>, key: impl Into<String>) {
    if let Some(keys) = ctx.data_opt::<ResponseKeys>() {
        keys.insert(key);
    }
}

/// Adds the key of article `id`, shown in the response.
pub fn article(ctx: &Context<'_>, id: i32) {
    add(ctx, keys::article(id));
}

/// Adds the key of the term `slug` of `taxonomy` (plural), shown in the response.
pub fn term(ctx: &Context<'_>, taxonomy: &str, slug: &str) {
    add(ctx, keys::term(taxonomy, slug));
}

/// Adds [`keys::ARTICLES`]: the response shows something any article's
/// change may alter (an unscoped list, a count, a lookup that found nothing).
pub fn any_article(ctx: &Context<'_>) {
    add(ctx, keys::ARTICLES);
}

/// `found`, after adding [`keys::ARTICLES`] when it is `None`: a lookup
/// that found nothing finds something once an article is published.
pub fn found<T>(ctx: &Context<'_>, found: Option<T>) -> Option<T> {
    if found.is_none() {
        any_article(ctx);
    }
    found
}

/// Adds the list key of a list of articles in `scope`. A term's own list
/// (`Tag.articles`, `Term.articles`) is keyed by the term, which the term
/// shown above it adds; a filter adds the keys of [`filter_keys`].
pub fn list(ctx: &Context<'_>, scope: &Scope) {
    if scope.term.is_some() || scope.site_term.is_some() {
        return;
    }
    match filter_keys(&scope.filter) {
        Some(found) => found.into_iter().for_each(|k| add(ctx, k)),
        None => any_article(ctx),
    }
}

/// Keys a change to any article `filter` lists (or listed) invalidates at
/// least one of, or `None` when only [`keys::ARTICLES`] is sure to be:
/// a section filter's section key, else the keys of the terms it requires
/// (every one `any` or `all` names); for `and`, the first part that has
/// keys; for `or`, every part's when each has some. A filter that only
/// excludes (`none`, `not`) or narrows otherwise (dates, locale, search)
/// has none.
pub fn filter_keys(filter: &Filter) -> Option<Vec<String>> {
    if let Some(section) = &filter.section {
        return Some(vec![keys::section(&section.dir)]);
    }
    let mut found = Vec::new();
    let mut required = |taxonomy: &str, any: &[String], all: &[String]| {
        found.extend(any.iter().chain(all).map(|slug| keys::term(taxonomy, slug)));
    };
    for (taxonomy, set) in [
        (Taxonomy::Tags, &filter.tags),
        (Taxonomy::Categories, &filter.categories),
    ] {
        if let Some(SlugSet { any, all, .. }) = set {
            required(taxonomy.plural(), any, all);
        }
    }
    for set in &filter.terms {
        required(&set.taxonomy, &set.any, &set.all);
    }
    if !found.is_empty() {
        return Some(found);
    }
    if let Some(keys) = filter.and.iter().find_map(filter_keys) {
        return Some(keys);
    }
    if filter.or.is_empty() {
        return None;
    }
    let parts: Option<Vec<Vec<String>>> = filter.or.iter().map(filter_keys).collect();
    parts.map(|parts| parts.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::articles::SectionScope;
    use crate::query::taxonomies::TermSet;

    fn tags(any: &[&str], none: &[&str]) -> Option<SlugSet> {
        Some(SlugSet {
            any: any.iter().map(|s| s.to_string()).collect(),
            all: Vec::new(),
            none: none.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn a_section_filter_is_keyed_by_its_section() {
        let f = Filter {
            section: Some(SectionScope {
                dir: "news/world".into(),
                descendants: true,
            }),
            tags: tags(&["rates"], &[]),
            ..Filter::default()
        };
        assert_eq!(filter_keys(&f), Some(vec!["section:/news/world/".to_owned()]));
    }

    #[test]
    fn a_term_filter_is_keyed_by_every_term_it_requires() {
        let f = Filter {
            tags: tags(&["rates", "fed"], &["old"]),
            terms: vec![TermSet {
                taxonomy: "series".into(),
                any: Vec::new(),
                all: vec!["explained".into()],
                none: Vec::new(),
            }],
            ..Filter::default()
        };
        assert_eq!(
            filter_keys(&f),
            Some(vec![
                "term:tags/rates".to_owned(),
                "term:tags/fed".to_owned(),
                "term:series/explained".to_owned()
            ])
        );
    }

    #[test]
    fn a_filter_that_only_excludes_or_narrows_otherwise_has_no_keys() {
        let none = Filter {
            tags: tags(&[], &["old"]),
            ..Filter::default()
        };
        assert_eq!(filter_keys(&none), None);
        let by_date = Filter {
            has_thumbnail: Some(true),
            not: Some(Box::new(Filter {
                tags: tags(&["rates"], &[]),
                ..Filter::default()
            })),
            ..Filter::default()
        };
        assert_eq!(filter_keys(&by_date), None);
        assert_eq!(filter_keys(&Filter::default()), None);
    }

    #[test]
    fn or_needs_keys_on_every_side() {
        let side = |slug: &str| Filter {
            tags: tags(&[slug], &[]),
            ..Filter::default()
        };
        let both = Filter {
            or: vec![side("a"), side("b")],
            ..Filter::default()
        };
        assert_eq!(
            filter_keys(&both),
            Some(vec!["term:tags/a".to_owned(), "term:tags/b".to_owned()])
        );
        let one = Filter {
            or: vec![side("a"), Filter::default()],
            ..Filter::default()
        };
        assert_eq!(filter_keys(&one), None);
        let and = Filter {
            and: vec![Filter::default(), side("a")],
            ..Filter::default()
        };
        assert_eq!(filter_keys(&and), Some(vec!["term:tags/a".to_owned()]));
    }
}
