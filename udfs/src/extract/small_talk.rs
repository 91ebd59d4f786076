//! Small talk: greetings, thanks and acknowledgements ("thanks!", "ok 👍",
//! "good morning"). A chat keeps them, but the twin does not learn from
//! them: they say nothing about the person, and as passages they would
//! crowd out the turns that do.

/// The words small talk is made of. A message of these alone (and
/// emoji or punctuation) is small talk.
const WORDS: &[&str] = &[
    "a", "alright", "awesome", "bye", "cheers", "cool", "day", "evening", "fine", "for", "gm",
    "good", "goodbye", "got", "great", "haha", "hello", "hey", "hi", "hiya", "it", "k", "kk",
    "later", "lol", "lot", "morning", "much", "nice", "night", "ok", "okay", "perfect", "right",
    "see", "so", "sure", "thank", "thanks", "thx", "ty", "very", "ya", "yeah", "yep", "yes", "yo",
    "you",
];

/// The most words small talk has: a longer message says something.
const MOST_WORDS: usize = 6;

/// Whether `text` is small talk: at most [`MOST_WORDS`] words, every one
/// of them a greeting, thanks or acknowledgement.
pub fn is_small_talk(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.len() <= MOST_WORDS && words.iter().all(|w| WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_and_thanks_are_small_talk_and_facts_are_not() {
        for said in [
            "thanks",
            "Thank you so much!",
            "ok 👍",
            "Good morning",
            "hi",
            "👍",
            "cool, got it",
        ] {
            assert!(is_small_talk(said), "{said:?}");
        }
        for said in [
            "I just adopted a cat named Miso",
            "thanks, I'm vegetarian now",
            "no",
            "ok so what is my cat called?",
            "hello hello hello hello hello hello hello",
        ] {
            assert!(!is_small_talk(said), "{said:?}");
        }
    }
}
