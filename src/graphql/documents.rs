//! Parsed documents by their text. A frontend sends the same few documents
//! over and over (with other variables), and parsing one is a measurable
//! share of a small query's time; a clone of a parsed document is cheaper.

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::parser::{parse_query, Error as ParseError};

use super::error::code;
use super::limits;
use crate::cache::{Recent, KEPT_BYTES};

/// Why a document was not parsed.
#[derive(Debug, thiserror::Error)]
pub enum ParseFailure {
    /// Not GraphQL.
    #[error("syntax error: {0}")]
    Syntax(ParseError),
    /// Nested past the parser's recursion limit: refused as the depth limit
    /// refuses, since that is what the client has to change.
    #[error("{}", limits::too_deep_message(*depth, *limit))]
    TooDeep { depth: usize, limit: usize },
}

impl ParseFailure {
    /// Its `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ParseFailure::Syntax(_) => code::GRAPHQL_PARSE_FAILED,
            ParseFailure::TooDeep { .. } => code::QUERY_TOO_DEEP,
        }
    }
}

/// The documents parsed last, by text. One per [`super::Api`].
#[derive(Default)]
pub struct Documents {
    recent: Recent<String, ExecutableDocument>,
}

impl Documents {
    /// Parses `query`, or clones the document parsed from the same text
    /// before. A document that fails to parse is not kept: it fails again.
    pub fn parse(&self, query: &str) -> Result<ExecutableDocument, ParseError> {
        let kept = query.len() <= KEPT_BYTES;
        if kept {
            if let Some(doc) = self.recent.get(query) {
                return Ok(doc);
            }
        }
        let doc = parse_query(query)?;
        if kept {
            self.recent.put(query.to_owned(), doc.clone());
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_parsed_again_is_the_same_and_a_broken_one_fails_again() {
        let docs = Documents::default();
        let q = "query Q($n: Int) { articles(first: $n) { edges { node { slug } } } }";
        let first = docs.parse(q).map(|d| format!("{d:?}"));
        assert!(first.is_ok(), "{first:?}");
        assert_eq!(docs.parse(q).map(|d| format!("{d:?}")), first);
        assert_eq!(docs.recent.len(), 1);

        for _ in 0..2 {
            assert!(docs.parse("{ articles { ").is_err());
        }
        assert_eq!(docs.recent.len(), 1, "a broken document is not kept");

        let long = format!("{{ {} }}", "__typename ".repeat(KEPT_BYTES / 10));
        assert!(docs.parse(&long).is_ok());
        assert_eq!(docs.recent.len(), 1, "a document over {KEPT_BYTES} bytes is not kept");
    }
}
