//! The memory tables in the lake: one object per user and table
//! (`memories/current.parquet`, `entities/...`, `facts/...`), rewritten
//! whole by each distillation in one atomic put, so readers see the old
//! or the new version and never a mix. Nothing is lost by a rewrite: every
//! memory version is in the new object (contradicted ones closed, not
//! dropped), and all of it can be derived again from the episodes.

use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use twinlake_core::Scope;
use twinlake_core::lake::Lake;
use twinlake_core::memory::{Entity, Fact, Memory};
use twinlake_core::schema::{self, table};

use super::graph::{GraphParts, MemoryGraph};
use crate::PipelineError;
use crate::sinks::lake::encode;

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

    async fn read<T>(
        &self,
        scope: &Scope,
        name: &str,
        decode: impl Fn(&arrow::array::RecordBatch) -> Result<Vec<T>, twinlake_core::CoreError>,
    ) -> Result<Vec<T>, PipelineError> {
        let path = self.lake.table_object(scope, name, KEY);
        if !self.lake.exists(&path).await? {
            return Ok(Vec::new());
        }
        let bytes: Bytes = self.lake.get(&path).await?;
        let mut out = Vec::new();
        for batch in ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()? {
            let batch = batch.map_err(parquet::errors::ParquetError::from)?;
            out.extend(decode(&batch)?);
        }
        Ok(out)
    }

    /// Every memory of `scope`, every version (empty before the first run).
    pub async fn memories(&self, scope: &Scope) -> Result<Vec<Memory>, PipelineError> {
        self.read(scope, table::MEMORIES, schema::memories_from_batch)
            .await
    }

    /// The graph of `scope`'s footprint, with its adjacency built.
    pub async fn graph(&self, scope: &Scope) -> Result<MemoryGraph, PipelineError> {
        let entities: Vec<Entity> = self
            .read(scope, table::ENTITIES, schema::entities_from_batch)
            .await?;
        let facts: Vec<Fact> = self
            .read(scope, table::FACTS, schema::facts_from_batch)
            .await?;
        Ok(MemoryGraph::new(GraphParts { entities, facts }))
    }

    /// Replaces `scope`'s memories and graph. Facts go first and memories
    /// last, so a reader that finds the new memories finds their facts.
    pub async fn write(
        &self,
        scope: &Scope,
        memories: &[Memory],
        graph: &GraphParts,
    ) -> Result<(), PipelineError> {
        let put = |name: &str, batch: arrow::array::RecordBatch| {
            let path = self.lake.table_object(scope, name, KEY);
            async move {
                self.lake
                    .put(&path, encode(&batch)?)
                    .await
                    .map_err(PipelineError::from)
            }
        };
        put(table::ENTITIES, schema::entities_to_batch(&graph.entities)?).await?;
        put(table::FACTS, schema::facts_to_batch(&graph.facts)?).await?;
        put(table::MEMORIES, schema::memories_to_batch(memories)?).await?;
        Ok(())
    }
}
