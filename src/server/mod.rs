//! The HTTP server: GraphQL at `/graphql`, GraphiQL at `/`, `/healthz`,
//! `/readyz` and `/metrics`, page bundle files, feeds and sitemaps below
//! the site's base path and `/robots.txt`, with compression and CORS.

pub mod apq;
pub mod auth;
pub mod feeds;
pub mod files;
pub mod graphiql;
pub mod graphql;
pub mod metrics;
pub mod multiplex;
pub mod rate_limit;
pub mod request;
pub mod response;
pub mod websocket;

use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::Compress;
use actix_web::{web, App, HttpResponse};

use crate::graphql::Api;
use apq::PersistedQueries;
use metrics::Metrics;
use rate_limit::{Limiter, RateLimit, RateLimitStore};

/// Largest request body, in bytes, by default.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest GraphQL document, in bytes, by default.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 32 * 1024;
/// Longest a request may run, in milliseconds, by default.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// `max-age` of cacheable GET responses, in seconds, by default.
pub const DEFAULT_CACHE_MAX_AGE: u32 = 60;
/// Persisted queries kept per process, by default.
pub const DEFAULT_APQ_CAPACITY: usize = 1024;

/// HTTP settings, each with a safe default.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Largest GraphQL document.
    pub max_document_bytes: usize,
    /// Longest a request may run before it is answered with TIMEOUT.
    pub timeout: Duration,
    /// `max-age` of cacheable GET responses, in seconds.
    pub cache_max_age: u32,
    /// Origins allowed by CORS; none (same origin only) by default; `*` allows any.
    pub cors_origins: Vec<String>,
    /// Per-address rate limit over query cost, off by default.
    pub rate_limit: Option<RateLimit>,
    /// Where the rate limit's buckets live: the database on PostgreSQL
    /// (shared by every process), else this process's memory, by default.
    pub rate_limit_store: RateLimitStore,
    /// Persisted queries kept per process.
    pub apq_capacity: usize,
    /// Take the client address for rate limiting from `X-Forwarded-For`
    /// (only behind a proxy or CDN that sets it).
    pub trust_forwarded_for: bool,
    /// The token editors send as `Authorization: Bearer …`; writes are
    /// disabled when it is not set.
    pub admin_token: Option<String>,
    /// The token editors send as `Authorization: Bearer …` to preview
    /// drafts, future-dated and expired articles (the admin token does too);
    /// no preview without it but with the admin token.
    pub preview_token: Option<String>,
    /// How feeds and sitemaps are made.
    pub publish: crate::publish::Settings,
    /// The headers cacheable responses name their cache keys in.
    pub cache_keys: response::KeyHeaders,
    /// The content folder whose page bundle files are served at their
    /// Hugo URLs (see [`files`]); none are served without one.
    pub content_root: Option<std::path::PathBuf>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
            cache_max_age: DEFAULT_CACHE_MAX_AGE,
            cors_origins: Vec::new(),
            rate_limit: None,
            rate_limit_store: RateLimitStore::default(),
            apq_capacity: DEFAULT_APQ_CAPACITY,
            admin_token: None,
            preview_token: None,
            trust_forwarded_for: false,
            publish: crate::publish::Settings::default(),
            cache_keys: response::KeyHeaders::default(),
            content_root: None,
        }
    }
}

/// What every handler shares; cloning is cheap.
#[derive(Clone)]
pub struct AppData {
    /// The schema and database every request runs against.
    pub api: Api,
    /// The HTTP settings the server was started with.
    pub settings: Arc<HttpSettings>,
    /// Persisted queries, shared by every worker.
    pub apq: Arc<PersistedQueries>,
    /// The rate limiter, when a rate limit is set.
    pub limiter: Option<Arc<Limiter>>,
    /// Request metrics for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The WebSocket subscriptions, multiplexed: one group per distinct subscription.
    pub subscriptions: Arc<multiplex::Registry>,
    /// False while the start's import of the content folder runs: `/readyz`
    /// then answers 503, so a load balancer sends no traffic yet.
    pub ready: Arc<std::sync::atomic::AtomicBool>,
}

impl AppData {
    /// Builds the shared state; fails only if the metrics cannot be
    /// registered. The rate limit's buckets go in the primary database when
    /// [`HttpSettings::rate_limit_store`] says so and it is PostgreSQL
    /// (`database` elsewhere is refused by the command line before this; here
    /// it keeps them in memory).
    pub fn new(api: Api, settings: HttpSettings) -> Result<Self, prometheus::Error> {
        let metrics = Arc::new(Metrics::new()?);
        let shared = settings
            .rate_limit_store
            .shared_on(api.db.get_database_backend())
            .unwrap_or(false);
        let limiter = settings.rate_limit.map(|l| {
            Arc::new(Limiter::new(
                l,
                shared.then(|| api.db.clone()),
                metrics.rate_limit_store_errors.clone(),
            ))
        });
        Ok(AppData {
            subscriptions: Arc::new(multiplex::Registry::new(
                api.hub.buffer(),
                metrics.subscription_resolutions.clone(),
            )),
            apq: Arc::new(PersistedQueries::shared(settings.apq_capacity, api.db.clone())),
            api,
            limiter,
            metrics,
            settings: Arc::new(settings),
            ready: Arc::new(std::sync::atomic::AtomicBool::new(true)),
        })
    }
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header(("allow", "GET, POST"))
        .json(serde_json::json!({
            "errors": [{ "message": "use GET (queries) or POST", "extensions": { "code": "BAD_USER_INPUT" } }]
        }))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(data: web::Data<AppData>) -> HttpResponse {
    if !data.ready.load(std::sync::atomic::Ordering::Acquire) {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("importing the content folder");
    }
    match data.api.db.ping().await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable")
        }
    }
}

async fn metrics_text(data: web::Data<AppData>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(data.metrics.render(&data.api.db, &data.api.reads, &data.subscriptions))
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        // A browser client reads its own writes by sending back the
        // `X-Gazette-Min-Lsn` a mutation's answer carried.
        .allowed_headers([
            "content-type",
            "accept",
            "authorization",
            "x-request-id",
            graphql::MIN_LSN,
        ])
        .expose_headers(["etag", "x-request-id", "retry-after", graphql::MIN_LSN])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The whole application; `main` and the tests build their servers with it.
pub fn app(
    data: AppData,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&data.settings.cors_origins);
    App::new()
        .app_data(web::Data::new(data))
        .wrap(Compress::default())
        .wrap(cors)
        .service(
            web::resource("/graphql")
                .route(web::get().guard(websocket::Upgrade).to(websocket::handle))
                .route(web::post().to(graphql::handle))
                .route(web::get().to(graphql::handle))
                .route(web::route().to(method_not_allowed)),
        )
        .route("/", web::get().to(graphiql::index))
        .route("/graphiql/{file}", web::get().to(graphiql::file))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics_text))
        .route("/robots.txt", web::get().to(feeds::robots))
        // Bundle files, feeds and sitemaps are at paths Hugo chooses (a
        // page or a term's folder may be anywhere `[permalinks]` puts it),
        // so they are asked for last.
        .default_service(web::to(files::handle))
}
