//! The vector index on a Qdrant server, over gRPC with `qdrant-client`:
//! where vectors go when several processes share one index (pipeline
//! workers, indexers, serving nodes).
//!
//! Points have the shape of [`super::payload`], exactly as in the
//! embedded engine: a numeric id derived from the chunk id, and a payload
//! holding everything a search returns, with keyword indexes on `tenant`
//! and `user`. Every request carries the scope's filter, so no call
//! reaches another user's points. Writes wait for the server to apply
//! them, so each upsert or delete is durable and visible when it returns
//! and [`ChunkIndex::commit`] has nothing left to do.
//!
//! The collection (cosine distance, the lake's embedding width) and its
//! payload indexes are created on first use when missing, so opening the
//! index needs no server; one that cannot be reached is a
//! [`BackendError::Unavailable`] naming the URL.
//!
//! No Qdrant server runs on the machines twinlake is tested on, so the
//! tests here stop at the requests built and the answers read back; the
//! embedded engine, which shares the point shape, passes the vector-index
//! contract suite.
//!
//! URL: `qdrant://host[:port][/collection][?api_key=K&tls=true]` (port
//! 6334, collection `twinlake_chunks` by default).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use qdrant_client::qdrant::{
    Condition, CountPoints, CountPointsBuilder, CreateCollectionBuilder,
    CreateFieldIndexCollectionBuilder, DeletePoints, DeletePointsBuilder, Distance, FieldType,
    Filter, PointStruct, QueryPoints, QueryPointsBuilder, ScrollPoints, ScrollPointsBuilder,
    UpsertPoints, UpsertPointsBuilder, Value as QdrantValue, VectorParamsBuilder,
};
use qdrant_client::{Payload, Qdrant, QdrantError};
use serde_json::{Map, Value};
use tokio::sync::OnceCell;
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, ChunkHit, ChunkIndex, VectorIndex};
use twinlake_core::record::Chunk;

use super::payload::{SCOPE_KEYS, from_payload, point_id, to_payload};
use crate::server_url::ServerUrl;

const BACKEND: &str = "qdrant";

/// The gRPC port, used when the URL names none.
const DEFAULT_PORT: u16 = 6334;

/// The collection used when the URL names none.
pub const DEFAULT_COLLECTION: &str = "twinlake_chunks";

/// Points read per page when listing a scope.
const SCROLL_PAGE: u32 = 1000;

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The vector index on a Qdrant server.
pub struct QdrantVectorIndex {
    /// The URL as configured, without its API key: what errors name.
    url: String,
    collection: String,
    dim: usize,
    client: Qdrant,
    /// Set once the collection exists.
    ready: OnceCell<()>,
}

impl fmt::Debug for QdrantVectorIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QdrantVectorIndex")
            .field("url", &self.url)
            .field("collection", &self.collection)
            .field("dim", &self.dim)
            .finish()
    }
}

/// What a `qdrant://` URL names.
#[derive(Debug, PartialEq)]
struct Target {
    /// The gRPC endpoint (`http://host:port`, or `https://` with `tls`).
    endpoint: String,
    collection: String,
    api_key: Option<String>,
    /// The URL without its API key.
    shown: String,
}

fn parse_url(url: &str) -> Result<Target, BackendError> {
    let parsed = ServerUrl::parse(BACKEND, url, &["qdrant"], DEFAULT_PORT)?;
    let collection = parsed
        .name("collection", "_-")?
        .unwrap_or_else(|| DEFAULT_COLLECTION.to_string());
    let (mut api_key, mut tls) = (None, false);
    for (key, value) in parsed.url.query_pairs() {
        match key.as_ref() {
            "api_key" => api_key = Some(value.into_owned()),
            "tls" => {
                tls = value
                    .parse()
                    .map_err(|_| parsed.bad(format!("tls={value}: true or false")))?
            }
            other => {
                return Err(parsed.bad(format!("unknown parameter {other:?} (api_key, tls)")));
            }
        }
    }
    let scheme = if tls { "https" } else { "http" };
    Ok(Target {
        endpoint: format!("{scheme}://{}:{}", parsed.host, parsed.port),
        collection,
        api_key,
        shown: parsed.shown(),
    })
}

// ---- requests ------------------------------------------------------------------------------

/// The filter of `scope`'s points, plus `more` conditions.
fn scope_filter(scope: &Scope, more: impl IntoIterator<Item = Condition>) -> Filter {
    let [tenant, user] = SCOPE_KEYS;
    Filter::must(
        [
            Condition::matches(tenant, scope.tenant.as_str().to_string()),
            Condition::matches(user, scope.user.as_str().to_string()),
        ]
        .into_iter()
        .chain(more),
    )
}

/// The upsert of `chunks` as points, refused if a vector is not `dim` wide.
fn upsert_request(
    collection: &str,
    dim: usize,
    chunks: &[Chunk],
) -> Result<UpsertPoints, BackendError> {
    let mut points = Vec::with_capacity(chunks.len());
    for c in chunks {
        if c.embedding.len() != dim {
            return Err(BackendError::engine(
                BACKEND,
                format!(
                    "chunk {} has {} dimensions, the index {dim}",
                    c.chunk_id,
                    c.embedding.len()
                ),
            ));
        }
        points.push(PointStruct::new(
            point_id(&c.chunk_id),
            c.embedding.clone(),
            Payload::from(to_payload(c)),
        ));
    }
    Ok(UpsertPointsBuilder::new(collection, points)
        .wait(true)
        .build())
}

/// The `k` nearest points of `scope` to `query`, with their payloads.
fn search_request(collection: &str, scope: &Scope, query: &[f32], k: usize) -> QueryPoints {
    QueryPointsBuilder::new(collection)
        .query(query.to_vec())
        .filter(scope_filter(scope, []))
        .limit(k as u64)
        .with_payload(true)
        .build()
}

/// The exact count of `scope`'s points.
fn count_request(collection: &str, scope: &Scope) -> CountPoints {
    CountPointsBuilder::new(collection)
        .filter(scope_filter(scope, []))
        .exact(true)
        .build()
}

/// A page of `scope`'s points from `offset`, payload only.
fn scroll_request(
    collection: &str,
    scope: &Scope,
    offset: Option<qdrant_client::qdrant::PointId>,
) -> ScrollPoints {
    let mut request = ScrollPointsBuilder::new(collection)
        .filter(scope_filter(scope, []))
        .limit(SCROLL_PAGE)
        .with_payload(true);
    if let Some(offset) = offset {
        request = request.offset(offset);
    }
    request.build()
}

/// Deletes the points `filter` matches.
fn delete_request(collection: &str, filter: Filter) -> DeletePoints {
    DeletePointsBuilder::new(collection)
        .points(filter)
        .wait(true)
        .build()
}

/// The filter of `scope`'s points among `chunk_ids`; ids of other scopes
/// match nothing.
fn ids_filter(scope: &Scope, chunk_ids: &[String]) -> Filter {
    scope_filter(
        scope,
        [Condition::has_id(chunk_ids.iter().map(|id| point_id(id)))],
    )
}

/// A payload as JSON, for [`from_payload`].
fn json_of(payload: HashMap<String, QdrantValue>) -> Map<String, Value> {
    payload.into_iter().map(|(k, v)| (k, v.into())).collect()
}

// ---- the index -----------------------------------------------------------------------------

impl QdrantVectorIndex {
    /// The index a `qdrant://` URL names, for `dim`-float vectors.
    /// Nothing is connected until the first call.
    pub fn open(url: &str, dim: usize) -> Result<Self, BackendError> {
        let target = parse_url(url)?;
        let client = Qdrant::from_url(&target.endpoint)
            .api_key(target.api_key.clone())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .skip_compatibility_check()
            .build()
            .map_err(|e| BackendError::Unavailable {
                backend: BACKEND,
                url: target.shown.clone(),
                message: e.to_string(),
            })?;
        Ok(QdrantVectorIndex {
            url: target.shown,
            collection: target.collection,
            dim,
            client,
            ready: OnceCell::new(),
        })
    }

    /// A request's failure: the transport's are [`BackendError::Unavailable`].
    fn failed(&self, e: QdrantError) -> BackendError {
        use tonic::Code;
        let unavailable = match &e {
            QdrantError::ResponseError { status } => matches!(
                status.code(),
                Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown
            ),
            QdrantError::ResourceExhaustedError { .. } => true,
            _ => false,
        };
        if unavailable {
            BackendError::Unavailable {
                backend: BACKEND,
                url: self.url.clone(),
                message: e.to_string(),
            }
        } else {
            BackendError::engine(BACKEND, format!("{} ({}): {e}", self.collection, self.url))
        }
    }

    /// The client, once the collection and its scope indexes exist.
    async fn client(&self) -> Result<&Qdrant, BackendError> {
        self.ready
            .get_or_try_init(|| async {
                let c = &self.client;
                let exists = c
                    .collection_exists(&self.collection)
                    .await
                    .map_err(|e| self.failed(e))?;
                if !exists {
                    let created = c
                        .create_collection(
                            CreateCollectionBuilder::new(&self.collection).vectors_config(
                                VectorParamsBuilder::new(self.dim as u64, Distance::Cosine),
                            ),
                        )
                        .await;
                    // Another process may have created it meanwhile.
                    if let Err(e) = created
                        && !e.to_string().contains("already exists")
                    {
                        return Err(self.failed(e));
                    }
                    for key in SCOPE_KEYS {
                        c.create_field_index(
                            CreateFieldIndexCollectionBuilder::new(
                                &self.collection,
                                key,
                                FieldType::Keyword,
                            )
                            .wait(true),
                        )
                        .await
                        .map_err(|e| self.failed(e))?;
                    }
                }
                Ok(())
            })
            .await?;
        Ok(&self.client)
    }

    async fn delete_where(&self, filter: Filter) -> Result<(), BackendError> {
        let client = self.client().await?;
        client
            .delete_points(delete_request(&self.collection, filter))
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }
}

#[async_trait]
impl ChunkIndex for QdrantVectorIndex {
    async fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let request = upsert_request(&self.collection, self.dim, chunks)?;
        let client = self.client().await?;
        client
            .upsert_points(request)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    async fn commit(&self) -> Result<(), BackendError> {
        // Every write waited for the server to apply it.
        Ok(())
    }

    async fn count(&self, scope: &Scope) -> Result<u64, BackendError> {
        let client = self.client().await?;
        let answer = client
            .count(count_request(&self.collection, scope))
            .await
            .map_err(|e| self.failed(e))?;
        Ok(answer.result.map_or(0, |r| r.count))
    }

    async fn list_ids(&self, scope: &Scope) -> Result<Vec<String>, BackendError> {
        let client = self.client().await?;
        let mut ids = Vec::new();
        let mut offset = None;
        loop {
            let page = client
                .scroll(scroll_request(&self.collection, scope, offset))
                .await
                .map_err(|e| self.failed(e))?;
            for point in page.result {
                let payload = json_of(point.payload);
                match payload.get("chunk_id").and_then(Value::as_str) {
                    Some(id) => ids.push(id.to_string()),
                    None => {
                        return Err(BackendError::Corrupt {
                            backend: BACKEND,
                            location: format!("{} point {:?}", self.collection, point.id),
                            message: "no chunk_id in its payload".into(),
                        });
                    }
                }
            }
            match page.next_page_offset {
                Some(next) => offset = Some(next),
                None => break,
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn delete(&self, scope: &Scope, chunk_ids: &[String]) -> Result<(), BackendError> {
        if chunk_ids.is_empty() {
            return Ok(());
        }
        self.delete_where(ids_filter(scope, chunk_ids)).await
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        self.delete_where(scope_filter(scope, [])).await
    }

    async fn clear(&self) -> Result<(), BackendError> {
        self.delete_where(Filter::default()).await
    }
}

#[async_trait]
impl VectorIndex for QdrantVectorIndex {
    async fn search(
        &self,
        scope: &Scope,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        if query.len() != self.dim {
            return Err(BackendError::engine(
                BACKEND,
                format!(
                    "query has {} dimensions, the index {}",
                    query.len(),
                    self.dim
                ),
            ));
        }
        let client = self.client().await?;
        let answer = client
            .query(search_request(&self.collection, scope, query, k))
            .await
            .map_err(|e| self.failed(e))?;
        answer
            .result
            .into_iter()
            .map(|p| from_payload(&json_of(p.payload), p.score, BACKEND))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qdrant_client::qdrant::condition::ConditionOneOf;
    use qdrant_client::qdrant::r#match::MatchValue;
    use qdrant_client::qdrant::points_selector::PointsSelectorOneOf;
    use qdrant_client::qdrant::{PointId, ScoredPoint};
    use twinlake_core::contract::chunk;

    fn alice() -> Scope {
        Scope::parse("t1", "alice").unwrap()
    }

    /// The (key, keyword) pairs and point ids a filter requires.
    fn musts(filter: &Filter) -> (Vec<(String, String)>, Vec<PointId>) {
        let (mut keys, mut ids) = (Vec::new(), Vec::new());
        for c in &filter.must {
            match c.condition_one_of.as_ref().unwrap() {
                ConditionOneOf::Field(f) => {
                    match f.r#match.as_ref().unwrap().match_value.as_ref() {
                        Some(MatchValue::Keyword(k)) => keys.push((f.key.clone(), k.clone())),
                        other => panic!("unexpected match {other:?}"),
                    }
                }
                ConditionOneOf::HasId(h) => ids.extend(h.has_id.iter().cloned()),
                other => panic!("unexpected condition {other:?}"),
            }
        }
        (keys, ids)
    }

    fn scoped(filter: &Filter) -> bool {
        musts(filter).0
            == vec![
                ("tenant".to_string(), "t1".to_string()),
                ("user".to_string(), "alice".to_string()),
            ]
    }

    #[test]
    fn urls_name_the_server_and_collection_and_hide_the_key() {
        let t = parse_url("qdrant://vectors.internal/team_a?api_key=s3cret&tls=true").unwrap();
        assert_eq!(t.endpoint, "https://vectors.internal:6334");
        assert_eq!(t.collection, "team_a");
        assert_eq!(t.api_key.as_deref(), Some("s3cret"));
        assert!(!t.shown.contains("s3cret"), "{}", t.shown);
        let t = parse_url("qdrant://127.0.0.1:7000").unwrap();
        assert_eq!(
            (t.endpoint.as_str(), t.collection.as_str(), t.api_key),
            ("http://127.0.0.1:7000", DEFAULT_COLLECTION, None)
        );
        for bad in [
            "http://h:1",
            "qdrant:///c",
            "qdrant://h/a/b",
            "qdrant://h/c?timeout=3",
            "qdrant://h/c?tls=maybe",
        ] {
            assert!(parse_url(bad).is_err(), "{bad} was accepted");
        }
        // Opening connects to nothing.
        let index = QdrantVectorIndex::open("qdrant://127.0.0.1:1?api_key=k", 8).unwrap();
        assert!(!format!("{index:?}").contains("api_key=k"));
    }

    #[test]
    fn upserts_carry_the_shared_point_shape_and_wait() {
        let c = chunk(&alice(), "doc", "the shed key", 2, 8);
        let request = upsert_request("chunks", 8, std::slice::from_ref(&c)).unwrap();
        assert_eq!(request.collection_name, "chunks");
        assert_eq!(request.wait, Some(true));
        let point = &request.points[0];
        assert_eq!(point.id, Some(PointId::from(point_id(&c.chunk_id))));
        let sent: Map<String, Value> = json_of(point.payload.clone());
        assert_eq!(sent, to_payload(&c));
        let too_wide = chunk(&alice(), "doc", "x", 0, 9);
        let err = upsert_request("chunks", 8, &[too_wide]).unwrap_err();
        assert!(err.to_string().contains("9 dimensions"), "{err}");
    }

    #[test]
    fn every_read_and_delete_is_filtered_to_the_scope() {
        let search = search_request("chunks", &alice(), &[0.5; 8], 7);
        assert!(scoped(search.filter.as_ref().unwrap()));
        assert_eq!(search.limit, Some(7));
        assert!(search.with_payload.is_some());
        assert!(scoped(
            count_request("chunks", &alice()).filter.as_ref().unwrap()
        ));
        let scroll = scroll_request("chunks", &alice(), Some(PointId::from(9)));
        assert!(scoped(scroll.filter.as_ref().unwrap()));
        assert_eq!(scroll.offset, Some(PointId::from(9)));
        let ids = vec!["c1".to_string(), "c2".to_string()];
        let delete = delete_request("chunks", ids_filter(&alice(), &ids));
        assert_eq!(delete.wait, Some(true));
        let Some(PointsSelectorOneOf::Filter(filter)) =
            delete.points.unwrap().points_selector_one_of
        else {
            panic!("a delete by filter");
        };
        assert!(scoped(&filter));
        assert_eq!(
            musts(&filter).1,
            vec![PointId::from(point_id("c1")), PointId::from(point_id("c2"))]
        );
    }

    #[test]
    fn answers_read_back_as_hits() {
        let c = chunk(&alice(), "doc", "the shed key", 2, 8);
        let payload: Payload = to_payload(&c).into();
        let point = ScoredPoint {
            payload: payload.into(),
            score: 0.75,
            ..Default::default()
        };
        let hit = from_payload(&json_of(point.payload), point.score, BACKEND).unwrap();
        assert_eq!(hit, ChunkHit::of(&c, 0.75));
    }
}
