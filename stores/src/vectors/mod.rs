//! The vector index, chosen by URL.
//!
//! `edge:///abs/dir` is Qdrant's segment engine in-process (crate
//! `qdrant-edge`): the embedded default. A Qdrant server implementation
//! (`qdrant://host:6334`, crate `qdrant-client`) fits beside it: it maps the
//! same [`VectorIndex`] calls through [`payload`]'s point shape, the same
//! payload keys and the same tenant/user filter, so moving from one to the
//! other changes the URL and nothing else.

pub mod edge;
pub mod payload;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::VectorIndex;
use twinlake_core::config::split_url;

use crate::StoreError;

/// Opens the vector index named by `url` for vectors of `dim` floats.
pub fn open(url: &str, dim: usize) -> Result<Arc<dyn VectorIndex>, StoreError> {
    match split_url(url) {
        Some(("edge", path)) if path.starts_with('/') => Ok(Arc::new(edge::EdgeVectorIndex::open(
            std::path::Path::new(path),
            dim,
        )?)),
        Some(("qdrant", _)) => Err(CoreError::UnsupportedUrl {
            concern: "vectors",
            url: url.into(),
            supported: "edge:///abs/dir (the Qdrant server backend is not built yet)",
        }
        .into()),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "vectors",
            url: url.into(),
            supported: "edge:///abs/dir",
        }
        .into()),
    }
}
