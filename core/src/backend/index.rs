//! The two chunk indexes: dense ([`VectorIndex`]) and lexical
//! ([`TextIndex`]).
//!
//! Both hold derived state, keyed by chunk id: upserts are idempotent, a
//! commit makes them durable and visible, and the index can list, delete
//! and clear what it holds, so erasure, reconciliation against the lake and
//! rebuilds are possible without reaching behind the trait.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::BackendError;
use crate::Scope;
use crate::record::{Chunk, SourceKind, SourceRef};

/// A chunk found by a search, with the index's own score (higher is better).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkHit {
    /// The chunk's id.
    pub chunk_id: String,
    /// Its episode.
    pub episode_id: String,
    /// The passage text.
    pub text: String,
    /// Where it came from.
    pub source: SourceRef,
    /// Its source kind.
    pub source_kind: SourceKind,
    /// When its episode occurred, µs since the epoch.
    pub occurred_at_us: i64,
    /// Who wrote it, as the source names them.
    pub author: Option<String>,
    /// Whether that author is the user themself.
    pub is_self: bool,
    /// The index's score: BM25 for text, cosine similarity for vectors.
    pub score: f32,
}

impl ChunkHit {
    /// A hit for `chunk` with `score`.
    pub fn of(chunk: &Chunk, score: f32) -> Self {
        ChunkHit {
            chunk_id: chunk.chunk_id.clone(),
            episode_id: chunk.episode_id.clone(),
            text: chunk.text.clone(),
            source: chunk.source.clone(),
            source_kind: chunk.source_kind,
            occurred_at_us: chunk.occurred_at_us,
            author: chunk.author.clone(),
            is_self: chunk.is_self,
            score,
        }
    }
}

/// What both indexes share: idempotent upserts keyed by chunk id, a commit
/// that makes them durable and visible, and listing and deletion per scope.
/// A delete, like an upsert, is visible after the next commit.
#[async_trait]
pub trait ChunkIndex: Send + Sync {
    /// Inserts or replaces chunks by chunk id. Upserting the same chunk
    /// twice leaves one copy.
    async fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError>;
    /// Makes every write so far durable and visible to searches.
    async fn commit(&self) -> Result<(), BackendError>;
    /// How many chunks a scope holds.
    async fn count(&self, scope: &Scope) -> Result<u64, BackendError>;
    /// The chunk ids a scope holds, sorted.
    async fn list_ids(&self, scope: &Scope) -> Result<Vec<String>, BackendError>;
    /// Deletes chunks of `scope` by id; ids it does not hold are ignored,
    /// and so are ids of other scopes.
    async fn delete(&self, scope: &Scope, chunk_ids: &[String]) -> Result<(), BackendError>;
    /// Deletes every chunk of `scope`.
    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError>;
    /// Deletes every chunk of every scope.
    async fn clear(&self) -> Result<(), BackendError>;
}

/// Dense retrieval: nearest chunks to a query embedding, within one scope.
#[async_trait]
pub trait VectorIndex: ChunkIndex {
    /// The `k` chunks of `scope` nearest to `query`, best first.
    async fn search(
        &self,
        scope: &Scope,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError>;
}

/// Lexical retrieval: BM25 over chunk text, within one scope.
#[async_trait]
pub trait TextIndex: ChunkIndex {
    /// The `k` chunks of `scope` that best match `query`, best first.
    async fn search(
        &self,
        scope: &Scope,
        query: &str,
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError>;
}
