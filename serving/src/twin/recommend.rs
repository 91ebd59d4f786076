//! A twin's recommendation on a proposal: every option (or task) scored
//! against what the twin knows of its member, each score with the reasons
//! it rests on, each reason citing the memory and the episode behind it.
//!
//! What counts, for one candidate:
//! - the member's memories valid now, when they are about the candidate:
//!   preferences and interests for (or against, when negative), dislikes
//!   against, skills and roles for (more so for a task), past decisions
//!   for; a dealbreaker that names the candidate or a kind of it ("allergic
//!   to shellfish" and "grilled prawns"), or a diet it breaks ("vegetarian"
//!   and "beef burgers"), vetoes it. "About" is the best of three: the
//!   share of the memory's object words in the candidate, the taxonomy
//!   (a kind of the thing), and the sentence model's similarity. Each
//!   weighs by the memory's confidence, importance and recency;
//! - the member's own words that search finds for the candidate, because
//!   distillation never catches every stance: a sentence naming it counts
//!   with the way it leans ([`super::stance`]) at a lower weight;
//! - for a schedule, the member's calendar: a day they are away is
//!   vetoed, a partly busy one counts against; an option that is a slot
//!   of hours is vetoed when events take half of it.
//!
//! The score is the sum of the reasons for, less those against; the
//! satisfaction maps it into 0..1 (½ with nothing known, 0 when vetoed).
//! A reason without an episode to cite is never given.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::memory::{Memory, MemoryKind, Polarity};
use twinlake_core::project::{Item, Proposal, ProposalKind};
use twinlake_core::record::Episode;
use twinlake_stores::Backends;
use twinlake_udfs::embed::cosine;
use twinlake_udfs::extract::taxonomy::{mentions, ruled_out_by};

use super::answer::sentences;
use super::availability::{Calendar, DayFit};
use super::memories::{self, EpisodeCitation, cite};
use super::search::{SearchHit, search};
use super::stance::stance;
use super::terms::terms;
use crate::ServingError;

/// Which way a reason pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// For the candidate.
    For,
    /// Against it.
    Against,
    /// Rules it out for this member.
    Veto,
}

/// One reason behind a score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// Which way it pushes.
    pub effect: Effect,
    /// What it says.
    pub text: String,
    /// How much it weighs (0 for a veto).
    pub weight: f32,
    /// The memory it rests on, if it rests on one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_id: Option<String>,
    /// The episode it rests on.
    pub citation: EpisodeCitation,
}

/// A twin's view of one candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recommendation {
    /// The option's (or task's, or day's) id.
    pub option: String,
    /// Its label.
    pub label: String,
    /// Reasons for, less reasons against.
    pub score: f32,
    /// The score in 0..1: ½ with nothing known, 0 when vetoed.
    pub satisfaction: f32,
    /// Whether a reason rules it out for this member.
    pub vetoed: bool,
    /// Why, the weightiest first (every veto, then at most
    /// [`REASONS`] others).
    pub reasons: Vec<Reason>,
}

/// The most reasons given per candidate besides vetoes.
pub const REASONS: usize = 5;
/// A memory counts for a candidate from this match (0..1) up.
const MATCH_FLOOR: f32 = 0.34;
/// Sentence-model cosine below which a memory is not about a candidate
/// (or a question), and from which it is fully about it; linear between.
pub const COSINE_FLOOR: f32 = 0.45;
const COSINE_FULL: f32 = 0.75;
/// A dealbreaker vetoes when its own words (or a kind of them) are in
/// the candidate to this share; the sentence model alone never vetoes.
const VETO_MATCH: f32 = 0.5;
/// Weight of one sentence of the member's own words against a memory's.
const OWN_WORDS: f32 = 0.4;
/// Own-words sentences counted per candidate.
const OWN_SENTENCES: usize = 3;
/// Search hits read for own words per candidate.
const OWN_HITS: usize = 8;
/// A skill or role counts this much more for a task than for an option.
const TASK_FIT: f32 = 1.5;
/// A past decision counts this much of a preference.
const DECISION: f32 = 0.5;
/// Weight against per busy hour of a day, at most [`MOST_BUSY`].
const PER_BUSY_HOUR: f32 = 0.1;
const MOST_BUSY: f32 = 0.5;

/// What a twin knows of its member for recommending: their memories
/// valid now, their episodes (for citations and the calendar).
pub struct Member {
    /// Whose twin.
    pub scope: Scope,
    /// Memories about the member valid now, of the kinds that weigh on a
    /// choice.
    pub memories: Vec<Memory>,
    /// Their episodes by id.
    pub episodes: HashMap<String, Episode>,
    /// Their calendar.
    pub calendar: Calendar,
}

/// The kinds of memory that weigh on a choice.
fn weighs(kind: MemoryKind) -> bool {
    matches!(
        kind,
        MemoryKind::Preference
            | MemoryKind::Dislike
            | MemoryKind::Dealbreaker
            | MemoryKind::Interest
            | MemoryKind::Skill
            | MemoryKind::Role
            | MemoryKind::Decision
            | MemoryKind::Availability
    )
}

impl Member {
    /// Loads what `scope`'s twin knows, as of `now_us`.
    pub async fn load(
        backends: &Backends,
        scope: &Scope,
        now_us: i64,
    ) -> Result<Self, ServingError> {
        let (memories, episodes) = tokio::try_join!(
            memories::load(backends, scope),
            memories::episodes(backends, scope)
        )?;
        let memories = memories
            .into_iter()
            .filter(|m| m.about_user && m.is_valid_at(now_us) && weighs(m.kind))
            .collect();
        let calendar = Calendar::of(&episodes.values().collect::<Vec<_>>(), backends.local_zone);
        Ok(Member {
            scope: scope.clone(),
            memories,
            episodes,
            calendar,
        })
    }
}

/// A sentence of the member's own words about a candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnWords {
    /// The sentence.
    pub sentence: String,
    /// Which way it leans.
    pub polarity: Polarity,
    /// The episode it is in.
    pub episode_id: String,
}

/// The sentences of `hits` that are `member`'s own words about
/// `candidate` (holding at least half its label's content words) and lean
/// one way, from episodes no counted memory already stands on.
pub fn own_words(
    member: &Member,
    candidate: &Item,
    hits: &[SearchHit],
    counted: &HashSet<&str>,
) -> Vec<OwnWords> {
    let wanted = terms(&candidate.label);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<OwnWords> = Vec::new();
    for hit in hits {
        let own = member
            .episodes
            .get(&hit.episode_id)
            .is_some_and(|e| e.is_self);
        if !own || counted.contains(hit.episode_id.as_str()) {
            continue;
        }
        for sentence in sentences(&hit.text) {
            let have = terms(sentence);
            let share =
                wanted.iter().filter(|w| have.contains(w)).count() as f32 / wanted.len() as f32;
            // The lean of the clauses that name the candidate: in "no long
            // flights, but the train to Bolzano is easy" the "no" is not
            // about the train.
            let naming: Vec<String> = clauses(sentence)
                .into_iter()
                .filter(|c| terms(c).iter().any(|t| wanted.contains(t)))
                .collect();
            let polarity = stance(&naming.join(". "));
            if share >= 0.5
                && polarity != Polarity::Neutral
                && !out.iter().any(|o| o.sentence == sentence)
            {
                out.push(OwnWords {
                    sentence: sentence.to_string(),
                    polarity,
                    episode_id: hit.episode_id.clone(),
                });
            }
        }
        if out.len() >= OWN_SENTENCES {
            break;
        }
    }
    out.truncate(OWN_SENTENCES);
    out
}

/// 1 when `a` and `b` name a weekday in common ("Fridays after 6 pm" and
/// "Friday 11 December"), else 0.
fn shares_weekday(a: &str, b: &str) -> f32 {
    let days = |text: &str| -> Vec<chrono::Weekday> {
        super::terms::words(text)
            .iter()
            .filter_map(|w| w.trim_end_matches('s').parse::<chrono::Weekday>().ok())
            .collect()
    };
    let theirs = days(b);
    if days(a).iter().any(|d| theirs.contains(d)) {
        1.0
    } else {
        0.0
    }
}

/// The clauses of a sentence: split at commas, semicolons and dashes, and
/// before "but", "though", "although" and "while".
fn clauses(sentence: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in sentence.split([',', ';', '\u{2013}', '\u{2014}']) {
        let mut current = String::new();
        for word in part.split_whitespace() {
            let turn = matches!(
                word.to_lowercase().as_str(),
                "but" | "though" | "although" | "while"
            );
            if turn && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// How much memory `m` is about `candidate`: its object's words in the
/// candidate, a kind of it named there (1), or the sentence model's
/// similarity `cos`, whichever is most; an availability memory, only by
/// a weekday both name. The first of the pair is the lexical part alone
/// (what may veto).
fn about(m: &Memory, candidate: &str, cos: f32) -> (f32, f32) {
    if m.kind == MemoryKind::Availability {
        // Times are words, not meanings: every weekday is close to every
        // other for the sentence model.
        let shared = shares_weekday(&m.object, candidate);
        return (shared, shared);
    }
    let object = terms(&m.object);
    let lexical = if mentions(candidate, &m.object) {
        1.0
    } else if object.is_empty() {
        0.0
    } else {
        let have = terms(candidate);
        object.iter().filter(|w| have.contains(w)).count() as f32 / object.len() as f32
    };
    let dense = ((cos - COSINE_FLOOR) / (COSINE_FULL - COSINE_FLOOR)).clamp(0.0, 1.0);
    (lexical, lexical.max(dense))
}

/// Scores one candidate for `member`: `cosines[i]` is the sentence
/// model's similarity of the candidate to memory `i`'s object, `own` the
/// member's own words found for it.
pub fn weigh(
    member: &Member,
    kind: ProposalKind,
    candidate: &Item,
    cosines: &[f32],
    own: &[OwnWords],
    now_us: i64,
) -> Recommendation {
    let text = candidate.text();
    let mut reasons: Vec<Reason> = Vec::new();
    let cite_one = |episodes: &[String]| cite(&member.episodes, episodes, 1).into_iter().next();
    for (m, cos) in member.memories.iter().zip(cosines) {
        let Some(citation) = cite_one(&m.source_episodes) else {
            continue;
        };
        let mut reason = |effect: Effect, text: String, weight: f32| {
            reasons.push(Reason {
                effect,
                text,
                weight,
                memory_id: Some(m.memory_id.clone()),
                citation: citation.clone(),
            })
        };
        if m.kind == MemoryKind::Dealbreaker && m.predicate == "diet" {
            if let Some(category) = ruled_out_by(&m.object).iter().find(|c| mentions(&text, c)) {
                reason(
                    Effect::Veto,
                    format!("{} ({} has {category})", m.sentence, candidate.label),
                    0.0,
                );
            }
            continue;
        }
        let (lexical, matched) = about(m, &text, *cos);
        if matched < MATCH_FLOOR {
            continue;
        }
        let weight = matched * memories::weight(m, now_us);
        let against = m.polarity == Polarity::Negative;
        match m.kind {
            MemoryKind::Dealbreaker if lexical >= VETO_MATCH => {
                reason(Effect::Veto, m.sentence.clone(), 0.0)
            }
            // Every availability memory says when the member is not free.
            MemoryKind::Dealbreaker | MemoryKind::Dislike | MemoryKind::Availability => {
                reason(Effect::Against, m.sentence.clone(), weight)
            }
            MemoryKind::Skill | MemoryKind::Role => {
                let fit = if kind == ProposalKind::Assignment {
                    TASK_FIT
                } else {
                    1.0
                };
                reason(Effect::For, m.sentence.clone(), weight * fit)
            }
            MemoryKind::Decision => reason(Effect::For, m.sentence.clone(), weight * DECISION),
            _ if against => reason(Effect::Against, m.sentence.clone(), weight),
            _ => reason(Effect::For, m.sentence.clone(), weight),
        }
    }
    for words in own {
        let Some(citation) = cite_one(std::slice::from_ref(&words.episode_id)) else {
            continue;
        };
        let effect = match words.polarity {
            Polarity::Negative => Effect::Against,
            _ => Effect::For,
        };
        reasons.push(Reason {
            effect,
            text: format!("In their own words: \"{}\"", words.sentence),
            weight: OWN_WORDS,
            memory_id: None,
            citation,
        });
    }
    if let Some(date) = candidate.date {
        let (fit, span) = match candidate.time {
            Some(slot) => (member.calendar.slot(date, slot.from, slot.to), "then"),
            None => (member.calendar.day(date), "that day"),
        };
        let busy = match fit {
            DayFit::Free => None,
            DayFit::Away(b) => Some((Effect::Veto, format!("away: {}", b.title), 0.0, vec![b])),
            DayFit::Partly { hours, by } => Some((
                Effect::Against,
                format!(
                    "busy {hours:.1} h {span}: {}",
                    by.iter()
                        .map(|b| b.title.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (hours * PER_BUSY_HOUR).min(MOST_BUSY),
                by,
            )),
        };
        if let Some((effect, text, weight, by)) = busy
            && let Some(citation) = cite_one(&[by[0].episode_id.clone()])
        {
            reasons.push(Reason {
                effect,
                text,
                weight,
                memory_id: None,
                citation,
            });
        }
    }
    finish(candidate, reasons)
}

/// The recommendation from a candidate's reasons.
fn finish(candidate: &Item, mut reasons: Vec<Reason>) -> Recommendation {
    let vetoed = reasons.iter().any(|r| r.effect == Effect::Veto);
    let score: f32 = reasons
        .iter()
        .map(|r| match r.effect {
            Effect::For => r.weight,
            Effect::Against => -r.weight,
            Effect::Veto => 0.0,
        })
        .sum::<f32>()
        // An empty sum is -0.0, which total ordering puts below 0.0: ties
        // must stay ties.
        + 0.0;
    reasons.sort_by(|a, b| {
        (b.effect == Effect::Veto)
            .cmp(&(a.effect == Effect::Veto))
            .then(b.weight.total_cmp(&a.weight))
    });
    let vetoes = reasons.iter().filter(|r| r.effect == Effect::Veto).count();
    reasons.truncate(vetoes + REASONS);
    Recommendation {
        option: candidate.id.clone(),
        label: candidate.label.clone(),
        score,
        satisfaction: if vetoed {
            0.0
        } else {
            0.5 + 0.5 * (2.0 * score).tanh()
        },
        vetoed,
        reasons,
    }
}

/// Ranks recommendations: those not vetoed first, best score first, ties
/// in the proposal's order.
pub fn rank(mut all: Vec<Recommendation>, order: &[Item]) -> Vec<Recommendation> {
    let position = |id: &str| order.iter().position(|c| c.id == id).unwrap_or(usize::MAX);
    all.sort_by(|a, b| {
        a.vetoed
            .cmp(&b.vetoed)
            .then(b.score.total_cmp(&a.score))
            .then(position(&a.option).cmp(&position(&b.option)))
    });
    all
}

/// `member`'s twin's recommendation on every candidate of `proposal`,
/// best first.
pub async fn recommend(
    backends: &Backends,
    member: &Member,
    proposal: &Proposal,
    now_us: i64,
) -> Result<Vec<Recommendation>, ServingError> {
    let candidates = proposal.candidates();
    // One batch for the model: the candidates, then the memories' objects.
    let mut texts: Vec<String> = candidates.iter().map(Item::text).collect();
    texts.extend(member.memories.iter().map(|m| m.object.clone()));
    let vectors = backends.embedder().await?.embed(texts).await?;
    let (candidate_vectors, memory_vectors) = vectors.split_at(candidates.len());
    let hits = futures::future::try_join_all(
        candidates
            .iter()
            .map(|c| search(backends, &member.scope, &c.label, OWN_HITS)),
    )
    .await?;
    let all = candidates
        .iter()
        .zip(candidate_vectors)
        .zip(&hits)
        .map(|((candidate, vector), hits)| {
            let cosines: Vec<f32> = memory_vectors.iter().map(|m| cosine(vector, m)).collect();
            // Own words from an episode a counted memory stands on would
            // count the same words twice.
            let text = candidate.text();
            let counted: HashSet<&str> = member
                .memories
                .iter()
                .zip(&cosines)
                .filter(|(m, cos)| about(m, &text, **cos).1 >= MATCH_FLOOR)
                .flat_map(|(m, _)| m.source_episodes.iter().map(String::as_str))
                .collect();
            let own = own_words(member, candidate, hits, &counted);
            weigh(member, proposal.kind, candidate, &cosines, &own, now_us)
        })
        .collect();
    Ok(rank(all, &candidates))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use twinlake_core::record::SourceKind;

    use super::*;

    const NOW: i64 = 1_796_000_000_000_000;

    fn member(memories: Vec<Memory>, episodes: Vec<Episode>) -> Member {
        let scope = Scope::parse("t", "bob").unwrap();
        let calendar = Calendar::of(&episodes.iter().collect::<Vec<_>>(), None);
        Member {
            scope,
            memories,
            episodes: episodes
                .into_iter()
                .map(|e| (e.episode_id.clone(), e))
                .collect(),
            calendar,
        }
    }

    fn memory(kind: MemoryKind, predicate: &str, object: &str, polarity: Polarity) -> Memory {
        let scope = Scope::parse("t", "bob").unwrap();
        let mut m = twinlake_core::contract::memory(&scope, kind, predicate, object, NOW - 1, None);
        m.polarity = polarity;
        m
    }

    fn said(object: &str) -> Episode {
        let scope = Scope::parse("t", "bob").unwrap();
        let mut e = Episode::document(&scope, &format!("e-{object}"), "/chat.json", 1);
        e.source_kind = SourceKind::Telegram;
        e.is_self = true;
        e.text = Some(format!("about {object}"));
        e.meta = BTreeMap::new();
        e
    }

    fn item(id: &str, label: &str) -> Item {
        Item::new(id, label)
    }

    #[test]
    fn dealbreakers_and_diets_veto_what_they_name_and_preferences_count_for() {
        let memories = vec![
            memory(
                MemoryKind::Dealbreaker,
                "allergic_to",
                "shellfish",
                Polarity::Negative,
            ),
            memory(
                MemoryKind::Dealbreaker,
                "diet",
                "vegetarian",
                Polarity::Positive,
            ),
            memory(
                MemoryKind::Preference,
                "likes",
                "spicy food",
                Polarity::Positive,
            ),
            memory(
                MemoryKind::Dislike,
                "dislikes",
                "long flights",
                Polarity::Negative,
            ),
        ];
        let episodes = ["shellfish", "vegetarian", "spicy food", "long flights"]
            .map(said)
            .to_vec();
        let m = member(memories, episodes);
        let none = [0.0; 4];
        let prawns = weigh(
            &m,
            ProposalKind::Subset,
            &item("p", "Grilled prawns"),
            &none,
            &[],
            NOW,
        );
        assert!(prawns.vetoed);
        assert_eq!(prawns.satisfaction, 0.0);
        assert_eq!(
            prawns.reasons[0].memory_id.as_deref(),
            Some("allergic_to-shellfish")
        );
        assert_eq!(prawns.reasons[0].citation.episode_id, "e-shellfish");
        let burgers = weigh(
            &m,
            ProposalKind::Subset,
            &item("b", "Beef burgers"),
            &none,
            &[],
            NOW,
        );
        assert!(burgers.vetoed);
        assert!(
            burgers.reasons[0].text.contains("has meat"),
            "{:?}",
            burgers.reasons
        );
        let chili = weigh(
            &m,
            ProposalKind::Subset,
            &item("c", "Spicy chili sauce"),
            &none,
            &[],
            NOW,
        );
        assert!(!chili.vetoed);
        assert!(chili.score > 0.0 && chili.satisfaction > 0.5);
        let flight = weigh(
            &m,
            ProposalKind::Choice,
            &item("f", "Long flights to Bali"),
            &none,
            &[],
            NOW,
        );
        assert!(flight.score < 0.0 && flight.satisfaction < 0.5);
        // Nothing known: neutral, and no reason made up.
        let bread = weigh(
            &m,
            ProposalKind::Subset,
            &item("s", "Sourdough bread"),
            &none,
            &[],
            NOW,
        );
        assert_eq!(
            (bread.score, bread.satisfaction, bread.reasons.len()),
            (0.0, 0.5, 0)
        );
        // The sentence model alone counts, but never vetoes.
        let close = [0.9, 0.0, 0.0, 0.0];
        let crab = weigh(
            &m,
            ProposalKind::Subset,
            &item("k", "Seafood platter"),
            &close,
            &[],
            NOW,
        );
        assert!(!crab.vetoed && crab.score < 0.0, "{crab:?}");
    }

    #[test]
    fn own_words_count_with_their_lean_and_uncited_reasons_are_dropped() {
        let m = member(vec![], vec![said("beach")]);
        let beach = item("beach", "Beach holiday");
        let hits = vec![SearchHit::for_test(
            "c1",
            "e-beach",
            "We could go anywhere. Beach holidays bore me to tears!",
            1.0,
        )];
        let own = own_words(&m, &beach, &hits, &HashSet::new());
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].polarity, Polarity::Negative);
        let scored = weigh(&m, ProposalKind::Choice, &beach, &[], &own, NOW);
        assert!(scored.score < 0.0);
        assert!(scored.reasons[0].text.contains("bore me"));
        // Words from an episode the twin cannot cite give no reason.
        let stray = OwnWords {
            episode_id: "e-unknown".into(),
            ..own[0].clone()
        };
        let scored = weigh(&m, ProposalKind::Choice, &beach, &[], &[stray], NOW);
        assert!(scored.reasons.is_empty());
        // A lean in another clause is not about the candidate.
        let train = item("train", "The train to Bolzano");
        let hits = vec![SearchHit::for_test(
            "c2",
            "e-beach",
            "I really don't want long flights, but the train to Bolzano is easy.",
            1.0,
        )];
        assert!(own_words(&m, &train, &hits, &HashSet::new()).is_empty());
        // Someone else's words are not the member's.
        let mut theirs = said("beach");
        theirs.is_self = false;
        let m = member(vec![], vec![theirs]);
        assert!(own_words(&m, &beach, &hits, &HashSet::new()).is_empty());
    }

    #[test]
    fn availability_counts_against_its_own_weekdays_only() {
        let m = member(
            vec![memory(
                MemoryKind::Availability,
                "unavailable",
                "Fridays after 6 pm",
                Polarity::Neutral,
            )],
            vec![said("Fridays after 6 pm")],
        );
        // The model's closeness of one weekday to another does not count.
        let close = [0.95];
        let friday = weigh(
            &m,
            ProposalKind::Schedule,
            &item("f", "Friday 11 December, evening"),
            &close,
            &[],
            NOW,
        );
        let thursday = weigh(
            &m,
            ProposalKind::Schedule,
            &item("t", "Thursday 10 December, evening"),
            &close,
            &[],
            NOW,
        );
        assert!(friday.score < 0.0, "{friday:?}");
        assert_eq!((thursday.score, thursday.reasons.len()), (0.0, 0));
        // "mon" alone is a weekday to chrono; words like "month" are not.
        assert_eq!(shares_weekday("every month", "Monday"), 0.0);
    }

    #[test]
    fn skills_fit_tasks_and_ranking_puts_vetoes_last() {
        let m = member(
            vec![memory(
                MemoryKind::Skill,
                "good_at",
                "Rust",
                Polarity::Positive,
            )],
            vec![said("Rust")],
        );
        let api = item("api", "Build the Rust API");
        let task = weigh(&m, ProposalKind::Assignment, &api, &[0.0], &[], NOW);
        let option = weigh(&m, ProposalKind::Choice, &api, &[0.0], &[], NOW);
        assert!(task.score > option.score && option.score > 0.0);
        let mut vetoed = option.clone();
        vetoed.option = "x".into();
        vetoed.vetoed = true;
        vetoed.score = 9.0;
        let plain = Recommendation {
            option: "y".into(),
            score: 0.0,
            reasons: vec![],
            ..option.clone()
        };
        let order = [item("x", "X"), item("api", "API"), item("y", "Y")];
        let ranked = rank(vec![vetoed, plain, option], &order);
        let ids: Vec<&str> = ranked.iter().map(|r| r.option.as_str()).collect();
        assert_eq!(ids, ["api", "y", "x"]);
    }
}
