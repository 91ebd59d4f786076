//! `twinlake bench ingest`: the whole pipeline on a generated corpus, then
//! the bare embedder on the same text split into sentences.

use std::time::Instant;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_jobs::catch_up::Distil;

use super::corpus::{Rng, document};
use super::{peak_rss_mib, scratch_config};

/// Arguments of `twinlake bench ingest`.
#[derive(clap::Args)]
pub struct Args {
    /// Documents to generate.
    #[arg(long, default_value_t = 40)]
    docs: usize,
    /// Words per document.
    #[arg(long, default_value_t = 1500)]
    words: usize,
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("corpus");
    std::fs::create_dir_all(&input)?;
    let mut rng = Rng::new(42);
    let mut all_text = String::new();
    for i in 0..args.docs {
        let doc = document(&mut rng, args.words);
        std::fs::write(input.join(format!("doc-{i:04}.txt")), &doc)?;
        all_text.push_str(&doc);
    }
    let config = scratch_config(config, &dir.path().join("data"));
    let backends = crate::commands::open_backends(&config).await?;
    let scope = Scope::parse(&config.tenant, "bench")?;
    let files = twinlake_pipelines::sources::files::discover(std::slice::from_ref(&input))?;
    let report = crate::commands::ingest::ingest(
        &backends,
        &scope,
        &files,
        &Default::default(),
        Distil::Nobody,
    )
    .await?
    .ingest;

    let sentences: Vec<&str> = all_text
        .split_inclusive(". ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let tokenizer = backends.tokenizer()?;
    let sentence_tokens: usize = sentences
        .iter()
        .map(|s| tokenizer.encode(*s, false).map_or(0, |e| e.get_ids().len()))
        .sum();
    let embedder = backends.embedder().await?;
    let started = Instant::now();
    let mut embedded = 0;
    for batch in sentences.chunks(256) {
        let batch = batch.iter().map(|s| s.to_string()).collect();
        embedded += embedder.embed(batch).await?.len();
    }
    let embed_seconds = started.elapsed().as_secs_f64();

    println!(
        "bench ingest: {} docs x ~{} words, chunk_tokens {}, {} ORT thread(s), batch {}",
        args.docs,
        args.words,
        config.ingest.chunk_tokens,
        config.model.effective_threads(),
        config.model.batch_size
    );
    println!(
        "  pipeline   {:>6} chunks    in {:>6.2}s = {:>7.1} chunks/s    {:>6.0} tokens/s  ({:.0} KiB/s of text)",
        report.chunks,
        report.seconds,
        report.chunks as f64 / report.seconds,
        report.tokens as f64 / report.seconds,
        report.bytes as f64 / report.seconds / 1024.0,
    );
    println!(
        "  embedder   {:>6} sentences in {:>6.2}s = {:>7.1} sentences/s {:>6.0} tokens/s  (same text, one sentence per input)",
        embedded,
        embed_seconds,
        embedded as f64 / embed_seconds,
        sentence_tokens as f64 / embed_seconds,
    );
    if let Some(mib) = peak_rss_mib() {
        println!("  peak memory {mib:.0} MiB (VmHWM)");
    }
    Ok(())
}
