//! The memory table in the lake: one object per user
//! (`memories/current.parquet`), rewritten whole by each distillation in
//! one atomic put, so readers see the old or the new version and never a
//! mix. Nothing is lost by a rewrite: every memory version is in the new
//! object (contradicted ones closed, not dropped), and all of it can be
//! derived again from the episodes. The graph distilled beside them goes to
//! the graph store (`twinlake_stores::graph`), written first.

use bytes::Bytes;
use twinlake_core::Scope;
use twinlake_core::lake::Lake;
use twinlake_core::memory::Memory;
use twinlake_core::schema::{self, table};
use twinlake_stores::parquet::{DecodeError, decode, encode_off_thread};

use crate::PipelineError;

/// The object key of each memory table.
const KEY: &str = "current";

/// Reads and writes one lake's memory tables.
#[derive(Clone, Debug)]
pub struct MemoryStore {
    lake: Lake,
}

impl MemoryStore {
    /// The memory tables of `lake`.
    pub fn new(lake: Lake) -> Self {
        MemoryStore { lake }
    }

    /// Every memory of `scope`, every version (empty before the first run).
    pub async fn memories(&self, scope: &Scope) -> Result<Vec<Memory>, PipelineError> {
        let path = self.lake.table_object(scope, table::MEMORIES, KEY);
        if !self.lake.exists(&path).await? {
            return Ok(Vec::new());
        }
        let bytes: Bytes = self.lake.get(&path).await?;
        decode(bytes, schema::memories_from_batch).map_err(|e| match e {
            DecodeError::Parquet(e) => PipelineError::Parquet(e),
            DecodeError::Rows(e) => PipelineError::Core(e),
        })
    }

    /// Replaces `scope`'s memories (after the graph store has their facts).
    pub async fn write(&self, scope: &Scope, memories: &[Memory]) -> Result<(), PipelineError> {
        let path = self.lake.table_object(scope, table::MEMORIES, KEY);
        let batch = schema::memories_to_batch(memories)?;
        self.lake
            .put(&path, encode_off_thread(&batch).await?)
            .await?;
        Ok(())
    }
}
