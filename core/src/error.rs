//! Errors of the core layer: configuration, identifiers, the lake and the
//! backend traits. Each names the thing that was wrong.

use std::path::PathBuf;

/// An error raised by core types, configuration or the lake.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// An identifier (tenant or user) that cannot be used as a key.
    #[error("invalid {kind} id {value:?}: {reason}")]
    InvalidId {
        kind: &'static str,
        value: String,
        reason: &'static str,
    },
    /// The configuration file could not be read or parsed.
    #[error("config file {path}: {message}")]
    ConfigFile { path: PathBuf, message: String },
    /// A configuration value is wrong (bad URL, out-of-range number).
    #[error("config {key}: {message}")]
    ConfigValue { key: String, message: String },
    /// A backend URL whose scheme no implementation handles.
    #[error("{concern} url {url:?}: unsupported scheme (supported: {supported})")]
    UnsupportedUrl {
        concern: &'static str,
        url: String,
        supported: &'static str,
    },
    /// The object store behind the lake failed.
    #[error("lake {path}: {source}")]
    Lake {
        path: String,
        #[source]
        source: object_store::Error,
    },
    /// Arrow could not build or read a record batch.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A record batch lacks a column or holds the wrong type.
    #[error("table {table}: column {column}: {message}")]
    Schema {
        table: &'static str,
        column: &'static str,
        message: String,
    },
    /// The kernel's random source could not be read (new API keys).
    #[error("random source: {0}")]
    Random(String),
}
