//! `twinlake job ...`: batch jobs over the lake.

use std::process::ExitCode;

use twinlake_core::config::Config;
use twinlake_stores::Backends;

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
    /// Distill a user's memories and knowledge graph from their episodes
    /// (ingest runs it for the user it ingested for).
    DistillMemories {
        /// Whose memories.
        #[arg(long)]
        user: String,
        /// Also summarise each conversation's last, unfinished stretch.
        #[arg(long)]
        summarize: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a job.
pub async fn run(config: &Config, job: Job) -> anyhow::Result<ExitCode> {
    match job {
        Job::RebuildIndexes { json } => {
            let mut backends = Backends::open(config).await?;
            let bar = counter("chunks reindexed");
            let report =
                twinlake_jobs::rebuild_indexes::run(&mut backends, |n| bar.set_position(n)).await;
            bar.finish_and_clear();
            let report = report?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "rebuilt indexes from the lake: {} chunks of {} users in {} batches, {:.1}s",
                    report.chunks, report.users, report.batches, report.seconds
                );
                for bad in &report.unreadable {
                    eprintln!("left out unreadable {}: {}", bad.object, bad.error);
                }
            }
            // 3, as for an ingest that stored all but some records: the
            // indexes answer, but without the unreadable objects' chunks.
            Ok(if report.unreadable.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
        Job::DistillMemories {
            user,
            summarize,
            json,
        } => {
            let scope = twinlake_core::Scope::parse(&config.tenant, &user)?;
            let backends = super::open_backends(config).await?;
            let options = twinlake_jobs::distill_memories::Options {
                summarize_tail: summarize,
            };
            let report = twinlake_jobs::distill_memories::run(&backends, &scope, options).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                super::ingest::print_distilled(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
