//! `twinlake sidecar`: the model server that workers and API servers share
//! when their `model.url` points at it.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use twinlake_core::backend::Embedder;
use twinlake_core::config::Config;
use twinlake_stores::embedder::in_process::InProcess;

/// Arguments of `twinlake sidecar`.
#[derive(clap::Args)]
pub struct Args {
    /// Listen address
    #[arg(long, default_value = "127.0.0.1:8090")]
    addr: String,
    /// Also serve this GGUF language model on /v1/chat/completions (a
    /// build with `--features local-llm`; `bash scripts/setup.sh
    /// --local-llm` fetches Gemma 3 270M into vendor/llm/)
    #[arg(long, value_name = "GGUF")]
    llm: Option<std::path::PathBuf>,
    /// The name requests must give the language model
    #[arg(long, default_value = "gemma-3-270m")]
    llm_name: String,
    /// Threads the language model runs on
    #[arg(long, default_value_t = 2)]
    llm_threads: usize,
}

/// Loads the model and serves it until ctrl-c.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    // The sidecar runs the model itself, whatever model.url says.
    let model = Arc::new(InProcess::load(&config.model).await?);
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "twinlake sidecar serving {} ({}-d) on {base}/v1/embeddings; point model.url (TWINLAKE_MODEL_URL) at {base}",
        twinlake_stores::embedder::MODEL_NAME,
        model.dim()
    );
    let mut app = twinlake_serving::sidecar::router(model);
    if let Some(path) = &args.llm {
        app = app.merge(language_model(path, &args).await?);
        let _ = writeln!(
            out,
            "and the language model {:?} ({}) on {base}/v1/chat/completions; point llm.base_url (TWINLAKE_LLM_BASE_URL) at {base}/v1",
            args.llm_name,
            path.display()
        );
    }
    let _ = out.flush();
    drop(out);
    twinlake_serving::sidecar::serve(app, listener).await?;
    Ok(ExitCode::SUCCESS)
}

/// The completions route over the GGUF model at `path`.
#[cfg(feature = "local-llm")]
async fn language_model(path: &std::path::Path, args: &Args) -> anyhow::Result<axum::Router> {
    use twinlake_serving::sidecar::completions::{self, LocalModel};
    use twinlake_serving::sidecar::generator::Generator;
    let (path, threads) = (path.to_path_buf(), args.llm_threads);
    let generator = tokio::task::spawn_blocking(move || Generator::load(&path, threads)).await??;
    Ok(completions::router(Arc::new(LocalModel::new(
        args.llm_name.clone(),
        generator,
    ))))
}

/// Without the feature there is no local model to serve.
#[cfg(not(feature = "local-llm"))]
async fn language_model(_: &std::path::Path, _: &Args) -> anyhow::Result<axum::Router> {
    anyhow::bail!(
        "this twinlake was built without a local language model: build it with \
         `cargo build --release --features local-llm` (needs cmake and clang)"
    )
}
