//! The command line: `gazette [serve]`, `import`, `migrate`, `schema`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::graphql::{limits, Limits};
use crate::import::{self, Event, ReadOptions};
use crate::live::Hub;
use crate::locale::Locale;
use crate::publish::{self, FeedContent};
use crate::server::rate_limit::{self, RateLimit, RateLimitStore};
use crate::server::HttpSettings;
use crate::site::Site;
use crate::{db, graphql, server, webhook};

/// Gazette: a GraphQL content API over Hugo-style markdown files.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// What to do; `serve` when not given.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every command shares.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Database URL: `sqlite://FILE?mode=rwc`, `sqlite::memory:` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = db::DEFAULT_URL, global = true)]
    pub database_url: String,
    /// IANA time zone for front-matter dates written without an offset [default: the site's timeZone, else UTC].
    #[arg(long, env = "GAZETTE_TIMEZONE", global = true)]
    pub timezone: Option<Tz>,
    /// Locale of content files that name none [default: the site's defaultContentLanguage, else en].
    #[arg(long, env = "GAZETTE_DEFAULT_LANG", global = true, value_parser = Locale::parse)]
    pub default_lang: Option<Locale>,
    /// The Hugo site folder whose config (hugo.toml, config.toml, config/_default/, …) is read
    /// [default: the content folder's parent, when it holds a Hugo config].
    #[arg(long, env = "GAZETTE_SITE", global = true)]
    pub site: Option<PathBuf>,
    /// The Hugo environment whose `config/<environment>/` overrides `config/_default/`.
    #[arg(long, env = "HUGO_ENVIRONMENT", default_value = "production", global = true)]
    pub environment: String,
    /// Most database connections this process opens (`import` opens at most 2).
    #[arg(long, env = "GAZETTE_MAX_CONNECTIONS", default_value_t = db::DEFAULT_MAX_CONNECTIONS, global = true)]
    pub max_connections: u32,
    /// Milliseconds a query waits for a free database connection.
    #[arg(long, env = "GAZETTE_ACQUIRE_TIMEOUT_MS", default_value_t = db::DEFAULT_ACQUIRE_TIMEOUT_MS, global = true)]
    pub acquire_timeout_ms: u64,
    /// Log format: `text` or `json` (one JSON object per line).
    #[arg(long, env = "GAZETTE_LOG_FORMAT", default_value = "text", global = true, value_parser = ["text", "json"])]
    pub log_format: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API and GraphiQL (the default command).
    Serve,
    /// Import Hugo content files (folders are walked recursively).
    Import {
        /// Files or folders of `.md`, `.markdown` or `.txt` content.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print each file's outcome (imported, updated, unchanged). Without
        /// it, only failures and the summary: a corpus of 100,000 files
        /// would otherwise print 100,000 lines to a log.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Write a deterministic synthetic corpus in the seed's format (for benchmarks).
    Generate {
        /// How many articles (about 20% also get a translation file).
        #[arg(long)]
        articles: usize,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Seed: the same seed writes the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run pending database migrations.
    Migrate,
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
}

/// Settings of `serve` (the default command).
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Server (serve)")]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, global = true, env = "GAZETTE_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
    /// Content folder imported (idempotently) at start; skipped if missing.
    /// Default: the `--site`'s contentDir (with its languages' own
    /// folders), else `content`.
    #[arg(long, global = true, env = "GAZETTE_CONTENT")]
    pub content: Option<PathBuf>,
    /// Re-import the content folder when its files change (debounced); a removed file unpublishes its article.
    #[arg(long, global = true, env = "GAZETTE_WATCH")]
    pub watch: bool,
    /// Milliseconds a DataLoader gathers keys before running one batched statement.
    #[arg(long, global = true, env = "GAZETTE_LOADER_DELAY_MS", default_value_t = graphql::DEFAULT_LOADER_DELAY_MS)]
    pub loader_delay_ms: u64,
    /// PostgreSQL URL the change listener's `LISTEN` session connects to
    /// (default: the database URL); point it past a transaction-pooling
    /// PgBouncer, which cannot keep a session's `LISTEN`.
    #[arg(long, global = true, env = "GAZETTE_LISTEN_URL", hide_env_values = true)]
    pub listen_url: Option<String>,
    /// A PostgreSQL read replica (a streaming standby of the database);
    /// repeat for several, or list them comma-separated in the variable.
    /// Queries read from one in rotation; writes, the change log and LISTEN
    /// use the database URL.
    #[arg(
        long = "replica-url",
        global = true,
        env = "GAZETTE_REPLICA_URLS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub replica_urls: Vec<String>,
    /// A replica further behind the primary than this (by WAL position) is
    /// out of rotation until it catches up.
    #[arg(long, global = true, env = "GAZETTE_MAX_REPLICA_LAG_MS", default_value_t = db::replicas::DEFAULT_MAX_LAG.as_millis() as u64)]
    pub max_replica_lag_ms: u64,
    /// Changes a subscriber may fall behind before its WebSocket is closed (code 1008).
    #[arg(long, global = true, env = "GAZETTE_SUBSCRIPTION_BUFFER", default_value_t = crate::live::DEFAULT_BUFFER)]
    pub subscription_buffer: usize,
    /// Deepest selection nesting a query may have.
    #[arg(long, global = true, env = "GAZETTE_MAX_DEPTH", default_value_t = limits::DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,
    /// Largest query cost: each field costs 1, each connection multiplies by its first/last.
    #[arg(long, global = true, env = "GAZETTE_MAX_COST", default_value_t = limits::DEFAULT_MAX_COST)]
    pub max_cost: usize,
    /// Most aliased fields in one document.
    #[arg(long, global = true, env = "GAZETTE_MAX_ALIASES", default_value_t = limits::DEFAULT_MAX_ALIASES)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, global = true, env = "GAZETTE_MAX_ROOT_FIELDS", default_value_t = limits::DEFAULT_MAX_ROOT_FIELDS)]
    pub max_root_fields: usize,
    /// Largest GraphQL document, in bytes.
    #[arg(long, global = true, env = "GAZETTE_MAX_DOCUMENT_BYTES", default_value_t = server::DEFAULT_MAX_DOCUMENT_BYTES)]
    pub max_document_bytes: usize,
    /// Largest request body, in bytes (413 above it).
    #[arg(long, global = true, env = "GAZETTE_MAX_BODY_BYTES", default_value_t = server::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Turn introspection (and so GraphiQL's docs) off.
    #[arg(long, global = true, env = "GAZETTE_NO_INTROSPECTION")]
    pub no_introspection: bool,
    /// Milliseconds a request may run before it is answered with TIMEOUT.
    #[arg(long, global = true, env = "GAZETTE_TIMEOUT_MS", default_value_t = server::DEFAULT_TIMEOUT_MS)]
    pub timeout_ms: u64,
    /// Cache-Control max-age of cacheable GET responses, in seconds.
    #[arg(long, global = true, env = "GAZETTE_CACHE_MAX_AGE", default_value_t = server::DEFAULT_CACHE_MAX_AGE)]
    pub cache_max_age: u32,
    /// Origins allowed by CORS, comma-separated (`*` for any); none by default.
    #[arg(long, global = true, env = "GAZETTE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Rate limit per client address, in cost units per second (off when not given).
    #[arg(long, global = true, env = "GAZETTE_RATE_LIMIT")]
    pub rate_limit: Option<f64>,
    /// Rate-limit by the first `X-Forwarded-For` address (only behind a proxy or CDN that sets it).
    #[arg(long, global = true, env = "GAZETTE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Token editors send as `Authorization: Bearer …` for mutations; writes are disabled without one.
    #[arg(long, global = true, env = "GAZETTE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Token editors send as `Authorization: Bearer …` to preview drafts, future-dated and expired
    /// articles (never cached); the admin token previews too. Feeds, sitemaps and subscriptions stay public.
    #[arg(long, global = true, env = "GAZETTE_PREVIEW_TOKEN", hide_env_values = true)]
    pub preview_token: Option<String>,
    /// What feed items carry: the summary, or the whole body as HTML too.
    #[arg(long, global = true, env = "GAZETTE_FEED_CONTENT", value_enum, default_value_t = FeedContent::Summary)]
    pub feed_content: FeedContent,
    /// Items in a feed when the site's `services.rss.limit` is unlimited (Hugo's -1).
    #[arg(long, global = true, env = "GAZETTE_FEED_UNLIMITED_CAP", default_value_t = publish::UNLIMITED_FEED_CAP)]
    pub feed_unlimited_cap: u64,
    /// Bucket size of the rate limit, in cost units.
    #[arg(long, global = true, env = "GAZETTE_RATE_BURST", default_value_t = rate_limit::DEFAULT_BURST)]
    pub rate_burst: f64,
    /// Where the rate limit's buckets live: `database` (PostgreSQL: shared by every process on it),
    /// `memory` (each process its own: N processes admit N times the rate), or `auto`
    /// (the database on PostgreSQL, memory on SQLite).
    #[arg(long, global = true, env = "GAZETTE_RATE_LIMIT_STORE", value_enum, default_value_t = RateLimitStore::Auto)]
    pub rate_limit_store: RateLimitStore,
    /// A URL every change is POSTed to, signed (Standard Webhooks); repeatable, or comma-separated
    /// in the variable. For event filters, use --webhooks.
    #[arg(long = "webhook", global = true, env = "GAZETTE_WEBHOOK", value_delimiter = ',')]
    pub webhook_urls: Vec<String>,
    /// A TOML file of webhooks: `[[hook]]` tables with `url` and, optionally, `events`
    /// (`article.published`, `article.updated`, `article.unpublished`, `article.deleted`, `term.updated`).
    #[arg(long = "webhooks", global = true, env = "GAZETTE_WEBHOOKS_FILE")]
    pub webhooks_file: Option<PathBuf>,
    /// The secret webhooks are signed with, `whsec_` followed by base64 (24 to 64 bytes);
    /// required when any webhook is configured.
    #[arg(long, global = true, env = "GAZETTE_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Seconds after its change a webhook delivery is retried before it is marked dead.
    #[arg(long, global = true, env = "GAZETTE_WEBHOOK_MAX_AGE_SECS", default_value_t = webhook::config::DEFAULT_MAX_AGE_SECS)]
    pub webhook_max_age_secs: u64,
    /// Milliseconds the first webhook retry waits at most; the bound doubles after each failure
    /// (each wait is random below it: full jitter).
    #[arg(long, global = true, env = "GAZETTE_WEBHOOK_RETRY_BASE_MS", default_value_t = webhook::config::DEFAULT_RETRY_BASE_MS)]
    pub webhook_retry_base_ms: u64,
    /// Longest wait between two attempts of a webhook delivery, in milliseconds.
    #[arg(long, global = true, env = "GAZETTE_WEBHOOK_RETRY_MAX_MS", default_value_t = webhook::config::DEFAULT_RETRY_MAX_MS)]
    pub webhook_retry_max_ms: u64,
    /// Milliseconds one webhook attempt may take before it counts as failed.
    #[arg(long, global = true, env = "GAZETTE_WEBHOOK_TIMEOUT_MS", default_value_t = webhook::config::DEFAULT_TIMEOUT_MS)]
    pub webhook_timeout_ms: u64,
    /// Milliseconds a process's claim on a webhook lasts unless renewed (tests shorten it).
    #[arg(long, global = true, hide = true, default_value_t = webhook::config::DEFAULT_LEASE_MS)]
    pub webhook_lease_ms: u64,
    /// Milliseconds between looks at the change log when no change woke a deliverer (tests shorten it).
    #[arg(long, global = true, hide = true, default_value_t = webhook::config::DEFAULT_POLL_MS)]
    pub webhook_poll_ms: u64,
    /// Header naming cacheable responses' cache keys, space-separated (Fastly, Varnish xkey); empty: none.
    #[arg(long, global = true, env = "GAZETTE_SURROGATE_KEY_HEADER", default_value = "Surrogate-Key", value_parser = key_header)]
    pub surrogate_key_header: String,
    /// Header naming cacheable responses' cache keys, comma-separated (Cloudflare); empty: none.
    #[arg(long, global = true, env = "GAZETTE_CACHE_TAG_HEADER", default_value = "Cache-Tag", value_parser = key_header)]
    pub cache_tag_header: String,
    /// Longest cache-key header, in bytes; longer key lists fall back to coarser keys (`overflow`).
    #[arg(long, global = true, env = "GAZETTE_CACHE_KEY_MAX_BYTES", default_value_t = publish::keys::DEFAULT_MAX_HEADER_BYTES)]
    pub cache_key_max_bytes: usize,
}

/// A cache-key header flag: a header name, or empty for none.
fn key_header(value: &str) -> Result<String, String> {
    let value = value.trim();
    if !value.is_empty() {
        actix_web::http::header::HeaderName::from_bytes(value.as_bytes())
            .map_err(|_| format!("`{value}` is not a header name"))?;
    }
    Ok(value.to_owned())
}

/// The header a validated [`key_header`] value names, if any.
fn header_name(value: &str) -> Option<actix_web::http::header::HeaderName> {
    actix_web::http::header::HeaderName::from_bytes(value.as_bytes()).ok()
}

impl ServeArgs {
    /// The GraphQL limits these flags set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_depth: self.max_depth,
            max_cost: self.max_cost,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
        }
    }

    /// The webhook delivery settings these flags set.
    pub fn webhook_settings(&self) -> webhook::Settings {
        webhook::Settings {
            max_age: Duration::from_secs(self.webhook_max_age_secs),
            retry_base: Duration::from_millis(self.webhook_retry_base_ms),
            retry_max: Duration::from_millis(self.webhook_retry_max_ms),
            timeout: Duration::from_millis(self.webhook_timeout_ms),
            lease: Duration::from_millis(self.webhook_lease_ms),
            poll: Duration::from_millis(self.webhook_poll_ms),
        }
    }

    /// The webhooks these flags configure; `None` when there are none.
    pub fn webhooks(&self) -> Result<Option<webhook::WebhookConfig>, webhook::ConfigError> {
        let urls: Vec<String> = self
            .webhook_urls
            .iter()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .collect();
        webhook::config::build(
            &urls,
            self.webhooks_file.as_deref(),
            self.webhook_secret.as_deref(),
            self.webhook_settings(),
        )
    }

    /// The HTTP settings these flags set.
    pub fn http(&self) -> HttpSettings {
        HttpSettings {
            max_body_bytes: self.max_body_bytes,
            max_document_bytes: self.max_document_bytes,
            timeout: Duration::from_millis(self.timeout_ms),
            cache_max_age: self.cache_max_age,
            cors_origins: self
                .cors_origins
                .iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            rate_limit: self.rate_limit.map(|per_second| RateLimit {
                per_second,
                burst: self.rate_burst,
            }),
            rate_limit_store: self.rate_limit_store,
            admin_token: self.admin_token.clone().filter(|t| !t.is_empty()),
            preview_token: self.preview_token.clone().filter(|t| !t.is_empty()),
            trust_forwarded_for: self.trust_forwarded_for,
            // Every field is listed, so a new setting cannot be left unwired.
            apq_capacity: server::DEFAULT_APQ_CAPACITY,
            publish: publish::Settings {
                content: self.feed_content,
                unlimited_cap: self.feed_unlimited_cap,
                sitemap_max_urls: publish::SITEMAP_MAX_URLS,
                sitemap_max_bytes: publish::SITEMAP_MAX_BYTES,
            },
            cache_keys: server::response::KeyHeaders {
                surrogate_key: header_name(&self.surrogate_key_header),
                cache_tag: header_name(&self.cache_tag_header),
                max_bytes: self.cache_key_max_bytes,
            },
            // Bundle files are served from the folder the content is imported from.
            content_root: self.content.clone().filter(|c| c.is_dir()),
        }
    }
}

/// Parses the command line; without a command it is `serve`.
pub fn parse() -> Cli {
    Cli::parse()
}

impl GlobalArgs {
    /// The pool settings these flags set, for the read side's queries.
    pub fn pool(&self) -> db::PoolSettings {
        crate::query::pool_settings(db::PoolSettings {
            max_connections: self.max_connections.max(1),
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
            ..db::PoolSettings::default()
        })
    }
}

/// The folder `serve` imports without `--content`.
const DEFAULT_CONTENT: &str = "content";

/// Whether `a` and `b` name the same folder.
fn same_folder(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The folder of the site the content belongs to: `--site`, else the
/// content folder's parent.
fn site_dir(g: &GlobalArgs, content: Option<&std::path::Path>) -> Option<PathBuf> {
    match &g.site {
        Some(dir) => Some(dir.clone()),
        None => content
            .and_then(|c| std::fs::canonicalize(c).ok())
            .and_then(|c| c.parent().map(std::path::Path::to_path_buf)),
    }
}

/// The site the content belongs to: `--site`, else the content folder's
/// parent when it holds a Hugo config, else Hugo's defaults.
fn site(g: &GlobalArgs, content: Option<&std::path::Path>) -> anyhow::Result<Site> {
    let Some(dir) = site_dir(g, content) else {
        return Ok(Site::default());
    };
    if g.site.is_some() && !dir.is_dir() {
        anyhow::bail!("--site {}: not a folder", dir.display());
    }
    // A bad config file stops everything: nothing is imported with half a site.
    Site::load(&dir, &g.environment).map_err(|e| anyhow::anyhow!("{e}"))
}

/// How files are read: the flags, else the site's config, else Hugo's defaults.
fn read_options(g: &GlobalArgs, site: Site) -> anyhow::Result<ReadOptions> {
    let config = site.config();
    let timezone = match (g.timezone, config.and_then(|c| c.time_zone())) {
        (Some(tz), _) => tz,
        (None, Some(name)) => name
            .parse()
            .map_err(|e| anyhow::anyhow!("the site's timeZone `{name}`: {e}"))?,
        (None, None) => chrono_tz::UTC,
    };
    let default_lang = match &g.default_lang {
        Some(l) => l.clone(),
        None => Locale::parse(site.default_language())
            .map_err(|e| anyhow::anyhow!("the site's defaultContentLanguage: {e}"))?,
    };
    Ok(ReadOptions {
        timezone,
        default_lang,
        site: std::sync::Arc::new(site),
        language_dirs: Vec::new(),
        git: None,
    })
}

/// Runs the parsed command.
pub async fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    let g = cli.global;
    let serving = matches!(cli.command, Some(Command::Serve) | None);
    let content: Option<PathBuf> = match &cli.command {
        Some(Command::Import { paths, .. }) => paths.first().filter(|p| p.is_dir()).cloned(),
        Some(Command::Serve) | None => Some(cli.serve.content.clone().unwrap_or_else(|| DEFAULT_CONTENT.into())),
        _ => None,
    };
    let mut read = match &cli.command {
        Some(Command::Import { .. } | Command::Serve) | None => read_options(&g, site(&g, content.as_deref())?)?,
        _ => read_options(&g, Site::default())?,
    };
    if let (Some(content), Some(dir)) = (&content, site_dir(&g, content.as_deref())) {
        // An explicit `--content` wins over the site's contentDir; without
        // one, `serve --site` imports the site's.
        let plan = import::content_plan(&dir, &read.site);
        let folder = match cli.serve.content.is_none() && g.site.is_some() && serving {
            true => plan.folder.clone(),
            false => content.clone(),
        };
        if same_folder(&folder, &plan.folder) {
            read.language_dirs = plan.language_dirs;
        }
        if serving {
            cli.serve.content = Some(folder);
        }
    }
    match cli.command {
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Generate { articles, out, seed }) => {
            let files = crate::generate::write(crate::generate::Plan { articles, seed }, &out)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {files} files ({articles} articles) to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate) => {
            db::open_with(&g.database_url, g.pool())
                .await
                .context("migrating the database")?;
            println!("migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Import { paths, verbose }) => {
            let mut conn = db::open_with(&g.database_url, g.pool().for_import())
                .await
                .context("opening the database")?;
            // Traces each statement (`RUST_LOG=gazette::sql=trace`), as `serve` does.
            db::count_statements(&mut conn);
            let summary = import_with_progress(&conn, &paths, &read, verbose).await?;
            // Closing checkpoints the WAL into the database file, so the
            // file alone holds the import (and is fsynced): otherwise up to
            // 64 MiB of it would stay in `-wal` until the next writer.
            conn.close().await.context("closing the database")?;
            println!("{summary}");
            Ok(if summary.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(Command::Serve) | None => serve(&g, &read, cli.serve).await,
    }
}

/// Imports with a progress bar on a terminal; failures always, and each
/// file's outcome when `verbose`, on stderr.
async fn import_with_progress(
    conn: &sea_orm::DatabaseConnection,
    paths: &[PathBuf],
    read: &ReadOptions,
    verbose: bool,
) -> anyhow::Result<import::Summary> {
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::hidden();
    let summary = import::run(conn, paths, read, |event| match event {
        Event::Found(n) if terminal => {
            bar.set_length(n as u64);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
                bar.set_style(style);
            }
        }
        Event::Found(_) => {}
        Event::Done { path, outcome, .. } => {
            if verbose {
                bar.suspend(|| eprintln!("{}: {}", path.display(), format!("{outcome:?}").to_lowercase()));
            }
            bar.inc(1);
        }
        Event::Failed(e) => {
            bar.suspend(|| eprintln!("{e}"));
            bar.inc(1);
        }
    })
    .await
    .context("importing")?;
    bar.finish_and_clear();
    Ok(summary)
}

async fn serve(g: &GlobalArgs, read: &ReadOptions, args: ServeArgs) -> anyhow::Result<ExitCode> {
    // A bad webhook setting stops the start before anything is imported or served.
    let webhooks = args.webhooks()?;
    let mut conn = db::open_with(&g.database_url, g.pool())
        .await
        .context("opening the database")?;
    db::count_statements(&mut conn);
    let hub = Hub::connect_with(&conn, args.listen_url.as_deref(), args.subscription_buffer)
        .await
        .context("listening for changes")?;
    if let Some(config) = &webhooks {
        // Before the start's import: its changes reach the hooks too.
        webhook::register(&conn, config)
            .await
            .context("registering the webhooks")?;
    }
    // Watch before the first import, so a file changed meanwhile is seen.
    let folder = args.content.clone().unwrap_or_else(|| DEFAULT_CONTENT.into());
    let content = folder.is_dir();
    let watcher = if content && args.watch {
        Some(
            import::watch::Watcher::start(folder.clone(), Duration::from_millis(300))
                .context("watching the content folder")?,
        )
    } else {
        None
    };
    if !content {
        tracing::warn!(folder = %folder.display(), "content folder not found; serving what the database holds");
    }
    let reads = Arc::new(
        db::replicas::ReadPools::connect(
            conn.clone(),
            &args.replica_urls,
            g.pool().max_connections,
            Duration::from_millis(args.max_replica_lag_ms),
        )
        .await
        .context("setting up the read replicas")?,
    );
    if !reads.replicas.is_empty() {
        // Know the replicas' state before the first request.
        reads.check().await;
        actix_web::rt::spawn(reads.clone().monitor());
    }
    // Every replica runs a timer; the schedule clock makes one of them log each instant.
    actix_web::rt::spawn(crate::publish::schedule::run(conn.clone(), hub.clone()));
    let api = graphql::Api::new(conn)
        .with_reads(reads)
        .with_site(read.site.clone())
        .with_hub(hub)
        .with_loader_delay(Duration::from_millis(args.loader_delay_ms))
        .with_limits(&args.limits(), !args.no_introspection);
    args.rate_limit_store
        .shared_on(api.db.get_database_backend())
        .context("the rate limit")?;
    let data = server::AppData::new(api, args.http()).context("setting up metrics")?;
    // Not ready until the content folder is imported; `/healthz` answers meanwhile.
    data.ready.store(!content, std::sync::atomic::Ordering::Release);
    if let Some(limiter) = &data.limiter {
        if limiter.is_shared() {
            tracing::info!("rate limit: buckets shared in the database (rate_limit_bucket)");
            actix_web::rt::spawn(limiter.clone().sweep_forever());
        }
    }
    let deliverers = match &webhooks {
        Some(config) => {
            let deliverers = webhook::spawn(
                data.api.db.clone(),
                Some(data.api.hub.clone()),
                read.site.clone(),
                config,
                Some(data.metrics.webhook_deliveries.clone()),
            )
            .context("starting the webhook deliverers")?;
            for hook in &config.hooks {
                tracing::info!(hook = %hook.label(), "webhooks: delivering");
            }
            Some(deliverers)
        }
        None => None,
    };
    // SIGTERM and Ctrl-C stop accepting, let in-flight requests finish, then exit 0.
    let (data_db, data_hub, ready) = (data.api.db.clone(), data.api.hub.clone(), data.ready.clone());
    let http = actix_web::HttpServer::new(move || server::app(data.clone()))
        .shutdown_timeout(30)
        .bind(&args.bind)
        .with_context(|| format!("listening on {}", args.bind))?;
    for addr in http.addrs() {
        println!("Gazette is serving GraphiQL at http://{addr}/ (GraphQL at http://{addr}/graphql)");
    }
    let running = http.run();
    // The start's import runs while the server answers `/healthz` (and
    // `/readyz` with 503); a fatal import error stops the server.
    let import_failed = Arc::new(std::sync::Mutex::new(None));
    if content {
        let (db, read, hub, ready) = (data_db.clone(), read.clone(), data_hub.clone(), ready.clone());
        let (folder, handle, failed) = (folder.clone(), running.handle(), import_failed.clone());
        actix_web::rt::spawn(async move {
            match import::watch::import_logged(&db, &folder, &read, &hub).await {
                Ok((summary, seen)) => {
                    tracing::info!(folder = %folder.display(), "content: {summary}");
                    ready.store(true, std::sync::atomic::Ordering::Release);
                    if let Some(watcher) = watcher {
                        watcher.follow(db, read, seen, hub).await;
                    }
                }
                Err(e) => {
                    if let Ok(mut failed) = failed.lock() {
                        *failed = Some(e);
                    }
                    handle.stop(true).await;
                }
            }
        });
    }
    let served = running.await.context("serving");
    if let Some(e) = import_failed.lock().ok().and_then(|mut f| f.take()) {
        return Err(anyhow::Error::new(e).context("importing the content folder"));
    }
    // After a clean stop another replica takes the hooks over at once.
    if let Some(deliverers) = deliverers {
        deliverers.stop().await;
    }
    served?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags' defaults are the settings' defaults (both name one constant).
    #[test]
    fn the_flags_default_to_the_settings_defaults() {
        let cli = Cli::try_parse_from(["gazette"]).expect("no flags parse");
        assert_eq!(cli.serve.limits(), Limits::default());
        let (pool, default) = (cli.global.pool(), db::PoolSettings::default());
        assert_eq!(pool.max_connections, default.max_connections);
        assert_eq!(pool.acquire_timeout, default.acquire_timeout);
        assert_eq!(pool.statement_cache, default.statement_cache);
        let (http, default) = (cli.serve.http(), HttpSettings::default());
        assert_eq!(http.max_body_bytes, default.max_body_bytes);
        assert_eq!(http.max_document_bytes, default.max_document_bytes);
        assert_eq!(http.timeout, default.timeout);
        assert_eq!(http.cache_max_age, default.cache_max_age);
        assert_eq!(http.apq_capacity, default.apq_capacity);
        assert_eq!(http.rate_limit_store, default.rate_limit_store);
        assert_eq!(http.publish, default.publish);
        assert_eq!(cli.serve.webhook_settings(), webhook::Settings::default());
        assert!(cli.serve.webhooks().expect("no webhooks is valid").is_none());
        assert_eq!(http.cache_keys, default.cache_keys);
        assert_eq!(
            cli.serve.loader_delay_ms,
            graphql::DEFAULT_LOADER_DELAY.as_millis() as u64
        );
    }
}
