//! The knowledge graph's store, chosen by URL: `lake://` keeps each user's
//! entities and facts as tables in the lake and walks them in memory
//! ([`lake`], over [`adjacency`]); on a Cypher server, the one graph of
//! [`cypher`] is kept in FalkorDB (`falkordb://host:port[/graph]`,
//! [`falkordb`], feature `falkordb`) or Neo4j 5
//! (`neo4j://user:password@host:7687[/database]`, [`neo4j`], feature
//! `neo4j`). All fit the one [`GraphStore`] trait; the lake and FalkorDB
//! pass its contract suite here (no Bolt server runs here, so Neo4j's is
//! checked up to the queries and values it sends).

pub mod adjacency;
#[cfg(any(feature = "falkordb", feature = "neo4j"))]
pub mod cypher;
#[cfg(feature = "falkordb")]
pub mod falkordb;
pub mod lake;
#[cfg(feature = "neo4j")]
pub mod neo4j;

use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::GraphStore;
use twinlake_core::config::split_url;
use twinlake_core::lake::Lake;

use crate::StoreError;

/// The graph URLs a full build opens.
const SUPPORTED: &str = "lake:// (the lake's tables), falkordb://host:port[/graph] (FalkorDB, \
     feature `falkordb`), neo4j://user:password@host:port[/database] (Neo4j 5, feature `neo4j`)";

/// Opens the graph store named by `url`: `lake://` keeps it in `lake`;
/// `falkordb://` and `neo4j://` URLs on a server, connected on first use.
pub fn open(url: &str, lake: &Lake) -> Result<Arc<dyn GraphStore>, StoreError> {
    match (url, split_url(url)) {
        ("lake://" | "lake", _) => Ok(Arc::new(lake::LakeGraph::new(lake.clone()))),
        #[cfg(feature = "falkordb")]
        (_, Some(("falkordb", _))) => Ok(Arc::new(self::falkordb::FalkorGraph::at(url)?)),
        #[cfg(feature = "neo4j")]
        (_, Some(("neo4j" | "neo4j+s" | "bolt" | "bolt+s", _))) => {
            Ok(Arc::new(self::neo4j::Neo4jGraph::at(url)?))
        }
        _ => Err(CoreError::UnsupportedUrl {
            concern: "graph",
            url: url.into(),
            supported: SUPPORTED,
        }
        .into()),
    }
}
