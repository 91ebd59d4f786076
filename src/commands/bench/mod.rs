//! `twinlake bench ...`: speed and memory figures, printed, never asserted.
//!
//! Each bench works in a fresh temporary data directory with the configured
//! model, so figures do not depend on what is already ingested.

mod chat;
mod corpus;
mod exports;
mod ingest;
#[cfg(feature = "kafka")]
mod kafka;
mod mcp;
mod projects;
mod search;
mod serve;
mod sources;

use std::process::ExitCode;

use twinlake_core::config::Config;

/// The benchmarks.
#[derive(clap::Subcommand)]
pub enum Bench {
    /// End-to-end ingest chunks/s beside the raw embedder's sentences/s on the same text.
    Ingest(ingest::Args),
    /// Hybrid search latency (query embedding included) over a synthetic corpus.
    Search(search::Args),
    /// Episodes/s per export format: parsing alone, and the whole pipeline.
    Sources(sources::Args),
    /// HTTP requests/s and latency for search and chat at 32 and 64
    /// connections: the guarded server beside a keys-off baseline.
    Serve(serve::Args),
    /// A chat turn's latency and how soon what it says is retrievable,
    /// beside uploading the same words as a file.
    Chat(chat::Args),
    /// Recommend (one member) and coordinate (every member) on a proposal
    /// of 10 options for 4 members, beside a search of the same footprint.
    Projects(projects::Args),
    /// Each MCP tool's latency at /mcp beside the HTTP route it wraps.
    Mcp(mcp::Args),
    /// Envelopes/s through the pipeline on Kafka with 1 and 2 workers, beside the embedded bus.
    #[cfg(feature = "kafka")]
    Kafka(kafka::Args),
}

/// Runs a bench.
pub async fn run(config: &Config, bench: Bench) -> anyhow::Result<ExitCode> {
    match bench {
        Bench::Ingest(args) => ingest::run(config, args).await,
        Bench::Search(args) => search::run(config, args).await,
        Bench::Sources(args) => sources::run(config, args).await,
        Bench::Serve(args) => serve::run(config, args).await,
        Bench::Chat(args) => chat::run(config, args).await,
        Bench::Projects(args) => projects::run(config, args).await,
        Bench::Mcp(args) => mcp::run(config, args).await,
        #[cfg(feature = "kafka")]
        Bench::Kafka(args) => kafka::run(config, args).await,
    }
    .map(|()| ExitCode::SUCCESS)
}

/// A configuration like `config` (model, limits) but with every store in `dir`.
pub(crate) fn scratch_config(config: &Config, dir: &std::path::Path) -> Config {
    let mut scratch = Config::defaults(dir);
    scratch.model = config.model.clone();
    scratch.ingest = config.ingest.clone();
    scratch.tenant = config.tenant.clone();
    // A bench of chat measures the configured answerer.
    scratch.llm = config.llm.clone();
    scratch
}

/// A server of a scratch data directory, in this process, for a bench's
/// HTTP client: keys and the rate limiter off (a loopback client).
pub(crate) struct InProcess {
    /// The server's state (its stores).
    pub state: std::sync::Arc<twinlake_serving::api::AppState>,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl InProcess {
    /// Opens stores like `config`'s in a new temporary folder and serves
    /// them on an ephemeral port.
    pub(crate) async fn start(config: &Config) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut config = scratch_config(config, &dir.path().join("data"));
        config.serve.auth = false;
        config.serve.requests_per_minute = 0;
        let state = std::sync::Arc::new(twinlake_serving::api::AppState::new(
            crate::commands::open_backends(&config).await?,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(twinlake_serving::server::serve_until(
            state.clone(),
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        Ok(InProcess {
            state,
            base,
            stop,
            serving,
            _dir: dir,
        })
    }

    /// `body` posted to `path`, its JSON reply; an error names the route
    /// and the server's answer unless it is a success.
    pub(crate) async fn post(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        self.post_with(http, path, body, &[]).await
    }

    /// [`InProcess::post`] with extra `headers`.
    pub(crate) async fn post_with(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        let mut request = http.post(&url).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        success(&url, request.send().await?).await
    }

    /// `path` read, its JSON reply, as [`InProcess::post`].
    pub(crate) async fn get(
        &self,
        http: &reqwest::Client,
        path: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        success(&url, http.get(&url).send().await?).await
    }

    /// Stops serving; the stores close before their folder goes.
    pub(crate) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.serving.await??;
        drop(self.state);
        Ok(())
    }
}

/// The JSON of a successful `reply` to `url`, or an error naming both.
async fn success(url: &str, reply: reqwest::Response) -> anyhow::Result<serde_json::Value> {
    anyhow::ensure!(
        reply.status().is_success(),
        "{url}: {} {}",
        reply.status(),
        reply.text().await.unwrap_or_default()
    );
    Ok(reply.json().await?)
}

/// Ingests the demo footprint of `users` (folders of `data/demo`) into
/// `backends`, distilled.
pub(crate) async fn ingest_demo_team(
    backends: &twinlake_stores::Backends,
    users: &[&str],
) -> anyhow::Result<()> {
    for user in users {
        ingest_demo_as(backends, user, user).await?;
    }
    Ok(())
}

/// Ingests the demo footprint in `data/demo/<folder>` as `user`'s,
/// distilled: how a bench gets one more member with a real footprint.
pub(crate) async fn ingest_demo_as(
    backends: &twinlake_stores::Backends,
    user: &str,
    folder: &str,
) -> anyhow::Result<()> {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    ingest_folder_as(backends, user, &demo.join(folder)).await
}

/// Ingests the files under `folder` as `user`'s footprint, distilled.
pub(crate) async fn ingest_folder_as(
    backends: &twinlake_stores::Backends,
    user: &str,
    folder: &std::path::Path,
) -> anyhow::Result<()> {
    let scope = twinlake_core::Scope::parse(&backends.config.tenant, user)?;
    let found = twinlake_pipelines::sources::files::discover(&[folder.to_path_buf()])?;
    crate::commands::ingest::ingest(
        backends,
        &scope,
        &found,
        &twinlake_pipelines::sources::files::ReadOptions::default(),
        twinlake_jobs::catch_up::Distil::Changed,
    )
    .await?;
    Ok(())
}

/// Peak resident memory of this process so far, in MiB (Linux VmHWM).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The value at quantile `q` of sorted `values`.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}
