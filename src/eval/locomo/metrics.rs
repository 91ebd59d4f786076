//! Retrieval figures: recall@k (the share of a question's evidence turns
//! found in its top k) and reciprocal rank (1 / rank of the first evidence
//! turn), averaged per category and over categories 1-4, the headline
//! figure (category 5, adversarial, is usually left out of recall).

use std::collections::BTreeMap;

use serde::Serialize;

/// The cut-offs recall is reported at.
pub const CUTOFFS: [usize; 3] = [1, 5, 10];
/// The categories in the headline figure.
pub const HEADLINE: [u8; 4] = [1, 2, 3, 4];

/// The figures of one question.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuestionScore {
    /// Recall at each of [`CUTOFFS`].
    pub recall: [f64; 3],
    /// 1 / rank of the first evidence turn, 0 when none was retrieved.
    pub reciprocal_rank: f64,
}

/// Scores `ranked` (best first, no repeats) against `evidence` (not empty).
pub fn score(ranked: &[String], evidence: &[String]) -> QuestionScore {
    let found = |k: usize| {
        let top = &ranked[..k.min(ranked.len())];
        evidence.iter().filter(|e| top.contains(e)).count() as f64 / evidence.len() as f64
    };
    let first = ranked.iter().position(|id| evidence.contains(id));
    QuestionScore {
        recall: CUTOFFS.map(found),
        reciprocal_rank: first.map_or(0.0, |r| 1.0 / (r + 1) as f64),
    }
}

/// Averages over a set of questions.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Averages {
    /// Questions counted.
    pub questions: usize,
    /// Mean recall@1.
    pub recall_at_1: f64,
    /// Mean recall@5.
    pub recall_at_5: f64,
    /// Mean recall@10.
    pub recall_at_10: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
}

impl Averages {
    fn of(scores: &[QuestionScore]) -> Self {
        let n = scores.len();
        let mean = |f: &dyn Fn(&QuestionScore) -> f64| {
            if n == 0 {
                f64::NAN
            } else {
                scores.iter().map(f).sum::<f64>() / n as f64
            }
        };
        Averages {
            questions: n,
            recall_at_1: mean(&|s| s.recall[0]),
            recall_at_5: mean(&|s| s.recall[1]),
            recall_at_10: mean(&|s| s.recall[2]),
            mrr: mean(&|s| s.reciprocal_rank),
        }
    }
}

/// One system's figures: per category and the headline.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Categories 1-4 together.
    pub overall: Averages,
    /// Each category present.
    pub by_category: BTreeMap<u8, Averages>,
}

/// Summarises (category, score) pairs.
pub fn summarise(scored: &[(u8, QuestionScore)]) -> Summary {
    let mut by: BTreeMap<u8, Vec<QuestionScore>> = BTreeMap::new();
    for (category, s) in scored {
        by.entry(*category).or_default().push(*s);
    }
    let headline: Vec<QuestionScore> = scored
        .iter()
        .filter(|(c, _)| HEADLINE.contains(c))
        .map(|(_, s)| *s)
        .collect();
    Summary {
        overall: Averages::of(&headline),
        by_category: by.iter().map(|(c, s)| (*c, Averages::of(s))).collect(),
    }
}

/// The name of a category.
pub fn category_name(category: u8) -> &'static str {
    match category {
        1 => "multi-hop",
        2 => "temporal",
        3 => "open-domain",
        4 => "single-hop",
        5 => "adversarial",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recall_counts_evidence_within_each_cutoff() {
        let ranked = ids(&["D1:1", "D1:2", "D1:3", "D1:4", "D1:5", "D1:6"]);
        let s = score(&ranked, &ids(&["D1:2", "D1:6", "D9:9"]));
        assert_eq!(s.recall, [0.0, 1.0 / 3.0, 2.0 / 3.0]);
        assert_eq!(s.reciprocal_rank, 0.5);
        let none = score(&ranked, &ids(&["D2:1"]));
        assert_eq!((none.recall, none.reciprocal_rank), ([0.0; 3], 0.0));
    }

    #[test]
    fn the_headline_leaves_adversarial_questions_out() {
        let hit = QuestionScore {
            recall: [1.0; 3],
            reciprocal_rank: 1.0,
        };
        let miss = QuestionScore {
            recall: [0.0; 3],
            reciprocal_rank: 0.0,
        };
        let s = summarise(&[(4, hit), (2, miss), (5, miss), (5, miss)]);
        assert_eq!(s.overall.questions, 2);
        assert_eq!(s.overall.recall_at_10, 0.5);
        assert_eq!(s.by_category[&5].questions, 2);
        assert_eq!(s.by_category[&4].mrr, 1.0);
    }
}
