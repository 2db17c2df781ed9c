//! The GraphQL schema: built once, shared by the server, the CLI and tests.

pub mod article;
pub mod auth;
pub mod cache;
pub mod changes;
pub mod connection;
pub mod context;
pub mod documents;
pub mod error;
pub mod id;
pub mod language;
pub mod limits;
pub mod loaders;
pub mod lookahead;
pub mod mutation;
pub mod node;
pub mod pagination;
pub mod query;
pub mod route;
pub mod search;
pub mod section;
pub mod site;
pub mod subscription;
pub mod taxonomy;
pub mod term;
pub mod webhook;

use crate::site::Site;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Request, Response, Schema, ValidationMode};
use sea_orm::DatabaseConnection;

pub use auth::{AdminGuard, Auth};
pub use documents::ParseFailure;
pub use limits::Limits;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::{Hangup, Listening, Subscription};

use crate::live::{self, Hub};
use crate::publish::keys::Keys;
use crate::query::search::WordCounts;

/// The schema type served at `/graphql`.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with default limits. Per-request data (loaders) is
/// attached by [`Api::execute`].
pub fn build_schema() -> AppSchema {
    build_schema_with(&Limits::default(), true)
}

/// Builds the schema with `limits`, with or without introspection.
pub fn build_schema_with(limits: &Limits, introspection: bool) -> AppSchema {
    let builder = Schema::build(Query::default(), Mutation, Subscription).extension(limits::LimitsExtension {
        limits: limits.clone(),
        introspection,
    });
    if introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The schema that runs a request once [`build_schema_with`]'s has accepted
/// it: without extensions, so fields take async-graphql's direct path, and
/// with fast validation, since the strict rules have already run.
fn build_runner(introspection: bool) -> AppSchema {
    let builder = Schema::build(Query::default(), Mutation, Subscription).validation_mode(ValidationMode::Fast);
    if introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The schema's SDL: what `gazette schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// How long a DataLoader waits for more keys before it runs a batch, by
/// default, in milliseconds (the command line's unit): none beyond the
/// wait every batch has, until its request stops to wait for it
/// ([`context::Polls`]).
pub const DEFAULT_LOADER_DELAY_MS: u64 = 0;

/// How long a DataLoader waits for more keys before it runs a batch, by default.
pub const DEFAULT_LOADER_DELAY: Duration = Duration::from_millis(DEFAULT_LOADER_DELAY_MS);

/// The API: the schema (built once), the database, loader settings and
/// the hub subscriptions hear changes from.
/// Cloning is cheap: the schema, pool and hub are shared handles.
#[derive(Clone)]
pub struct Api {
    /// Checks every request against validation and the limits (and runs
    /// WebSocket subscriptions, which it checks as it goes).
    pub schema: AppSchema,
    /// Runs HTTP requests once `schema` has accepted them.
    runner: AppSchema,
    /// Requests `schema` has accepted, so a repeat is not checked again.
    accepted: Arc<limits::Accepted>,
    /// Documents parsed before, so a repeat is not parsed again.
    documents: Arc<documents::Documents>,
    pub db: DatabaseConnection,
    pub loader_delay: Duration,
    pub hub: Hub,
    /// Word counts multi-word searches weigh words by, kept a minute.
    pub word_counts: Arc<WordCounts>,
    /// The Hugo site served: its URLs and config.
    pub site: Arc<Site>,
    /// Where queries read: the primary (`db`) or its replicas.
    pub reads: Arc<crate::db::replicas::ReadPools>,
    /// `schema`'s depth limit, for refusals found before `schema` sees a request.
    max_depth: usize,
}

impl Api {
    /// The API with an in-process hub (see [`Api::with_hub`] for PostgreSQL).
    pub fn new(db: DatabaseConnection) -> Self {
        Api {
            schema: build_schema(),
            runner: build_runner(true),
            accepted: Arc::default(),
            documents: Arc::default(),
            db: db.clone(),
            loader_delay: DEFAULT_LOADER_DELAY,
            hub: Hub::local(live::DEFAULT_BUFFER),
            word_counts: Arc::default(),
            site: Arc::default(),
            reads: Arc::new(crate::db::replicas::ReadPools::primary_only(db.clone())),
            max_depth: Limits::default().max_depth,
        }
    }

    /// Serves `site`'s URLs and config (the one its content was imported with).
    pub fn with_site(mut self, site: Arc<Site>) -> Self {
        self.site = site;
        self
    }

    /// Reads queries from `reads` (its primary must be `db`'s database).
    pub fn with_reads(mut self, reads: Arc<crate::db::replicas::ReadPools>) -> Self {
        self.reads = reads;
        self
    }

    /// Uses `hub` for changes: [`Hub::connect`]'s, to hear other processes' writes.
    pub fn with_hub(mut self, hub: Hub) -> Self {
        self.hub = hub;
        self
    }

    /// The API with its own limits and introspection setting.
    pub fn with_limits(mut self, limits: &Limits, introspection: bool) -> Self {
        self.schema = build_schema_with(limits, introspection);
        self.runner = build_runner(introspection);
        self.accepted = Arc::default();
        self.max_depth = limits.max_depth;
        self
    }

    /// Sets how long loaders gather keys before running a batch: longer
    /// batches more reliably under load, at that much latency per nesting level.
    pub fn with_loader_delay(mut self, delay: Duration) -> Self {
        self.loader_delay = delay;
        self
    }

    /// Parses a document, or reuses the one parsed from the same text. A
    /// document nested too deep for the parser is refused as the depth limit
    /// refuses a deep one it parsed.
    pub fn parse(&self, query: &str) -> Result<ExecutableDocument, ParseFailure> {
        self.documents
            .parse(query)
            .map_err(|e| match limits::refused_depth(query) {
                Some(depth) => ParseFailure::TooDeep {
                    depth,
                    limit: self.max_depth,
                },
                None => ParseFailure::Syntax(e),
            })
    }

    /// Runs one request from nobody in particular (a public reader); see
    /// [`Api::execute_as`].
    pub async fn execute(&self, request: Request) -> Response {
        self.execute_as(request, Auth::Anonymous).await.0
    }

    /// Runs one request from `auth` with fresh request-scoped loaders:
    /// checked first (unless the same request was accepted before), then
    /// run. Mutations read `auth` ([`AdminGuard`]); a previewing `auth`
    /// ([`Auth::previews`]) sees unpublished articles. Also gives the
    /// cache keys of what the response shows ([`cache`]); none for a
    /// refused request.
    pub async fn execute_as(&self, request: Request, auth: Auth) -> (Response, Keys) {
        self.execute_on(request, auth, &self.db).await
    }

    /// [`Api::execute_as`], reading from `db`: the primary (`self.db`,
    /// which mutations must use) or one of its read replicas.
    pub async fn execute_on(&self, mut request: Request, auth: Auth, db: &DatabaseConnection) -> (Response, Keys) {
        let cost = match self.check(&mut request).await {
            Ok(cost) => cost,
            Err(refused) => return (refused, Keys::new()),
        };
        let polls = context::Polls::default();
        let loaders = context::for_request(db.clone(), self.site.clone(), auth.previews(), polls.clone())
            .delay(self.loader_delay);
        let keys = cache::ResponseKeys::default();
        let request = request
            .data(auth)
            .data(loaders)
            .data(keys.clone())
            .data(self.hub.clone())
            .data(self.word_counts.clone());
        let mut response = polls.count(self.runner.execute(request)).await;
        if let Some(cost) = cost {
            response.extensions.insert("cost".to_owned(), cost);
        }
        (response, keys.keys())
    }

    /// Validates `request` and checks it against the limits without running
    /// it: its cost, or the response refusing it.
    async fn check(&self, request: &mut Request) -> Result<Option<async_graphql::Value>, Response> {
        let key = limits::request_key(&request.query, request.operation_name.as_deref(), &request.variables);
        if let Some(cost) = key.as_ref().and_then(|k| self.accepted.get(k)) {
            return Ok(Some(cost));
        }
        let doc = match request.parsed_query() {
            Ok(doc) => doc.clone(),
            // Too deep for the parser: refused as the depth limit refuses.
            Err(e) => {
                let e = match limits::refused_depth(&request.query) {
                    Some(depth) => limits::too_deep(depth, self.max_depth),
                    None => e,
                };
                return Err(Response::from_errors(vec![e]));
            }
        };
        let mut check = Request::new(request.query.clone())
            .variables(request.variables.clone())
            .data(limits::CheckOnly);
        check.operation_name = request.operation_name.clone();
        check.set_parsed_query(doc);
        let checked = self.schema.execute(check).await;
        if !checked.errors.is_empty() {
            return Err(checked);
        }
        let cost = checked.extensions.get("cost").cloned();
        if let (Some(key), Some(cost)) = (key, &cost) {
            self.accepted.put(key, cost.clone());
        }
        Ok(cost)
    }

    /// What every subscription of one WebSocket connection shares.
    pub fn connection_data(&self, hangup: Hangup) -> Data {
        let mut data = Data::default();
        data.insert(context::for_subscription(self.db.clone(), self.site.clone()).delay(self.loader_delay));
        data.insert(self.hub.clone());
        data.insert(hangup);
        data
    }
}
