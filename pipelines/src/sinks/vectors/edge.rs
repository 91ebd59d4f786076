//! The embedded vector index: Qdrant's segment engine in-process
//! (`qdrant-edge` 0.7), one shard in the data directory, cosine distance,
//! keyword payload indexes on tenant and user so filtered search stays fast.

use std::path::Path;
use std::sync::Mutex;

use qdrant_edge::{
    Condition, CountRequest, CreateIndex, DEFAULT_VECTOR_NAME, Distance, EdgeConfigBuilder,
    EdgeShard, EdgeVectorParams, FieldCondition, FieldIndexOperations, Filter, JsonPath, Match,
    NamedQuery, Payload, PayloadFieldSchema, PayloadSchemaType, PointId, PointInsertOperations,
    PointOperations, PointStructPersisted, QueryEnum, SearchRequest, UpdateOperation,
    VectorStructPersisted, WithPayloadInterface,
};
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, ChunkHit, ChunkIndex, VectorIndex};
use twinlake_core::record::Chunk;

use super::payload::{SCOPE_KEYS, from_payload, point_id, to_payload};

const BACKEND: &str = "qdrant-edge";

fn engine(e: impl std::fmt::Display) -> BackendError {
    BackendError::Engine {
        backend: BACKEND,
        message: e.to_string(),
    }
}

fn json_path(key: &str) -> Result<JsonPath, BackendError> {
    JsonPath::try_from(key).map_err(|()| engine(format!("invalid payload key {key:?}")))
}

/// A Qdrant edge shard holding chunk vectors.
pub struct EdgeVectorIndex {
    // Writes and flushes are serialised: the engine's flush expects no
    // concurrent update.
    shard: Mutex<EdgeShard>,
    dim: usize,
}

impl EdgeVectorIndex {
    /// Opens the shard in `dir`, creating it for `dim`-float cosine vectors.
    pub fn open(dir: &Path, dim: usize) -> Result<Self, BackendError> {
        let exists = dir.join("edge_config.json").exists() || dir.join("segments").exists();
        std::fs::create_dir_all(dir).map_err(|source| BackendError::Io {
            backend: BACKEND,
            context: format!("create {}", dir.display()),
            source,
        })?;
        let config = EdgeConfigBuilder::new()
            .vector(
                DEFAULT_VECTOR_NAME,
                EdgeVectorParams::builder(dim, Distance::Cosine).build(),
            )
            .build();
        let shard = if exists {
            EdgeShard::load(dir, Some(config))
        } else {
            EdgeShard::new(dir, config)
        }
        .map_err(|e| BackendError::Corrupt {
            backend: BACKEND,
            location: dir.display().to_string(),
            message: e.to_string(),
        })?;
        if !exists {
            for key in SCOPE_KEYS {
                shard
                    .update(UpdateOperation::FieldIndexOperation(
                        FieldIndexOperations::CreateIndex(CreateIndex {
                            field_name: json_path(key)?,
                            field_schema: Some(PayloadFieldSchema::FieldType(
                                PayloadSchemaType::Keyword,
                            )),
                        }),
                    ))
                    .map_err(engine)?;
            }
        }
        Ok(EdgeVectorIndex {
            shard: Mutex::new(shard),
            dim,
        })
    }

    fn scope_filter(scope: &Scope) -> Result<Filter, BackendError> {
        let cond = |key: &str, value: &str| -> Result<Condition, BackendError> {
            Ok(Condition::Field(FieldCondition::new_match(
                json_path(key)?,
                Match::from(value.to_string()),
            )))
        };
        Ok(Filter {
            should: None,
            min_should: None,
            must: Some(vec![
                cond("tenant", scope.tenant.as_str())?,
                cond("user", scope.user.as_str())?,
            ]),
            must_not: None,
        })
    }

    fn shard(&self) -> std::sync::MutexGuard<'_, EdgeShard> {
        self.shard.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ChunkIndex for EdgeVectorIndex {
    fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let mut points = Vec::with_capacity(chunks.len());
        for c in chunks {
            if c.embedding.len() != self.dim {
                return Err(engine(format!(
                    "chunk {} has {} dimensions, the index {}",
                    c.chunk_id,
                    c.embedding.len(),
                    self.dim
                )));
            }
            points.push(PointStructPersisted {
                id: PointId::NumId(point_id(&c.chunk_id)),
                vector: VectorStructPersisted::Single(c.embedding.clone()),
                payload: Some(Payload::from(to_payload(c))),
            });
        }
        let op = UpdateOperation::PointOperation(PointOperations::UpsertPoints(
            PointInsertOperations::PointsList(points),
        ));
        self.shard().update(op).map_err(engine)
    }

    fn commit(&self) -> Result<(), BackendError> {
        let shard = self.shard();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shard.flush()))
            .map_err(|_| engine("flush failed"))
    }

    fn count(&self, scope: &Scope) -> Result<u64, BackendError> {
        let n = self
            .shard()
            .count(CountRequest {
                filter: Some(Self::scope_filter(scope)?),
                exact: true,
            })
            .map_err(engine)?;
        Ok(n as u64)
    }
}

impl VectorIndex for EdgeVectorIndex {
    fn search(
        &self,
        scope: &Scope,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        if query.len() != self.dim {
            return Err(engine(format!(
                "query has {} dimensions, the index {}",
                query.len(),
                self.dim
            )));
        }
        let request = SearchRequest {
            query: QueryEnum::Nearest(NamedQuery {
                query: query.to_vec().into(),
                using: None,
            }),
            filter: Some(Self::scope_filter(scope)?),
            params: None,
            limit: k,
            offset: 0,
            with_payload: Some(WithPayloadInterface::Bool(true)),
            with_vector: None,
            score_threshold: None,
        };
        let points = self.shard().search(request).map_err(engine)?;
        points
            .into_iter()
            .map(|p| {
                let payload = p.payload.map(|p| p.0).unwrap_or_default();
                from_payload(&payload, p.score, BACKEND)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_passes_the_vector_index_contract_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let index = EdgeVectorIndex::open(dir.path(), 8).unwrap();
        twinlake_core::backend::contract::vector_index(&index, 8);
        drop(index);
        let index = EdgeVectorIndex::open(dir.path(), 8).unwrap();
        assert_eq!(
            index.count(&Scope::parse("t1", "alice").unwrap()).unwrap(),
            3
        );
    }
}
