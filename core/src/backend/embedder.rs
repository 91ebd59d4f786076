//! The sentence-embedding model behind one trait: in process (ONNX
//! Runtime on the blocking pool) or the model sidecar over HTTP, chosen by
//! `model.url`. Both give the same vectors for the same text.

use std::sync::Arc;

use async_trait::async_trait;

use super::BackendError;

/// Turns texts into unit-length vectors of [`Embedder::dim`] floats.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// The width of every vector.
    fn dim(&self) -> usize;
    /// One vector per text, in order.
    async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BackendError>;
    /// [`Embedder::embed`] for bulk work (an ingest's chunks): a model
    /// shared with queries lets a waiting query go first between batches.
    async fn embed_in_background(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BackendError> {
        self.embed(texts).await
    }
    /// One vector per single word, in order (query expansion compares
    /// words); implementations may cache them, a word's vector depending on
    /// the word alone.
    async fn embed_words(&self, words: Vec<String>) -> Result<Vec<Arc<[f32]>>, BackendError>;
}
