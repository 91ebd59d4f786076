//! Options for a question asked without any: what the members' memories
//! say they like, in the area of life the question is about.
//!
//! A question such as "What should we eat on the first evening?" names
//! its area by the same object words that file every memory under one
//! ([`area_asked`]: food, travel, social, ...; "where" asks for travel).
//! Every member's likes valid now in that area (preferences and
//! interests, not the negative ones, each citable) are gathered; the same
//! thing liked by several members becomes one option backed by each of
//! them. Options liked by more members come first, then those the
//! sentence model puts nearer the question, then the weightier
//! ([`memories::weight`]). A question naming no area gets the likes the
//! extractor could not file ("leisure") that the model finds about the
//! question.
//!
//! Every option keeps its sources, the memories it comes from, so a member
//! sees why it is there; the twins then recommend on it like on any
//! option.

use std::collections::HashMap;

use twinlake_core::memory::{Memory, MemoryKind, Polarity};
use twinlake_core::project::{Item, ItemSource};
use twinlake_stores::Backends;
use twinlake_udfs::embed::cosine;
use twinlake_udfs::extract::{area_asked, canonical};

use super::memories;
use super::recommend::{COSINE_FLOOR, Member};
use crate::ServingError;

/// The most options drafted for one question.
pub const MOST_DRAFTED: usize = 8;
/// The area the extractor files a like under when its words name none.
const UNPLACED: &str = "leisure";

/// The area whose likes answer `question`: the one it asks in, else the
/// unplaced likes.
fn area_of(question: &str) -> &'static str {
    area_asked(question).unwrap_or(UNPLACED)
}

/// Whether `m` is something its member likes, as an option could be.
fn is_liked(m: &Memory) -> bool {
    matches!(m.kind, MemoryKind::Preference | MemoryKind::Interest)
        && m.polarity == Polarity::Positive
}

/// One drafted option while it is gathered.
struct Draft {
    label: String,
    sources: Vec<ItemSource>,
    /// How many members' sources (members are gathered one at a time,
    /// so each one's sources are adjacent).
    members: usize,
    weight: f32,
}

/// The likes of `members` in `area`, one draft per thing (by its
/// canonical name), each with the memories behind it.
fn gather(members: &[Member], area: &str, now_us: i64) -> Vec<Draft> {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for member in members {
        for m in member
            .memories
            .iter()
            .filter(|m| is_liked(m) && m.domain == area)
        {
            // A reason never rests on what cannot be cited.
            let Some(episode) = m
                .source_episodes
                .iter()
                .find(|e| member.episodes.contains_key(*e))
            else {
                continue;
            };
            let key = canonical(&m.object);
            if key.is_empty() {
                continue;
            }
            let source = ItemSource {
                user: member.scope.user.clone(),
                memory_id: m.memory_id.clone(),
                text: m.sentence.clone(),
                episode_id: episode.clone(),
            };
            let weight = memories::weight(m, now_us);
            match by_key.get(&key) {
                Some(&i) => {
                    let draft = &mut drafts[i];
                    if draft.sources.last().is_some_and(|s| s.user != source.user) {
                        draft.members += 1;
                    }
                    draft.sources.push(source);
                    draft.weight += weight;
                }
                None => {
                    by_key.insert(key, drafts.len());
                    drafts.push(Draft {
                        label: capitalised(m.object.trim()),
                        sources: vec![source],
                        members: 1,
                        weight,
                    });
                }
            }
        }
    }
    drafts
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An option id from a label: its canonical words joined by `-`, made
/// unique among `taken`.
fn option_id(label: &str, taken: &[Item]) -> String {
    let base = canonical(label).replace(' ', "-");
    let base = if base.is_empty() {
        "option".into()
    } else {
        base
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken.iter().any(|i| i.id == id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Orders drafts (more members, nearer the question by `cosines`,
/// weightier) and makes at most [`MOST_DRAFTED`] options of them; with
/// `unplaced`, only drafts the model finds about the question.
fn options(drafts: Vec<Draft>, cosines: &[f32], unplaced: bool) -> Vec<Item> {
    let mut ranked: Vec<(Draft, f32)> = drafts
        .into_iter()
        .zip(cosines.iter().copied())
        .filter(|(_, cos)| !unplaced || *cos >= COSINE_FLOOR)
        .collect();
    ranked.sort_by(|(a, a_cos), (b, b_cos)| {
        b.members
            .cmp(&a.members)
            .then(b_cos.total_cmp(a_cos))
            .then(b.weight.total_cmp(&a.weight))
            .then(a.label.cmp(&b.label))
    });
    let mut out: Vec<Item> = Vec::new();
    for (draft, _) in ranked.into_iter().take(MOST_DRAFTED) {
        let id = option_id(&draft.label, &out);
        out.push(Item {
            sources: draft.sources,
            ..Item::new(id, draft.label)
        });
    }
    out
}

/// Options for `question` from what `members` like, best first; empty
/// when none of their likes is in the question's area.
pub async fn draft(
    backends: &Backends,
    members: &[Member],
    question: &str,
    now_us: i64,
) -> Result<Vec<Item>, ServingError> {
    let area = area_of(question);
    let drafts = gather(members, area, now_us);
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let mut texts = vec![question.to_string()];
    texts.extend(drafts.iter().map(|d| d.label.clone()));
    let vectors = backends.embedder().await?.embed(texts).await?;
    let cosines: Vec<f32> = vectors[1..]
        .iter()
        .map(|v| cosine(&vectors[0], v))
        .collect();
    Ok(options(drafts, &cosines, area == UNPLACED))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use twinlake_core::Scope;
    use twinlake_core::record::{Episode, SourceKind};

    use super::*;
    use crate::twin::availability::Calendar;

    const NOW: i64 = 1_796_000_000_000_000;

    fn member(user: &str, likes: &[(MemoryKind, Polarity, &str)]) -> Member {
        let scope = Scope::parse("t", user).unwrap();
        let mut episodes = HashMap::new();
        let memories = likes
            .iter()
            .enumerate()
            .map(|(i, (kind, polarity, object))| {
                let mut m =
                    twinlake_core::contract::memory(&scope, *kind, "likes", object, NOW - 1, None);
                m.polarity = *polarity;
                m.domain = twinlake_udfs::extract::domain_of(*kind, "likes", object).to_string();
                m.memory_id = format!("{user}-m{i}");
                m.sentence = format!("{user} likes {object}.");
                let mut e = Episode::document(&scope, &format!("{user}-e{i}"), "/chat.json", 1);
                e.source_kind = SourceKind::Telegram;
                e.meta = BTreeMap::new();
                m.source_episodes = vec![e.episode_id.clone()];
                episodes.insert(e.episode_id.clone(), e);
                m
            })
            .collect();
        Member {
            scope,
            memories,
            episodes,
            calendar: Calendar::of(&[], None),
        }
    }

    #[test]
    fn a_question_names_its_area_by_the_memories_words_or_gets_the_unplaced() {
        assert_eq!(area_of("What should we eat on Friday evening?"), "food");
        assert_eq!(area_of("What do we grill at the barbecue?"), "food");
        assert_eq!(area_of("Where do we go for a weekend?"), "travel");
        assert_eq!(area_of("Where should we go in January?"), "travel");
        assert_eq!(area_of("Which colour should the logo be?"), UNPLACED);
    }

    #[test]
    fn likes_in_the_area_become_options_backed_by_every_member_who_likes_them() {
        use MemoryKind::{Dislike, Interest, Preference};
        use Polarity::{Negative, Positive};
        let team = [
            member(
                "alice",
                &[
                    (Preference, Positive, "sourdough bread"),
                    (Preference, Positive, "sushi"),
                    (Preference, Negative, "spicy food"),
                    (Interest, Positive, "hiking in the mountains"),
                ],
            ),
            member(
                "bob",
                &[
                    (Preference, Positive, "Sourdough breads"),
                    (Dislike, Negative, "sushi"),
                    (Preference, Positive, "pizza"),
                ],
            ),
        ];
        let drafts = gather(&team, "food", NOW);
        let labels: Vec<&str> = drafts.iter().map(|d| d.label.as_str()).collect();
        assert_eq!(labels, ["Sourdough bread", "Sushi", "Pizza"], "likes only");
        let made = options(drafts, &[0.1, 0.2, 0.3], false);
        // Two members like bread: it comes first, backed by both.
        assert_eq!(made[0].id, "sourdough-bread");
        let backers: Vec<&str> = made[0].sources.iter().map(|s| s.user.as_str()).collect();
        assert_eq!(backers, ["alice", "bob"]);
        assert_eq!(made[0].sources[1].memory_id, "bob-m0");
        assert_eq!(made[0].sources[1].episode_id, "bob-e0");
        assert_eq!(made.len(), 3);
        // Travel likes answer a "where" question, not a food one.
        let trips = gather(&team, area_of("Where do we go?"), NOW);
        assert_eq!(trips.len(), 1);
        assert_eq!(trips[0].label, "Hiking in the mountains");
    }

    #[test]
    fn unplaced_questions_keep_only_likes_the_model_finds_about_them() {
        let team = [member(
            "carol",
            &[
                (MemoryKind::Preference, Polarity::Positive, "board games"),
                (MemoryKind::Preference, Polarity::Positive, "jazz"),
            ],
        )];
        let drafts = gather(&team, UNPLACED, NOW);
        assert_eq!(drafts.len(), 2);
        let made = options(drafts, &[COSINE_FLOOR + 0.1, COSINE_FLOOR - 0.1], true);
        let labels: Vec<&str> = made.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["Board games"]);
    }

    #[test]
    fn option_ids_are_unique() {
        let first = Item::new("cake", "Cake");
        assert_eq!(option_id("Cakes", std::slice::from_ref(&first)), "cake-2");
        assert_eq!(option_id("!!", &[]), "option");
    }
}
