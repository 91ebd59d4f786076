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
use twinlake_core::panics::quietly_async;
use twinlake_core::{Scope, schema};
use twinlake_stores::{AsideIndexes, Backends};

use crate::JobError;
use crate::lake_tables::{self, UnreadableObject};

/// The job's SQL.
pub const SQL: &str = include_str!("../../sql/jobs/rebuild_indexes.sql");

/// What a rebuild did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RebuildReport {
    /// Chunks loaded into each index.
    pub chunks: u64,
    /// Record batches read from the lake.
    pub batches: u64,
    /// Users whose tables were read.
    pub users: u64,
    /// Objects that could not be read and were left out: their owners'
    /// rebuilt indexes lack these objects' chunks until they are restored.
    pub unreadable: Vec<UnreadableObject>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// Rebuilds both indexes of `backends` from its lake, user by user, so an
/// unreadable object costs only its owner its chunks (the report names it)
/// and never stops the others' rebuild. `progress` is called with the
/// running chunk count after each batch.
pub async fn run(
    backends: &mut Backends,
    mut progress: impl FnMut(u64),
) -> Result<RebuildReport, JobError> {
    let started = std::time::Instant::now();
    let (lake, dim) = (backends.lake.clone(), backends.dim());
    let aside = backends.open_aside()?;
    let mut report = RebuildReport::default();
    for scope in lake_tables::scopes(&lake).await? {
        // A corrupt object fails the read, or panics the Parquet reader.
        let first = quietly_async(load(
            &lake,
            dim,
            &scope,
            &[],
            &aside,
            &report,
            &mut progress,
        ));
        let failure = match first.await {
            Ok(Ok(loaded)) => Ok(loaded),
            Ok(Err(JobError::DataFusion(error))) => Err(JobError::DataFusion(error)),
            Ok(Err(other)) => return Err(other),
            Err(panic) => Err(JobError::Interrupted(panic)),
        };
        let loaded = match failure {
            Ok(loaded) => loaded,
            Err(failure) => {
                let unreadable = lake_tables::unreadable_objects(&lake, dim, &scope).await?;
                if unreadable.is_empty() {
                    return Err(failure);
                }
                for bad in &unreadable {
                    tracing::error!(object = %bad.object, error = %bad.error, "unreadable lake object left out of the rebuild");
                }
                let skip: Vec<String> = unreadable.iter().map(|u| u.object.clone()).collect();
                report.unreadable.extend(unreadable);
                // Upserts are idempotent: what the failed pass loaded is
                // loaded again, not twice.
                load(&lake, dim, &scope, &skip, &aside, &report, &mut progress).await?
            }
        };
        report.chunks += loaded.chunks;
        report.batches += loaded.batches;
        report.users += 1;
    }
    tokio::try_join!(aside.vectors.commit(), aside.text.commit())?;
    backends.swap_indexes(aside)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Streams `scope`'s committed chunks, less the objects in `skip`, into
/// `aside`; returns the chunks and batches loaded.
async fn load(
    lake: &twinlake_core::lake::Lake,
    dim: usize,
    scope: &Scope,
    skip: &[String],
    aside: &AsideIndexes,
    so_far: &RebuildReport,
    progress: &mut impl FnMut(u64),
) -> Result<RebuildReport, JobError> {
    let ctx = lake_tables::open(lake, dim, scope, skip).await?;
    let mut stream = ctx.sql(SQL).await?.execute_stream().await?;
    let mut loaded = RebuildReport::default();
    while let Some(batch) = stream.next().await {
        let chunks = schema::chunks_from_batch(&batch?)?;
        tokio::try_join!(aside.vectors.upsert(&chunks), aside.text.upsert(&chunks))?;
        loaded.chunks += chunks.len() as u64;
        loaded.batches += 1;
        progress(so_far.chunks + loaded.chunks);
    }
    Ok(loaded)
}
