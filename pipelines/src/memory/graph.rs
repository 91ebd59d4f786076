//! The temporal knowledge graph's contents: entities resolved within a
//! tenant, and facts (edges with text, validity and sources) derived from
//! memories and documents. Where they are kept and walked is the graph
//! store's business (`twinlake_stores::graph`).
//!
//! Resolution: an entity's id derives from the tenant, its kind class and
//! its canonical name, so every user's footprint maps "Ana", "ana" and
//! "Ana's" to one node. A one-word person name joins the one multi-word
//! name it starts ("Alice" is "Alice Martin") when exactly one exists, and
//! a name that is a member's (by [`Members`]) is that member's User node.

use std::collections::{BTreeMap, HashMap, HashSet};

use twinlake_core::memory::{Entity, EntityKind, Fact, Memory, MemoryKind};
use twinlake_core::project::Recommended;
use twinlake_core::record::Episode;
use twinlake_core::{ContentHash, ProposalId, Scope};
use twinlake_udfs::extract::{Reader, canonical};

/// The members of a tenant: user ids with the names each goes by.
#[derive(Clone, Debug, Default)]
pub struct Members {
    readers: Vec<(String, Reader)>,
}

impl Members {
    /// Members from `(user id, display name, aliases)`.
    pub fn new(members: impl IntoIterator<Item = (String, String, Vec<String>)>) -> Self {
        Members {
            readers: members
                .into_iter()
                .map(|(id, name, aliases)| {
                    let mut aliases = aliases;
                    aliases.push(id.clone());
                    (id, Reader::new(&name, &aliases))
                })
                .collect(),
        }
    }

    /// The member `name` refers to, as (user id, display name).
    pub fn find(&self, name: &str) -> Option<(&str, &str)> {
        self.readers
            .iter()
            .find(|(_, r)| r.is_user(name))
            .map(|(id, r)| (id.as_str(), r.user_name.as_str()))
    }
}

/// Entities and facts of one user's footprint.
#[derive(Clone, Debug, Default)]
pub struct GraphParts {
    /// Every entity a fact touches.
    pub entities: Vec<Entity>,
    /// Every fact.
    pub facts: Vec<Fact>,
}

/// The kind of entity a memory's object is.
fn object_kind(memory: &Memory) -> Option<EntityKind> {
    Some(match memory.kind {
        MemoryKind::Relationship => EntityKind::Person,
        MemoryKind::Skill => EntityKind::Skill,
        MemoryKind::Role if memory.object.contains(" at ") => EntityKind::Org,
        MemoryKind::Role => EntityKind::Topic,
        MemoryKind::Availability => EntityKind::Event,
        MemoryKind::Decision => EntityKind::Proposal,
        MemoryKind::Biography => match memory.predicate.as_str() {
            "lives_in" | "from" => EntityKind::Place,
            "studied" | "worked_as" => EntityKind::Org,
            _ => EntityKind::Topic,
        },
        MemoryKind::Preference | MemoryKind::Dislike | MemoryKind::Dealbreaker => EntityKind::Topic,
        MemoryKind::Interest => EntityKind::Topic,
        MemoryKind::Style | MemoryKind::Summary => return None,
    })
}

/// Builds entities with resolution.
struct Resolver<'a> {
    tenant: &'a str,
    /// The user whose footprint this is, and their display name.
    user: (&'a str, &'a str),
    members: &'a Members,
    /// Multi-word person names by their first word's canonical form.
    full_names: HashMap<String, Vec<String>>,
    entities: BTreeMap<String, Entity>,
}

impl<'a> Resolver<'a> {
    fn id(&self, kind: EntityKind, key: &str) -> String {
        let class = match kind {
            EntityKind::User | EntityKind::Person => "person",
            other => other.as_str(),
        };
        ContentHash::of_parts(&[self.tenant.as_bytes(), class.as_bytes(), key.as_bytes()]).to_hex()
            [..16]
            .to_string()
    }

    /// The entity `name` of `kind` resolves to.
    fn resolve(&mut self, kind: EntityKind, name: &str) -> String {
        let said = name;
        let (kind, name, key) = match kind {
            EntityKind::User | EntityKind::Person => match self.members.find(name) {
                Some((user, display)) => {
                    let display = if user == self.user.0 {
                        self.user.1
                    } else {
                        display
                    };
                    (
                        EntityKind::User,
                        display.to_string(),
                        format!("user:{user}"),
                    )
                }
                None => {
                    let key = canonical(name);
                    let full = self
                        .full_names
                        .get(&key)
                        .filter(|names| names.len() == 1 && !key.contains(' '))
                        .map(|names| names[0].clone());
                    let name = full.clone().unwrap_or_else(|| name.to_string());
                    (EntityKind::Person, name.clone(), canonical(&name))
                }
            },
            other => (other, name.to_string(), canonical(name)),
        };
        let id = self.id(kind, &key);
        let entity = self.entities.entry(id.clone()).or_insert_with(|| Entity {
            entity_id: id.clone(),
            kind,
            name: name.clone(),
            aliases: Vec::new(),
        });
        for seen in [name, said.to_string()] {
            if entity.name != seen && !entity.aliases.contains(&seen) {
                // Keep the fullest name as the entity's own.
                if seen.len() > entity.name.len() {
                    let old = std::mem::replace(&mut entity.name, seen);
                    entity.aliases.push(old);
                } else {
                    entity.aliases.push(seen);
                }
            }
        }
        id
    }
}

/// Entities and facts of `scope`'s footprint: the user and their twin,
/// the documents they authored and the known entities those mention, one
/// fact per memory (not summaries or style), and their choices on
/// projects' proposals: (User)-[:MEMBER_OF]->(Project),
/// (User)-[:CHOSE]->(Vote)-[:ON]->(Proposal), a vote valid until the
/// member's next choice on the same proposal; and what their twin last
/// recommended on each, (DigitalTwin)-[:RECOMMENDED]->(Proposal).
pub fn build(
    scope: &Scope,
    user_name: &str,
    memories: &[Memory],
    documents: &[(&Episode, &str)],
    decisions: &[&Episode],
    recommended: &[(ProposalId, Recommended)],
    members: &Members,
) -> GraphParts {
    let mut full_names: HashMap<String, Vec<String>> = HashMap::new();
    for m in memories
        .iter()
        .filter(|m| m.kind == MemoryKind::Relationship)
    {
        for name in [&m.object, &m.subject] {
            if name.contains(' ') {
                let first = canonical(name.split(' ').next().unwrap_or_default());
                let names = full_names.entry(first).or_default();
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
    }
    let mut r = Resolver {
        tenant: scope.tenant.as_str(),
        user: (scope.user.as_str(), user_name),
        members,
        full_names,
        entities: BTreeMap::new(),
    };
    let mut facts = Vec::new();
    let mut fact = |from: String,
                    relation: &str,
                    to: String,
                    text: String,
                    m: Option<&Memory>,
                    sources: Vec<String>,
                    valid: i64,
                    until: Option<i64>| {
        let first = sources.first().cloned().unwrap_or_default();
        let id = ContentHash::of_parts(&[
            from.as_bytes(),
            relation.as_bytes(),
            to.as_bytes(),
            first.as_bytes(),
        ])
        .to_hex()[..16]
            .to_string();
        facts.push(Fact {
            fact_id: id,
            scope: scope.clone(),
            from,
            relation: relation.to_string(),
            to,
            text,
            valid_at_us: valid,
            invalid_at_us: until.or(m.and_then(|m| m.invalid_at_us)),
            memory_id: m.map(|m| m.memory_id.clone()),
            source_episodes: sources,
        });
    };
    let user = r.resolve(EntityKind::User, user_name);
    let twin = r.resolve(EntityKind::DigitalTwin, &format!("{user_name}'s twin"));
    let first_seen = memories
        .iter()
        .map(|m| m.valid_at_us)
        .min()
        .unwrap_or_default();
    fact(
        user.clone(),
        "HAS_TWIN",
        twin.clone(),
        format!("{user_name} has a digital twin."),
        None,
        Vec::new(),
        first_seen,
        None,
    );
    for m in memories {
        let Some(kind) = object_kind(m) else { continue };
        let from = if m.about_user {
            user.clone()
        } else {
            r.resolve(EntityKind::Person, &m.subject)
        };
        // "Backend Engineer at Northwind Labs": the edge points at the org.
        let object = match (m.kind, m.object.rsplit_once(" at ")) {
            (MemoryKind::Role, Some((_, org))) => org.to_string(),
            (MemoryKind::Role, None) => m.object.clone(),
            _ => m.object.clone(),
        };
        let to = r.resolve(kind, &object);
        fact(
            from,
            &m.predicate.to_uppercase(),
            to,
            m.sentence.clone(),
            Some(m),
            m.source_episodes.clone(),
            m.valid_at_us,
            None,
        );
    }
    // Choices: the project and the proposal are nodes every member's graph
    // shares (their ids derive from the tenant); each vote is the member's.
    let mut member_of: HashSet<String> = HashSet::new();
    for (i, e) in decisions.iter().enumerate() {
        let (Some(project), Some(proposal)) = (e.meta.get("project"), e.meta.get("proposal"))
        else {
            continue;
        };
        let project_node = r.resolve(EntityKind::Project, project);
        let proposal_node = r.resolve(EntityKind::Proposal, proposal);
        let vote = r.resolve(
            EntityKind::Vote,
            &format!(
                "{user_name}'s choice on {proposal} ({})",
                short(&e.episode_id)
            ),
        );
        let sources = vec![e.episode_id.clone()];
        let next = decisions[i + 1..]
            .iter()
            .filter(|later| later.meta.get("proposal") == Some(proposal))
            .map(|later| later.occurred_at_us)
            .find(|t| *t > e.occurred_at_us);
        if member_of.insert(project_node.clone()) {
            fact(
                user.clone(),
                "MEMBER_OF",
                project_node,
                format!("{user_name} is a member of project {project}."),
                None,
                sources.clone(),
                e.occurred_at_us,
                None,
            );
        }
        fact(
            user.clone(),
            "CHOSE",
            vote.clone(),
            e.text.clone().unwrap_or_default(),
            None,
            sources.clone(),
            e.occurred_at_us,
            next,
        );
        fact(
            vote,
            "ON",
            proposal_node,
            format!("{user_name}'s choice is on proposal {proposal}."),
            None,
            sources,
            e.occurred_at_us,
            next,
        );
    }
    // The twin's latest recommendation on each proposal: not the member's
    // words, so it cites no episode; its time is when it was made.
    for (proposal, rec) in recommended {
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(&rec.created_at) else {
            continue;
        };
        let text = match top_pick(rec) {
            Some((label, score)) => format!(
                "{user_name}'s twin recommended {label} on proposal {proposal} (score {score:.2})."
            ),
            None => format!("{user_name}'s twin ruled out every option of proposal {proposal}."),
        };
        fact(
            twin.clone(),
            "RECOMMENDED",
            r.resolve(EntityKind::Proposal, proposal.as_str()),
            text,
            None,
            Vec::new(),
            at.timestamp_micros(),
            None,
        );
    }
    // Documents: who wrote them and which known people, places and orgs
    // they mention.
    let known: Vec<(String, String)> = r
        .entities
        .values()
        .filter(|e| {
            matches!(
                e.kind,
                EntityKind::Person | EntityKind::User | EntityKind::Org | EntityKind::Place
            )
        })
        .flat_map(|e| {
            std::iter::once(&e.name)
                .chain(&e.aliases)
                .map(|n| (n.clone(), e.entity_id.clone()))
        })
        .filter(|(n, _)| n.len() > 2)
        .collect();
    for (episode, text) in documents {
        let title = episode.title.clone().unwrap_or_else(|| {
            episode
                .source_uri
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        });
        let doc = r.resolve(
            EntityKind::Document,
            &format!("{title} ({})", short(&episode.episode_id)),
        );
        let sources = vec![episode.episode_id.clone()];
        fact(
            user.clone(),
            "AUTHORED",
            doc.clone(),
            format!("{user_name} wrote {title}."),
            None,
            sources.clone(),
            episode.occurred_at_us,
            None,
        );
        let mut seen = HashSet::new();
        for (name, id) in &known {
            if *id != user && contains_word(text, name) && seen.insert(id.clone()) {
                fact(
                    doc.clone(),
                    "MENTIONS",
                    id.clone(),
                    format!("{title} mentions {name}."),
                    None,
                    sources.clone(),
                    episode.occurred_at_us,
                    None,
                );
            }
        }
    }
    GraphParts {
        entities: r.entities.into_values().collect(),
        facts,
    }
}

/// The label and score of a recommendation's top pick, as its ranking
/// holds them; None when it vetoed every option.
fn top_pick(rec: &Recommended) -> Option<(String, f64)> {
    let top = rec.top.as_deref()?;
    let entry = rec
        .ranking
        .as_array()?
        .iter()
        .find(|r| r["option"].as_str() == Some(top))?;
    Some((
        entry["label"].as_str().unwrap_or(top).to_string(),
        entry["score"].as_f64().unwrap_or_default(),
    ))
}

/// The first 8 characters of an id, to tell same-named things apart.
pub(crate) fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn contains_word(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::backend::Neighbour;
    use twinlake_stores::graph::adjacency::MemoryGraph;

    fn scope() -> Scope {
        Scope::parse("t", "alice").unwrap()
    }

    fn memory(
        kind: MemoryKind,
        subject: &str,
        about_user: bool,
        predicate: &str,
        object: &str,
        valid: i64,
        invalid: Option<i64>,
    ) -> Memory {
        let base =
            twinlake_core::contract::memory(&scope(), kind, predicate, object, valid, invalid);
        Memory {
            subject: subject.into(),
            about_user,
            sentence: format!("{subject} {predicate} {object}."),
            ..base
        }
    }

    fn graph() -> MemoryGraph {
        let members = Members::new([
            ("alice".to_string(), "alice".to_string(), vec![]),
            ("bob".to_string(), "bob".to_string(), vec![]),
        ]);
        let memories = [
            memory(
                MemoryKind::Relationship,
                "Alice Martin",
                true,
                "sister",
                "Ana Martin",
                10,
                None,
            ),
            memory(
                MemoryKind::Relationship,
                "Alice Martin",
                true,
                "manages",
                "Bob",
                10,
                None,
            ),
            memory(
                MemoryKind::Dealbreaker,
                "Bob Stone",
                false,
                "allergic_to",
                "shellfish",
                10,
                None,
            ),
            memory(
                MemoryKind::Preference,
                "Ana",
                false,
                "likes",
                "apple cake",
                10,
                None,
            ),
            memory(
                MemoryKind::Preference,
                "Alice Martin",
                true,
                "likes",
                "sushi",
                10,
                Some(50),
            ),
        ];
        let parts = build(&scope(), "Alice Martin", &memories, &[], &[], &[], &members);
        MemoryGraph::new(parts.entities, parts.facts)
    }

    #[test]
    fn choices_link_the_member_to_the_project_and_a_vote_on_the_proposal() {
        let choice = |id: &str, at: i64, option: &str| {
            let mut e = Episode::document(&scope(), id, "project/harbor/trip", 1);
            e.source_kind = twinlake_core::record::SourceKind::Decision;
            e.occurred_at_us = at;
            e.text = Some(format!("For the trip, I chose {option}."));
            e.meta = [("project", "harbor"), ("proposal", "trip")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            e
        };
        let (first, second) = (
            choice("e1", 10, "Lisbon"),
            choice("e2", 20, "the Dolomites"),
        );
        let parts = build(
            &scope(),
            "Alice Martin",
            &[],
            &[],
            &[&first, &second],
            &[],
            &Members::default(),
        );
        let count = |relation: &str| {
            parts
                .facts
                .iter()
                .filter(|f| f.relation == relation)
                .count()
        };
        assert_eq!((count("MEMBER_OF"), count("CHOSE"), count("ON")), (1, 2, 2));
        let chose: Vec<&Fact> = parts
            .facts
            .iter()
            .filter(|f| f.relation == "CHOSE")
            .collect();
        // The first vote held until the second choice; the second holds.
        assert_eq!(chose[0].invalid_at_us, Some(20));
        assert_eq!(chose[1].invalid_at_us, None);
        assert!(chose[1].text.contains("Dolomites"));
        let kinds: Vec<EntityKind> = parts.entities.iter().map(|e| e.kind).collect();
        for kind in [EntityKind::Project, EntityKind::Proposal, EntityKind::Vote] {
            assert!(kinds.contains(&kind), "{kind:?} missing: {kinds:?}");
        }
        // Another member's choice lands on the same project node.
        let bob = Scope::parse("t", "bob").unwrap();
        let theirs = build(
            &bob,
            "Bob Stone",
            &[],
            &[],
            &[&first],
            &[],
            &Members::default(),
        );
        let project_of = |p: &GraphParts| {
            p.entities
                .iter()
                .find(|e| e.kind == EntityKind::Project)
                .map(|e| e.entity_id.clone())
        };
        assert_eq!(project_of(&parts), project_of(&theirs));
    }

    #[test]
    fn the_twins_latest_recommendation_points_at_the_proposal() {
        let rec = |top: Option<&str>| Recommended {
            user: scope().user,
            top: top.map(str::to_string),
            ranking: serde_json::json!([
                {"option": "dolomites", "label": "The Dolomites", "score": 0.84},
                {"option": "bali", "label": "Bali", "score": -0.5}
            ]),
            created_at: "2026-12-07T10:00:00+00:00".into(),
        };
        let trip = ProposalId::new("trip").unwrap();
        let menu = ProposalId::new("menu").unwrap();
        let parts = build(
            &scope(),
            "Alice Martin",
            &[],
            &[],
            &[],
            &[(trip, rec(Some("dolomites"))), (menu, rec(None))],
            &Members::default(),
        );
        let recommended: Vec<&Fact> = parts
            .facts
            .iter()
            .filter(|f| f.relation == "RECOMMENDED")
            .collect();
        assert_eq!(recommended.len(), 2);
        let twin = &parts
            .entities
            .iter()
            .find(|e| e.kind == EntityKind::DigitalTwin)
            .unwrap()
            .entity_id;
        let proposal_name = |id: &str| {
            parts
                .entities
                .iter()
                .find(|e| e.entity_id == id)
                .map(|e| (e.kind, e.name.clone()))
        };
        assert!(recommended.iter().all(|f| &f.from == twin));
        assert_eq!(
            proposal_name(&recommended[0].to),
            Some((EntityKind::Proposal, "trip".to_string()))
        );
        assert_eq!(
            recommended[0].text,
            "Alice Martin's twin recommended The Dolomites on proposal trip (score 0.84)."
        );
        assert_eq!(
            recommended[0].valid_at_us,
            chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00+00:00")
                .unwrap()
                .timestamp_micros()
        );
        assert!(recommended[1].text.contains("ruled out every option"));
    }

    #[test]
    fn aliases_and_members_resolve_to_one_entity() {
        let g = graph();
        let ana = g.find("ana").unwrap();
        assert_eq!(
            ana.name, "Ana Martin",
            "the one-word name joined the full one"
        );
        let bob = g.find("Bob Stone").unwrap();
        assert_eq!(
            (bob.kind, bob.entity_id.clone()),
            (EntityKind::User, g.find("bob").unwrap().entity_id.clone())
        );
        assert_eq!(g.find("Alice Martin").unwrap().kind, EntityKind::User);
    }

    #[test]
    fn neighbours_reach_depth_two_within_the_window() {
        let g = graph();
        let ana = g.find("Ana").unwrap().entity_id.clone();
        let near = g.neighbours(&ana, 1, None);
        let names = |n: &[Neighbour]| n.iter().map(|n| n.entity.name.clone()).collect::<Vec<_>>();
        assert!(
            names(&near).contains(&"Alice Martin".to_string()),
            "{:?}",
            names(&near)
        );
        assert!(names(&near).contains(&"apple cake".to_string()));
        let far = g.neighbours(&ana, 2, None);
        assert!(
            names(&far).contains(&"sushi".to_string()),
            "{:?}",
            names(&far)
        );
        assert!(
            far.iter()
                .any(|n| n.entity.name == "shellfish" && n.depth == 2)
                == false,
            "shellfish is three hops away"
        );
        let later = g.neighbours(&ana, 2, Some((60, 100)));
        assert!(
            !names(&later).contains(&"sushi".to_string()),
            "sushi no longer held"
        );
        let alice = g.find("Alice Martin").unwrap().entity_id.clone();
        let before = g.facts_as_of(&alice, 20).len();
        let after = g.facts_as_of(&alice, 60).len();
        assert_eq!(before, after + 1, "the sushi fact ended at 50");
    }
}
