//! A person's conversations with their twin: listed, created, renamed,
//! archived (which summarises them), summarised on request, and read a
//! page of turns at a time.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::Scope;
use twinlake_core::backend::ChatLog;
use twinlake_core::backend::chat_log::{Conversation, ConversationChange, ConversationStatus};

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Twin;
use crate::twin::summary::{self, Breakpoint};

/// The most conversations or turns one page holds.
const MOST_PER_PAGE: usize = 1000;

/// Query of a page of a list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
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

#[utoipa::path(
    get,
    path = "/twin/{user}/conversations",
    tag = "conversations",
    params(("user" = String, Path, description = "whose twin"), ("limit" = Option<usize>, Query, description = "at most this many, 1..=1000 (100)")),
    responses((status = 200, description = "the conversations, the latest first")),
    security(("api_key" = []))
)]
pub async fn conversations_handler(
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    #[serde(default)]
    title: Option<String>,
}

#[utoipa::path(
    post,
    path = "/twin/{user}/conversations",
    tag = "conversations",
    params(("user" = String, Path, description = "whose twin")),
    request_body = NewConversation,
    responses((status = 201, description = "the new conversation")),
    security(("api_key" = []))
)]
pub async fn new_conversation_handler(
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
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/twin/{user}/conversations/{id}",
    tag = "conversations",
    params(("user" = String, Path, description = "whose twin"), ("id" = String, Path, description = "the conversation")),
    request_body = ChangeRequest,
    responses((status = 200, description = "the conversation, changed (archiving summarises it)"), (status = 404, description = "no such conversation for this user")),
    security(("api_key" = []))
)]
pub async fn change_conversation_handler(
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
    let log = state.backends.chat_log.as_ref();
    // Closing a conversation is a breakpoint: what was said is summarised
    // before it is put away.
    if status == Some(ConversationStatus::Archived)
        && let Some(open) = log.conversation(&scope, &id).await?
        && open.status == ConversationStatus::Open.as_str()
    {
        summary::summarise(log, &scope, &open, Breakpoint::Closed).await?;
    }
    let change = ConversationChange { title, status };
    let changed = log.change_conversation(&scope, &id, &change).await?;
    Ok(Json(json!({ "conversation": changed })))
}

/// `POST /twin/{user}/conversations/{id}/summary`: extends the summary
/// with the turns since the last one, now.
#[utoipa::path(
    post,
    path = "/twin/{user}/conversations/{id}/summary",
    tag = "conversations",
    params(
        ("user" = String, Path, description = "whose twin"),
        ("id" = String, Path, description = "the conversation"),
    ),
    responses(
        (status = 200, description = "the conversation with its summary"),
        (status = 404, description = "no such conversation for this user"),
    ),
    security(("api_key" = []))
)]
pub async fn summarise_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ServingError> {
    let log = state.backends.chat_log.as_ref();
    let found = owned(log, &scope, &id).await?;
    summary::summarise(log, &scope, &found, Breakpoint::Requested).await?;
    let now = owned(log, &scope, &id).await?;
    Ok(Json(json!({ "conversation": now })))
}

/// A conversation of `scope`, or 404.
async fn owned(log: &dyn ChatLog, scope: &Scope, id: &str) -> Result<Conversation, ServingError> {
    log.conversation(scope, id).await?.ok_or_else(|| {
        ServingError::NotFound(format!("no conversation {id:?} for user {}", scope.user))
    })
}

#[utoipa::path(
    get,
    path = "/twin/{user}/conversations/{id}",
    tag = "conversations",
    params(("user" = String, Path, description = "whose twin"), ("id" = String, Path, description = "the conversation"), ("after" = Option<i64>, Query, description = "turns numbered after this"), ("limit" = Option<usize>, Query, description = "1..=1000 (100)")),
    responses((status = 200, description = "the conversation, a page of its turns and next_after"), (status = 404, description = "no such conversation for this user")),
    security(("api_key" = []))
)]
pub async fn conversation_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Path((_, id)): Path<(String, String)>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Value>, ServingError> {
    let log = state.backends.chat_log.as_ref();
    let conversation = owned(log, &scope, &id).await?;
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
