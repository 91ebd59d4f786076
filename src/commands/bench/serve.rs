//! `twinlake bench serve`: requests/s and latency of the HTTP API under
//! load, on the demo team's footprint, for search and chat at 32 and 64
//! concurrent connections.
//!
//! Two servers run in turn on the same data: the baseline serves the
//! routes as axum::serve does with keys off (what the API was before API
//! keys and limits), and the server `twinlake serve` runs, with a key per
//! connection (as many users would), the rate limit, deadlines, Host and
//! Origin checks and the access log (the rate limit set high enough never
//! to refuse a bench client). The ratio is the cost of that trust.
//! Every non-200 answer or transport failure counts as an error.
//!
//! A last run drives search on the guarded server while one more client
//! uploads document after document (each ingested and distilled as the
//! upload route does): parsing, chunking, encoding and distilling run on
//! the blocking pool, so searches should barely notice. Its ratio is
//! against the guarded search run at the same connection count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use twinlake_core::backend::api_keys::{NewKey, Reach};
use twinlake_core::config::Config;
use twinlake_serving::api::{AppState, router};
use twinlake_serving::server::serve_until;
use twinlake_serving::twin::learn::ChatLearner;
use twinlake_stores::lock::DataDirLock;

use super::{ingest_demo_team, quantile, scratch_config};

/// Arguments of `twinlake bench serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Seconds of load per route, server and connection count.
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// Concurrent connections, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "32,64")]
    connections: Vec<usize>,
}

/// Questions a member asks (generic, not the eval set's).
const QUESTIONS: [&str; 6] = [
    "what am I allergic to",
    "where is the barbecue",
    "which languages do I speak",
    "what do I dislike",
    "when am I free next week",
    "who is coming on the trip",
];

const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// One load run's figures.
struct Figures {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies_ms: Vec<f64>,
    /// Uploads stored by the uploading client, when there was one.
    uploads: usize,
}

/// The size of each document the uploading client sends.
const UPLOAD_BYTES: usize = 256 * 1024;

/// A document of about [`UPLOAD_BYTES`] that no other upload repeats.
fn upload_document(n: usize) -> String {
    let mut text = String::with_capacity(UPLOAD_BYTES + 128);
    let mut line = 0;
    while text.len() < UPLOAD_BYTES {
        text.push_str(&format!(
            "Upload {n}, note {line}: the garden by the river had {} apple trees and {} pear trees this season.\n",
            (n * 31 + line) % 97,
            (n * 17 + line) % 89
        ));
        line += 1;
    }
    text
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let mut open = scratch_config(config, &data);
    open.serve.auth = false;
    open.serve.requests_per_minute = 0;
    let mut guarded = scratch_config(config, &data);
    guarded.serve.auth = true;
    // The limiter runs (its cost is measured) but a bench client is not a
    // flood to refuse.
    guarded.serve.requests_per_minute = 1_000_000;

    let most = args.connections.iter().copied().max().unwrap_or(1);
    let mut searched_alone = None;
    let mut tokens = Vec::new();
    {
        let backends = crate::commands::open_backends(&open).await?;
        ingest_demo_team(&backends, &USERS).await?;
        let tenant = twinlake_core::TenantId::new(open.tenant.clone())?;
        for i in 0..most {
            let user = twinlake_core::UserId::new(USERS[i % USERS.len()])?;
            let key = NewKey::generate(tenant.clone(), Reach::Member(user))?;
            backends
                .api_keys
                .insert_key(&key.key, &key.secret_hash)
                .await?;
            tokens.push(key.token);
        }
    }

    println!(
        "bench serve: demo team, {} s per run; baseline = keys off, axum::serve; guarded = `twinlake serve` (a key per connection, limits, access log)",
        args.seconds
    );
    println!(
        "  {:<7} {:>5}  {:>9} {:>9} {:>9} {:>7}  {:>9} {:>9} {:>9} {:>7}  {:>6}",
        "route",
        "conns",
        "base r/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "guard r/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "ratio"
    );
    for route in ["search", "chat"] {
        for &connections in &args.connections {
            let seconds = Duration::from_secs(args.seconds);
            let base = load(
                &open,
                Server::Baseline,
                route,
                connections,
                seconds,
                &[],
                false,
            )
            .await?;
            let guard = load(
                &guarded,
                Server::Guarded,
                route,
                connections,
                seconds,
                &tokens,
                false,
            )
            .await?;
            let row = |f: &Figures| {
                let mut sorted = f.latencies_ms.clone();
                sorted.sort_by(f64::total_cmp);
                (
                    f.requests as f64 / f.seconds,
                    quantile(&sorted, 0.5),
                    quantile(&sorted, 0.99),
                    f.errors,
                )
            };
            let (b_rps, b50, b99, b_err) = row(&base);
            let (g_rps, g50, g99, g_err) = row(&guard);
            println!(
                "  {route:<7} {connections:>5}  {b_rps:>9.1} {b50:>9.1} {b99:>9.1} {b_err:>7}  {g_rps:>9.1} {g50:>9.1} {g99:>9.1} {g_err:>7}  {:>5.2}x",
                g_rps / b_rps
            );
            if route == "search" && connections == most {
                searched_alone = Some(row(&guard));
            }
        }
    }
    if let Some((alone_rps, _, alone99, _)) = searched_alone {
        let busy = load(
            &guarded,
            Server::Guarded,
            "search",
            most,
            Duration::from_secs(args.seconds),
            &tokens,
            true,
        )
        .await?;
        let mut sorted = busy.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let (rps, p99) = (busy.requests as f64 / busy.seconds, quantile(&sorted, 0.99));
        println!(
            "  search at {most} conns while uploading: {rps:.1} r/s (alone {alone_rps:.1}, {:.2}x), p99 {p99:.1} ms (alone {alone99:.1}), {} errors, {} uploads of {} KiB stored",
            rps / alone_rps,
            busy.errors,
            busy.uploads,
            UPLOAD_BYTES / 1024
        );
    }
    Ok(())
}

/// Which server a run drives.
#[derive(Clone, Copy)]
enum Server {
    /// The router as axum::serve runs it.
    Baseline,
    /// [`serve_until`]: the connection cap and timeouts.
    Guarded,
}

/// Drives `route` on a fresh server over `config` with `connections`
/// clients for `seconds`; client `i` sends `tokens[i]` if there are any.
/// With `uploading`, one more client uploads documents to the first
/// client's twin all the while.
#[allow(clippy::too_many_arguments)]
async fn load(
    config: &Config,
    server: Server,
    route: &'static str,
    connections: usize,
    seconds: Duration,
    tokens: &[String],
    uploading: bool,
) -> anyhow::Result<Figures> {
    let state = Arc::new(AppState::new(crate::commands::open_backends(config).await?));
    let opened = Arc::downgrade(&state);
    // Chat turns are learnt as on a real server.
    let learner = ChatLearner::start(&state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        match server {
            Server::Baseline => {
                axum::serve(listener, router(state))
                    .with_graceful_shutdown(stopped)
                    .await
            }
            Server::Guarded => serve_until(state, listener, stopped).await,
        }
    });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let started = Instant::now();
    let uploader = uploading.then(|| {
        let http = http.clone();
        let url = format!("{base}/twin/{}/upload", USERS[0]);
        let token = tokens.first().cloned().unwrap_or_default();
        tokio::spawn(async move {
            let mut stored = 0;
            let mut n = 0;
            while started.elapsed() < seconds {
                let sent = http
                    .post(format!("{url}?filename=load-{n}.txt"))
                    .bearer_auth(&token)
                    .body(upload_document(n))
                    .send()
                    .await;
                stored += usize::from(sent.is_ok_and(|r| r.status() == reqwest::StatusCode::OK));
                n += 1;
            }
            stored
        })
    });
    let clients: Vec<_> = (0..connections)
        .map(|i| {
            let http = http.clone();
            let user = USERS[i % USERS.len()];
            let url = format!("{base}/twin/{user}/{route}");
            let token = tokens.get(i).cloned();
            tokio::spawn(async move {
                let (mut requests, mut errors, mut latencies) = (0, 0, Vec::new());
                let mut n = i;
                while started.elapsed() < seconds {
                    let question = QUESTIONS[n % QUESTIONS.len()];
                    n += 1;
                    let body = match route {
                        "search" => serde_json::json!({ "query": question, "k": 5 }),
                        _ => serde_json::json!({ "message": question }),
                    };
                    let mut request = http.post(&url).json(&body);
                    if let Some(token) = &token {
                        request = request.bearer_auth(token);
                    }
                    let sent = Instant::now();
                    let ok = request
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == reqwest::StatusCode::OK);
                    latencies.push(sent.elapsed().as_secs_f64() * 1e3);
                    requests += 1;
                    errors += usize::from(!ok);
                }
                (requests, errors, latencies)
            })
        })
        .collect();
    let mut figures = Figures {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies_ms: Vec::new(),
        uploads: 0,
    };
    for client in clients {
        let (requests, errors, latencies) = client.await?;
        figures.requests += requests;
        figures.errors += errors;
        figures.latencies_ms.extend(latencies);
    }
    figures.seconds = started.elapsed().as_secs_f64();
    if let Some(uploader) = uploader {
        figures.uploads = uploader.await?;
    }
    // Close the client's connections so the server drains at once.
    drop(http);
    let _ = stop.send(());
    serving.await??;
    learner.abort();
    let _ = learner.await;
    // Work of requests cut short when the clients closed may still hold the
    // stores for a moment, and the last reference may go on another thread
    // that is still closing them: wait until the data directory's lock is
    // free, so the next run can open it.
    let released = Instant::now();
    while (opened.strong_count() > 0 || DataDirLock::acquire(&config.data_dir).is_err())
        && released.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(figures)
}
