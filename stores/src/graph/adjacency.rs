//! A user's graph in memory: entities by id and facts by the entities they
//! touch, walked breadth first. The embedded graph store loads it from the
//! lake's tables for each read.

use std::collections::{HashMap, HashSet, VecDeque};

use twinlake_core::backend::graph::{Neighbour, Window};
use twinlake_core::memory::{Entity, EntityKind, Fact};
use twinlake_udfs::extract::canonical;

/// The graph in memory: entities by id and facts by the entities they touch.
#[derive(Clone, Debug, Default)]
pub struct MemoryGraph {
    entities: HashMap<String, Entity>,
    facts: Vec<Fact>,
    adjacency: HashMap<String, Vec<usize>>,
}

impl MemoryGraph {
    /// Builds the adjacency over `entities` and `facts`.
    pub fn new(entities: Vec<Entity>, facts: Vec<Fact>) -> Self {
        let mut adjacency: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in facts.iter().enumerate() {
            adjacency.entry(f.from.clone()).or_default().push(i);
            adjacency.entry(f.to.clone()).or_default().push(i);
        }
        MemoryGraph {
            entities: entities
                .into_iter()
                .map(|e| (e.entity_id.clone(), e))
                .collect(),
            facts,
            adjacency,
        }
    }

    /// The entity named `name` (or one of its aliases), case-insensitively.
    pub fn find(&self, name: &str) -> Option<&Entity> {
        let key = canonical(name);
        let mut found: Vec<&Entity> = self
            .entities
            .values()
            .filter(|e| {
                std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .any(|n| canonical(n) == key)
            })
            .collect();
        found.sort_by_key(|e| (e.kind != EntityKind::User, e.entity_id.clone()));
        found.first().copied()
    }

    /// Entities within `depth` hops of `start` along facts that held at some
    /// time in `window` (all facts when None), nearest first.
    pub fn neighbours(&self, start: &str, depth: usize, window: Option<Window>) -> Vec<Neighbour> {
        let mut seen: HashSet<&str> = HashSet::from([start]);
        let mut queue = VecDeque::from([(start, 0usize)]);
        let mut out = Vec::new();
        while let Some((at, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            for &i in self.adjacency.get(at).into_iter().flatten() {
                let fact = &self.facts[i];
                if window.is_some_and(|(from, to)| !fact.overlaps(from, to)) {
                    continue;
                }
                let other = if fact.from == at {
                    &fact.to
                } else {
                    &fact.from
                };
                if seen.insert(other.as_str()) {
                    if let Some(entity) = self.entities.get(other) {
                        out.push(Neighbour {
                            entity: entity.clone(),
                            depth: d + 1,
                            via: fact.clone(),
                        });
                    }
                    queue.push_back((other.as_str(), d + 1));
                }
            }
        }
        out
    }

    /// Facts touching `entity` that held at `as_of_us`.
    pub fn facts_as_of(&self, entity: &str, as_of_us: i64) -> Vec<&Fact> {
        self.adjacency
            .get(entity)
            .into_iter()
            .flatten()
            .map(|&i| &self.facts[i])
            .filter(|f| f.is_valid_at(as_of_us))
            .collect()
    }

    /// Every fact.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }
}
