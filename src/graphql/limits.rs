//! Limits on what one request may ask for, checked before any SQL runs: depth,
//! cost (each connection's `first`/`last` multiplies the cost of what it
//! selects), aliases and root fields. The cost of an accepted query is
//! reported in the response's `extensions.cost`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::error::code;
use crate::cache::{Recent, KEPT_BYTES};

/// The limits, each with a safe default.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Largest cost: fields count 1, connections multiply by their page size.
    pub max_cost: usize,
    /// Most aliased fields in a document.
    pub max_aliases: usize,
    /// Most root fields in one operation.
    pub max_root_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_cost: 10_000,
            max_aliases: 30,
            max_root_fields: 20,
        }
    }
}

fn refused(code: &str, message: String) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    e
}

/// Marks a request that is only to be checked: the limits extension answers
/// it once validation and the limits pass, with its cost in
/// `extensions.cost` and `data: null`, and runs no resolver.
pub struct CheckOnly;

/// What identifies a request to [`Accepted`]: document, operation name and
/// variables (as JSON).
pub type RequestKey = (String, Option<String>, String);

/// Requests already accepted, with their `extensions.cost` entry. Whether a
/// request passes validation and the limits depends only on its document,
/// operation name and variables (the schema is fixed), so a repeat need not
/// be checked again: it runs on the schema without extensions, whose fields
/// skip async-graphql's per-field extension path. One per [`super::Api`].
pub type Accepted = Recent<RequestKey, Value>;

/// The key of a request short enough for [`Accepted`] to remember
/// (document plus variables within [`KEPT_BYTES`]).
pub fn request_key(query: &str, operation: Option<&str>, variables: &Variables) -> Option<RequestKey> {
    let variables = serde_json::to_string(variables).ok()?;
    (query.len() + variables.len() <= KEPT_BYTES).then(|| (query.to_owned(), operation.map(str::to_owned), variables))
}

/// Builds the per-request extension.
pub struct LimitsExtension {
    pub limits: Limits,
    /// Whether `__schema` and `__type` may be asked for.
    pub introspection: bool,
}

impl ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Check {
            limits: self.limits.clone(),
            introspection: self.introspection,
            introspection_only: AtomicBool::new(false),
            cost: Mutex::new(None),
        })
    }
}

struct Check {
    limits: Limits,
    introspection: bool,
    /// Whether the document asks only for `__schema`/`__type`/`__typename`:
    /// GraphiQL's own schema query is 15 deep, so the depth limit does not
    /// apply to such documents; the cost and alias limits still do.
    introspection_only: AtomicBool,
    cost: Mutex<Option<usize>>,
}

/// Whether a selection set asks for `__schema` or `__type` at its top.
fn asks_introspection(doc: &ExecutableDocument, set: &SelectionSet, seen: &mut Vec<String>) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(frag) => asks_introspection(doc, &frag.node.selection_set.node, seen),
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.to_string();
            if seen.contains(&name) {
                return false;
            }
            seen.push(name);
            doc.fragments
                .get(&spread.node.fragment_name.node)
                .is_some_and(|frag| asks_introspection(doc, &frag.node.selection_set.node, seen))
        }
    })
}

/// Fields in `set` and how many carry an alias, fragments expanded wherever
/// they are spread (a fragment of aliases spread twice counts twice); a
/// fragment spread inside itself is skipped, since validation reports it.
fn count(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    stack: &mut Vec<String>,
    fields: &mut usize,
    aliases: &mut usize,
    deep: bool,
) {
    for item in &set.items {
        if *aliases > 10_000 {
            return; // far past any limit already
        }
        match &item.node {
            Selection::Field(f) => {
                *fields += 1;
                if f.node.alias.is_some() {
                    *aliases += 1;
                }
                if deep {
                    let mut nested = 0;
                    count(doc, &f.node.selection_set.node, stack, &mut nested, aliases, true);
                }
            }
            Selection::InlineFragment(frag) => count(doc, &frag.node.selection_set.node, stack, fields, aliases, deep),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if stack.contains(&name) {
                    continue;
                }
                if let Some(frag) = doc.fragments.get(&spread.node.fragment_name.node) {
                    stack.push(name);
                    count(doc, &frag.node.selection_set.node, stack, fields, aliases, deep);
                    stack.pop();
                }
            }
        }
    }
}

impl Check {
    fn check_document(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        let only_meta = doc.operations.iter().all(|(_, op)| {
            op.node.selection_set.node.items.iter().all(|item| match &item.node {
                Selection::Field(f) => f.node.name.node.starts_with("__"),
                _ => false,
            })
        });
        self.introspection_only.store(only_meta, Ordering::Relaxed);
        for (_, op) in doc.operations.iter() {
            // Said plainly, rather than answering `__schema: null`.
            if !self.introspection && asks_introspection(doc, &op.node.selection_set.node, &mut Vec::new()) {
                return Err(refused(
                    code::GRAPHQL_VALIDATION_FAILED,
                    "introspection is disabled on this server".into(),
                ));
            }
            let (mut roots, mut aliases) = (0, 0);
            count(
                doc,
                &op.node.selection_set.node,
                &mut Vec::new(),
                &mut roots,
                &mut aliases,
                false,
            );
            if roots > self.limits.max_root_fields {
                let message = format!("{roots} root fields; the limit is {}", self.limits.max_root_fields);
                return Err(refused(code::QUERY_TOO_COMPLEX, message));
            }
            let (mut fields, mut aliases) = (0, 0);
            count(
                doc,
                &op.node.selection_set.node,
                &mut Vec::new(),
                &mut fields,
                &mut aliases,
                true,
            );
            if aliases > self.limits.max_aliases {
                let message = format!("{aliases} aliases; the limit is {}", self.limits.max_aliases);
                return Err(refused(code::QUERY_TOO_COMPLEX, message));
            }
        }
        Ok(())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Check {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        self.check_document(&doc)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let introspection_only = self.introspection_only.load(Ordering::Relaxed);
        if result.depth > self.limits.max_depth && !introspection_only {
            let message = format!(
                "query depth is {}; the limit is {}",
                result.depth, self.limits.max_depth
            );
            return Err(vec![refused(code::QUERY_TOO_DEEP, message)]);
        }
        if result.complexity > self.limits.max_cost {
            let message = format!(
                "query cost is {}; the limit is {} (each connection's first/last multiplies the cost of its selection)",
                result.complexity, self.limits.max_cost
            );
            return Err(vec![refused(code::QUERY_TOO_COMPLEX, message)]);
        }
        if let Ok(mut cost) = self.cost.lock() {
            *cost = Some(result.complexity);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = if ctx.data_opt::<CheckOnly>().is_some() {
            Response::new(Value::Null)
        } else {
            next.run(ctx, operation_name).await
        };
        let cost = self.cost.lock().ok().and_then(|c| *c);
        if let Some(requested) = cost {
            response.extensions.insert(
                "cost".to_owned(),
                async_graphql::value!({ "requested": requested, "limit": self.limits.max_cost }),
            );
        }
        response
    }
}

/// The most a connection field costs: far past any limit, and low enough
/// that async-graphql's unchecked sums of costs cannot overflow (it adds
/// with `+`: in a release build a cost past `usize::MAX` wrapped around to
/// almost nothing, and passed the limit).
pub const MAX_COUNTED_COST: usize = 1 << 32;

/// The cost of a connection field: its page size times what each item
/// selects, plus one, at most [`MAX_COUNTED_COST`]. A page size over the
/// maximum costs as the maximum (the argument check refuses it anyway).
pub fn connection_cost(sizes: &[Option<i32>], child: usize) -> usize {
    let size = sizes
        .iter()
        .flatten()
        .next()
        .copied()
        .unwrap_or(super::pagination::DEFAULT_PAGE);
    let size = usize::try_from(size.clamp(1, super::pagination::MAX_PAGE)).unwrap_or(1);
    size.saturating_mul(child).saturating_add(1).min(MAX_COUNTED_COST)
}

#[cfg(test)]
mod tests {
    use super::{connection_cost, MAX_COUNTED_COST};

    #[test]
    fn a_connections_cost_stops_where_sums_of_costs_cannot_overflow() {
        assert_eq!(connection_cost(&[Some(100)], usize::MAX), MAX_COUNTED_COST);
        assert!(MAX_COUNTED_COST.checked_mul(1 << 20).is_some());
    }

    #[test]
    fn page_size_multiplies_the_selection() {
        assert_eq!(connection_cost(&[Some(100), None], 6), 601);
        assert_eq!(connection_cost(&[None, Some(5)], 2), 11);
        assert_eq!(connection_cost(&[None, None], 1), 21);
        assert_eq!(connection_cost(&[Some(1000)], 1), 101);
    }
}
