//! The chat log: every turn of every conversation with a twin, in order,
//! in the relational store. It is the audit trail (kept indefinitely,
//! exported for access requests), so turns are appended, never updated.
//! Every call is scoped by tenant and user.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::BackendError;
use crate::{ContentHash, Scope};

/// Who spoke a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person.
    User,
    /// Their twin.
    Twin,
}

impl Role {
    /// The role as stored: `user` or `twin`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Twin => "twin",
        }
    }
}

/// One stored turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Row id, increasing.
    pub id: i64,
    /// The conversation.
    pub conversation_id: String,
    /// Position in the conversation, from 1, without gaps or repeats even
    /// under concurrent writers.
    pub seq: i64,
    /// Who spoke: `user` or `twin`.
    pub role: String,
    /// What was said.
    pub text: String,
    /// What else is known of the turn (a JSON object): for a twin turn,
    /// who answered, its citations and what it drew on.
    pub metadata: serde_json::Value,
    /// When, RFC 3339 UTC.
    pub created_at: String,
}

/// Whether a conversation goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// New turns may be added.
    Open,
    /// Put away by its owner: kept and readable, but a new message starts
    /// a new conversation.
    Archived,
}

impl ConversationStatus {
    /// The status as stored: `open` or `archived`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Archived => "archived",
        }
    }

    /// The status stored as `s`; None for one this version does not know.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(ConversationStatus::Open),
            "archived" => Some(ConversationStatus::Archived),
            _ => None,
        }
    }
}

/// One conversation, as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: String,
    /// Its title (the start of its first message, unless renamed).
    pub title: String,
    /// `open` or `archived`.
    pub status: String,
    /// When it started, RFC 3339 UTC.
    pub created_at: String,
    /// When its last turn was said, RFC 3339 UTC; None before any.
    pub last_message_at: Option<String>,
    /// How many turns it holds.
    pub turns: i64,
    /// What was said so far, extended at each breakpoint; None before the
    /// first.
    pub summary: Option<String>,
    /// The last turn the summary covers (0 before any).
    pub summarised_through: i64,
}

/// A change to a conversation: what is None stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationChange {
    /// A new title (cut to [`TITLE_CHARS`]).
    pub title: Option<String>,
    /// A new status.
    pub status: Option<ConversationStatus>,
}

/// The relational store's conversations and turns.
#[async_trait]
pub trait ChatLog: Send + Sync {
    /// Starts a conversation for `scope` titled by (the start of) `title`;
    /// returns its id.
    async fn start_conversation(&self, scope: &Scope, title: &str) -> Result<String, BackendError>;
    /// Whether `scope` owns conversation `id`.
    async fn owns(&self, scope: &Scope, id: &str) -> Result<bool, BackendError> {
        Ok(self.conversation(scope, id).await?.is_some())
    }
    /// Appends a turn to a conversation of `scope`, numbered after the
    /// last one; [`BackendError::NotFound`] if `scope` has no such
    /// conversation.
    async fn append(
        &self,
        scope: &Scope,
        conversation_id: &str,
        role: Role,
        text: &str,
        metadata: &serde_json::Value,
    ) -> Result<Turn, BackendError>;
    /// The last `limit` turns of a conversation of `scope`, in order;
    /// empty for a conversation `scope` does not own.
    async fn turns(
        &self,
        scope: &Scope,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError>;
    /// The conversations of `scope`, the one with the latest turn first,
    /// at most `limit`.
    async fn conversations(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Conversation>, BackendError>;
    /// Retitles or archives (or reopens) a conversation of `scope`;
    /// returns it as changed, or [`BackendError::NotFound`] if `scope` has
    /// no such conversation.
    async fn change_conversation(
        &self,
        scope: &Scope,
        id: &str,
        change: &ConversationChange,
    ) -> Result<Conversation, BackendError>;
    /// A conversation of `scope`, if it has one by that id.
    async fn conversation(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<Conversation>, BackendError>;
    /// A page of a conversation of `scope`: at most `limit` turns numbered
    /// after `after_seq`, in order; empty for a conversation `scope` does
    /// not own.
    async fn turns_after(
        &self,
        scope: &Scope,
        conversation_id: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError>;
    /// Deletes every conversation and turn of `scope`; returns how many
    /// turns went.
    async fn delete_scope(&self, scope: &Scope) -> Result<u64, BackendError>;
    /// Marks the person's turns `ids` of `scope` learnt (in the lake and
    /// the indexes, or judged not worth learning); ids of another scope's
    /// turns are left as they are. Returns how many were marked.
    async fn mark_learnt(&self, scope: &Scope, ids: &[i64]) -> Result<u64, BackendError>;
    /// The outbox: the oldest `limit` turns of any scope spoken by the
    /// person and not yet learnt, oldest first, with their owners. A
    /// server that stopped between storing a turn and learning it drains
    /// this when it starts, so no turn is lost.
    async fn unlearnt(&self, limit: usize) -> Result<Vec<(Scope, Turn)>, BackendError>;
    /// How many turns the outbox holds, without reading them.
    async fn unlearnt_count(&self) -> Result<u64, BackendError>;
    /// The turn `id` of `scope`, if `scope` said or was told it.
    async fn turn(&self, scope: &Scope, id: i64) -> Result<Option<Turn>, BackendError>;
    /// Replaces the summary of a conversation of `scope` with `summary`,
    /// covering its turns up to `through_seq`; [`BackendError::NotFound`]
    /// if `scope` has no such conversation.
    async fn set_summary(
        &self,
        scope: &Scope,
        id: &str,
        summary: &str,
        through_seq: i64,
    ) -> Result<(), BackendError>;
    /// Open conversations of any scope whose last turn (or start, before
    /// any) came before `before`, oldest first, at most `limit`, with
    /// their owners: the ones idle long enough to close.
    async fn idle_conversations(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<(Scope, Conversation)>, BackendError>;
    /// Records `scope`'s feedback on one of their twin's turns.
    async fn add_feedback(&self, scope: &Scope, feedback: &Feedback) -> Result<(), BackendError>;
    /// `scope`'s feedback, the latest first, at most `limit`.
    async fn feedback(&self, scope: &Scope, limit: usize) -> Result<Vec<Feedback>, BackendError>;
}

/// How a person rated one of their twin's replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// It helped.
    Helpful,
    /// It was wrong: the memories it drew on lose confidence.
    Incorrect,
    /// It showed something new.
    Insightful,
    /// It did not sound like them: the voice instructions change.
    OffVoice,
}

impl Rating {
    /// Every rating, in the order the API lists them.
    pub const ALL: [Rating; 4] = [
        Rating::Helpful,
        Rating::Incorrect,
        Rating::Insightful,
        Rating::OffVoice,
    ];

    /// The rating as stored: `helpful`, `incorrect`, `insightful`, `off_voice`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Rating::Helpful => "helpful",
            Rating::Incorrect => "incorrect",
            Rating::Insightful => "insightful",
            Rating::OffVoice => "off_voice",
        }
    }

    /// The rating stored as `s`; None for one this version does not know.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One rating of a twin's turn, with what that turn drew on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// The twin's turn rated.
    pub turn_id: i64,
    /// How.
    pub rating: Rating,
    /// What the person added, if anything.
    pub comment: Option<String>,
    /// The memories the rated turn drew on.
    pub memory_ids: Vec<String>,
    /// When, RFC 3339 UTC.
    pub created_at: String,
}

/// The owner of a stored turn, read back from the store's columns; a row
/// no valid scope owns is a corrupt store, reported as such.
pub fn owner(backend: &'static str, tenant: &str, user: &str) -> Result<Scope, BackendError> {
    Scope::parse(tenant, user).map_err(|e| {
        BackendError::engine(backend, format!("a stored turn has an invalid owner: {e}"))
    })
}

/// A stored feedback row read back; a rating this version does not know
/// or memory ids that are not a JSON list are a corrupt store.
pub fn feedback_of(
    backend: &'static str,
    turn_id: i64,
    rating: &str,
    comment: Option<String>,
    memory_ids: &str,
    created_at: String,
) -> Result<Feedback, BackendError> {
    let rating = Rating::parse(rating).ok_or_else(|| {
        BackendError::engine(
            backend,
            format!("stored feedback has an unknown rating {rating:?}"),
        )
    })?;
    let memory_ids = serde_json::from_str(memory_ids).map_err(|e| {
        BackendError::engine(
            backend,
            format!("stored feedback's memory ids are not a list: {e}"),
        )
    })?;
    Ok(Feedback {
        turn_id,
        rating,
        comment,
        memory_ids,
        created_at,
    })
}

/// The most characters of a conversation's title.
pub const TITLE_CHARS: usize = 80;

/// A new conversation's id: a hash of its owner, the time and its title,
/// so two conversations never share one.
pub fn conversation_id(scope: &Scope, title: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let nanos = now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes();
    ContentHash::of_parts(&[scope.to_string().as_bytes(), &nanos, title.as_bytes()]).to_hex()[..20]
        .to_string()
}

/// A conversation's stored title: the first [`TITLE_CHARS`] characters.
pub fn title(text: &str) -> String {
    text.chars().take(TITLE_CHARS).collect()
}

/// The error of an append to a conversation `scope` does not own.
pub fn no_conversation(backend: &'static str, scope: &Scope, id: &str) -> BackendError {
    BackendError::NotFound {
        backend,
        what: format!("no conversation {id:?} for user {}", scope.user),
    }
}
