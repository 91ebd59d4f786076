//! Errors of the serving layer, and how each maps to an HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ServingError {
    /// The request is malformed (bad user id, empty query).
    #[error("{0}")]
    BadRequest(String),
    /// What the request names does not exist (a memory id, an entity).
    #[error("{0}")]
    NotFound(String),
    /// A store failed.
    #[error(transparent)]
    Backend(#[from] twinlake_core::backend::BackendError),
    /// The embedding model failed.
    #[error(transparent)]
    Model(#[from] twinlake_udfs::model::ModelError),
    /// A store could not be opened.
    #[error(transparent)]
    Store(#[from] twinlake_stores::StoreError),
    /// The ingest pipeline (uploads).
    #[error(transparent)]
    Pipeline(#[from] twinlake_pipelines::PipelineError),
    /// A job (the catch-up after an upload: pipeline and distillation).
    #[error(transparent)]
    Job(#[from] twinlake_jobs::JobError),
    /// The server's own files (uploads).
    #[error("storage: {0}")]
    Storage(String),
    /// Ids or configuration.
    #[error(transparent)]
    Core(#[from] twinlake_core::CoreError),
}

impl IntoResponse for ServingError {
    fn into_response(self) -> Response {
        let status = match &self {
            ServingError::BadRequest(_)
            | ServingError::Core(twinlake_core::CoreError::InvalidId { .. }) => {
                StatusCode::BAD_REQUEST
            }
            ServingError::NotFound(_)
            | ServingError::Backend(twinlake_core::backend::BackendError::NotFound { .. }) => {
                StatusCode::NOT_FOUND
            }
            ServingError::Backend(twinlake_core::backend::BackendError::Unavailable { .. }) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}
