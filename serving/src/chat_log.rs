//! The chat log: every turn of every conversation with a twin, in order, in
//! a relational store. It is the audit trail (kept indefinitely, exported
//! for access requests), so it is append-only: turns are never updated.
//!
//! `sqlite:///abs/path.db` is the embedded default; `sqlite::memory:` is for
//! tests. Every query is scoped by tenant and user.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::config::split_url;

use crate::ServingError;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS conversations (
    id         TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    user       TEXT NOT NULL,
    title      TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    tenant          TEXT NOT NULL,
    user            TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('user', 'twin')),
    text            TEXT NOT NULL,
    citations       TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX IF NOT EXISTS turns_by_scope ON turns (tenant, user, conversation_id, seq);
";

/// Who spoke a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person.
    User,
    /// Their twin.
    Twin,
}

impl Role {
    fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Twin => "twin",
        }
    }
}

/// One stored turn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Turn {
    /// Row id, increasing.
    pub id: i64,
    /// The conversation.
    pub conversation_id: String,
    /// Position in the conversation, from 1.
    pub seq: i64,
    /// Who spoke.
    pub role: String,
    /// What was said.
    pub text: String,
    /// Citations (JSON array) of a twin turn.
    pub citations: serde_json::Value,
    /// When, RFC 3339 UTC.
    pub created_at: String,
}

/// The chat log.
pub struct ChatLog {
    conn: Mutex<Connection>,
}

impl ChatLog {
    /// Opens the log named by `url`, creating its tables.
    pub fn open(url: &str) -> Result<Self, ServingError> {
        let conn = match (url, split_url(url)) {
            ("sqlite::memory:", _) => Connection::open_in_memory()?,
            (_, Some(("sqlite", path))) if path.starts_with('/') => {
                if let Some(dir) = std::path::Path::new(path).parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| ServingError::BadRequest(format!("chat log {path}: {e}")))?;
                }
                Connection::open(path)?
            }
            _ => {
                return Err(twinlake_core::CoreError::UnsupportedUrl {
                    concern: "chat_log",
                    url: url.into(),
                    supported: "sqlite:///abs/file.db, sqlite::memory:",
                }
                .into());
            }
        };
        conn.execute_batch(SCHEMA)?;
        Ok(ChatLog {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a conversation for `scope`; returns its id.
    pub fn start_conversation(&self, scope: &Scope, title: &str) -> Result<String, ServingError> {
        let now = chrono::Utc::now();
        let nanos = now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes();
        let id = twinlake_core::ContentHash::of_parts(&[
            scope.to_string().as_bytes(),
            &nanos,
            title.as_bytes(),
        ])
        .to_hex()[..20]
            .to_string();
        let title: String = title.chars().take(80).collect();
        self.conn().execute(
            "INSERT INTO conversations (id, tenant, user, title, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, scope.tenant.as_str(), scope.user.as_str(), title, now.to_rfc3339()],
        )?;
        Ok(id)
    }

    /// Whether `scope` owns conversation `id`.
    pub fn owns(&self, scope: &Scope, id: &str) -> Result<bool, ServingError> {
        let found: Option<i64> = self
            .conn()
            .query_row(
                "SELECT 1 FROM conversations WHERE id = ?1 AND tenant = ?2 AND user = ?3",
                params![id, scope.tenant.as_str(), scope.user.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Appends a turn to a conversation of `scope`.
    pub fn append(
        &self,
        scope: &Scope,
        conversation_id: &str,
        role: Role,
        text: &str,
        citations: &serde_json::Value,
    ) -> Result<Turn, ServingError> {
        if !self.owns(scope, conversation_id)? {
            return Err(ServingError::BadRequest(format!(
                "no conversation {conversation_id:?} for user {}",
                scope.user
            )));
        }
        let conn = self.conn();
        let created_at = chrono::Utc::now().to_rfc3339();
        let seq: i64 = conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation_id = ?1",
            params![conversation_id],
            |r| r.get(0),
        )?;
        conn.execute(
            "INSERT INTO turns (conversation_id, tenant, user, seq, role, text, citations, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![conversation_id, scope.tenant.as_str(), scope.user.as_str(), seq, role.as_str(), text, citations.to_string(), created_at],
        )?;
        Ok(Turn {
            id: conn.last_insert_rowid(),
            conversation_id: conversation_id.to_string(),
            seq,
            role: role.as_str().into(),
            text: text.to_string(),
            citations: citations.clone(),
            created_at,
        })
    }

    /// The turns of a conversation of `scope`, in order (the last `limit`).
    pub fn turns(
        &self,
        scope: &Scope,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<Turn>, ServingError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, conversation_id, seq, role, text, citations, created_at FROM turns
             WHERE tenant = ?1 AND user = ?2 AND conversation_id = ?3 ORDER BY seq DESC LIMIT ?4",
        )?;
        let mut turns = stmt
            .query_map(
                params![
                    scope.tenant.as_str(),
                    scope.user.as_str(),
                    conversation_id,
                    limit as i64
                ],
                |r| {
                    let citations: String = r.get(5)?;
                    Ok(Turn {
                        id: r.get(0)?,
                        conversation_id: r.get(1)?,
                        seq: r.get(2)?,
                        role: r.get(3)?,
                        text: r.get(4)?,
                        citations: serde_json::from_str(&citations).unwrap_or_default(),
                        created_at: r.get(6)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        turns.reverse();
        Ok(turns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_ordered_and_scoped() {
        let log = ChatLog::open("sqlite::memory:").unwrap();
        let alice = Scope::parse("t", "alice").unwrap();
        let bob = Scope::parse("t", "bob").unwrap();
        let c = log.start_conversation(&alice, "hello").unwrap();
        log.append(&alice, &c, Role::User, "hi", &serde_json::json!([]))
            .unwrap();
        log.append(
            &alice,
            &c,
            Role::Twin,
            "hello [1]",
            &serde_json::json!([{"n": 1}]),
        )
        .unwrap();
        let turns = log.turns(&alice, &c, 10).unwrap();
        assert_eq!(
            turns
                .iter()
                .map(|t| (t.seq, t.role.as_str()))
                .collect::<Vec<_>>(),
            [(1, "user"), (2, "twin")]
        );
        assert_eq!(turns[1].citations[0]["n"], 1);
        assert!(
            log.turns(&bob, &c, 10).unwrap().is_empty(),
            "bob read alice's conversation"
        );
        assert!(
            log.append(&bob, &c, Role::User, "sneaky", &serde_json::json!([]))
                .is_err()
        );
        assert_eq!(log.turns(&alice, &c, 1).unwrap()[0].seq, 2);
    }
}
