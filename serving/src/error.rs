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
    /// The request carries no valid API key.
    #[error("{0}")]
    Unauthorized(String),
    /// The key is valid but does not reach what the request names, or a
    /// browser on another site asked to change data.
    #[error("{0}")]
    Forbidden(String),
    /// The Host header names a server this is not.
    #[error("{0}")]
    MisdirectedHost(String),
    /// The caller's key is over its request rate.
    #[error("too many requests: over serve.requests_per_minute; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// The request ran past its deadline and was stopped.
    #[error("the request took longer than {} s and was stopped (serve.request_timeout_secs / serve.upload_timeout_secs)", .0.as_secs())]
    Timeout(std::time::Duration),
    /// The client sent its body too slowly.
    #[error("the request body did not arrive within {} s (serve.body_timeout_secs)", .0.as_secs())]
    BodyTimeout(std::time::Duration),
    /// The body is over a configured size.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A fault of the server's own wiring.
    #[error("internal: {0}")]
    Internal(String),
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

impl ServingError {
    /// The HTTP status the error is answered with: the caller's mistakes
    /// are 4xx, failures of ours 5xx.
    pub fn status(&self) -> StatusCode {
        match self {
            ServingError::BadRequest(_)
            | ServingError::Core(twinlake_core::CoreError::InvalidId { .. }) => {
                StatusCode::BAD_REQUEST
            }
            ServingError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServingError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServingError::MisdirectedHost(_) => StatusCode::MISDIRECTED_REQUEST,
            ServingError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServingError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServingError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ServingError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServingError::NotFound(_)
            | ServingError::Backend(twinlake_core::backend::BackendError::NotFound { .. }) => {
                StatusCode::NOT_FOUND
            }
            ServingError::Backend(twinlake_core::backend::BackendError::Conflict { .. }) => {
                StatusCode::CONFLICT
            }
            ServingError::Backend(twinlake_core::backend::BackendError::Unavailable { .. }) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ServingError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        if let ServingError::TooManyRequests { retry_after_secs } = &self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after_secs),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
