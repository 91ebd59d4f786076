//! `twinlake pipeline run [--follow]`: run the ingest pipeline over whatever
//! waits on the bus (envelopes from `ingest`, or from any other producer),
//! until it is caught up or, with `--follow`, until ctrl-c; after each
//! round the users who got new episodes have their memories distilled
//! (`twinlake_jobs::catch_up`).
//!
//! `twinlake pipeline index [--follow] [--group G]`: apply the chunks topic
//! (what workers with `ingest.index_writes = "chunks_topic"` send) to this
//! process's indexes (`twinlake_pipelines::indexer`).

use std::process::ExitCode;
use std::time::Duration;

use twinlake_core::config::Config;
use twinlake_jobs::catch_up::{self, Distil};
use twinlake_pipelines::bus::{CHUNKS_TOPIC, FILES_TOPIC, INDEX_GROUP, INGEST_GROUP as GROUP};
use twinlake_pipelines::indexer::{IndexReport, Indexer};
use twinlake_pipelines::ingest::{IngestReport, Quiet};

/// The pipeline commands.
#[derive(clap::Subcommand)]
pub enum Pipeline {
    /// Consume the files topic until caught up.
    Run {
        /// Keep polling for new messages (every second) until ctrl-c.
        #[arg(long)]
        follow: bool,
    },
    /// Apply the chunks topic to this process's indexes until caught up.
    Index {
        /// Keep polling for new updates (every second) until ctrl-c.
        #[arg(long)]
        follow: bool,
        /// The consumer group: one group per copy of the indexes.
        #[arg(long, default_value = INDEX_GROUP)]
        group: String,
    },
}

/// Runs a pipeline command.
pub async fn run(config: &Config, command: Pipeline) -> anyhow::Result<ExitCode> {
    match command {
        Pipeline::Run { follow } => run_worker(config, follow).await,
        Pipeline::Index { follow, group } => run_indexer(config, follow, &group).await,
    }
}

/// `pipeline index`: one indexer of `group`, until caught up or ctrl-c.
async fn run_indexer(config: &Config, follow: bool, group: &str) -> anyhow::Result<ExitCode> {
    let backends = super::open_backends(config).await?;
    let bus = backends.bus()?;
    let indexer = Indexer::new(&backends);
    let print = |report: &IndexReport| {
        println!(
            "index: {} chunks upserted, {} deleted, {} malformed updates ({:.1}s)",
            report.upserted, report.deleted, report.malformed, report.seconds
        );
    };
    if follow {
        let quiet_unless_busy = |report: &IndexReport| {
            if report.upserted + report.deleted + report.malformed > 0 {
                print(report);
            }
        };
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        indexer
            .follow(&*bus, group, quiet_unless_busy, ctrl_c)
            .await;
        return Ok(ExitCode::SUCCESS);
    }
    let mut consumer = bus.consumer(CHUNKS_TOPIC, group).await?;
    let report = indexer.run(consumer.as_mut(), &*bus).await?;
    print(&report);
    // A malformed update was dead-lettered: the run did not apply everything.
    Ok(if report.malformed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `pipeline run`: one ingest worker, until caught up or ctrl-c.
async fn run_worker(config: &Config, follow: bool) -> anyhow::Result<ExitCode> {
    let backends = super::open_backends(config).await?;
    let bus = backends.bus()?;
    let mut consumer = bus.consumer(FILES_TOPIC, GROUP).await?;
    let (mut failed, mut warned) = (false, false);
    loop {
        let round = catch_up::run(
            &backends,
            consumer.as_mut(),
            &*bus,
            &mut Quiet,
            Distil::Changed,
        )
        .await?;
        for (scope, distilled) in &round.distilled {
            println!("{scope}:");
            super::ingest::print_distilled(distilled);
        }
        let report = round.ingest;
        if report.files > 0 || !follow {
            print_round(&report);
        }
        failed |= !report.errors.is_empty();
        warned |= !report.warnings.is_empty();
        if !follow {
            break;
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else if warned {
        ExitCode::from(super::ingest::WARNINGS_EXIT)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_round(r: &IngestReport) {
    println!(
        "pipeline: {} files, {} new episodes, {} chunks, {} duplicates, {} errors, {} warnings ({:.1}s)",
        r.files,
        r.episodes,
        r.chunks,
        r.duplicates,
        r.errors.len(),
        r.warnings.len(),
        r.seconds
    );
    super::ingest::print_details(r);
}
