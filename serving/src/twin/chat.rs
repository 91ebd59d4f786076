//! A chat turn with a twin: store the person's turn (and wake the learner,
//! which makes it footprint within moments), retrieve, answer with
//! citations through the configured [`Answerer`], store the twin's turn.
//! Both turns land in the chat log before the reply is returned.

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::memory::MemoryKind;
use twinlake_udfs::extract::style::VoiceProfile;

use twinlake_core::backend::chat_log::ConversationStatus;
use twinlake_core::backend::{Role, Turn};

use super::answerer::{Answerer, Grounds, Reply};
use super::memories;
use super::search::search;
use crate::ServingError;
use crate::api::AppState;

/// Passages retrieved for a chat answer.
const RETRIEVED: usize = 8;
/// The conversation's last turns an answer reads.
const HISTORY: usize = 6;

/// The reply to one chat message.
#[derive(Clone, Debug, Serialize)]
pub struct ChatReply {
    /// The conversation (new unless one was given).
    pub conversation_id: String,
    /// The answer, its citations, and who answered.
    #[serde(flatten)]
    pub reply: Reply,
    /// The stored user turn.
    pub user_turn: Turn,
    /// The stored twin turn.
    pub twin_turn: Turn,
}

/// Answers `message` for `scope`, in `conversation_id` or a new
/// conversation; the stored turn is learnt by the server's learner.
pub async fn chat(
    state: &AppState,
    scope: &Scope,
    message: &str,
    conversation_id: Option<&str>,
) -> Result<ChatReply, ServingError> {
    let message = message.trim();
    if message.is_empty() {
        return Err(ServingError::BadRequest("message must not be empty".into()));
    }
    let backends = &state.backends;
    let log = &backends.chat_log;
    // A message to an archived conversation starts a new one; the reply
    // names it.
    let open = match conversation_id {
        Some(id) => match log.conversation(scope, id).await? {
            Some(found) => (found.status == ConversationStatus::Open.as_str()).then_some(found.id),
            None => {
                return Err(ServingError::BadRequest(format!(
                    "no conversation {id:?} for user {}",
                    scope.user
                )));
            }
        },
        None => None,
    };
    let continued = open.is_some();
    let conversation_id = match open {
        Some(id) => id,
        None => log.start_conversation(scope, message).await?,
    };
    let history = if continued {
        log.turns(scope, &conversation_id, HISTORY).await?
    } else {
        Vec::new()
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
    state.learner.wake();
    // The message is stored whole; retrieval reads its start, as a query.
    let question = bounded(message, backends.config.serve.max_query_chars);
    let hits = search(backends, scope, question, RETRIEVED).await?;
    let answerer: &dyn Answerer = state.answerer.as_ref();
    let (name, voice) = if answerer.uses_voice() {
        persona(state, scope).await?
    } else {
        (scope.user.to_string(), None)
    };
    let grounds = Grounds {
        name: &name,
        voice: voice.as_ref(),
        hits: &hits,
        history: &history,
    };
    let reply = answerer.answer(question, &grounds).await;
    let citations = serde_json::to_value(&reply.answer.citations).unwrap_or_default();
    let twin_turn = log
        .append(
            scope,
            &conversation_id,
            Role::Twin,
            &reply.answer.answer,
            &citations,
        )
        .await?;
    Ok(ChatReply {
        conversation_id,
        reply,
        user_turn,
        twin_turn,
    })
}

/// The person's name (as their own memories give it, else their user id)
/// and their voice profile, if one is measured.
async fn persona(
    state: &AppState,
    scope: &Scope,
) -> Result<(String, Option<VoiceProfile>), ServingError> {
    let now = chrono::Utc::now().timestamp_micros();
    let all = memories::load(&state.backends, scope).await?;
    let valid = memories::as_of(&all, None, now);
    let name = valid
        .iter()
        .find(|m| m.about_user && !m.subject.is_empty())
        .map_or_else(|| scope.user.to_string(), |m| m.subject.clone());
    let voice = valid
        .iter()
        .find(|m| m.kind == MemoryKind::Style)
        .and_then(|m| serde_json::from_str(&m.object).ok());
    Ok((name, voice))
}

/// The first `most` characters of `text`.
fn bounded(text: &str, most: usize) -> &str {
    text.char_indices()
        .nth(most)
        .map_or(text, |(end, _)| &text[..end])
}
