//! The temporal knowledge graph of each user's footprint: entities and the
//! facts (edges with text, validity and source episodes) between them.
//!
//! Distillation writes a user's whole graph at once ([`GraphStore::replace`]);
//! the twin reads neighbourhoods and facts as of a time. Entity ids derive
//! from the tenant, so two members' graphs name one person with one id,
//! yet every read is scoped: a user walks only the facts of their own
//! footprint.

use async_trait::async_trait;
use serde::Serialize;

use super::BackendError;
use crate::Scope;
use crate::memory::{Entity, Fact};

/// One step of a neighbourhood walk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Neighbour {
    /// The entity reached.
    pub entity: Entity,
    /// Hops from the start (1 or more).
    pub depth: usize,
    /// The fact that led there.
    pub via: Fact,
}

/// A time window, µs since the epoch, both ends included.
pub type Window = (i64, i64);

/// Refuses a replacement graph holding another user's fact: every store
/// replaces one scope's subgraph at a time, and must never write into
/// another's.
pub fn ensure_facts_of(
    backend: &'static str,
    scope: &Scope,
    facts: &[Fact],
) -> Result<(), BackendError> {
    match facts.iter().find(|f| &f.scope != scope) {
        Some(stranger) => Err(BackendError::engine(
            backend,
            format!(
                "fact {} belongs to {}, not {scope}",
                stranger.fact_id, stranger.scope
            ),
        )),
        None => Ok(()),
    }
}

/// Where the graph is kept: the lake's tables (embedded) or a graph
/// database.
#[async_trait]
pub trait GraphStore: Send + Sync {
    /// Replaces everything `scope`'s footprint says in the graph with
    /// `entities` and `facts` (every fact of `scope`).
    async fn replace(
        &self,
        scope: &Scope,
        entities: &[Entity],
        facts: &[Fact],
    ) -> Result<(), BackendError>;
    /// The entity `name` (or one of its aliases, in any case) names in
    /// `scope`'s graph; a User entity first when several match.
    async fn find(&self, scope: &Scope, name: &str) -> Result<Option<Entity>, BackendError>;
    /// Entities within `depth` hops of `entity_id` along `scope`'s facts
    /// that held at some time in `window` (all when None), nearest first.
    async fn neighbours(
        &self,
        scope: &Scope,
        entity_id: &str,
        depth: usize,
        window: Option<Window>,
    ) -> Result<Vec<Neighbour>, BackendError>;
    /// `scope`'s facts touching `entity_id` that held at `as_of_us`.
    async fn facts_as_of(
        &self,
        scope: &Scope,
        entity_id: &str,
        as_of_us: i64,
    ) -> Result<Vec<Fact>, BackendError>;
    /// Deletes every entity and fact of `scope`.
    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError>;
}
