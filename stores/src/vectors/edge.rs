//! The embedded vector index: Qdrant's segment engine in-process
//! (`qdrant-edge` 0.7), one shard in the data directory, cosine distance,
//! keyword payload indexes on tenant and user so filtered search stays fast.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use qdrant_edge::{
    Condition, CountRequest, CreateIndex, DEFAULT_VECTOR_NAME, Distance, EdgeConfigBuilder,
    EdgeShard, EdgeVectorParams, FieldCondition, FieldIndexOperations, Filter, JsonPath, Match,
    NamedQuery, Payload, PayloadFieldSchema, PayloadSchemaType, PointId, PointInsertOperations,
    PointOperations, PointStructPersisted, QueryEnum, ScrollRequest, SearchRequest,
    UpdateOperation, VectorStructPersisted, WithPayloadInterface, WithVector,
};
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, ChunkHit, ChunkIndex, VectorIndex, on_blocking_pool};
use twinlake_core::record::Chunk;

use super::payload::{SCOPE_KEYS, from_payload, point_id, to_payload};

const BACKEND: &str = "qdrant-edge";

/// Points read per page when listing a scope.
const SCROLL_PAGE: usize = 1000;

fn engine(e: impl std::fmt::Display) -> BackendError {
    BackendError::engine(BACKEND, e)
}

fn json_path(key: &str) -> Result<JsonPath, BackendError> {
    JsonPath::try_from(key).map_err(|()| engine(format!("invalid payload key {key:?}")))
}

/// A Qdrant edge shard holding chunk vectors. Every call runs on the
/// blocking pool.
pub struct EdgeVectorIndex {
    shard: Arc<Shard>,
}

/// The shard and its width, shared with the blocking pool.
struct Shard {
    // Writes and flushes are serialised: the engine's flush expects no
    // concurrent update.
    engine: Mutex<EdgeShard>,
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
            shard: Arc::new(Shard {
                engine: Mutex::new(shard),
                dim,
            }),
        })
    }

    /// Runs `work` on the shard, on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Shard) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let shard = self.shard.clone();
        on_blocking_pool(BACKEND, move || work(&shard)).await
    }
}

/// The filter of `scope`'s points, plus `more` conditions.
fn scope_filter(scope: &Scope, more: Vec<Condition>) -> Result<Filter, BackendError> {
    let cond = |key: &str, value: &str| -> Result<Condition, BackendError> {
        Ok(Condition::Field(FieldCondition::new_match(
            json_path(key)?,
            Match::from(value.to_string()),
        )))
    };
    let mut must = vec![
        cond("tenant", scope.tenant.as_str())?,
        cond("user", scope.user.as_str())?,
    ];
    must.extend(more);
    Ok(Filter {
        should: None,
        min_should: None,
        must: Some(must),
        must_not: None,
    })
}

impl Shard {
    fn engine(&self) -> std::sync::MutexGuard<'_, EdgeShard> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn delete_where(&self, filter: Filter) -> Result<(), BackendError> {
        let op = UpdateOperation::PointOperation(PointOperations::DeletePointsByFilter(filter));
        self.engine().update(op).map_err(engine)
    }

    /// The chunk ids of the points `filter` matches, sorted.
    fn chunk_ids(&self, filter: Option<Filter>) -> Result<Vec<String>, BackendError> {
        let mut ids = Vec::new();
        let mut offset = None;
        loop {
            let (records, next) = self
                .engine()
                .scroll(ScrollRequest {
                    offset,
                    limit: Some(SCROLL_PAGE),
                    filter: filter.clone(),
                    with_payload: Some(WithPayloadInterface::Bool(true)),
                    with_vector: WithVector::Bool(false),
                    order_by: None,
                })
                .map_err(engine)?;
            for r in records {
                let payload = r.payload.map(|p| p.0).unwrap_or_default();
                match payload.get("chunk_id").and_then(|v| v.as_str()) {
                    Some(id) => ids.push(id.to_string()),
                    None => {
                        return Err(BackendError::Corrupt {
                            backend: BACKEND,
                            location: format!("point {:?}", r.id),
                            message: "no chunk_id in its payload".into(),
                        });
                    }
                }
            }
            match next {
                Some(next) => offset = Some(next),
                None => break,
            }
        }
        ids.sort();
        Ok(ids)
    }
}

#[async_trait]
impl ChunkIndex for EdgeVectorIndex {
    async fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let dim = self.shard.dim;
        let mut points = Vec::with_capacity(chunks.len());
        for c in chunks {
            if c.embedding.len() != dim {
                return Err(engine(format!(
                    "chunk {} has {} dimensions, the index {dim}",
                    c.chunk_id,
                    c.embedding.len(),
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
        self.with(move |shard| shard.engine().update(op).map_err(engine))
            .await
    }

    async fn commit(&self) -> Result<(), BackendError> {
        self.with(|shard| {
            let engine = shard.engine();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| engine.flush()))
                .map_err(|_| BackendError::engine(BACKEND, "flush failed"))
        })
        .await
    }

    async fn count(&self, scope: &Scope) -> Result<u64, BackendError> {
        let filter = scope_filter(scope, Vec::new())?;
        self.with(move |shard| {
            let n = shard
                .engine()
                .count(CountRequest {
                    filter: Some(filter),
                    exact: true,
                })
                .map_err(engine)?;
            Ok(n as u64)
        })
        .await
    }

    async fn list_ids(&self, scope: &Scope) -> Result<Vec<String>, BackendError> {
        let filter = scope_filter(scope, Vec::new())?;
        self.with(move |shard| shard.chunk_ids(Some(filter))).await
    }

    async fn delete(&self, scope: &Scope, chunk_ids: &[String]) -> Result<(), BackendError> {
        if chunk_ids.is_empty() {
            return Ok(());
        }
        // The scope's own conditions make another scope's ids no-ops.
        let ids = Condition::Field(FieldCondition::new_match(
            json_path("chunk_id")?,
            Match::from(chunk_ids.to_vec()),
        ));
        let filter = scope_filter(scope, vec![ids])?;
        self.with(move |shard| shard.delete_where(filter)).await
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        let filter = scope_filter(scope, Vec::new())?;
        self.with(move |shard| shard.delete_where(filter)).await
    }

    async fn clear(&self) -> Result<(), BackendError> {
        self.with(|shard| {
            let every = Filter {
                should: None,
                min_should: None,
                must: None,
                must_not: None,
            };
            shard.delete_where(every)
        })
        .await
    }
}

#[async_trait]
impl VectorIndex for EdgeVectorIndex {
    async fn search(
        &self,
        scope: &Scope,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        if query.len() != self.shard.dim {
            return Err(engine(format!(
                "query has {} dimensions, the index {}",
                query.len(),
                self.shard.dim
            )));
        }
        let request = SearchRequest {
            query: QueryEnum::Nearest(NamedQuery {
                query: query.to_vec().into(),
                using: None,
            }),
            filter: Some(scope_filter(scope, Vec::new())?),
            params: None,
            limit: k,
            offset: 0,
            with_payload: Some(WithPayloadInterface::Bool(true)),
            with_vector: None,
            score_threshold: None,
        };
        self.with(move |shard| {
            let points = shard.engine().search(request).map_err(engine)?;
            points
                .into_iter()
                .map(|p| {
                    let payload = p.payload.map(|p| p.0).unwrap_or_default();
                    from_payload(&payload, p.score, BACKEND)
                })
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn edge_passes_the_vector_index_contract_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let index = EdgeVectorIndex::open(dir.path(), 8).unwrap();
        twinlake_core::contract::vector_index(&index, 8).await;
        let alice = Scope::parse("t1", "alice").unwrap();
        let kept = twinlake_core::contract::chunk(&alice, "kept", "kept", 1, 8);
        index.upsert(std::slice::from_ref(&kept)).await.unwrap();
        index.commit().await.unwrap();
        drop(index);
        let index = EdgeVectorIndex::open(dir.path(), 8).unwrap();
        assert_eq!(index.list_ids(&alice).await.unwrap(), vec![kept.chunk_id]);
    }
}
