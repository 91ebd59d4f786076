//! The vector index, chosen by URL.
//!
//! `edge:///abs/dir` is Qdrant's segment engine in-process (crate
//! `qdrant-edge`): the embedded default. `qdrant://host:6334[/collection]`
//! is a Qdrant server ([`qdrant`], crate `qdrant-client`, feature
//! `qdrant`): it maps the same [`VectorIndex`] calls through [`payload`]'s
//! point shape, the same payload keys and the same tenant/user filter, so
//! moving from one to the other changes the URL and nothing else.

pub mod edge;
pub mod payload;
#[cfg(feature = "qdrant")]
pub mod qdrant;

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
        #[cfg(feature = "qdrant")]
        Some(("qdrant", _)) => Ok(Arc::new(qdrant::QdrantVectorIndex::open(url, dim)?)),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "vectors",
            url: url.into(),
            supported: "edge:///abs/dir, qdrant://host:port[/collection] (feature `qdrant`)",
        }
        .into()),
    }
}
