//! Hybrid search: BM25 and dense retrieval, fused by reciprocal rank.
//!
//! Each index returns its top candidates for the user's scope; a chunk's
//! fused score is Σ 1/(60 + rank) over the lists it appears in (RRF, Cormack
//! et al. 2009). RRF needs no score calibration between BM25 and cosine, and
//! a chunk found by both rises above one found by either alone.

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::ChunkHit;
use twinlake_core::record::{SourceKind, SourceRef};
use twinlake_pipelines::Backends;

use crate::ServingError;

/// RRF's rank offset: damps the weight of the very top ranks.
const RRF_K: f32 = 60.0;

/// One fused result.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SearchHit {
    /// 1-based position in the fused list.
    pub rank: usize,
    /// Fused score (higher is better).
    pub score: f32,
    /// BM25 score, when the text index found it.
    pub bm25: Option<f32>,
    /// Cosine similarity, when the vector index found it.
    pub dense: Option<f32>,
    /// The chunk's id.
    pub chunk_id: String,
    /// Its episode.
    pub episode_id: String,
    /// The passage.
    pub text: String,
    /// Where it came from.
    pub source: SourceRef,
    /// Its source kind.
    pub source_kind: SourceKind,
}

/// The `k` best chunks of `scope` for `query`.
pub fn search(
    backends: &Backends,
    scope: &Scope,
    query: &str,
    k: usize,
) -> Result<Vec<SearchHit>, ServingError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ServingError::BadRequest("query must not be empty".into()));
    }
    if k == 0 || k > 100 {
        return Err(ServingError::BadRequest(format!(
            "k must be between 1 and 100, not {k}"
        )));
    }
    let candidates = (k * 4).max(40);
    let lexical = backends.text.search(scope, query, candidates)?;
    let vector = backends.embedder.embed_one(query)?;
    let dense = backends.vectors.search(scope, &vector, candidates)?;
    Ok(fuse(&lexical, &dense, k))
}

/// Reciprocal-rank fusion of a BM25 list and a dense list.
pub fn fuse(lexical: &[ChunkHit], dense: &[ChunkHit], k: usize) -> Vec<SearchHit> {
    let mut fused: Vec<SearchHit> = Vec::new();
    let mut add = |hit: &ChunkHit, rank: usize, is_dense: bool| {
        let gain = 1.0 / (RRF_K + rank as f32 + 1.0);
        let entry = match fused.iter_mut().position(|h| h.chunk_id == hit.chunk_id) {
            Some(i) => &mut fused[i],
            None => {
                fused.push(SearchHit {
                    rank: 0,
                    score: 0.0,
                    bm25: None,
                    dense: None,
                    chunk_id: hit.chunk_id.clone(),
                    episode_id: hit.episode_id.clone(),
                    text: hit.text.clone(),
                    source: hit.source.clone(),
                    source_kind: hit.source_kind,
                });
                fused.last_mut().expect("just pushed")
            }
        };
        entry.score += gain;
        if is_dense {
            entry.dense = Some(hit.score);
        } else {
            entry.bm25 = Some(hit.score);
        }
    };
    for (rank, hit) in lexical.iter().enumerate() {
        add(hit, rank, false);
    }
    for (rank, hit) in dense.iter().enumerate() {
        add(hit, rank, true);
    }
    fused.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.chunk_id.cmp(&b.chunk_id))
    });
    fused.truncate(k);
    for (i, hit) in fused.iter_mut().enumerate() {
        hit.rank = i + 1;
    }
    fused
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::backend::contract::chunk;

    fn hit(id: &str, score: f32) -> ChunkHit {
        ChunkHit::of(
            &chunk(&Scope::parse("t", "u").unwrap(), id, id, 0, 2),
            score,
        )
    }

    #[test]
    fn agreement_between_lists_wins() {
        let lexical = [hit("a", 9.0), hit("b", 5.0), hit("c", 1.0)];
        let dense = [hit("d", 0.9), hit("b", 0.8)];
        let fused = fuse(&lexical, &dense, 3);
        let ids: Vec<_> = fused.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(ids, ["b", "a", "d"]);
        assert_eq!((fused[0].bm25, fused[0].dense), (Some(5.0), Some(0.8)));
        assert_eq!(fused[1].dense, None);
        assert_eq!(fused.iter().map(|h| h.rank).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
