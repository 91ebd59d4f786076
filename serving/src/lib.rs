//! # twinlake-serving
//!
//! The thin layer users talk to:
//!
//! - [`twin`]: what a twin does with a question — [`twin::search`] fuses
//!   BM25 and dense retrieval; [`twin::answer`] composes a grounded answer
//!   from the retrieved passages, citing each; [`twin::answerer`] lets a
//!   language model word it instead ([`llm`], any OpenAI-compatible
//!   endpoint, its text streamed through [`tokens`]); [`twin::plan`]
//!   gathers what an answer draws on; [`twin::learn`] makes what people
//!   say in chat footprint; [`twin::summary`] and [`twin::feedback`] keep
//!   conversations short and the twin corrected.
//! - [`upload`]: files posted to the API, run through the ingest pipeline.
//! - [`api`]: the axum HTTP API over all of it, its handlers in
//!   [`routes`] (the web console among them); [`auth`] (API keys and
//!   what each reaches), [`browser`] (Host and Origin checks),
//!   [`rejection`] (every error as JSON), [`limits`] (deadlines, rates)
//!   and [`access_log`] wrap its routes; [`server`] runs it behind
//!   connection limits and timeouts; [`metrics`] counts what it serves.
//! - [`mcp`]: the same functions as tools for an agent, over the Model
//!   Context Protocol (`twinlake mcp` on stdio, `/mcp` in the API).
//! - [`sidecar`]: the model server (`twinlake sidecar`), an
//!   OpenAI-compatible embeddings API that workers and API servers share.
//!
//! The CLI's `search` and `ask` call the same functions, so the command line
//! and the API always agree.

pub mod access_log;
pub mod api;
pub mod auth;
pub mod browser;
pub mod error;
pub mod limits;
pub mod llm;
pub mod mcp;
pub mod metrics;
pub mod rejection;
pub mod routes;
pub mod server;
pub mod sidecar;
pub mod tokens;
pub mod twin;
pub mod upload;

pub use error::ServingError;
