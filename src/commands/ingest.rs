//! `twinlake ingest --user U PATH...`: publish the files to the bus, run the
//! pipeline until it is caught up, print a summary. Exits 1 when any file
//! was refused (the others are still ingested).

use std::path::PathBuf;
use std::process::ExitCode;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_pipelines::Backends;
use twinlake_pipelines::bus::FILES_TOPIC;
use twinlake_pipelines::ingest::{IngestReport, Ingestor};
use twinlake_pipelines::sources::files;

use crate::progress::IngestBar;

/// The consumer group of the ingest pipeline.
pub const GROUP: &str = "ingest";

/// Arguments of `twinlake ingest`.
#[derive(clap::Args)]
pub struct Args {
    /// Whose footprint the files are.
    #[arg(long)]
    user: String,
    /// Force a format instead of detecting it: text, markdown, html, pdf.
    #[arg(long)]
    format: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Files and folders (walked recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Runs `twinlake ingest`.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    if let Some(f) = &args.format {
        anyhow::ensure!(
            twinlake_udfs::parse::Format::from_name(f).is_some(),
            "unknown --format {f:?} (text, markdown, html, pdf)"
        );
    }
    let found = files::discover(&args.paths)?;
    let backends = Backends::open(config)?;
    let report = ingest(&backends, &scope, &found, args.format.as_deref()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Publishes `found` for `scope` and runs the pipeline until caught up.
pub async fn ingest(
    backends: &Backends,
    scope: &Scope,
    found: &[PathBuf],
    format: Option<&str>,
) -> anyhow::Result<IngestReport> {
    let bus = backends.bus()?;
    files::publish(&bus, scope, found, format).await?;
    let mut consumer = bus.consumer(FILES_TOPIC, GROUP)?;
    let mut bar = IngestBar::new(bus.lag(FILES_TOPIC, GROUP)?);
    let report = Ingestor::new(backends)
        .run(&mut consumer, &bus, &mut bar)
        .await;
    bar.finish();
    Ok(report?)
}

fn print_summary(r: &IngestReport) {
    println!(
        "ingested {} files in {:.1}s: {} new episodes, {} chunks ({} tokens), {} skipped duplicates, {} errors",
        r.files,
        r.seconds,
        r.episodes,
        r.chunks,
        r.tokens,
        r.duplicates,
        r.errors.len()
    );
    for e in &r.errors {
        println!("  error: {}: {}", e.path.display(), e.error);
    }
}
