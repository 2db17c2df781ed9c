//! Writing a GraphQL response as HTTP: the media type the client accepts,
//! the status the spec gives each outcome for it, the body, and the
//! caching headers (ETag and 304, Cache-Control, Vary).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{
    self, Accept, CacheControl, CacheDirective, ETag, EntityTag, Header, HttpDate, IfModifiedSince, IfNoneMatch,
    LastModified, Quality,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use async_graphql::{Response, ServerError};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::graphql::error::{assign_codes, code, code_of};
use crate::publish::keys::{self, Keys};

/// The spec's own media type for GraphQL responses.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// The legacy media type, which every client reads.
const JSON: &str = "application/json";

/// The response media type a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: request errors are 400.
    GraphqlResponseJson,
    /// `application/json`: request errors are 200, as legacy clients expect.
    Json,
}

impl Media {
    /// The media type a request accepts; see [`negotiate`].
    pub fn of(req: &HttpRequest) -> Media {
        Accept::parse(req).map_or(Media::Json, |accept| negotiate(&accept))
    }

    /// The `Content-Type` of a response in this media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// The one of the two media types the Accept header prefers: the higher
/// q-value, the one listed first on a tie, never one with `q=0`. Without
/// either (no header, or only other types and wildcards) it is
/// `application/json`, which legacy clients expect.
pub fn negotiate(accept: &Accept) -> Media {
    let mut best: Option<(Quality, Media)> = None;
    for item in accept.iter() {
        let essence = item.item.essence_str();
        let media = if essence.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON) {
            Media::GraphqlResponseJson
        } else if essence.eq_ignore_ascii_case(JSON) {
            Media::Json
        } else {
            continue;
        };
        if item.quality > Quality::ZERO && best.is_none_or(|(q, _)| item.quality > q) {
            best = Some((item.quality, media));
        }
    }
    best.map_or(Media::Json, |(_, media)| media)
}

/// The body of a response that is only an error.
pub fn error_body(code: &str, message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

/// `Cache-Control: no-store`, for everything but a successful GET.
pub fn no_store(http: &mut HttpResponseBuilder) {
    http.insert_header(CacheControl(vec![CacheDirective::NoStore]));
}

/// `Cache-Control: private, no-store`, for a preview: only the editor's
/// browser may see it, and not even it may keep it.
pub fn private_no_store(http: &mut HttpResponseBuilder) {
    http.insert_header(CacheControl(vec![CacheDirective::Private, CacheDirective::NoStore]));
}

/// Makes a finished response a preview's: `Cache-Control: private, no-store`.
pub fn make_private(http: &mut HttpResponse) {
    http.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
}

/// The headers a cacheable response names its cache keys in
/// ([`crate::publish::keys`]): Fastly's and Varnish's `Surrogate-Key`
/// (space-separated) and Cloudflare's `Cache-Tag` (comma-separated), each
/// kept within `max_bytes` by [`Keys::header_value`]'s fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHeaders {
    /// The space-separated header; `None` sends none.
    pub surrogate_key: Option<header::HeaderName>,
    /// The comma-separated header; `None` sends none.
    pub cache_tag: Option<header::HeaderName>,
    /// Longest value of either header, in bytes.
    pub max_bytes: usize,
}

impl Default for KeyHeaders {
    fn default() -> Self {
        KeyHeaders {
            surrogate_key: Some(header::HeaderName::from_static("surrogate-key")),
            cache_tag: Some(header::HeaderName::from_static("cache-tag")),
            max_bytes: keys::DEFAULT_MAX_HEADER_BYTES,
        }
    }
}

impl KeyHeaders {
    /// The headers naming `keys`; none when there are no keys.
    pub fn of(&self, keys: &Keys) -> KeyHeaderValues {
        if keys.is_empty() {
            return Vec::new();
        }
        let keys = keys.within_key_limit(keys::MAX_KEY_BYTES);
        [(&self.surrogate_key, " "), (&self.cache_tag, ", ")]
            .into_iter()
            .filter_map(|(name, separator)| {
                let name = name.clone()?;
                // Keys are visible ASCII, so the value is always a valid one.
                let value = header::HeaderValue::from_str(&keys.header_value(separator, self.max_bytes)).ok()?;
                Some((name, value))
            })
            .collect()
    }
}

/// A response's cache-key headers, as [`KeyHeaders::of`] makes them.
pub type KeyHeaderValues = Vec<(header::HeaderName, header::HeaderValue)>;

/// Who may keep a GraphQL response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// A public reader's: a successful GET is cacheable for this many
    /// seconds, by anyone, with an ETag.
    Public(u32),
    /// A preview's (unpublished articles): nobody keeps it, and it gets no
    /// ETag, so no cache can hand it to anyone else or revalidate into it.
    Private,
}

/// What one response was, for the log line, metrics and the rate limit.
pub struct Outcome {
    /// The status sent.
    pub status: StatusCode,
    /// The query's cost, when it was checked.
    pub cost: Option<u64>,
    /// The `extensions.code` of every error.
    pub codes: Vec<String>,
}

/// Turns an executed response into HTTP: codes on every error (an internal
/// one also carries `request_id`), the status for the media type, and for
/// a public GET without errors an ETag, Cache-Control with its max-age,
/// the cache-key headers `key_headers` and a 304 when the client already
/// has the body ([`Caching`]).
pub fn respond(
    req: &HttpRequest,
    media: Media,
    mut response: Response,
    request_id: &str,
    caching: Caching,
    key_headers: KeyHeaderValues,
) -> (HttpResponse, Outcome) {
    let request_error = assign_codes(&mut response);
    for e in &mut response.errors {
        if code_of(e) == Some(code::INTERNAL_SERVER_ERROR) {
            // The client gets the id to quote; the log line carries the detail.
            e.extensions
                .get_or_insert_with(Default::default)
                .set("requestId", request_id);
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
    let body = serialise(&response, request_error);
    let mut http = HttpResponse::build(status);
    http.content_type(media.content_type());
    http.insert_header((header::VARY, "Accept, Accept-Encoding"));
    let max_age = match caching {
        Caching::Private => {
            private_no_store(&mut http);
            return (http.body(body), Outcome { status, cost, codes });
        }
        Caching::Public(max_age) => max_age,
    };
    if req.method() != Method::GET || !response.errors.is_empty() {
        no_store(&mut http);
        return (http.body(body), Outcome { status, cost, codes });
    }
    let response = cacheable(req, http, body, max_age, None, key_headers);
    let status = response.status();
    (response, Outcome { status, cost, codes })
}

/// A successful GET of `body` that clients and CDNs may keep: a strong
/// ETag, `Last-Modified` when known, `Cache-Control: public, max-age`, and
/// `304` when the client's validators match. `If-None-Match` is decisive
/// when sent; `If-Modified-Since` counts only without it (RFC 9110 §13.2.2).
/// `http` holds the status and headers set so far (content type, Vary).
/// Both the 200 and the 304 carry `key_headers`, so a CDN that revalidates
/// keeps the keys it purges by.
pub fn cacheable(
    req: &HttpRequest,
    mut http: HttpResponseBuilder,
    body: String,
    max_age: u32,
    last_modified: Option<DateTime<Utc>>,
    key_headers: KeyHeaderValues,
) -> HttpResponse {
    let etag = etag(req, &body);
    let cache_control = CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(max_age)]);
    let last_modified = last_modified.map(|t| {
        // HTTP dates have whole seconds; before 1970 there is no HTTP date.
        let secs = u64::try_from(t.timestamp()).unwrap_or(0);
        HttpDate::from(UNIX_EPOCH + Duration::from_secs(secs))
    });
    let fresh = if req.headers().contains_key(header::IF_NONE_MATCH) {
        not_modified(req, &etag)
    } else {
        match (last_modified, IfModifiedSince::parse(req)) {
            (Some(ours), Ok(IfModifiedSince(theirs))) => SystemTime::from(ours) <= SystemTime::from(theirs),
            _ => false,
        }
    };
    if fresh {
        let mut not_modified = HttpResponse::NotModified();
        not_modified.insert_header(ETag(etag)).insert_header(cache_control);
        if let Some(t) = last_modified {
            not_modified.insert_header(LastModified(t));
        }
        for pair in key_headers {
            not_modified.insert_header(pair);
        }
        return not_modified.finish();
    }
    http.insert_header(ETag(etag)).insert_header(cache_control);
    if let Some(t) = last_modified {
        http.insert_header(LastModified(t));
    }
    for pair in key_headers {
        http.insert_header(pair);
    }
    http.body(body)
}

/// The body's JSON. A request error (nothing executed) has no `data` entry
/// at all. Any other response is written straight from async-graphql's
/// values, in the order the query selected its fields, as the spec asks.
fn serialise(response: &Response, request_error: bool) -> String {
    let serialised = if request_error {
        serde_json::to_value(response).map(|mut value| {
            if let Some(map) = value.as_object_mut() {
                map.remove("data");
            }
            value.to_string()
        })
    } else {
        serde_json::to_string(response)
    };
    serialised
        .unwrap_or_else(|_| error_body(code::INTERNAL_SERVER_ERROR, "response could not be serialised").to_string())
}

/// A strong tag of the body. The bytes sent depend on the negotiated
/// encoding, so the tag does too.
fn etag(req: &HttpRequest, body: &str) -> EntityTag {
    let encoding = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{body}\u{0}{}", encoding.replace(' ', "")).as_bytes());
    EntityTag::new_strong(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
}

/// Whether `If-None-Match` already names `etag` (or is `*`). The comparison
/// is weak, as RFC 9110 asks of If-None-Match: a CDN that recompressed the
/// body sends back our tag as `W/"…"`, and the content is still the same.
fn not_modified(req: &HttpRequest, etag: &EntityTag) -> bool {
    match IfNoneMatch::parse(req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(etag)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn media(accept: &str) -> Media {
        Media::of(
            &TestRequest::default()
                .insert_header((header::ACCEPT, accept))
                .to_http_request(),
        )
    }

    #[test]
    fn without_a_known_media_type_the_answer_is_json() {
        assert_eq!(Media::of(&TestRequest::default().to_http_request()), Media::Json);
        assert_eq!(media(""), Media::Json);
        assert_eq!(media("text/html, */*"), Media::Json);
        assert_eq!(media("not a media type"), Media::Json);
    }

    #[test]
    fn the_first_listed_wins_a_tie() {
        assert_eq!(
            media("application/graphql-response+json, application/json;q=0.9"),
            Media::GraphqlResponseJson
        );
        assert_eq!(
            media("application/json, application/graphql-response+json"),
            Media::Json
        );
        assert_eq!(
            media("application/graphql-response+json, application/json"),
            Media::GraphqlResponseJson
        );
        assert_eq!(media("Application/GraphQL-Response+JSON"), Media::GraphqlResponseJson);
    }

    #[test]
    fn the_higher_q_value_wins() {
        assert_eq!(
            media("application/json;q=0.5, application/graphql-response+json"),
            Media::GraphqlResponseJson
        );
        assert_eq!(
            media("application/graphql-response+json; q=0.4, application/json; q=0.8"),
            Media::Json
        );
        assert_eq!(
            media("text/html, application/graphql-response+json;q=0.1"),
            Media::GraphqlResponseJson
        );
    }

    #[test]
    fn q_zero_is_never_picked() {
        assert_eq!(media("application/graphql-response+json;q=0"), Media::Json);
        assert_eq!(
            media("application/graphql-response+json;q=0, application/json;q=0.1"),
            Media::Json
        );
        assert_eq!(
            media("application/json;q=0, application/graphql-response+json;q=0.2"),
            Media::GraphqlResponseJson
        );
    }

    fn get(if_none_match: Option<&str>) -> HttpRequest {
        let req = TestRequest::get().uri("/graphql?query=%7B__typename%7D");
        match if_none_match {
            Some(v) => req.insert_header((header::IF_NONE_MATCH, v.to_owned())),
            None => req,
        }
        .to_http_request()
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = EntityTag::new_strong("abc".into());
        assert!(not_modified(&get(Some("\"abc\"")), &tag));
        assert!(not_modified(&get(Some("W/\"abc\"")), &tag));
        assert!(not_modified(&get(Some("\"x\", W/\"abc\"")), &tag));
        assert!(not_modified(&get(Some("*")), &tag));
        assert!(!not_modified(&get(Some("\"abd\"")), &tag));
        assert!(!not_modified(&get(None), &tag));
    }

    #[test]
    fn a_weak_tag_of_the_body_answers_304() {
        let response =
            || Response::new(async_graphql::Value::from_json(json!({ "__typename": "Query" })).unwrap_or_default());
        let (first, outcome) = respond(
            &get(None),
            Media::Json,
            response(),
            "id",
            Caching::Public(60),
            Vec::new(),
        );
        assert_eq!(outcome.status, StatusCode::OK);
        let tag = first
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(tag.starts_with('"'), "{tag}");
        let (again, outcome) = respond(
            &get(Some(&format!("W/{tag}"))),
            Media::Json,
            response(),
            "id",
            Caching::Public(60),
            Vec::new(),
        );
        assert_eq!(outcome.status, StatusCode::NOT_MODIFIED);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            again.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()),
            Some("public, max-age=60")
        );
    }

    #[test]
    fn if_modified_since_counts_only_without_if_none_match() {
        let modified = DateTime::parse_from_rfc3339("2025-03-05T08:00:00.5Z").unwrap().to_utc();
        let send = |headers: &[(header::HeaderName, &str)]| {
            let mut req = TestRequest::get().uri("/index.xml");
            for (name, value) in headers {
                req = req.insert_header((name.clone(), value.to_string()));
            }
            cacheable(
                &req.to_http_request(),
                HttpResponse::Ok(),
                "<rss/>".to_owned(),
                60,
                Some(modified),
                Vec::new(),
            )
            .status()
        };
        let exact = "Wed, 05 Mar 2025 08:00:00 GMT";
        assert_eq!(send(&[]), StatusCode::OK);
        // Whole seconds: the fraction is not a later change.
        assert_eq!(send(&[(header::IF_MODIFIED_SINCE, exact)]), StatusCode::NOT_MODIFIED);
        assert_eq!(
            send(&[(header::IF_MODIFIED_SINCE, "Wed, 05 Mar 2025 07:59:59 GMT")]),
            StatusCode::OK
        );
        assert_eq!(
            send(&[(header::IF_NONE_MATCH, "\"stale\""), (header::IF_MODIFIED_SINCE, exact)]),
            StatusCode::OK
        );
        let ok = cacheable(
            &get(None),
            HttpResponse::Ok(),
            "<rss/>".to_owned(),
            60,
            Some(modified),
            Vec::new(),
        );
        assert_eq!(
            ok.headers().get(header::LAST_MODIFIED).and_then(|v| v.to_str().ok()),
            Some(exact)
        );
    }
}
