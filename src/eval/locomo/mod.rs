//! `twinlake eval locomo`: how well the twin retrieves the evidence of
//! LoCoMo's questions (Maharana et al., 2024), measured without any LLM.
//!
//! Each conversation of the file is ingested as its own tenant, through the
//! same parser, pipeline and indexes a user's upload goes through, into a
//! scratch data directory. Every question then runs through the twin's own
//! search ([`twinlake_serving::twin::search`]); hits map back to the turns
//! (`dia_id`) they came from, repeats dropped, best first. The same
//! questions run against [`baseline::PlainBm25`] over the same turns, so
//! each figure has its baseline beside it from the same run.

pub mod baseline;
pub mod dataset;
pub mod metrics;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use twinlake_pipelines::sources::files::{FoundFile, ReadOptions};

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_stores::Backends;

use self::dataset::{Question, Sample};
use self::metrics::{CUTOFFS, QuestionScore, Summary, category_name, score, summarise};
use super::table::{Table, ratio};

/// What to evaluate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The LoCoMo file.
    pub file: PathBuf,
    /// Turns kept per question in the predictions (at most 100).
    pub k: usize,
    /// Only these samples (all when empty).
    pub samples: Vec<String>,
    /// Only the first N questions of each sample.
    pub max_questions: Option<usize>,
    /// Ask every question with a typo in its longest word ([`with_typo`]).
    pub typos: bool,
}

/// Ranked `dia_id`s per question key, best first.
pub type Predictions = BTreeMap<String, Vec<String>>;

/// Retrieval time per question, in milliseconds.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
}

impl Latency {
    fn of(mut ms: Vec<f64>) -> Self {
        ms.sort_by(f64::total_cmp);
        let at = |q| crate::commands::bench::quantile(&ms, q);
        Latency {
            p50_ms: at(0.5),
            p95_ms: at(0.95),
        }
    }
}

/// One system's results.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct SystemResult {
    /// Recall and MRR.
    pub figures: Summary,
    /// Time per question.
    pub latency: Latency,
}

/// The run's report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The file evaluated.
    pub file: String,
    /// Conversations ingested.
    pub samples: usize,
    /// Turns across them.
    pub turns: usize,
    /// Questions asked.
    pub questions: usize,
    /// Questions left unscored: no evidence id names a turn.
    pub questions_without_evidence: usize,
    /// Seconds spent ingesting (parse, chunk, embed, index).
    pub ingest_seconds: f64,
    /// twinlake's retrieval.
    pub twinlake: SystemResult,
    /// The plain BM25 baseline.
    pub bm25: SystemResult,
}

/// Ingests, asks and scores; returns the report and twinlake's predictions.
pub async fn run(config: &Config, options: &Options) -> anyhow::Result<(Report, Predictions)> {
    anyhow::ensure!(
        (1..=100).contains(&options.k),
        "--k must be between 1 and 100, not {}",
        options.k
    );
    let mut samples = dataset::read(&options.file)?;
    if !options.samples.is_empty() {
        for wanted in &options.samples {
            anyhow::ensure!(
                samples.iter().any(|s| &s.id == wanted),
                "{}: no sample {wanted:?}",
                options.file.display()
            );
        }
        samples.retain(|s| options.samples.contains(&s.id));
    }
    if let Some(n) = options.max_questions {
        samples.iter_mut().for_each(|s| s.questions.truncate(n));
    }
    if options.typos {
        for question in samples.iter_mut().flat_map(|s| s.questions.iter_mut()) {
            question.text = with_typo(&question.text);
        }
    }
    let scratch = tempfile::tempdir()?;
    let config = crate::commands::bench::scratch_config(config, &scratch.path().join("data"));
    let backends = crate::commands::open_backends(&config).await?;

    let started = Instant::now();
    let mut scopes = Vec::with_capacity(samples.len());
    for sample in &samples {
        scopes.push(ingest(&backends, sample, scratch.path()).await?);
    }
    let ingest_seconds = started.elapsed().as_secs_f64();

    let mut predictions = Predictions::new();
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let (mut our_ms, mut base_ms) = (Vec::new(), Vec::new());
    let mut unscored = 0;
    let bar = crate::progress::counter("questions");
    for (sample, scope) in samples.iter().zip(&scopes) {
        let bm25 = baseline::PlainBm25::new(&sample.turns)?;
        for q in &sample.questions {
            let t = Instant::now();
            let ranked = retrieve(&backends, scope, q, options.k).await?;
            our_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let plain = bm25.rank(&q.text, options.k)?;
            base_ms.push(t.elapsed().as_secs_f64() * 1e3);
            if q.evidence.is_empty() {
                unscored += 1;
            } else {
                ours.push((q.category, score(&ranked, &q.evidence)));
                base.push((q.category, score(&plain, &q.evidence)));
            }
            predictions.insert(q.key.clone(), ranked);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let report = Report {
        file: options.file.display().to_string(),
        samples: samples.len(),
        turns: samples.iter().map(|s| s.turns.len()).sum(),
        questions: samples.iter().map(|s| s.questions.len()).sum(),
        questions_without_evidence: unscored,
        ingest_seconds,
        twinlake: result(&ours, our_ms),
        bm25: result(&base, base_ms),
    };
    Ok((report, predictions))
}

fn result(scored: &[(u8, QuestionScore)], ms: Vec<f64>) -> SystemResult {
    SystemResult {
        figures: summarise(scored),
        latency: Latency::of(ms),
    }
}

/// `question` as typed in a hurry: its longest word of 6 letters or more
/// (the first of equals) loses its middle letter ("instruments" →
/// "instrments"), the commonest kind of typo; a question without such a
/// word is unchanged.
pub fn with_typo(question: &str) -> String {
    let longest = question
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 6)
        .fold(None::<&str>, |best, w| match best {
            Some(b) if b.chars().count() >= w.chars().count() => Some(b),
            _ => Some(w),
        });
    let Some(word) = longest else {
        return question.to_string();
    };
    let middle = word.chars().count() / 2;
    let typo: String = word
        .chars()
        .enumerate()
        .filter(|(i, _)| *i != middle)
        .map(|(_, c)| c)
        .collect();
    question.replacen(word, &typo, 1)
}

/// Ingests one sample's conversation (and nothing else of it) as tenant
/// `locomo-<sample id>`, user = its first speaker.
async fn ingest(backends: &Backends, sample: &Sample, dir: &Path) -> anyhow::Result<Scope> {
    let tenant = format!("locomo-{}", id_part(&sample.id));
    let user = match id_part(&sample.speaker_a) {
        u if u.is_empty() => "speaker-a".to_string(),
        u => u,
    };
    let scope = Scope::parse(&tenant, &user)?;
    let path = dir.join(format!("{tenant}.json"));
    std::fs::write(&path, serde_json::to_vec(&sample.conversation_file)?)?;
    // Retrieval alone is measured: memories are not distilled.
    let report = crate::commands::ingest::ingest(
        backends,
        &scope,
        &[FoundFile::alone(path)],
        &ReadOptions::format("locomo"),
        twinlake_jobs::catch_up::Distil::Nobody,
    )
    .await?
    .ingest;
    if let Some(error) = report.errors.first() {
        anyhow::bail!("sample {}: {}", sample.id, error.error);
    }
    Ok(scope)
}

/// Lower-case ASCII letters, digits and '-' of `s`, at most 48 bytes.
fn id_part(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            '-' | '_' | ' ' => Some('-'),
            _ => None,
        })
        .take(48)
        .collect()
}

/// The turns the twin's search returns for `q`, best first, repeats dropped.
async fn retrieve(
    backends: &Backends,
    scope: &Scope,
    q: &Question,
    k: usize,
) -> anyhow::Result<Vec<String>> {
    let hits = twinlake_serving::twin::search::search(backends, scope, &q.text, k).await?;
    let mut ranked: Vec<String> = Vec::with_capacity(hits.len());
    for id in hits.into_iter().filter_map(|h| h.source.message_id) {
        if !ranked.contains(&id) {
            ranked.push(id);
        }
    }
    Ok(ranked)
}

/// The report as tables: figures per system and category, then latency.
pub fn tables(report: &Report) -> Vec<Table> {
    let mut header = vec!["system", "category", "questions"];
    let recall: Vec<String> = CUTOFFS.iter().map(|k| format!("R@{k}")).collect();
    header.extend(recall.iter().map(String::as_str));
    header.push("MRR");
    let mut figures = Table::new(
        format!(
            "LoCoMo evidence retrieval: {} ({} conversations, {} turns, {} questions, {} without evidence)",
            report.file,
            report.samples,
            report.turns,
            report.questions,
            report.questions_without_evidence
        ),
        &header,
    );
    for (name, system) in [("twinlake", &report.twinlake), ("bm25", &report.bm25)] {
        let s = &system.figures;
        let rows = std::iter::once(("1-4 (headline)".to_string(), &s.overall)).chain(
            s.by_category
                .iter()
                .map(|(c, a)| (format!("{c} {}", category_name(*c)), a)),
        );
        for (label, a) in rows {
            figures.row(vec![
                name.into(),
                label,
                a.questions.to_string(),
                ratio(a.recall_at_1),
                ratio(a.recall_at_5),
                ratio(a.recall_at_10),
                ratio(a.mrr),
            ]);
        }
    }
    let mut latency = Table::new(
        format!(
            "Retrieval time per question (ingest took {:.1}s)",
            report.ingest_seconds
        ),
        &["system", "p50 ms", "p95 ms"],
    );
    for (name, system) in [("twinlake", &report.twinlake), ("bm25", &report.bm25)] {
        latency.row(vec![
            name.into(),
            format!("{:.2}", system.latency.p50_ms),
            format!("{:.2}", system.latency.p95_ms),
        ]);
    }
    vec![figures, latency]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_drops_the_middle_letter_of_the_longest_word() {
        assert_eq!(
            with_typo("What instruments does Melanie play?"),
            "What instrments does Melanie play?"
        );
        assert_eq!(with_typo("Where is Lisbon?"), "Where is Lison?");
        assert_eq!(with_typo("Who is she?"), "Who is she?");
    }

    #[test]
    fn ids_become_valid_scope_names() {
        assert_eq!(id_part("conv-26"), "conv-26");
        assert_eq!(id_part("Caroline Ng!"), "caroline-ng");
        assert!(Scope::parse(&format!("locomo-{}", id_part("conv 26/x")), "a").is_ok());
    }

    #[test]
    fn latency_takes_quantiles_of_the_sorted_times() {
        let l = Latency::of((1..=100).rev().map(f64::from).collect());
        assert_eq!((l.p50_ms, l.p95_ms), (51.0, 95.0));
    }
}
