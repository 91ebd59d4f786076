//! The graph store on a FalkorDB server: the Cypher of [`super::cypher`]
//! over the Redis protocol, through the `falkordb` crate's async client.
//!
//! Every user's graph lives in one FalkorDB graph (`twinlake` unless the
//! URL names another), in the shape [`super::cypher`] describes. FalkorDB
//! runs each query alone, so a replacement is seen whole or not at all.
//! Every value travels as a query parameter (the crate encodes it as an
//! escaped Cypher literal). The client connects on first use, so opening
//! the store needs no server; a server that cannot be reached is a
//! [`BackendError::Unavailable`] naming the URL.
//!
//! URL: `falkordb://[:password@]host[:port][/graph]` (port 6379 by default).

use std::fmt;
use std::time::Duration;

use ::falkordb::{
    AsyncGraph, FalkorClientBuilder, FalkorConnectionInfo, FalkorDBError, FalkorValue,
};
use async_trait::async_trait;
use tokio::sync::OnceCell;
use twinlake_core::backend::BackendError;

use super::cypher::{CypherGraph, CypherServer, Params, Value};
use crate::server_url::ServerUrl;

const BACKEND: &str = "falkordb";

/// The graph used when the URL names none.
pub const DEFAULT_GRAPH: &str = "twinlake";

/// The Redis port, used when the URL names none.
const DEFAULT_PORT: u16 = 6379;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one query may take to answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The graph store on a FalkorDB server.
pub type FalkorGraph = CypherGraph<FalkorServer>;

/// A FalkorDB server and the graph on it that holds twinlake's entities.
pub struct FalkorServer {
    /// The URL as configured, without its password: what errors name.
    url: String,
    /// Where the client connects (`redis://...`).
    server: String,
    /// The FalkorDB graph (a Redis key).
    name: String,
    /// The graph handle, once connected.
    graph: OnceCell<AsyncGraph>,
}

impl fmt::Debug for FalkorServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FalkorServer")
            .field("url", &self.url)
            .field("graph", &self.name)
            .field("connected", &self.graph.initialized())
            .finish()
    }
}

/// The parts of a `falkordb://` URL: the server's `redis://` URL, the graph
/// name, and the URL to show (without its password).
fn parse_url(url: &str) -> Result<(String, String, String), BackendError> {
    let parsed = ServerUrl::parse(BACKEND, url, &["falkordb"], DEFAULT_PORT)?;
    parsed.no_query()?;
    let name = parsed
        .name("graph", "_-.:")?
        .unwrap_or_else(|| DEFAULT_GRAPH.to_string());
    let auth = match (parsed.url.username(), parsed.url.password()) {
        ("", None) => String::new(),
        (user, None) => format!("{user}@"),
        (user, Some(password)) => format!("{user}:{password}@"),
    };
    let server = format!("redis://{auth}{}:{}", parsed.host, parsed.port);
    Ok((server, name, parsed.shown()))
}

// ---- values in and out ---------------------------------------------------------------------

/// A parameter as the client sends it.
fn to_falkor(value: Value) -> FalkorValue {
    match value {
        Value::Null => FalkorValue::None,
        Value::Bool(b) => FalkorValue::Bool(b),
        Value::Int(i) => FalkorValue::I64(i),
        Value::Text(t) => FalkorValue::String(t),
        Value::List(items) => FalkorValue::Array(items.into_iter().map(to_falkor).collect()),
        Value::Map(m) => FalkorValue::Map(m.into_iter().map(|(k, v)| (k, to_falkor(v))).collect()),
    }
}

/// A returned column; None for a type twinlake never stores.
fn from_falkor(value: FalkorValue) -> Option<Value> {
    Some(match value {
        FalkorValue::None => Value::Null,
        FalkorValue::Bool(b) => Value::Bool(b),
        FalkorValue::I64(i) => Value::Int(i),
        FalkorValue::String(t) => Value::Text(t),
        FalkorValue::Array(items) => {
            Value::List(items.into_iter().map(from_falkor).collect::<Option<_>>()?)
        }
        FalkorValue::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, v)| Some((k, from_falkor(v)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// Creates the index every scoped lookup uses (an error when it exists).
fn index_query() -> String {
    "CREATE INDEX FOR (e:Entity) ON (e.user, e.id)".to_string()
}

// ---- the server ----------------------------------------------------------------------------

impl FalkorGraph {
    /// The graph a `falkordb://host:port[/graph]` URL names. Nothing is
    /// connected until the first call.
    pub fn at(url: &str) -> Result<Self, BackendError> {
        let (server, name, shown) = parse_url(url)?;
        Ok(CypherGraph::new(FalkorServer {
            url: shown,
            server,
            name,
            graph: OnceCell::new(),
        }))
    }

    /// The FalkorDB graph (the Redis key) this store keeps its data in.
    pub fn graph_name(&self) -> &str {
        &self.server().name
    }
}

impl FalkorServer {
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
            location: self.location(),
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
}

#[async_trait]
impl CypherServer for FalkorServer {
    const BACKEND: &'static str = BACKEND;

    async fn run(&self, query: String, params: Params) -> Result<Vec<Vec<Value>>, BackendError> {
        let mut graph = self.graph().await?;
        let mut builder = graph.query(query);
        for (key, value) in params {
            builder = builder.with_param(key, to_falkor(value));
        }
        let result = builder.execute().await.map_err(|e| self.failed(e))?;
        result
            .data
            .into_values_lossy()
            .map(|row| match row.as_slice() {
                [FalkorValue::Unparseable(message)] => Err(self.corrupt(message.clone())),
                _ => row
                    .into_iter()
                    .map(|v| {
                        let shown = format!("{v:?}");
                        from_falkor(v).ok_or_else(|| self.corrupt(format!("unexpected {shown}")))
                    })
                    .collect(),
            })
            .collect()
    }

    fn location(&self) -> String {
        format!("{} (graph {})", self.url, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn values_cross_to_the_client_and_back() {
        let value = Value::Map(
            [
                ("n".to_string(), Value::Null),
                ("b".to_string(), Value::Bool(true)),
                ("i".to_string(), Value::Int(-7)),
                ("t".to_string(), Value::Text("it's \"x\"".into())),
                ("l".to_string(), Value::List(vec![Value::Text("a".into())])),
            ]
            .into(),
        );
        let sent = to_falkor(value.clone());
        assert!(matches!(&sent, FalkorValue::Map(m) if m.len() == 5));
        assert_eq!(from_falkor(sent), Some(value));
        assert_eq!(from_falkor(FalkorValue::F64(1.5)), None);
        assert!(index_query().starts_with("CREATE INDEX FOR (e:Entity)"));
    }
}
