//! The HTTP API: the state every handler shares ([`AppState`]) and the
//! router ([`router`]) over the handlers in [`crate::routes`], which lists
//! every route.
//!
//! Every `/twin/...` route needs `Authorization: Bearer <key>` (see
//! [`crate::auth`]): the tenant is the key's, and a member key reaches its
//! own twin only. Every error is JSON `{"error"}`. Model and index work
//! runs on the blocking pool (inside the stores), so the server keeps
//! accepting requests while it computes.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use twinlake_core::backend::Source;
use twinlake_jobs::catch_up::{self, CatchUp, Distil};
use twinlake_pipelines::bus::{FILES_TOPIC, INGEST_GROUP};
use twinlake_pipelines::ingest::Quiet;
use twinlake_stores::Backends;

use crate::auth::authenticate;
use crate::limits::{RateLimiter, deadline, rate_limit};
use crate::metrics::Metrics;
use crate::routes::{
    chat, console, conversations, feedback, memories, metrics, openapi, projects, search,
};
use crate::twin::answerer::{self, Answerer};
use crate::twin::learn::ChatLearner;
use crate::{ServingError, access_log, browser, mcp, rejection, upload};

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
    /// Learns the turns people say in chat ([`crate::twin::learn`]).
    pub learner: ChatLearner,
    /// Words chat replies (`[llm]`, else extractive).
    pub answerer: Arc<dyn Answerer>,
    /// What `GET /metrics` shows.
    pub metrics: Metrics,
}

impl AppState {
    /// State over opened stores.
    pub fn new(backends: Backends) -> Self {
        AppState {
            rate: RateLimiter::new(backends.config.serve.requests_per_minute),
            ingest_consumer: tokio::sync::Mutex::new(None),
            learner: ChatLearner::default(),
            answerer: answerer::from_config(&backends.config.llm),
            metrics: Metrics::default(),
            backends,
        }
    }

    /// Runs the pipeline over what the files topic holds until it is
    /// caught up, as the server's member of the ingest group, then distils
    /// the users who got new episodes: what an upload or a chat turn
    /// published is in the indexes and the profile when it returns.
    pub async fn catch_up(&self) -> Result<CatchUp, ServingError> {
        let mut member = self.ingest_consumer.lock().await;
        let bus = self.backends.bus()?;
        if member.is_none() {
            *member = Some(bus.consumer(FILES_TOPIC, INGEST_GROUP).await?);
        }
        let consumer = member.as_mut().expect("just opened");
        let run = catch_up::run(
            &self.backends,
            consumer.as_mut(),
            &*bus,
            &mut Quiet,
            Distil::Changed,
        )
        .await;
        if run.is_err() {
            // It may have read past what it stored: the next run starts a
            // new member, which resumes from the group's commit.
            *member = None;
        }
        Ok(run?)
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
    // The socket outlives any request deadline; each of its messages is
    // timed and rate-limited on its own.
    let socket = Router::new().route("/twin/{user}/chat/ws", get(chat::chat_socket_handler));
    let twins = Router::new()
        .route("/twin/{user}/search", post(search::search_handler))
        .route("/twin/{user}/chat", post(chat::chat_handler))
        .route("/twin/{user}/remember", post(chat::remember_handler))
        .route(
            "/twin/{user}/messages/{id}/feedback",
            post(feedback::feedback_handler),
        )
        .route(
            "/twin/{user}/conversations",
            get(conversations::conversations_handler).post(conversations::new_conversation_handler),
        )
        .route(
            "/twin/{user}/conversations/{id}",
            get(conversations::conversation_handler)
                .patch(conversations::change_conversation_handler),
        )
        .route(
            "/twin/{user}/conversations/{id}/summary",
            post(conversations::summarise_handler),
        )
        .route("/twin/{user}/profile", get(memories::profile_handler))
        .route("/twin/{user}/memories", get(memories::memories_handler))
        .route(
            "/twin/{user}/memories/{id}/history",
            get(memories::history_handler),
        )
        .route("/twin/{user}/graph", get(memories::graph_handler))
        .route("/metrics", get(metrics::metrics_handler))
        .route("/projects", post(projects::new_project_handler))
        .route("/projects/{project}", get(projects::project_handler))
        .route(
            "/projects/{project}/proposals",
            post(projects::new_proposal_handler),
        )
        .route("/proposals/open", get(projects::open_proposals_handler))
        .route(
            "/proposals/{proposal}/status",
            get(projects::status_handler),
        )
        .route(
            "/proposals/{proposal}/choice",
            post(projects::choice_handler),
        )
        .route(
            "/proposals/{proposal}/coordinate",
            post(projects::coordinate_handler),
        )
        .route(
            "/recommendations/generate",
            post(projects::generate_handler),
        )
        .route_service(mcp::http::PATH, mcp::http::service(state.clone()))
        .route_layer(from_fn_with_state(request_deadline, deadline))
        .merge(upload)
        .merge(socket)
        .route_layer(from_fn_with_state(state.clone(), rate_limit))
        .route_layer(from_fn_with_state(state.clone(), authenticate));
    // Layers run outside in: the access log sees every request, errors
    // become JSON, then the Host and Origin checks, then the key.
    // The console and the API's description hold no one's data: public.
    Router::new()
        .route("/", get(console::console_handler))
        .route("/console.js", get(console::script_handler))
        .route("/health", get(health))
        .route("/openapi.json", get(openapi::openapi_handler))
        .merge(twins)
        .layer(from_fn_with_state(state.clone(), browser::same_site))
        .layer(from_fn(rejection::json_errors))
        .layer(from_fn_with_state(state.clone(), access_log::access_log))
        .with_state(state)
}

/// `GET /health`.
#[utoipa::path(
    get,
    path = "/health",
    tag = "server",
    responses((status = 200, description = "status and version"))
)]
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
