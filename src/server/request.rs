//! Reading a GraphQL request off HTTP: the query string of a GET or the
//! JSON body of a POST, then the checks made before anything runs (APQ,
//! document size, NUL characters, variables, syntax, no mutations over GET).

use std::collections::HashMap;

use actix_web::error::{PayloadError, QueryPayloadError};
use actix_web::http::header::{self, ContentType, Header};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest};
use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Variables};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;

use super::apq::{ApqError, PersistedQueries};
use crate::graphql::error::code;
use crate::graphql::Api;

/// The one media type a POST body may have.
const JSON: &str = "application/json";

/// Why a request was refused before it ran. Each variant is one answer:
/// its [`status`](RequestError::status), its [`code`](RequestError::code)
/// and its message (the `Display`), so no call site picks them.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The body could not be read off the connection.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The body is larger than `max_body_bytes`.
    #[error("request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    /// A POST body of another media type (the header's value as sent).
    #[error("POST bodies must be {JSON}, not `{0}`")]
    UnsupportedMediaType(String),
    /// The body is not UTF-8.
    #[error("request body is not UTF-8")]
    NotUtf8,
    /// The body is not JSON.
    #[error("request body is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// The body is JSON but not an object (a batch, say).
    #[error("request body must be a JSON object (batched requests are not supported)")]
    NotAnObject,
    /// The body is an object without the shape of a GraphQL request.
    #[error("not a GraphQL request: {0}")]
    NotGraphql(serde_json::Error),
    /// The query string could not be decoded.
    #[error(transparent)]
    QueryString(#[from] QueryPayloadError),
    /// A GET parameter that must be JSON is not.
    #[error("`{name}` is not JSON: {error}")]
    ParamNotJson {
        /// `variables` or `extensions`.
        name: &'static str,
        /// What is wrong with it.
        error: serde_json::Error,
    },
    /// `extensions.persistedQuery` could not be used.
    #[error(transparent)]
    PersistedQuery(#[from] ApqError),
    /// Neither a query nor a known persisted one.
    #[error("the request has no `query`")]
    NoQuery,
    /// The document is longer than `max_document_bytes`.
    #[error("the document is {len} bytes; the limit is {max}")]
    DocumentTooLarge {
        /// The document's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// U+0000 in the document or the variables.
    #[error("text may not contain U+0000")]
    Nul,
    /// `variables` is JSON but not an object.
    #[error("`variables` must be a JSON object")]
    VariablesNotAnObject,
    /// The document does not parse, or nests past the parser's limit (which
    /// answers as the depth limit does).
    #[error("{0}")]
    Syntax(crate::graphql::documents::ParseFailure),
    /// A mutation (or subscription) sent with GET, which a cache or a
    /// prefetching browser may repeat.
    #[error("only queries may be sent with GET; use POST")]
    NotAQuery,
    /// `X-Gazette-Min-Lsn` is not a WAL position.
    #[error("X-Gazette-Min-Lsn: {0}")]
    MinLsn(String),
}

impl RequestError {
    /// The HTTP status for a client that accepts
    /// `application/graphql-response+json`; see [`is_request_error`](Self::is_request_error)
    /// for `application/json`.
    pub fn status(&self) -> StatusCode {
        match self {
            RequestError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            RequestError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RequestError::NotAQuery => StatusCode::METHOD_NOT_ALLOWED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `extensions.code` of the error.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::PersistedQuery(ApqError::NotFound) => code::PERSISTED_QUERY_NOT_FOUND,
            RequestError::DocumentTooLarge { .. } => code::QUERY_TOO_COMPLEX,
            RequestError::Syntax(e) => e.code(),
            _ => code::BAD_USER_INPUT,
        }
    }

    /// Whether this is a GraphQL request error of a well-formed HTTP
    /// request: the spec answers those 400 for
    /// `application/graphql-response+json` but 200 for `application/json`,
    /// which legacy clients read errors from only with a 200.
    pub fn is_request_error(&self) -> bool {
        matches!(
            self,
            RequestError::PersistedQuery(ApqError::NotFound)
                | RequestError::DocumentTooLarge { .. }
                | RequestError::Syntax(_)
        )
    }
}

/// A GraphQL request as sent, before it is checked.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Raw {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

/// Reads the GraphQL request from the query string (GET) or the body (POST),
/// reading at most `max_body_bytes` of a body.
pub async fn read(req: &HttpRequest, payload: &mut web::Payload, max_body_bytes: usize) -> Result<Raw, RequestError> {
    if req.method() == Method::GET {
        return from_query_string(req.query_string());
    }
    if !is_json(req) {
        let sent = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return Err(RequestError::UnsupportedMediaType(sent.to_owned()));
    }
    let body = read_body(payload, max_body_bytes).await?;
    from_body(&body)
}

/// Whether the body is declared `application/json` (parameters such as
/// `charset` aside).
fn is_json(req: &HttpRequest) -> bool {
    ContentType::parse(req).is_ok_and(|t| t.essence_str().eq_ignore_ascii_case(JSON))
}

fn from_query_string(query_string: &str) -> Result<Raw, RequestError> {
    let params = web::Query::<HashMap<String, String>>::from_query(query_string)?;
    Ok(Raw {
        query: params.get("query").cloned(),
        operation_name: params.get("operationName").cloned().filter(|s| !s.is_empty()),
        variables: json_param("variables", params.get("variables"))?,
        extensions: json_param("extensions", params.get("extensions"))?,
    })
}

fn json_param(name: &'static str, raw: Option<&String>) -> Result<Option<Value>, RequestError> {
    raw.filter(|s| !s.is_empty())
        .map(|s| serde_json::from_str(s).map_err(|error| RequestError::ParamNotJson { name, error }))
        .transpose()
}

/// Reads the body chunk by chunk, so a body over the limit is refused
/// before it is all in memory.
async fn read_body(payload: &mut web::Payload, limit: usize) -> Result<Vec<u8>, RequestError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Err(RequestError::BodyTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn from_body(body: &[u8]) -> Result<Raw, RequestError> {
    let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
    let value: Value = serde_json::from_str(text).map_err(RequestError::NotJson)?;
    if !value.is_object() {
        return Err(RequestError::NotAnObject);
    }
    serde_json::from_value(value).map_err(RequestError::NotGraphql)
}

/// A NUL character, raw or as a GraphQL `\u0000` escape.
fn has_nul(text: &str) -> bool {
    text.contains('\0') || text.to_ascii_lowercase().contains("\\u0000") || text.contains("\\u{0}")
}

fn json_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v)),
        _ => false,
    }
}

/// A checked request, ready for the schema.
pub struct Prepared {
    /// What the schema runs, its document already parsed.
    pub request: Request,
    /// The operation's name for the log line and metrics: the one asked
    /// for, or the document's only operation's.
    pub operation: Option<String>,
    /// Whether the operation run is a query (it may read from a replica).
    pub is_query: bool,
}

/// Checks the request before execution and builds what the schema runs.
pub async fn prepare(
    method: &Method,
    raw: Raw,
    api: &Api,
    apq: &PersistedQueries,
    max_document_bytes: usize,
) -> Result<Prepared, RequestError> {
    let query = apq.resolve(raw.query, raw.extensions.as_ref()).await?;
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return Err(RequestError::NoQuery);
    };
    if query.len() > max_document_bytes {
        return Err(RequestError::DocumentTooLarge {
            len: query.len(),
            max: max_document_bytes,
        });
    }
    // U+0000 is not text any database stores (PostgreSQL refuses it): say
    // so here rather than fail in SQL.
    if has_nul(&query) || raw.variables.as_ref().is_some_and(json_has_nul) {
        return Err(RequestError::Nul);
    }
    let variables = match raw.variables {
        None | Some(Value::Null) => Variables::default(),
        Some(v @ Value::Object(_)) => Variables::from_json(v),
        Some(_) => return Err(RequestError::VariablesNotAnObject),
    };
    // Parse here to answer parse failures with their own code and status,
    // and to refuse mutations over GET before anything runs.
    let doc = api.parse(&query).map_err(RequestError::Syntax)?;
    let op = doc
        .operations
        .iter()
        .find(|(name, _)| match (&raw.operation_name, name) {
            (Some(wanted), Some(n)) => n.as_str() == wanted,
            (None, _) => true,
            _ => false,
        });
    let is_query = op.is_some_and(|(_, op)| op.node.ty == OperationType::Query);
    if method == Method::GET && op.is_some_and(|(_, op)| op.node.ty != OperationType::Query) {
        return Err(RequestError::NotAQuery);
    }
    let operation = raw.operation_name.clone().or_else(|| {
        let mut ops = doc.operations.iter();
        match (ops.next(), ops.next()) {
            (Some((name, _)), None) => name.map(|n| n.to_string()),
            _ => None,
        }
    });
    let mut request = Request::new(query).variables(variables);
    // The document parsed above, so the query is not parsed a second time
    // (the limits extension still sees it through `parse_query`).
    request.set_parsed_query(doc);
    if let Some(name) = raw.operation_name {
        request = request.operation_name(name);
    }
    Ok(Prepared {
        request,
        operation,
        is_query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_raw_and_escaped() {
        assert!(has_nul("a\0b"));
        assert!(has_nul(r#"{ article(slug: "a\u0000") { slug } }"#));
        assert!(has_nul(r#"{ article(slug: "a\U0000") { slug } }"#));
        assert!(!has_nul("{ articles { totalCount } }"));
        assert!(json_has_nul(&serde_json::json!({ "q": ["a", "b\u{0}"] })));
    }

    #[test]
    fn a_post_must_be_json_in_any_case_and_with_any_charset() {
        let post = |content_type: &str| {
            actix_web::test::TestRequest::post()
                .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
                .to_http_request()
        };
        assert!(is_json(&post("application/json")));
        assert!(is_json(&post("Application/JSON; charset=utf-8")));
        assert!(!is_json(&post("application/x-www-form-urlencoded")));
        assert!(!is_json(&post("application/graphql")));
        assert!(!is_json(&actix_web::test::TestRequest::post().to_http_request()));
    }

    #[test]
    fn a_body_must_be_one_json_object() {
        assert!(matches!(from_body(b"\xff"), Err(RequestError::NotUtf8)));
        assert!(matches!(from_body(b"[{}]"), Err(RequestError::NotAnObject)));
        assert!(matches!(
            from_body(br#"{"query": 1}"#),
            Err(RequestError::NotGraphql(_))
        ));
        assert!(from_body(br#"{"query": "{ a }"}"#).is_ok());
    }
}
