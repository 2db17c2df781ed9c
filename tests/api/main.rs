//! Gazette's integration tests: one binary, a module per feature.

mod cli;
mod graphql;
mod helpers;
mod import;
mod schema;
