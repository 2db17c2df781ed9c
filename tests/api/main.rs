//! Gazette's integration tests: one binary, a module per feature.
// Tests unwrap freely: a panic is a failed assertion with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ast;
mod bundles;
mod cache_keys;
mod changes;
mod cli;
mod counts;
mod engines;
mod feeds;
mod filters;
mod fuzz;
mod generate;
mod graphql;
mod helpers;
mod http;
mod hugo_docs;
mod import;
mod mutations;
mod pagination;
mod pools;
mod preview;
mod rate_limit;
mod relations;
mod replicas;
mod restart;
mod schema;
mod search;
mod shortcodes;
mod site;
mod subscriptions;
mod typed_client;
mod watch;
mod webhooks;
