//! Helpers for the end-to-end tests: run the real `twinlake` binary against
//! a temporary data directory, with the real model.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo footprint of one member.
pub fn demo(user: &str) -> PathBuf {
    root().join("data").join("demo").join(user)
}

/// The file a citation of the demo footprint names: citations name a file
/// by its path below the folder ingested (`alice/notes.md`), never by an
/// absolute path.
pub fn demo_source(uri: &str) -> PathBuf {
    assert!(
        !Path::new(uri).is_absolute(),
        "an absolute path cited: {uri}"
    );
    root().join("data").join("demo").join(uri)
}

/// A `twinlake` command on `data_dir`, with a clean environment for twinlake.
pub fn twinlake(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_twinlake"));
    for (key, _) in std::env::vars() {
        if key.starts_with("TWINLAKE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("TWINLAKE_DATA_DIR", data_dir).current_dir(root());
    cmd
}

/// Runs a command, returning its output (without asserting success).
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("twinlake runs")
}

/// Runs a command that must succeed and print JSON.
pub fn json(cmd: &mut Command) -> Value {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Ingests `paths` for `user`; returns the JSON summary and the exit code.
pub fn ingest(data_dir: &Path, user: &str, paths: &[&Path]) -> (Value, i32) {
    ingest_with(data_dir, user, &[], paths)
}

/// [`ingest`] with more flags (`--strict`, `--format F`).
pub fn ingest_with(data_dir: &Path, user: &str, flags: &[&str], paths: &[&Path]) -> (Value, i32) {
    let out = run(twinlake(data_dir)
        .args(["ingest", "--json", "--user", user])
        .args(flags)
        .args(paths));
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (summary, out.status.code().unwrap_or(-1))
}

/// Searches `user`'s footprint; returns the results array.
pub fn search(data_dir: &Path, user: &str, query: &str, k: usize) -> Vec<Value> {
    search_with(twinlake(data_dir), user, query, k)
}

/// [`search`] with `cmd`, a `twinlake` command already configured.
pub fn search_with(mut cmd: Command, user: &str, query: &str, k: usize) -> Vec<Value> {
    let v = json(cmd.args([
        "search",
        "--json",
        "--user",
        user,
        "-k",
        &k.to_string(),
        query,
    ]));
    v["results"].as_array().cloned().unwrap_or_default()
}

/// The file name of a result's source.
pub fn file_of(hit: &Value) -> String {
    let uri = hit["source"]["uri"].as_str().unwrap_or_default();
    Path::new(uri)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// The tables ingest writes (the source of truth). The memory tables
/// (`memories`, `entities`, `facts`) are derived from them and rewritten by
/// each distillation; `tests/memory.rs` checks those.
const INGESTED_TABLES: [&str; 3] = ["episodes", "chunks", "sources"];

/// Every Parquet object of the lake's ingested tables, as (path relative
/// to the lake, bytes).
pub fn lake_files(data_dir: &Path) -> Vec<(String, Vec<u8>)> {
    let lake = data_dir.join("lake");
    let mut files: Vec<(String, Vec<u8>)> = walk(&lake)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .filter(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|t| INGESTED_TABLES.iter().any(|n| t == *n))
        })
        .map(|p| {
            (
                p.strip_prefix(&lake).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p))
            } else {
                out.push(p)
            }
        }
    }
    out
}

/// `docs` documents in `dir/corpus`, big enough that ingest takes seconds,
/// document i with the unique codeword `kumquat<i>` so every document has
/// exactly one right answer.
pub fn codeword_corpus(dir: &Path, docs: usize) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let topics = [
        "gardening",
        "sailing",
        "budgets",
        "recipes",
        "hiking",
        "databases",
        "music",
        "travel",
    ];
    for i in 0..docs {
        let topic = topics[i % topics.len()];
        let mut text = format!(
            "Document {i} is about {topic}. The codeword of this document is kumquat{i}.\n\n"
        );
        for p in 0..25 {
            text.push_str(&format!(
                "Paragraph {p} of the {topic} notes: the team discussed {topic} at length, compared options, \
                 wrote down what worked and what did not, and agreed to revisit the {topic} plan next week.\n\n"
            ));
        }
        std::fs::write(corpus.join(format!("doc-{i:02}.txt")), text).unwrap();
    }
    corpus
}

/// Episode objects in the lake of `data_dir` so far (progress of an ingest
/// that is still running).
pub fn episodes_in_lake(data_dir: &Path) -> usize {
    lake_files(data_dir)
        .iter()
        .filter(|(p, _)| p.contains("/episodes/"))
        .count()
}

/// The store counts of `twinlake stats`.
pub fn stats(data_dir: &Path, user: &str) -> Value {
    stats_with(twinlake(data_dir), user)
}

/// [`stats`] with `cmd`, a `twinlake` command already configured.
pub fn stats_with(mut cmd: Command, user: &str) -> Value {
    json(cmd.args(["stats", "--json", "--user", user]))
}

/// A `twinlake serve` child process, killed when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `Bearer <key>` of an admin key of the default tenant.
    pub admin: String,
    /// Where the server's stderr (its log) goes; printed if the test fails.
    log: tempfile::NamedTempFile,
}

impl Server {
    /// The admin key's `authorization` header, for [`http`].
    pub fn auth(&self) -> [(&str, &str); 1] {
        [("authorization", self.admin.as_str())]
    }

    /// The server's peak resident memory so far, in MiB (VmHWM).
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `limit` for the server to exit; its status, if it did.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

/// Makes an API key with `twinlake keys create` and `reach` (`--admin` or
/// `--user U`) in `tenant`; returns the `Bearer <key>` header value.
pub fn create_key(data: &Path, tenant: &str, reach: &[&str]) -> String {
    let out = run(twinlake(data)
        .args(["--tenant", tenant, "keys", "create"])
        .args(reach));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "keys create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = stdout.lines().last().expect("the key on the last line");
    assert!(key.starts_with("tlk_"), "{stdout}");
    format!("Bearer {key}")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- the server's log ---\n{}", self.log());
        }
    }
}

/// Serves `data` on an ephemeral port with an admin key of the default
/// tenant made first; returns once the server is listening.
pub fn serve(data: &Path) -> Server {
    serve_with(data, &[])
}

/// [`serve`] with configuration from `env` (`TWINLAKE_SERVE_...`).
pub fn serve_with(data: &Path, env: &[(&str, &str)]) -> Server {
    let admin = create_key(data, "default", &["--admin"]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = twinlake(data)
        .envs(env.iter().copied())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut reader, &mut first).unwrap();
    // Keep draining, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    Server {
        child,
        base,
        admin,
        log,
    }
}

/// A minimal HTTP/1.1 exchange (one request per connection), so the tests
/// need no HTTP client crate: returns the status and the JSON body.
pub fn http(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let payload = body.map(|b| b.to_string());
    let body = payload
        .as_deref()
        .map(|p| ("application/json", p.as_bytes()));
    http_bytes(base, method, path, body, headers)
}

/// [`http`] with a raw body of the given content type.
pub fn http_bytes(
    base: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &[u8])>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let (status, body) = http_text(base, method, path, body, headers);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// [`http_bytes`], the answer's body as text.
pub fn http_text(
    base: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &[u8])>,
    headers: &[(&str, &str)],
) -> (u16, String) {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("server reachable");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    // A test may name another Host; otherwise the server's own.
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {host}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    let payload = match body {
        Some((content_type, bytes)) => {
            request.push_str(&format!("Content-Type: {content_type}\r\n"));
            bytes
        }
        None => &[],
    };
    request.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(payload).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

/// A user's episodes as `twinlake episodes --json` lists them.
pub fn episodes(data_dir: &Path, user: &str, source: Option<&str>) -> Vec<Value> {
    let mut cmd = twinlake(data_dir);
    cmd.args(["episodes", "--json", "--limit", "100000", "--user", user]);
    if let Some(source) = source {
        cmd.args(["--source", source]);
    }
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n.min(tail.len())]);
        rest = tail.get(n + 2..).unwrap_or("");
    }
    out
}

/// The ids of `user`'s memories valid now.
pub fn memory_ids(data_dir: &Path, user: &str) -> Vec<String> {
    let list = json(twinlake(data_dir).args(["memories", "--user", user, "--json"]));
    let mut ids: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["memory_id"].as_str().expect("an id").to_string())
        .collect();
    ids.sort();
    ids
}
