//! The command line: `gazette [serve]`, `import`, `migrate`, `schema`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::import::{self, Event, ReadOptions};
use crate::locale::Locale;
use crate::{db, graphql, server};

/// Gazette: a GraphQL content API over Hugo-style markdown files.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
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
    /// IANA time zone for front-matter dates written without an offset.
    #[arg(long, env = "GAZETTE_TIMEZONE", default_value = "UTC", global = true)]
    pub timezone: Tz,
    /// Locale of content files that name none (Hugo's defaultContentLanguage).
    #[arg(long, env = "GAZETTE_DEFAULT_LANG", default_value = "en", global = true, value_parser = Locale::parse)]
    pub default_lang: Locale,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API and GraphiQL (the default command).
    Serve(ServeArgs),
    /// Import Hugo content files (folders are walked recursively).
    Import {
        /// Files or folders of `.md`, `.markdown` or `.txt` content.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Run pending database migrations.
    Migrate,
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GAZETTE_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
    /// Content folder imported (idempotently) at start; skipped if missing.
    #[arg(long, env = "GAZETTE_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// Milliseconds a DataLoader gathers keys before running one batched statement.
    #[arg(long, env = "GAZETTE_LOADER_DELAY_MS", default_value_t = 1)]
    pub loader_delay_ms: u64,
}

/// Parses the command line; without a command it is `serve`, so
/// `gazette --bind 0.0.0.0:8000` works as `gazette serve --bind …` does.
pub fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let as_serve = || {
        let mut with_serve = args.clone();
        with_serve.insert(1.min(with_serve.len()), "serve".into());
        Cli::parse_from(with_serve)
    };
    match Cli::try_parse_from(&args) {
        Ok(cli) if cli.command.is_some() => cli,
        Ok(_) => as_serve(),
        Err(e) if e.kind() == clap::error::ErrorKind::UnknownArgument => as_serve(),
        Err(e) => e.exit(),
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let g = cli.global;
    let read = ReadOptions {
        timezone: g.timezone,
        default_lang: g.default_lang.clone(),
    };
    match cli.command {
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate) => {
            db::open(&g.database_url).await.context("migrating the database")?;
            println!("migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Import { paths }) => {
            let conn = db::open(&g.database_url).await.context("opening the database")?;
            let summary = import_with_progress(&conn, &paths, &read).await?;
            println!("{summary}");
            Ok(if summary.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(Command::Serve(args)) => serve(&g, &read, args).await,
        None => anyhow::bail!("no command"),
    }
}

/// Imports with a progress bar on a terminal, plain lines otherwise.
async fn import_with_progress(
    conn: &sea_orm::DatabaseConnection,
    paths: &[PathBuf],
    read: &ReadOptions,
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
        Event::Done { path, outcome } => {
            if terminal {
                bar.inc(1);
            } else {
                eprintln!("{}: {}", path.display(), format!("{outcome:?}").to_lowercase());
            }
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
    let conn = db::open(&g.database_url).await.context("opening the database")?;
    if args.content.is_dir() {
        let summary = import::run(&conn, std::slice::from_ref(&args.content), read, |event| {
            if let Event::Failed(e) = event {
                tracing::warn!("{e}");
            }
        })
        .await
        .context("importing the content folder")?;
        tracing::info!(folder = %args.content.display(), "content: {summary}");
    } else {
        tracing::warn!(folder = %args.content.display(), "content folder not found; serving what the database holds");
    }
    let api = graphql::Api::new(conn).with_loader_delay(Duration::from_millis(args.loader_delay_ms));
    let http = actix_web::HttpServer::new(move || actix_web::App::new().configure(server::routes(api.clone())))
        .bind(&args.bind)
        .with_context(|| format!("listening on {}", args.bind))?;
    for addr in http.addrs() {
        println!("Gazette is serving GraphiQL at http://{addr}/ (GraphQL at http://{addr}/graphql)");
    }
    http.run().await.context("serving")?;
    Ok(ExitCode::SUCCESS)
}
