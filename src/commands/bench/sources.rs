//! `twinlake bench sources`: episodes per second for every export format.
//!
//! Two figures per format, on large generated exports
//! ([`super::exports`]): parsing alone (the format's own cost: JSON trees,
//! dates, CSV, zip, recurrences), and the whole pipeline — parse, draft
//! episodes, embed, write the lake and both indexes — on a smaller export,
//! where the embedding model is the bound.

use std::time::Instant;
use twinlake_pipelines::sources::files::{FoundFile, ReadOptions};

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_udfs::parse::{Format, ParseContext, Parsed, parse};

use super::exports::{self, GeneratedExport};
use super::{peak_rss_mib, scratch_config};

/// Arguments of `twinlake bench sources`.
#[derive(clap::Args)]
pub struct Args {
    /// Entries per generated export for the parse figures.
    #[arg(long, default_value_t = 100_000)]
    entries: usize,
    /// Entries per generated export for the end-to-end figures (0: skip).
    #[arg(long, default_value_t = 2_000)]
    ingest_entries: usize,
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    println!(
        "bench sources: parse {} entries per format (best of 3); ingest {} entries end to end",
        args.entries, args.ingest_entries
    );
    println!(
        "  {:<9} {:>9} {:>9} {:>9} {:>13} {:>9}",
        "format", "MiB", "episodes", "parse s", "episodes/s", "MiB/s"
    );
    for export in exports::all(args.entries) {
        let (episodes, seconds) = parse_best_of(&export, 3)?;
        let mib = export.bytes.len() as f64 / (1024.0 * 1024.0);
        println!(
            "  {:<9} {:>9.1} {:>9} {:>9.3} {:>13.0} {:>9.1}",
            export.format,
            mib,
            episodes,
            seconds,
            episodes as f64 / seconds,
            mib / seconds
        );
    }
    if args.ingest_entries > 0 {
        end_to_end(config, args.ingest_entries).await?;
    }
    if let Some(mib) = peak_rss_mib() {
        println!("  peak memory {mib:.0} MiB (VmHWM)");
    }
    Ok(())
}

fn parse_best_of(export: &GeneratedExport, runs: usize) -> anyhow::Result<(usize, f64)> {
    let format = Format::from_name(export.format).expect("known format");
    let ctx = ParseContext {
        file_name: export.file_name.to_string(),
        now_us: 1_790_000_000_000_000,
        horizon_days: 365,
        max_entries: usize::MAX,
        ..ParseContext::default()
    };
    let mut best = f64::INFINITY;
    let mut episodes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let parsed = parse(&export.bytes, format, &ctx)
            .map_err(|e| anyhow::anyhow!("{}: {e}", export.file_name))?;
        best = best.min(started.elapsed().as_secs_f64());
        episodes = match parsed {
            Parsed::Export(e) => e.entries.len(),
            Parsed::Document(_) => 1,
        };
    }
    Ok((episodes, best))
}

/// Every format through the real pipeline, each in its own scope.
async fn end_to_end(config: &Config, entries: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("exports");
    let config = scratch_config(config, &dir.path().join("data"));
    let backends = crate::commands::open_backends(&config).await?;
    println!(
        "  end to end ({} ORT thread(s)): {:<9} {:>9} {:>8} {:>9} {:>12}",
        config.model.effective_threads(),
        "format",
        "episodes",
        "chunks",
        "seconds",
        "episodes/s"
    );
    for export in exports::all(entries) {
        let folder = input.join(export.format);
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(export.file_name);
        std::fs::write(&path, &export.bytes)?;
        let scope = Scope::parse(&config.tenant, &format!("bench-{}", export.format))?;
        let report = crate::commands::ingest::ingest(
            &backends,
            &scope,
            &[FoundFile::alone(path)],
            &ReadOptions::format(export.format),
            twinlake_jobs::catch_up::Distil::Nobody,
        )
        .await?
        .ingest;
        anyhow::ensure!(
            report.errors.is_empty(),
            "{}: {:?}",
            export.format,
            report.errors
        );
        println!(
            "  {:<36} {:>9} {:>8} {:>9.2} {:>12.0}",
            export.format,
            report.episodes,
            report.chunks,
            report.seconds,
            report.episodes as f64 / report.seconds
        );
    }
    Ok(())
}
