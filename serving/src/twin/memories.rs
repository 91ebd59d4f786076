//! What the twin remembers: a user's memories as of a time, one memory's
//! history, the memories relevant to a question, and citations back to
//! the episodes each came from.
//!
//! A memory's confidence is what distillation gave it, lowered by every
//! reply drawing on it that its owner marked incorrect
//! ([`super::feedback`]): [`load`] applies the ratings, so every reader
//! (the profile, the chat, the API) sees the same figure.

use std::collections::HashMap;

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::chat_log::Feedback;
use twinlake_core::memory::{Memory, MemoryKind};
use twinlake_core::record::{Episode, SourceKind};
use twinlake_pipelines::memory::store::MemoryStore;
use twinlake_stores::Backends;

use super::search::SearchHit;
use super::terms::terms;
use crate::ServingError;

/// Every memory of `scope`, every version, with its owner's ratings
/// applied to its confidence.
pub async fn load(backends: &Backends, scope: &Scope) -> Result<Vec<Memory>, ServingError> {
    Ok(load_rated(backends, scope).await?.0)
}

/// [`load`], and the ratings it applied.
pub async fn load_rated(
    backends: &Backends,
    scope: &Scope,
) -> Result<(Vec<Memory>, Vec<Feedback>), ServingError> {
    let (mut memories, given) = tokio::try_join!(
        async {
            Ok::<_, ServingError>(
                MemoryStore::new(backends.lake.clone())
                    .memories(scope)
                    .await?,
            )
        },
        async {
            Ok::<_, ServingError>(
                backends
                    .chat_log
                    .feedback(scope, super::feedback::READ)
                    .await?,
            )
        },
    )?;
    super::feedback::adjust_confidence(&mut memories, &given);
    Ok((memories, given))
}

/// The user's episodes by id, for citations.
pub async fn episodes(
    backends: &Backends,
    scope: &Scope,
) -> Result<HashMap<String, Episode>, ServingError> {
    let all = twinlake_jobs::list_episodes::run(backends, scope, None, usize::MAX)
        .await
        .map_err(|e| ServingError::Storage(e.to_string()))?;
    Ok(all.into_iter().map(|e| (e.episode_id.clone(), e)).collect())
}

/// Parses a `kind` filter, naming the valid kinds when it is none of them.
pub fn parse_kind(kind: &str) -> Result<MemoryKind, ServingError> {
    MemoryKind::parse(kind).ok_or_else(|| {
        let all: Vec<&str> = MemoryKind::ALL.iter().map(MemoryKind::as_str).collect();
        ServingError::BadRequest(format!(
            "unknown memory kind {kind:?} (one of: {})",
            all.join(", ")
        ))
    })
}

/// Parses an `as_of` time: RFC 3339 (`2026-10-01T12:00:00Z`) or a date
/// (`2026-10-01`, meaning the end of that day, UTC).
pub fn parse_time(text: &str) -> Result<i64, ServingError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_micros());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let end = d.and_hms_opt(23, 59, 59).expect("valid time");
        return Ok(end.and_utc().timestamp_micros());
    }
    Err(ServingError::BadRequest(format!(
        "as_of {text:?} is not a time: use 2026-10-01 or 2026-10-01T12:00:00Z"
    )))
}

/// The memories valid at `as_of_us`, of `kind` when given, most important
/// and surest first.
pub fn as_of(memories: &[Memory], kind: Option<MemoryKind>, as_of_us: i64) -> Vec<&Memory> {
    let mut out: Vec<&Memory> = memories
        .iter()
        .filter(|m| kind.is_none_or(|k| m.kind == k) && m.is_valid_at(as_of_us))
        .collect();
    out.sort_by(|a, b| {
        (b.importance * b.confidence)
            .total_cmp(&(a.importance * a.confidence))
            .then_with(|| a.memory_id.cmp(&b.memory_id))
    });
    out
}

/// The chain of versions `id` belongs to, oldest first: the memories it
/// superseded and the ones that superseded it. None for an unknown id.
pub fn history<'a>(memories: &'a [Memory], id: &str) -> Option<Vec<&'a Memory>> {
    let by_id: HashMap<&str, &Memory> =
        memories.iter().map(|m| (m.memory_id.as_str(), m)).collect();
    let mut first = *by_id.get(id)?;
    let mut guard = 0;
    while let Some(prev) = first.supersedes.as_deref().and_then(|p| by_id.get(p)) {
        first = prev;
        guard += 1;
        if guard > memories.len() {
            break;
        }
    }
    let mut chain = vec![first];
    while let Some(next) = chain
        .last()
        .and_then(|m| m.superseded_by.as_deref())
        .and_then(|n| by_id.get(n))
    {
        if chain.len() > memories.len() {
            break;
        }
        chain.push(next);
    }
    Some(chain)
}

/// How much a memory still counts at `now_us` for its age: 1 when new,
/// half at [`HALF_WEIGHT_YEARS`].
pub fn recency(memory: &Memory, now_us: i64) -> f32 {
    let age_years = (now_us - memory.valid_at_us).max(0) as f32 / YEAR_US;
    1.0 / (1.0 + age_years / HALF_WEIGHT_YEARS)
}

/// How much a memory weighs in what the twin says or recommends: how sure
/// it is, how much it matters, how recent.
pub fn weight(memory: &Memory, now_us: i64) -> f32 {
    memory.confidence * (0.5 + 0.5 * memory.importance) * recency(memory, now_us)
}

/// A memory found for a question.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MemoryHit {
    /// How well it answers, weighted by how much it matters, how sure it
    /// is and how recent (higher is better; see [`relevant`]).
    pub score: f32,
    /// The memory's id.
    pub memory_id: String,
    /// Its kind.
    pub kind: MemoryKind,
    /// The statement.
    pub sentence: String,
    /// How sure.
    pub confidence: f32,
    /// How much it matters.
    pub importance: f32,
    /// The episodes it came from.
    pub source_episodes: Vec<String>,
}

/// Weight of the passage a memory came from against its own words.
const PASSAGE_WEIGHT: f32 = 0.5;
/// Age, in years, at which a memory counts half as much as a new one.
const HALF_WEIGHT_YEARS: f32 = 1.0;
const YEAR_US: f32 = 365.25 * 24.0 * 3600.0 * 1e6;

/// The `k` memories valid at `now_us` that best answer `query` (not the
/// voice profile), by a hybrid of two signals:
/// - lexical: the share of the query's content words the memory holds;
/// - dense, through `passages` (the query's hybrid search hits): the
///   fused score, relative to the best, of the best passage the memory
///   was distilled from, so a memory inherits what the embeddings found.
///
/// Relevance = lexical + [`PASSAGE_WEIGHT`] × passage; a memory with
/// neither is left out. Score = relevance × confidence × (½ + ½ ×
/// importance) × recency, where recency halves at [`HALF_WEIGHT_YEARS`]:
/// a conversation's summary (important) outranks a passing remark.
pub fn relevant(
    memories: &[Memory],
    query: &str,
    passages: &[SearchHit],
    k: usize,
    now_us: i64,
) -> Vec<MemoryHit> {
    let wanted = terms(query);
    let best = passages.iter().map(|p| p.score).fold(0.0f32, f32::max);
    let mut by_episode: HashMap<&str, f32> = HashMap::new();
    if best > 0.0 {
        for p in passages {
            let entry = by_episode.entry(p.episode_id.as_str()).or_default();
            *entry = entry.max(p.score / best);
        }
    }
    let mut hits: Vec<MemoryHit> = memories
        .iter()
        .filter(|m| m.is_valid_at(now_us) && m.kind != MemoryKind::Style)
        .filter_map(|m| {
            let lexical = if wanted.is_empty() {
                0.0
            } else {
                let have = terms(&format!("{} {}", m.sentence, m.object));
                wanted.iter().filter(|w| have.contains(w)).count() as f32 / wanted.len() as f32
            };
            let passage = m
                .source_episodes
                .iter()
                .filter_map(|e| by_episode.get(e.as_str()))
                .fold(0.0f32, |a, b| a.max(*b));
            let relevance = lexical + PASSAGE_WEIGHT * passage;
            (relevance > 0.0).then(|| MemoryHit {
                score: relevance * weight(m, now_us),
                memory_id: m.memory_id.clone(),
                kind: m.kind,
                sentence: m.sentence.clone(),
                confidence: m.confidence,
                importance: m.importance,
                source_episodes: m.source_episodes.clone(),
            })
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.memory_id.cmp(&b.memory_id))
    });
    hits.truncate(k);
    hits
}

/// Where a memory came from: one of its episodes.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EpisodeCitation {
    /// The episode.
    pub episode_id: String,
    /// Its source kind.
    pub source_kind: SourceKind,
    /// The file or URL it came from.
    pub uri: String,
    /// The message id, for chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The line, for line-oriented files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Who wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When, RFC 3339.
    pub at: String,
    /// Its first words.
    pub excerpt: String,
}

/// Citations of up to `max` of `ids`, from `episodes`.
pub fn cite(
    episodes: &HashMap<String, Episode>,
    ids: &[String],
    max: usize,
) -> Vec<EpisodeCitation> {
    ids.iter()
        .filter_map(|id| episodes.get(id))
        .take(max)
        .map(|e| EpisodeCitation {
            episode_id: e.episode_id.clone(),
            source_kind: e.source_kind,
            uri: e.source_uri.clone(),
            message_id: e.message_id.clone(),
            line: e.line,
            author: e.author.clone(),
            at: time(e.occurred_at_us),
            excerpt: e
                .text
                .as_deref()
                .or(e.title.as_deref())
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect(),
        })
        .collect()
}

/// A time as RFC 3339, UTC.
pub fn time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(
        id: &str,
        kind: MemoryKind,
        sentence: &str,
        valid: i64,
        invalid: Option<i64>,
    ) -> Memory {
        let scope = Scope::parse("t", "alice").unwrap();
        let base = twinlake_core::contract::memory(&scope, kind, "likes", sentence, valid, invalid);
        Memory {
            memory_id: id.into(),
            sentence: sentence.into(),
            ..base
        }
    }

    fn chain() -> Vec<Memory> {
        let mut a = memory(
            "a",
            MemoryKind::Preference,
            "Alice likes sushi.",
            10,
            Some(50),
        );
        let mut b = memory(
            "b",
            MemoryKind::Dislike,
            "Alice dislikes raw fish.",
            50,
            Some(90),
        );
        let mut c = memory(
            "c",
            MemoryKind::Preference,
            "Alice likes sushi again.",
            90,
            None,
        );
        a.superseded_by = Some("b".into());
        b.supersedes = Some("a".into());
        b.superseded_by = Some("c".into());
        c.supersedes = Some("b".into());
        vec![c, a, b]
    }

    #[test]
    fn as_of_picks_the_version_valid_then() {
        let all = chain();
        let at = |t| {
            as_of(&all, None, t)
                .iter()
                .map(|m| m.memory_id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(at(20), ["a"]);
        assert_eq!(at(60), ["b"]);
        assert_eq!(at(100), ["c"]);
        assert!(as_of(&all, Some(MemoryKind::Dislike), 100).is_empty());
    }

    #[test]
    fn history_walks_the_whole_chain_from_any_version() {
        let all = chain();
        for id in ["a", "b", "c"] {
            let ids: Vec<&str> = history(&all, id)
                .unwrap()
                .iter()
                .map(|m| m.memory_id.as_str())
                .collect();
            assert_eq!(ids, ["a", "b", "c"]);
        }
        assert!(history(&all, "nope").is_none());
    }

    #[test]
    fn times_and_kinds_are_checked() {
        assert!(parse_time("2026-10-01").is_ok());
        assert!(parse_time("2026-10-01T12:00:00Z").is_ok());
        assert!(
            parse_time("yesterday")
                .unwrap_err()
                .to_string()
                .contains("2026-10-01")
        );
        assert!(
            parse_kind("hobby")
                .unwrap_err()
                .to_string()
                .contains("dealbreaker")
        );
    }

    #[test]
    fn relevant_memories_share_the_questions_words() {
        let all = chain();
        let hits = relevant(&all, "does she like sushi", &[], 5, 100);
        assert_eq!(hits.len(), 1, "only the version valid now");
        assert_eq!(hits[0].memory_id, "c");
    }

    fn passage(episode: &str, score: f32) -> SearchHit {
        SearchHit::for_test(&format!("chunk-{episode}"), episode, "", score)
    }

    #[test]
    fn a_memory_inherits_the_score_of_the_passage_it_came_from() {
        let mut pet = memory("pet", MemoryKind::Biography, "Alice has a pet.", 10, None);
        pet.source_episodes = vec!["e-pet".into()];
        let mut job = memory("job", MemoryKind::Role, "Alice is a nurse.", 10, None);
        job.source_episodes = vec!["e-job".into()];
        let all = [pet, job];
        // No shared word: only the passage found by meaning brings it.
        let hits = relevant(
            &all,
            "what animal lives with her",
            &[passage("e-pet", 0.8)],
            5,
            20,
        );
        assert_eq!(
            hits.iter()
                .map(|h| h.memory_id.as_str())
                .collect::<Vec<_>>(),
            ["pet"]
        );
        assert!(relevant(&all, "what animal lives with her", &[], 5, 20).is_empty());
    }

    #[test]
    fn importance_confidence_and_recency_order_equally_relevant_memories() {
        let year = YEAR_US as i64;
        let base = |id: &str| memory(id, MemoryKind::Preference, "Alice likes tea.", 0, None);
        let plain = base("plain");
        let important = Memory {
            importance: 0.9,
            ..base("important")
        };
        let doubted = Memory {
            confidence: plain.confidence * 0.5,
            ..base("doubted")
        };
        let old = Memory {
            valid_at_us: -3 * year,
            ..base("old")
        };
        let all = [plain.clone(), important, doubted, old];
        let ids: Vec<String> = relevant(&all, "tea", &[], 5, year)
            .into_iter()
            .map(|h| h.memory_id)
            .collect();
        assert_eq!(
            ids.first().map(String::as_str),
            Some("important"),
            "{ids:?}"
        );
        let at = |id: &str| ids.iter().position(|x| x == id).unwrap();
        assert!(
            at("plain") < at("doubted") && at("plain") < at("old"),
            "{ids:?}"
        );
    }
}
