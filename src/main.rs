//! Gazette's binary: parse the command line and run it.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> anyhow::Result<ExitCode> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    gazette::cli::run(gazette::cli::parse()).await
}
