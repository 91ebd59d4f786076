//! The graph store on a FalkorDB server: Cypher over the Redis protocol,
//! through the `falkordb` crate's async client.
//!
//! Each user's graph is a subgraph of one FalkorDB graph (`twinlake` unless
//! the URL names another): an entity is an `:Entity` node keyed by
//! `(tenant, user, id)`, so two members who know one person hold two
//! nodes with the one entity id the tenant derives for that person, and a
//! fact is a `:FACT` edge between two nodes of the same scope, carrying its
//! relation, text, validity (`valid_at`, `invalid_at`, µs), memory, source
//! episodes and `seq`, its position in the list it was written with. Every
//! query pins `tenant` and `user`, so a user walks only their own facts.
//!
//! - [`GraphStore::replace`] is one query: it detaches and deletes the
//!   scope's nodes, then creates the new ones and the facts between them.
//!   FalkorDB runs each query alone, so a reader sees the old graph or the
//!   new one, never a mix. A fact whose end is not among the entities gets
//!   a nameless stub node (`stub: true`): walks cross it, as the embedded
//!   store's do, but it is never found or returned.
//! - [`GraphStore::find`] matches the canonical form of the name (see
//!   [`canonical`]) against `names`, the canonical forms of the entity's
//!   name and aliases computed on write, so the match ignores case and
//!   accents exactly as the embedded store's does.
//! - [`GraphStore::neighbours`] walks breadth first, one query per hop from
//!   the whole frontier, in `seq` order, so it returns what the embedded
//!   store returns, in the same order.
//!
//! Every value travels as a query parameter (the crate encodes it as an
//! escaped Cypher literal); the query texts are fixed, built by the small
//! functions below. The client connects on first use, so opening the
//! store needs no server; a server that cannot be reached is a
//! [`BackendError::Unavailable`] naming the URL.
//!
//! URL: `falkordb://[:password@]host[:port][/graph]` (port 6379 by default).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

use ::falkordb::{
    AsyncGraph, FalkorClientBuilder, FalkorConnectionInfo, FalkorDBError, FalkorValue,
};
use async_trait::async_trait;
use tokio::sync::OnceCell;
use twinlake_core::Scope;
use twinlake_core::backend::graph::{Neighbour, Window, ensure_facts_of};
use twinlake_core::backend::{BackendError, GraphStore};
use twinlake_core::memory::{Entity, EntityKind, Fact};
use twinlake_udfs::extract::canonical;

const BACKEND: &str = "falkordb";

/// The graph used when the URL names none.
pub const DEFAULT_GRAPH: &str = "twinlake";

/// The Redis port, used when the URL names none.
const DEFAULT_PORT: u16 = 6379;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one query may take to answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The graph on a FalkorDB server.
pub struct FalkorGraph {
    /// The URL as configured, without its password: what errors name.
    url: String,
    /// Where the client connects (`redis://...`).
    server: String,
    /// The FalkorDB graph (a Redis key).
    name: String,
    /// The graph handle, once connected.
    graph: OnceCell<AsyncGraph>,
}

impl fmt::Debug for FalkorGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FalkorGraph")
            .field("url", &self.url)
            .field("graph", &self.name)
            .field("connected", &self.graph.initialized())
            .finish()
    }
}

/// The parts of a `falkordb://` URL: the server's `redis://` URL, the graph
/// name, and the URL to show (without its password).
fn parse_url(url: &str) -> Result<(String, String, String), BackendError> {
    let bad = |message: String| BackendError::engine(BACKEND, format!("{url}: {message}"));
    let mut parsed = url::Url::parse(url).map_err(|e| bad(format!("bad url: {e}")))?;
    if parsed.scheme() != "falkordb" {
        return Err(bad("the scheme must be falkordb://".into()));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host".into()))?
        .to_string();
    let port = parsed.port().unwrap_or(DEFAULT_PORT);
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("a query or fragment means nothing here".into()));
    }
    let name = match parsed.path().trim_start_matches('/') {
        "" => DEFAULT_GRAPH.to_string(),
        name if valid_graph_name(name) => name.to_string(),
        name => {
            return Err(bad(format!(
                "graph {name:?}: use letters, digits, '_', '-', '.' and ':'"
            )));
        }
    };
    let auth = match (parsed.username(), parsed.password()) {
        ("", None) => String::new(),
        (user, None) => format!("{user}@"),
        (user, Some(password)) => format!("{user}:{password}@"),
    };
    let server = format!("redis://{auth}{host}:{port}");
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    Ok((server, name, parsed.to_string()))
}

/// Whether `name` is a graph name this store accepts.
fn valid_graph_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
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

/// The columns a fact `f` is read back from, in [`fact_from`]'s order.
fn fact_columns() -> &'static str {
    "f.fact_id, startNode(f).id, endNode(f).id, f.relation, f.text, \
     f.valid_at, f.invalid_at, f.memory_id, f.episodes"
}

/// The number of columns [`fact_columns`] lists.
const FACT_COLUMNS: usize = 9;

/// The columns an entity `b` is read back from, in [`entity_from`]'s order.
fn entity_columns() -> &'static str {
    "b.id, b.kind, b.name, b.aliases, b.stub"
}

/// Creates the index every scoped lookup uses (an error when it exists).
fn index_query() -> String {
    "CREATE INDEX FOR (e:Entity) ON (e.user, e.id)".to_string()
}

/// Replaces the scope's subgraph: deletes its nodes (and so its facts),
/// creates `$entities`, then links them by `$facts`, in one query.
fn replace_query() -> String {
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
fn find_query() -> String {
    format!(
        "MATCH {b} WHERE $key IN b.names \
         RETURN {columns} \
         ORDER BY CASE WHEN b.kind = 'User' THEN 0 ELSE 1 END, b.id LIMIT 1",
        b = scoped_node("b", ""),
        columns = entity_columns(),
    )
}

/// One hop of a walk: every fact (within `[$from, $to]` when `windowed`)
/// from a node of `$frontier` to another node, with the node it starts
/// from, in `seq` order.
fn step_query(windowed: bool) -> String {
    let window = if windowed {
        " AND f.valid_at <= $to AND (f.invalid_at IS NULL OR f.invalid_at > $from)"
    } else {
        ""
    };
    format!(
        "MATCH {a}-[f:FACT]-(b:Entity) WHERE a.id IN $frontier{window} \
         RETURN a.id, {facts}, {entities} ORDER BY f.seq",
        a = scoped_node("a", ""),
        facts = fact_columns(),
        entities = entity_columns(),
    )
}

/// The facts touching `$id` that held at `$at`, in `seq` order.
fn facts_as_of_query() -> String {
    format!(
        "MATCH {a}-[f:FACT]-(:Entity) \
         WHERE f.valid_at <= $at AND (f.invalid_at IS NULL OR $at < f.invalid_at) \
         RETURN {facts} ORDER BY f.seq",
        a = scoped_node("a", "id: $id"),
        facts = fact_columns(),
    )
}

/// Deletes the scope's nodes and so its facts.
fn delete_query() -> String {
    format!("MATCH {e} DETACH DELETE e", e = scoped_node("e", ""))
}

// ---- values in and out ---------------------------------------------------------------------

fn text(value: impl Into<String>) -> FalkorValue {
    FalkorValue::String(value.into())
}

fn texts<'a>(values: impl IntoIterator<Item = &'a String>) -> FalkorValue {
    FalkorValue::Array(values.into_iter().map(|v| text(v.as_str())).collect())
}

/// The `$entities` of a replacement: each entity once (the last given
/// wins), then a stub for each fact end that is not among them.
fn entity_params(entities: &[Entity], facts: &[Fact]) -> Vec<FalkorValue> {
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
        out.push(FalkorValue::Map(HashMap::from([
            ("id".to_string(), text(e.entity_id.as_str())),
            ("kind".to_string(), text(e.kind.as_str())),
            ("name".to_string(), text(e.name.as_str())),
            ("aliases".to_string(), texts(&e.aliases)),
            ("names".to_string(), texts(&names)),
            ("stub".to_string(), FalkorValue::Bool(false)),
        ])));
    }
    for end in facts.iter().flat_map(|f| [&f.from, &f.to]) {
        if written.insert(end.as_str()) {
            out.push(FalkorValue::Map(HashMap::from([
                ("id".to_string(), text(end.as_str())),
                ("kind".to_string(), text("")),
                ("name".to_string(), text("")),
                ("aliases".to_string(), FalkorValue::Array(Vec::new())),
                ("names".to_string(), FalkorValue::Array(Vec::new())),
                ("stub".to_string(), FalkorValue::Bool(true)),
            ])));
        }
    }
    out
}

/// The `$facts` of a replacement, each with its position as `seq`.
fn fact_params(facts: &[Fact]) -> Vec<FalkorValue> {
    facts
        .iter()
        .enumerate()
        .map(|(seq, f)| {
            let optional = |v: Option<FalkorValue>| v.unwrap_or(FalkorValue::None);
            FalkorValue::Map(HashMap::from([
                ("fact_id".to_string(), text(f.fact_id.as_str())),
                ("from".to_string(), text(f.from.as_str())),
                ("to".to_string(), text(f.to.as_str())),
                ("relation".to_string(), text(f.relation.as_str())),
                ("text".to_string(), text(f.text.as_str())),
                ("valid_at".to_string(), FalkorValue::I64(f.valid_at_us)),
                (
                    "invalid_at".to_string(),
                    optional(f.invalid_at_us.map(FalkorValue::I64)),
                ),
                (
                    "memory_id".to_string(),
                    optional(f.memory_id.as_deref().map(text)),
                ),
                ("episodes".to_string(), texts(&f.source_episodes)),
                ("seq".to_string(), FalkorValue::I64(seq as i64)),
            ]))
        })
        .collect()
}

fn as_text(value: &FalkorValue, what: &str) -> Result<String, String> {
    value
        .as_string()
        .cloned()
        .ok_or_else(|| format!("{what} is {value:?}, not a string"))
}

fn as_texts(value: &FalkorValue, what: &str) -> Result<Vec<String>, String> {
    value
        .as_vec()
        .ok_or_else(|| format!("{what} is {value:?}, not a list"))?
        .iter()
        .map(|v| as_text(v, what))
        .collect()
}

fn as_int(value: &FalkorValue, what: &str) -> Result<i64, String> {
    value
        .to_i64()
        .ok_or_else(|| format!("{what} is {value:?}, not an integer"))
}

/// Reads a fact of `scope` from the [`fact_columns`] at the start of `row`.
fn fact_from(row: &[FalkorValue], scope: &Scope) -> Result<Fact, String> {
    let columns: &[FalkorValue; FACT_COLUMNS] = row
        .try_into()
        .map_err(|_| format!("a fact row has {} columns, not {FACT_COLUMNS}", row.len()))?;
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
            FalkorValue::None => None,
            v => Some(as_int(v, "invalid_at")?),
        },
        memory_id: match memory {
            FalkorValue::None => None,
            v => Some(as_text(v, "memory_id")?),
        },
        source_episodes: as_texts(episodes, "episodes")?,
    })
}

/// Reads an entity from the [`entity_columns`] of `row`; None for a stub.
fn entity_from(row: &[FalkorValue]) -> Result<Option<Entity>, String> {
    let [id, kind, name, aliases, stub] = row else {
        return Err(format!("an entity row has {} columns, not 5", row.len()));
    };
    if stub.to_bool() == Some(true) {
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
fn scope_params(scope: &Scope) -> Vec<(&'static str, FalkorValue)> {
    vec![
        ("tenant", text(scope.tenant.as_str())),
        ("user", text(scope.user.as_str())),
    ]
}

// ---- the store -----------------------------------------------------------------------------

impl FalkorGraph {
    /// The graph a `falkordb://host:port[/graph]` URL names. Nothing is
    /// connected until the first call.
    pub fn new(url: &str) -> Result<Self, BackendError> {
        let (server, name, shown) = parse_url(url)?;
        Ok(FalkorGraph {
            url: shown,
            server,
            name,
            graph: OnceCell::new(),
        })
    }

    /// The FalkorDB graph (the Redis key) this store keeps its data in.
    pub fn graph_name(&self) -> &str {
        &self.name
    }

    fn unavailable(&self, e: impl fmt::Display) -> BackendError {
        BackendError::Unavailable {
            backend: BACKEND,
            url: self.url.clone(),
            message: e.to_string(),
        }
    }

    /// A query failure: the connection's are [`BackendError::Unavailable`].
    fn failed(&self, e: FalkorDBError) -> BackendError {
        match e {
            FalkorDBError::ConnectionDown | FalkorDBError::NoConnection => self.unavailable(e),
            other => BackendError::engine(BACKEND, format!("graph {}: {other}", self.name)),
        }
    }

    fn corrupt(&self, message: String) -> BackendError {
        BackendError::Corrupt {
            backend: BACKEND,
            location: format!("{} (graph {})", self.url, self.name),
            message,
        }
    }

    /// The graph, connecting (and creating its index) on first use.
    async fn graph(&self) -> Result<AsyncGraph, BackendError> {
        self.graph
            .get_or_try_init(|| async {
                let info = FalkorConnectionInfo::try_from(self.server.as_str())
                    .map_err(|e| self.unavailable(e))?;
                let client = FalkorClientBuilder::new_async()
                    .with_connection_info(info)
                    .with_connect_timeout(Some(CONNECT_TIMEOUT))
                    .with_response_timeout(Some(RESPONSE_TIMEOUT))
                    .build()
                    .await
                    .map_err(|e| self.unavailable(e))?;
                let mut graph = client.select_graph(&self.name);
                match graph.query(index_query()).execute().await {
                    Ok(_) => {}
                    // Another process (or an earlier run) made it.
                    Err(FalkorDBError::RedisError(m)) if m.contains("already indexed") => {}
                    Err(e) => return Err(self.failed(e)),
                }
                Ok(graph)
            })
            .await
            .cloned()
    }

    /// Runs `query` with `params`, returning its rows' values in column
    /// order.
    async fn run(
        &self,
        query: String,
        params: Vec<(&'static str, FalkorValue)>,
    ) -> Result<Vec<Vec<FalkorValue>>, BackendError> {
        let mut graph = self.graph().await?;
        let mut builder = graph.query(query);
        for (key, value) in params {
            builder = builder.with_param(key, value);
        }
        let result = builder.execute().await.map_err(|e| self.failed(e))?;
        result
            .data
            .into_values_lossy()
            .map(|row| match row.as_slice() {
                [FalkorValue::Unparseable(message)] => Err(self.corrupt(message.clone())),
                _ => Ok(row),
            })
            .collect()
    }
}

#[async_trait]
impl GraphStore for FalkorGraph {
    async fn replace(
        &self,
        scope: &Scope,
        entities: &[Entity],
        facts: &[Fact],
    ) -> Result<(), BackendError> {
        ensure_facts_of(BACKEND, scope, facts)?;
        let mut params = scope_params(scope);
        params.push((
            "entities",
            FalkorValue::Array(entity_params(entities, facts)),
        ));
        params.push(("facts", FalkorValue::Array(fact_params(facts))));
        self.run(replace_query(), params).await?;
        Ok(())
    }

    async fn find(&self, scope: &Scope, name: &str) -> Result<Option<Entity>, BackendError> {
        let mut params = scope_params(scope);
        params.push(("key", text(canonical(name))));
        let rows = self.run(find_query(), params).await?;
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
                params.push(("from", FalkorValue::I64(from)));
                params.push(("to", FalkorValue::I64(to)));
            }
            let rows = self.run(step_query(window.is_some()), params).await?;
            // Rows come in `seq` order; walk them by frontier node, in the
            // order the nodes were reached.
            let mut by_start: HashMap<String, Vec<(Fact, Option<Entity>)>> = HashMap::new();
            for row in &rows {
                let (start, rest) = row
                    .split_first()
                    .ok_or_else(|| self.corrupt("an empty row".into()))?;
                let start = as_text(start, "a walk's start").map_err(|m| self.corrupt(m))?;
                let (fact, entity) = rest.split_at(FACT_COLUMNS.min(rest.len()));
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
        params.push(("at", FalkorValue::I64(as_of_us)));
        self.run(facts_as_of_query(), params)
            .await?
            .iter()
            .map(|row| fact_from(row, scope).map_err(|m| self.corrupt(m)))
            .collect()
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        self.run(delete_query(), scope_params(scope)).await?;
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
    fn urls_name_the_server_and_the_graph() {
        let (server, name, shown) = parse_url("falkordb://127.0.0.1:6380").unwrap();
        assert_eq!(
            (server.as_str(), name.as_str()),
            ("redis://127.0.0.1:6380", DEFAULT_GRAPH)
        );
        assert_eq!(shown, "falkordb://127.0.0.1:6380");
        let (server, name, _) = parse_url("falkordb://graphs.internal/team-a").unwrap();
        assert_eq!(
            (server.as_str(), name.as_str()),
            ("redis://graphs.internal:6379", "team-a")
        );
        let (server, _, shown) = parse_url("falkordb://:hunter2@h:1/g").unwrap();
        assert_eq!(server, "redis://:hunter2@h:1");
        assert!(!shown.contains("hunter2"), "{shown}");
        for bad in [
            "redis://h:1",
            "falkordb:///g",
            "falkordb://h/a/b",
            "falkordb://h/g?x=1",
            "falkordb://h/g%20h",
        ] {
            assert!(parse_url(bad).is_err(), "{bad} was accepted");
        }
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
        assert!(step_query(false).contains("WHERE a.id IN $frontier RETURN"));
        assert!(step_query(true).contains("f.invalid_at > $from"));
        assert!(
            replace_query()
                .starts_with("MATCH (e:Entity {tenant: $tenant, user: $user}) DETACH DELETE e")
        );
        assert!(params_of(&index_query()).is_empty());
    }

    fn ent(id: &str, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            entity_id: id.into(),
            kind: EntityKind::Person,
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn fact(from: &str, to: &str) -> Fact {
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

    fn field<'a>(v: &'a FalkorValue, key: &str) -> &'a FalkorValue {
        &v.as_map().unwrap()[key]
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
            &FalkorValue::Array(vec![text("ana"), text("ana souza")])
        );
        assert_eq!(field(&rows[1], "id"), &text("e-lost"));
        assert_eq!(field(&rows[1], "stub"), &FalkorValue::Bool(true));
        assert_eq!(field(&rows[1], "names"), &FalkorValue::Array(vec![]));
    }

    #[test]
    fn facts_go_out_and_come_back_whole() {
        let mut open = fact("e-a", "e-b");
        open.memory_id = None;
        let mut closed = fact("e-b", "e-c");
        closed.invalid_at_us = Some(50);
        let rows = fact_params(&[open.clone(), closed.clone()]);
        assert_eq!(field(&rows[1], "seq"), &FalkorValue::I64(1));
        assert_eq!(field(&rows[0], "invalid_at"), &FalkorValue::None);
        for (row, want) in rows.iter().zip([open, closed]) {
            // As the server answers fact_columns().
            let back: Vec<FalkorValue> = [
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
            FalkorValue::Array(vec![]),
            FalkorValue::Bool(true),
        ];
        assert_eq!(entity_from(&row).unwrap(), None);
        let row = [
            text("e-x"),
            text("Place"),
            text("Porto"),
            FalkorValue::Array(vec![text("Oporto")]),
            FalkorValue::Bool(false),
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
