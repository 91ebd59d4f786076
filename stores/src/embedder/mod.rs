//! The embedder, chosen by `model.url`: empty runs the ONNX model in this
//! process ([`in_process`]); `http://host:port` asks the model sidecar
//! (`twinlake sidecar`, an OpenAI-compatible `/v1/embeddings`) so that
//! many workers share one replicated model server ([`sidecar`]).

pub mod in_process;
pub mod sidecar;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::Embedder;
use twinlake_core::config::ModelConfig;

use crate::StoreError;

/// The name the sidecar and its clients give the model.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Opens the embedder `config` names (loading the model on the blocking
/// pool, or asking the sidecar its width).
pub async fn open(config: &ModelConfig) -> Result<Arc<dyn Embedder>, StoreError> {
    if config.url.is_empty() {
        return Ok(Arc::new(in_process::InProcess::load(config).await?));
    }
    if config.url.starts_with("http://") || config.url.starts_with("https://") {
        return Ok(Arc::new(sidecar::Sidecar::connect(&config.url).await?));
    }
    Err(CoreError::UnsupportedUrl {
        concern: "model",
        url: config.url.clone(),
        supported: "empty (in process), http://host:port (twinlake sidecar)",
    }
    .into())
}
