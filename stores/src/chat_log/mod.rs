//! The relational store (the chat log's conversations and turns, the API
//! keys, and projects), chosen by URL: `sqlite:///abs/file.db` embedded ([`sqlite`]; `sqlite::memory:`
//! for tests), `postgres://user@host:port/db[?schema=name]` on a server
//! ([`postgres`]). Both apply the versioned migrations under
//! `stores/migrations/<engine>/` in order, recording each in
//! `schema_migrations`, and pass one contract suite.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::{ApiKeys, ChatLog, Projects};
use twinlake_core::config::split_url;

use crate::StoreError;

/// A row count as SQL's `LIMIT` takes it.
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// One schema change: its version (applied in order) and its SQL.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Applied in increasing order, each once.
    pub version: i64,
    /// Its file name, recorded beside the version.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The relational store's concerns, over one database connection (pool).
pub struct Relational {
    /// Conversations and turns.
    pub chat_log: Arc<dyn ChatLog>,
    /// API keys.
    pub api_keys: Arc<dyn ApiKeys>,
    /// Projects, proposals, choices and recommendations.
    pub projects: Arc<dyn Projects>,
}

impl Relational {
    fn of<T: ChatLog + ApiKeys + Projects + 'static>(store: T) -> Self {
        let store = Arc::new(store);
        Relational {
            chat_log: store.clone(),
            api_keys: store.clone(),
            projects: store,
        }
    }
}

/// Opens the chat log named by `url`, migrating its schema.
pub async fn open(url: &str) -> Result<Arc<dyn ChatLog>, StoreError> {
    Ok(open_relational(url).await?.chat_log)
}

/// Opens the relational store named by `url`, migrating its schema. It
/// takes no data-directory lock: SQLite and PostgreSQL order concurrent
/// writers themselves, so `twinlake keys` works beside a running server.
pub async fn open_relational(url: &str) -> Result<Relational, StoreError> {
    match (url, split_url(url)) {
        ("sqlite::memory:", _) => Ok(Relational::of(sqlite::SqliteChatLog::open_in_memory()?)),
        (_, Some(("sqlite", path))) if path.starts_with('/') => Ok(Relational::of(
            sqlite::SqliteChatLog::open(std::path::Path::new(path)).await?,
        )),
        (_, Some(("postgres" | "postgresql", _))) => Ok(Relational::of(
            postgres::PostgresChatLog::connect(url).await?,
        )),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "relational",
            url: url.into(),
            supported: "sqlite:///abs/file.db, sqlite::memory:, postgres://user@host:port/db[?schema=name]",
        }
        .into()),
    }
}
