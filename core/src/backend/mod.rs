//! The traits every backend implements, so an embedded engine and a server
//! engine are interchangeable behind one URL.
//!
//! Each concern is one async trait; the store resolver (crate
//! `twinlake-stores`) opens the implementation a URL names:
//!
//! - [`VectorIndex`] and [`TextIndex`] ([`index`]): the two search indexes
//!   over chunks. Both are derived state: `twinlake job rebuild-indexes`
//!   recreates them from the lake. Every call carries a [`Scope`]; an
//!   implementation never returns a chunk of another scope.
//! - [`Bus`], [`Source`] and [`Producer`] ([`bus`]): the bus, with Kafka's
//!   consumer-group semantics.
//! - [`ChatLog`] ([`chat_log`]): the relational store's conversations and
//!   their turns, the ordered audit trail of chats with twins.
//! - [`ApiKeys`] ([`api_keys`]): the relational store's API keys, hashed.
//! - [`Projects`] ([`projects`]): the relational store's projects,
//!   proposals, choices and recommendations.
//! - [`GraphStore`] ([`graph`]): the temporal knowledge graph, in the lake's
//!   tables or a graph database.
//! - [`Embedder`] ([`embedder`]): the sentence-embedding model, in process
//!   or behind the model sidecar.
//!
//! Embedded engines do their disk and model work on tokio's blocking pool,
//! so an async caller is never held up by them. The suites in
//! `crate::contract` (feature `testsuite`) are what every implementation
//! passes.

pub mod api_keys;
pub mod bus;
pub mod chat_log;
pub mod embedder;
pub mod graph;
pub mod index;
pub mod projects;

pub use api_keys::{ApiKey, ApiKeys, Reach};
pub use bus::{Bus, Delivery, Producer, Source};
pub use chat_log::{ChatLog, Role, Turn};
pub use embedder::Embedder;
pub use graph::{GraphStore, Neighbour};
pub use index::{ChunkHit, ChunkIndex, TextIndex, VectorIndex};
pub use projects::Projects;

/// An error raised by a backend implementation.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Files or sockets failed.
    #[error("{backend}: {context}: {source}")]
    Io {
        backend: &'static str,
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the backend's lock.
    #[error("{backend}: {path} is in use by another twinlake process ({holder})")]
    Locked {
        backend: &'static str,
        path: String,
        holder: String,
    },
    /// The stored index was laid out by an older twinlake: being derived
    /// state, it is dropped and reloaded from the lake.
    #[error("{backend}: the index at {location} has an older layout; rebuild it from the lake")]
    Outdated {
        backend: &'static str,
        location: String,
    },
    /// Stored data could not be read back.
    #[error("{backend}: corrupt data at {location}: {message}")]
    Corrupt {
        backend: &'static str,
        location: String,
        message: String,
    },
    /// What the call names does not exist in the caller's scope.
    #[error("{backend}: {what}")]
    NotFound { backend: &'static str, what: String },
    /// What the call would create exists already.
    #[error("{backend}: {what}")]
    Conflict { backend: &'static str, what: String },
    /// The server could not be reached or did not answer in time.
    #[error("{backend}: {url} is unavailable: {message}")]
    Unavailable {
        backend: &'static str,
        url: String,
        message: String,
    },
    /// The engine refused or failed an operation.
    #[error("{backend}: {message}")]
    Engine {
        backend: &'static str,
        message: String,
    },
}

impl BackendError {
    /// An [`BackendError::Engine`] error of `backend` saying `message`.
    pub fn engine(backend: &'static str, message: impl std::fmt::Display) -> Self {
        BackendError::Engine {
            backend,
            message: message.to_string(),
        }
    }
}

/// Runs `work` on tokio's blocking pool: what embedded engines do with
/// their disk and model work, so no async thread waits on it.
pub async fn on_blocking_pool<T: Send + 'static>(
    backend: &'static str,
    work: impl FnOnce() -> Result<T, BackendError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BackendError::engine(backend, format!("task failed: {e}")))?
}
