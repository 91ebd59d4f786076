//! `twinlake bench ...`: speed and memory figures, printed, never asserted.
//!
//! Each bench works in a fresh temporary data directory with the configured
//! model, so figures do not depend on what is already ingested.

mod chat;
mod corpus;
mod exports;
mod ingest;
#[cfg(feature = "kafka")]
mod kafka;
mod search;
mod serve;
mod sources;

use std::process::ExitCode;

use twinlake_core::config::Config;

/// The benchmarks.
#[derive(clap::Subcommand)]
pub enum Bench {
    /// End-to-end ingest chunks/s beside the raw embedder's sentences/s on the same text.
    Ingest(ingest::Args),
    /// Hybrid search latency (query embedding included) over a synthetic corpus.
    Search(search::Args),
    /// Episodes/s per export format: parsing alone, and the whole pipeline.
    Sources(sources::Args),
    /// HTTP requests/s and latency for search and chat at 32 and 64
    /// connections: the guarded server beside a keys-off baseline.
    Serve(serve::Args),
    /// A chat turn's latency and how soon what it says is retrievable,
    /// beside uploading the same words as a file.
    Chat(chat::Args),
    /// Envelopes/s through the pipeline on Kafka with 1 and 2 workers, beside the embedded bus.
    #[cfg(feature = "kafka")]
    Kafka(kafka::Args),
}

/// Runs a bench.
pub async fn run(config: &Config, bench: Bench) -> anyhow::Result<ExitCode> {
    match bench {
        Bench::Ingest(args) => ingest::run(config, args).await,
        Bench::Search(args) => search::run(config, args).await,
        Bench::Sources(args) => sources::run(config, args).await,
        Bench::Serve(args) => serve::run(config, args).await,
        Bench::Chat(args) => chat::run(config, args).await,
        #[cfg(feature = "kafka")]
        Bench::Kafka(args) => kafka::run(config, args).await,
    }
    .map(|()| ExitCode::SUCCESS)
}

/// A configuration like `config` (model, limits) but with every store in `dir`.
pub(crate) fn scratch_config(config: &Config, dir: &std::path::Path) -> Config {
    let mut scratch = Config::defaults(dir);
    scratch.model = config.model.clone();
    scratch.ingest = config.ingest.clone();
    scratch.tenant = config.tenant.clone();
    // A bench of chat measures the configured answerer.
    scratch.llm = config.llm.clone();
    scratch
}

/// Ingests the demo footprint of `users` (folders of `data/demo`) into
/// `backends`, distilled.
pub(crate) async fn ingest_demo_team(
    backends: &twinlake_stores::Backends,
    users: &[&str],
) -> anyhow::Result<()> {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    for user in users {
        let scope = twinlake_core::Scope::parse(&backends.config.tenant, user)?;
        let found = twinlake_pipelines::sources::files::discover(&[demo.join(user)])?;
        crate::commands::ingest::ingest(
            backends,
            &scope,
            &found,
            &twinlake_pipelines::sources::files::ReadOptions::default(),
            twinlake_jobs::catch_up::Distil::Changed,
        )
        .await?;
    }
    Ok(())
}

/// Peak resident memory of this process so far, in MiB (Linux VmHWM).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The value at quantile `q` of sorted `values`.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}
