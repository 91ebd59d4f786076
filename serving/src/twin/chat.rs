//! A chat turn with a twin: store the person's turn (and wake the learner,
//! which makes it footprint within moments), retrieve, answer with
//! citations through the configured [`Answerer`], store the twin's turn.
//! Both turns land in the chat log before the reply is returned.

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::chat_log::{Conversation, ConversationStatus};
use twinlake_core::backend::{Role, Turn};

use super::answerer::{Answerer, Reply};
use super::plan::{self, HISTORY};
use super::summary::{self, Breakpoint};
use crate::ServingError;
use crate::api::AppState;
use crate::tokens::Tokens;

/// The reply to one chat message.
#[derive(Clone, Debug, Serialize)]
pub struct ChatReply {
    /// The conversation (new unless one was given).
    pub conversation_id: String,
    /// The answer, its citations, who answered and what it drew on.
    #[serde(flatten)]
    pub reply: Reply,
    /// The stored user turn.
    pub user_turn: Turn,
    /// The stored twin turn.
    pub twin_turn: Turn,
}

/// Answers `message` for `scope`, in `conversation_id` or a new
/// conversation, sending the reply's text to `tokens` as it is written;
/// the stored turn is learnt by the server's learner.
///
/// A message to an archived conversation, or to one idle for
/// [`summary::IDLE`] (which is closed first), starts a new one; the
/// reply names it.
pub async fn chat(
    state: &AppState,
    scope: &Scope,
    message: &str,
    conversation_id: Option<&str>,
    tokens: &Tokens,
) -> Result<ChatReply, ServingError> {
    let message = message.trim();
    if message.is_empty() {
        return Err(ServingError::BadRequest("message must not be empty".into()));
    }
    let backends = &state.backends;
    let log = backends.chat_log.as_ref();
    let open = match conversation_id {
        Some(id) => match log.conversation(scope, id).await? {
            Some(found) => continued(log, scope, found).await?,
            None => {
                return Err(ServingError::NotFound(format!(
                    "no conversation {id:?} for user {}",
                    scope.user
                )));
            }
        },
        None => None,
    };
    let (conversation_id, history, summary, summarised_through) = match open {
        Some(found) => {
            let history = log.turns(scope, &found.id, HISTORY).await?;
            (found.id, history, found.summary, found.summarised_through)
        }
        None => (
            log.start_conversation(scope, message).await?,
            Vec::new(),
            None,
            0,
        ),
    };
    let user_turn = log
        .append(
            scope,
            &conversation_id,
            Role::User,
            message,
            &serde_json::json!({}),
        )
        .await?;
    state.learner.wake();
    // The message is stored whole; retrieval reads its start, as a query.
    let question = bounded(message, backends.config.serve.max_query_chars);
    let grounds = plan::gather(state, scope, question, history, summary).await?;
    let answerer: &dyn Answerer = state.answerer.as_ref();
    let reply = answerer.answer(question, &grounds, tokens).await;
    let metadata = serde_json::json!({
        "answered_by": reply.answered_by,
        "citations": reply.answer.citations,
        "used": reply.used,
    });
    let twin_turn = log
        .append(
            scope,
            &conversation_id,
            Role::Twin,
            &reply.answer.answer,
            &metadata,
        )
        .await?;
    // The conversation is read again only when a summary is due.
    if summary::due(summarised_through, twin_turn.seq)
        && let Some(now) = log.conversation(scope, &conversation_id).await?
    {
        summary::summarise(log, scope, &now, Breakpoint::Turns).await?;
    }
    Ok(ChatReply {
        conversation_id,
        reply,
        user_turn,
        twin_turn,
    })
}

/// `found` if a message may continue it: None when it is archived, or
/// idle long enough that it is closed now.
async fn continued(
    log: &dyn twinlake_core::backend::ChatLog,
    scope: &Scope,
    found: Conversation,
) -> Result<Option<Conversation>, ServingError> {
    if found.status != ConversationStatus::Open.as_str() {
        return Ok(None);
    }
    if summary::idle(&found, chrono::Utc::now()) {
        summary::close(log, scope, &found).await?;
        return Ok(None);
    }
    Ok(Some(found))
}

/// The first `most` characters of `text`.
fn bounded(text: &str, most: usize) -> &str {
    text.char_indices()
        .nth(most)
        .map_or(text, |(end, _)| &text[..end])
}
