//! The model sidecar: the embedding model behind an OpenAI-compatible
//! `POST /v1/embeddings` (and `GET /health`), so that pipeline workers and
//! API servers with `model.url` pointing here share one model server, which
//! can be replicated behind a load balancer, instead of each loading the
//! model. It embeds with the same code as the in-process embedder, so both
//! give the same vectors.
//!
//! Built with the `local-llm` feature, it also serves a local language
//! model (a GGUF file, through llama.cpp) behind an OpenAI-compatible
//! `POST /v1/chat/completions` ([`completions`]), so the twin's `[llm]`
//! can point at a model on the same machine, offline.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use twinlake_core::backend::{BackendError, Embedder, on_blocking_pool};
use twinlake_stores::embedder::MODEL_NAME;
use twinlake_stores::embedder::in_process::InProcess;
use twinlake_stores::embedder::sidecar::{
    EmbeddingItem, EmbeddingsReply, EmbeddingsRequest, SidecarHealth, Usage,
};

use crate::ServingError;

#[cfg(feature = "local-llm")]
pub mod completions;
#[cfg(feature = "local-llm")]
pub mod generator;

/// The most texts one request may embed.
pub const MAX_INPUTS: usize = 2048;

/// The largest request body, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The sidecar's routes over a loaded model.
pub fn router(model: Arc<InProcess>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/embeddings", post(embeddings))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(model)
}

async fn health(State(model): State<Arc<InProcess>>) -> Json<SidecarHealth> {
    Json(SidecarHealth {
        status: "ok".into(),
        model: MODEL_NAME.into(),
        dim: model.dim(),
    })
}

async fn embeddings(
    State(model): State<Arc<InProcess>>,
    Json(request): Json<EmbeddingsRequest>,
) -> Result<Json<EmbeddingsReply>, ServingError> {
    if request.model != MODEL_NAME {
        return Err(ServingError::NotFound(format!(
            "model {:?}: this sidecar serves {MODEL_NAME:?}",
            request.model
        )));
    }
    let texts = request.input.into_texts();
    if texts.is_empty() || texts.len() > MAX_INPUTS {
        return Err(ServingError::BadRequest(format!(
            "input must hold 1 to {MAX_INPUTS} texts, not {}",
            texts.len()
        )));
    }
    // One task on the blocking pool embeds and counts the tokens read.
    let inner = model.model().clone();
    let (vectors, tokens) = on_blocking_pool("model sidecar", move || {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = inner
            .embed(&refs)
            .map_err(|e| BackendError::engine("model sidecar", e))?;
        let tokenizer = inner.tokenizer();
        let tokens = refs
            .iter()
            .map(|t| {
                tokenizer
                    .encode(*t, false)
                    .map_or(0, |e| e.get_ids().len() as u64)
            })
            .sum::<u64>();
        Ok((vectors, tokens))
    })
    .await?;
    Ok(Json(EmbeddingsReply {
        object: "list".into(),
        data: vectors
            .into_iter()
            .enumerate()
            .map(|(index, embedding)| EmbeddingItem {
                object: "embedding".into(),
                index,
                embedding,
            })
            .collect(),
        model: MODEL_NAME.into(),
        usage: Usage {
            prompt_tokens: tokens,
            total_tokens: tokens,
        },
    }))
}

/// Serves `app` (the sidecar's routes) on `listener` until ctrl-c.
pub async fn serve(app: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
