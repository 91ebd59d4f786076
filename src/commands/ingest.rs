//! `twinlake ingest --user U PATH|URL...`: publish the files (and website
//! URLs) to the bus, run the pipeline until it is caught up and distil the
//! user's memories (`twinlake_jobs::catch_up`), print a summary per source
//! kind. Exits 1 when any file was refused (the others are still
//! ingested), 3 when every file was stored but some export had records it
//! skipped or flagged (each warning names its file, line and field).

use std::path::PathBuf;
use std::process::ExitCode;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_jobs::catch_up::{self, CatchUp, Distil};
use twinlake_jobs::distill_memories::DistillReport;
use twinlake_pipelines::bus::{FILES_TOPIC, INGEST_GROUP as GROUP};
use twinlake_pipelines::ingest::IngestReport;
use twinlake_pipelines::sources::files::{self, FoundFile, ReadOptions};
use twinlake_stores::Backends;

use crate::progress::IngestBar;

/// Arguments of `twinlake ingest`.
#[derive(clap::Args)]
pub struct Args {
    /// Whose footprint the files are.
    #[arg(long)]
    user: String,
    /// Force a format instead of detecting it: text, markdown, html,
    /// website, pdf, telegram, whatsapp, discord, chatgpt, twitter,
    /// calendar, linkedin, jsonl, locomo.
    #[arg(long)]
    format: Option<String>,
    /// A name the user goes by in these exports (display name, @handle);
    /// repeatable. Adds to `[identities]` in the configuration.
    #[arg(long = "me", value_name = "NAME")]
    me: Vec<String>,
    /// Refuse an export at its first bad record instead of skipping the
    /// record with a warning.
    #[arg(long)]
    strict: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Files, folders (walked recursively) and website URLs.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Runs `twinlake ingest`.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    if let Some(f) = &args.format {
        anyhow::ensure!(
            twinlake_udfs::parse::Format::from_name(f).is_some(),
            "unknown --format {f:?} (one of: {})",
            twinlake_udfs::parse::Format::NAMES
        );
    }
    let found = files::discover(&args.paths)?;
    let backends = super::open_backends(config).await?;
    let options = ReadOptions {
        format: args.format,
        me: args.me,
        strict: args.strict,
    };
    let also = std::slice::from_ref(&scope);
    let CatchUp {
        ingest: report,
        distilled,
    } = ingest(
        &backends,
        &scope,
        &found,
        &options,
        Distil::ChangedAnd(also),
    )
    .await?;
    let distilled = distilled
        .into_iter()
        .find_map(|(s, d)| (s == scope).then_some(d))
        .unwrap_or_default();
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        value["memories"] = serde_json::to_value(&distilled)?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_summary(&report);
        print_distilled(&distilled);
    }
    Ok(exit_code(&report))
}

/// The exit code `twinlake ingest` reports for a run that finished: 1 when
/// any file was refused, 3 when all were stored but some with warnings.
pub fn exit_code(report: &IngestReport) -> ExitCode {
    if !report.errors.is_empty() {
        ExitCode::from(1)
    } else if !report.warnings.is_empty() {
        ExitCode::from(WARNINGS_EXIT)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit code of an ingest whose files were all stored, some with
/// records skipped or flagged (2 is clap's, for usage errors).
pub const WARNINGS_EXIT: u8 = 3;

/// Publishes `found` for `scope`, runs the pipeline until caught up and
/// distils whom `distil` names.
pub async fn ingest(
    backends: &Backends,
    scope: &Scope,
    found: &[FoundFile],
    options: &ReadOptions,
    distil: Distil<'_>,
) -> anyhow::Result<CatchUp> {
    let bus = backends.bus()?;
    let max_bytes = backends.config.ingest.max_file_bytes;
    files::publish(&*bus, &backends.lake, scope, found, options, max_bytes).await?;
    let mut consumer = bus.consumer(FILES_TOPIC, GROUP).await?;
    let mut bar = IngestBar::new(bus.lag(FILES_TOPIC, GROUP).await?);
    let run = catch_up::run(backends, consumer.as_mut(), &*bus, &mut bar, distil).await;
    bar.finish();
    Ok(run?)
}

/// One line about a distillation.
pub fn print_distilled(r: &DistillReport) {
    println!(
        "memories: {} from {} episodes ({} valid now, {} superseded), graph {} entities / {} facts, {:.0} ms ({:.2} ms/episode)",
        r.memories,
        r.episodes,
        r.current,
        r.superseded,
        r.entities,
        r.facts,
        r.millis,
        r.millis_per_episode
    );
}

fn print_summary(r: &IngestReport) {
    println!(
        "ingested {} files in {:.1}s: {} new episodes, {} chunks ({} tokens), {} duplicate files, {} entries already stored, {} errors, {} warnings",
        r.files,
        r.seconds,
        r.episodes,
        r.chunks,
        r.tokens,
        r.duplicates,
        r.skipped_entries,
        r.errors.len(),
        r.warnings.len()
    );
    print_details(r);
}

/// The per-source table and the refused files, under a summary line.
pub fn print_details(r: &IngestReport) {
    if !r.by_source.is_empty() {
        println!(
            "  {:<10} {:>6} {:>9} {:>8} {:>8}",
            "source", "files", "episodes", "chunks", "skipped"
        );
        for (kind, s) in &r.by_source {
            println!(
                "  {:<10} {:>6} {:>9} {:>8} {:>8}",
                kind, s.files, s.episodes, s.chunks, s.skipped
            );
        }
    }
    for w in &r.warnings {
        println!("  warning: {}: {}", w.path.display(), w.warning);
    }
    for e in &r.errors {
        println!("  error: {}: {}", e.path.display(), e.error);
    }
}
