//! Which way a person's own sentence leans on what it names: "beach
//! holidays bore me" is against, "the prompts are the heart of it" is for.
//!
//! Distillation keeps only the statements its patterns know; a view said
//! once in passing still counts when a twin recommends, so this reads the
//! cue words of one sentence: words for and against, a negation flipping
//! the next cue within three words ("not keen", "don't love").

use twinlake_core::memory::Polarity;

/// Words that lean for what the sentence names.
const FOR: &[&str] = &[
    "love",
    "loved",
    "loves",
    "like",
    "likes",
    "liked",
    "prefer",
    "prefers",
    "enjoy",
    "enjoys",
    "great",
    "best",
    "favourite",
    "favorite",
    "want",
    "wants",
    "keen",
    "excited",
    "perfect",
    "heart",
    "must",
    "ship",
    "keep",
    "good",
    "fine",
    "fan",
    "yes",
    "agree",
    "happy",
    "amazing",
    "fun",
    "works",
    "win",
];

/// Words that lean against it.
const AGAINST: &[&str] = &[
    "hate",
    "hates",
    "hated",
    "dislike",
    "dislikes",
    "bore",
    "bores",
    "boring",
    "bored",
    "avoid",
    "against",
    "drop",
    "worst",
    "awful",
    "terrible",
    "risk",
    "annoying",
    "tired",
    "sick",
    "never",
    "nope",
    "skip",
    "cut",
    "bad",
    "horrible",
    "creepy",
    "useless",
    "miserable",
];

/// Words that turn the next cue around.
const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "don't",
    "dont",
    "doesn't",
    "didn't",
    "can't",
    "cannot",
    "won't",
    "isn't",
    "shouldn't",
    "wouldn't",
    "aren't",
    "hardly",
    "nothing",
];

/// How far (in words) a negation reaches.
const NEGATION_REACH: usize = 3;

/// The lower-cased words of `sentence`, apostrophes kept inside words.
fn words(sentence: &str) -> Vec<String> {
    sentence
        .to_lowercase()
        .replace('’', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Which way `sentence` leans: the balance of its cues for and against.
pub fn stance(sentence: &str) -> Polarity {
    let words = words(sentence);
    let mut balance = 0i32;
    let mut negated_until = 0usize;
    for (i, word) in words.iter().enumerate() {
        let word = word.as_str();
        let negated = i < negated_until;
        if NEGATIONS.contains(&word) {
            negated_until = i + 1 + NEGATION_REACH;
            continue;
        }
        // "can't stand" is against, whatever follows.
        if word == "stand" && negated {
            balance -= 1;
            negated_until = 0;
            continue;
        }
        let cue = if FOR.contains(&word) {
            1
        } else if AGAINST.contains(&word) {
            -1
        } else {
            continue;
        };
        balance += if negated { -cue } else { cue };
        negated_until = 0;
    }
    match balance {
        b if b > 0 => Polarity::Positive,
        b if b < 0 => Polarity::Negative,
        _ => Polarity::Neutral,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_and_negations_decide_the_lean() {
        assert_eq!(stance("Beach holidays bore me."), Polarity::Negative);
        assert_eq!(
            stance("Income should never be on a profile."),
            Polarity::Negative
        );
        assert_eq!(stance("I can't stand cilantro"), Polarity::Negative);
        assert_eq!(stance("I'm not keen on long flights"), Polarity::Negative);
        assert_eq!(
            stance("Prompts are the heart of the redesign, ship them first"),
            Polarity::Positive
        );
        assert_eq!(stance("I don't hate it"), Polarity::Positive);
        assert_eq!(stance("The meeting is at ten."), Polarity::Neutral);
    }
}
