//! The embedding model in this process: ONNX Runtime on tokio's blocking
//! pool, so an async caller never waits on inference.

use std::sync::Arc;

use async_trait::async_trait;
use twinlake_core::backend::{BackendError, Embedder, on_blocking_pool};
use twinlake_core::config::ModelConfig;
use twinlake_udfs::embed::EmbeddingModel;
use twinlake_udfs::model::{ModelError, ModelFiles};

use crate::StoreError;

const BACKEND: &str = "model";

/// The ONNX model, loaded in process.
pub struct InProcess {
    model: Arc<EmbeddingModel>,
}

impl InProcess {
    /// Finds the model files and loads them, on the blocking pool.
    pub async fn load(config: &ModelConfig) -> Result<Self, StoreError> {
        let files = ModelFiles::locate(config)?;
        let (threads, batch) = (config.effective_threads(), config.batch_size);
        let model =
            tokio::task::spawn_blocking(move || EmbeddingModel::load(&files, threads, batch))
                .await
                .map_err(|e| BackendError::engine(BACKEND, format!("loading failed: {e}")))??;
        Ok(InProcess {
            model: Arc::new(model),
        })
    }

    /// The loaded model, for callers that run it themselves (the sidecar,
    /// benchmarks).
    pub fn model(&self) -> &Arc<EmbeddingModel> {
        &self.model
    }
}

impl InProcess {
    /// Embeds `texts` on the blocking pool, as a query (`urgent`) or as
    /// background work.
    async fn embed_texts(
        &self,
        texts: Vec<String>,
        urgent: bool,
    ) -> Result<Vec<Vec<f32>>, BackendError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let model = self.model.clone();
        on_blocking_pool(BACKEND, move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let embedded = if urgent {
                model.embed(&refs)
            } else {
                model.embed_in_background(&refs)
            };
            embedded.map_err(failed)
        })
        .await
    }
}

fn failed(e: ModelError) -> BackendError {
    BackendError::engine(BACKEND, e)
}

#[async_trait]
impl Embedder for InProcess {
    fn dim(&self) -> usize {
        self.model.dim()
    }

    async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BackendError> {
        self.embed_texts(texts, true).await
    }

    async fn embed_in_background(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BackendError> {
        self.embed_texts(texts, false).await
    }

    async fn embed_words(&self, words: Vec<String>) -> Result<Vec<Arc<[f32]>>, BackendError> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let model = self.model.clone();
        on_blocking_pool(BACKEND, move || {
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            model.embed_words(&refs).map_err(failed)
        })
        .await
    }
}
