//! The chunk indexes as a sink: written directly, or through the bus's
//! chunks topic for indexers to apply (`ingest.index_writes`).
//!
//! Either way a write returns only once it is durable: committed in both
//! indexes, or acknowledged by the bus. The ingest pipeline writes a
//! round's commit markers after that, so a crash in between replays the
//! round and upserts the same chunks again (idempotent by chunk id).

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::try_join_all;
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, Bus, TextIndex, VectorIndex};
use twinlake_core::config::IndexWrites;
use twinlake_core::record::Chunk;
use twinlake_stores::Backends;

use crate::PipelineError;
use crate::bus::CHUNKS_TOPIC;
use crate::bus::index_update::IndexUpdate;

/// Where a pipeline's chunks are indexed.
pub enum IndexSink {
    /// The indexes this process opened.
    Direct {
        /// The vector index.
        vectors: Arc<dyn VectorIndex>,
        /// The full-text index.
        text: Arc<dyn TextIndex>,
    },
    /// Index updates sent to [`CHUNKS_TOPIC`].
    ChunksTopic(Arc<dyn Bus>),
}

impl IndexSink {
    /// The sink `ingest.index_writes` names for `backends`.
    pub fn of(backends: &Backends) -> Result<Self, PipelineError> {
        Ok(match backends.config.ingest.index_writes {
            IndexWrites::Direct => IndexSink::Direct {
                vectors: backends.vectors.clone(),
                text: backends.text.clone(),
            },
            IndexWrites::ChunksTopic => IndexSink::ChunksTopic(backends.bus()?),
        })
    }

    /// Upserts `chunks` into both indexes and commits them, or sends them
    /// as updates and waits for the bus to acknowledge every one.
    pub async fn store(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        match self {
            IndexSink::Direct { vectors, text } => {
                tokio::try_join!(vectors.upsert(chunks), text.upsert(chunks))?;
                tokio::try_join!(vectors.commit(), text.commit())?;
            }
            // Upserts of distinct chunks commute, so they go out together.
            IndexSink::ChunksTopic(bus) => {
                let updates: Vec<IndexUpdate> = chunks
                    .iter()
                    .map(|c| IndexUpdate::Upsert { chunk: c.clone() })
                    .collect();
                try_join_all(updates.iter().map(|u| send(&**bus, u))).await?;
            }
        }
        Ok(())
    }

    /// Takes chunks out of both indexes (a round that could not be stored).
    pub async fn forget(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        let mut by_scope: BTreeMap<&Scope, Vec<String>> = BTreeMap::new();
        for chunk in chunks {
            by_scope
                .entry(&chunk.scope)
                .or_default()
                .push(chunk.chunk_id.clone());
        }
        for (scope, chunk_ids) in by_scope {
            match self {
                IndexSink::Direct { vectors, text } => {
                    tokio::try_join!(
                        vectors.delete(scope, &chunk_ids),
                        text.delete(scope, &chunk_ids)
                    )?;
                    tokio::try_join!(vectors.commit(), text.commit())?;
                }
                IndexSink::ChunksTopic(bus) => {
                    let scope = scope.clone();
                    send(&**bus, &IndexUpdate::Delete { scope, chunk_ids }).await?;
                }
            }
        }
        Ok(())
    }
}

async fn send(bus: &dyn Bus, update: &IndexUpdate) -> Result<u64, BackendError> {
    bus.send(CHUNKS_TOPIC, update.key().as_bytes(), &update.to_payload())
        .await
}
