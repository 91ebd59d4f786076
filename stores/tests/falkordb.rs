//! The graph contract on a real FalkorDB server: the `redis-server` and
//! FalkorDB module `make setup` installs under `vendor/falkordb/`, started
//! by each test on a free loopback port and killed when the test ends
//! ([`Server`]). Each test also works in a graph of its own name.

#![cfg(feature = "falkordb")]

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, GraphStore};
use twinlake_core::config::LakeConfig;
use twinlake_core::lake::Lake;
use twinlake_stores::StoreError;
use twinlake_stores::graph::{self, falkordb::FalkorGraph};

/// How long the server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(10);

/// A FalkorDB server of one test, killed (and its log removed) when dropped.
struct Server {
    child: Child,
    port: u16,
    /// The server's output, kept for failures.
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Server {
    /// Starts `vendor/falkordb/redis-server` with the module on a free
    /// port and waits until it accepts a connection.
    fn start() -> Server {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the stores crate lives in the workspace")
            .to_path_buf();
        let vendor = root.join("vendor/falkordb");
        let (binary, module) = (vendor.join("redis-server"), vendor.join("falkordb.so"));
        assert!(
            binary.is_file() && module.is_file(),
            "FalkorDB is not installed: {} and {} are missing; run `make setup` \
             (scripts/setup.sh) in {}",
            binary.display(),
            module.display(),
            root.display()
        );
        let port = free_port();
        let log = std::env::temp_dir().join(format!(
            "twinlake-falkordb-{}-{port}.log",
            std::process::id()
        ));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--loadmodule")
            .arg(&module)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut server = Server { child, port, log };
        server.wait_until_up();
        server
    }

    fn wait_until_up(&mut self) {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + STARTUP;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            let exited = self.child.try_wait().unwrap();
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "FalkorDB on port {} did not come up ({}): {}",
                    self.port,
                    exited.map_or("timed out".to_string(), |s| s.to_string()),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The URL of graph `name` on this server.
    fn url(&self, name: &str) -> String {
        format!("falkordb://127.0.0.1:{}/{name}", self.port)
    }
}

/// A port nothing listens on now: bound, then released.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn lake() -> Lake {
    Lake::open(&LakeConfig {
        url: "memory://".into(),
        s3_endpoint: String::new(),
        s3_region: "us-east-1".into(),
        s3_allow_http: false,
    })
    .unwrap()
}

#[tokio::test]
async fn falkordb_passes_the_graph_contract() {
    let server = Server::start();
    let store = FalkorGraph::at(&server.url("contract")).unwrap();
    assert_eq!(store.graph_name(), "contract");
    twinlake_core::contract::graph::graph_store(&store).await;
}

#[tokio::test]
async fn the_resolver_opens_falkordb_urls() {
    let server = Server::start();
    let store = graph::open(&server.url("resolved"), &lake()).unwrap();
    twinlake_core::contract::graph::graph_store(store.as_ref()).await;
}

#[tokio::test]
async fn a_second_client_sees_the_graph_and_its_index_once() {
    // Two stores on one graph: the second finds the index made and the
    // first's writes.
    let server = Server::start();
    let (a, b) = (
        FalkorGraph::at(&server.url("shared")).unwrap(),
        FalkorGraph::at(&server.url("shared")).unwrap(),
    );
    let scope = Scope::parse("t1", "alice").unwrap();
    let ana = twinlake_core::contract::graph::entity(
        twinlake_core::memory::EntityKind::Person,
        "Ana Souza",
        &["Ana"],
    );
    a.replace(&scope, std::slice::from_ref(&ana), &[])
        .await
        .unwrap();
    assert_eq!(b.find(&scope, "ANA").await.unwrap(), Some(ana));
    b.delete_scope(&scope).await.unwrap();
    assert_eq!(a.find(&scope, "Ana").await.unwrap(), None);
}

#[tokio::test]
async fn text_with_quotes_and_cypher_is_stored_as_text() {
    let server = Server::start();
    let store = FalkorGraph::at(&server.url("quoting")).unwrap();
    let scope = Scope::parse("t1", "alice").unwrap();
    let odd = twinlake_core::memory::Entity {
        entity_id: "e-odd".into(),
        kind: twinlake_core::memory::EntityKind::Topic,
        name: "it's a \"test\" \\ }) MATCH (n) DETACH DELETE n //".into(),
        aliases: vec!["line\nbreak".into()],
    };
    store
        .replace(&scope, std::slice::from_ref(&odd), &[])
        .await
        .unwrap();
    let found = store.find(&scope, "line break").await.unwrap();
    assert_eq!(found, Some(odd));
}

#[tokio::test]
async fn an_unreachable_server_is_named() {
    // Bound, released: nothing listens there.
    let url = format!("falkordb://127.0.0.1:{}/g", free_port());
    let store = graph::open(&url, &lake()).expect("opening connects lazily");
    let scope = Scope::parse("t1", "alice").unwrap();
    let err = store.find(&scope, "Ana").await.unwrap_err();
    assert!(
        matches!(&err, BackendError::Unavailable { url: named, .. } if named == &url),
        "{err:?}"
    );
    assert!(err.to_string().contains(&url), "{err}");
}

#[test]
fn a_bad_url_is_refused_when_opened() {
    let err = graph::open("falkordb:///no-host", &lake())
        .err()
        .expect("no host");
    assert!(
        matches!(err, StoreError::Backend(BackendError::Engine { .. })),
        "{err:?}"
    );
    let err = graph::open("gremlin://h:8182", &lake())
        .err()
        .expect("unsupported");
    for scheme in ["lake://", "falkordb://", "neo4j://"] {
        assert!(err.to_string().contains(scheme), "{err}");
    }
    // A Neo4j URL opens without reaching the server (none runs here).
    assert!(graph::open("neo4j://neo4j:pw@127.0.0.1:1", &lake()).is_ok());
}
