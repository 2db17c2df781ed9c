//! The GraphQL layer's floor for shape 1: an async-graphql schema of the same
//! types (articles → edges → node with tags and categories, pageInfo) whose
//! one resolver hands out Gazette's own shape-1 answer, held in memory. A
//! request through it is parsed, validated, executed and serialised by
//! async-graphql as Gazette's is, with no database, ORM, DataLoader, limit
//! or cache-key work: what Gazette's shape 1 costs above its raw SQL can be
//! no less than this costs above `/static`.

use anyhow::{Context, Result};
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use serde::Deserialize;

use crate::baseline::Connection;

pub struct Query(Connection);

#[Object]
impl Query {
    /// Gazette's shape-1 page, whatever `first` (the bench asks for 20).
    async fn articles(&self, first: i32) -> &Connection {
        let _ = first;
        &self.0
    }
}

pub type FloorSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema answering `page`, Gazette's whole shape-1 response body.
pub fn schema(page: &[u8]) -> Result<FloorSchema> {
    #[derive(Deserialize)]
    struct Body {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        articles: Connection,
    }
    let body: Body = serde_json::from_slice(page).context("Gazette's shape-1 answer")?;
    Ok(Schema::build(Query(body.data.articles), EmptyMutation, EmptySubscription).finish())
}
