//! A placeholder for an index that is closed.

use async_trait::async_trait;
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, ChunkHit, ChunkIndex, TextIndex, VectorIndex};
use twinlake_core::record::Chunk;

/// Stands in for an index that is closed: one whose files have an older
/// layout until a rebuild replaces it, or one being swapped for its
/// rebuilt successor. It finds nothing and refuses writes.
pub struct Closed;

fn closed() -> BackendError {
    BackendError::engine(
        "index",
        "closed: its layout is outdated or it is being swapped; rebuild it from the lake",
    )
}

#[async_trait]
impl ChunkIndex for Closed {
    async fn upsert(&self, _: &[Chunk]) -> Result<(), BackendError> {
        Err(closed())
    }
    async fn commit(&self) -> Result<(), BackendError> {
        Ok(())
    }
    async fn count(&self, _: &Scope) -> Result<u64, BackendError> {
        Ok(0)
    }
    async fn list_ids(&self, _: &Scope) -> Result<Vec<String>, BackendError> {
        Ok(Vec::new())
    }
    async fn delete(&self, _: &Scope, _: &[String]) -> Result<(), BackendError> {
        Err(closed())
    }
    async fn delete_scope(&self, _: &Scope) -> Result<(), BackendError> {
        Err(closed())
    }
    async fn clear(&self) -> Result<(), BackendError> {
        Err(closed())
    }
}

#[async_trait]
impl TextIndex for Closed {
    async fn search(&self, _: &Scope, _: &str, _: usize) -> Result<Vec<ChunkHit>, BackendError> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl VectorIndex for Closed {
    async fn search(&self, _: &Scope, _: &[f32], _: usize) -> Result<Vec<ChunkHit>, BackendError> {
        Ok(Vec::new())
    }
}
