//! # twinlake-core
//!
//! The vocabulary every other twinlake crate speaks:
//!
//! - [`ids`]: tenant, user and content-derived record ids. Every id is derived
//!   from content, so a replayed write lands on the same key in every store.
//! - [`record`]: the records that flow through the pipeline — an [`record::Episode`]
//!   (one ingested unit of footprint) and its [`record::Chunk`]s — with the
//!   [`record::SourceRef`] that ties each back to its origin.
//! - [`memory`]: memories, entities and graph facts distilled from episodes.
//! - [`project`]: projects of members, their proposals, choices and the
//!   twins' recommendations.
//! - [`schema`]: their Arrow schemas and conversions, the shape of the lake's tables.
//! - [`config`]: one TOML file, overridden by `TWINLAKE_*` environment variables,
//!   that picks each backend by URL.
//! - [`lake`]: the lake, an `object_store` chosen by URL (`file://`, `memory://`, `s3://`).
//! - [`backend`]: the async traits each store implements (indexes, bus, chat
//!   log, embedder), so an embedded engine and a server engine are
//!   interchangeable; `contract` (feature `testsuite`) holds the one suite
//!   each implementation passes.

pub mod backend;
pub mod config;
#[cfg(any(test, feature = "testsuite"))]
pub mod contract;
pub mod error;
pub mod ids;
pub mod lake;
pub mod memory;
pub mod panics;
pub mod project;
pub mod record;
pub mod schema;

pub use error::CoreError;
pub use ids::{ContentHash, ProjectId, ProposalId, Scope, TenantId, UserId};
