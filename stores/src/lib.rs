//! # twinlake-stores
//!
//! Every store a twinlake process uses, each chosen by the URL the
//! configuration gives it, behind the async traits of
//! [`twinlake_core::backend`]. One laptop runs the embedded engines; a
//! cluster runs the same code on servers, with other URLs.
//!
//! | concern | module | embedded (default) | server |
//! |---|---|---|---|
//! | vector index | [`vectors`] | `edge:///dir` (Qdrant's engine in process) | `qdrant://host:port[/collection]` |
//! | full-text index | [`text`] | `tantivy:///dir` | |
//! | bus | [`bus`] | `embedded:///dir` (a durable log) | `kafka://host:port` |
//! | chat log (relational store) | [`chat_log`] | `sqlite:///file.db` | `postgres://...` |
//! | knowledge graph | [`graph`] | `lake://` (the lake's tables, walked in memory) | `falkordb://host:port[/graph]`, `neo4j://user:password@host:port[/database]` |
//! | embedder | [`embedder`] | the ONNX model in process | `http://...` (the model sidecar) |
//!
//! Each module's `open` reads the URL's scheme and opens that
//! implementation; [`Backends`] opens them all from one configuration.
//! Only embedded engines need the data directory, and only they take its
//! lock ([`lock`]): two processes writing one tantivy index would corrupt
//! it, while servers arbitrate their own clients.

pub mod backends;
pub mod bus;
pub mod chat_log;
pub mod closed;
pub mod embedder;
pub mod error;
pub mod graph;
pub mod lock;
pub mod parquet;
#[cfg(any(feature = "falkordb", feature = "neo4j", feature = "qdrant"))]
mod server_url;
pub mod text;
pub mod vectors;

pub use backends::{AsideIndexes, Backends};
pub use error::StoreError;
