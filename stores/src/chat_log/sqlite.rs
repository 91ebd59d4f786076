//! The embedded chat log: SQLite through rusqlite, one connection behind a
//! mutex, every call on the blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use twinlake_core::backend::api_keys::{ApiKey, ApiKeys};
use twinlake_core::backend::chat_log::{
    self, ChatLog, Conversation, ConversationChange, Feedback, Role, Turn,
};
use twinlake_core::backend::{BackendError, on_blocking_pool};
use twinlake_core::{Scope, TenantId};

use super::{Migration, sql_limit};
use crate::StoreError;

mod projects;

const BACKEND: &str = "sqlite";

/// The SQLite schema's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_chat_log.sql",
        sql: include_str!("../../migrations/sqlite/0001_chat_log.sql"),
    },
    Migration {
        version: 2,
        name: "0002_turn_counter.sql",
        sql: include_str!("../../migrations/sqlite/0002_turn_counter.sql"),
    },
    Migration {
        version: 3,
        name: "0003_api_keys.sql",
        sql: include_str!("../../migrations/sqlite/0003_api_keys.sql"),
    },
    Migration {
        version: 4,
        name: "0004_chat_pipeline.sql",
        sql: include_str!("../../migrations/sqlite/0004_chat_pipeline.sql"),
    },
    Migration {
        version: 5,
        name: "0005_conversation_memory.sql",
        sql: include_str!("../../migrations/sqlite/0005_conversation_memory.sql"),
    },
    Migration {
        version: 6,
        name: "0006_projects.sql",
        sql: include_str!("../../migrations/sqlite/0006_projects.sql"),
    },
];

fn failed(e: rusqlite::Error) -> BackendError {
    BackendError::engine(BACKEND, e)
}

/// The chat log in one SQLite file.
pub struct SqliteChatLog {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteChatLog {
    /// Opens (creating) the database at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let conn = on_blocking_pool(BACKEND, move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| BackendError::Io {
                    backend: BACKEND,
                    context: format!("create {}", dir.display()),
                    source,
                })?;
            }
            let conn = Connection::open(&path).map_err(failed)?;
            prepare(conn)
        })
        .await?;
        Ok(SqliteChatLog {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// A database in memory, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = prepare(Connection::open_in_memory().map_err(failed)?)?;
        Ok(SqliteChatLog {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` on the connection, on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let conn = self.conn.clone();
        on_blocking_pool(BACKEND, move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            work(&mut conn)
        })
        .await
    }
}

/// Sets the connection's pragmas and applies the migrations it lacks.
fn prepare(mut conn: Connection) -> Result<Connection, BackendError> {
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
        .map_err(failed)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .map_err(failed)?;
    for m in MIGRATIONS {
        let tx = conn.transaction().map_err(failed)?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                params![m.version],
                |r| r.get(0),
            )
            .optional()
            .map_err(failed)?;
        if done.is_none() {
            tx.execute_batch(m.sql)
                .map_err(|e| BackendError::engine(BACKEND, format!("migration {}: {e}", m.name)))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![m.version, m.name, chrono::Utc::now().to_rfc3339()],
            )
            .map_err(failed)?;
        }
        tx.commit().map_err(failed)?;
    }
    Ok(conn)
}

#[async_trait]
impl ChatLog for SqliteChatLog {
    async fn start_conversation(&self, scope: &Scope, title: &str) -> Result<String, BackendError> {
        let now = chrono::Utc::now();
        let id = chat_log::conversation_id(scope, title, now);
        let (scope, title, out) = (scope.clone(), chat_log::title(title), id.clone());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO conversations (id, tenant, user, title, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, scope.tenant.as_str(), scope.user.as_str(), title, now.to_rfc3339()],
            )
            .map_err(failed)
        })
        .await?;
        Ok(out)
    }

    async fn append(
        &self,
        scope: &Scope,
        conversation_id: &str,
        role: Role,
        text: &str,
        metadata: &serde_json::Value,
    ) -> Result<Turn, BackendError> {
        let (scope, conversation_id, text, metadata) = (
            scope.clone(),
            conversation_id.to_string(),
            text.to_string(),
            metadata.clone(),
        );
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let created_at = chrono::Utc::now().to_rfc3339();
            let seq: Option<i64> = tx
                .query_row(
                    "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ?4
                     WHERE id = ?1 AND tenant = ?2 AND user = ?3 RETURNING last_seq",
                    params![conversation_id, scope.tenant.as_str(), scope.user.as_str(), created_at],
                    |r| r.get(0),
                )
                .optional()
                .map_err(failed)?;
            let Some(seq) = seq else {
                return Err(chat_log::no_conversation(BACKEND, &scope, &conversation_id));
            };
            tx.execute(
                "INSERT INTO turns (conversation_id, tenant, user, seq, role, text, metadata, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![conversation_id, scope.tenant.as_str(), scope.user.as_str(), seq, role.as_str(), text, metadata.to_string(), created_at],
            )
            .map_err(failed)?;
            let id = tx.last_insert_rowid();
            tx.commit().map_err(failed)?;
            Ok(Turn {
                id,
                conversation_id,
                seq,
                role: role.as_str().into(),
                text,
                metadata,
                created_at,
            })
        })
        .await
    }

    async fn turns(
        &self,
        scope: &Scope,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError> {
        let (scope, conversation_id) = (scope.clone(), conversation_id.to_string());
        self.with(move |conn| {
            let mut turns = all(
                conn,
                "SELECT id, conversation_id, seq, role, text, metadata, created_at FROM turns
                 WHERE tenant = ?1 AND user = ?2 AND conversation_id = ?3 ORDER BY seq DESC LIMIT ?4",
                params![
                    scope.tenant.as_str(),
                    scope.user.as_str(),
                    conversation_id,
                    sql_limit(limit)
                ],
                turn_of,
            )?;
            turns.reverse();
            Ok(turns)
        })
        .await
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<u64, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let who = params![scope.tenant.as_str(), scope.user.as_str()];
            let turns = tx
                .execute("DELETE FROM turns WHERE tenant = ?1 AND user = ?2", who)
                .map_err(failed)?;
            tx.execute(
                "DELETE FROM conversations WHERE tenant = ?1 AND user = ?2",
                who,
            )
            .map_err(failed)?;
            tx.execute("DELETE FROM feedback WHERE tenant = ?1 AND user = ?2", who)
                .map_err(failed)?;
            tx.commit().map_err(failed)?;
            Ok(turns as u64)
        })
        .await
    }

    async fn conversations(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Conversation>, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            all(
                conn,
                &format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant = ?1 AND user = ?2
                     ORDER BY COALESCE(last_message_at, created_at) DESC, id LIMIT ?3"
                ),
                params![scope.tenant.as_str(), scope.user.as_str(), sql_limit(limit)],
                conversation_of,
            )
        })
        .await
    }

    async fn conversation(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<Conversation>, BackendError> {
        let (scope, id) = (scope.clone(), id.to_string());
        self.with(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM conversations
                     WHERE id = ?1 AND tenant = ?2 AND user = ?3"
                ),
                params![id, scope.tenant.as_str(), scope.user.as_str()],
                conversation_of,
            )
            .optional()
            .map_err(failed)
        })
        .await
    }

    async fn change_conversation(
        &self,
        scope: &Scope,
        id: &str,
        change: &ConversationChange,
    ) -> Result<Conversation, BackendError> {
        let (scope, id, change) = (scope.clone(), id.to_string(), change.clone());
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let who = params![id, scope.tenant.as_str(), scope.user.as_str()];
            if let Some(title) = &change.title {
                tx.execute(
                    "UPDATE conversations SET title = ?4 WHERE id = ?1 AND tenant = ?2 AND user = ?3",
                    params![id, scope.tenant.as_str(), scope.user.as_str(), chat_log::title(title)],
                )
                .map_err(failed)?;
            }
            if let Some(status) = change.status {
                tx.execute(
                    "UPDATE conversations SET status = ?4 WHERE id = ?1 AND tenant = ?2 AND user = ?3",
                    params![id, scope.tenant.as_str(), scope.user.as_str(), status.as_str()],
                )
                .map_err(failed)?;
            }
            let changed = tx
                .query_row(
                    &format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM conversations
                         WHERE id = ?1 AND tenant = ?2 AND user = ?3"
                    ),
                    who,
                    conversation_of,
                )
                .optional()
                .map_err(failed)?
                .ok_or_else(|| chat_log::no_conversation(BACKEND, &scope, &id))?;
            tx.commit().map_err(failed)?;
            Ok(changed)
        })
        .await
    }

    async fn turns_after(
        &self,
        scope: &Scope,
        conversation_id: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError> {
        let (scope, conversation_id) = (scope.clone(), conversation_id.to_string());
        self.with(move |conn| {
            all(
                conn,
                "SELECT id, conversation_id, seq, role, text, metadata, created_at FROM turns
                 WHERE tenant = ?1 AND user = ?2 AND conversation_id = ?3 AND seq > ?4
                 ORDER BY seq LIMIT ?5",
                params![
                    scope.tenant.as_str(),
                    scope.user.as_str(),
                    conversation_id,
                    after_seq,
                    sql_limit(limit)
                ],
                turn_of,
            )
        })
        .await
    }

    async fn mark_learnt(&self, scope: &Scope, ids: &[i64]) -> Result<u64, BackendError> {
        let (scope, ids) = (scope.clone(), ids.to_vec());
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let now = chrono::Utc::now().to_rfc3339();
            let mut marked = 0;
            for id in ids {
                marked += tx
                    .execute(
                        "UPDATE turns SET learnt_at = ?1
                         WHERE id = ?2 AND tenant = ?3 AND user = ?4 AND learnt_at IS NULL",
                        params![now, id, scope.tenant.as_str(), scope.user.as_str()],
                    )
                    .map_err(failed)? as u64;
            }
            tx.commit().map_err(failed)?;
            Ok(marked)
        })
        .await
    }

    async fn unlearnt_count(&self) -> Result<u64, BackendError> {
        self.with(|conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM turns WHERE learnt_at IS NULL AND role = 'user'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(failed)
        })
        .await
    }

    async fn unlearnt(&self, limit: usize) -> Result<Vec<(Scope, Turn)>, BackendError> {
        self.with(move |conn| {
            let rows = all(
                conn,
                "SELECT id, conversation_id, seq, role, text, metadata, created_at, tenant, user
                 FROM turns WHERE learnt_at IS NULL AND role = 'user' ORDER BY id LIMIT ?1",
                params![sql_limit(limit)],
                |r| Ok((turn_of(r)?, r.get::<_, String>(7)?, r.get::<_, String>(8)?)),
            )?;
            rows.into_iter()
                .map(|(turn, tenant, user)| Ok((chat_log::owner(BACKEND, &tenant, &user)?, turn)))
                .collect()
        })
        .await
    }

    async fn turn(&self, scope: &Scope, id: i64) -> Result<Option<Turn>, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            conn.query_row(
                "SELECT id, conversation_id, seq, role, text, metadata, created_at FROM turns
                 WHERE id = ?1 AND tenant = ?2 AND user = ?3",
                params![id, scope.tenant.as_str(), scope.user.as_str()],
                turn_of,
            )
            .optional()
            .map_err(failed)
        })
        .await
    }

    async fn set_summary(
        &self,
        scope: &Scope,
        id: &str,
        summary: &str,
        through_seq: i64,
    ) -> Result<(), BackendError> {
        let (scope, id, summary) = (scope.clone(), id.to_string(), summary.to_string());
        self.with(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE conversations SET summary = ?4, summarised_through = ?5
                     WHERE id = ?1 AND tenant = ?2 AND user = ?3",
                    params![
                        id,
                        scope.tenant.as_str(),
                        scope.user.as_str(),
                        summary,
                        through_seq
                    ],
                )
                .map_err(failed)?;
            if changed == 0 {
                return Err(chat_log::no_conversation(BACKEND, &scope, &id));
            }
            Ok(())
        })
        .await
    }

    async fn idle_conversations(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<(Scope, Conversation)>, BackendError> {
        self.with(move |conn| {
            let rows = all(
                conn,
                &format!(
                    "SELECT {CONVERSATION_COLUMNS}, tenant, user FROM conversations
                     WHERE status = 'open' AND COALESCE(last_message_at, created_at) < ?1
                     ORDER BY COALESCE(last_message_at, created_at), id LIMIT ?2"
                ),
                params![before.to_rfc3339(), sql_limit(limit)],
                |r| {
                    Ok((
                        conversation_of(r)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                    ))
                },
            )?;
            rows.into_iter()
                .map(|(c, tenant, user)| Ok((chat_log::owner(BACKEND, &tenant, &user)?, c)))
                .collect()
        })
        .await
    }

    async fn add_feedback(&self, scope: &Scope, feedback: &Feedback) -> Result<(), BackendError> {
        let (scope, feedback) = (scope.clone(), feedback.clone());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO feedback (tenant, user, turn_id, rating, comment, memory_ids, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    scope.tenant.as_str(),
                    scope.user.as_str(),
                    feedback.turn_id,
                    feedback.rating.as_str(),
                    feedback.comment,
                    serde_json::to_string(&feedback.memory_ids).unwrap_or_default(),
                    feedback.created_at
                ],
            )
            .map_err(failed)?;
            Ok(())
        })
        .await
    }

    async fn feedback(&self, scope: &Scope, limit: usize) -> Result<Vec<Feedback>, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            let rows = all(
                conn,
                "SELECT turn_id, rating, comment, memory_ids, created_at FROM feedback
                 WHERE tenant = ?1 AND user = ?2 ORDER BY id DESC LIMIT ?3",
                params![scope.tenant.as_str(), scope.user.as_str(), sql_limit(limit)],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )?;
            rows.into_iter()
                .map(|(turn_id, rating, comment, memory_ids, created_at)| {
                    chat_log::feedback_of(
                        BACKEND,
                        turn_id,
                        &rating,
                        comment,
                        &memory_ids,
                        created_at,
                    )
                })
                .collect()
        })
        .await
    }
}

/// Every row `sql` yields with `params`, each read by `read`.
fn all<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, BackendError> {
    let mut stmt = conn.prepare(sql).map_err(failed)?;
    stmt.query_map(params, read)
        .map_err(failed)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)
}

/// The columns [`conversation_of`] reads, in its order.
const CONVERSATION_COLUMNS: &str =
    "id, title, status, created_at, last_message_at, last_seq, summary, summarised_through";

fn conversation_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        status: r.get(2)?,
        created_at: r.get(3)?,
        last_message_at: r.get(4)?,
        turns: r.get(5)?,
        summary: r.get(6)?,
        summarised_through: r.get(7)?,
    })
}

/// A turn from a row whose first seven columns are
/// `id, conversation_id, seq, role, text, metadata, created_at`.
fn turn_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Turn> {
    let metadata: String = r.get(5)?;
    Ok(Turn {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        seq: r.get(2)?,
        role: r.get(3)?,
        text: r.get(4)?,
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        created_at: r.get(6)?,
    })
}

/// The columns [`ApiKey::from_columns`] reads, in its order.
const KEY_COLUMNS: &str = "key_id, tenant, user, created_at, revoked_at";

fn key_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ApiKey, BackendError>> {
    Ok(ApiKey::from_columns(
        BACKEND,
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
    ))
}

#[async_trait]
impl ApiKeys for SqliteChatLog {
    async fn insert_key(&self, key: &ApiKey, secret_hash: &str) -> Result<(), BackendError> {
        let (key, secret_hash) = (key.clone(), secret_hash.to_string());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (key_id, tenant, user, secret_hash, created_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    key.key_id,
                    key.tenant.as_str(),
                    key.member().map(|u| u.as_str()),
                    secret_hash,
                    key.created_at,
                    key.revoked_at
                ],
            )
            .map_err(failed)?;
            Ok(())
        })
        .await
    }

    async fn key(&self, key_id: &str) -> Result<Option<(ApiKey, String)>, BackendError> {
        let key_id = key_id.to_string();
        self.with(move |conn| {
            let row = conn
                .query_row(
                    &format!("SELECT {KEY_COLUMNS}, secret_hash FROM api_keys WHERE key_id = ?1"),
                    params![key_id],
                    |r| Ok((key_of(r)?, r.get::<_, String>(5)?)),
                )
                .optional()
                .map_err(failed)?;
            row.map(|(key, hash)| Ok((key?, hash))).transpose()
        })
        .await
    }

    async fn revoke_key(&self, key_id: &str) -> Result<bool, BackendError> {
        let key_id = key_id.to_string();
        self.with(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE api_keys SET revoked_at = ?2 WHERE key_id = ?1 AND revoked_at IS NULL",
                    params![key_id, chrono::Utc::now().to_rfc3339()],
                )
                .map_err(failed)?;
            Ok(changed > 0)
        })
        .await
    }

    async fn keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, BackendError> {
        let tenant = tenant.clone();
        self.with(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant = ?1 ORDER BY created_at, key_id"
                ))
                .map_err(failed)?;
            let rows = stmt
                .query_map(params![tenant.as_str()], key_of)
                .map_err(failed)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(failed)?;
            rows.into_iter().collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_passes_the_chat_log_contract() {
        let dir = tempfile::tempdir().unwrap();
        let log = SqliteChatLog::open(&dir.path().join("chat.db"))
            .await
            .unwrap();
        twinlake_core::contract::chat_log::chat_log(Arc::new(log)).await;
    }

    #[tokio::test]
    async fn sqlite_passes_the_api_key_contract() {
        let log = SqliteChatLog::open_in_memory().unwrap();
        twinlake_core::contract::api_keys::api_keys(&log).await;
    }

    #[tokio::test]
    async fn a_database_from_before_migrations_is_adopted_with_its_turns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.db");
        {
            // The layout twinlake wrote before migrations were recorded.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0].sql).unwrap();
            conn.execute_batch(
                "INSERT INTO conversations (id, tenant, user, title, created_at)
                   VALUES ('c1', 't1', 'alice', 'hi', '2026-01-01T00:00:00Z');
                 INSERT INTO turns (conversation_id, tenant, user, seq, role, text, created_at)
                   VALUES ('c1', 't1', 'alice', 1, 'user', 'hi', '2026-01-01T00:00:00Z'),
                          ('c1', 't1', 'alice', 2, 'twin', 'hello', '2026-01-01T00:00:01Z');",
            )
            .unwrap();
        }
        let log = SqliteChatLog::open(&path).await.unwrap();
        let alice = Scope::parse("t1", "alice").unwrap();
        let turn = log
            .append(&alice, "c1", Role::User, "again", &serde_json::json!([]))
            .await
            .unwrap();
        assert_eq!(turn.seq, 3, "the counter did not start after the old turns");
        drop(log);
        // Reopening applies nothing twice.
        let log = SqliteChatLog::open(&path).await.unwrap();
        assert_eq!(log.turns(&alice, "c1", 10).await.unwrap().len(), 3);
    }
}
