//! Every error the API sends is JSON `{"error": "..."}`, axum's own
//! rejections (a malformed body, a wrong method, an unknown route, a body
//! over the limit) included: they come as plain text or empty bodies, and
//! are rewritten here, once, with their status kept.

use axum::Json;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most of a plain-text rejection kept as its message.
const MESSAGE_BYTES: usize = 4096;

/// Rewrites an error response that is not JSON into `{"error"}`.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, MESSAGE_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut rewritten = (status, Json(serde_json::json!({ "error": message }))).into_response();
    // Keep what the rejection said beyond its body (Allow on a 405).
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}
