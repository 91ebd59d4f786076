//! `twinlake bench search --docs N`: hybrid search latency over N synthetic
//! chunks in one user's scope (the worst case: every chunk a candidate).
//!
//! The corpus is loaded straight into both indexes with random unit vectors
//! (embedding 100k chunks would take minutes and measure the model, not the
//! search); every timed query runs the real path: embed with the model, BM25,
//! dense search, fusion.

use std::time::Instant;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_core::ids::chunk_id;
use twinlake_core::record::{Chunk, SourceKind, SourceRef};
use twinlake_serving::twin::search::search;

use super::corpus::{Rng, sentence};
use super::{peak_rss_mib, quantile, scratch_config};

/// Arguments of `twinlake bench search`.
#[derive(clap::Args)]
pub struct Args {
    /// Chunks in the corpus.
    #[arg(long, default_value_t = 10_000)]
    docs: usize,
    /// Timed queries.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Results per query.
    #[arg(long, default_value_t = 10)]
    k: usize,
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = scratch_config(config, &dir.path().join("data"));
    let backends = crate::commands::open_backends(&config).await?;
    let scope = Scope::parse(&config.tenant, "bench")?;
    let dim = backends.dim();
    let mut rng = Rng::new(7);

    let load = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..args.docs {
        let text = format!(
            "{} {} {}",
            sentence(&mut rng),
            sentence(&mut rng),
            sentence(&mut rng)
        );
        let mut embedding: Vec<f32> = (0..dim).map(|_| rng.signed()).collect();
        let norm = embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
        embedding.iter_mut().for_each(|x| *x /= norm);
        let episode = format!("bench-{}", i / 20);
        batch.push(Chunk {
            chunk_id: chunk_id(&episode, i as u32),
            episode_id: episode,
            scope: scope.clone(),
            ordinal: (i % 20) as u32,
            token_count: text.split_whitespace().count() as u32,
            source: SourceRef {
                uri: format!("/bench/{}.txt", i / 20),
                byte_start: 0,
                byte_end: text.len() as u64,
                page: None,
                message_id: None,
                line: None,
            },
            text,
            source_kind: SourceKind::Text,
            occurred_at_us: 0,
            author: None,
            is_self: false,
            context: String::new(),
            embedding,
        });
        if batch.len() == 1000 || i + 1 == args.docs {
            backends.vectors.upsert(&batch).await?;
            backends.text.upsert(&batch).await?;
            batch.clear();
        }
    }
    backends.vectors.commit().await?;
    backends.text.commit().await?;
    let load_seconds = load.elapsed().as_secs_f64();

    let queries: Vec<String> = (0..args.queries).map(|_| sentence(&mut rng)).collect();
    // Warm up caches and the model once.
    search(&backends, &scope, &queries[0], args.k).await?;
    let embedder = backends.embedder().await?;
    let mut total = Vec::with_capacity(queries.len());
    let mut embed_only = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        embedder.embed(vec![q.clone()]).await?;
        embed_only.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let hits = search(&backends, &scope, q, args.k).await?;
        total.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!hits.is_empty(), "no results for {q:?}");
    }
    total.sort_by(f64::total_cmp);
    embed_only.sort_by(f64::total_cmp);
    println!(
        "bench search: {} chunks in one user's scope, {} queries, k={}",
        args.docs, args.queries, args.k
    );
    println!(
        "  load       {:.2}s ({:.0} chunks/s into both indexes)",
        load_seconds,
        args.docs as f64 / load_seconds
    );
    println!(
        "  search     p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   (embed + BM25 + dense + fusion)",
        quantile(&total, 0.5),
        quantile(&total, 0.95),
        quantile(&total, 0.99)
    );
    println!(
        "  of which   p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   (query embedding alone)",
        quantile(&embed_only, 0.5),
        quantile(&embed_only, 0.95),
        quantile(&embed_only, 0.99)
    );
    if let Some(mib) = peak_rss_mib() {
        println!("  peak memory {mib:.0} MiB (VmHWM)");
    }
    Ok(())
}
