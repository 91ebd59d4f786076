//! `twinlake stats`: what each store holds for one user — the lake's
//! episodes, chunks and bytes (DataFusion over the Parquet tables,
//! `sql/jobs/footprint_stats.sql`) beside each index's chunk count. After a
//! healthy ingest the three chunk counts agree.

use arrow::array::{Array, Int64Array, UInt64Array};
use serde::Serialize;
use twinlake_core::Scope;
use twinlake_stores::Backends;

use crate::{JobError, lake_tables};

/// The job's SQL.
pub const SQL: &str = include_str!("../../sql/jobs/footprint_stats.sql");

/// What the stores hold for one user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FootprintStats {
    /// Episodes in the lake.
    pub episodes: u64,
    /// Chunks in the lake.
    pub lake_chunks: u64,
    /// Bytes of source ingested.
    pub bytes: u64,
    /// Chunks in the vector index.
    pub vector_chunks: u64,
    /// Chunks in the text index.
    pub text_chunks: u64,
}

fn number(array: &dyn Array) -> u64 {
    if let Some(a) = array.as_any().downcast_ref::<Int64Array>() {
        return a.value(0).max(0) as u64;
    }
    if let Some(a) = array.as_any().downcast_ref::<UInt64Array>() {
        return a.value(0);
    }
    0
}

/// Counts what `backends` hold for `scope`.
pub async fn run(backends: &Backends, scope: &Scope) -> Result<FootprintStats, JobError> {
    let batches = lake_tables::query(&backends.lake, backends.dim(), scope, SQL, &[], None).await?;
    let row = batches.iter().find(|b| b.num_rows() > 0);
    let col = |i: usize| row.map_or(0, |b| number(b.column(i).as_ref()));
    Ok(FootprintStats {
        episodes: col(0),
        lake_chunks: col(1),
        bytes: col(2),
        vector_chunks: backends.vectors.count(scope).await?,
        text_chunks: backends.text.count(scope).await?,
    })
}
