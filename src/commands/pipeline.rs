//! `twinlake pipeline run [--follow]`: run the ingest pipeline over whatever
//! waits on the bus (envelopes from `ingest`, or from any other producer),
//! until it is caught up or, with `--follow`, until ctrl-c; after each
//! round the users who got new episodes have their memories distilled
//! (`twinlake_jobs::catch_up`).

use std::process::ExitCode;
use std::time::Duration;

use twinlake_core::config::Config;
use twinlake_jobs::catch_up::{self, Distil};
use twinlake_pipelines::bus::{FILES_TOPIC, INGEST_GROUP as GROUP};
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
}

/// Runs a pipeline command.
pub async fn run(config: &Config, command: Pipeline) -> anyhow::Result<ExitCode> {
    let Pipeline::Run { follow } = command;
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
