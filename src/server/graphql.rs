//! `/graphql` over HTTP (graphql.github.io/graphql-over-http): the handler
//! that composes reading the request ([`super::request`]), who it is from
//! ([`super::auth`]) and writing the response ([`super::response`]) with
//! rate limiting, the timeout, one log line and metrics per request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header::{self, Allow, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use tracing::Instrument;

use super::auth::{auth, client_ip, WrongToken};
use super::metrics::PoolError;
use super::request::{self, Prepared, RequestError};
use super::response::{self, Media, Outcome};
use super::AppData;
use crate::db::replicas::Lsn;
use crate::graphql::auth::Auth;
use crate::graphql::error::code;
use crate::publish::keys::Keys;

/// A request answered without a GraphQL response: each layer's error,
/// mapped to a status and `extensions.code` here and nowhere else.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The request could not be read or failed a check before running.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The client's bucket is empty; it may retry after this many seconds.
    #[error("rate limited; retry after {0}s")]
    RateLimited(u64),
    /// The request ran longer than the timeout, in milliseconds.
    #[error("the request took longer than {0} ms")]
    Timeout(u128),
    /// The bearer token is neither the admin nor the preview token.
    #[error("{0}")]
    Unauthenticated(#[from] WrongToken),
}

impl Refusal {
    /// The status for `media`: a GraphQL request error is 400 for
    /// `application/graphql-response+json` but 200 for `application/json`.
    pub fn status(&self, media: Media) -> StatusCode {
        match self {
            Refusal::Request(e) if e.is_request_error() && media == Media::Json => StatusCode::OK,
            Refusal::Request(e) => e.status(),
            Refusal::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Refusal::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `extensions.code` of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Request(e) => e.code(),
            Refusal::RateLimited(_) => code::RATE_LIMITED,
            Refusal::Timeout(_) => code::TIMEOUT,
            Refusal::Unauthenticated(_) => code::UNAUTHENTICATED,
        }
    }

    /// The whole answer: status, the headers this refusal needs, and the
    /// error as the body.
    fn respond(&self, media: Media) -> (HttpResponse, Outcome) {
        let status = self.status(media);
        let mut http = HttpResponse::build(status);
        match self {
            Refusal::RateLimited(secs) => {
                http.insert_header((header::RETRY_AFTER, secs.max(&1).to_string()));
            }
            Refusal::Request(RequestError::NotAQuery) => {
                http.insert_header(Allow(vec![Method::POST]));
            }
            Refusal::Unauthenticated(_) => {
                // RFC 6750 §3: the scheme the server expects, and why it refused.
                http.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
            }
            _ => {}
        }
        response::no_store(&mut http);
        let body = response::error_body(self.code(), &self.to_string()).to_string();
        let outcome = Outcome {
            status,
            cost: None,
            codes: vec![self.code().to_owned()],
        };
        (http.content_type(media.content_type()).body(body), outcome)
    }
}

/// The request's id: the client's `X-Request-Id` when it is short and
/// plain (it goes into logs), or a new one.
fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned)
}

/// The header a mutation's answer carries (the primary's WAL position
/// after it) and a later read sends back to read at least that fresh.
pub const MIN_LSN: &str = "x-gazette-min-lsn";

/// The `X-Gazette-Min-Lsn` a request sent, if any.
fn min_lsn(req: &HttpRequest) -> Result<Option<Lsn>, RequestError> {
    let Some(value) = req.headers().get(MIN_LSN) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| RequestError::MinLsn("not text".into()))?;
    text.parse().map(Some).map_err(RequestError::MinLsn)
}

/// What running one request gave.
struct Ran {
    response: async_graphql::Response,
    keys: Keys,
    /// After a mutation on PostgreSQL: the primary's WAL position, which
    /// the client sends back to read its own write.
    written_lsn: Option<Lsn>,
}

/// Runs a checked request: a query on a replica in rotation (one that
/// has replayed `min_lsn`, if given), else the primary; anything else on
/// the primary. A query that fails on a replica with an internal error or
/// a pool timeout (it went away mid-flight) runs once more on the primary:
/// nothing was sent to the client yet.
async fn run(data: &AppData, request: async_graphql::Request, auth: Auth, is_query: bool, min_lsn: Option<Lsn>) -> Ran {
    let api = &data.api;
    if !is_query {
        let (response, keys) = api.execute_on(request, auth, &api.db).await;
        count_pool_errors(data, None, &response);
        let written_lsn = if response.errors.is_empty() {
            api.reads.primary_lsn().await
        } else {
            None
        };
        return Ran {
            response,
            keys,
            written_lsn,
        };
    }
    let reads = api.reads.pick(min_lsn);
    let Some(replica) = reads.replica else {
        let (response, keys) = api.execute_on(request, auth, &api.db).await;
        count_pool_errors(data, None, &response);
        return Ran {
            response,
            keys,
            written_lsn: None,
        };
    };
    let again = request_copy(&request);
    let (response, keys) = api.execute_on(request, auth, &reads.db).await;
    // An internal error, or a pool that could not hand out a connection in
    // time: the replica is down or unreachable (the monitor will notice).
    if count_pool_errors(data, Some(replica.as_str()), &response) {
        tracing::warn!(replica = %replica, "a read failed on a replica; retrying on the primary");
        data.metrics.replica_errors.with_label_values(&[replica.as_str()]).inc();
        let (response, keys) = api.execute_on(again, auth, &api.db).await;
        count_pool_errors(data, None, &response);
        return Ran {
            response,
            keys,
            written_lsn: None,
        };
    }
    Ran {
        response,
        keys,
        written_lsn: None,
    }
}

/// Counts `response` in `gazette_db_pool_errors_total` of `pool` (`None`:
/// the primary) if it failed there: once per kind, whatever the number of
/// fields that failed. True when it did fail (a replica's read is then retried).
fn count_pool_errors(data: &AppData, pool: Option<&str>, response: &async_graphql::Response) -> bool {
    let (mut timeout, mut internal) = (false, false);
    for e in &response.errors {
        match crate::graphql::error::code_of(e) {
            // Inside a request only a pool that lent no connection in time answers TIMEOUT.
            Some(code::TIMEOUT) => timeout = true,
            Some(code::INTERNAL_SERVER_ERROR) => internal = true,
            _ => {}
        }
    }
    if timeout {
        data.metrics.pool_error(pool, PoolError::Timeout);
    }
    if internal {
        data.metrics.pool_error(pool, PoolError::Internal);
    }
    timeout || internal
}

/// A second copy of `request` to retry with (its document, operation and
/// variables; the data it carries is added by [`crate::graphql::Api`]).
fn request_copy(request: &async_graphql::Request) -> async_graphql::Request {
    let mut copy = async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
    copy.operation_name = request.operation_name.clone();
    copy.extensions = request.extensions.clone();
    copy
}

/// `/graphql`: every GraphQL request, GET or POST.
pub async fn handle(req: HttpRequest, mut payload: web::Payload, data: web::Data<AppData>) -> HttpResponse {
    let started = Instant::now();
    let id = request_id(&req);
    let media = Media::of(&req);
    let statements = Arc::new(AtomicUsize::new(0));
    let mut operation: Option<String> = None;
    let mut previews = false;
    let settings = &data.settings;

    let result = async {
        if let Some(limiter) = &data.limiter {
            if let Err(wait) = limiter.admit(client_ip(&req, settings.trust_forwarded_for)).await {
                return Err(Refusal::RateLimited(wait.as_secs_f64().ceil() as u64));
            }
        }
        let auth = auth(&req, settings.admin_token.as_deref(), settings.preview_token.as_deref())?;
        previews = auth.previews();
        let raw = request::read(&req, &mut payload, settings.max_body_bytes).await?;
        let Prepared {
            request,
            operation: op,
            is_query,
        } = request::prepare(req.method(), raw, &data.api, &data.apq, settings.max_document_bytes).await?;
        operation = op;
        let min_lsn = min_lsn(&req)?;
        let run = crate::db::counting(statements.clone(), run(&data, request, auth, is_query, min_lsn));
        tokio::time::timeout(settings.timeout, run)
            .await
            .map_err(|_| Refusal::Timeout(settings.timeout.as_millis()))
    }
    .instrument(tracing::info_span!("request", request_id = %id))
    .await;

    let (mut http, outcome) = match result {
        Ok(Ran {
            response,
            keys,
            written_lsn,
        }) => {
            let caching = if previews {
                response::Caching::Private
            } else {
                response::Caching::Public(settings.cache_max_age)
            };
            let key_headers = settings.cache_keys.of(&keys);
            let (mut http, outcome) = response::respond(&req, media, response, &id, caching, key_headers);
            if let Some(lsn) = written_lsn.and_then(|l| HeaderValue::from_str(&l.to_string()).ok()) {
                http.headers_mut().insert(header::HeaderName::from_static(MIN_LSN), lsn);
            }
            (http, outcome)
        }
        Err(refusal) => {
            let (mut http, outcome) = refusal.respond(media);
            if previews {
                // Refused after the token was read: as private as a preview's answer.
                response::make_private(&mut http);
            }
            (http, outcome)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        http.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    if let (Some(limiter), Some(cost)) = (&data.limiter, outcome.cost) {
        // Before the answer goes out, so the client's next request sees it.
        limiter
            .charge(client_ip(&req, settings.trust_forwarded_for), cost as f64)
            .await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_errors_are_200_only_for_legacy_json() {
        let syntax = Refusal::Request(RequestError::NoQuery);
        assert_eq!(syntax.status(Media::Json), StatusCode::BAD_REQUEST);
        let too_large = Refusal::Request(RequestError::DocumentTooLarge { len: 2, max: 1 });
        assert_eq!(too_large.status(Media::Json), StatusCode::OK);
        assert_eq!(too_large.status(Media::GraphqlResponseJson), StatusCode::BAD_REQUEST);
        assert_eq!(too_large.code(), code::QUERY_TOO_COMPLEX);
        let limited = Refusal::RateLimited(0);
        assert_eq!(limited.status(Media::Json), StatusCode::TOO_MANY_REQUESTS);
        let (http, _) = limited.respond(Media::Json);
        assert_eq!(
            http.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
}
