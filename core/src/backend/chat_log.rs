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
    /// Citations (JSON array) of a twin turn.
    pub citations: serde_json::Value,
    /// When, RFC 3339 UTC.
    pub created_at: String,
}

/// The relational store's conversations and turns.
#[async_trait]
pub trait ChatLog: Send + Sync {
    /// Starts a conversation for `scope` titled by (the start of) `title`;
    /// returns its id.
    async fn start_conversation(&self, scope: &Scope, title: &str) -> Result<String, BackendError>;
    /// Whether `scope` owns conversation `id`.
    async fn owns(&self, scope: &Scope, id: &str) -> Result<bool, BackendError>;
    /// Appends a turn to a conversation of `scope`, numbered after the
    /// last one; [`BackendError::NotFound`] if `scope` has no such
    /// conversation.
    async fn append(
        &self,
        scope: &Scope,
        conversation_id: &str,
        role: Role,
        text: &str,
        citations: &serde_json::Value,
    ) -> Result<Turn, BackendError>;
    /// The last `limit` turns of a conversation of `scope`, in order;
    /// empty for a conversation `scope` does not own.
    async fn turns(
        &self,
        scope: &Scope,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError>;
    /// Deletes every conversation and turn of `scope`; returns how many
    /// turns went.
    async fn delete_scope(&self, scope: &Scope) -> Result<u64, BackendError>;
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
