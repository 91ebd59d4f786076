//! `twinlake job rebuild-indexes`: the indexes are derived state; this job
//! recreates them from the lake.
//!
//! New, empty indexes are opened beside the live ones, every committed
//! chunk (`sql/jobs/rebuild_indexes.sql`) is streamed from the lake in
//! record batches and upserted into them with the embedding stored beside
//! it — nothing is re-embedded, so a rebuild returns exactly the search
//! results the original ingest gave — and only then are they swapped in.
//! Until the swap the live indexes keep answering.

use futures::StreamExt;
use serde::Serialize;
use twinlake_core::schema;
use twinlake_stores::Backends;

use crate::{JobError, lake_tables};

/// The job's SQL.
pub const SQL: &str = include_str!("../../sql/jobs/rebuild_indexes.sql");

/// What a rebuild did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RebuildReport {
    /// Chunks loaded into each index.
    pub chunks: u64,
    /// Record batches read from the lake.
    pub batches: u64,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// Rebuilds both indexes of `backends` from its lake. `progress` is called
/// with the running chunk count after each batch.
pub async fn run(
    backends: &mut Backends,
    mut progress: impl FnMut(u64),
) -> Result<RebuildReport, JobError> {
    let started = std::time::Instant::now();
    let ctx = lake_tables::open(&backends.lake, backends.dim()).await?;
    let frame = ctx.sql(SQL).await?;
    let aside = backends.open_aside()?;
    let mut stream = frame.execute_stream().await?;
    let mut report = RebuildReport::default();
    while let Some(batch) = stream.next().await {
        let chunks = schema::chunks_from_batch(&batch?)?;
        tokio::try_join!(aside.vectors.upsert(&chunks), aside.text.upsert(&chunks))?;
        report.chunks += chunks.len() as u64;
        report.batches += 1;
        progress(report.chunks);
    }
    tokio::try_join!(aside.vectors.commit(), aside.text.commit())?;
    backends.swap_indexes(aside)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
