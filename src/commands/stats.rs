//! `twinlake stats --user U`: what the lake and each index hold for a user.

use std::process::ExitCode;

use twinlake_core::Scope;
use twinlake_core::config::Config;

/// Arguments of `twinlake stats`.
#[derive(clap::Args)]
pub struct Args {
    /// Whose footprint.
    #[arg(long)]
    user: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `twinlake stats`.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    let backends = super::open_backends(config).await?;
    let s = twinlake_jobs::footprint_stats::run(&backends, &scope).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        println!(
            "{scope}: {} episodes ({} bytes), chunks: lake {}, vectors {}, text {}",
            s.episodes, s.bytes, s.lake_chunks, s.vector_chunks, s.text_chunks
        );
    }
    Ok(ExitCode::SUCCESS)
}
