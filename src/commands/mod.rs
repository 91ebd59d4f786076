//! One module per subcommand.

pub mod bench;
pub mod episodes;
pub mod eval;
pub mod ingest;
pub mod job;
pub mod keys;
pub mod mcp;
pub mod memory;
pub mod pipeline;
pub mod project;
pub mod query;
pub mod serve;
pub mod sidecar;
pub mod stats;

use twinlake_core::config::Config;
use twinlake_stores::Backends;

/// Opens every store of `config`. Indexes left by an older twinlake are
/// derived state: they are rebuilt from the lake first, with a notice, so
/// an upgrade never needs a manual step.
pub async fn open_backends(config: &Config) -> anyhow::Result<Backends> {
    let mut backends = Backends::open(config).await?;
    if backends.indexes_outdated {
        eprintln!(
            "twinlake: the search indexes have an older layout; rebuilding them from the lake"
        );
        let report = twinlake_jobs::rebuild_indexes::run(&mut backends, |_| {}).await?;
        eprintln!("twinlake: rebuilt {} chunks", report.chunks);
    }
    Ok(backends)
}
