//! The knowledge graph's store, chosen by URL: `lake://` keeps each user's
//! entities and facts as tables in the lake and walks them in memory
//! ([`lake`], over [`adjacency`]); `falkordb://host:port[/graph]` keeps
//! them in a FalkorDB server ([`falkordb`], feature `falkordb`). Both fit
//! the one [`GraphStore`] trait and pass its contract suite.

pub mod adjacency;
#[cfg(feature = "falkordb")]
pub mod falkordb;
pub mod lake;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::GraphStore;
use twinlake_core::config::split_url;
use twinlake_core::lake::Lake;

use crate::StoreError;

/// The graph URLs this build opens.
#[cfg(feature = "falkordb")]
const SUPPORTED: &str = "lake:// (the lake's tables), falkordb://host:port[/graph] (FalkorDB)";
/// The graph URLs this build opens.
#[cfg(not(feature = "falkordb"))]
const SUPPORTED: &str = "lake:// (the lake's tables; falkordb:// needs feature `falkordb`)";

/// Opens the graph store named by `url`: `lake://` keeps it in `lake`;
/// `falkordb://host:port[/graph]` on a FalkorDB server, connected on
/// first use.
pub fn open(url: &str, lake: &Lake) -> Result<Arc<dyn GraphStore>, StoreError> {
    match (url, split_url(url)) {
        ("lake://" | "lake", _) => Ok(Arc::new(lake::LakeGraph::new(lake.clone()))),
        #[cfg(feature = "falkordb")]
        (_, Some(("falkordb", _))) => Ok(Arc::new(self::falkordb::FalkorGraph::new(url)?)),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "graph",
            url: url.into(),
            supported: SUPPORTED,
        }
        .into()),
    }
}
