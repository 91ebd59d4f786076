//! What a question says beyond its topic: the words worth matching, who it
//! is about, and when.
//!
//! - Frame words ("what did Ana *say* about…", "what *kind* of…") shape
//!   every question alike and match chatter, not answers: they are dropped
//!   from the lexical query.
//! - Names: a question naming one person is about what that person said,
//!   so search boosts that author's passages. "I", "my" and "me" name the
//!   user, whose own messages are marked `is_self`.
//! - Dates: "on 13 October 2023" or "in May 2023" favours passages from
//!   that day (± [`DAY_SLACK_US`]) or that month.

use chrono::NaiveDate;
use twinlake_udfs::parse::dates::month_number;

use super::terms::words;

/// Words that frame a question rather than name its topic.
const FRAME_WORDS: &[&str] = &[
    "think", "say", "said", "says", "tell", "told", "kind", "type", "sort", "thing", "things",
];

/// Words by which the asker names themself.
const FIRST_PERSON: &[&str] = &["i", "me", "my", "mine", "myself"];

/// How far from a named day a passage still counts as "on" it: a chat
/// session is often dated a day or two after the event it reports.
pub const DAY_SLACK_US: i64 = 3 * 24 * 3600 * 1_000_000;

/// A span of time a question names, in µs since the epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// First instant inside.
    pub start_us: i64,
    /// First instant after.
    pub end_us: i64,
}

impl TimeWindow {
    /// Whether `at_us` falls inside.
    pub fn contains(&self, at_us: i64) -> bool {
        (self.start_us..self.end_us).contains(&at_us)
    }
}

/// The cues read from one question.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryCues {
    /// The question's words without frame words, for BM25.
    pub lexical: String,
    /// Its lower-cased words.
    pub words: Vec<String>,
    /// Whether the asker speaks of themself.
    pub first_person: bool,
    /// The day or month it names, if any.
    pub when: Option<TimeWindow>,
    /// What it names with capitals ("Ana", "Bob Stone"): the runs of
    /// capitalised words, longest first, then each word of a run, for
    /// looking up entities.
    pub proper_names: Vec<String>,
}

impl QueryCues {
    /// Reads `question`.
    pub fn of(question: &str) -> Self {
        let words = words(question);
        let lexical = words
            .iter()
            .filter(|w| !FRAME_WORDS.contains(&w.as_str()))
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        QueryCues {
            lexical,
            first_person: words.iter().any(|w| FIRST_PERSON.contains(&w.as_str())),
            when: time_window(&words),
            proper_names: proper_names(question),
            words,
        }
    }

    /// Whether the question names `author`: by full name, or by first name
    /// when that is at least two letters ("Bob" names "Bob Stone").
    pub fn names(&self, author: &str) -> bool {
        let parts = words(author);
        let Some(first) = parts.first() else {
            return false;
        };
        if parts.len() > 1
            && self
                .words
                .windows(parts.len())
                .any(|w| w == parts.as_slice())
        {
            return true;
        }
        first.chars().count() >= 2
            && first.chars().all(char::is_alphabetic)
            && self.words.iter().any(|w| w == first)
    }
}

/// The first "13 October 2023", "October 13th, 2023" or "May 2023" in
/// `words`. A month without a year is too vague to favour anything, and
/// requiring the year keeps "may" the verb from reading as a month.
/// The capitalised runs of `text` and their words, as [`QueryCues::proper_names`].
fn proper_names(text: &str) -> Vec<String> {
    let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
        let word = word
            .trim_end_matches("'s")
            .trim_end_matches("’s")
            .trim_matches(['\'', '’']);
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        let last = runs.last_mut().expect("never empty");
        match (capital && word.chars().count() >= 2, last.is_empty()) {
            (true, _) => last.push(word),
            (false, false) => runs.push(Vec::new()),
            (false, true) => {}
        }
    }
    let mut names: Vec<String> = runs
        .iter()
        .filter(|r| r.len() > 1)
        .map(|r| r.join(" "))
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for word in runs.iter().flatten() {
        if !names.iter().any(|n| n == word) {
            names.push(word.to_string());
        }
    }
    names
}

fn time_window(words: &[String]) -> Option<TimeWindow> {
    let day_of = |w: &str| -> Option<u32> {
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix_ok = matches!(&w[digits.len()..], "" | "st" | "nd" | "rd" | "th");
        let day: u32 = digits.parse().ok()?;
        (suffix_ok && (1..=31).contains(&day) && digits.len() <= 2).then_some(day)
    };
    let year_of = |w: &str| -> Option<i32> {
        (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
            .then(|| w.parse().ok())
            .flatten()
    };
    for (i, w) in words.iter().enumerate() {
        let Some(month) = month_number(w) else {
            continue;
        };
        let next = words.get(i + 1).map(String::as_str);
        let after = words.get(i + 2).map(String::as_str);
        let before = i
            .checked_sub(1)
            .and_then(|j| words.get(j))
            .map(String::as_str);
        let (day, year) = match (
            next.and_then(day_of),
            next.and_then(year_of),
            after.and_then(year_of),
        ) {
            (Some(day), _, Some(year)) => (Some(day), year),
            (None, Some(year), _) => (before.and_then(day_of), year),
            _ => continue,
        };
        let window = match day {
            Some(day) => {
                let date = NaiveDate::from_ymd_opt(year, month, day)?;
                let at = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
                TimeWindow {
                    start_us: at - DAY_SLACK_US,
                    end_us: at + 24 * 3600 * 1_000_000 + DAY_SLACK_US,
                }
            }
            None => {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                let next = first.checked_add_months(chrono::Months::new(1))?;
                let us = |d: NaiveDate| {
                    d.and_hms_opt(0, 0, 0)
                        .map(|t| t.and_utc().timestamp_micros())
                };
                TimeWindow {
                    start_us: us(first)?,
                    end_us: us(next)?,
                }
            }
        };
        return Some(window);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(y: i32, m: u32, d: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn proper_names_are_the_capitalised_runs_and_their_words() {
        assert_eq!(
            QueryCues::of("When is Ana's birthday, and did Bob Stone come?").proper_names,
            ["Bob Stone", "When", "Ana", "Bob", "Stone"]
        );
        assert!(
            QueryCues::of("what is my cat called?")
                .proper_names
                .is_empty()
        );
    }

    #[test]
    fn frame_words_leave_the_lexical_query() {
        let cues = QueryCues::of("What did Ana say about the kind of cake she likes?");
        assert_eq!(cues.lexical, "what did ana about the of cake she likes");
        assert!(!cues.first_person);
        assert_eq!(cues.when, None);
    }

    #[test]
    fn names_match_whole_words_of_an_author() {
        let cues = QueryCues::of("What is Bob's favourite dish?");
        assert!(cues.names("Bob Stone"));
        assert!(cues.names("bob"));
        assert!(!cues.names("Bobby"));
        assert!(!cues.names("Alice Martin"));
        assert!(!cues.names(""));
        let cues = QueryCues::of("Did the kidney stone pass?");
        assert!(!cues.names("Bob Stone"), "a surname alone is no name");
        assert!(QueryCues::of("what am I allergic to").first_person);
    }

    #[test]
    fn days_and_months_become_windows() {
        for q in [
            "What did Mel paint on October 13, 2023?",
            "What did Mel paint on 13 October 2023?",
            "What happened on October 13th, 2023?",
        ] {
            let w = QueryCues::of(q).when.unwrap_or_else(|| panic!("{q}"));
            assert!(w.contains(us(2023, 10, 13)), "{q}");
            assert!(w.contains(us(2023, 10, 16)), "{q}: slack after");
            assert!(w.contains(us(2023, 10, 10)), "{q}: slack before");
            assert!(!w.contains(us(2023, 10, 20)), "{q}");
        }
        let w = QueryCues::of("Where did Jon travel in May 2023?")
            .when
            .unwrap();
        assert_eq!((w.start_us, w.end_us), (us(2023, 5, 1), us(2023, 6, 1)));
        assert_eq!(QueryCues::of("May I come in June?").when, None);
        assert_eq!(
            QueryCues::of("What did he do on February 30, 2023?").when,
            None
        );
    }
}
