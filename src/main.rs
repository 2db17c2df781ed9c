//! Gazette's binary: parse the command line, set up logging, run it.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

// A GraphQL response is built from many small allocations (values, strings,
// rows); mimalloc measured faster than the system allocator on it (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = gazette::cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.global.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }
    gazette::cli::run(cli).await
}
