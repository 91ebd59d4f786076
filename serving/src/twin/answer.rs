//! Grounded answers without a language model.
//!
//! The answer is made of the retrieved passages' own sentences: each
//! sentence of the top passages is scored by how many of the question's
//! content words it holds (stemmed), with a small bonus for coming from a
//! higher-ranked passage; the best few are quoted in passage order, each
//! followed by its citation `[n]`. When no sentence shares a content word
//! with the question, the twin says it found nothing rather than guess.
//!
//! Interrogatives are stop words, yet they say what kind of sentence
//! answers: a "when" question counts a date or time in a sentence like one
//! more matched word, a "where" question a place phrase ([`Cue`]).

use serde::Serialize;
use twinlake_core::record::SourceRef;
use twinlake_udfs::parse::dates::MONTHS;

use super::search::SearchHit;
use super::terms::{terms, words};

/// Passages read for an answer.
const PASSAGES: usize = 5;
/// Sentences quoted at most.
const SENTENCES: usize = 3;

/// What the twin answers, and on what it rests.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Answer {
    /// The answer text, with `[n]` citation marks.
    pub answer: String,
    /// Whether any passage supported an answer.
    pub grounded: bool,
    /// The sources cited, numbered as in the text.
    pub citations: Vec<Citation>,
}

/// One cited source.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Citation {
    /// The number used in the answer text.
    pub n: usize,
    /// The chunk quoted.
    pub chunk_id: String,
    /// Its origin: file, byte range, page or message id.
    pub source: SourceRef,
    /// The sentences quoted from it.
    pub quote: String,
}

/// The kind of answer a question asks for, read from its interrogative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    /// "when", "what day", "what time", "which date"...
    Time,
    /// "where".
    Place,
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl Cue {
    fn of_question(question: &str) -> Vec<Cue> {
        let q = question.to_lowercase();
        let words = words(&q);
        let asks = |w: &str| words.iter().any(|x| x == w);
        let mut cues = Vec::new();
        let time_phrase = [
            "what day",
            "which day",
            "what time",
            "what date",
            "which date",
        ]
        .iter()
        .any(|p| q.contains(p));
        if asks("when") || time_phrase {
            cues.push(Cue::Time);
        }
        if asks("where") {
            cues.push(Cue::Place);
        }
        cues
    }

    fn holds(&self, sentence: &str) -> bool {
        let words = words(sentence);
        match self {
            Cue::Time => words.iter().map(String::as_str).any(|w| {
                WEEKDAYS.contains(&w)
                    || MONTHS.contains(&w)
                    || matches!(
                        w,
                        "am" | "pm"
                            | "today"
                            | "tomorrow"
                            | "tonight"
                            | "weekend"
                            | "morning"
                            | "evening"
                    )
                    || (w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()))
            }),
            Cue::Place => words.windows(2).any(|pair| {
                matches!(pair[0].as_str(), "at" | "in" | "near" | "to")
                    && !STOP_AFTER_PLACE.contains(&pair[1].as_str())
            }),
        }
    }
}

/// Words after "at"/"in" that do not start a place ("in time", "at all").
const STOP_AFTER_PLACE: [&str; 7] = ["all", "least", "time", "fact", "order", "general", "case"];

/// A sentence of a passage, with where it came from.
struct Sentence<'a> {
    passage: usize,
    order: usize,
    text: &'a str,
    score: f32,
}

/// Splits text into sentences at `.`, `!`, `?` and line breaks.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end_here = match b {
            b'\n' => true,
            b'.' | b'!' | b'?' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            _ => false,
        };
        if end_here {
            let s = text[start..=i].trim();
            if s.chars().any(char::is_alphanumeric) {
                out.push(s);
            }
            start = i + 1;
        }
    }
    let tail = text[start..].trim();
    if tail.chars().any(char::is_alphanumeric) {
        out.push(tail);
    }
    out
}

/// Composes an answer to `question` from `hits` (best first).
pub fn compose(question: &str, hits: &[SearchHit]) -> Answer {
    let wanted = terms(question);
    let cues = Cue::of_question(question);
    let mut scored: Vec<Sentence<'_>> = Vec::new();
    for (p, hit) in hits.iter().take(PASSAGES).enumerate() {
        for (order, text) in sentences(&hit.text).into_iter().enumerate() {
            let have = terms(text);
            let overlap = wanted.iter().filter(|w| have.contains(w)).count();
            let cued = cues.iter().filter(|c| c.holds(text)).count();
            // A cue alone does not make a sentence relevant to the question.
            if overlap == 0 && (cued == 0 || p > 0) {
                continue;
            }
            let coverage = (overlap + cued) as f32 / (wanted.len() + cues.len()).max(1) as f32;
            let score = coverage + 0.1 / (1.0 + p as f32);
            scored.push(Sentence {
                passage: p,
                order,
                text,
                score,
            });
        }
    }
    if scored.is_empty() {
        return Answer {
            answer: "I found nothing in your footprint that answers this.".into(),
            grounded: false,
            citations: Vec::new(),
        };
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    let best = scored[0].score;
    // Keep sentences close to the best one; then read them in source order.
    let mut chosen: Vec<Sentence<'_>> = scored
        .into_iter()
        .filter(|s| s.score >= best * 0.6)
        .take(SENTENCES)
        .collect();
    chosen.sort_by_key(|s| (s.passage, s.order));

    let mut citations: Vec<Citation> = Vec::new();
    let mut parts = Vec::new();
    for s in &chosen {
        let hit = &hits[s.passage];
        let n = match citations.iter_mut().find(|c| c.chunk_id == hit.chunk_id) {
            Some(c) => {
                c.quote.push(' ');
                c.quote.push_str(s.text);
                c.n
            }
            None => {
                let n = citations.len() + 1;
                citations.push(Citation {
                    n,
                    chunk_id: hit.chunk_id.clone(),
                    source: hit.source.clone(),
                    quote: s.text.to_string(),
                });
                n
            }
        };
        parts.push(format!("{} [{n}]", s.text));
    }
    Answer {
        answer: parts.join(" "),
        grounded: true,
        citations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, text: &str) -> SearchHit {
        SearchHit::for_test(id, "e", text, 1.0)
    }

    #[test]
    fn answers_quote_matching_sentences_with_citations() {
        let hits = [
            hit(
                "a",
                "We met in 2019. Bob is allergic to shellfish, so no prawns at the barbecue.",
            ),
            hit("b", "The weather was nice.\nBob's allergy is severe."),
        ];
        let a = compose("What is Bob allergic to?", &hits);
        assert!(a.grounded);
        assert!(
            a.answer.starts_with("Bob is allergic to shellfish"),
            "{}",
            a.answer
        );
        assert!(
            a.answer.contains("[1]") && a.answer.contains("Bob's allergy is severe. [2]"),
            "{}",
            a.answer
        );
        assert!(
            !a.answer.contains("2019") && !a.answer.contains("weather"),
            "{}",
            a.answer
        );
        assert_eq!(a.citations.len(), 2);
        assert_eq!(a.citations[1].source.uri, "/b.md");
    }

    #[test]
    fn when_and_where_questions_prefer_dates_and_places() {
        let hits = [hit(
            "a",
            "Barbecue plan for the team\nWhere: at my house, in the back garden.\nWhen: Saturday 12 December, from 1 pm.\nBring chairs.",
        )];
        let a = compose("Where is the barbecue and when?", &hits);
        assert!(
            a.answer.contains("at my house") && a.answer.contains("Saturday 12 December"),
            "{}",
            a.answer
        );
        assert!(!a.answer.contains("chairs"), "{}", a.answer);
        let a = compose("When is the barbecue?", &hits);
        assert!(a.answer.contains("Saturday 12 December"), "{}", a.answer);
        assert_eq!(Cue::of_question("Which day suits you?"), [Cue::Time]);
        assert!(Cue::of_question("What do I like?").is_empty());
        assert!(Cue::Place.holds("I would rather go to the mountains."));
        assert!(!Cue::Place.holds("We arrived in time."));
    }

    #[test]
    fn nothing_relevant_means_no_answer() {
        let a = compose("Who plays the cello?", &[hit("a", "The weather was nice.")]);
        assert!(!a.grounded && a.citations.is_empty());
        assert!(compose("anything", &[]).answer.contains("nothing"));
    }
}
