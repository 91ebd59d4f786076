//! The embedded graph store: each user's entities and facts as two Parquet
//! objects of the lake (`entities/current.parquet`, `facts/current.parquet`),
//! each replaced whole in one atomic put, and walked in memory
//! ([`MemoryGraph`]) on each read. Entities are written before facts, so a
//! reader that finds a new fact finds its ends.

use async_trait::async_trait;
use twinlake_core::backend::graph::{Neighbour, Window, ensure_facts_of};
use twinlake_core::backend::{BackendError, GraphStore};
use twinlake_core::lake::Lake;
use twinlake_core::memory::{Entity, Fact};
use twinlake_core::schema::{self, table};
use twinlake_core::{CoreError, Scope};

use super::adjacency::MemoryGraph;
use crate::parquet::{decode, encode};

const BACKEND: &str = "lake graph";

/// The object key of each graph table.
const KEY: &str = "current";

/// The graph in the lake's tables.
#[derive(Clone, Debug)]
pub struct LakeGraph {
    lake: Lake,
}

fn lake_failed(e: CoreError) -> BackendError {
    BackendError::engine(BACKEND, e)
}

impl LakeGraph {
    /// The graph tables of `lake`.
    pub fn new(lake: Lake) -> Self {
        LakeGraph { lake }
    }

    /// Reads one table of `scope` (empty when it was never written).
    async fn read<T: Send + 'static>(
        &self,
        scope: &Scope,
        name: &str,
        rows: fn(&arrow::array::RecordBatch) -> Result<Vec<T>, CoreError>,
    ) -> Result<Vec<T>, BackendError> {
        let path = self.lake.table_object(scope, name, KEY);
        if !self.lake.exists(&path).await.map_err(lake_failed)? {
            return Ok(Vec::new());
        }
        let bytes = self.lake.get(&path).await.map_err(lake_failed)?;
        let location = path.to_string();
        twinlake_core::backend::on_blocking_pool(BACKEND, move || {
            decode(bytes, rows).map_err(|e| BackendError::Corrupt {
                backend: BACKEND,
                location,
                message: e.to_string(),
            })
        })
        .await
    }

    /// `scope`'s graph, walked in memory.
    async fn load(&self, scope: &Scope) -> Result<MemoryGraph, BackendError> {
        let entities = self
            .read(scope, table::ENTITIES, schema::entities_from_batch)
            .await?;
        let facts = self
            .read(scope, table::FACTS, schema::facts_from_batch)
            .await?;
        Ok(MemoryGraph::new(entities, facts))
    }

    async fn put(
        &self,
        scope: &Scope,
        name: &str,
        bytes: bytes::Bytes,
    ) -> Result<(), BackendError> {
        let path = self.lake.table_object(scope, name, KEY);
        self.lake.put(&path, bytes).await.map_err(lake_failed)
    }
}

#[async_trait]
impl GraphStore for LakeGraph {
    async fn replace(
        &self,
        scope: &Scope,
        entities: &[Entity],
        facts: &[Fact],
    ) -> Result<(), BackendError> {
        ensure_facts_of(BACKEND, scope, facts)?;
        let (entities, facts) = (entities.to_vec(), facts.to_vec());
        let (entities, facts) = twinlake_core::backend::on_blocking_pool(BACKEND, move || {
            let encoded = |batch: Result<arrow::array::RecordBatch, CoreError>| {
                batch
                    .map_err(lake_failed)
                    .and_then(|b| encode(&b).map_err(|e| BackendError::engine(BACKEND, e)))
            };
            Ok((
                encoded(schema::entities_to_batch(&entities))?,
                encoded(schema::facts_to_batch(&facts))?,
            ))
        })
        .await?;
        self.put(scope, table::ENTITIES, entities).await?;
        self.put(scope, table::FACTS, facts).await
    }

    async fn find(&self, scope: &Scope, name: &str) -> Result<Option<Entity>, BackendError> {
        Ok(self.load(scope).await?.find(name).cloned())
    }

    async fn neighbours(
        &self,
        scope: &Scope,
        entity_id: &str,
        depth: usize,
        window: Option<Window>,
    ) -> Result<Vec<Neighbour>, BackendError> {
        Ok(self.load(scope).await?.neighbours(entity_id, depth, window))
    }

    async fn facts_as_of(
        &self,
        scope: &Scope,
        entity_id: &str,
        as_of_us: i64,
    ) -> Result<Vec<Fact>, BackendError> {
        Ok(self
            .load(scope)
            .await?
            .facts_as_of(entity_id, as_of_us)
            .into_iter()
            .cloned()
            .collect())
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        // Facts first: a reader never finds a fact without its ends.
        for name in [table::FACTS, table::ENTITIES] {
            let path = self.lake.table_object(scope, name, KEY);
            if self.lake.exists(&path).await.map_err(lake_failed)? {
                self.lake.delete(&path).await.map_err(lake_failed)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::config::LakeConfig;

    fn lake(url: String) -> Lake {
        Lake::open(&LakeConfig {
            url,
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_allow_http: false,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn the_lake_graph_passes_the_graph_contract() {
        let dir = tempfile::tempdir().unwrap();
        let graph = LakeGraph::new(lake(format!("file://{}", dir.path().display())));
        twinlake_core::contract::graph::graph_store(&graph).await;
        twinlake_core::contract::graph::graph_store(&LakeGraph::new(lake("memory://".into())))
            .await;
    }

    #[tokio::test]
    async fn a_corrupt_table_is_named_by_its_object() {
        let dir = tempfile::tempdir().unwrap();
        let lake = lake(format!("file://{}", dir.path().display()));
        let scope = Scope::parse("t1", "alice").unwrap();
        let path = lake.table_object(&scope, table::FACTS, KEY);
        lake.put(&path, bytes::Bytes::from_static(b"not parquet"))
            .await
            .unwrap();
        let err = LakeGraph::new(lake).find(&scope, "Ana").await.unwrap_err();
        assert!(
            matches!(&err, BackendError::Corrupt { location, .. } if location.ends_with("facts/current.parquet")),
            "{err}"
        );
    }
}
