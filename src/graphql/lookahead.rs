//! What an article list reads, decided by looking ahead at its selection.
//!
//! - Tags and categories: a list that is not inside another list reads its
//!   page's terms with the page ([`PageTerms`]) instead of through the
//!   DataLoaders. A loader waits (1 ms by default, which tokio's timer rounds
//!   up) to gather its batch; such a list already knows every id on its page,
//!   so it reads both taxonomies at once, in one statement. A list inside
//!   another list (a tag's articles under a list of tags) keeps the loaders,
//!   which batch across its parents.
//! - Columns: a page reads only the article columns its selected fields
//!   need ([`columns`]): a card's few when that is all it shows, else all
//!   but body and front matter unless a field needs those.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, QueryPathNode, QueryPathSegment, SelectionField};

use super::context::RequestContext;
use super::error::ApiError;
use crate::query::articles::Columns;
use crate::query::keyset::Sides;
use crate::query::terms::{self, TermRow};
use crate::query::Taxonomy;

/// The terms of one page's articles, for the taxonomies the query selects.
#[derive(Debug, Default)]
pub struct PageTerms {
    tags: Option<HashMap<i32, Vec<TermRow>>>,
    categories: Option<HashMap<i32, Vec<TermRow>>>,
}

impl PageTerms {
    /// Reads the terms of `ids` that the current connection field selects
    /// under `edges { node }` or `nodes`; `None` when it selects neither.
    pub async fn read(ctx: &Context<'_>, ids: &[i32]) -> Result<Option<Arc<PageTerms>>, ApiError> {
        let (want_tags, want_categories) = (selects(ctx, "tags"), selects(ctx, "categories"));
        if ids.is_empty() || !(want_tags || want_categories) || inside_list(ctx) {
            return Ok(None);
        }
        let db = &RequestContext::of(ctx)?.db;
        let wanted: Vec<Taxonomy> = [(want_tags, Taxonomy::Tags), (want_categories, Taxonomy::Categories)]
            .into_iter()
            .filter_map(|(wanted, taxonomy)| wanted.then_some(taxonomy))
            .collect();
        // A term's weights only order its articles; most lists show none.
        let read_weights = lists_term_articles(ctx);
        // One statement for both taxonomies: one round trip, one connection.
        let mut read = terms::of_articles_in(db, &wanted, ids, read_weights).await?.into_iter();
        let tags = want_tags.then(|| read.next()).flatten();
        let categories = want_categories.then(|| read.next()).flatten();
        Ok(Some(Arc::new(PageTerms { tags, categories })))
    }

    /// The article's terms in `taxonomy`, or `None` when they were not read
    /// here (the caller then asks the loader).
    pub fn of(&self, taxonomy: Taxonomy, article_id: i32) -> Option<&[TermRow]> {
        let read = match taxonomy {
            Taxonomy::Tags => self.tags.as_ref(),
            Taxonomy::Categories => self.categories.as_ref(),
        }?;
        Some(read.get(&article_id).map_or(&[], Vec::as_slice))
    }
}

/// Whether the field being resolved is inside an item of a list, where
/// reading per list would be one statement per parent.
fn inside_list(ctx: &Context<'_>) -> bool {
    let mut node: Option<&QueryPathNode<'_>> = ctx.path_node.as_ref();
    while let Some(n) = node {
        if matches!(n.segment, QueryPathSegment::Index(_)) {
            return true;
        }
        node = n.parent;
    }
    false
}

/// The `Article` fields answered from its card's columns
/// ([`crate::query::articles::Card`]) or by id through a loader.
pub const CARD_FIELDS: [&str; 24] = [
    "__typename",
    "resources",
    "section",
    "terms",
    "id",
    "truncated",
    "slug",
    "relPermalink",
    "url",
    "title",
    "summary",
    "publishedAt",
    "updatedAt",
    "lang",
    "locale",
    "draft",
    "status",
    "weight",
    "tags",
    "categories",
    "translations",
    "related",
    "previous",
    "next",
];

/// The `Article` fields that read [`crate::query::articles::Meta`]'s
/// columns beyond the card (front matter Gazette models).
pub const META_FIELDS: [&str; 8] = [
    "lead",
    "thumbnail",
    "image",
    "source",
    "availableLocales",
    "display",
    "aliases",
    "keywords",
];

/// The `Article` fields that read the stored body or front matter.
pub const FULL_FIELDS: [&str; 6] = [
    "body",
    "tableOfContents",
    "wordCount",
    "readingTime",
    "frontMatter",
    "displayResolved",
];

/// The columns the connection being resolved needs of its articles, from
/// the fields it selects under `edges { node }` and `nodes` (fragments
/// included; `@skip`/`@include` are not evaluated, so a skipped field can
/// only widen the read). The fields read their columns through typed
/// accessors, so a field this misjudges still answers right: the article
/// then reads its whole row by id.
pub fn columns(ctx: &Context<'_>) -> Columns {
    let mut need = Columns::Card;
    for field in node_fields(ctx) {
        let name = field.name();
        if CARD_FIELDS.contains(&name) {
            continue;
        }
        if META_FIELDS.contains(&name) {
            need = Columns::WithoutBody;
        } else {
            return Columns::All;
        }
    }
    need
}

/// Whether the connection being resolved selects `field` on its articles.
/// `@skip`/`@include` are not evaluated, so a skipped field costs one
/// unneeded statement at most.
fn selects(ctx: &Context<'_>, field: &str) -> bool {
    node_fields(ctx).iter().any(|f| f.name() == field)
}

/// Whether the connection's articles' `tags` or `categories` select their
/// `articles` (fragments and aliases included): the one field that needs
/// [`TermRow::weighted_term`].
fn lists_term_articles(ctx: &Context<'_>) -> bool {
    node_fields(ctx)
        .iter()
        .filter(|f| matches!(f.name(), "tags" | "categories"))
        .any(|terms| terms.selection_set().any(|f| f.name() == "articles"))
}

/// The fields the connection being resolved selects on its articles, under
/// `edges { node }` and `nodes`, fragments and aliases included.
fn node_fields<'a>(ctx: &'a Context<'_>) -> Vec<SelectionField<'a>> {
    // A `SelectionField`'s iterator borrows it, so each level is collected.
    let list = ctx.field();
    let mut nodes: Vec<SelectionField<'a>> = list.selection_set().filter(|f| f.name() == "nodes").collect();
    for edges in list.selection_set().filter(|f| f.name() == "edges") {
        nodes.extend(edges.selection_set().filter(|f| f.name() == "node"));
    }
    nodes.iter().flat_map(|node| node.selection_set()).collect()
}

/// The sides of a connection's page the query asks about: a cursor's far
/// side is looked up only when `pageInfo` selects its flag.
pub fn sides(ctx: &Context<'_>) -> Sides {
    let info = ctx.look_ahead().field("pageInfo");
    Sides {
        previous: info.field("hasPreviousPage").exists(),
        next: info.field("hasNextPage").exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::{CARD_FIELDS, FULL_FIELDS, META_FIELDS};

    /// Every `Article` field is classified once, and every classified name
    /// is a field: a new field must say which columns it reads.
    #[tokio::test]
    async fn every_article_field_says_which_columns_it_reads() {
        let query = r#"{ __type(name: "Article") { fields { name } } }"#;
        let response = crate::graphql::build_schema().execute(query).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().unwrap_or_default();
        let fields: Vec<&str> = data["__type"]["fields"]
            .as_array()
            .map(|f| f.iter().filter_map(|f| f["name"].as_str()).collect())
            .unwrap_or_default();
        assert!(fields.len() > 20, "introspection found {fields:?}");
        let lists = [&CARD_FIELDS[..], &META_FIELDS[..], &FULL_FIELDS[..]];
        for field in &fields {
            let places = lists.iter().filter(|list| list.contains(field)).count();
            assert_eq!(
                places, 1,
                "Article.{field} is in {places} of CARD_FIELDS, META_FIELDS, FULL_FIELDS"
            );
        }
        for name in lists.iter().flat_map(|list| list.iter()) {
            assert!(
                *name == "__typename" || fields.contains(name),
                "`{name}` is classified but Article has no such field"
            );
        }
    }
}
