//! GraphQL over HTTP (graphql.github.io/graphql-over-http): POST with JSON
//! bodies and GET for queries; responses as `application/graphql-response+json`
//! or `application/json` by the Accept header, with the status codes the
//! spec gives each; APQ, ETag/304 and Cache-Control on GET; limits, rate
//! limiting, timeouts; one log line and metrics per request.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Response, ServerError, Variables};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::apq::ApqError;
use super::AppData;
use crate::graphql::error::{assign_codes, code, code_of};
use crate::graphql::Auth;
use subtle::ConstantTimeEq;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The response media type a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// The first of the two media types the Accept header lists; `application/json`
/// when it lists neither (or is missing), as legacy clients expect.
pub fn negotiate(accept: Option<&str>) -> Media {
    for part in accept.unwrap_or_default().split(',') {
        let media = part.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if media == GRAPHQL_RESPONSE_JSON {
            return Media::GraphqlResponseJson;
        }
        if media == JSON {
            return Media::Json;
        }
    }
    Media::Json
}

/// A GraphQL request as sent, before it is checked.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

/// A request refused before execution: status, code and message.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
    /// A GraphQL request error of a well-formed request: 400 for
    /// `application/graphql-response+json`, but 200 for `application/json`.
    request_error: bool,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
            retry_after: None,
            request_error: false,
        }
    }

    fn request_error(code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            request_error: true,
            ..Refusal::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    fn status_for(&self, media: Media) -> StatusCode {
        if self.request_error && media == Media::Json {
            StatusCode::OK
        } else {
            self.status
        }
    }
}

fn error_body(code: &str, message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

async fn read_body(payload: &mut web::Payload, limit: usize) -> Result<Vec<u8>, Refusal> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, e.to_string()))?;
        if body.len() + chunk.len() > limit {
            let message = format!("request body is larger than {limit} bytes");
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::BAD_USER_INPUT,
                message,
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn json_param(name: &str, raw: Option<&String>) -> Result<Option<Value>, Refusal> {
    raw.filter(|s| !s.is_empty())
        .map(|s| {
            serde_json::from_str(s).map_err(|e| {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    code::BAD_USER_INPUT,
                    format!("`{name}` is not JSON: {e}"),
                )
            })
        })
        .transpose()
}

/// Reads the GraphQL request from the query string (GET) or the body (POST).
async fn read_request(req: &HttpRequest, payload: &mut web::Payload, data: &AppData) -> Result<Raw, Refusal> {
    if req.method() == Method::GET {
        let params = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, e.to_string()))?;
        return Ok(Raw {
            query: params.get("query").cloned(),
            operation_name: params.get("operationName").cloned().filter(|s| !s.is_empty()),
            variables: json_param("variables", params.get("variables"))?,
            extensions: json_param("extensions", params.get("extensions"))?,
        });
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != JSON {
        let message = format!("POST bodies must be {JSON}, not `{content_type}`");
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            message,
        ));
    }
    let body = read_body(payload, data.settings.max_body_bytes).await?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "request body is not UTF-8",
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            format!("request body is not JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        let message = "request body must be a JSON object (batched requests are not supported)";
        return Err(Refusal::new(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, message));
    }
    serde_json::from_value(value).map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            format!("not a GraphQL request: {e}"),
        )
    })
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

/// Checks the request before execution and builds what the schema runs.
fn prepare(method: &Method, raw: Raw, data: &AppData) -> Result<(Request, Option<String>), Refusal> {
    let query = data
        .apq
        .resolve(raw.query, raw.extensions.as_ref())
        .map_err(|e| match e {
            ApqError::NotFound => Refusal::request_error(code::PERSISTED_QUERY_NOT_FOUND, e.to_string()),
            _ => Refusal::new(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, e.to_string()),
        })?;
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "the request has no `query`",
        ));
    };
    let max = data.settings.max_document_bytes;
    if query.len() > max {
        let message = format!("the document is {} bytes; the limit is {max}", query.len());
        return Err(Refusal::request_error(code::QUERY_TOO_COMPLEX, message));
    }
    // U+0000 is not text any database stores (PostgreSQL refuses it): say
    // so here rather than fail in SQL.
    if has_nul(&query) || raw.variables.as_ref().is_some_and(json_has_nul) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "text may not contain U+0000",
        ));
    }
    let variables = match raw.variables {
        None | Some(Value::Null) => Variables::default(),
        Some(v @ Value::Object(_)) => Variables::from_json(v),
        Some(_) => {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "`variables` must be a JSON object",
            ))
        }
    };
    // Parse here to answer parse failures with their own code and status,
    // and to refuse mutations over GET before anything runs.
    let doc = data
        .api
        .parse(&query)
        .map_err(|e| Refusal::request_error(e.code(), e.to_string()))?;
    if method == Method::GET {
        let op = doc
            .operations
            .iter()
            .find(|(name, _)| match (&raw.operation_name, name) {
                (Some(wanted), Some(n)) => n.as_str() == wanted,
                (None, _) => true,
                _ => false,
            });
        if op.is_some_and(|(_, op)| op.node.ty != OperationType::Query) {
            return Err(Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                code::BAD_USER_INPUT,
                "only queries may be sent with GET; use POST",
            ));
        }
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
    Ok((request, operation))
}

/// Who the request is from: the admin token in `Authorization: Bearer …`,
/// compared in constant time, or nobody.
fn auth(req: &HttpRequest, admin_token: Option<&str>) -> Auth {
    let Some(expected) = admin_token.filter(|t| !t.is_empty()) else {
        return Auth::WritesDisabled;
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Auth::Admin
    } else {
        Auth::Anonymous
    }
}

/// The client's address: the peer, or behind a trusted proxy (a CDN) the
/// first address of `X-Forwarded-For`.
fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| req.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|ip| ip.trim().parse().ok());
    forwarded.unwrap_or_else(|| req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip()))
}

fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned)
}

/// What one request did, for the log line and metrics.
struct Outcome {
    status: StatusCode,
    cost: Option<u64>,
    codes: Vec<String>,
}

/// `/graphql`: every GraphQL request, GET or POST.
pub async fn handle(req: HttpRequest, mut payload: web::Payload, data: web::Data<AppData>) -> HttpResponse {
    let started = Instant::now();
    let id = request_id(&req);
    let media = negotiate(req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let statements = Arc::new(AtomicUsize::new(0));
    let mut operation: Option<String> = None;

    let result = async {
        if let Some(limiter) = &data.limiter {
            if let Err(wait) = limiter.admit(client_ip(&req, data.settings.trust_forwarded_for), Instant::now()) {
                let secs = wait.as_secs_f64().ceil() as u64;
                let mut r = Refusal::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    code::RATE_LIMITED,
                    format!("rate limited; retry after {secs}s"),
                );
                r.retry_after = Some(secs.max(1));
                return Err(r);
            }
        }
        let raw = read_request(&req, &mut payload, &data).await?;
        let (request, op) = prepare(req.method(), raw, &data)?;
        let request = request.data(auth(&req, data.settings.admin_token.as_deref()));
        operation = op;
        let run = crate::db::counting(statements.clone(), data.api.execute(request));
        let response = tokio::time::timeout(data.settings.timeout, run).await.map_err(|_| {
            let message = format!("the request took longer than {} ms", data.settings.timeout.as_millis());
            Refusal::new(StatusCode::GATEWAY_TIMEOUT, code::TIMEOUT, message)
        })?;
        Ok(response)
    }
    .instrument(tracing::info_span!("request", request_id = %id))
    .await;

    let (mut http, outcome) = match result {
        Ok(response) => respond(&req, &data, media, response, &id),
        Err(r) => {
            let status = r.status_for(media);
            let mut http = HttpResponse::build(status);
            if let Some(secs) = r.retry_after {
                http.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            if r.status == StatusCode::METHOD_NOT_ALLOWED {
                http.insert_header((header::ALLOW, "POST"));
            }
            http.insert_header((header::CACHE_CONTROL, "no-store"));
            let body = error_body(r.code, &r.message).to_string();
            (
                http.content_type(media.content_type()).body(body),
                Outcome {
                    status,
                    cost: None,
                    codes: vec![r.code.to_owned()],
                },
            )
        }
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        http.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    if let (Some(limiter), Some(cost)) = (&data.limiter, outcome.cost) {
        limiter.charge(
            client_ip(&req, data.settings.trust_forwarded_for),
            cost as f64,
            Instant::now(),
        );
    }

    let elapsed = started.elapsed();
    let label = data.metrics.operation_label(operation.as_deref());
    data.metrics
        .observe(&label, outcome.status.as_u16(), elapsed.as_secs_f64(), &outcome.codes);
    tracing::info!(
        target: "gazette::request",
        request_id = %id,
        method = %req.method(),
        operation = operation.as_deref().unwrap_or("-"),
        status = outcome.status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        cost = outcome.cost,
        sql_statements = statements.load(Ordering::Relaxed),
        errors = ?outcome.codes,
        "graphql request"
    );
    http
}

/// Turns an executed response into HTTP: codes on every error, the status
/// for the media type, and caching headers for GET.
fn respond(
    req: &HttpRequest,
    data: &AppData,
    media: Media,
    mut response: Response,
    id: &str,
) -> (HttpResponse, Outcome) {
    let request_error = assign_codes(&mut response);
    for e in &mut response.errors {
        if code_of(e) == Some(code::INTERNAL_SERVER_ERROR) {
            // The client gets the id to quote; the log line carries the detail.
            e.extensions.get_or_insert_with(Default::default).set("requestId", id);
        }
    }
    let status = if request_error && media == Media::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let cost = response.extensions.get("cost").and_then(|c| match c {
        async_graphql::Value::Object(o) => match o.get("requested") {
            Some(async_graphql::Value::Number(n)) => n.as_u64(),
            _ => None,
        },
        _ => None,
    });
    let codes: Vec<String> = response
        .errors
        .iter()
        .filter_map(|e: &ServerError| code_of(e).map(str::to_owned))
        .collect();
    // A request error (nothing executed) has no `data` entry at all. Any
    // other response is written straight from async-graphql's values, in the
    // order the query selected its fields, as the spec asks.
    let serialised = if request_error {
        serde_json::to_value(&response).map(|mut value| {
            if let Some(map) = value.as_object_mut() {
                map.remove("data");
            }
            value.to_string()
        })
    } else {
        serde_json::to_string(&response)
    };
    let body = serialised
        .unwrap_or_else(|_| error_body(code::INTERNAL_SERVER_ERROR, "response could not be serialised").to_string());
    let mut http = HttpResponse::build(status);
    http.content_type(media.content_type());
    http.insert_header((header::VARY, "Accept, Accept-Encoding"));
    if req.method() == Method::GET && response.errors.is_empty() {
        // The bytes sent depend on the negotiated encoding, so the tag does too.
        let encoding = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let digest = Sha256::digest(format!("{body}\u{0}{}", encoding.replace(' ', "")).as_bytes());
        let etag = format!(
            "\"{}\"",
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()
        );
        http.insert_header((header::ETAG, etag.clone()));
        http.insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={}", data.settings.cache_max_age),
        ));
        let matches = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        if matches {
            let mut not_modified = HttpResponse::NotModified();
            not_modified.insert_header((header::ETAG, etag));
            not_modified.insert_header((
                header::CACHE_CONTROL,
                format!("public, max-age={}", data.settings.cache_max_age),
            ));
            return (
                not_modified.finish(),
                Outcome {
                    status: StatusCode::NOT_MODIFIED,
                    cost,
                    codes,
                },
            );
        }
    } else {
        http.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    (http.body(body), Outcome { status, cost, codes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_picks_the_first_known_media_type() {
        assert_eq!(negotiate(None), Media::Json);
        assert_eq!(
            negotiate(Some("application/graphql-response+json, application/json;q=0.9")),
            Media::GraphqlResponseJson
        );
        assert_eq!(
            negotiate(Some("application/json, application/graphql-response+json")),
            Media::Json
        );
        assert_eq!(negotiate(Some("text/html, */*")), Media::Json);
    }
}
