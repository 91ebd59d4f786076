//! `twinlake`: every command a user runs.
//!
//! Global flags pick the data directory and configuration; each subcommand
//! lives in its own module under `commands/`. Errors end here, as `anyhow`
//! chains printed once, with a non-zero exit.

mod commands;
mod eval;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// twinlake: digital twins from people's footprints.
#[derive(Parser)]
#[command(name = "twinlake", version, about)]
struct Cli {
    /// Data directory of the embedded backends [env: TWINLAKE_DATA_DIR] [default: ./.twinlake]
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Configuration file [env: TWINLAKE_CONFIG] [default: <data dir>/twinlake.toml if present]
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Tenant to act in [default: the configured tenant]
    #[arg(long, global = true)]
    tenant: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest files, folders and website URLs into a user's footprint.
    Ingest(commands::ingest::Args),
    /// Run the ingest pipeline over what waits on the bus.
    #[command(subcommand)]
    Pipeline(commands::pipeline::Pipeline),
    /// Hybrid search of a user's footprint.
    Search(commands::query::SearchArgs),
    /// Ask a user's twin a question; the answer cites its sources.
    Ask(commands::query::AskArgs),
    /// What a user's twin knows about them now, with citations.
    Profile(commands::memory::ProfileArgs),
    /// A user's memories as of a time, or one memory's history.
    Memories(commands::memory::MemoriesArgs),
    /// An entity's neighbours in a user's knowledge graph.
    Graph(commands::memory::GraphArgs),
    /// What each store holds for a user.
    Stats(commands::stats::Args),
    /// List a user's episodes (messages, events, documents) in time order.
    Episodes(commands::episodes::Args),
    /// Serve the HTTP API.
    Serve(commands::serve::Args),
    /// Serve the twins as MCP tools on stdin and stdout, for a local agent
    /// (the HTTP API serves the same at /mcp).
    Mcp(commands::mcp::Args),
    /// Make, revoke and list API keys of the HTTP API.
    #[command(subcommand)]
    Keys(commands::keys::Keys),
    /// Serve the embedding model (OpenAI-compatible /v1/embeddings) for
    /// workers and API servers whose model.url points here.
    Sidecar(commands::sidecar::Args),
    /// Run a batch job.
    #[command(subcommand)]
    Job(commands::job::Job),
    /// Projects and their proposals: recommend, choose, coordinate.
    #[command(subcommand)]
    Project(commands::project::Project),
    /// Measure speed and memory.
    #[command(subcommand)]
    Bench(commands::bench::Bench),
    /// Measure quality on labelled data.
    #[command(subcommand)]
    Eval(commands::eval::Eval),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TWINLAKE_LOG")
                .unwrap_or_else(|_| "warn,twinlake::access=info,rmcp=error".into()),
        )
        .with_writer(std::io::stderr)
        // Colours for a terminal only: a log file or collector gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    };
    // Work left on the blocking pool (a Kafka consumer leaving its group
    // on a broker that has gone) must not keep a finished command alive.
    runtime.shutdown_timeout(EXIT_GRACE);
    code
}

/// How long a finished command waits for its leftover background work.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config =
        twinlake_core::config::Config::load(cli.data_dir.as_deref(), cli.config.as_deref())?;
    if let Some(tenant) = cli.tenant {
        twinlake_core::TenantId::new(tenant.clone())?;
        config.tenant = tenant;
    }
    for name in &config.unknown_env {
        tracing::warn!("{name} names no configuration key (see twinlake.example.toml); ignored");
    }
    match cli.command {
        Command::Ingest(args) => commands::ingest::run(&config, args).await,
        Command::Pipeline(command) => commands::pipeline::run(&config, command).await,
        Command::Search(args) => commands::query::search(&config, args).await,
        Command::Ask(args) => commands::query::ask(&config, args).await,
        Command::Profile(args) => commands::memory::profile(&config, args).await,
        Command::Memories(args) => commands::memory::memories(&config, args).await,
        Command::Graph(args) => commands::memory::graph(&config, args).await,
        Command::Stats(args) => commands::stats::run(&config, args).await,
        Command::Episodes(args) => commands::episodes::run(&config, args).await,
        Command::Serve(args) => commands::serve::run(&config, args).await,
        Command::Mcp(args) => commands::mcp::run(&config, args).await,
        Command::Keys(keys) => commands::keys::run(&config, keys).await,
        Command::Project(project) => commands::project::run(&config, project).await,
        Command::Sidecar(args) => commands::sidecar::run(&config, args).await,
        Command::Job(job) => commands::job::run(&config, job).await,
        Command::Bench(bench) => commands::bench::run(&config, bench).await,
        Command::Eval(eval) => commands::eval::run(&config, eval).await,
    }
}
