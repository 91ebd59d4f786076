//! Errors of the pipeline layer.

use std::path::PathBuf;

use twinlake_core::CoreError;
use twinlake_core::backend::BackendError;
use twinlake_udfs::model::ModelError;
use twinlake_udfs::parse::ParseError;

/// An error that stops the pipeline (as opposed to a bad file, which is
/// reported and skipped: see [`FileError`]).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Configuration, ids or the lake.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An index or the bus.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The embedding model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Parquet encoding.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A store could not be opened.
    #[error(transparent)]
    Store(#[from] twinlake_stores::StoreError),
    /// A path given to ingest does not exist or cannot be read.
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    /// A stored lake object cannot be read (named relative to the lake).
    #[error("the lake object {object} cannot be read: {error}")]
    UnreadableObject { object: String, error: String },
    /// Work on the blocking pool did not finish (it panicked, or the
    /// runtime is shutting down).
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl PipelineError {
    /// Whether the error may pass by itself (a store or server that failed
    /// or did not answer), so the work is worth retrying; a configuration
    /// or model error is not.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PipelineError::Core(CoreError::Lake { .. })
                | PipelineError::Backend(
                    BackendError::Io { .. }
                        | BackendError::Unavailable { .. }
                        | BackendError::Engine { .. }
                )
        )
    }
}

/// Why one file of a batch was not ingested. The rest of the batch goes on.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file is over the size limit.
    #[error("file is {size} bytes, over the {limit}-byte limit (ingest.max_file_bytes)")]
    TooLarge { size: u64, limit: u64 },
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// The file could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The bus message is not a file envelope.
    #[error("malformed bus message: {0}")]
    Envelope(String),
    /// A website could not be fetched.
    #[error("cannot fetch {0}")]
    Fetch(String),
    /// The tokenizer failed on its text.
    #[error("cannot chunk: {0}")]
    Chunk(String),
    /// The owner's stored data, which the file is checked against, cannot
    /// be read: only the owner's files fail this way.
    #[error("{0}")]
    OwnerData(String),
    /// A store kept failing while the file was written, through every retry.
    #[error("not stored after {attempts} attempts: {error}")]
    Store { attempts: u32, error: String },
}
