//! The GraphQL schema: built once, shared by the server, the CLI and tests.

pub mod article;
pub mod connection;
pub mod error;
pub mod id;
pub mod language;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod query;
pub mod search;
pub mod term;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Response, Schema};
use sea_orm::DatabaseConnection;

pub use query::Query;

/// The schema type served at `/graphql`.
pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema. Per-request data (loaders) is attached by [`execute`].
pub fn build_schema() -> AppSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription).finish()
}

/// The schema's SDL: what `gazette schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// Runs one request against `db` with fresh request-scoped loaders.
pub async fn execute(schema: &AppSchema, db: &DatabaseConnection, request: Request) -> Response {
    schema.execute(request.data(loaders::for_request(db.clone()))).await
}
