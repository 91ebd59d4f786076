//! The retrieval plan: everything a chat answer may draw on, gathered in
//! one place, each item with its source.
//!
//! 1. The conversation: its last [`HISTORY`] turns and its summary so far.
//! 2. Memories: the top [`MEMORIES`] valid now, by a hybrid of their words
//!    and the passages they came from, weighted by importance, confidence
//!    (lowered by replies marked incorrect) and recency
//!    ([`memories::relevant`]).
//! 3. Graph facts: up to [`FACTS`] facts touching the entities the
//!    question names ([`QueryCues::proper_names`]; "I" and "my" name the
//!    person), that held in the last [`FACT_WINDOW_US`].
//! 4. Passages: the top [`PASSAGES`] hits of hybrid search.
//!
//! The person's name, voice profile and off-voice ratings come along, for
//! an answerer that writes in their voice. The plan runs its reads
//! concurrently: the memories and the passages, then the facts.
//!
//! What the answer drew on is reported back as [`Used`]; which items
//! count as drawn on is the answerer's to say
//! ([`super::answerer::Answerer`]).

use std::collections::HashSet;

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::Turn;
use twinlake_core::memory::{Fact, Memory, MemoryKind};
use twinlake_udfs::extract::style::VoiceProfile;

use super::cues::QueryCues;
use super::feedback::{self, VoiceNotes};
use super::memories::{self, MemoryHit};
use super::search::{SearchHit, search};
use super::terms::terms;
use crate::ServingError;
use crate::api::AppState;

/// The conversation's last turns an answer reads.
pub const HISTORY: usize = 6;
/// Memories an answer reads.
pub const MEMORIES: usize = 5;
/// Graph facts an answer reads.
pub const FACTS: usize = 5;
/// Passages retrieved for an answer.
pub const PASSAGES: usize = 8;
/// How far back a graph fact must have held: 90 days.
pub const FACT_WINDOW_US: i64 = 90 * 24 * 3600 * 1_000_000;
/// Names of the question looked up in the graph, at most.
const NAMES_LOOKED_UP: usize = 4;

/// What an answer may draw on.
#[derive(Clone, Debug, Default)]
pub struct Grounds {
    /// The person's name, as their twin calls them.
    pub name: String,
    /// How they write, when known.
    pub voice: Option<VoiceProfile>,
    /// What their off-voice ratings said of earlier replies.
    pub voice_notes: VoiceNotes,
    /// The conversation's last turns before the question, oldest first.
    pub history: Vec<Turn>,
    /// The conversation's summary so far, if it has one.
    pub summary: Option<String>,
    /// The memories that best answer the question, best first.
    pub memories: Vec<MemoryHit>,
    /// Graph facts touching what the question names.
    pub facts: Vec<Fact>,
    /// The passages retrieved for the question, best first.
    pub passages: Vec<SearchHit>,
}

/// What a reply drew on, by kind, each item with enough to find it again.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Used {
    /// Turns of the conversation.
    pub messages: Vec<UsedTurn>,
    /// Memories.
    pub memories: Vec<UsedMemory>,
    /// Graph facts.
    pub facts: Vec<UsedFact>,
    /// Passages of the footprint.
    pub passages: Vec<UsedPassage>,
}

/// A turn a reply drew on.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UsedTurn {
    /// The turn's id.
    pub id: i64,
    /// Its number in the conversation.
    pub seq: i64,
    /// `user` or `twin`.
    pub role: String,
}

/// A memory a reply drew on.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UsedMemory {
    /// The memory's id.
    pub memory_id: String,
    /// Its statement.
    pub sentence: String,
}

/// A graph fact a reply drew on.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UsedFact {
    /// The fact's id.
    pub fact_id: String,
    /// Its relation.
    pub relation: String,
    /// The fact as a sentence.
    pub text: String,
}

/// A passage a reply drew on.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UsedPassage {
    /// The chunk's id.
    pub chunk_id: String,
    /// Its file or URL.
    pub uri: String,
}

impl Used {
    /// Every turn in `turns`.
    pub fn turns(turns: &[Turn]) -> Vec<UsedTurn> {
        turns
            .iter()
            .map(|t| UsedTurn {
                id: t.id,
                seq: t.seq,
                role: t.role.clone(),
            })
            .collect()
    }

    /// Every memory in `hits`.
    pub fn memories<'a>(hits: impl IntoIterator<Item = &'a MemoryHit>) -> Vec<UsedMemory> {
        hits.into_iter()
            .map(|m| UsedMemory {
                memory_id: m.memory_id.clone(),
                sentence: m.sentence.clone(),
            })
            .collect()
    }

    /// Every fact in `facts`.
    pub fn facts(facts: &[Fact]) -> Vec<UsedFact> {
        facts
            .iter()
            .map(|f| UsedFact {
                fact_id: f.fact_id.clone(),
                relation: f.relation.clone(),
                text: f.text.clone(),
            })
            .collect()
    }

    /// Every passage in `hits`.
    pub fn passages<'a>(hits: impl IntoIterator<Item = &'a SearchHit>) -> Vec<UsedPassage> {
        hits.into_iter()
            .map(|h| UsedPassage {
                chunk_id: h.chunk_id.clone(),
                uri: h.source.uri.clone(),
            })
            .collect()
    }
}

/// The memories of `grounds` distilled from the episodes of `passages`:
/// the memories behind the evidence an answer quoted.
pub fn memories_behind<'a>(
    grounds: &'a Grounds,
    passages: &[&SearchHit],
) -> impl Iterator<Item = &'a MemoryHit> + use<'a> {
    let episodes: HashSet<String> = passages.iter().map(|p| p.episode_id.clone()).collect();
    grounds
        .memories
        .iter()
        .filter(move |m| m.source_episodes.iter().any(|e| episodes.contains(e)))
}

/// Gathers what an answer to `question` from `scope` may draw on, in a
/// conversation whose last turns are `history` and summary `summary`.
pub async fn gather(
    state: &AppState,
    scope: &Scope,
    question: &str,
    history: Vec<Turn>,
    summary: Option<String>,
) -> Result<Grounds, ServingError> {
    let backends = &state.backends;
    let now = chrono::Utc::now().timestamp_micros();
    let ((all, given), passages) = tokio::try_join!(
        memories::load_rated(backends, scope),
        search(backends, scope, question, PASSAGES),
    )?;
    let (name, voice) = persona(&all, scope, now);
    let memories = memories::relevant(&all, question, &passages, MEMORIES, now);
    let facts = facts(state, scope, question, &name, now).await?;
    Ok(Grounds {
        voice_notes: feedback::voice_notes(&given),
        name,
        voice,
        history,
        summary,
        memories,
        facts,
        passages,
    })
}

/// Up to [`FACTS`] facts of `scope`'s graph touching what `question`
/// names, that held in the last [`FACT_WINDOW_US`] before `now`: those
/// sharing most of the question's words first, then the latest.
async fn facts(
    state: &AppState,
    scope: &Scope,
    question: &str,
    name: &str,
    now: i64,
) -> Result<Vec<Fact>, ServingError> {
    let cues = QueryCues::of(question);
    let mut names: Vec<String> = cues.proper_names.clone();
    if cues.first_person {
        names.insert(0, name.to_string());
    }
    names.truncate(NAMES_LOOKED_UP);
    let graph = &state.backends.graph;
    let window = (now - FACT_WINDOW_US, now);
    let (mut entities, mut facts): (HashSet<String>, HashSet<String>) = Default::default();
    let mut found: Vec<Fact> = Vec::new();
    for wanted in &names {
        let Some(entity) = graph.find(scope, wanted).await? else {
            continue;
        };
        if !entities.insert(entity.entity_id.clone()) {
            continue;
        }
        for step in graph
            .neighbours(scope, &entity.entity_id, 1, Some(window))
            .await?
        {
            if facts.insert(step.via.fact_id.clone()) {
                found.push(step.via);
            }
        }
    }
    let wanted = terms(question);
    // Most shared words first, then the latest, then by id.
    found.sort_by_cached_key(|f| {
        let have = terms(&f.text);
        let shared = wanted.iter().filter(|w| have.contains(w)).count();
        (
            std::cmp::Reverse(shared),
            std::cmp::Reverse(f.valid_at_us),
            f.fact_id.clone(),
        )
    });
    found.truncate(FACTS);
    Ok(found)
}

/// The person's name (as their own memories valid at `now` give it, else
/// their user id) and their voice profile, if one is measured.
pub fn persona(all: &[Memory], scope: &Scope, now: i64) -> (String, Option<VoiceProfile>) {
    let valid = memories::as_of(all, None, now);
    let name = valid
        .iter()
        .find(|m| m.about_user && !m.subject.is_empty())
        .map_or_else(|| scope.user.to_string(), |m| m.subject.clone());
    let voice = valid
        .iter()
        .find(|m| m.kind == MemoryKind::Style)
        .and_then(|m| serde_json::from_str(&m.object).ok());
    (name, voice)
}
