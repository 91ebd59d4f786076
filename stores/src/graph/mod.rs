//! The knowledge graph's store, chosen by URL: `lake://` keeps each user's
//! entities and facts as tables in the lake and walks them in memory
//! ([`lake`], over [`adjacency`]); a graph database fits the same
//! [`GraphStore`] trait.

pub mod adjacency;
pub mod lake;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::GraphStore;
use twinlake_core::lake::Lake;

use crate::StoreError;

/// Opens the graph store named by `url`; `lake://` keeps it in `lake`.
pub fn open(url: &str, lake: &Lake) -> Result<Arc<dyn GraphStore>, StoreError> {
    match url {
        "lake://" | "lake" => Ok(Arc::new(lake::LakeGraph::new(lake.clone()))),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "graph",
            url: url.into(),
            supported: "lake:// (the lake's tables)",
        }
        .into()),
    }
}
