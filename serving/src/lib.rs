//! # twinlake-serving
//!
//! The thin layer users talk to:
//!
//! - [`twin`]: what a twin does with a question — [`twin::search`] fuses
//!   BM25 and dense retrieval; [`twin::answer`] composes a grounded answer
//!   from the retrieved passages, citing each.
//! - [`chat_log`]: every chat turn, in order, in a relational store (SQLite).
//! - [`upload`]: files posted to the API, run through the ingest pipeline.
//! - [`api`]: the axum HTTP API over all of it.
//!
//! The CLI's `search` and `ask` call the same functions, so the command line
//! and the API always agree.

pub mod api;
pub mod chat_log;
pub mod error;
pub mod twin;
pub mod upload;

pub use error::ServingError;
