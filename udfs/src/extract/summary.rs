//! Extractive session summaries: every [`WINDOW`] messages of a
//! conversation, the sentences that share the most words with the rest of
//! the stretch, in their original order, each with its speaker.

use std::collections::HashMap;

use crate::stop_words::is_stop_word;

/// Messages per summary.
pub const WINDOW: usize = 20;
/// Sentences a summary keeps.
pub const KEEP: usize = 3;

/// One message of a conversation.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// Who wrote it.
    pub author: &'a str,
    /// What they wrote.
    pub text: &'a str,
}

fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(str::to_lowercase)
        .filter(|w| w.len() > 2 && !is_stop_word(w))
        .collect()
}

/// The summary of `lines`: up to [`KEEP`] sentences, "Author: sentence",
/// joined; None when nothing has content words.
pub fn summarize(lines: &[Line<'_>]) -> Option<String> {
    let mut sentences: Vec<(usize, &str, &str)> = Vec::new();
    for line in lines {
        for s in line.text.split_inclusive(['.', '!', '?', '\n']) {
            let s = s.trim();
            if s.split_whitespace().count() >= 4 {
                sentences.push((sentences.len(), line.author, s));
            }
        }
    }
    let mut frequency: HashMap<String, usize> = HashMap::new();
    for (_, _, s) in &sentences {
        let mut words = content_words(s);
        words.sort();
        words.dedup();
        for w in words {
            *frequency.entry(w).or_default() += 1;
        }
    }
    // A sentence scores by how many other sentences share its words,
    // damped by its length so long sentences do not win by size alone.
    let mut scored: Vec<(f32, usize, &str, &str)> = sentences
        .iter()
        .map(|(i, author, s)| {
            let words = content_words(s);
            let shared: usize = words.iter().map(|w| frequency[w].saturating_sub(1)).sum();
            (
                shared as f32 / (words.len().max(1) as f32).sqrt(),
                *i,
                *author,
                *s,
            )
        })
        .filter(|(score, ..)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(KEEP);
    scored.sort_by_key(|s| s.1);
    (!scored.is_empty()).then(|| {
        scored
            .iter()
            .map(|(_, _, author, s)| format!("{author}: {s}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_keeps_the_sentences_the_stretch_is_about() {
        let lines = [
            Line {
                author: "Alice",
                text: "The barbecue is on Saturday at my place.",
            },
            Line {
                author: "Bob",
                text: "Great, I'll bring the charcoal for the barbecue grill.",
            },
            Line {
                author: "Carol",
                text: "lol",
            },
            Line {
                author: "Carol",
                text: "My cat photo from yesterday, look at him sleeping.",
            },
            Line {
                author: "Alice",
                text: "Saturday barbecue starts at one, bring charcoal early.",
            },
        ];
        let summary = summarize(&lines).unwrap();
        assert!(
            summary.contains("Bob: Great, I'll bring the charcoal"),
            "{summary}"
        );
        assert!(
            summary.starts_with("Alice: The barbecue"),
            "original order: {summary}"
        );
        assert!(!summary.contains("cat photo"), "{summary}");
        assert!(
            summarize(&[Line {
                author: "A",
                text: "ok"
            }])
            .is_none()
        );
    }
}
