//! `POST /v1/chat/completions` over a local model ([`Generator`]), in the
//! OpenAI shape the twin's LLM client reads: server-sent events of
//! `choices[0].delta.content` ending with `data: [DONE]` when `stream` is
//! true, else one JSON body.
//!
//! The model is a base model with no chat template, so the messages are
//! laid out as a document it continues: the system text, the
//! conversation as `Person:` and `Twin:` lines, then `Question:` and
//! `Answer:`; generation stops at a blank line or a new speaker. One
//! generation runs at a time (each takes every thread given); the others
//! wait their turn.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Semaphore;

use super::generator::{Generator, GeneratorError};
use crate::ServingError;

/// New tokens an answer may have when the request does not say.
pub const DEFAULT_MAX_TOKENS: usize = 96;
/// The most new tokens a request may ask for.
pub const MOST_MAX_TOKENS: usize = 512;
/// Where an answer ends: a blank line, or the next speaker.
const STOPS: [&str; 4] = ["\n\n", "\nQuestion:", "\nPerson:", "\nTwin:"];
/// The largest request body: a prompt of a few thousand words.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A loaded model and its name, served one generation at a time.
pub struct LocalModel {
    name: String,
    generator: Arc<Generator>,
    turn: Arc<Semaphore>,
}

impl LocalModel {
    /// Serves `generator` under `name` (what requests must ask for).
    pub fn new(name: impl Into<String>, generator: Generator) -> Self {
        LocalModel {
            name: name.into(),
            generator: Arc::new(generator),
            turn: Arc::new(Semaphore::new(1)),
        }
    }
}

/// The completions route over `model`.
pub fn router(model: Arc<LocalModel>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(completions))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(model)
}

/// One message of a request.
#[derive(Deserialize)]
struct Message {
    role: String,
    content: String,
}

/// A chat-completions request (the fields this server reads).
#[derive(Deserialize)]
struct CompletionRequest {
    model: String,
    messages: Vec<Message>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    max_tokens: Option<usize>,
}

async fn completions(
    State(model): State<Arc<LocalModel>>,
    Json(request): Json<CompletionRequest>,
) -> Result<Response, ServingError> {
    if request.model != model.name {
        return Err(ServingError::NotFound(format!(
            "model {:?}: this sidecar serves {:?}",
            request.model, model.name
        )));
    }
    if !request.messages.iter().any(|m| m.role == "user") {
        return Err(ServingError::BadRequest(
            "messages must hold a user message".into(),
        ));
    }
    let max_new = request
        .max_tokens
        .unwrap_or(DEFAULT_MAX_TOKENS)
        .clamp(1, MOST_MAX_TOKENS);
    let prompt = prompt(&request.messages);
    let permit = model
        .turn
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ServingError::Internal(e.to_string()))?;
    let generator = model.generator.clone();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let generation = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        generator.generate(&prompt, max_new, &STOPS, |piece| {
            let _ = tx.send(piece.to_string());
        })
    });
    if !request.stream {
        let text = generation
            .await
            .map_err(|e| ServingError::Internal(e.to_string()))?
            .map_err(|e| ServingError::Internal(e.to_string()))?;
        return Ok(Json(json!({
            "object": "chat.completion",
            "model": model.name,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": text.trim() }, "finish_reason": "stop" }],
        }))
        .into_response());
    }
    Ok((
        [(CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(events(rx, generation)),
    )
        .into_response())
}

/// The server-sent events of a generation: a delta per piece, then an
/// error event if it failed, then `[DONE]`.
fn events(
    rx: tokio::sync::mpsc::UnboundedReceiver<String>,
    generation: tokio::task::JoinHandle<Result<String, GeneratorError>>,
) -> impl futures::Stream<Item = Result<String, std::convert::Infallible>> {
    futures::stream::unfold((rx, Some(generation)), |(mut rx, generation)| async move {
        if let Some(piece) = rx.recv().await {
            let event = json!({ "choices": [{ "index": 0, "delta": { "content": piece } }] });
            return Some((Ok(format!("data: {event}\n\n")), (rx, generation)));
        }
        // Every piece is sent: the generation has ended.
        let generation = generation?;
        let end = match generation.await {
            Ok(Ok(_)) => "data: [DONE]\n\n".to_string(),
            Ok(Err(e)) => format!(
                "data: {}\n\n",
                json!({ "error": { "message": e.to_string() } })
            ),
            Err(e) => format!(
                "data: {}\n\n",
                json!({ "error": { "message": e.to_string() } })
            ),
        };
        Some((Ok(end), (rx, None)))
    })
}

/// The document a base model continues for `messages`.
fn prompt(messages: &[Message]) -> String {
    let mut out = String::new();
    for m in messages.iter().filter(|m| m.role == "system") {
        out.push_str(m.content.trim());
        out.push_str("\n\n");
    }
    let turns: Vec<&Message> = messages.iter().filter(|m| m.role != "system").collect();
    let Some((question, before)) = turns.split_last() else {
        return out;
    };
    for m in before {
        let who = if m.role == "user" { "Person" } else { "Twin" };
        out.push_str(&format!("{who}: {}\n", m.content.trim()));
    }
    out.push_str(&format!("Question: {}\nAnswer:", question.content.trim()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(role: &str, content: &str) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }

    #[test]
    fn messages_become_a_document_ending_in_the_question() {
        let laid_out = prompt(&[
            message(
                "system",
                "You are Alice's twin.\nContext:\n[1] Ana is her sister.",
            ),
            message("user", "Hi"),
            message("assistant", "Hello Alice"),
            message("user", "Who is Ana?"),
        ]);
        assert_eq!(
            laid_out,
            "You are Alice's twin.\nContext:\n[1] Ana is her sister.\n\n\
             Person: Hi\nTwin: Hello Alice\nQuestion: Who is Ana?\nAnswer:"
        );
    }
}
