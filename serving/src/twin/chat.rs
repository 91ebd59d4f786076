//! A chat turn with a twin: store the person's turn (and wake the learner,
//! which makes it footprint within moments), retrieve, answer with
//! citations through the configured [`Answerer`], store the twin's turn.
//! Both turns land in the chat log before the reply is returned.

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::chat_log::{Conversation, ConversationStatus};
use twinlake_core::backend::{Role, Turn};

use super::answerer::{Answerer, Reply};
use super::learn;
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
    let (conversation_id, open) = conversation_for(log, scope, message, conversation_id).await?;
    let (history, summary, summarised_through) = match open {
        Some(found) => (
            log.turns(scope, &conversation_id, HISTORY).await?,
            found.summary,
            found.summarised_through,
        ),
        None => (Vec::new(), None, 0),
    };
    let user_turn = said(state, scope, &conversation_id, message).await?;
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

/// A fact the member said, stored as their turn and being learnt.
#[derive(Clone, Debug, Serialize)]
pub struct Remembered {
    /// The conversation it was said in (new unless one was given).
    pub conversation_id: String,
    /// The stored turn.
    pub turn: Turn,
    /// Whether the server learns chat turns (`serve.learn_from_chat`):
    /// when true the fact is in the member's footprint within moments.
    pub learning: bool,
}

/// Stores `fact` as `scope`'s own words, in `conversation_id` or a new
/// conversation, with no reply: the learner makes it footprint exactly as
/// it does any chat turn. A text that tells nothing to learn (small talk,
/// questions alone) is refused, so a caller is never told a fact was
/// remembered when none will be.
pub async fn remember(
    state: &AppState,
    scope: &Scope,
    fact: &str,
    conversation_id: Option<&str>,
) -> Result<Remembered, ServingError> {
    let fact = fact.trim();
    if !learn::tells_something(fact) {
        return Err(ServingError::BadRequest(
            "fact: says nothing to remember (empty, small talk, or questions only)".into(),
        ));
    }
    let log = state.backends.chat_log.as_ref();
    let (conversation_id, _) = conversation_for(log, scope, fact, conversation_id).await?;
    let turn = said(state, scope, &conversation_id, fact).await?;
    Ok(Remembered {
        conversation_id,
        turn,
        learning: state.backends.config.serve.learn_from_chat,
    })
}

/// Stores what the person said as their turn and wakes the learner.
async fn said(
    state: &AppState,
    scope: &Scope,
    conversation_id: &str,
    text: &str,
) -> Result<Turn, ServingError> {
    let turn = state
        .backends
        .chat_log
        .append(
            scope,
            conversation_id,
            Role::User,
            text,
            &serde_json::json!({}),
        )
        .await?;
    state.learner.wake();
    Ok(turn)
}

/// The conversation a message goes to, and its state when it continues
/// one: `conversation_id` if it may be continued, else a new
/// conversation titled by `message`; 404 for an id the user has not.
async fn conversation_for(
    log: &dyn twinlake_core::backend::ChatLog,
    scope: &Scope,
    message: &str,
    conversation_id: Option<&str>,
) -> Result<(String, Option<Conversation>), ServingError> {
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
    Ok(match open {
        Some(found) => (found.id.clone(), Some(found)),
        None => (log.start_conversation(scope, message).await?, None),
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
