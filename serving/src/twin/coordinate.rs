//! Coordination: the members' twins decide a proposal for the group.
//!
//! Vetoes come first: an option any member's twin vetoes (a dealbreaker,
//! a diet, a day they are away) is out for everyone. Among the rest the
//! group takes the *leximin* choice: the option whose worst-off member is
//! best off, then the second worst-off, and so on; the sum of
//! satisfactions, then the proposal's order, break what ties remain. Of
//! the fair rules, leximin is the one that never trades a member's loss
//! for the others' gain, which is what "no member always loses" asks,
//! and unlike a Nash product it stays defined when a satisfaction is 0.
//!
//! - choice and schedule: one option, by leximin;
//! - subset: every option nobody vetoes and the members like on average
//!   (mean satisfaction over ½), plus each member's favourite if nothing
//!   chosen pleases them, so every member's diet is covered by something
//!   they like; by leximin's one option when nothing else qualifies;
//! - assignment: each task to one member, the total fit the most (the
//!   Hungarian method over members' satisfactions, each extra task of one
//!   member costing a little more so the load spreads); a task every
//!   member vetoes stays unassigned.
//!
//! The outcome explains itself per member: their satisfaction, what they
//! conceded (options they rated above what was decided) and what they
//! vetoed, with the reasons and citations their twin gave.

use std::cmp::Ordering;

use serde::Serialize;
use serde_json::{Value, json};
use twinlake_core::UserId;
use twinlake_core::project::{Item, ProposalKind};

use super::assign::assign;
use super::recommend::{Effect, Reason, Recommendation};

/// One member's twin's ranking, as [`super::recommend::recommend`] gave it.
#[derive(Clone, Debug)]
pub struct Ballot {
    /// Whose.
    pub user: UserId,
    /// One recommendation per candidate.
    pub ranking: Vec<Recommendation>,
}

impl Ballot {
    fn of(&self, option: &str) -> Option<&Recommendation> {
        self.ranking.iter().find(|r| r.option == option)
    }

    /// Satisfaction with `option` (½ for one the twin did not weigh).
    fn satisfaction(&self, option: &str) -> f32 {
        self.of(option).map_or(0.5, |r| r.satisfaction)
    }
}

/// Something a member gave up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Concession {
    /// The option they rated above the decision.
    pub option: String,
    /// Its label.
    pub label: String,
    /// Their satisfaction with it, against the decision's.
    pub satisfaction: f32,
    /// Why they liked it.
    pub reasons: Vec<Reason>,
}

/// Something a member ruled out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Veto {
    /// The option.
    pub option: String,
    /// Its label.
    pub label: String,
    /// The reasons that rule it out.
    pub reasons: Vec<Reason>,
}

/// How the decision treats one member.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberOutcome {
    /// Who.
    pub user: UserId,
    /// Their satisfaction with what was decided (the mean over what they
    /// get, for a subset or an assignment).
    pub satisfaction: f32,
    /// What they get: the option(s), or their tasks.
    pub gets: Vec<String>,
    /// What they rated higher than what they get.
    pub concessions: Vec<Concession>,
    /// What they ruled out.
    pub vetoes: Vec<Veto>,
}

/// The group's decision and its explanation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// `{option}` for a choice or schedule, `{options}` for a subset,
    /// `{assignments: {task: user}}` for an assignment; the option is null
    /// when every one is vetoed.
    pub decision: Value,
    /// Per member.
    pub members: Vec<MemberOutcome>,
    /// Why, in a few sentences.
    pub rationale: String,
}

/// The most concessions listed per member.
const CONCESSIONS: usize = 3;
/// What each further task of one member costs, in satisfaction.
const EXTRA_TASK: f64 = 0.05;
/// The cost of giving a member a task they veto.
const VETOED: f64 = 1e6;

/// Satisfactions sorted ascending: leximin compares these.
fn sorted(mut s: Vec<f32>) -> Vec<f32> {
    s.sort_by(f32::total_cmp);
    s
}

/// Leximin order of two options' satisfaction profiles, then their sums.
fn leximin(a: &[f32], b: &[f32]) -> Ordering {
    let (sa, sb) = (sorted(a.to_vec()), sorted(b.to_vec()));
    for (x, y) in sa.iter().zip(&sb) {
        match x.total_cmp(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    sa.iter().sum::<f32>().total_cmp(&sb.iter().sum::<f32>())
}

/// Decides `candidates` of a proposal of `kind` from every member's ballot.
pub fn coordinate(kind: ProposalKind, candidates: &[Item], ballots: &[Ballot]) -> Outcome {
    let vetoed = |c: &Item| {
        ballots
            .iter()
            .any(|b| b.of(&c.id).is_some_and(|r| r.vetoed))
    };
    let open: Vec<&Item> = candidates.iter().filter(|c| !vetoed(c)).collect();
    let profile =
        |c: &Item| -> Vec<f32> { ballots.iter().map(|b| b.satisfaction(&c.id)).collect() };
    // The leximin-best open option; the first of equals in the proposal's order.
    let best = open
        .iter()
        .copied()
        .fold(None::<&Item>, |best, c| match best {
            Some(b) if leximin(&profile(c), &profile(b)) != Ordering::Greater => Some(b),
            _ => Some(c),
        });
    let label = |id: &str| {
        candidates
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.label.clone())
    };
    let out_count = candidates.len() - open.len();
    let ruled_out = if out_count == 0 {
        "No option is vetoed.".to_string()
    } else {
        format!(
            "{out_count} of {} options are vetoed: {}.",
            candidates.len(),
            candidates
                .iter()
                .filter(|c| vetoed(c))
                .map(|c| c.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let (decision, gets, rationale): (Value, Vec<Vec<String>>, String) = match kind {
        ProposalKind::Choice | ProposalKind::Schedule => match best {
            Some(c) => {
                let worst = sorted(profile(c)).first().copied().unwrap_or(0.5);
                (
                    json!({ "option": c.id }),
                    vec![vec![c.id.clone()]; ballots.len()],
                    format!(
                        "{ruled_out} {} leaves the worst-off member at satisfaction {worst:.2}, \
                         the best any open option can (leximin).",
                        c.label
                    ),
                )
            }
            None => (
                json!({ "option": null }),
                vec![vec![]; ballots.len()],
                format!("{ruled_out} Nothing is left to decide on."),
            ),
        },
        ProposalKind::Subset => {
            let mut chosen: Vec<&Item> = open
                .iter()
                .copied()
                .filter(|c| {
                    let p = profile(c);
                    p.iter().sum::<f32>() / p.len().max(1) as f32 > 0.5
                })
                .collect();
            for ballot in ballots {
                let pleased = chosen.iter().any(|c| ballot.satisfaction(&c.id) > 0.5);
                if pleased {
                    continue;
                }
                let favourite = open
                    .iter()
                    .copied()
                    .filter(|c| ballot.satisfaction(&c.id) > 0.5)
                    .max_by(|a, b| {
                        ballot
                            .satisfaction(&a.id)
                            .total_cmp(&ballot.satisfaction(&b.id))
                    });
                if let Some(f) = favourite
                    && !chosen.iter().any(|c| c.id == f.id)
                {
                    chosen.push(f);
                }
            }
            if chosen.is_empty() {
                chosen.extend(best);
            }
            let order = |c: &&Item| candidates.iter().position(|x| x.id == c.id);
            chosen.sort_by_key(order);
            let ids: Vec<String> = chosen.iter().map(|c| c.id.clone()).collect();
            let rationale = format!(
                "{ruled_out} The subset holds {} option(s) nobody vetoes, each liked on average \
                 or a member's favourite, so every member has something they like.",
                ids.len()
            );
            (
                json!({ "options": ids }),
                vec![ids.clone(); ballots.len()],
                rationale,
            )
        }
        ProposalKind::Assignment => {
            let (assignments, per_member) = split_tasks(candidates, ballots);
            let unassigned = assignments.values().filter(|u| u.is_null()).count();
            let rationale = format!(
                "Each task goes to one member so the total fit is the most (Hungarian method), \
                 a member's further tasks weighing a little less so the load spreads.{}",
                if unassigned > 0 {
                    format!(" {unassigned} task(s) every member vetoes stay unassigned.")
                } else {
                    String::new()
                }
            );
            (json!({ "assignments": assignments }), per_member, rationale)
        }
    };
    let members = ballots
        .iter()
        .zip(gets)
        .map(|(ballot, gets)| {
            let satisfaction = if gets.is_empty() {
                0.0
            } else {
                gets.iter().map(|g| ballot.satisfaction(g)).sum::<f32>() / gets.len() as f32
            };
            let mut concessions: Vec<Concession> = ballot
                .ranking
                .iter()
                .filter(|r| !r.vetoed && !gets.contains(&r.option) && r.satisfaction > satisfaction)
                .map(|r| Concession {
                    option: r.option.clone(),
                    label: label(&r.option),
                    satisfaction: r.satisfaction,
                    reasons: r
                        .reasons
                        .iter()
                        .filter(|x| x.effect == Effect::For)
                        .cloned()
                        .collect(),
                })
                .collect();
            concessions.sort_by(|a, b| b.satisfaction.total_cmp(&a.satisfaction));
            concessions.truncate(CONCESSIONS);
            let vetoes = ballot
                .ranking
                .iter()
                .filter(|r| r.vetoed)
                .map(|r| Veto {
                    option: r.option.clone(),
                    label: label(&r.option),
                    reasons: r
                        .reasons
                        .iter()
                        .filter(|x| x.effect == Effect::Veto)
                        .cloned()
                        .collect(),
                })
                .collect();
            MemberOutcome {
                user: ballot.user.clone(),
                satisfaction,
                gets,
                concessions,
                vetoes,
            }
        })
        .collect();
    Outcome {
        decision,
        members,
        rationale,
    }
}

/// Tasks to members: the assignment (task id to user id, null when every
/// member vetoes it) and each member's tasks.
fn split_tasks(
    tasks: &[Item],
    ballots: &[Ballot],
) -> (serde_json::Map<String, Value>, Vec<Vec<String>>) {
    let mut assignments = serde_json::Map::new();
    let mut per_member = vec![Vec::new(); ballots.len()];
    if ballots.is_empty() {
        for t in tasks {
            assignments.insert(t.id.clone(), Value::Null);
        }
        return (assignments, per_member);
    }
    // Columns: each member's first, second, ... task slot.
    let slots = tasks.len().div_ceil(ballots.len()).max(1);
    let cost: Vec<Vec<f64>> = tasks
        .iter()
        .map(|t| {
            (0..slots)
                .flat_map(|k| {
                    ballots.iter().map(move |b| match b.of(&t.id) {
                        Some(r) if r.vetoed => VETOED,
                        _ => 1.0 - b.satisfaction(&t.id) as f64 + k as f64 * EXTRA_TASK,
                    })
                })
                .collect()
        })
        .collect();
    let columns = assign(&cost);
    for (t, (task, column)) in tasks.iter().zip(columns).enumerate() {
        let member = column % ballots.len();
        if cost[t][column] >= VETOED {
            assignments.insert(task.id.clone(), Value::Null);
        } else {
            assignments.insert(task.id.clone(), json!(ballots[member].user));
            per_member[member].push(task.id.clone());
        }
    }
    (assignments, per_member)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> Item {
        Item::new(id, id.to_uppercase())
    }

    fn ballot(user: &str, scores: &[(&str, f32, bool)]) -> Ballot {
        Ballot {
            user: UserId::new(user).unwrap(),
            ranking: scores
                .iter()
                .map(|(id, satisfaction, vetoed)| Recommendation {
                    option: id.to_string(),
                    label: id.to_uppercase(),
                    score: 0.0,
                    satisfaction: *satisfaction,
                    vetoed: *vetoed,
                    reasons: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn vetoes_remove_options_and_leximin_protects_the_worst_off() {
        let options = [item("a"), item("b"), item("c")];
        // a: best total, but carol hates it; b: fair; c: vetoed by bob.
        let ballots = [
            ballot(
                "alice",
                &[("a", 0.95, false), ("b", 0.6, false), ("c", 0.99, false)],
            ),
            ballot(
                "bob",
                &[("a", 0.95, false), ("b", 0.6, false), ("c", 0.0, true)],
            ),
            ballot(
                "carol",
                &[("a", 0.1, false), ("b", 0.55, false), ("c", 0.9, false)],
            ),
        ];
        let out = coordinate(ProposalKind::Choice, &options, &ballots);
        assert_eq!(out.decision, json!({"option": "b"}));
        assert!(out.rationale.contains("1 of 3 options are vetoed: C"));
        let alice = &out.members[0];
        assert_eq!(alice.concessions[0].option, "c");
        assert_eq!(alice.concessions[1].option, "a");
        assert_eq!(out.members[1].vetoes[0].option, "c");
        assert!((out.members[2].satisfaction - 0.55).abs() < 1e-6);
        // Equal profiles: the proposal's order decides, every run.
        let tied = [ballot("alice", &[("a", 0.5, false), ("b", 0.5, false)])];
        let out = coordinate(ProposalKind::Schedule, &options[..2], &tied);
        assert_eq!(out.decision, json!({"option": "a"}));
        // Everything vetoed: no option.
        let stuck = [ballot("bob", &[("a", 0.0, true)])];
        let out = coordinate(ProposalKind::Choice, &options[..1], &stuck);
        assert_eq!(out.decision, json!({"option": null}));
    }

    #[test]
    fn a_subset_excludes_vetoes_and_gives_everyone_something_they_like() {
        let options = [
            item("prawns"),
            item("halloumi"),
            item("burgers"),
            item("salad"),
        ];
        let ballots = [
            ballot(
                "bob",
                &[
                    ("prawns", 0.0, true),
                    ("halloumi", 0.5, false),
                    ("burgers", 0.9, false),
                    ("salad", 0.5, false),
                ],
            ),
            ballot(
                "carol",
                &[
                    ("prawns", 0.6, false),
                    ("halloumi", 0.8, false),
                    ("burgers", 0.2, false),
                    ("salad", 0.52, false),
                ],
            ),
            ballot(
                "alice",
                &[
                    ("prawns", 0.5, false),
                    ("halloumi", 0.5, false),
                    ("burgers", 0.5, false),
                    ("salad", 0.5, false),
                ],
            ),
        ];
        let out = coordinate(ProposalKind::Subset, &options, &ballots);
        // burgers: mean 0.53 > ½; halloumi: mean 0.6; salad: mean 0.507;
        // prawns: vetoed.
        assert_eq!(
            out.decision,
            json!({"options": ["halloumi", "burgers", "salad"]})
        );
        let only_bob = [ballot(
            "bob",
            &[
                ("prawns", 0.0, true),
                ("halloumi", 0.3, false),
                ("burgers", 0.7, false),
            ],
        )];
        let carol_sad = [
            only_bob[0].clone(),
            ballot(
                "carol",
                &[("halloumi", 0.9, false), ("burgers", 0.1, false)],
            ),
        ];
        let out = coordinate(ProposalKind::Subset, &options[..3], &carol_sad);
        // Halloumi is liked on average (0.6), burgers not (0.4), but they
        // are bob's favourite and nothing else pleases him.
        assert_eq!(out.decision, json!({"options": ["halloumi", "burgers"]}));
    }

    #[test]
    fn tasks_go_where_they_fit_best_and_vetoed_tasks_stay_open() {
        let tasks = [
            item("api"),
            item("research"),
            item("analysis"),
            item("party"),
        ];
        let ballots = [
            ballot(
                "bob",
                &[
                    ("api", 0.9, false),
                    ("research", 0.4, false),
                    ("analysis", 0.6, false),
                    ("party", 0.0, true),
                ],
            ),
            ballot(
                "alice",
                &[
                    ("api", 0.5, false),
                    ("research", 0.9, false),
                    ("analysis", 0.5, false),
                    ("party", 0.0, true),
                ],
            ),
            ballot(
                "carol",
                &[
                    ("api", 0.4, false),
                    ("research", 0.6, false),
                    ("analysis", 0.95, false),
                    ("party", 0.0, true),
                ],
            ),
        ];
        let out = coordinate(ProposalKind::Assignment, &tasks, &ballots);
        assert_eq!(
            out.decision,
            json!({"assignments": {"api": "bob", "research": "alice", "analysis": "carol", "party": null}})
        );
        assert_eq!(out.members[0].gets, ["api"]);
        assert!(out.rationale.contains("1 task(s) every member vetoes"));
        // More tasks than members: the load spreads.
        let two = [
            ballot(
                "bob",
                &[
                    ("api", 0.9, false),
                    ("research", 0.8, false),
                    ("analysis", 0.8, false),
                ],
            ),
            ballot(
                "alice",
                &[
                    ("api", 0.6, false),
                    ("research", 0.6, false),
                    ("analysis", 0.6, false),
                ],
            ),
        ];
        let out = coordinate(ProposalKind::Assignment, &tasks[..3], &two);
        assert_eq!(out.members[0].gets.len(), 2);
        assert_eq!(out.members[1].gets.len(), 1);
    }
}
