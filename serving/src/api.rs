//! The HTTP API.
//!
//! | route | body | returns |
//! |---|---|---|
//! | `GET /health` | | status and version |
//! | `POST /twin/{user}/search` | `{"query": "...", "k": 10}` | fused hits with scores and sources |
//! | `POST /twin/{user}/chat` | `{"message": "...", "conversation_id"?: "..."}` | a grounded answer with citations, and who answered (`answered_by`) |
//! | `GET /twin/{user}/conversations?limit=N` | | the user's conversations, latest first |
//! | `POST /twin/{user}/conversations` | `{"title"?: "..."}` | a new conversation (201) |
//! | `PATCH /twin/{user}/conversations/{id}` | `{"title"?, "status"?: "open" \| "archived"}` | the conversation, changed |
//! | `GET /twin/{user}/conversations/{id}?after=SEQ&limit=N` | | the conversation and a page of its turns, with `next_after` |
//! | `POST /twin/{user}/upload?filename=F[&format=..][&me=..]` | the file's bytes | the ingest report (422 when refused) |
//! | `GET /twin/{user}/profile` | | what the twin knows now, by kind, with citations |
//! | `GET /twin/{user}/memories?kind=K&as_of=T` | | memories valid at T (default now), of kind K |
//! | `GET /twin/{user}/memories/{id}/history` | | every version of one memory, oldest first |
//! | `GET /metrics` | | the server's figures in Prometheus' text format (admin key) |
//! | `GET /twin/{user}/graph?entity=NAME&depth=2&from=T&to=T` | | the entity's neighbours, with the facts that link them |
//!
//! Every `/twin/...` route needs `Authorization: Bearer <key>` (see
//! [`crate::auth`]): the tenant is the key's, and a member key reaches its
//! own twin only. Every error is JSON `{"error"}`. Model and index work
//! runs on the blocking pool (inside the stores), so the server keeps
//! accepting requests while it computes.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::backend::Source;
use twinlake_core::backend::chat_log::{ConversationChange, ConversationStatus};
use twinlake_jobs::catch_up::{self, CatchUp, Distil};
use twinlake_pipelines::bus::{FILES_TOPIC, INGEST_GROUP};
use twinlake_pipelines::ingest::Quiet;
use twinlake_stores::Backends;

use crate::auth::{Caller, Twin, authenticate};
use crate::limits::{RateLimiter, deadline, rate_limit};
use crate::metrics::{Gauges, Metrics};
use crate::twin::answerer::{self, Answerer};
use crate::twin::learn::ChatLearner;
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
    let twins = Router::new()
        .route("/twin/{user}/search", post(search_handler))
        .route("/twin/{user}/chat", post(chat_handler))
        .route(
            "/twin/{user}/conversations",
            get(conversations_handler).post(new_conversation_handler),
        )
        .route(
            "/twin/{user}/conversations/{id}",
            get(conversation_handler).patch(change_conversation_handler),
        )
        .route("/twin/{user}/profile", get(profile_handler))
        .route("/twin/{user}/memories", get(memories_handler))
        .route("/twin/{user}/memories/{id}/history", get(history_handler))
        .route("/twin/{user}/graph", get(graph_handler))
        .route("/metrics", get(metrics_handler))
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
        .layer(from_fn_with_state(state.clone(), access_log::access_log))
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
        &state,
        &scope,
        &request.message,
        request.conversation_id.as_deref(),
    )
    .await?;
    state.metrics.answered_by(&reply.reply.answered_by);
    Ok(Json(serde_json::to_value(reply).unwrap_or_default()))
}

/// `GET /metrics`, for an admin key (the figures are the whole server's).
async fn metrics_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ServingError> {
    if let Caller::Key(key) = &caller
        && let Some(member) = key.member()
    {
        return Err(ServingError::Forbidden(format!(
            "key {} is {member}'s; the server's metrics need an admin key",
            key.key_id
        )));
    }
    let gauges = Gauges {
        breakers: state.answerer.breakers(),
        unlearnt_turns: state.backends.chat_log.unlearnt_count().await?,
    };
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response())
}

/// The most conversations or turns one page holds.
const MOST_PER_PAGE: usize = 1000;

/// Query of a page of a list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    /// Turns numbered after this one (a conversation's pages).
    #[serde(default)]
    after: i64,
    #[serde(default = "default_page")]
    limit: usize,
}

fn default_page() -> usize {
    100
}

impl PageQuery {
    fn limit(&self) -> Result<usize, ServingError> {
        if !(1..=MOST_PER_PAGE).contains(&self.limit) {
            return Err(ServingError::BadRequest(format!(
                "limit must be 1..={MOST_PER_PAGE}, not {}",
                self.limit
            )));
        }
        Ok(self.limit)
    }
}

async fn conversations_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Query(page): Query<PageQuery>,
) -> Result<Json<Value>, ServingError> {
    let listed = state
        .backends
        .chat_log
        .conversations(&scope, page.limit()?)
        .await?;
    Ok(Json(json!({ "conversations": listed })))
}

/// Body creating a conversation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewConversation {
    #[serde(default)]
    title: Option<String>,
}

async fn new_conversation_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Json(request): Json<NewConversation>,
) -> Result<(StatusCode, Json<Value>), ServingError> {
    let title = request.title.as_deref().map(str::trim).unwrap_or_default();
    let title = if title.is_empty() {
        "New conversation"
    } else {
        title
    };
    let log = &state.backends.chat_log;
    let id = log.start_conversation(&scope, title).await?;
    let created = log
        .conversation(&scope, &id)
        .await?
        .ok_or_else(|| ServingError::Internal(format!("conversation {id} vanished")))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "conversation": created })),
    ))
}

/// Body changing a conversation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeRequest {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

async fn change_conversation_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
    Json(request): Json<ChangeRequest>,
) -> Result<Json<Value>, ServingError> {
    let status = request
        .status
        .as_deref()
        .map(|s| {
            ConversationStatus::parse(s).ok_or_else(|| {
                ServingError::BadRequest(format!("status must be open or archived, not {s:?}"))
            })
        })
        .transpose()?;
    let title = request.title.map(|t| t.trim().to_string());
    if title.as_deref() == Some("") {
        return Err(ServingError::BadRequest("title must not be empty".into()));
    }
    let change = ConversationChange { title, status };
    let changed = state
        .backends
        .chat_log
        .change_conversation(&scope, &id, &change)
        .await?;
    Ok(Json(json!({ "conversation": changed })))
}

async fn conversation_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Value>, ServingError> {
    let log = &state.backends.chat_log;
    let conversation = log.conversation(&scope, &id).await?.ok_or_else(|| {
        ServingError::NotFound(format!("no conversation {id:?} for user {}", scope.user))
    })?;
    let limit = page.limit()?;
    let turns = log.turns_after(&scope, &id, page.after, limit).await?;
    // The next page starts after this one's last turn, if it was full.
    let next_after = (turns.len() == limit)
        .then(|| turns.last().map(|t| t.seq))
        .flatten();
    Ok(Json(
        json!({ "conversation": conversation, "turns": turns, "next_after": next_after }),
    ))
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
