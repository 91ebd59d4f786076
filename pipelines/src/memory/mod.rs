//! The twin's memory: distilling a user's episodes into typed, bi-temporal
//! memories and a temporal knowledge graph, and storing both in the lake.
//!
//! [`distill`] is a pure function of the user's episodes (in time order),
//! the previous run's memories and the wall clock:
//!
//! 1. every episode goes through the local extractor
//!    ([`twinlake_udfs::extract`]);
//! 2. every [`summary::WINDOW`] messages of a conversation become a summary
//!    memory; the user's own messages become the voice profile;
//! 3. drafts are reconciled in time order ([`reconcile`]): duplicates
//!    merge, contradictions close the older memory;
//! 4. memories, documents, the user's choices on projects and their twin's
//!    recommendations become entities and facts ([`graph`]).
//!
//! [`store`] reads and writes the three lake tables. The batch job in
//! `twinlake-jobs` reads the episodes with DataFusion and runs it all.

pub mod graph;
pub mod reconcile;
pub mod store;

use std::collections::{BTreeMap, HashMap};

use twinlake_core::memory::{Memory, MemoryKind};
use twinlake_core::project::Recommended;
use twinlake_core::record::{Episode, SourceKind};
use twinlake_core::{ProposalId, Scope};
use twinlake_udfs::extract::{self, MemoryDraft, Reader, summary};

use self::graph::{GraphParts, Members};
use self::reconcile::Reconciler;

/// What [`distill`] produced.
#[derive(Clone, Debug, Default)]
pub struct Distilled {
    /// Every memory, every version.
    pub memories: Vec<Memory>,
    /// Entities and facts.
    pub graph: GraphParts,
    /// Episodes read.
    pub episodes: usize,
}

/// Whether episodes of `kind` are messages of a conversation. A recorded
/// choice is not: its words are the server's, so they neither make
/// summaries nor shape the voice.
fn is_message(kind: SourceKind) -> bool {
    !kind.is_document()
        && !matches!(
            kind,
            SourceKind::LinkedIn | SourceKind::Calendar | SourceKind::Decision
        )
}

/// The user's display name: the name their own messages carry most often,
/// else their user id capitalised.
pub fn display_name(user: &str, episodes: &[Episode]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in episodes.iter().filter(|e| e.is_self) {
        if let Some(a) = e
            .author
            .as_deref()
            .filter(|a| !a.starts_with('@') && a.contains(' '))
        {
            *counts.entry(a).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(name, n)| (*n, std::cmp::Reverse(*name)))
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| {
            let mut c = user.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
}

/// Options of one distillation.
pub struct DistillOptions<'a> {
    /// Whose episodes.
    pub scope: &'a Scope,
    /// Other names the user goes by (configuration, `--me`).
    pub aliases: &'a [String],
    /// The tenant's members, for resolving people to users.
    pub members: &'a Members,
    /// What the user's twin last recommended on each proposal (the
    /// relational store's), for the graph.
    pub recommended: &'a [(ProposalId, Recommended)],
    /// What the previous run stored.
    pub previous: &'a [Memory],
    /// The wall clock, µs.
    pub now_us: i64,
    /// Summarise a conversation's last, unfinished window too ("on request").
    pub summarize_tail: bool,
}

/// Distills `episodes` (time order; documents' text in `texts` by episode id).
pub fn distill(
    options: &DistillOptions<'_>,
    episodes: &[Episode],
    texts: &HashMap<String, String>,
) -> Distilled {
    let user_name = display_name(options.scope.user.as_str(), episodes);
    let reader = Reader::new(&user_name, options.aliases);
    fn text_of<'a>(e: &'a Episode, texts: &'a HashMap<String, String>) -> Option<&'a str> {
        e.text
            .as_deref()
            .or_else(|| texts.get(&e.episode_id).map(String::as_str))
    }
    let mut drafts: Vec<MemoryDraft> = Vec::new();
    for e in episodes {
        drafts.extend(reader.extract(e, text_of(e, texts).unwrap_or_default()));
    }
    drafts.extend(summaries(&reader, episodes, options.summarize_tail));
    drafts.extend(voice(&reader, episodes));
    // Stable: drafts of one time keep their episode order.
    drafts.sort_by_key(|d| d.valid_at_us);
    let mut reconciler = Reconciler::new(options.scope.clone(), options.now_us, options.previous);
    for d in drafts {
        reconciler.add(d);
    }
    let memories = reconciler.finish();
    let documents: Vec<(&Episode, &str)> = episodes
        .iter()
        .filter(|e| e.source_kind.is_document())
        .filter_map(|e| text_of(e, texts).map(|t| (e, t)))
        .collect();
    let decisions: Vec<&Episode> = episodes
        .iter()
        .filter(|e| e.source_kind == SourceKind::Decision)
        .collect();
    let graph = graph::build(
        options.scope,
        &user_name,
        &memories,
        &documents,
        &decisions,
        options.recommended,
        options.members,
    );
    Distilled {
        memories,
        graph,
        episodes: episodes.len(),
    }
}

/// One summary per [`summary::WINDOW`] messages of each conversation.
fn summaries(reader: &Reader, episodes: &[Episode], tail: bool) -> Vec<MemoryDraft> {
    let mut by_conversation: BTreeMap<&str, Vec<&Episode>> = BTreeMap::new();
    for e in episodes
        .iter()
        .filter(|e| is_message(e.source_kind) && e.text.is_some())
    {
        if let Some(c) = e.conversation_id.as_deref() {
            by_conversation.entry(c).or_default().push(e);
        }
    }
    let mut out = Vec::new();
    for messages in by_conversation.values() {
        for window in messages.chunks(summary::WINDOW) {
            if window.len() < summary::WINDOW && !tail {
                continue;
            }
            let lines: Vec<summary::Line> = window
                .iter()
                .map(|e| summary::Line {
                    author: e.author.as_deref().unwrap_or("someone"),
                    text: e.text.as_deref().unwrap_or_default(),
                })
                .collect();
            let Some(text) = summary::summarize(&lines) else {
                continue;
            };
            let (first, last) = (window[0], window[window.len() - 1]);
            let day = |t: i64| {
                chrono::DateTime::from_timestamp_micros(t)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            };
            let title = first.title.as_deref().unwrap_or("a conversation");
            let span = format!(
                "{title}, {} to {}",
                day(first.occurred_at_us),
                day(last.occurred_at_us)
            );
            let mut draft = reader.draft(
                last,
                MemoryKind::Summary,
                "summary",
                &format!("{span} #{}", graph::short(&first.episode_id)),
                format!("{span}: {text}"),
                extract::OWN_WORDS,
            );
            draft.episodes = window.iter().map(|e| e.episode_id.clone()).collect();
            draft.turn = None;
            out.push(draft);
        }
    }
    out
}

/// The voice profile from the user's own messages.
fn voice(reader: &Reader, episodes: &[Episode]) -> Option<MemoryDraft> {
    let own: Vec<&Episode> = episodes
        .iter()
        .filter(|e| e.is_self && is_message(e.source_kind) && e.meta.get("retweet").is_none())
        .filter(|e| e.text.is_some())
        .collect();
    let profile = extract::style::voice_profile(own.iter().filter_map(|e| e.text.as_deref()))?;
    let last = own.last()?;
    let mut draft = reader.draft(
        last,
        MemoryKind::Style,
        "writes",
        &serde_json::to_string(&profile).unwrap_or_default(),
        profile.describe(&reader.user_name),
        0.9,
    );
    draft.episodes = own.iter().map(|e| e.episode_id.clone()).collect();
    draft.valid_at_us = own[0].occurred_at_us;
    draft.session = None;
    draft.turn = None;
    Some(draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(i: usize, author: &str, is_self: bool, text: &str) -> Episode {
        let scope = Scope::parse("t", "alice").unwrap();
        let mut e =
            twinlake_core::contract::document_episode(&scope, &format!("e{i:03}"), "/chat.json", 1);
        e.source_kind = SourceKind::Telegram;
        e.author = Some(author.into());
        e.is_self = is_self;
        e.text = Some(text.into());
        e.conversation_id = Some("c".into());
        e.title = Some("Bob Stone".into());
        e.occurred_at_us = i as i64 * 1_000_000;
        e
    }

    fn run(episodes: &[Episode], tail: bool) -> Distilled {
        let scope = Scope::parse("t", "alice").unwrap();
        distill(
            &DistillOptions {
                scope: &scope,
                aliases: &[],
                members: &Members::default(),
                recommended: &[],
                previous: &[],
                now_us: 0,
                summarize_tail: tail,
            },
            episodes,
            &HashMap::new(),
        )
    }

    #[test]
    fn summaries_come_every_twenty_messages_and_the_voice_from_own_words() {
        let episodes: Vec<Episode> = (0..45)
            .map(|i| {
                let (author, own) = if i % 2 == 0 {
                    ("Alice Martin", true)
                } else {
                    ("Bob Stone", false)
                };
                message(
                    i,
                    author,
                    own,
                    &format!("The barbecue grill needs charcoal number {i} today!"),
                )
            })
            .collect();
        let d = run(&episodes, false);
        let summaries: Vec<&Memory> = d
            .memories
            .iter()
            .filter(|m| m.kind == MemoryKind::Summary)
            .collect();
        assert_eq!(summaries.len(), 2, "two full windows of 20");
        assert_eq!(summaries[0].source_episodes.len(), 20);
        assert_eq!(
            run(&episodes, true)
                .memories
                .iter()
                .filter(|m| m.kind == MemoryKind::Summary)
                .count(),
            3
        );
        let voice: Vec<&Memory> = d
            .memories
            .iter()
            .filter(|m| m.kind == MemoryKind::Style)
            .collect();
        assert_eq!(voice.len(), 1);
        assert_eq!(
            voice[0].source_episodes.len(),
            23,
            "Alice's own messages only"
        );
        assert_eq!(
            (voice[0].expires_at_us, voice[0].importance),
            (None, 1.0),
            "the voice never lapses"
        );
        assert!(
            summaries.iter().all(|s| s.expires_at_us.is_none()),
            "a summary outweighs the remarks it sums up, and does not lapse"
        );
        let alice = twinlake_udfs::extract::style::voice_profile(
            episodes
                .iter()
                .filter(|e| e.is_self)
                .filter_map(|e| e.text.as_deref()),
        )
        .unwrap();
        assert_eq!(voice[0].object, serde_json::to_string(&alice).unwrap());
    }

    #[test]
    fn the_display_name_is_the_users_own_author_name() {
        let episodes = [
            message(0, "Alice Martin", true, "hi"),
            message(1, "Bob Stone", false, "hey"),
        ];
        assert_eq!(display_name("alice", &episodes), "Alice Martin");
        assert_eq!(display_name("dana", &[]), "Dana");
    }
}
