//! Gazette's integration tests: one binary, a module per feature.

mod cli;
mod engines;
mod filters;
mod fuzz;
mod generate;
mod graphql;
mod helpers;
mod http;
mod import;
mod mutations;
mod pagination;
mod relations;
mod schema;
mod search;
mod subscriptions;
mod typed_client;
mod watch;
