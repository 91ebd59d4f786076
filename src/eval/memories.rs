//! `twinlake eval memories [FILE]`: precision and recall of memory
//! extraction, per kind, on a labelled file (`data/eval/memories-dev.json`).
//!
//! Each case is one user's episodes in time order and the memories about
//! that user they should yield. The case runs through the same distillation
//! as an ingest ([`twinlake_pipelines::memory::distill`]); what counts as
//! predicted is what the profile would show at the case's end (about the
//! user, confidence ≥ 0.6), plus memories superseded by then, which must
//! match an expected `valid_now: false`. A prediction matches an expected
//! memory of the same kind when their canonical objects are equal or one
//! holds the other ("the snow" and "snow"). Summaries and the voice profile
//! are not scored.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use twinlake_core::Scope;
use twinlake_core::memory::{Memory, MemoryKind};
use twinlake_core::record::{Episode, SourceKind};
use twinlake_pipelines::memory::graph::Members;
use twinlake_pipelines::memory::{DistillOptions, distill};
use twinlake_udfs::extract::canonical;

use super::table::{Table, ratio};

/// The labelled file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dataset {
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    user: String,
    episodes: Vec<LabelledEpisode>,
    expected: Vec<Expected>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledEpisode {
    author: Option<String>,
    #[serde(default)]
    is_self: bool,
    at: String,
    text: String,
    conversation: Option<String>,
    title: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    kind: String,
    object: String,
    #[serde(default = "yes")]
    valid_now: bool,
}

fn yes() -> bool {
    true
}

/// Counts of one kind.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct KindScore {
    /// Memories predicted.
    pub predicted: usize,
    /// Memories expected.
    pub expected: usize,
    /// Predicted memories that match an expected one.
    pub correct_predicted: usize,
    /// Expected memories some prediction matches.
    pub found_expected: usize,
    /// correct_predicted / predicted.
    pub precision: f64,
    /// found_expected / expected.
    pub recall: f64,
}

impl KindScore {
    fn finish(&mut self) {
        let share = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        self.precision = share(self.correct_predicted, self.predicted);
        self.recall = share(self.found_expected, self.expected);
    }
}

/// One mismatch, for reading the errors.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Miss {
    /// The case.
    pub case: String,
    /// `false positive` or `missed`.
    pub what: &'static str,
    /// Kind and object.
    pub memory: String,
}

/// The whole evaluation.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct MemoryReport {
    /// Cases run.
    pub cases: usize,
    /// Episodes distilled.
    pub episodes: usize,
    /// Per kind.
    pub kinds: BTreeMap<String, KindScore>,
    /// Over all kinds.
    pub overall: KindScore,
    /// Distillation time per episode, ms.
    pub millis_per_episode: f64,
    /// Every mismatch.
    pub misses: Vec<Miss>,
}

fn objects_match(a: &str, b: &str) -> bool {
    let (a, b) = (canonical(a), canonical(b));
    let holds = |long: &str, short: &str| {
        !short.is_empty() && (long == short || format!(" {long} ").contains(&format!(" {short} ")))
    };
    holds(&a, &b) || holds(&b, &a)
}

fn parse_time(case: &str, at: &str) -> anyhow::Result<i64> {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.timestamp_micros())
        .map_err(|e| anyhow::anyhow!("case {case:?}: episode time {at:?}: {e}"))
}

/// The episodes of a case, and documents' text by episode id.
fn episodes_of(case: &Case) -> anyhow::Result<(Vec<Episode>, HashMap<String, String>)> {
    let scope = Scope::parse("eval", &case.id)?;
    let mut episodes = Vec::new();
    let mut texts = HashMap::new();
    for (i, e) in case.episodes.iter().enumerate() {
        let kind = SourceKind::parse(&e.source).ok_or_else(|| {
            anyhow::anyhow!(
                "case {:?}, episode {i}: unknown source {:?}",
                case.id,
                e.source
            )
        })?;
        let id = format!("{}-{i}", case.id);
        let mut episode = twinlake_core::record::Episode::document(&scope, &id, "eval", 1);
        episode.source_kind = kind;
        episode.author = e.author.clone();
        episode.is_self = e.is_self;
        episode.occurred_at_us = parse_time(&case.id, &e.at)?;
        episode.conversation_id = e.conversation.clone();
        episode.title = e.title.clone();
        episode.message_id = Some(i.to_string());
        if kind.is_document() {
            texts.insert(id, e.text.clone());
        } else {
            episode.text = Some(e.text.clone());
        }
        episodes.push(episode);
    }
    Ok((episodes, texts))
}

/// Runs the evaluation on `file`.
pub fn run(file: &Path) -> anyhow::Result<MemoryReport> {
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let dataset: Dataset =
        serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut report = MemoryReport::default();
    let mut millis = 0.0;
    for case in &dataset.cases {
        let (episodes, texts) = episodes_of(case)?;
        let end = episodes
            .iter()
            .map(|e| e.occurred_at_us)
            .max()
            .unwrap_or_default()
            + 1;
        let scope = Scope::parse("eval", &case.id)?;
        let aliases = vec![case.user.clone()];
        let members = Members::default();
        let started = Instant::now();
        let distilled = distill(
            &DistillOptions {
                scope: &scope,
                aliases: &aliases,
                members: &members,
                recommended: &[],
                previous: &[],
                now_us: end,
                summarize_tail: false,
            },
            &episodes,
            &texts,
        );
        millis += started.elapsed().as_secs_f64() * 1000.0;
        report.cases += 1;
        report.episodes += episodes.len();
        score_case(&mut report, case, &distilled.memories, end)?;
    }
    for score in report.kinds.values_mut() {
        score.finish();
        report.overall.predicted += score.predicted;
        report.overall.expected += score.expected;
        report.overall.correct_predicted += score.correct_predicted;
        report.overall.found_expected += score.found_expected;
    }
    report.overall.finish();
    report.millis_per_episode = millis / report.episodes.max(1) as f64;
    Ok(report)
}

fn score_case(
    report: &mut MemoryReport,
    case: &Case,
    memories: &[Memory],
    end: i64,
) -> anyhow::Result<()> {
    let predicted: Vec<&Memory> = memories
        .iter()
        .filter(|m| m.about_user && m.in_profile())
        .filter(|m| !matches!(m.kind, MemoryKind::Style | MemoryKind::Summary))
        .collect();
    let mut expected = Vec::new();
    for e in &case.expected {
        let kind = MemoryKind::parse(&e.kind)
            .ok_or_else(|| anyhow::anyhow!("case {:?}: unknown kind {:?}", case.id, e.kind))?;
        expected.push((kind, e));
    }
    let matches = |m: &Memory, kind: MemoryKind, e: &Expected| {
        m.kind == kind && objects_match(&m.object, &e.object) && m.is_valid_at(end) == e.valid_now
    };
    for m in &predicted {
        let score = report.kinds.entry(m.kind.as_str().to_string()).or_default();
        score.predicted += 1;
        if expected.iter().any(|(k, e)| matches(m, *k, e)) {
            score.correct_predicted += 1;
        } else {
            report.misses.push(Miss {
                case: case.id.clone(),
                what: "false positive",
                memory: format!(
                    "{}: {} (valid now: {})",
                    m.kind.as_str(),
                    m.object,
                    m.is_valid_at(end)
                ),
            });
        }
    }
    for (kind, e) in &expected {
        let score = report.kinds.entry(kind.as_str().to_string()).or_default();
        score.expected += 1;
        if predicted.iter().any(|m| matches(m, *kind, e)) {
            score.found_expected += 1;
        } else {
            report.misses.push(Miss {
                case: case.id.clone(),
                what: "missed",
                memory: format!(
                    "{}: {} (valid now: {})",
                    kind.as_str(),
                    e.object,
                    e.valid_now
                ),
            });
        }
    }
    Ok(())
}

/// The report as tables.
pub fn tables(report: &MemoryReport) -> Vec<Table> {
    let mut t = Table::new(
        format!(
            "memory extraction: {} cases, {} episodes, {:.3} ms per episode",
            report.cases, report.episodes, report.millis_per_episode
        ),
        &["kind", "predicted", "expected", "precision", "recall"],
    );
    let row = |name: &str, s: &KindScore| {
        vec![
            name.to_string(),
            s.predicted.to_string(),
            s.expected.to_string(),
            ratio(s.precision),
            ratio(s.recall),
        ]
    };
    for (kind, s) in &report.kinds {
        t.row(row(kind, s));
    }
    t.row(row("all", &report.overall));
    let mut misses = Table::new("mismatches", &["case", "what", "memory"]);
    for m in &report.misses {
        misses.row(vec![m.case.clone(), m.what.to_string(), m.memory.clone()]);
    }
    vec![t, misses]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_match_whole_words_only() {
        assert!(objects_match("the snow", "snow"));
        assert!(objects_match("Peanuts", "peanut"));
        assert!(!objects_match("snowboard", "snow"));
        assert!(!objects_match("", "snow"));
    }
}
