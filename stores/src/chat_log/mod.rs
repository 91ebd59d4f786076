//! The chat log (the relational store's conversations and turns), chosen
//! by URL: `sqlite:///abs/file.db` embedded ([`sqlite`]; `sqlite::memory:`
//! for tests), `postgres://user@host:port/db[?schema=name]` on a server
//! ([`postgres`]). Both apply the versioned migrations under
//! `stores/migrations/<engine>/` in order, recording each in
//! `schema_migrations`, and pass one contract suite.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::ChatLog;
use twinlake_core::config::split_url;

use crate::StoreError;

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

/// Opens the chat log named by `url`, migrating its schema.
pub async fn open(url: &str) -> Result<Arc<dyn ChatLog>, StoreError> {
    match (url, split_url(url)) {
        ("sqlite::memory:", _) => Ok(Arc::new(sqlite::SqliteChatLog::open_in_memory()?)),
        (_, Some(("sqlite", path))) if path.starts_with('/') => Ok(Arc::new(
            sqlite::SqliteChatLog::open(std::path::Path::new(path)).await?,
        )),
        (_, Some(("postgres" | "postgresql", _))) => {
            Ok(Arc::new(postgres::PostgresChatLog::connect(url).await?))
        }
        _ => Err(CoreError::UnsupportedUrl {
            concern: "relational",
            url: url.into(),
            supported: "sqlite:///abs/file.db, sqlite::memory:, postgres://user@host:port/db[?schema=name]",
        }
        .into()),
    }
}
