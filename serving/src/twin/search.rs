//! Hybrid search: BM25 and dense retrieval, fused by score, then weighted
//! by whom and when the question names.
//!
//! 1. Each index returns its top [`CANDIDATES`] chunks of the user's scope:
//!    BM25 over the passage and its neighbour context (frame words such as
//!    "say" or "kind" dropped, [`QueryCues`]), and cosine similarity of the
//!    question's embedding.
//! 2. A chunk by the one person the question names has its BM25
//!    multiplied by [`SPEAKER_BOOST`]; for a question in the first person
//!    ("I", "my") that is every chunk but other people's messages.
//! 3. The question's words are expanded among the candidates' words by
//!    word vectors ([`super::expansion`]); each candidate gets an
//!    expansion score from 0 to 1.
//! 4. Fused score = BM25 / best BM25 + [`DENSE_WEIGHT`] × cosine +
//!    [`EXPANSION_WEIGHT`] × expansion score. A chunk one index did not
//!    return gets that index's floor (0 for BM25, the lowest cosine
//!    returned for dense).
//! 5. A chunk from the day or month the question names is multiplied by
//!    [`DATE_BOOST`].
//!
//! Score fusion beat reciprocal-rank fusion on the LoCoMo dev file because
//! BM25's margins carry information RRF throws away; every constant here
//! was chosen on that file as a whole with `twinlake eval locomo`, and the
//! README's table shows what each step adds.

use std::collections::HashMap;

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::{ChunkHit, Embedder};
use twinlake_core::record::{SourceKind, SourceRef};
use twinlake_stores::Backends;

use super::cues::QueryCues;
use super::expansion;
use crate::ServingError;

/// Chunks taken from each index before fusion (at least).
pub const CANDIDATES: usize = 200;
/// Weight of cosine similarity against normalised BM25.
pub const DENSE_WEIGHT: f32 = 0.3;
/// BM25 factor for chunks by the person the question names.
pub const SPEAKER_BOOST: f32 = 2.0;
/// Score factor for chunks from the day or month the question names.
pub const DATE_BOOST: f32 = 2.0;
/// Weight of the expansion score (0-1); 0.15-0.25 paid on the dev file.
pub const EXPANSION_WEIGHT: f32 = 0.2;

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
    /// Who wrote it, when the source says.
    pub author: Option<String>,
}

#[cfg(test)]
impl SearchHit {
    /// A hit for tests: chunk `id` of `episode` (file `/{id}.md`) with
    /// `text` and fused `score`.
    pub(crate) fn for_test(id: &str, episode: &str, text: &str, score: f32) -> Self {
        SearchHit {
            rank: 1,
            score,
            bm25: None,
            dense: None,
            chunk_id: id.into(),
            episode_id: episode.into(),
            text: text.into(),
            source: SourceRef {
                uri: format!("/{id}.md"),
                byte_start: 0,
                byte_end: 1,
                page: None,
                message_id: None,
                line: None,
            },
            source_kind: SourceKind::Markdown,
            author: None,
        }
    }
}

/// The `k` best chunks of `scope` for `query`.
pub async fn search(
    backends: &Backends,
    scope: &Scope,
    query: &str,
    k: usize,
) -> Result<Vec<SearchHit>, ServingError> {
    Ok(search_explained(backends, scope, query, k).await?.fused)
}

/// One index's own hit, before fusion.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IndexHit {
    /// The index's score: BM25, or cosine similarity.
    pub score: f32,
    /// The chunk's id.
    pub chunk_id: String,
    /// The passage.
    pub text: String,
    /// Where it came from.
    pub source: SourceRef,
}

/// A search with what each index found on its own, to show what fusion
/// did.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Explained {
    /// The fused hits, as [`search`] returns them.
    pub fused: Vec<SearchHit>,
    /// BM25's top `k`.
    pub bm25: Vec<IndexHit>,
    /// The vector index's top `k`.
    pub dense: Vec<IndexHit>,
}

/// [`search`], with each index's own top `k`.
pub async fn search_explained(
    backends: &Backends,
    scope: &Scope,
    query: &str,
    k: usize,
) -> Result<Explained, ServingError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ServingError::BadRequest("query must not be empty".into()));
    }
    if k == 0 || k > 100 {
        return Err(ServingError::BadRequest(format!(
            "k must be between 1 and 100, not {k}"
        )));
    }
    // A query's cost grows with its length (every window is embedded):
    // a bounded query bounds the work one request can ask for.
    let most = backends.config.serve.max_query_chars;
    let chars = query.chars().count();
    if chars > most {
        return Err(ServingError::BadRequest(format!(
            "the query is {chars} characters; at most {most} are searched (serve.max_query_chars)"
        )));
    }
    let cues = QueryCues::of(query);
    let candidates = (k * 4).max(CANDIDATES);
    let embedder = backends.embedder().await?;
    // BM25 runs while the query is embedded.
    let (lexical, vector) = tokio::try_join!(
        backends.text.search(scope, &cues.lexical, candidates),
        embedder.embed(vec![query.to_string()]),
    )?;
    let vector = vector.into_iter().next().unwrap_or_default();
    let dense = backends.vectors.search(scope, &vector, candidates).await?;
    let expanded = expansion_scores(embedder.as_ref(), &cues, &lexical, &dense).await?;
    let own = |hits: &[ChunkHit]| -> Vec<IndexHit> {
        hits.iter()
            .take(k)
            .map(|h| IndexHit {
                score: h.score,
                chunk_id: h.chunk_id.clone(),
                text: h.text.clone(),
                source: h.source.clone(),
            })
            .collect()
    };
    Ok(Explained {
        fused: fuse(&cues, &lexical, &dense, &expanded, k),
        bm25: own(&lexical),
        dense: own(&dense),
    })
}

/// The expansion score of each candidate of both lists (see
/// [`expansion`]).
async fn expansion_scores(
    embedder: &dyn Embedder,
    cues: &QueryCues,
    lexical: &[ChunkHit],
    dense: &[ChunkHit],
) -> Result<HashMap<String, f32>, ServingError> {
    let mut seen = std::collections::HashSet::new();
    let candidates: Vec<&ChunkHit> = lexical
        .iter()
        .chain(dense)
        .filter(|h| seen.insert(h.chunk_id.as_str()))
        .collect();
    let pool = expansion::Candidates::new(candidates);
    let (asked, known) = pool.vocabulary(&cues.words);
    let words = expansion::words_to_embed(&asked, &known);
    let vectors = if words.is_empty() {
        Vec::new()
    } else {
        embedder.embed_words(words).await?
    };
    let expansion = expansion::expand(&asked, &known, &vectors);
    Ok(pool.scores(&expansion))
}

/// A candidate while its scores are gathered.
struct Candidate<'a> {
    hit: &'a ChunkHit,
    bm25: Option<f32>,
    dense: Option<f32>,
}

/// Fuses a BM25 list, a dense list and expansion scores (by chunk id) for
/// a question read as `cues`.
pub fn fuse(
    cues: &QueryCues,
    lexical: &[ChunkHit],
    dense: &[ChunkHit],
    expanded: &HashMap<String, f32>,
    k: usize,
) -> Vec<SearchHit> {
    let mut by_id: HashMap<&str, Candidate> = HashMap::new();
    for (list, is_dense) in [(lexical, false), (dense, true)] {
        for hit in list {
            let candidate = by_id.entry(hit.chunk_id.as_str()).or_insert(Candidate {
                hit,
                bm25: None,
                dense: None,
            });
            let slot = if is_dense {
                &mut candidate.dense
            } else {
                &mut candidate.bm25
            };
            *slot = Some(hit.score);
        }
    }
    let speaker = named_speaker(cues, by_id.values().map(|c| c.hit));
    let spoken_by = |hit: &ChunkHit| match &speaker {
        // The user's own messages, and passages no one else is named as
        // writing (their notes and documents); not others' messages.
        Some(Speaker::User) => hit.is_self || hit.author.is_none(),
        Some(Speaker::Author(name)) => hit.author.as_deref() == Some(name.as_str()),
        None => false,
    };
    let lexical_of = |c: &Candidate| {
        let boost = if spoken_by(c.hit) { SPEAKER_BOOST } else { 1.0 };
        c.bm25.unwrap_or(0.0) * boost
    };
    let best_bm25 = by_id.values().map(lexical_of).fold(0.0f32, f32::max);
    let dense_floor = dense.iter().map(|h| h.score).fold(f32::INFINITY, f32::min);
    let mut fused: Vec<SearchHit> = by_id
        .values()
        .map(|c| {
            let lexical = if best_bm25 > 0.0 {
                lexical_of(c) / best_bm25
            } else {
                0.0
            };
            let cosine = c.dense.unwrap_or(if dense_floor.is_finite() {
                dense_floor
            } else {
                0.0
            });
            let expansion = expanded.get(&c.hit.chunk_id).copied().unwrap_or(0.0);
            let mut score = lexical + DENSE_WEIGHT * cosine + EXPANSION_WEIGHT * expansion;
            if cues.when.is_some_and(|w| w.contains(c.hit.occurred_at_us)) {
                score *= DATE_BOOST;
            }
            SearchHit {
                rank: 0,
                score,
                bm25: c.bm25,
                dense: c.dense,
                chunk_id: c.hit.chunk_id.clone(),
                episode_id: c.hit.episode_id.clone(),
                text: c.hit.text.clone(),
                source: c.hit.source.clone(),
                source_kind: c.hit.source_kind,
                author: c.hit.author.clone(),
            }
        })
        .collect();
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

/// Whom a question is about.
#[derive(Debug, PartialEq)]
enum Speaker {
    /// The user ("I", "my"): their messages and authorless passages.
    User,
    /// The one author of the candidates it names.
    Author(String),
}

/// The person `cues` name among the authors of `hits`: exactly one named
/// author, else the user when the question is in the first person.
fn named_speaker<'a>(
    cues: &QueryCues,
    hits: impl Iterator<Item = &'a ChunkHit>,
) -> Option<Speaker> {
    let mut named: Vec<&str> = hits
        .filter_map(|h| h.author.as_deref())
        .filter(|a| cues.names(a))
        .collect();
    named.sort_unstable();
    named.dedup();
    match named.as_slice() {
        [one] => Some(Speaker::Author(one.to_string())),
        [] if cues.first_person => Some(Speaker::User),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::contract::chunk;

    fn hit(id: &str, score: f32, author: Option<&str>) -> ChunkHit {
        ChunkHit {
            author: author.map(str::to_string),
            is_self: author == Some("Me"),
            ..ChunkHit::of(
                &chunk(&Scope::parse("t", "u").unwrap(), id, id, 0, 2),
                score,
            )
        }
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.text.as_str()).collect()
    }

    #[test]
    fn scores_add_and_missing_scores_take_the_floor() {
        let cues = QueryCues::of("sourdough");
        let lexical = [
            hit("a", 10.0, None),
            hit("b", 8.0, None),
            hit("c", 1.0, None),
        ];
        let dense = [
            hit("d", 0.9, None),
            hit("b", 0.8, None),
            hit("e", 0.2, None),
        ];
        let fused = fuse(&cues, &lexical, &dense, &HashMap::new(), 4);
        // b: 0.8 + 0.3×0.8 = 1.04; a: 1.0 + 0.3×0.2 = 1.06; c: 0.1 + 0.06; d: 0 + 0.27.
        assert_eq!(ids(&fused), ["a", "b", "d", "c"]);
        assert_eq!((fused[1].bm25, fused[1].dense), (Some(8.0), Some(0.8)));
        assert_eq!(fused[0].dense, None);
        assert_eq!(
            fused.iter().map(|h| h.rank).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
    }

    #[test]
    fn the_named_person_and_the_user_rise() {
        let lexical = [
            hit("ana's", 10.0, Some("Ana Ruiz")),
            hit("bob's", 7.0, Some("Bob")),
            hit("mine", 6.0, Some("Me")),
            hit("my notes", 5.5, None),
        ];
        let about_bob = fuse(
            &QueryCues::of("what does Bob cook"),
            &lexical,
            &[],
            &HashMap::new(),
            4,
        );
        assert_eq!(ids(&about_bob), ["bob's", "ana's", "mine", "my notes"]);
        // "I": the user's messages and authorless notes, not others' messages.
        let about_me = fuse(
            &QueryCues::of("what do I cook"),
            &lexical,
            &[],
            &HashMap::new(),
            4,
        );
        assert_eq!(ids(&about_me), ["mine", "my notes", "ana's", "bob's"]);
        // Two people named: nobody is favoured.
        let both = fuse(
            &QueryCues::of("do Ana and Bob cook"),
            &lexical,
            &[],
            &HashMap::new(),
            4,
        );
        assert_eq!(ids(&both), ["ana's", "bob's", "mine", "my notes"]);
    }

    #[test]
    fn an_expansion_match_can_outrank_a_weaker_word_match() {
        let cues = QueryCues::of("what instruments does she play");
        let lexical = [hit("plays chess", 10.0, None), hit("violin", 1.0, None)];
        let expanded: HashMap<String, f32> =
            [(lexical[1].chunk_id.clone(), 1.0)].into_iter().collect();
        // violin: 0.1 + 0.2 × 1.0 beats nothing, but not chess's 1.0 ...
        let fused = fuse(&cues, &lexical, &[], &expanded, 2);
        assert_eq!(ids(&fused), ["plays chess", "violin"]);
        assert!((fused[1].score - (0.1 + EXPANSION_WEIGHT)).abs() < 1e-6);
        // ... and, with the word match close, it decides.
        let lexical = [hit("plays chess", 10.0, None), hit("violin", 9.0, None)];
        let expanded: HashMap<String, f32> =
            [(lexical[1].chunk_id.clone(), 1.0)].into_iter().collect();
        let fused = fuse(&cues, &lexical, &[], &expanded, 2);
        assert_eq!(ids(&fused), ["violin", "plays chess"]);
    }

    #[test]
    fn the_named_month_rises() {
        let may = chrono::NaiveDate::from_ymd_opt(2023, 5, 20)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros();
        let lexical = [
            hit("june", 10.0, None),
            ChunkHit {
                occurred_at_us: may,
                ..hit("may", 6.0, None)
            },
        ];
        let fused = fuse(
            &QueryCues::of("where did we go in May 2023"),
            &lexical,
            &[],
            &HashMap::new(),
            2,
        );
        assert_eq!(ids(&fused), ["may", "june"]);
        let fused = fuse(
            &QueryCues::of("where did we go"),
            &lexical,
            &[],
            &HashMap::new(),
            2,
        );
        assert_eq!(ids(&fused), ["june", "may"]);
    }
}
