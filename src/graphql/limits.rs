//! Limits on what one request may ask for, checked before any SQL runs: depth,
//! cost (each connection's `first`/`last` multiplies the cost of what it
//! selects), aliases and root fields. The cost of an accepted query is
//! reported in the response's `extensions.cost`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::parser::{parse_query, Error as ParseError};
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::error::code;
use crate::cache::{Recent, KEPT_BYTES};

/// Deepest selection nesting, by default.
pub const DEFAULT_MAX_DEPTH: usize = 12;
/// Largest query cost, by default.
pub const DEFAULT_MAX_COST: usize = 10_000;
/// Most aliased fields in a document, by default.
pub const DEFAULT_MAX_ALIASES: usize = 30;
/// Most root fields in one operation, by default.
pub const DEFAULT_MAX_ROOT_FIELDS: usize = 20;

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
            max_depth: DEFAULT_MAX_DEPTH,
            max_cost: DEFAULT_MAX_COST,
            max_aliases: DEFAULT_MAX_ALIASES,
            max_root_fields: DEFAULT_MAX_ROOT_FIELDS,
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

/// The refusal of a query nested `depth` deep past `limit`: the one code
/// and message, whichever check found the depth out.
pub fn too_deep(depth: usize, limit: usize) -> ServerError {
    refused(code::QUERY_TOO_DEEP, too_deep_message(depth, limit))
}

/// The message of [`too_deep`].
pub fn too_deep_message(depth: usize, limit: usize) -> String {
    format!("query depth is {depth}; the limit is {limit}")
}

/// async-graphql's nesting check before validation
/// (`Schema::limit_recursive_depth`, default kept: it bounds the validator's
/// recursion). It counts nested selection sets, fragments included.
pub const RECURSION_LIMIT: usize = 32;

/// How far [`measure`] follows nesting: deeper is reported as this deep.
const MEASURED: usize = 1_000;

/// How deep `query` is, when nesting is why it was refused before
/// validation could measure its depth: past the parser's own recursion
/// limit (64 selection sets), or past [`RECURSION_LIMIT`]. `None` for any
/// other failure (a syntax error, a fragment spread within itself). Parses
/// `query` again: only refused requests pay for it.
pub fn refused_depth(query: &str) -> Option<usize> {
    match parse_query(query) {
        Err(ParseError::RecursionLimitExceeded) => Some(text_depth(query)),
        Err(_) => None,
        Ok(doc) => {
            let mut memo = HashMap::new();
            let mut deepest = None;
            for (_, op) in doc.operations.iter() {
                let (fields, sets) = measure(&doc, &op.node.selection_set.node, 0, &mut memo, &mut Vec::new())?;
                deepest = deepest.max(Some((fields, sets)));
            }
            let (fields, sets) = deepest?;
            // Fields are validation's depth; nested fragments count too here.
            (sets > RECURSION_LIMIT).then_some(fields.max(sets))
        }
    }
}

/// `(fields, sets)` below `set`: the deepest nesting of fields, fragments
/// inlined (validation's depth), and of selection sets, each fragment a
/// level (async-graphql's recursion check). Fragments are measured once
/// each; `None` when one is spread within itself.
fn measure<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    level: usize,
    memo: &mut HashMap<&'a str, Option<(usize, usize)>>,
    stack: &mut Vec<&'a str>,
) -> Option<(usize, usize)> {
    if level > MEASURED {
        return Some((0, 0));
    }
    let (mut fields, mut sets) = (0, 0);
    for item in &set.items {
        let (f, s) = match &item.node {
            Selection::Field(field) => {
                let inner = &field.node.selection_set.node;
                if inner.items.is_empty() {
                    (1, 0)
                } else {
                    let (f, s) = measure(doc, inner, level + 1, memo, stack)?;
                    (f + 1, s + 1)
                }
            }
            Selection::InlineFragment(frag) => {
                let (f, s) = measure(doc, &frag.node.selection_set.node, level + 1, memo, stack)?;
                (f, s + 1)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                let inner = match memo.get(name) {
                    Some(known) => *known,
                    None => {
                        if stack.contains(&name) {
                            return None;
                        }
                        // An unknown fragment is validation's to report.
                        let Some(frag) = doc.fragments.get(&spread.node.fragment_name.node) else {
                            continue;
                        };
                        stack.push(name);
                        let m = measure(doc, &frag.node.selection_set.node, level + 1, memo, stack);
                        stack.pop();
                        memo.insert(name, m);
                        m
                    }
                };
                let (f, s) = inner?;
                (f, s + 1)
            }
        };
        fields = fields.max(f);
        sets = sets.max(s);
    }
    Some((fields, sets))
}

/// The deepest nesting of selection sets in `query`'s text, for a document
/// too deep to parse: braces outside strings, comments and parentheses (an
/// object value's braces are in an argument list). The innermost set holds
/// fields, so this is the document's field depth.
fn text_depth(query: &str) -> usize {
    let (mut depth, mut deepest, mut parens) = (0usize, 0usize, 0usize);
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                let block = chars.peek() == Some(&'"');
                if block {
                    chars.next();
                    if chars.peek() != Some(&'"') {
                        continue; // "", an empty string
                    }
                    chars.next();
                }
                skip_string(&mut chars, block);
            }
            '(' => parens += 1,
            ')' => parens = parens.saturating_sub(1),
            '{' if parens == 0 => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' if parens == 0 => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Skips the rest of a string begun by `"` (or `"""` when `block`), escapes included.
fn skip_string(chars: &mut impl Iterator<Item = char>, block: bool) {
    let mut quotes = 0;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // In a block string only \""" is an escape; skipping one
                // quote of it is enough not to end there.
                chars.next();
                quotes = 0;
            }
            '"' if !block => return,
            '"' => {
                quotes += 1;
                if quotes == 3 {
                    return;
                }
            }
            _ => quotes = 0,
        }
    }
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
        // Nesting past async-graphql's recursion checks is refused by them,
        // before validation measures depth: said as the depth limit says it.
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| match refused_depth(query) {
                Some(depth) => too_deep(depth, self.limits.max_depth),
                None => e,
            })?;
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
            return Err(vec![too_deep(result.depth, self.limits.max_depth)]);
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
    use super::{connection_cost, refused_depth, text_depth, MAX_COUNTED_COST, RECURSION_LIMIT};

    #[test]
    fn text_depth_counts_selection_sets_not_object_values_strings_or_comments() {
        assert_eq!(text_depth("{ a { b } }"), 2);
        let q = r#"{ a(f: { x: { y: 1 } }, s: "{{{", t: """ {{ \""" {{ """) { b } # {{{{
          c }"#;
        assert_eq!(text_depth(q), 2);
        assert_eq!(text_depth(r#"{ a(s: "") { b { c } } }"#), 3);
    }

    #[test]
    fn only_nesting_past_the_recursion_checks_is_a_refused_depth() {
        let nested = |n: usize| format!("{{ {} x {} }}", "a { ".repeat(n), "} ".repeat(n));
        assert_eq!(refused_depth(&nested(10)), None, "validation measures it");
        assert_eq!(
            refused_depth(&nested(RECURSION_LIMIT)),
            None,
            "async-graphql lets 32 sets by"
        );
        assert_eq!(refused_depth(&nested(RECURSION_LIMIT + 1)), Some(RECURSION_LIMIT + 2));
        assert_eq!(refused_depth(&nested(100)), Some(101), "past the parser's limit");
        assert_eq!(refused_depth("{ a { "), None, "a syntax error is not");
        // Fragments nest too, each a level of async-graphql's count.
        let chain: String = (0..40)
            .map(|i| format!("fragment F{i} on T {{ ...F{} }} ", i + 1))
            .collect();
        let doc = format!("{{ ...F0 }} {chain} fragment F40 on T {{ x }}");
        assert_eq!(refused_depth(&doc), Some(41));
        let cycle = "{ ...A } fragment A on T { ...B } fragment B on T { ...A }";
        assert_eq!(refused_depth(cycle), None, "validation reports a cycle");
    }

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
