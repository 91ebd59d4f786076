//! The HTTP API.
//!
//! | route | body | returns |
//! |---|---|---|
//! | `GET /health` | | status and version |
//! | `POST /twin/{user}/search` | `{"query": "...", "k": 10}` | fused hits with scores and sources |
//! | `POST /twin/{user}/chat` | `{"message": "...", "conversation_id"?: "..."}` | a grounded answer with citations |
//! | `GET /twin/{user}/conversations/{id}` | | the conversation's turns |
//! | `POST /twin/{user}/upload?filename=F[&format=..][&me=..]` | the file's bytes | the ingest report (422 when refused) |
//!
//! The tenant comes from the `x-twinlake-tenant` header, else the
//! configured default. Model and index work runs on the blocking pool so
//! the server keeps accepting requests while it computes.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::Scope;
use twinlake_pipelines::Backends;

use crate::ServingError;
use crate::chat_log::ChatLog;
use crate::twin::{chat, search};
use crate::upload;

/// The header naming the tenant.
pub const TENANT_HEADER: &str = "x-twinlake-tenant";

/// What every handler shares.
pub struct AppState {
    /// The stores and the model.
    pub backends: Backends,
    /// The chat log.
    pub chat_log: ChatLog,
    /// Held while an upload runs the ingest pipeline: one consumer at a time.
    pub ingest_lock: tokio::sync::Mutex<()>,
}

impl AppState {
    /// State over opened stores.
    pub fn new(backends: Backends, chat_log: ChatLog) -> Self {
        AppState {
            backends,
            chat_log,
            ingest_lock: tokio::sync::Mutex::new(()),
        }
    }
}

/// The API's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    // Room for the largest file ingest accepts, so the pipeline (not the
    // transport) reports an oversized file with the configured limit.
    let upload_limit = usize::try_from(state.backends.config.ingest.max_file_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    Router::new()
        .route("/health", get(health))
        .route("/twin/{user}/search", post(search_handler))
        .route("/twin/{user}/chat", post(chat_handler))
        .route("/twin/{user}/conversations/{id}", get(conversation_handler))
        .route(
            "/twin/{user}/upload",
            post(upload::upload_handler).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .with_state(state)
}

/// Serves `state` on `listener` until ctrl-c.
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

pub(crate) fn scope(
    state: &AppState,
    headers: &HeaderMap,
    user: &str,
) -> Result<Scope, ServingError> {
    let tenant = match headers.get(TENANT_HEADER) {
        Some(v) => v
            .to_str()
            .map_err(|_| ServingError::BadRequest(format!("{TENANT_HEADER} is not text")))?,
        None => &state.backends.config.tenant,
    };
    Ok(Scope::parse(tenant, user)?)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServingError> + Send + 'static,
) -> Result<T, ServingError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServingError::BadRequest(format!("request aborted: {e}")))?
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Body of a search request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchRequest {
    query: String,
    #[serde(default = "default_k")]
    k: usize,
}

fn default_k() -> usize {
    10
}

async fn search_handler(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Json(request): Json<SearchRequest>,
) -> Result<Json<Value>, ServingError> {
    let scope = scope(&state, &headers, &user)?;
    let hits = blocking(move || search::search(&state.backends, &scope, &request.query, request.k))
        .await?;
    Ok(Json(json!({ "results": hits })))
}

/// Body of a chat request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatRequest {
    message: String,
    #[serde(default)]
    conversation_id: Option<String>,
}

async fn chat_handler(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Json(request): Json<ChatRequest>,
) -> Result<Json<Value>, ServingError> {
    let scope = scope(&state, &headers, &user)?;
    let reply = blocking(move || {
        chat::chat(
            &state.backends,
            &state.chat_log,
            &scope,
            &request.message,
            request.conversation_id.as_deref(),
        )
    })
    .await?;
    Ok(Json(serde_json::to_value(reply).unwrap_or_default()))
}

async fn conversation_handler(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path((user, id)): Path<(String, String)>,
) -> Result<Json<Value>, ServingError> {
    let scope = scope(&state, &headers, &user)?;
    let turns = blocking(move || state.chat_log.turns(&scope, &id, 1000)).await?;
    Ok(Json(json!({ "turns": turns })))
}
