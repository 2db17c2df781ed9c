//! The GraphQL schema: built once, shared by the server, the CLI and tests.

pub mod article;
pub mod connection;
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
pub mod search;
pub mod subscription;
pub mod term;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Data, Request, Response, Schema};
use sea_orm::DatabaseConnection;

pub use limits::Limits;
pub use mutation::{Auth, Mutation};
pub use query::Query;
pub use subscription::{Hangup, Subscription};

use crate::live::{self, Hub};
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

/// The schema's SDL: what `gazette schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// How long a DataLoader waits for more keys before it runs a batch, by default.
pub const DEFAULT_LOADER_DELAY: Duration = Duration::from_millis(1);

/// The API: the schema (built once), the database, loader settings and
/// the hub subscriptions hear changes from.
/// Cloning is cheap: the schema, pool and hub are shared handles.
#[derive(Clone)]
pub struct Api {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub loader_delay: Duration,
    pub hub: Hub,
    /// Word counts multi-word searches weigh words by, kept a minute.
    pub word_counts: Arc<WordCounts>,
}

impl Api {
    /// The API with an in-process hub (see [`Api::with_hub`] for PostgreSQL).
    pub fn new(db: DatabaseConnection) -> Self {
        Api {
            schema: build_schema(),
            db,
            loader_delay: DEFAULT_LOADER_DELAY,
            hub: Hub::local(live::DEFAULT_BUFFER),
            word_counts: Arc::default(),
        }
    }

    /// Uses `hub` for changes: [`Hub::connect`]'s, to hear other processes' writes.
    pub fn with_hub(mut self, hub: Hub) -> Self {
        self.hub = hub;
        self
    }

    /// The API with its own limits and introspection setting.
    pub fn with_limits(mut self, limits: &Limits, introspection: bool) -> Self {
        self.schema = build_schema_with(limits, introspection);
        self
    }

    /// Sets how long loaders gather keys before running a batch: longer
    /// batches more reliably under load, at that much latency per nesting level.
    pub fn with_loader_delay(mut self, delay: Duration) -> Self {
        self.loader_delay = delay;
        self
    }

    /// Runs one request with fresh request-scoped loaders.
    pub async fn execute(&self, request: Request) -> Response {
        let loaders = loaders::for_request(self.db.clone()).delay(self.loader_delay);
        let request = request
            .data(loaders)
            .data(self.hub.clone())
            .data(self.word_counts.clone());
        self.schema.execute(request).await
    }

    /// What every subscription of one WebSocket connection shares.
    pub fn connection_data(&self, hangup: Hangup) -> Data {
        let mut data = Data::default();
        data.insert(loaders::for_subscription(self.db.clone()).delay(self.loader_delay));
        data.insert(self.hub.clone());
        data.insert(hangup);
        data
    }
}
