//! The graph store on a Cypher server, written once for every server:
//! [`CypherGraph`] turns [`GraphStore`] calls into fixed Cypher queries
//! with their values as parameters, and reads their rows back; a
//! [`CypherServer`] only carries a query and its parameters to one engine
//! (FalkorDB over the Redis protocol, Neo4j over Bolt) and its rows back,
//! as engine-neutral [`Value`]s. So both servers hold the same graph, in
//! the same shape, and answer alike.
//!
//! The shape: each user's graph is a subgraph of the server's graph. An
//! entity is an `:Entity` node keyed by `(tenant, user, id)`, so two
//! members who know one person hold two nodes with the one entity id the
//! tenant derives for that person; a fact is a `:FACT` edge between two
//! nodes of the same scope, carrying its relation, text, validity
//! (`valid_at`, `invalid_at`, µs), memory, source episodes and `seq`, its
//! position in the list it was written with. Every query pins `tenant` and
//! `user`, so a user walks only their own facts.
//!
//! - [`GraphStore::replace`] is one query (one transaction): it detaches
//!   and deletes the scope's nodes, then creates the new ones and the
//!   facts between them, so a reader sees the old graph or the new one,
//!   never a mix. A fact whose end is not among the entities gets a
//!   nameless stub node (`stub: true`): walks cross it, as the embedded
//!   store's do, but it is never found or returned.
//! - [`GraphStore::find`] matches the canonical form of the name (see
//!   [`canonical`]) against `names`, the canonical forms of the entity's
//!   name and aliases computed on write, so the match ignores case and
//!   accents exactly as the embedded store's does.
//! - [`GraphStore::neighbours`] walks breadth first, one query per hop
//!   from the whole frontier, in `seq` order, so it returns what the
//!   embedded store returns, in the same order.
//!
//! Columns are returned as `c0, c1, ...`: FalkorDB answers by position,
//! Neo4j by name, and both agree on these.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use twinlake_core::Scope;
use twinlake_core::backend::graph::{Neighbour, Window, ensure_facts_of};
use twinlake_core::backend::{BackendError, GraphStore};
use twinlake_core::memory::{Entity, EntityKind, Fact};
use twinlake_udfs::extract::canonical;

/// A query parameter or a returned column, whatever the engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Cypher's null (an absent property).
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A string.
    Text(String),
    /// A list.
    List(Vec<Value>),
    /// A map with string keys.
    Map(BTreeMap<String, Value>),
}

/// A query's named parameters.
pub type Params = Vec<(&'static str, Value)>;

/// One Cypher engine: runs a query with parameters and returns its rows,
/// each a list of columns in `RETURN` order.
#[async_trait]
pub trait CypherServer: Send + Sync {
    /// The backend's name, for errors.
    const BACKEND: &'static str;
    /// Runs `query` with `params`.
    async fn run(&self, query: String, params: Params) -> Result<Vec<Vec<Value>>, BackendError>;
    /// Where the graph is, as errors name it.
    fn location(&self) -> String;
}

/// The graph store over any [`CypherServer`].
#[derive(Debug)]
pub struct CypherGraph<S> {
    server: S,
}

impl<S: CypherServer> CypherGraph<S> {
    /// The store over `server`.
    pub fn new(server: S) -> Self {
        CypherGraph { server }
    }

    /// The server it runs on.
    pub fn server(&self) -> &S {
        &self.server
    }

    fn corrupt(&self, message: String) -> BackendError {
        BackendError::Corrupt {
            backend: S::BACKEND,
            location: self.server.location(),
            message,
        }
    }
}

// ---- the queries ---------------------------------------------------------------------------

/// A node of the scope in `$tenant`/`$user`, bound to `var`, with `extra`
/// properties (`id: $id`) if any.
fn scoped_node(var: &str, extra: &str) -> String {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {extra}")
    };
    format!("({var}:Entity {{tenant: $tenant, user: $user{extra}}})")
}

/// `RETURN`'s column list for `expressions`, named `c<first>`, ...
fn columns(expressions: &[&str], first: usize) -> String {
    expressions
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} AS c{}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a fact `f` is read back from, in [`fact_from`]'s order.
const FACT_COLUMNS: [&str; 9] = [
    "f.fact_id",
    "startNode(f).id",
    "endNode(f).id",
    "f.relation",
    "f.text",
    "f.valid_at",
    "f.invalid_at",
    "f.memory_id",
    "f.episodes",
];

/// What an entity `b` is read back from, in [`entity_from`]'s order.
const ENTITY_COLUMNS: [&str; 5] = ["b.id", "b.kind", "b.name", "b.aliases", "b.stub"];

/// Replaces the scope's subgraph: deletes its nodes (and so its facts),
/// creates `$entities`, then links them by `$facts`, in one query.
pub fn replace_query() -> String {
    format!(
        "MATCH {old} DETACH DELETE e \
         WITH count(*) AS dropped \
         UNWIND $entities AS x \
         CREATE (:Entity {{tenant: $tenant, user: $user, id: x.id, kind: x.kind, name: x.name, \
         aliases: x.aliases, names: x.names, stub: x.stub}}) \
         WITH count(*) AS created \
         UNWIND $facts AS f \
         MATCH {from}, {to} \
         CREATE (a)-[:FACT {{fact_id: f.fact_id, relation: f.relation, text: f.text, \
         valid_at: f.valid_at, invalid_at: f.invalid_at, memory_id: f.memory_id, \
         episodes: f.episodes, seq: f.seq}}]->(b)",
        old = scoped_node("e", ""),
        from = scoped_node("a", "id: f.from"),
        to = scoped_node("b", "id: f.to"),
    )
}

/// The scope's entity whose name or alias has the canonical form `$key`;
/// a User first, then the smallest id.
pub fn find_query() -> String {
    format!(
        "MATCH {b} WHERE $key IN b.names \
         RETURN {columns} \
         ORDER BY CASE WHEN b.kind = 'User' THEN 0 ELSE 1 END, b.id LIMIT 1",
        b = scoped_node("b", ""),
        columns = columns(&ENTITY_COLUMNS, 0),
    )
}

/// One hop of a walk: every fact (within `[$from, $to]` when `windowed`)
/// from a node of `$frontier` to another node, with the node it starts
/// from, in `seq` order.
pub fn step_query(windowed: bool) -> String {
    let window = if windowed {
        " AND f.valid_at <= $to AND (f.invalid_at IS NULL OR f.invalid_at > $from)"
    } else {
        ""
    };
    format!(
        "MATCH {a}-[f:FACT]-(b:Entity) WHERE a.id IN $frontier{window} \
         RETURN a.id AS c0, {facts}, {entities} ORDER BY f.seq",
        a = scoped_node("a", ""),
        facts = columns(&FACT_COLUMNS, 1),
        entities = columns(&ENTITY_COLUMNS, 1 + FACT_COLUMNS.len()),
    )
}

/// The facts touching `$id` that held at `$at`, in `seq` order.
pub fn facts_as_of_query() -> String {
    format!(
        "MATCH {a}-[f:FACT]-(:Entity) \
         WHERE f.valid_at <= $at AND (f.invalid_at IS NULL OR $at < f.invalid_at) \
         RETURN {facts} ORDER BY f.seq",
        a = scoped_node("a", "id: $id"),
        facts = columns(&FACT_COLUMNS, 0),
    )
}

/// Deletes the scope's nodes and so its facts.
pub fn delete_query() -> String {
    format!("MATCH {e} DETACH DELETE e", e = scoped_node("e", ""))
}

/// How many columns a query of this module returns, at most (the step).
pub const MAX_COLUMNS: usize = 1 + FACT_COLUMNS.len() + ENTITY_COLUMNS.len();

// ---- values in and out ---------------------------------------------------------------------

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

fn texts<'a>(values: impl IntoIterator<Item = &'a String>) -> Value {
    Value::List(values.into_iter().map(|v| text(v.as_str())).collect())
}

fn map<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The `$entities` of a replacement: each entity once (the last given
/// wins), then a stub for each fact end that is not among them.
pub fn entity_params(entities: &[Entity], facts: &[Fact]) -> Vec<Value> {
    let mut last: HashMap<&str, &Entity> = HashMap::new();
    for e in entities {
        last.insert(&e.entity_id, e);
    }
    let mut written = BTreeSet::new();
    let mut out = Vec::new();
    for e in entities {
        if !std::ptr::eq(last[e.entity_id.as_str()], e) {
            continue;
        }
        written.insert(e.entity_id.as_str());
        let names: BTreeSet<String> = std::iter::once(&e.name)
            .chain(&e.aliases)
            .map(|n| canonical(n))
            .collect();
        out.push(map([
            ("id", text(e.entity_id.as_str())),
            ("kind", text(e.kind.as_str())),
            ("name", text(e.name.as_str())),
            ("aliases", texts(&e.aliases)),
            ("names", texts(&names)),
            ("stub", Value::Bool(false)),
        ]));
    }
    for end in facts.iter().flat_map(|f| [&f.from, &f.to]) {
        if written.insert(end.as_str()) {
            out.push(map([
                ("id", text(end.as_str())),
                ("kind", text("")),
                ("name", text("")),
                ("aliases", Value::List(Vec::new())),
                ("names", Value::List(Vec::new())),
                ("stub", Value::Bool(true)),
            ]));
        }
    }
    out
}

/// The `$facts` of a replacement, each with its position as `seq`.
pub fn fact_params(facts: &[Fact]) -> Vec<Value> {
    facts
        .iter()
        .enumerate()
        .map(|(seq, f)| {
            map([
                ("fact_id", text(f.fact_id.as_str())),
                ("from", text(f.from.as_str())),
                ("to", text(f.to.as_str())),
                ("relation", text(f.relation.as_str())),
                ("text", text(f.text.as_str())),
                ("valid_at", Value::Int(f.valid_at_us)),
                (
                    "invalid_at",
                    f.invalid_at_us.map_or(Value::Null, Value::Int),
                ),
                (
                    "memory_id",
                    f.memory_id.as_deref().map_or(Value::Null, text),
                ),
                ("episodes", texts(&f.source_episodes)),
                ("seq", Value::Int(seq as i64)),
            ])
        })
        .collect()
}

fn as_text(value: &Value, what: &str) -> Result<String, String> {
    match value {
        Value::Text(t) => Ok(t.clone()),
        other => Err(format!("{what} is {other:?}, not a string")),
    }
}

fn as_texts(value: &Value, what: &str) -> Result<Vec<String>, String> {
    match value {
        Value::List(items) => items.iter().map(|v| as_text(v, what)).collect(),
        other => Err(format!("{what} is {other:?}, not a list")),
    }
}

fn as_int(value: &Value, what: &str) -> Result<i64, String> {
    match value {
        Value::Int(i) => Ok(*i),
        other => Err(format!("{what} is {other:?}, not an integer")),
    }
}

/// Reads a fact of `scope` from the [`FACT_COLUMNS`] at the start of `row`.
pub fn fact_from(row: &[Value], scope: &Scope) -> Result<Fact, String> {
    let columns: &[Value; FACT_COLUMNS.len()] = row.try_into().map_err(|_| {
        format!(
            "a fact row has {} columns, not {}",
            row.len(),
            FACT_COLUMNS.len()
        )
    })?;
    let [
        id,
        from,
        to,
        relation,
        text,
        valid,
        invalid,
        memory,
        episodes,
    ] = columns;
    Ok(Fact {
        fact_id: as_text(id, "fact_id")?,
        scope: scope.clone(),
        from: as_text(from, "a fact's start")?,
        relation: as_text(relation, "relation")?,
        to: as_text(to, "a fact's end")?,
        text: as_text(text, "text")?,
        valid_at_us: as_int(valid, "valid_at")?,
        invalid_at_us: match invalid {
            Value::Null => None,
            v => Some(as_int(v, "invalid_at")?),
        },
        memory_id: match memory {
            Value::Null => None,
            v => Some(as_text(v, "memory_id")?),
        },
        source_episodes: as_texts(episodes, "episodes")?,
    })
}

/// Reads an entity from the [`ENTITY_COLUMNS`] of `row`; None for a stub.
pub fn entity_from(row: &[Value]) -> Result<Option<Entity>, String> {
    let [id, kind, name, aliases, stub] = row else {
        return Err(format!("an entity row has {} columns, not 5", row.len()));
    };
    if *stub == Value::Bool(true) {
        return Ok(None);
    }
    let kind = as_text(kind, "kind")?;
    Ok(Some(Entity {
        entity_id: as_text(id, "id")?,
        kind: EntityKind::parse(&kind).ok_or_else(|| format!("unknown kind {kind:?}"))?,
        name: as_text(name, "name")?,
        aliases: as_texts(aliases, "aliases")?,
    }))
}

/// The scope's parameters, every query's first two.
pub fn scope_params(scope: &Scope) -> Params {
    vec![
        ("tenant", text(scope.tenant.as_str())),
        ("user", text(scope.user.as_str())),
    ]
}

/// The parameters of [`replace_query`].
pub fn replace_params(scope: &Scope, entities: &[Entity], facts: &[Fact]) -> Params {
    let mut params = scope_params(scope);
    params.push(("entities", Value::List(entity_params(entities, facts))));
    params.push(("facts", Value::List(fact_params(facts))));
    params
}

// ---- the store -----------------------------------------------------------------------------

#[async_trait]
impl<S: CypherServer> GraphStore for CypherGraph<S> {
    async fn replace(
        &self,
        scope: &Scope,
        entities: &[Entity],
        facts: &[Fact],
    ) -> Result<(), BackendError> {
        ensure_facts_of(S::BACKEND, scope, facts)?;
        let params = replace_params(scope, entities, facts);
        self.server.run(replace_query(), params).await?;
        Ok(())
    }

    async fn find(&self, scope: &Scope, name: &str) -> Result<Option<Entity>, BackendError> {
        let mut params = scope_params(scope);
        params.push(("key", text(canonical(name))));
        let rows = self.server.run(find_query(), params).await?;
        match rows.first() {
            Some(row) => entity_from(row).map_err(|m| self.corrupt(m)),
            None => Ok(None),
        }
    }

    async fn neighbours(
        &self,
        scope: &Scope,
        entity_id: &str,
        depth: usize,
        window: Option<Window>,
    ) -> Result<Vec<Neighbour>, BackendError> {
        let mut seen = BTreeSet::from([entity_id.to_string()]);
        let mut frontier = vec![entity_id.to_string()];
        let mut out = Vec::new();
        for hop in 1..=depth {
            if frontier.is_empty() {
                break;
            }
            let mut params = scope_params(scope);
            params.push(("frontier", texts(&frontier)));
            if let Some((from, to)) = window {
                params.push(("from", Value::Int(from)));
                params.push(("to", Value::Int(to)));
            }
            let rows = self
                .server
                .run(step_query(window.is_some()), params)
                .await?;
            // Rows come in `seq` order; walk them by frontier node, in the
            // order the nodes were reached.
            let mut by_start: HashMap<String, Vec<(Fact, Option<Entity>)>> = HashMap::new();
            for row in &rows {
                let (start, rest) = row
                    .split_first()
                    .ok_or_else(|| self.corrupt("an empty row".into()))?;
                let start = as_text(start, "a walk's start").map_err(|m| self.corrupt(m))?;
                let (fact, entity) = rest.split_at(FACT_COLUMNS.len().min(rest.len()));
                let fact = fact_from(fact, scope).map_err(|m| self.corrupt(m))?;
                let entity = entity_from(entity).map_err(|m| self.corrupt(m))?;
                by_start.entry(start).or_default().push((fact, entity));
            }
            let mut next = Vec::new();
            for at in &frontier {
                for (fact, entity) in by_start.remove(at).into_iter().flatten() {
                    let other = if &fact.from == at {
                        &fact.to
                    } else {
                        &fact.from
                    };
                    if !seen.insert(other.clone()) {
                        continue;
                    }
                    next.push(other.clone());
                    if let Some(entity) = entity {
                        out.push(Neighbour {
                            entity,
                            depth: hop,
                            via: fact,
                        });
                    }
                }
            }
            frontier = next;
        }
        Ok(out)
    }

    async fn facts_as_of(
        &self,
        scope: &Scope,
        entity_id: &str,
        as_of_us: i64,
    ) -> Result<Vec<Fact>, BackendError> {
        let mut params = scope_params(scope);
        params.push(("id", text(entity_id)));
        params.push(("at", Value::Int(as_of_us)));
        self.server
            .run(facts_as_of_query(), params)
            .await?
            .iter()
            .map(|row| fact_from(row, scope).map_err(|m| self.corrupt(m)))
            .collect()
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        self.server.run(delete_query(), scope_params(scope)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `$names` `query` uses.
    fn params_of(query: &str) -> BTreeSet<String> {
        query
            .split('$')
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn every_query_is_scoped_and_takes_its_values_as_parameters() {
        let cases = [
            (
                replace_query(),
                set(&["tenant", "user", "entities", "facts"]),
            ),
            (find_query(), set(&["tenant", "user", "key"])),
            (step_query(false), set(&["tenant", "user", "frontier"])),
            (
                step_query(true),
                set(&["tenant", "user", "frontier", "from", "to"]),
            ),
            (facts_as_of_query(), set(&["tenant", "user", "id", "at"])),
            (delete_query(), set(&["tenant", "user"])),
        ];
        for (query, params) in cases {
            assert_eq!(params_of(&query), params, "{query}");
            assert!(
                query.contains("{tenant: $tenant, user: $user"),
                "unscoped: {query}"
            );
            // The only literal is the kind a find prefers.
            assert_eq!(
                query.replace("'User'", "").matches(['\'', '"']).count(),
                0,
                "{query}"
            );
        }
        assert!(
            step_query(false)
                .contains("WHERE a.id IN $frontier RETURN a.id AS c0, f.fact_id AS c1")
        );
        assert!(step_query(true).contains("f.invalid_at > $from"));
        assert!(step_query(true).contains(&format!("b.stub AS c{}", MAX_COLUMNS - 1)));
        assert!(find_query().contains("RETURN b.id AS c0, b.kind AS c1"));
        assert!(
            replace_query()
                .starts_with("MATCH (e:Entity {tenant: $tenant, user: $user}) DETACH DELETE e")
        );
    }

    fn ent(id: &str, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            entity_id: id.into(),
            kind: EntityKind::Person,
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// A fact of t1/alice from `from` to `to`.
    pub(crate) fn fact(from: &str, to: &str) -> Fact {
        Fact {
            fact_id: format!("{from}-{to}"),
            scope: Scope::parse("t1", "alice").unwrap(),
            from: from.into(),
            relation: "KNOWS".into(),
            to: to.into(),
            text: "it's \"quoted\"".into(),
            valid_at_us: 10,
            invalid_at_us: None,
            memory_id: Some("m1".into()),
            source_episodes: vec!["ep".into()],
        }
    }

    fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
        match v {
            Value::Map(m) => &m[key],
            other => panic!("{other:?} is not a map"),
        }
    }

    #[test]
    fn entities_are_written_once_with_stubs_for_loose_ends() {
        let entities = [
            ent("e-ana", "Ana", &[]),
            ent("e-ana", "Ana Souza", &["ANA", "Anà"]),
        ];
        let rows = entity_params(&entities, &[fact("e-ana", "e-lost")]);
        assert_eq!(rows.len(), 2);
        assert_eq!(field(&rows[0], "name"), &text("Ana Souza"));
        assert_eq!(
            field(&rows[0], "names"),
            &Value::List(vec![text("ana"), text("ana souza")])
        );
        assert_eq!(field(&rows[1], "id"), &text("e-lost"));
        assert_eq!(field(&rows[1], "stub"), &Value::Bool(true));
        assert_eq!(field(&rows[1], "names"), &Value::List(vec![]));
    }

    #[test]
    fn facts_go_out_and_come_back_whole() {
        let mut open = fact("e-a", "e-b");
        open.memory_id = None;
        let mut closed = fact("e-b", "e-c");
        closed.invalid_at_us = Some(50);
        let rows = fact_params(&[open.clone(), closed.clone()]);
        assert_eq!(field(&rows[1], "seq"), &Value::Int(1));
        assert_eq!(field(&rows[0], "invalid_at"), &Value::Null);
        for (row, want) in rows.iter().zip([open, closed]) {
            // As the server answers the fact columns.
            let back: Vec<Value> = [
                "fact_id",
                "from",
                "to",
                "relation",
                "text",
                "valid_at",
                "invalid_at",
                "memory_id",
                "episodes",
            ]
            .iter()
            .map(|k| field(row, k).clone())
            .collect();
            assert_eq!(fact_from(&back, &want.scope).unwrap(), want);
        }
        assert!(fact_from(&[text("x")], &fact("a", "b").scope).is_err());
    }

    #[test]
    fn stubs_are_never_read_back_as_entities() {
        let row = [
            text("e-x"),
            text(""),
            text(""),
            Value::List(vec![]),
            Value::Bool(true),
        ];
        assert_eq!(entity_from(&row).unwrap(), None);
        let row = [
            text("e-x"),
            text("Place"),
            text("Porto"),
            Value::List(vec![text("Oporto")]),
            Value::Bool(false),
        ];
        let e = entity_from(&row).unwrap().unwrap();
        assert_eq!(
            (e.kind, e.aliases),
            (EntityKind::Place, vec!["Oporto".into()])
        );
        let mut bad = row.clone();
        bad[1] = text("Planet");
        assert!(entity_from(&bad).unwrap_err().contains("Planet"));
    }
}
