//! The graph store on Neo4j 5: the Cypher of [`super::cypher`] over Bolt,
//! through the `neo4rs` driver, for users who already run Neo4j.
//!
//! The queries, their parameters and the graph's shape are exactly
//! FalkorDB's (one module writes them), so either server holds the same
//! graph. Neo4j runs each auto-committed query in its own transaction: a
//! replacement is seen whole or not at all. The driver's pool connects on
//! first use, so opening the store needs no server; a server that cannot
//! be reached is a [`BackendError::Unavailable`] naming the URL (without
//! its password).
//!
//! No Bolt server runs on the machines twinlake is tested on, so the tests
//! here stop at what is sent (the query text, each parameter as a Bolt
//! value) and how rows are read back; the same Cypher passes the graph
//! contract suite on FalkorDB.
//!
//! URL: `neo4j://user:password@host[:port][/database]` (also `neo4j+s`,
//! `bolt`, `bolt+s`; port 7687 by default; the server's default database
//! when none is named).

use std::fmt;

use async_trait::async_trait;
use neo4rs::{
    BoltBoolean, BoltInteger, BoltList, BoltMap, BoltNull, BoltString, BoltType, ConfigBuilder,
    Graph, Query, Row,
};
use tokio::sync::OnceCell;
use twinlake_core::backend::BackendError;

use super::cypher::{CypherGraph, CypherServer, MAX_COLUMNS, Params, Value};
use crate::server_url::ServerUrl;

const BACKEND: &str = "neo4j";

/// The Bolt port, used when the URL names none.
const DEFAULT_PORT: u16 = 7687;

/// The graph store on a Neo4j server.
pub type Neo4jGraph = CypherGraph<Neo4jServer>;

/// A Neo4j server (and database) holding twinlake's entities.
pub struct Neo4jServer {
    /// The URL as configured, without its password: what errors name.
    url: String,
    /// The driver (its pool connects on first use).
    graph: Graph,
    /// Set once the scope index exists.
    indexed: OnceCell<()>,
}

impl fmt::Debug for Neo4jServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Neo4jServer")
            .field("url", &self.url)
            .finish()
    }
}

/// What a Neo4j URL names: the driver's URI, user, password and database,
/// and the URL to show.
#[derive(Debug, PartialEq)]
struct Target {
    uri: String,
    user: String,
    password: String,
    database: Option<String>,
    shown: String,
}

fn parse_url(url: &str) -> Result<Target, BackendError> {
    let schemes = ["neo4j", "neo4j+s", "bolt", "bolt+s"];
    let parsed = ServerUrl::parse(BACKEND, url, &schemes, DEFAULT_PORT)?;
    parsed.no_query()?;
    let user = match parsed.url.username() {
        "" => "neo4j",
        u => u,
    };
    Ok(Target {
        uri: format!("{}://{}:{}", parsed.url.scheme(), parsed.host, parsed.port),
        user: user.to_string(),
        password: parsed.url.password().unwrap_or_default().to_string(),
        database: parsed.name("database", ".-")?,
        shown: parsed.shown(),
    })
}

/// Creates the index every scoped lookup uses, unless it exists.
fn index_query() -> &'static str {
    "CREATE INDEX twinlake_entity_scope IF NOT EXISTS FOR (e:Entity) ON (e.tenant, e.user, e.id)"
}

// ---- values in and out ---------------------------------------------------------------------

/// A parameter as Bolt carries it.
fn to_bolt(value: Value) -> BoltType {
    match value {
        Value::Null => BoltType::Null(BoltNull),
        Value::Bool(b) => BoltType::Boolean(BoltBoolean::new(b)),
        Value::Int(i) => BoltType::Integer(BoltInteger::new(i)),
        Value::Text(t) => BoltType::String(BoltString::from(t)),
        Value::List(items) => BoltType::List(BoltList {
            value: items.into_iter().map(to_bolt).collect(),
        }),
        Value::Map(m) => BoltType::Map(BoltMap {
            value: m
                .into_iter()
                .map(|(k, v)| (BoltString::from(k), to_bolt(v)))
                .collect(),
        }),
    }
}

/// A returned column; None for a type twinlake never stores.
fn from_bolt(value: BoltType) -> Option<Value> {
    Some(match value {
        BoltType::Null(_) => Value::Null,
        BoltType::Boolean(b) => Value::Bool(b.value),
        BoltType::Integer(i) => Value::Int(i.value),
        BoltType::String(s) => Value::Text(s.value),
        BoltType::List(l) => {
            Value::List(l.value.into_iter().map(from_bolt).collect::<Option<_>>()?)
        }
        BoltType::Map(m) => Value::Map(
            m.value
                .into_iter()
                .map(|(k, v)| Some((k.value, from_bolt(v)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// The driver's query for `query` with `params`.
fn query_of(query: String, params: Params) -> Query {
    params
        .into_iter()
        .fold(Query::new(query), |q, (key, value)| {
            q.param(key, to_bolt(value))
        })
}

/// A row's columns `c0, c1, ...` in order.
fn columns_of(row: &Row) -> Result<Vec<Value>, String> {
    let count = row.keys().len();
    if count > MAX_COLUMNS {
        return Err(format!("a row has {count} columns"));
    }
    (0..count)
        .map(|i| {
            let key = format!("c{i}");
            let value: BoltType = row.get(&key).map_err(|e| format!("column {key}: {e}"))?;
            let shown = format!("{value:?}");
            from_bolt(value).ok_or_else(|| format!("column {key}: unexpected {shown}"))
        })
        .collect()
}

// ---- the server ----------------------------------------------------------------------------

impl Neo4jGraph {
    /// The graph a `neo4j://user:password@host:port[/database]` URL names.
    /// Nothing is connected until the first call.
    pub fn at(url: &str) -> Result<Self, BackendError> {
        let target = parse_url(url)?;
        let mut config = ConfigBuilder::default()
            .uri(target.uri.as_str())
            .user(target.user.as_str())
            .password(target.password.as_str());
        if let Some(db) = &target.database {
            config = config.db(db.as_str());
        }
        let unavailable = |e: neo4rs::Error| BackendError::Unavailable {
            backend: BACKEND,
            url: target.shown.clone(),
            message: e.to_string(),
        };
        let graph = Graph::connect(config.build().map_err(unavailable)?).map_err(unavailable)?;
        Ok(CypherGraph::new(Neo4jServer {
            url: target.shown.clone(),
            graph,
            indexed: OnceCell::new(),
        }))
    }
}

impl Neo4jServer {
    /// A driver error: a connection's is [`BackendError::Unavailable`].
    fn failed(&self, e: neo4rs::Error) -> BackendError {
        match e {
            neo4rs::Error::IOError { .. }
            | neo4rs::Error::ConnectionError
            | neo4rs::Error::AuthenticationError(_) => BackendError::Unavailable {
                backend: BACKEND,
                url: self.url.clone(),
                message: e.to_string(),
            },
            other => BackendError::engine(BACKEND, format!("{}: {other}", self.url)),
        }
    }
}

#[async_trait]
impl CypherServer for Neo4jServer {
    const BACKEND: &'static str = BACKEND;

    async fn run(&self, query: String, params: Params) -> Result<Vec<Vec<Value>>, BackendError> {
        self.indexed
            .get_or_try_init(|| async {
                self.graph
                    .run(Query::new(index_query().to_string()))
                    .await
                    .map(|_| ())
                    .map_err(|e| self.failed(e))
            })
            .await?;
        let mut rows = self
            .graph
            .execute(query_of(query, params))
            .await
            .map_err(|e| self.failed(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().await.map_err(|e| self.failed(e))? {
            out.push(columns_of(&row).map_err(|message| BackendError::Corrupt {
                backend: BACKEND,
                location: self.location(),
                message,
            })?);
        }
        Ok(out)
    }

    fn location(&self) -> String {
        self.url.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::cypher::{self, replace_params};
    use twinlake_core::Scope;
    use twinlake_core::memory::{Entity, EntityKind, Fact};

    #[test]
    fn urls_name_the_server_the_database_and_hide_the_password() {
        let t = parse_url("neo4j://twin:s3cret@graph.internal/team-a").unwrap();
        assert_eq!(
            (t.uri.as_str(), t.user.as_str(), t.password.as_str()),
            ("neo4j://graph.internal:7687", "twin", "s3cret")
        );
        assert_eq!(t.database.as_deref(), Some("team-a"));
        assert!(!t.shown.contains("s3cret"), "{}", t.shown);
        let t = parse_url("bolt://127.0.0.1:7688").unwrap();
        assert_eq!(
            (t.uri.as_str(), t.user.as_str()),
            ("bolt://127.0.0.1:7688", "neo4j")
        );
        assert_eq!(t.database, None);
        for bad in [
            "http://h:1",
            "neo4j:///db",
            "neo4j://h/a/b",
            "neo4j://h/db?x=1",
            "neo4j://h/d%20b",
        ] {
            assert!(parse_url(bad).is_err(), "{bad} was accepted");
        }
        // Opening connects to nothing.
        let store = Neo4jGraph::at("neo4j://u:p@127.0.0.1:1").unwrap();
        assert!(!format!("{:?}", store.server()).contains(":p@"));
    }

    fn bolt_field<'a>(map: &'a BoltType, key: &str) -> &'a BoltType {
        match map {
            BoltType::Map(m) => &m.value[&BoltString::from(key)],
            other => panic!("{other:?} is not a map"),
        }
    }

    #[test]
    fn a_replacement_sends_the_shared_cypher_with_bolt_values() {
        let scope = Scope::parse("t1", "alice").unwrap();
        let entities = [Entity {
            entity_id: "e-ana".into(),
            kind: EntityKind::Person,
            name: "Ana".into(),
            aliases: vec!["Anà".into()],
        }];
        let fact = Fact {
            fact_id: "f1".into(),
            scope: scope.clone(),
            from: "e-ana".into(),
            relation: "LIVES_IN".into(),
            to: "e-porto".into(),
            text: "Ana lives in \"Porto\"".into(),
            valid_at_us: 10,
            invalid_at_us: None,
            memory_id: None,
            source_episodes: vec!["ep1".into()],
        };
        let q = query_of(
            cypher::replace_query(),
            replace_params(&scope, &entities, std::slice::from_ref(&fact)),
        );
        assert_eq!(q.query(), cypher::replace_query());
        for key in ["tenant", "user", "entities", "facts"] {
            assert!(q.has_param_key(key), "{key}");
        }
        let params = q.get_params();
        assert_eq!(
            params.value[&BoltString::from("user")],
            BoltType::String(BoltString::from("alice"))
        );
        let BoltType::List(entities) = &params.value[&BoltString::from("entities")] else {
            panic!("entities is not a list");
        };
        // Ana, then a stub for the fact's loose end.
        assert_eq!(entities.len(), 2);
        assert_eq!(
            bolt_field(&entities.value[0], "names"),
            // Canonical forms, once each: "Ana" and "Anà" are both "ana".
            &BoltType::List(BoltList {
                value: vec![BoltType::String("ana".into())]
            })
        );
        assert_eq!(
            bolt_field(&entities.value[1], "stub"),
            &BoltType::Boolean(BoltBoolean::new(true))
        );
        let BoltType::List(facts) = &params.value[&BoltString::from("facts")] else {
            panic!("facts is not a list");
        };
        let f = &facts.value[0];
        assert_eq!(bolt_field(f, "invalid_at"), &BoltType::Null(BoltNull));
        assert_eq!(
            bolt_field(f, "valid_at"),
            &BoltType::Integer(BoltInteger::new(10))
        );
        assert_eq!(
            bolt_field(f, "text"),
            &BoltType::String("Ana lives in \"Porto\"".into())
        );
        assert!(index_query().contains("IF NOT EXISTS"));
    }

    #[test]
    fn rows_are_read_by_column_name_in_order() {
        let fields = BoltList {
            value: ["c1", "c0", "c4", "c3", "c2"]
                .iter()
                .map(|k| BoltType::String((*k).into()))
                .collect(),
        };
        let data = BoltList {
            value: vec![
                BoltType::String("Place".into()),
                BoltType::String("e-porto".into()),
                BoltType::Boolean(BoltBoolean::new(false)),
                BoltType::List(BoltList {
                    value: vec![BoltType::String("Oporto".into())],
                }),
                BoltType::String("Porto".into()),
            ],
        };
        let row = Row::new(fields, data);
        let columns = columns_of(&row).unwrap();
        let entity = cypher::entity_from(&columns).unwrap().unwrap();
        assert_eq!(
            (entity.entity_id.as_str(), entity.kind, entity.name.as_str()),
            ("e-porto", EntityKind::Place, "Porto")
        );
        assert_eq!(entity.aliases, ["Oporto"]);
        let odd = Row::new(
            BoltList {
                value: vec![BoltType::String("c0".into())],
            },
            BoltList {
                value: vec![BoltType::Float(neo4rs::BoltFloat::new(1.5))],
            },
        );
        assert!(columns_of(&odd).unwrap_err().contains("c0"));
    }
}
