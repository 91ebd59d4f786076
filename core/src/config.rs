//! Configuration: one TOML file, every backend chosen by URL, every value
//! overridable from the environment.
//!
//! Precedence, lowest first: built-in defaults (everything embedded under the
//! data directory), the file (`--config`, `TWINLAKE_CONFIG`, or
//! `<data dir>/twinlake.toml` when present), then `TWINLAKE_<SECTION>_<KEY>`
//! environment variables (`TWINLAKE_LAKE_URL`, `TWINLAKE_INGEST_CHUNK_TOKENS`,
//! `TWINLAKE_TENANT`...). The data directory itself comes from `--data-dir`
//! or `TWINLAKE_DATA_DIR`, default `./.twinlake`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The largest chunk the pipeline will cut, in model tokens.
pub const MAX_CHUNK_TOKENS: usize = 2000;

/// The whole configuration of a twinlake process.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where embedded backends keep their files.
    pub data_dir: PathBuf,
    /// The tenant CLI commands act in when none is given.
    pub tenant: String,
    /// The lake: Parquet tables on an object store.
    pub lake: LakeConfig,
    /// The vector index.
    pub vectors: UrlConfig,
    /// The full-text index.
    pub text: UrlConfig,
    /// The bus that feeds the ingest pipeline.
    pub bus: UrlConfig,
    /// The knowledge graph's store: `lake://` (the lake's tables) or
    /// `falkordb://host:port[/graph]` (a FalkorDB server).
    pub graph: UrlConfig,
    /// The relational store: conversations and their turns today (the
    /// chat log); `sqlite:///abs/file.db` embedded, `postgres://...` on a
    /// server. Older files call this section `chat_log`.
    pub relational: UrlConfig,
    /// The embedding model and its runtime.
    pub model: ModelConfig,
    /// Ingestion limits and chunking.
    pub ingest: IngestConfig,
    /// The HTTP server.
    pub serve: ServeConfig,
    /// The language model chat answers may come from (off by default: the
    /// twin answers with the grounded extractive composer).
    #[serde(default)]
    pub llm: LlmConfig,
    /// The names each user goes by in their exports (`alice = ["Alice
    /// Martin", "@alice_m"]`), to tell their own words from others'.
    #[serde(default)]
    pub identities: BTreeMap<String, Vec<String>>,
    /// `TWINLAKE_*` variables of the environment that name no key (a
    /// misspelt or retired name): reported by the binary, never silently
    /// ignored.
    #[serde(skip)]
    pub unknown_env: Vec<String>,
}

/// `TWINLAKE_*` variables read outside the configuration (by the binary,
/// `make setup` and the tests), which are therefore not unknown keys.
const NOT_KEYS: &[&str] = &[
    "TWINLAKE_DATA_DIR",
    "TWINLAKE_CONFIG",
    "TWINLAKE_LOG",
    "TWINLAKE_LOCOMO_DEV",
    "TWINLAKE_WHEEL_CACHE",
    "TWINLAKE_API_KEY",
];

/// A backend given by URL alone.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UrlConfig {
    /// `scheme://location`; the scheme picks the implementation.
    pub url: String,
}

/// The lake's object store.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LakeConfig {
    /// `file:///abs/dir`, `memory://` or `s3://bucket/prefix`.
    pub url: String,
    /// S3 endpoint for S3-compatible servers (MinIO, SeaweedFS...); empty for AWS.
    #[serde(default)]
    pub s3_endpoint: String,
    /// S3 region.
    #[serde(default = "default_region")]
    pub s3_region: String,
    /// Allow plain-HTTP endpoints (local S3 servers).
    #[serde(default)]
    pub s3_allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// The embedding model and the ONNX Runtime library that runs it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The model sidecar's base URL (`http://host:port`, served by
    /// `twinlake sidecar`); empty: the model runs in this process.
    #[serde(default)]
    pub url: String,
    /// Folder holding `model.onnx` and `tokenizer.json`; empty: `vendor/minilm`
    /// found upward from the working directory or the executable.
    #[serde(default)]
    pub dir: String,
    /// Path of `libonnxruntime.so.*`; empty: `ORT_DYLIB_PATH`, else
    /// `vendor/ort/` found like the model.
    #[serde(default)]
    pub ort_library: String,
    /// ONNX Runtime intra-op threads; 0: one per available core.
    pub threads: usize,
    /// Texts per inference batch.
    pub batch_size: usize,
}

/// Ingestion limits and chunking.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    /// Largest chunk, in model tokens (1..=2000).
    pub chunk_tokens: usize,
    /// Files larger than this are refused.
    pub max_file_bytes: u64,
    /// Files taken from the bus per pipeline batch.
    pub files_per_batch: usize,
    /// Episodes embedded and committed together (one lake object pair and
    /// one index commit each); bounds memory on large exports.
    pub episodes_per_commit: usize,
    /// The most entries one export file may hold.
    pub max_entries_per_file: usize,
    /// How far ahead calendar recurrences are expanded, in days.
    pub calendar_horizon_days: u32,
    /// The most pages fetched when a website URL is ingested.
    pub website_max_pages: usize,
    /// The IANA zone (`Europe/Lisbon`) the user's devices keep local time
    /// in, for exports whose times carry no zone (WhatsApp, floating
    /// calendar times). Empty: such times are stored as written and flagged
    /// `zone_unknown` on their episodes. Checked when the stores open
    /// (`twinlake_udfs::parse::dates::zone_named`), where the zone database is.
    #[serde(default)]
    pub time_zone: String,
    /// Where pipeline workers write the chunk indexes (see [`IndexWrites`]).
    #[serde(default)]
    pub index_writes: IndexWrites,
}

/// Where a pipeline worker writes the chunks it stores in the lake into
/// the indexes.
///
/// With several workers in one consumer group, each worker's data
/// directory is its own, so an embedded index written by a worker would
/// hold only its partitions' chunks. `chunks_topic` sends them instead, in
/// order, to the bus's chunks topic, keyed by owner like the files topic;
/// `twinlake pipeline index` (or `serve --index-group`) consumes that topic
/// into the indexes its own URLs name, so each serving node holds every
/// chunk, and a Qdrant server is written once per indexer group.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IndexWrites {
    /// Into the indexes `vectors.url` and `text.url` name (one process, or
    /// servers every worker shares).
    #[default]
    Direct,
    /// As index updates on the bus's chunks topic, for indexers to apply.
    ChunksTopic,
}

/// The HTTP server.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Listen address.
    pub addr: String,
    /// Whether every twin route needs an API key. Off is allowed on a
    /// loopback address only.
    pub auth: bool,
    /// Host names clients may call the server by (the Host header), besides
    /// the host of `addr`; `*` for any.
    pub hosts: Vec<String>,
    /// Origins of web pages allowed to change data (POST), besides the
    /// server's own; `*` for any.
    pub allowed_origins: Vec<String>,
    /// Connections open at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers, counted from
    /// the connection's start or its previous response (also closes idle
    /// keep-alive connections).
    pub header_timeout_secs: u64,
    /// Seconds an upload's body has to arrive.
    pub body_timeout_secs: u64,
    /// Seconds a request other than an upload may run.
    pub request_timeout_secs: u64,
    /// Seconds an upload (stored, ingested, distilled) may run.
    pub upload_timeout_secs: u64,
    /// Requests a minute per API key, in bursts of as many (0: no limit).
    pub requests_per_minute: u32,
    /// The longest search query or the part of a chat message retrieval
    /// reads, in characters.
    pub max_query_chars: usize,
    /// Seconds requests in flight get to finish on SIGINT or SIGTERM.
    pub shutdown_grace_secs: u64,
    /// Bytes a tenant may keep in the lake (its tables and kept files)
    /// before its uploads are refused (0: no quota).
    pub tenant_quota_bytes: u64,
    /// Whether the twin learns what people tell it in chat: each turn
    /// becomes an episode of their footprint moments after it is said.
    /// Off, turns are only kept in the chat log, and are learnt when a
    /// server with it on starts.
    pub learn_from_chat: bool,
}

/// An OpenAI-compatible chat-completions endpoint (`[llm]`; every key also
/// as `TWINLAKE_LLM_<KEY>`). With no `base_url`, answers are extractive.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// The API's base URL, up to and including `/v1`
    /// (`http://127.0.0.1:11434/v1`); empty: no model.
    pub base_url: String,
    /// The model asked first.
    pub model: String,
    /// The bearer token, if the endpoint needs one.
    pub api_key: String,
    /// The model asked when the first fails or its breaker is open; empty:
    /// none.
    pub fallback_model: String,
    /// Milliseconds one attempt may take, from request to last token.
    pub timeout_ms: u64,
    /// Attempts after the first, for a failure that may pass (a 5xx, a
    /// 429, a timeout, a dropped connection), with doubling backoff.
    pub retries: u32,
    /// Calls in a row that fail before a model's breaker opens (it is then
    /// skipped until `breaker_cooldown_ms` pass, then tried once).
    pub breaker_failures: u32,
    /// How long an open breaker skips its model, in milliseconds.
    pub breaker_cooldown_ms: u64,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            base_url: String::new(),
            model: String::new(),
            api_key: String::new(),
            fallback_model: String::new(),
            timeout_ms: 20_000,
            retries: 1,
            breaker_failures: 3,
            breaker_cooldown_ms: 30_000,
        }
    }
}

impl ModelConfig {
    /// The intra-op thread count to use: `threads`, or one per core when 0.
    pub fn effective_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

impl Config {
    /// Everything embedded under `data_dir`.
    pub fn defaults(data_dir: &Path) -> Self {
        let dir = absolute(data_dir);
        let at = |scheme: &str, sub: &str| format!("{scheme}://{}", dir.join(sub).display());
        Config {
            tenant: "default".into(),
            lake: LakeConfig {
                url: format!("file://{}", dir.join("lake").display()),
                s3_endpoint: String::new(),
                s3_region: default_region(),
                s3_allow_http: false,
            },
            vectors: UrlConfig {
                url: at("edge", "vectors"),
            },
            text: UrlConfig {
                url: at("tantivy", "text"),
            },
            bus: UrlConfig {
                url: at("embedded", "bus"),
            },
            graph: UrlConfig {
                url: "lake://".into(),
            },
            relational: UrlConfig {
                url: at("sqlite", "chat.db"),
            },
            model: ModelConfig {
                url: String::new(),
                dir: String::new(),
                ort_library: String::new(),
                threads: 0,
                batch_size: 32,
            },
            ingest: IngestConfig {
                chunk_tokens: 512,
                max_file_bytes: 20 * 1024 * 1024,
                files_per_batch: 8,
                episodes_per_commit: 1000,
                max_entries_per_file: 1_000_000,
                calendar_horizon_days: 365,
                website_max_pages: 20,
                time_zone: String::new(),
                index_writes: IndexWrites::Direct,
            },
            serve: ServeConfig {
                addr: "127.0.0.1:8080".into(),
                auth: true,
                hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
                allowed_origins: Vec::new(),
                max_connections: 512,
                header_timeout_secs: 10,
                body_timeout_secs: 60,
                request_timeout_secs: 30,
                upload_timeout_secs: 900,
                requests_per_minute: 600,
                max_query_chars: 2000,
                shutdown_grace_secs: 10,
                tenant_quota_bytes: 10 << 30,
                learn_from_chat: true,
            },
            llm: LlmConfig::default(),
            identities: BTreeMap::new(),
            unknown_env: Vec::new(),
            data_dir: dir,
        }
    }

    /// Loads the configuration: defaults for `data_dir`, then the file, then
    /// the environment. `data_dir` None means `TWINLAKE_DATA_DIR` or `./.twinlake`.
    pub fn load(data_dir: Option<&Path>, file: Option<&Path>) -> Result<Self, CoreError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(data_dir, file, &env)
    }

    /// [`Config::load`] with an explicit environment, for tests.
    pub fn load_from(
        data_dir: Option<&Path>,
        file: Option<&Path>,
        env: &[(String, String)],
    ) -> Result<Self, CoreError> {
        let lookup = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let data_dir = data_dir
            .map(Path::to_path_buf)
            .or_else(|| lookup("TWINLAKE_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(".twinlake"));
        let defaults = Self::defaults(&data_dir);
        let mut value = toml::Value::try_from(&defaults).map_err(|e| CoreError::ConfigValue {
            key: "defaults".into(),
            message: e.to_string(),
        })?;

        let file = file
            .map(Path::to_path_buf)
            .or_else(|| lookup("TWINLAKE_CONFIG").map(PathBuf::from))
            .or_else(|| Some(defaults.data_dir.join("twinlake.toml")).filter(|p| p.exists()));
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path).map_err(|e| CoreError::ConfigFile {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let mut overlay: toml::Value =
                toml::from_str(&text).map_err(|e| CoreError::ConfigFile {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            // The relational store's section had the chat log's name.
            if let toml::Value::Table(t) = &mut overlay
                && !t.contains_key("relational")
                && let Some(old) = t.remove("chat_log")
            {
                t.insert("relational".into(), old);
            }
            merge(&mut value, overlay);
        }
        let unknown_env = apply_env(&mut value, env)?;
        let mut config: Config =
            value
                .try_into()
                .map_err(|e: toml::de::Error| CoreError::ConfigValue {
                    key: "config".into(),
                    message: e.to_string(),
                })?;
        config.validate()?;
        config.unknown_env = unknown_env;
        Ok(config)
    }

    fn validate(&self) -> Result<(), CoreError> {
        let bad = |key: &str, message: String| CoreError::ConfigValue {
            key: key.into(),
            message,
        };
        if !(1..=MAX_CHUNK_TOKENS).contains(&self.ingest.chunk_tokens) {
            return Err(bad(
                "ingest.chunk_tokens",
                format!(
                    "{} is outside 1..={MAX_CHUNK_TOKENS}",
                    self.ingest.chunk_tokens
                ),
            ));
        }
        if self.model.batch_size == 0 {
            return Err(bad("model.batch_size", "must be at least 1".into()));
        }
        for (key, value) in [
            ("ingest.files_per_batch", self.ingest.files_per_batch),
            (
                "ingest.episodes_per_commit",
                self.ingest.episodes_per_commit,
            ),
            (
                "ingest.max_entries_per_file",
                self.ingest.max_entries_per_file,
            ),
        ] {
            if value == 0 {
                return Err(bad(key, "must be at least 1".into()));
            }
        }
        for user in self.identities.keys() {
            crate::UserId::new(user.clone())
                .map_err(|e| bad(&format!("identities.{user}"), e.to_string()))?;
        }
        crate::TenantId::new(self.tenant.clone()).map_err(|e| bad("tenant", e.to_string()))?;
        if !self.llm.base_url.is_empty() && self.llm.model.is_empty() {
            return Err(bad(
                "llm.model",
                "is required when llm.base_url is set".into(),
            ));
        }
        Ok(())
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// Applies `TWINLAKE_<SECTION>_<KEY>` (or `TWINLAKE_<KEY>` for top-level
/// keys) onto known keys, parsed as the type the key already holds (a list
/// as comma-separated items).
/// Returns the `TWINLAKE_*` names that match no key, sorted.
fn apply_env(value: &mut toml::Value, env: &[(String, String)]) -> Result<Vec<String>, CoreError> {
    let mut unknown = Vec::new();
    let toml::Value::Table(root) = value else {
        return Ok(unknown);
    };
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("TWINLAKE_") else {
            continue;
        };
        if NOT_KEYS.contains(&name.as_str()) || rest.starts_with("TEST_") {
            continue;
        }
        let rest = rest.to_ascii_lowercase();
        let target = if root.get(&rest).is_some_and(|v| !v.is_table()) {
            root.get_mut(&rest)
        } else {
            rest.split_once('_').and_then(|(section, key)| {
                root.get_mut(section)
                    .and_then(|s| s.as_table_mut())
                    .and_then(|t| t.get_mut(key))
            })
        };
        let Some(slot) = target else {
            unknown.push(name.clone());
            continue;
        };
        *slot = match slot {
            toml::Value::Integer(_) => {
                toml::Value::Integer(raw.parse().map_err(|_| CoreError::ConfigValue {
                    key: name.clone(),
                    message: format!("{raw:?} is not an integer"),
                })?)
            }
            toml::Value::Boolean(_) => {
                toml::Value::Boolean(raw.parse().map_err(|_| CoreError::ConfigValue {
                    key: name.clone(),
                    message: format!("{raw:?} is not true or false"),
                })?)
            }
            toml::Value::Array(_) => toml::Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| toml::Value::String(item.into()))
                    .collect(),
            ),
            _ => toml::Value::String(raw.clone()),
        };
    }
    unknown.sort();
    Ok(unknown)
}

/// Splits `scheme://rest` into its two parts.
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    url.split_once("://")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_embedded_under_the_data_dir() {
        let c = Config::load_from(Some(Path::new("/tmp/tl")), None, &[]).unwrap();
        assert_eq!(c.lake.url, "file:///tmp/tl/lake");
        assert_eq!(c.vectors.url, "edge:///tmp/tl/vectors");
        assert_eq!(c.text.url, "tantivy:///tmp/tl/text");
        assert_eq!(c.ingest.chunk_tokens, 512);
    }

    #[test]
    fn file_then_environment_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "tenant = \"acme\"\n[ingest]\nchunk_tokens = 300\n").unwrap();
        let c = Config::load_from(
            Some(dir.path()),
            Some(&file),
            &env(&[
                ("TWINLAKE_LAKE_URL", "s3://bkt/lake"),
                ("TWINLAKE_INGEST_CHUNK_TOKENS", "1000"),
                ("TWINLAKE_MODEL_ORT_LIBRARY", "/opt/libort.so"),
                (
                    "TWINLAKE_SERVE_ALLOWED_ORIGINS",
                    "https://app.example.org, http://localhost:5173,",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(c.tenant, "acme");
        assert_eq!(c.lake.url, "s3://bkt/lake");
        assert_eq!(c.ingest.chunk_tokens, 1000);
        assert_eq!(c.model.ort_library, "/opt/libort.so");
        assert_eq!(
            c.serve.allowed_origins,
            ["https://app.example.org", "http://localhost:5173"]
        );
        assert!(c.serve.auth, "keys are on by default");
        assert!(c.unknown_env.is_empty(), "{:?}", c.unknown_env);
    }

    #[test]
    fn environment_names_of_no_key_are_reported_and_old_section_names_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[chat_log]\nurl = \"sqlite:///var/chat.db\"\n").unwrap();
        let c = Config::load_from(
            Some(dir.path()),
            Some(&file),
            &env(&[
                ("TWINLAKE_GRAPH_URL", "lake://"),
                ("TWINLAKE_RELATIONAL_URL", "postgres://db/twinlake"),
                ("TWINLAKE_CHAT_LOG_URL", "postgres://db/old"),
                ("TWINLAKE_MODEL_URLL", "http://typo"),
                ("TWINLAKE_LOG", "info"),
                ("TWINLAKE_TEST_POSTGRES_URL", "postgres://x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.graph.url, "lake://");
        // The environment overrides the file, whose old section name is read.
        assert_eq!(c.relational.url, "postgres://db/twinlake");
        assert_eq!(
            c.unknown_env,
            ["TWINLAKE_CHAT_LOG_URL", "TWINLAKE_MODEL_URLL"]
        );
        let old = Config::load_from(Some(dir.path()), Some(&file), &[]).unwrap();
        assert_eq!(old.relational.url, "sqlite:///var/chat.db");
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Config::load_from(
            None,
            None,
            &env(&[("TWINLAKE_INGEST_CHUNK_TOKENS", "5000")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("ingest.chunk_tokens"), "{e}");
        let e = Config::load_from(
            None,
            None,
            &env(&[("TWINLAKE_INGEST_CHUNK_TOKENS", "lots")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("TWINLAKE_INGEST_CHUNK_TOKENS"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[lake]\nurll = \"x\"\n").unwrap();
        let e = Config::load_from(None, Some(&file), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("urll"), "{e}");
    }
}
