//! The model sidecar's client: the OpenAI-compatible embeddings API that
//! `twinlake sidecar` serves (`POST /v1/embeddings`, `GET /health`), so
//! workers and the API share one replicated model server instead of each
//! loading the model.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use twinlake_core::backend::{BackendError, Embedder};
use twinlake_udfs::embed::WordCache;

use super::MODEL_NAME;
use crate::StoreError;

const BACKEND: &str = "model sidecar";

/// How long one embeddings request may take (a batch of long chunks on a
/// busy CPU takes seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Body of `POST /v1/embeddings`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmbeddingsRequest {
    /// The model asked for; the sidecar serves one and checks the name.
    pub model: String,
    /// The texts.
    pub input: EmbeddingsInput,
}

/// One text or several, as the OpenAI API takes them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingsInput {
    /// One text.
    One(String),
    /// Several texts.
    Many(Vec<String>),
}

impl EmbeddingsInput {
    /// The texts, in order.
    pub fn into_texts(self) -> Vec<String> {
        match self {
            EmbeddingsInput::One(t) => vec![t],
            EmbeddingsInput::Many(ts) => ts,
        }
    }
}

/// Reply of `POST /v1/embeddings`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmbeddingsReply {
    /// Always `list`.
    pub object: String,
    /// One embedding per input, with its index.
    pub data: Vec<EmbeddingItem>,
    /// The model that answered.
    pub model: String,
    /// Tokens read.
    pub usage: Usage,
}

/// One embedding of a reply.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmbeddingItem {
    /// Always `embedding`.
    pub object: String,
    /// The input's position.
    pub index: usize,
    /// Its unit-length vector.
    pub embedding: Vec<f32>,
}

/// Token counts of a reply.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens of the inputs.
    pub prompt_tokens: u64,
    /// The same: embeddings generate nothing.
    pub total_tokens: u64,
}

/// Reply of `GET /health`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SidecarHealth {
    /// `ok`.
    pub status: String,
    /// The model served.
    pub model: String,
    /// Its embedding width.
    pub dim: usize,
}

/// A client of one sidecar.
pub struct Sidecar {
    base: String,
    client: reqwest::Client,
    dim: usize,
    words: WordCache,
}

impl Sidecar {
    /// Connects to the sidecar at `base` (`http://host:port`) and learns
    /// its model's width.
    pub async fn connect(base: &str) -> Result<Self, StoreError> {
        let base = base.trim_end_matches('/').to_string();
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| BackendError::engine(BACKEND, e))?;
        let health: SidecarHealth = client
            .get(format!("{base}/health"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| unavailable(&base, e))?
            .json()
            .await
            .map_err(|e| unavailable(&base, e))?;
        if health.model != MODEL_NAME {
            return Err(BackendError::engine(
                BACKEND,
                format!("{base} serves {:?}, not {MODEL_NAME:?}", health.model),
            )
            .into());
        }
        Ok(Sidecar {
            base,
            client,
            dim: health.dim,
            words: WordCache::default(),
        })
    }
}

fn unavailable(base: &str, e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable {
        backend: BACKEND,
        url: base.to_string(),
        message: e.to_string(),
    }
}

#[async_trait]
impl Embedder for Sidecar {
    fn dim(&self) -> usize {
        self.dim
    }

    async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BackendError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let n = texts.len();
        let request = EmbeddingsRequest {
            model: MODEL_NAME.into(),
            input: EmbeddingsInput::Many(texts),
        };
        let response = self
            .client
            .post(format!("{}/v1/embeddings", self.base))
            .json(&request)
            .send()
            .await
            .map_err(|e| unavailable(&self.base, e))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(BackendError::engine(
                BACKEND,
                format!("{} answered {status}: {body}", self.base),
            ));
        }
        let mut reply: EmbeddingsReply = response
            .json()
            .await
            .map_err(|e| BackendError::engine(BACKEND, format!("malformed reply: {e}")))?;
        reply.data.sort_by_key(|item| item.index);
        let ok = reply.data.len() == n
            && reply
                .data
                .iter()
                .enumerate()
                .all(|(i, item)| item.index == i && item.embedding.len() == self.dim);
        if !ok {
            return Err(BackendError::engine(
                BACKEND,
                format!(
                    "malformed reply: {} embeddings for {n} inputs, or of the wrong width",
                    reply.data.len()
                ),
            ));
        }
        Ok(reply.data.into_iter().map(|item| item.embedding).collect())
    }

    async fn embed_words(&self, words: Vec<String>) -> Result<Vec<Arc<[f32]>>, BackendError> {
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let missing = self.words.missing(&refs);
        let fresh = self.embed(missing.clone()).await?;
        Ok(self.words.complete(&refs, missing, fresh))
    }
}
