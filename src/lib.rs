//! Gazette: a GraphQL content API over Hugo-style markdown files.

/// A bounded, shared LRU map for what the server remembers between requests.
pub mod cache;
/// Command-line interface: `serve`, `import`, `migrate`, `schema`.
pub mod cli;
/// Connecting to SQLite or PostgreSQL and running migrations.
pub mod db;
/// Editing through the API: articles, tags and categories, one transaction each.
pub mod edit;
/// A deterministic synthetic corpus for benchmarks (`gazette generate`).
pub mod generate;
/// The GraphQL schema: types, resolvers, loaders, errors.
pub mod graphql;
/// Reading Hugo content files into the database.
pub mod import;
/// Live changes (published and updated articles) for subscriptions.
pub mod live;
/// Locale codes and the fallback chain between them.
pub mod locale;
/// Feeds (RSS, Atom, JSON Feed), sitemaps and robots.txt, at Hugo's paths.
pub mod publish;
/// Read-side queries shared by the API: visibility, keyset pages, batches.
pub mod query;
/// Full-text search: segmentation, match expressions, index rows, snippets.
pub mod search;
/// The actix-web application: routes and handlers.
pub mod server;
/// A whole Hugo site: its configuration and the URLs Hugo gives its pages.
pub mod site;
/// The one write path: articles, their derived data, and taxonomy terms.
pub mod store;
/// Text helpers: slugs, CJK-aware word counts, markdown rendering.
pub mod text;
/// Webhooks: every change POSTed, signed, to each configured hook, at least once and in order.
pub mod webhook;
