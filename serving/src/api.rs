//! The HTTP API.
//!
//! | route | body | returns |
//! |---|---|---|
//! | `GET /health` | | status and version |
//! | `POST /twin/{user}/search` | `{"query": "...", "k": 10}` | fused hits with scores and sources |
//! | `POST /twin/{user}/chat` | `{"message": "...", "conversation_id"?: "..."}` | a grounded answer with citations |
//! | `GET /twin/{user}/conversations/{id}` | | the conversation's turns |
//! | `POST /twin/{user}/upload?filename=F[&format=..][&me=..]` | the file's bytes | the ingest report (422 when refused) |
//! | `GET /twin/{user}/profile` | | what the twin knows now, by kind, with citations |
//! | `GET /twin/{user}/memories?kind=K&as_of=T` | | memories valid at T (default now), of kind K |
//! | `GET /twin/{user}/memories/{id}/history` | | every version of one memory, oldest first |
//! | `GET /twin/{user}/graph?entity=NAME&depth=2&from=T&to=T` | | the entity's neighbours, with the facts that link them |
//!
//! Every `/twin/...` route needs `Authorization: Bearer <key>` (see
//! [`crate::auth`]): the tenant is the key's, and a member key reaches its
//! own twin only. Every error is JSON `{"error"}`. Model and index work
//! runs on the blocking pool (inside the stores), so the server keeps
//! accepting requests while it computes.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::backend::Source;
use twinlake_stores::Backends;

use crate::auth::{Twin, authenticate};
use crate::limits::{RateLimiter, deadline, rate_limit};
use crate::twin::{chat, memories, profile, search};
use crate::{ServingError, access_log, browser, rejection, upload};

/// What every handler shares.
pub struct AppState {
    /// The stores and the model.
    pub backends: Backends,
    /// The server's one member of the ingest consumer group, opened by
    /// the first upload and kept, so uploads do not each join the group
    /// (on Kafka, a rebalance of every worker). Held while an upload runs
    /// the pipeline: one at a time.
    pub ingest_consumer: tokio::sync::Mutex<Option<Box<dyn Source>>>,
    /// Each key's request rate.
    pub rate: RateLimiter,
}

impl AppState {
    /// State over opened stores.
    pub fn new(backends: Backends) -> Self {
        AppState {
            rate: RateLimiter::new(backends.config.serve.requests_per_minute),
            backends,
            ingest_consumer: tokio::sync::Mutex::new(None),
        }
    }
}

/// The API's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let serve = &state.backends.config.serve;
    let request_deadline = Duration::from_secs(serve.request_timeout_secs.max(1));
    let upload_deadline = Duration::from_secs(serve.upload_timeout_secs.max(1));
    let upload = Router::new()
        .route(
            "/twin/{user}/upload",
            // The handler reads the body itself, within its own limits.
            post(upload::upload_handler).layer(DefaultBodyLimit::disable()),
        )
        .route_layer(from_fn_with_state(upload_deadline, deadline));
    // Route layers run bottom up: the key first, then its rate, then the
    // deadline around the handler.
    let twins = Router::new()
        .route("/twin/{user}/search", post(search_handler))
        .route("/twin/{user}/chat", post(chat_handler))
        .route("/twin/{user}/conversations/{id}", get(conversation_handler))
        .route("/twin/{user}/profile", get(profile_handler))
        .route("/twin/{user}/memories", get(memories_handler))
        .route("/twin/{user}/memories/{id}/history", get(history_handler))
        .route("/twin/{user}/graph", get(graph_handler))
        .route_layer(from_fn_with_state(request_deadline, deadline))
        .merge(upload)
        .route_layer(from_fn_with_state(state.clone(), rate_limit))
        .route_layer(from_fn_with_state(state.clone(), authenticate));
    // Layers run outside in: the access log sees every request, errors
    // become JSON, then the Host and Origin checks, then the key.
    Router::new()
        .route("/health", get(health))
        .merge(twins)
        .layer(from_fn_with_state(state.clone(), browser::same_site))
        .layer(from_fn(rejection::json_errors))
        .layer(from_fn(access_log::access_log))
        .with_state(state)
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
    Twin(scope): Twin,
    Json(request): Json<SearchRequest>,
) -> Result<Json<Value>, ServingError> {
    let remembered = memories::load(&state.backends, &scope).await?;
    let query = request.query.clone();
    let hits = search::search(&state.backends, &scope, &request.query, request.k).await?;
    let now = chrono::Utc::now().timestamp_micros();
    let found = memories::relevant(&remembered, &query, request.k, now);
    Ok(Json(json!({ "results": hits, "memories": found })))
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
    Twin(scope): Twin,
    Json(request): Json<ChatRequest>,
) -> Result<Json<Value>, ServingError> {
    let reply = chat::chat(
        &state.backends,
        &scope,
        &request.message,
        request.conversation_id.as_deref(),
    )
    .await?;
    Ok(Json(serde_json::to_value(reply).unwrap_or_default()))
}

async fn conversation_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ServingError> {
    let turns = state.backends.chat_log.turns(&scope, &id, 1000).await?;
    Ok(Json(json!({ "turns": turns })))
}

async fn profile_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
) -> Result<Json<profile::Profile>, ServingError> {
    // Serialised as is, so the API's figures read exactly as the CLI's.
    Ok(Json(profile::profile(&state.backends, &scope).await?))
}

/// Query of a memories request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemoriesQuery {
    kind: Option<String>,
    as_of: Option<String>,
}

async fn memories_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Query(query): Query<MemoriesQuery>,
) -> Result<Json<Value>, ServingError> {
    let kind = query
        .kind
        .as_deref()
        .map(memories::parse_kind)
        .transpose()?;
    let as_of = match query.as_of.as_deref() {
        Some(t) => memories::parse_time(t)?,
        None => chrono::Utc::now().timestamp_micros(),
    };
    let all = memories::load(&state.backends, &scope).await?;
    let valid = memories::as_of(&all, kind, as_of);
    Ok(Json(
        json!({ "as_of": memories::time(as_of), "memories": valid }),
    ))
}

async fn history_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ServingError> {
    let all = memories::load(&state.backends, &scope).await?;
    let chain = memories::history(&all, &id).ok_or_else(|| {
        ServingError::NotFound(format!(
            "no memory {id:?} for user {:?}",
            scope.user.as_str()
        ))
    })?;
    Ok(Json(json!({ "history": chain })))
}

/// Query of a graph request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GraphQuery {
    entity: String,
    #[serde(default = "default_depth")]
    depth: usize,
    from: Option<String>,
    to: Option<String>,
}

fn default_depth() -> usize {
    2
}

async fn graph_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Query(query): Query<GraphQuery>,
) -> Result<Json<Value>, ServingError> {
    if !(1..=3).contains(&query.depth) {
        return Err(ServingError::BadRequest(format!(
            "depth must be 1, 2 or 3, not {}",
            query.depth
        )));
    }
    let window = match (query.from.as_deref(), query.to.as_deref()) {
        (None, None) => None,
        (from, to) => Some((
            from.map(memories::parse_time)
                .transpose()?
                .unwrap_or(i64::MIN),
            to.map(memories::parse_time)
                .transpose()?
                .unwrap_or(i64::MAX),
        )),
    };
    let graph = &state.backends.graph;
    let entity = graph.find(&scope, &query.entity).await?.ok_or_else(|| {
        ServingError::NotFound(format!(
            "no entity {:?} in {}'s graph",
            query.entity, scope.user
        ))
    })?;
    let neighbours = graph
        .neighbours(&scope, &entity.entity_id, query.depth, window)
        .await?;
    Ok(Json(json!({ "entity": entity, "neighbours": neighbours })))
}
