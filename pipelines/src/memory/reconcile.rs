//! Turning drafts into memories over a person's whole history, in time
//! order, without losing any.
//!
//! - A draft that repeats an open memory (same subject, kind, predicate
//!   and canonical object) merges into it: its episodes join the sources,
//!   confidence rises (`1 - (1-a)(1-b)`), and the memory's TTL restarts.
//! - A draft that contradicts an open memory (the opposite stance on a
//!   related object: "I love sushi", later "I can't stand raw fish"; or a
//!   new value of a one-valued predicate such as a current job) closes the
//!   old memory's validity at the new one's `valid_at`, retires it, and
//!   links the two. The old memory stays, readable in the history and in
//!   as-of queries.
//!
//! Ids derive from content and the first episode, so a rerun over the same
//! episodes yields the same memories; `created_at` carries over from the
//! previous run, so "when twinlake learnt it" survives rebuilds.

use std::collections::HashMap;

use twinlake_core::memory::{Memory, MemoryKind, Polarity, TTL_US};
use twinlake_core::record::SourceKind;
use twinlake_core::{ContentHash, Scope};
use twinlake_udfs::extract::{MemoryDraft, canonical, taxonomy};

/// Predicates with one value at a time: a new one supersedes the old.
/// (Roles are many-valued: a designer can also lead a project.)
const ONE_VALUED: &[&str] = &["lives_in", "diet"];

/// Largest number of source episodes kept per memory (the voice profile
/// and a weekly calendar slot can cite thousands); the first ones stay.
pub const MAX_SOURCES: usize = 200;

/// Builds memories from drafts.
pub struct Reconciler {
    scope: Scope,
    now_us: i64,
    /// `created_at` of each memory id a previous run stored.
    learnt: HashMap<String, i64>,
    memories: Vec<Memory>,
}

/// The stance a kind takes on its object, for contradictions.
fn stance(kind: MemoryKind) -> Option<Polarity> {
    match kind {
        MemoryKind::Preference | MemoryKind::Interest => Some(Polarity::Positive),
        MemoryKind::Dislike => Some(Polarity::Negative),
        _ => None,
    }
}

fn is_chat(kind: SourceKind) -> bool {
    !kind.is_document() && !matches!(kind, SourceKind::LinkedIn | SourceKind::Calendar)
}

impl Reconciler {
    /// A reconciler for `scope` at wall time `now_us`; `previous` is what
    /// the last run stored.
    pub fn new(scope: Scope, now_us: i64, previous: &[Memory]) -> Self {
        Reconciler {
            scope,
            now_us,
            learnt: previous
                .iter()
                .map(|m| (m.memory_id.clone(), m.created_at_us))
                .collect(),
            memories: Vec::new(),
        }
    }

    /// Adds drafts; call in time order (`valid_at`), as the history unfolds.
    pub fn add(&mut self, draft: MemoryDraft) {
        let key = canonical(&draft.object);
        let open = |m: &Memory| m.invalid_at_us.is_none() && m.superseded_by.is_none();
        if let Some(m) = self.memories.iter_mut().find(|m| {
            open(m)
                && m.subject == draft.subject
                && m.kind == draft.kind
                && m.predicate == draft.predicate
                && canonical(&m.object) == key
        }) {
            merge(m, &draft);
            return;
        }
        let mut memory = self.memory_of(&draft);
        for old in self
            .memories
            .iter_mut()
            .filter(|m| open(m) && m.subject == draft.subject)
        {
            let opposite = match (stance(old.kind), stance(draft.kind)) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            };
            let contradicts = (opposite && taxonomy::related(&old.object, &draft.object))
                || (old.predicate == draft.predicate
                    && ONE_VALUED.contains(&draft.predicate.as_str())
                    && canonical(&old.object) != key);
            if contradicts && old.valid_at_us <= memory.valid_at_us {
                old.invalid_at_us = Some(memory.valid_at_us);
                old.expired_at_us = Some(memory.created_at_us);
                old.superseded_by = Some(memory.memory_id.clone());
                memory.supersedes = Some(old.memory_id.clone());
            }
        }
        self.memories.push(memory);
    }

    fn memory_of(&self, d: &MemoryDraft) -> Memory {
        let first = d.episodes.first().map(String::as_str).unwrap_or_default();
        let id = ContentHash::of_parts(&[
            self.scope.tenant.as_str().as_bytes(),
            self.scope.user.as_str().as_bytes(),
            d.kind.as_str().as_bytes(),
            d.subject.as_bytes(),
            d.predicate.as_bytes(),
            canonical(&d.object).as_bytes(),
            first.as_bytes(),
        ])
        .to_hex()[..16]
            .to_string();
        let created = self.learnt.get(&id).copied().unwrap_or(self.now_us);
        let mut memory = Memory {
            memory_id: id,
            scope: self.scope.clone(),
            kind: d.kind,
            subject: d.subject.clone(),
            about_user: d.about_user,
            predicate: d.predicate.clone(),
            object: d.object.clone(),
            sentence: d.sentence.clone(),
            polarity: d.polarity,
            confidence: d.confidence,
            importance: d.importance,
            domain: d.domain.clone(),
            source_kind: d.source_kind,
            session: d.session.clone(),
            turn: d.turn.clone(),
            source_episodes: d.episodes.iter().take(MAX_SOURCES).cloned().collect(),
            valid_at_us: d.valid_at_us,
            invalid_at_us: d.invalid_at_us,
            created_at_us: created,
            expired_at_us: None,
            expires_at_us: None,
            superseded_by: None,
            supersedes: None,
        };
        memory.expires_at_us = ttl(&memory, d.valid_at_us);
        memory
    }

    /// Every memory, in the order first said.
    pub fn finish(self) -> Vec<Memory> {
        self.memories
    }
}

/// Low-importance chat memories lapse [`TTL_US`] after they were last
/// said; the voice profile and everything else stay.
fn ttl(memory: &Memory, last_said_us: i64) -> Option<i64> {
    (memory.kind != MemoryKind::Style && memory.importance < 0.5 && is_chat(memory.source_kind))
        .then(|| last_said_us.saturating_add(TTL_US))
}

fn merge(memory: &mut Memory, draft: &MemoryDraft) {
    for e in &draft.episodes {
        if memory.source_episodes.len() < MAX_SOURCES && !memory.source_episodes.contains(e) {
            memory.source_episodes.push(e.clone());
        }
    }
    memory.confidence = (1.0 - (1.0 - memory.confidence) * (1.0 - draft.confidence)).min(0.99);
    memory.importance = memory.importance.max(draft.importance);
    // A stronger source's wording wins ("Bob has the skill Rust" over a
    // passing remark).
    if draft.confidence > 0.75 && memory.sentence.len() > draft.sentence.len() + 40 {
        memory.sentence = draft.sentence.clone();
    }
    if let Some(expires) = memory.expires_at_us {
        memory.expires_at_us = Some(expires.max(draft.valid_at_us.saturating_add(TTL_US)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_udfs::extract::Reader;

    fn draft(
        kind: MemoryKind,
        predicate: &str,
        object: &str,
        at: i64,
        episode: &str,
        confidence: f32,
    ) -> MemoryDraft {
        let reader = Reader::new("Alice", &[]);
        let mut e = twinlake_core::contract::document_episode(
            &Scope::parse("t", "alice").unwrap(),
            episode,
            "/chat.json",
            1,
        );
        e.source_kind = SourceKind::Telegram;
        e.occurred_at_us = at;
        reader.draft(
            &e,
            kind,
            predicate,
            object,
            format!("Alice {predicate} {object}."),
            confidence,
        )
    }

    fn run(drafts: Vec<MemoryDraft>, previous: &[Memory]) -> Vec<Memory> {
        let mut r = Reconciler::new(Scope::parse("t", "alice").unwrap(), 1_000, previous);
        for d in drafts {
            r.add(d);
        }
        r.finish()
    }

    #[test]
    fn duplicates_merge_sources_and_raise_confidence() {
        let out = run(
            vec![
                draft(
                    MemoryKind::Dealbreaker,
                    "allergic_to",
                    "peanuts",
                    10,
                    "e1",
                    0.45,
                ),
                draft(
                    MemoryKind::Dealbreaker,
                    "allergic_to",
                    "Peanut",
                    20,
                    "e2",
                    0.8,
                ),
            ],
            &[],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].source_episodes.len(), 2);
        assert!(
            (out[0].confidence - 0.89).abs() < 1e-3,
            "{}",
            out[0].confidence
        );
        assert!(out[0].in_profile());
    }

    #[test]
    fn a_contradiction_closes_the_old_memory_and_links_both() {
        let out = run(
            vec![
                draft(MemoryKind::Preference, "likes", "sushi", 10, "e1", 0.8),
                draft(MemoryKind::Dislike, "dislikes", "raw fish", 50, "e2", 0.8),
            ],
            &[],
        );
        assert_eq!(out.len(), 2, "nothing is deleted");
        let (old, new) = (&out[0], &out[1]);
        assert_eq!(old.invalid_at_us, Some(50));
        assert_eq!(old.superseded_by.as_deref(), Some(new.memory_id.as_str()));
        assert_eq!(new.supersedes.as_deref(), Some(old.memory_id.as_str()));
        assert!(old.expired_at_us.is_some());
        assert!(
            old.is_valid_at(30) && !old.is_valid_at(60),
            "as of before, the old one held"
        );
        assert!(new.is_valid_at(60) && !new.is_valid_at(30));
    }

    #[test]
    fn unrelated_opposites_and_many_valued_predicates_coexist() {
        let out = run(
            vec![
                draft(
                    MemoryKind::Preference,
                    "likes",
                    "sourdough bread",
                    10,
                    "e1",
                    0.8,
                ),
                draft(MemoryKind::Dislike, "dislikes", "cilantro", 20, "e2", 0.8),
                draft(MemoryKind::Skill, "good_at", "Rust", 30, "e3", 0.8),
                draft(MemoryKind::Skill, "good_at", "SQL", 40, "e4", 0.8),
            ],
            &[],
        );
        assert!(out.iter().all(|m| m.invalid_at_us.is_none()), "{out:?}");
    }

    #[test]
    fn a_move_supersedes_the_old_home() {
        let out = run(
            vec![
                draft(MemoryKind::Biography, "lives_in", "Lisbon", 10, "e1", 0.9),
                draft(MemoryKind::Biography, "lives_in", "Berlin", 90, "e2", 0.9),
            ],
            &[],
        );
        assert_eq!(out[0].invalid_at_us, Some(90));
        assert_eq!(out[1].invalid_at_us, None);
    }

    #[test]
    fn ids_are_stable_and_created_at_survives_a_rerun() {
        let drafts = || {
            vec![draft(
                MemoryKind::Summary,
                "summary",
                "the barbecue plan",
                10,
                "e1",
                0.8,
            )]
        };
        let first = run(drafts(), &[]);
        assert_eq!(first[0].created_at_us, 1_000);
        let mut r = Reconciler::new(Scope::parse("t", "alice").unwrap(), 5_000, &first);
        for d in drafts() {
            r.add(d);
        }
        let second = r.finish();
        assert_eq!(second[0].memory_id, first[0].memory_id);
        assert_eq!(second[0].created_at_us, 1_000, "learnt at the first run");
    }

    #[test]
    fn low_importance_chat_memories_lapse_after_the_ttl() {
        let said_to_twin = |mut d: MemoryDraft| {
            d.source_kind = SourceKind::TwinChat;
            d.importance = d.kind.importance_from(SourceKind::TwinChat);
            d
        };
        let out = run(
            vec![
                said_to_twin(draft(MemoryKind::Preference, "likes", "tea", 10, "e1", 0.8)),
                said_to_twin(draft(
                    MemoryKind::Dealbreaker,
                    "allergic_to",
                    "peanuts",
                    10,
                    "e2",
                    0.8,
                )),
                draft(MemoryKind::Preference, "likes", "coffee", 10, "e3", 0.8),
                draft(
                    MemoryKind::Summary,
                    "summary",
                    "the barbecue plan",
                    10,
                    "e4",
                    0.8,
                ),
            ],
            &[],
        );
        let find = |object: &str| out.iter().find(|m| m.object == object).unwrap();
        let tea = find("tea");
        assert_eq!(tea.expires_at_us, Some(10 + TTL_US));
        assert!(tea.is_valid_at(10 + TTL_US - 1) && !tea.is_valid_at(10 + TTL_US));
        for lasting in ["peanuts", "coffee", "the barbecue plan"] {
            assert_eq!(
                find(lasting).expires_at_us,
                None,
                "{lasting}: important memories, and those of the footprint, do not lapse"
            );
        }
    }
}
