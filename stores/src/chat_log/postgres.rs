//! The chat log on a PostgreSQL server, through sqlx's connection pool.
//!
//! `postgres://user@host:port/db?schema=name` keeps the tables in schema
//! `name` (created if missing), so several deployments or test runs can
//! share one database. Migrations run under a transaction-scoped advisory
//! lock, so workers starting together apply each one once.

use std::str::FromStr;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use twinlake_core::backend::BackendError;
use twinlake_core::backend::api_keys::{ApiKey, ApiKeys};
use twinlake_core::backend::chat_log::{
    self, ChatLog, Conversation, ConversationChange, Feedback, Role, Turn,
};
use twinlake_core::{Scope, TenantId};

use super::{Migration, sql_limit};
use crate::StoreError;

mod projects;

const BACKEND: &str = "postgres";

/// Connections the pool keeps at most.
const POOL_SIZE: u32 = 8;

/// How long a caller waits for a connection (sqlx's default is 30 s).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A key for `pg_advisory_xact_lock`, taken while migrating.
const MIGRATION_LOCK: i64 = 0x7477_696e_6c61_6b65; // "twinlake"

/// The PostgreSQL schema's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_chat_log.sql",
        sql: include_str!("../../migrations/postgres/0001_chat_log.sql"),
    },
    Migration {
        version: 2,
        name: "0002_api_keys.sql",
        sql: include_str!("../../migrations/postgres/0002_api_keys.sql"),
    },
    Migration {
        version: 3,
        name: "0003_chat_pipeline.sql",
        sql: include_str!("../../migrations/postgres/0003_chat_pipeline.sql"),
    },
    Migration {
        version: 4,
        name: "0004_conversation_memory.sql",
        sql: include_str!("../../migrations/postgres/0004_conversation_memory.sql"),
    },
    Migration {
        version: 5,
        name: "0005_projects.sql",
        sql: include_str!("../../migrations/postgres/0005_projects.sql"),
    },
];

fn failed(e: sqlx::Error) -> BackendError {
    BackendError::engine(BACKEND, e)
}

/// The chat log in a PostgreSQL database.
pub struct PostgresChatLog {
    pool: PgPool,
}

/// Splits `?schema=name` off a PostgreSQL URL.
fn schema_of(url: &str) -> Result<(String, Option<String>), BackendError> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| BackendError::engine(BACKEND, format!("bad url: {e}")))?;
    let mut schema = None;
    let rest: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(k, v)| {
            if k == "schema" {
                schema = Some(v.into_owned());
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    parsed.set_query(None);
    if !rest.is_empty() {
        parsed.query_pairs_mut().extend_pairs(rest);
    }
    if let Some(s) = &schema {
        let valid = !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(BackendError::engine(
                BACKEND,
                format!("schema {s:?}: use lower-case letters, digits and _"),
            ));
        }
    }
    Ok((parsed.to_string(), schema))
}

impl PostgresChatLog {
    /// Connects to `url`, creates its schema if named and missing, and
    /// applies the migrations it lacks.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (plain, schema) = schema_of(url)?;
        let unavailable = |e: sqlx::Error| BackendError::Unavailable {
            backend: BACKEND,
            url: redact(&plain),
            message: e.to_string(),
        };
        let mut options = PgConnectOptions::from_str(&plain).map_err(unavailable)?;
        if let Some(schema) = &schema {
            let mut conn = sqlx::PgConnection::connect_with(&options)
                .await
                .map_err(unavailable)?;
            // CREATE SCHEMA IF NOT EXISTS races between processes starting
            // together: the migration lock orders them.
            let create = format!(
                "BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK}); \
                 CREATE SCHEMA IF NOT EXISTS {schema}; COMMIT;"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut conn)
                .await
                .map_err(failed)?;
            conn.close().await.map_err(failed)?;
            options = options.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        migrate(&pool).await?;
        Ok(PostgresChatLog { pool })
    }
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn migrate(pool: &PgPool) -> Result<(), BackendError> {
    let mut tx = pool.begin().await.map_err(failed)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    for m in MIGRATIONS {
        let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(failed)?;
        if done.is_some() {
            continue;
        }
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| BackendError::engine(BACKEND, format!("migration {}: {e}", m.name)))?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)
}

/// The columns [`conversation`] reads.
const CONVERSATION_COLUMNS: &str =
    "id, title, status, created_at, last_message_at, last_seq, summary, summarised_through";

fn conversation(row: &PgRow) -> Result<Conversation, sqlx::Error> {
    Ok(Conversation {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        last_message_at: row.try_get("last_message_at")?,
        turns: row.try_get("last_seq")?,
        summary: row.try_get("summary")?,
        summarised_through: row.try_get("summarised_through")?,
    })
}

/// The owner a row's `tenant` and `user_id` columns name.
fn owner_of(row: &PgRow) -> Result<Scope, BackendError> {
    let column = |name: &str| row.try_get::<String, _>(name).map_err(failed);
    chat_log::owner(BACKEND, &column("tenant")?, &column("user_id")?)
}

fn turn(row: &PgRow) -> Result<Turn, sqlx::Error> {
    let metadata: String = row.try_get("metadata")?;
    Ok(Turn {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        seq: row.try_get("seq")?,
        role: row.try_get("role")?,
        text: row.try_get("text")?,
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl ChatLog for PostgresChatLog {
    async fn start_conversation(&self, scope: &Scope, title: &str) -> Result<String, BackendError> {
        let now = chrono::Utc::now();
        let id = chat_log::conversation_id(scope, title, now);
        sqlx::query(
            "INSERT INTO conversations (id, tenant, user_id, title, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(chat_log::title(title))
        .bind(now.to_rfc3339())
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(id)
    }

    async fn append(
        &self,
        scope: &Scope,
        conversation_id: &str,
        role: Role,
        text: &str,
        metadata: &serde_json::Value,
    ) -> Result<Turn, BackendError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        // The row lock this update takes orders concurrent appends.
        let created_at = chrono::Utc::now().to_rfc3339();
        let seq: Option<i64> = sqlx::query(
            "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $4
             WHERE id = $1 AND tenant = $2 AND user_id = $3 RETURNING last_seq",
        )
        .bind(conversation_id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(&created_at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed)?
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(failed)?;
        let Some(seq) = seq else {
            return Err(chat_log::no_conversation(BACKEND, scope, conversation_id));
        };
        let id: i64 = sqlx::query(
            "INSERT INTO turns (conversation_id, tenant, user_id, seq, role, text, metadata, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(conversation_id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(seq)
        .bind(role.as_str())
        .bind(text)
        .bind(metadata.to_string())
        .bind(&created_at)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(Turn {
            id,
            conversation_id: conversation_id.to_string(),
            seq,
            role: role.as_str().into(),
            text: text.to_string(),
            metadata: metadata.clone(),
            created_at,
        })
    }

    async fn turns(
        &self,
        scope: &Scope,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, seq, role, text, metadata, created_at FROM turns
             WHERE tenant = $1 AND user_id = $2 AND conversation_id = $3 ORDER BY seq DESC LIMIT $4",
        )
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(conversation_id)
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        let mut turns = rows
            .iter()
            .map(turn)
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed)?;
        turns.reverse();
        Ok(turns)
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<u64, BackendError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let turns = sqlx::query("DELETE FROM turns WHERE tenant = $1 AND user_id = $2")
            .bind(scope.tenant.as_str())
            .bind(scope.user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(failed)?
            .rows_affected();
        for table in ["conversations", "feedback"] {
            // Only a constant is formatted in.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE tenant = $1 AND user_id = $2"
            )))
            .bind(scope.tenant.as_str())
            .bind(scope.user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)?;
        Ok(turns)
    }

    async fn conversations(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<Conversation>, BackendError> {
        // Only a constant is formatted in.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant = $1 AND user_id = $2
             ORDER BY COALESCE(last_message_at, created_at) DESC, id LIMIT $3"
        )))
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(conversation)
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed)
    }

    async fn conversation(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<Conversation>, BackendError> {
        // Only a constant is formatted in.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations
             WHERE id = $1 AND tenant = $2 AND user_id = $3"
        )))
        .bind(id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        row.as_ref().map(conversation).transpose().map_err(failed)
    }

    async fn change_conversation(
        &self,
        scope: &Scope,
        id: &str,
        change: &ConversationChange,
    ) -> Result<Conversation, BackendError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE conversations SET title = COALESCE($4, title), status = COALESCE($5, status)
             WHERE id = $1 AND tenant = $2 AND user_id = $3 RETURNING {CONVERSATION_COLUMNS}"
        )))
        .bind(id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(change.title.as_deref().map(chat_log::title))
        .bind(change.status.map(|s| s.as_str()))
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        match row {
            Some(row) => conversation(&row).map_err(failed),
            None => Err(chat_log::no_conversation(BACKEND, scope, id)),
        }
    }

    async fn turns_after(
        &self,
        scope: &Scope,
        conversation_id: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Turn>, BackendError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, seq, role, text, metadata, created_at FROM turns
             WHERE tenant = $1 AND user_id = $2 AND conversation_id = $3 AND seq > $4
             ORDER BY seq LIMIT $5",
        )
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(conversation_id)
        .bind(after_seq)
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(turn)
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed)
    }

    async fn mark_learnt(&self, scope: &Scope, ids: &[i64]) -> Result<u64, BackendError> {
        let marked = sqlx::query(
            "UPDATE turns SET learnt_at = $1
             WHERE id = ANY($2) AND tenant = $3 AND user_id = $4 AND learnt_at IS NULL",
        )
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(ids)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .execute(&self.pool)
        .await
        .map_err(failed)?
        .rows_affected();
        Ok(marked)
    }

    async fn unlearnt_count(&self) -> Result<u64, BackendError> {
        let count: i64 =
            sqlx::query("SELECT COUNT(*) FROM turns WHERE learnt_at IS NULL AND role = 'user'")
                .fetch_one(&self.pool)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(failed)?;
        Ok(count as u64)
    }

    async fn unlearnt(&self, limit: usize) -> Result<Vec<(Scope, Turn)>, BackendError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, seq, role, text, metadata, created_at, tenant, user_id
             FROM turns WHERE learnt_at IS NULL AND role = 'user' ORDER BY id LIMIT $1",
        )
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| Ok((owner_of(row)?, turn(row).map_err(failed)?)))
            .collect()
    }

    async fn turn(&self, scope: &Scope, id: i64) -> Result<Option<Turn>, BackendError> {
        let row = sqlx::query(
            "SELECT id, conversation_id, seq, role, text, metadata, created_at FROM turns
             WHERE id = $1 AND tenant = $2 AND user_id = $3",
        )
        .bind(id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        row.as_ref().map(turn).transpose().map_err(failed)
    }

    async fn set_summary(
        &self,
        scope: &Scope,
        id: &str,
        summary: &str,
        through_seq: i64,
    ) -> Result<(), BackendError> {
        let changed = sqlx::query(
            "UPDATE conversations SET summary = $4, summarised_through = $5
             WHERE id = $1 AND tenant = $2 AND user_id = $3",
        )
        .bind(id)
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(summary)
        .bind(through_seq)
        .execute(&self.pool)
        .await
        .map_err(failed)?
        .rows_affected();
        if changed == 0 {
            return Err(chat_log::no_conversation(BACKEND, scope, id));
        }
        Ok(())
    }

    async fn idle_conversations(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<(Scope, Conversation)>, BackendError> {
        // Only a constant is formatted in.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONVERSATION_COLUMNS}, tenant, user_id FROM conversations
             WHERE status = 'open' AND COALESCE(last_message_at, created_at) < $1
             ORDER BY COALESCE(last_message_at, created_at), id LIMIT $2"
        )))
        .bind(before.to_rfc3339())
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| Ok((owner_of(row)?, conversation(row).map_err(failed)?)))
            .collect()
    }

    async fn add_feedback(&self, scope: &Scope, feedback: &Feedback) -> Result<(), BackendError> {
        sqlx::query(
            "INSERT INTO feedback (tenant, user_id, turn_id, rating, comment, memory_ids, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(feedback.turn_id)
        .bind(feedback.rating.as_str())
        .bind(&feedback.comment)
        .bind(serde_json::to_string(&feedback.memory_ids).unwrap_or_default())
        .bind(&feedback.created_at)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn feedback(&self, scope: &Scope, limit: usize) -> Result<Vec<Feedback>, BackendError> {
        let rows = sqlx::query(
            "SELECT turn_id, rating, comment, memory_ids, created_at FROM feedback
             WHERE tenant = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| {
                let column = |name: &str| row.try_get::<String, _>(name).map_err(failed);
                chat_log::feedback_of(
                    BACKEND,
                    row.try_get("turn_id").map_err(failed)?,
                    &column("rating")?,
                    row.try_get("comment").map_err(failed)?,
                    &column("memory_ids")?,
                    column("created_at")?,
                )
            })
            .collect()
    }
}

/// The columns [`key_of`] reads.
const KEY_COLUMNS: &str = "key_id, tenant, user_id, created_at, revoked_at";

fn key_of(row: &PgRow) -> Result<ApiKey, BackendError> {
    let column = |name: &str| row.try_get::<String, _>(name).map_err(failed);
    let optional = |name: &str| row.try_get::<Option<String>, _>(name).map_err(failed);
    ApiKey::from_columns(
        BACKEND,
        column("key_id")?,
        column("tenant")?,
        optional("user_id")?,
        column("created_at")?,
        optional("revoked_at")?,
    )
}

#[async_trait]
impl ApiKeys for PostgresChatLog {
    async fn insert_key(&self, key: &ApiKey, secret_hash: &str) -> Result<(), BackendError> {
        sqlx::query(
            "INSERT INTO api_keys (key_id, tenant, user_id, secret_hash, created_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key.key_id)
        .bind(key.tenant.as_str())
        .bind(key.member().map(|u| u.as_str()))
        .bind(secret_hash)
        .bind(&key.created_at)
        .bind(&key.revoked_at)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn key(&self, key_id: &str) -> Result<Option<(ApiKey, String)>, BackendError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS}, secret_hash FROM api_keys WHERE key_id = $1"
        )))
        .bind(key_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        row.map(|row| Ok((key_of(&row)?, row.try_get("secret_hash").map_err(failed)?)))
            .transpose()
    }

    async fn revoke_key(&self, key_id: &str) -> Result<bool, BackendError> {
        let changed = sqlx::query(
            "UPDATE api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL",
        )
        .bind(key_id)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&self.pool)
        .await
        .map_err(failed)?
        .rows_affected();
        Ok(changed > 0)
    }

    async fn keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, BackendError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant = $1 ORDER BY created_at, key_id"
        )))
        .bind(tenant.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?
        .iter()
        .map(key_of)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_parameter_is_split_off_and_checked() {
        let (url, schema) =
            schema_of("postgres://postgres@127.0.0.1:5432/test?schema=run_1&sslmode=disable")
                .unwrap();
        assert_eq!(
            url,
            "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
        );
        assert_eq!(schema.as_deref(), Some("run_1"));
        assert!(schema_of("postgres://h/db?schema=x;drop").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
