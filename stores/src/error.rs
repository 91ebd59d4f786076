//! Errors of opening stores.

use twinlake_core::CoreError;
use twinlake_core::backend::BackendError;
use twinlake_udfs::model::ModelError;

/// Why a store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Configuration (an unsupported URL, a bad value) or the lake.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A store failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The embedding model or its tokenizer would not load.
    #[error(transparent)]
    Model(#[from] ModelError),
}
