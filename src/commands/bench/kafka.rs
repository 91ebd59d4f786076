//! `twinlake bench kafka`: envelopes per second through the whole pipeline
//! on the Kafka bus with one and with two workers, beside the embedded bus,
//! in the same run.
//!
//! Every worker is a `twinlake pipeline run` process of its own, with its
//! own data directory (its own indexes and model), as in a deployment; the
//! Kafka workers share one lake and one consumer group. The envelopes are
//! published first (not timed), spread over many users so their keys fill
//! the partitions; the figure is the wall time from starting the workers to
//! the last one finishing caught up, distillation included. The brokers are
//! librdkafka's mock cluster, hosted by this process on loopback sockets (a
//! fresh one per run, so each starts from empty topics).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rdkafka::mocking::MockCluster;
use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_pipelines::bus::{FILES_DEAD_LETTER_TOPIC, FILES_TOPIC};
use twinlake_pipelines::sources::files::{self, FoundFile, ReadOptions};

use super::corpus::{Rng, document};
use super::scratch_config;

/// Arguments of `twinlake bench kafka`.
#[derive(clap::Args)]
pub struct Args {
    /// Envelopes (one small document each) to push through.
    #[arg(long, default_value_t = 240)]
    envelopes: usize,
    /// Words per document.
    #[arg(long, default_value_t = 120)]
    words: usize,
    /// Users the envelopes belong to (their keys spread them over partitions).
    #[arg(long, default_value_t = 12)]
    users: usize,
}

/// Partitions of the mock cluster's topic.
const PARTITIONS: i32 = 6;

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let corpus = write_corpus(dir.path(), &args)?;
    println!(
        "bench kafka: {} envelopes of ~{} words from {} users; each worker a `twinlake pipeline run` process",
        args.envelopes, args.words, args.users
    );

    let embedded = dir.path().join("embedded");
    publish(config, &embedded, None, &corpus).await?;
    let baseline = run_workers(&[embedded], &[])?;
    report("embedded bus, 1 worker", args.envelopes, baseline, baseline);

    for workers in [1, 2] {
        let mock = MockCluster::new(1)?;
        mock.create_topic(FILES_TOPIC, PARTITIONS, 1)?;
        mock.create_topic(FILES_DEAD_LETTER_TOPIC, 1, 1)?;
        let bus = format!("kafka://{}", mock.bootstrap_servers());
        let run_dir = dir.path().join(format!("kafka-{workers}"));
        let lake = format!("file://{}", run_dir.join("lake").display());
        let env = [
            ("TWINLAKE_BUS_URL", bus.clone()),
            ("TWINLAKE_LAKE_URL", lake.clone()),
        ];
        publish(
            config,
            &run_dir.join("producer"),
            Some((&bus, &lake)),
            &corpus,
        )
        .await?;
        let data_dirs: Vec<PathBuf> = (0..workers)
            .map(|w| run_dir.join(format!("worker-{w}")))
            .collect();
        let seconds = run_workers(&data_dirs, &env)?;
        report(
            &format!("kafka, {workers} worker(s)"),
            args.envelopes,
            seconds,
            baseline,
        );
    }
    Ok(())
}

/// Writes the documents, one folder per user; returns (user, files) pairs.
fn write_corpus(dir: &Path, args: &Args) -> anyhow::Result<Vec<(String, Vec<FoundFile>)>> {
    let mut rng = Rng::new(7);
    let mut corpus: Vec<(String, Vec<FoundFile>)> = (0..args.users.max(1))
        .map(|u| (format!("bench-{u:02}"), Vec::new()))
        .collect();
    let users = corpus.len();
    for i in 0..args.envelopes {
        let (user, files) = &mut corpus[i % users];
        let folder = dir.join("corpus").join(&*user);
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(format!("doc-{i:05}.txt"));
        std::fs::write(&path, document(&mut rng, args.words))?;
        files.push(FoundFile::alone(path));
    }
    Ok(corpus)
}

/// Publishes every user's files to the bus of a scratch configuration in
/// `data_dir` (the bus and lake URLs overridden when given), then closes it.
async fn publish(
    config: &Config,
    data_dir: &Path,
    urls: Option<(&str, &str)>,
    corpus: &[(String, Vec<FoundFile>)],
) -> anyhow::Result<()> {
    let mut config = scratch_config(config, data_dir);
    if let Some((bus, lake)) = urls {
        config.bus.url = bus.to_string();
        config.lake.url = lake.to_string();
    }
    let backends = crate::commands::open_backends(&config).await?;
    let bus = backends.bus()?;
    for (user, found) in corpus {
        let scope = Scope::parse(&config.tenant, user)?;
        files::publish(
            &*bus,
            &backends.lake,
            &scope,
            found,
            &ReadOptions::default(),
            config.ingest.max_file_bytes,
        )
        .await?;
    }
    Ok(())
}

/// Starts one `twinlake pipeline run` per data directory with `env`, waits
/// for all; returns the wall time in seconds.
fn run_workers(data_dirs: &[PathBuf], env: &[(&str, String)]) -> anyhow::Result<f64> {
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut children = Vec::new();
    for data in data_dirs {
        std::fs::create_dir_all(data)?;
        // Each worker's messages go to a file, read back if it fails.
        let log = data.join("worker.log");
        let child = std::process::Command::new(&exe)
            .env("TWINLAKE_DATA_DIR", data)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(["pipeline", "run"])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("starting a pipeline worker")?;
        children.push((child, log));
    }
    for (mut child, log) in children {
        let status = child.wait()?;
        anyhow::ensure!(
            status.success(),
            "a pipeline worker failed ({status}): {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    Ok(started.elapsed().as_secs_f64())
}

/// One line of figures, with the ratio to the embedded bus's time.
fn report(what: &str, envelopes: usize, seconds: f64, baseline: f64) {
    println!(
        "  {what:<24} {envelopes:>6} envelopes in {seconds:>7.2}s = {:>7.1} envelopes/s  ({:.2}x the embedded bus)",
        envelopes as f64 / seconds,
        baseline / seconds
    );
}
