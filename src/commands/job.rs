//! `twinlake job ...`: batch jobs over the lake.

use std::process::ExitCode;

use twinlake_core::config::Config;
use twinlake_pipelines::Backends;

use crate::progress::counter;

/// The batch jobs.
#[derive(clap::Subcommand)]
pub enum Job {
    /// Drop the vector and full-text indexes and reload them from the lake.
    RebuildIndexes {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a job.
pub async fn run(config: &Config, job: Job) -> anyhow::Result<ExitCode> {
    match job {
        Job::RebuildIndexes { json } => {
            let mut backends = Backends::open(config)?;
            let bar = counter("chunks reindexed");
            let report =
                twinlake_jobs::rebuild_indexes::run(&mut backends, |n| bar.set_position(n)).await;
            bar.finish_and_clear();
            let report = report?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "rebuilt indexes from the lake: {} chunks in {} batches, {:.1}s",
                    report.chunks, report.batches, report.seconds
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
