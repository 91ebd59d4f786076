//! # twinlake-serving
//!
//! The thin layer users talk to:
//!
//! - [`twin`]: what a twin does with a question — [`twin::search`] fuses
//!   BM25 and dense retrieval; [`twin::answer`] composes a grounded answer
//!   from the retrieved passages, citing each.
//! - [`upload`]: files posted to the API, run through the ingest pipeline.
//! - [`api`]: the axum HTTP API over all of it.
//! - [`sidecar`]: the model server (`twinlake sidecar`), an
//!   OpenAI-compatible embeddings API that workers and API servers share.
//!
//! The CLI's `search` and `ask` call the same functions, so the command line
//! and the API always agree.

pub mod api;
pub mod error;
pub mod sidecar;
pub mod twin;
pub mod upload;

pub use error::ServingError;
