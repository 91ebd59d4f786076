//! `twinlake bench chat`: how long a chat turn takes, and how soon what it
//! says can be found, on the demo team's footprint.
//!
//! One client at a time tells a twin a new fact ("the spare key code is
//! kx0042") in a chat turn, then searches for it every few milliseconds
//! until a passage holds it: from sending the turn to that hit is the
//! turn's write-to-retrievable time, learning included (the outbox, the
//! pipeline, the index commit, the distillation after it). The baseline,
//! in the same run, is the same sentence uploaded as a text file, whose
//! reply comes once it is ingested, indexed and distilled: learning from
//! chat should cost no more than an upload of the same words.

use std::time::{Duration, Instant};

use twinlake_core::config::Config;
use twinlake_serving::twin::learn::ChatLearner;

use super::{InProcess, ingest_demo_team, quantile};

/// Arguments of `twinlake bench chat`.
#[derive(clap::Args)]
pub struct Args {
    /// Chat turns told, and as many files uploaded.
    #[arg(long, default_value_t = 30)]
    turns: usize,
}

const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// The fact told in turn `n`: a code no other turn holds.
fn fact(n: usize) -> (String, String) {
    let code = format!("kx{:04}", (n * 7919) % 10_000);
    (format!("Note to self: the spare key code is {code}."), code)
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let server = InProcess::start(config).await?;
    ingest_demo_team(&server.state.backends, &USERS).await?;
    let learner = ChatLearner::start(&server.state);
    let base = server.base.clone();
    let http = reqwest::Client::new();

    let (mut turn_ms, mut learnt_ms, mut upload_ms) = (Vec::new(), Vec::new(), Vec::new());
    // Who answered each turn: the extractive composer, or `[llm]`'s model.
    let mut answered_by: std::collections::BTreeMap<String, usize> = Default::default();
    for n in 0..args.turns {
        let user = USERS[n % USERS.len()];
        let (sentence, code) = fact(n);
        let sent = Instant::now();
        let reply = http
            .post(format!("{base}/twin/{user}/chat"))
            .json(&serde_json::json!({ "message": sentence }))
            .send()
            .await?;
        anyhow::ensure!(reply.status().is_success(), "chat: {}", reply.status());
        let reply: serde_json::Value = reply.json().await?;
        turn_ms.push(sent.elapsed().as_secs_f64() * 1e3);
        let who = reply["answered_by"].as_str().unwrap_or("?").to_string();
        *answered_by.entry(who).or_default() += 1;
        learnt_ms.push(until_found(&http, &base, user, &code, sent).await? * 1e3);

        let (sentence, code) = fact(n + args.turns);
        let sent = Instant::now();
        let reply = http
            .post(format!("{base}/twin/{user}/upload?filename=note-{n}.txt"))
            .body(sentence)
            .send()
            .await?;
        anyhow::ensure!(reply.status().is_success(), "upload: {}", reply.status());
        upload_ms.push(until_found(&http, &base, user, &code, sent).await? * 1e3);
    }
    learner.abort();
    // The learner's hold on the stores goes before their folder does.
    let _ = learner.await;
    server.stop().await?;

    for figures in [&mut turn_ms, &mut learnt_ms, &mut upload_ms] {
        figures.sort_by(f64::total_cmp);
    }
    let row = |name: &str, f: &[f64]| {
        println!(
            "  {name:<36} {:>8.1} {:>8.1} {:>8.1}",
            quantile(f, 0.5),
            quantile(f, 0.95),
            f.last().copied().unwrap_or(f64::NAN)
        );
    };
    println!(
        "bench chat: demo team, {} turns told one at a time (and {} files uploaded)",
        args.turns, args.turns
    );
    println!("  {:<36} {:>8} {:>8} {:>8}", "ms", "p50", "p95", "max");
    let who: Vec<String> = answered_by
        .iter()
        .map(|(who, n)| format!("{who} x{n}"))
        .collect();
    row("chat turn (whole reply)", &turn_ms);
    row("chat turn: write to retrievable", &learnt_ms);
    row("upload of the same words: to found", &upload_ms);
    println!(
        "  ratio write-to-retrievable / upload, p50: {:.2}x",
        quantile(&learnt_ms, 0.5) / quantile(&upload_ms, 0.5)
    );
    println!("  replies answered by: {}", who.join(", "));
    Ok(())
}

/// Searches `user`'s twin for `code` until a passage holds it; the seconds
/// since `sent`. Gives up after a minute.
async fn until_found(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    code: &str,
    sent: Instant,
) -> anyhow::Result<f64> {
    loop {
        let found: serde_json::Value = http
            .post(format!("{base}/twin/{user}/search"))
            .json(&serde_json::json!({ "query": format!("spare key code {code}"), "k": 3 }))
            .send()
            .await?
            .json()
            .await?;
        let hit = found["results"].as_array().is_some_and(|hits| {
            hits.iter()
                .any(|h| h["text"].as_str().is_some_and(|t| t.contains(code)))
        });
        if hit {
            return Ok(sent.elapsed().as_secs_f64());
        }
        anyhow::ensure!(
            sent.elapsed() < Duration::from_secs(60),
            "{code} was not found within a minute"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
