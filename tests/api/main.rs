//! Gazette's integration tests: one binary, a module per feature.

mod cli;
mod filters;
mod graphql;
mod helpers;
mod import;
mod pagination;
mod relations;
mod schema;
mod search;
