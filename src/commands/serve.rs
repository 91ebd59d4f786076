//! `twinlake serve`: the HTTP API on the configured address.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use twinlake_core::config::Config;
use twinlake_pipelines::indexer::{IndexReport, Indexer};
use twinlake_serving::api::AppState;
use twinlake_serving::server;
use twinlake_serving::twin::learn::ChatLearner;
use twinlake_serving::twin::summary;

/// Arguments of `twinlake serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Listen address [default: serve.addr, 127.0.0.1:8080]
    #[arg(long)]
    addr: Option<String>,
    /// Also keep this node's indexes following the chunks topic, as a
    /// member of this consumer group (one group per node), for workers
    /// with `ingest.index_writes = "chunks_topic"`.
    #[arg(long, value_name = "GROUP")]
    index_group: Option<String>,
}

/// Runs `twinlake serve` until SIGINT or SIGTERM.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let addr = args.addr.unwrap_or_else(|| config.serve.addr.clone());
    let state = Arc::new(AppState::new(super::open_backends(config).await?));
    ChatLearner::start(&state);
    summary::sweep_idle(&state);
    if let Some(group) = args.index_group {
        let bus = state.backends.bus()?;
        let indexer = Indexer::new(&state.backends);
        // Stops with the runtime when the server does; a round cut short
        // is replayed by the group.
        tokio::spawn(async move {
            let log = |r: &IndexReport| {
                if r.upserted + r.deleted > 0 {
                    tracing::info!(upserted = r.upserted, deleted = r.deleted, "indexed");
                }
            };
            indexer
                .follow(&*bus, &group, log, std::future::pending())
                .await;
        });
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    if !config.serve.auth && !local.ip().is_loopback() {
        anyhow::bail!(
            "serve.auth = false would let anyone on the network read every twin: \
             it is allowed on a loopback address only, not {local}"
        );
    }
    let base = format!("http://{local}");
    let tenant = &config.tenant;
    // The banner is best effort: a closed stdout must not stop the server.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "twinlake serving on {base} (tenant {tenant}, data {})",
        config.data_dir.display()
    );
    let auth = if config.serve.auth {
        let _ = writeln!(
            out,
            "every /twin route needs an API key; make one with: KEY=$(twinlake keys create --admin | tail -1)"
        );
        " -H \"authorization: Bearer $KEY\""
    } else {
        let _ = writeln!(
            out,
            "serve.auth = false: no API key needed on this loopback address"
        );
        ""
    };
    let _ = writeln!(out, "try:");
    let _ = writeln!(out, "  curl -s {base}/health");
    let _ = writeln!(
        out,
        "  curl -s {base}/twin/alice/search{auth} -H 'content-type: application/json' -d '{{\"query\": \"what am I allergic to\", \"k\": 3}}'"
    );
    let _ = writeln!(
        out,
        "  curl -s {base}/twin/bob/chat{auth} -H 'content-type: application/json' -d '{{\"message\": \"Where do I want to go on the trip?\"}}'"
    );
    let _ = out.flush();
    drop(out);
    server::serve(state, listener).await?;
    Ok(ExitCode::SUCCESS)
}
