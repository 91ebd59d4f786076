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
    let _ = out.flush();
    drop(out);
    twinlake_serving::sidecar::serve(model, listener).await?;
    Ok(ExitCode::SUCCESS)
}
