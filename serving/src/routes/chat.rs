//! Chatting with a twin, two ways over one function ([`chat::chat`]):
//!
//! - `POST /twin/{user}/chat` answers with the whole reply as JSON;
//! - `GET /twin/{user}/chat/ws` opens a WebSocket. The client sends
//!   `{"message", "conversation_id"?}` frames; for each, the server sends
//!   `{"type": "token", "text"}` frames as the reply is written (and
//!   `{"type": "restart"}` when an attempt failed after some text and
//!   another starts over), then one `{"type": "done", ...}` frame holding
//!   the reply the JSON route returns, or `{"type": "error", "error",
//!   "status"}`. Every message is rate-limited and timed like a request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use twinlake_core::Scope;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::{Caller, Twin};
use crate::tokens::{Token, Tokens};
use crate::twin::chat::{self, ChatReply, Remembered};

/// The largest frame a client may send: a message and an id.
const MOST_FRAME_BYTES: usize = 64 * 1024;

/// Body of a chat request, and of a chat socket's frame.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// What the person says.
    message: String,
    /// The conversation to continue; a new one when absent.
    #[serde(default)]
    conversation_id: Option<String>,
}

/// `POST /twin/{user}/chat`.
#[utoipa::path(
    post,
    path = "/twin/{user}/chat",
    tag = "chat",
    params(("user" = String, Path, description = "whose twin")),
    request_body = ChatRequest,
    responses(
        (status = 200, description = "the reply: answer, citations, answered_by, used, both stored turns"),
        (status = 404, description = "no such conversation for this user"),
    ),
    security(("api_key" = []))
)]
pub async fn chat_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Json(request): Json<ChatRequest>,
) -> Result<Json<Value>, ServingError> {
    let reply = chat::chat(
        &state,
        &scope,
        &request.message,
        request.conversation_id.as_deref(),
        &Tokens::none(),
    )
    .await?;
    state.metrics.answered_by(&reply.reply.answered_by);
    Ok(Json(serde_json::to_value(reply).unwrap_or_default()))
}

/// Body of a remember request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RememberRequest {
    /// The fact, in the member's own words ("I am vegetarian now").
    pub fact: String,
    /// The conversation it was said in; a new one when absent.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// `POST /twin/{user}/remember`.
#[utoipa::path(
    post,
    path = "/twin/{user}/remember",
    tag = "chat",
    params(("user" = String, Path, description = "whose twin")),
    request_body = RememberRequest,
    responses(
        (status = 202, description = "the fact, stored as the member's turn; it is learnt as chat turns are, within moments"),
        (status = 400, description = "a fact that tells nothing (empty, small talk, questions only)"),
        (status = 404, description = "no such conversation for this user"),
    ),
    security(("api_key" = []))
)]
pub async fn remember_handler(
    State(state): State<Arc<AppState>>,
    Twin(scope): Twin,
    Json(request): Json<RememberRequest>,
) -> Result<(StatusCode, Json<Remembered>), ServingError> {
    let remembered = chat::remember(
        &state,
        &scope,
        &request.fact,
        request.conversation_id.as_deref(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(remembered)))
}

/// `GET /twin/{user}/chat/ws`.
#[utoipa::path(
    get,
    path = "/twin/{user}/chat/ws",
    tag = "chat",
    params(
        ("user" = String, Path, description = "whose twin"),
        ("key" = Option<String>, Query, description = "the API key, for browsers that cannot send a header"),
    ),
    responses((status = 101, description = "a WebSocket of chat frames")),
    security(("api_key" = []))
)]
pub async fn chat_socket_handler(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Twin(scope): Twin,
    upgrade: WebSocketUpgrade,
) -> Response {
    let key = caller.key_id().unwrap_or("(open)").to_string();
    upgrade
        .max_message_size(MOST_FRAME_BYTES)
        .on_upgrade(move |socket| converse(state, scope, key, socket))
}

/// Serves one socket: each text frame is a chat message, answered in turn.
async fn converse(state: Arc<AppState>, scope: Scope, key: String, mut socket: WebSocket) {
    let deadline = Duration::from_secs(state.backends.config.serve.request_timeout_secs.max(1));
    while let Some(Ok(frame)) = socket.recv().await {
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(_) => break,
            // Pings are answered by axum; binary frames are not messages.
            Message::Binary(_) => {
                let refused = ServingError::BadRequest("send chat messages as text frames".into());
                if send(&mut socket, error_frame(&refused)).await.is_err() {
                    break;
                }
                continue;
            }
            _ => continue,
        };
        let answered = match admitted(&state, &key).and_then(|()| parse(text.as_str())) {
            Ok(request) => answer(&state, &scope, &request, deadline, &mut socket).await,
            Err(refused) => Err(refused),
        };
        let frame = match answered {
            Ok(reply) => {
                state.metrics.answered_by(&reply.reply.answered_by);
                let mut done = serde_json::to_value(&reply).unwrap_or_default();
                done["type"] = json!("done");
                done
            }
            Err(e) => error_frame(&e),
        };
        if send(&mut socket, frame).await.is_err() {
            break;
        }
    }
}

/// Takes one of the key's request tokens, as the rate limit does for a
/// request.
fn admitted(state: &AppState, key: &str) -> Result<(), ServingError> {
    state
        .rate
        .admit(key, Instant::now())
        .map_err(|wait| ServingError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        })
}

/// A frame read as a chat request, or why not.
fn parse(text: &str) -> Result<ChatRequest, ServingError> {
    serde_json::from_str(text).map_err(|e| {
        ServingError::BadRequest(format!(
            "a chat frame is {{\"message\": \"...\", \"conversation_id\"?: \"...\"}}: {e}"
        ))
    })
}

/// Answers `request`, forwarding the reply's text to `socket` as it comes.
/// A client that leaves mid-reply does not stop it: both turns are stored.
async fn answer(
    state: &AppState,
    scope: &Scope,
    request: &ChatRequest,
    deadline: Duration,
    socket: &mut WebSocket,
) -> Result<ChatReply, ServingError> {
    let (tokens, mut pieces) = Tokens::channel();
    let turn = tokio::time::timeout(
        deadline,
        chat::chat(
            state,
            scope,
            &request.message,
            request.conversation_id.as_deref(),
            &tokens,
        ),
    );
    tokio::pin!(turn);
    let mut listening = true;
    let result = loop {
        tokio::select! {
            done = &mut turn => break done,
            Some(piece) = pieces.recv() => {
                if listening && send(socket, token_frame(piece)).await.is_err() {
                    listening = false;
                }
            }
        }
    };
    while let Ok(piece) = pieces.try_recv() {
        if listening && send(socket, token_frame(piece)).await.is_err() {
            listening = false;
        }
    }
    result.map_err(|_| ServingError::Timeout(deadline))?
}

fn token_frame(token: Token) -> Value {
    match token {
        Token::Text(text) => json!({ "type": "token", "text": text }),
        Token::Restart => json!({ "type": "restart" }),
    }
}

fn error_frame(error: &ServingError) -> Value {
    if error.status().is_server_error() {
        tracing::error!(error = %error, "chat frame failed");
    }
    json!({ "type": "error", "error": error.to_string(), "status": error.status().as_u16() })
}

async fn send(socket: &mut WebSocket, frame: Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(frame.to_string().into())).await
}
