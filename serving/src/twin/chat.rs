//! A chat turn with a twin: store the person's turn, retrieve, answer with
//! citations, store the twin's turn. Both turns land in the chat log before
//! the reply is returned.

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_stores::Backends;

use twinlake_core::backend::{Role, Turn};

use super::answer::{Answer, compose};
use super::search::search;
use crate::ServingError;

/// Passages retrieved for a chat answer.
const RETRIEVED: usize = 8;

/// The reply to one chat message.
#[derive(Clone, Debug, Serialize)]
pub struct ChatReply {
    /// The conversation (new unless one was given).
    pub conversation_id: String,
    /// The answer and its citations.
    #[serde(flatten)]
    pub answer: Answer,
    /// The stored user turn.
    pub user_turn: Turn,
    /// The stored twin turn.
    pub twin_turn: Turn,
}

/// Answers `message` for `scope`, in `conversation_id` or a new conversation.
pub async fn chat(
    backends: &Backends,
    scope: &Scope,
    message: &str,
    conversation_id: Option<&str>,
) -> Result<ChatReply, ServingError> {
    let message = message.trim();
    if message.is_empty() {
        return Err(ServingError::BadRequest("message must not be empty".into()));
    }
    let log = &backends.chat_log;
    let conversation_id = match conversation_id {
        Some(id) if log.owns(scope, id).await? => id.to_string(),
        Some(id) => {
            return Err(ServingError::BadRequest(format!(
                "no conversation {id:?} for user {}",
                scope.user
            )));
        }
        None => log.start_conversation(scope, message).await?,
    };
    let user_turn = log
        .append(
            scope,
            &conversation_id,
            Role::User,
            message,
            &serde_json::json!([]),
        )
        .await?;
    // The message is stored whole; retrieval reads its start, as a query.
    let question = bounded(message, backends.config.serve.max_query_chars);
    let hits = search(backends, scope, question, RETRIEVED).await?;
    let answer = compose(question, &hits);
    let citations = serde_json::to_value(&answer.citations).unwrap_or_default();
    let twin_turn = log
        .append(
            scope,
            &conversation_id,
            Role::Twin,
            &answer.answer,
            &citations,
        )
        .await?;
    Ok(ChatReply {
        conversation_id,
        answer,
        user_turn,
        twin_turn,
    })
}

/// The first `most` characters of `text`.
fn bounded(text: &str, most: usize) -> &str {
    text.char_indices()
        .nth(most)
        .map_or(text, |(end, _)| &text[..end])
}
