//! The voice profile: how the user writes, measured on their own messages
//! only, so the twin can answer in their voice.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Measures of one person's writing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoiceProfile {
    /// Messages measured.
    pub messages: usize,
    /// Mean words per sentence.
    pub words_per_sentence: f32,
    /// Distinct words per word, over windows of 100 words (so long and
    /// short histories compare).
    pub vocabulary_richness: f32,
    /// Share of messages with an exclamation mark.
    pub exclamation_rate: f32,
    /// Share of messages asking a question.
    pub question_rate: f32,
    /// Share of messages with an emoji.
    pub emoji_rate: f32,
    /// Share of messages starting in lower case.
    pub lowercase_start_rate: f32,
    /// Share of messages ending without punctuation.
    pub no_final_punctuation_rate: f32,
    /// 0 (casual: contractions, slang, emoji) to 1 (formal).
    pub formality: f32,
}

const SLANG: &[&str] = &[
    "lol", "haha", "omg", "btw", "tbh", "gonna", "wanna", "yeah", "yep", "nope", "cool", "ok",
    "okay", "hey", "thx", "pls", "u", "ur", "idk", "imo", "lmao", "xd", "yay", "awesome",
];

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF)
}

/// The voice profile of `messages`, the user's own words; None for none.
pub fn voice_profile<'a>(messages: impl IntoIterator<Item = &'a str>) -> Option<VoiceProfile> {
    let mut p = VoiceProfile::default();
    let (mut sentences, mut words_total) = (0usize, 0usize);
    let (mut contractions, mut slang) = (0usize, 0usize);
    let mut words: Vec<String> = Vec::new();
    for text in messages {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        p.messages += 1;
        let count = |hit: bool| if hit { 1.0 } else { 0.0 };
        p.exclamation_rate += count(text.contains('!'));
        p.question_rate += count(text.contains('?'));
        p.emoji_rate += count(text.chars().any(is_emoji));
        p.lowercase_start_rate += count(text.chars().next().is_some_and(char::is_lowercase));
        p.no_final_punctuation_rate +=
            count(text.chars().last().is_some_and(|c| c.is_alphanumeric()));
        sentences += text
            .split(['.', '!', '?', '\n'])
            .filter(|s| s.split_whitespace().next().is_some())
            .count()
            .max(1);
        for word in text.split_whitespace() {
            let w: String = word
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect::<String>()
                .to_lowercase();
            if w.is_empty() {
                continue;
            }
            words_total += 1;
            contractions += usize::from(w.contains('\''));
            slang += usize::from(SLANG.contains(&w.as_str()));
            words.push(w);
        }
    }
    if p.messages == 0 {
        return None;
    }
    let n = p.messages as f32;
    for rate in [
        &mut p.exclamation_rate,
        &mut p.question_rate,
        &mut p.emoji_rate,
        &mut p.lowercase_start_rate,
        &mut p.no_final_punctuation_rate,
    ] {
        *rate /= n;
    }
    p.words_per_sentence = words_total as f32 / sentences.max(1) as f32;
    let windows: Vec<f32> = words
        .chunks(100)
        .filter(|w| w.len() >= 20)
        .map(|w| w.iter().collect::<HashSet<_>>().len() as f32 / w.len() as f32)
        .collect();
    p.vocabulary_richness = if windows.is_empty() {
        words.iter().collect::<HashSet<_>>().len() as f32 / words.len().max(1) as f32
    } else {
        windows.iter().sum::<f32>() / windows.len() as f32
    };
    let per_word = |x: usize| x as f32 / words_total.max(1) as f32;
    let casual = (per_word(contractions) * 5.0
        + per_word(slang) * 10.0
        + p.emoji_rate
        + p.lowercase_start_rate
        + p.exclamation_rate * 0.5)
        / 4.0;
    p.formality = (1.0 - casual).clamp(0.0, 1.0);
    Some(p)
}

impl VoiceProfile {
    /// The profile in one sentence, for the memory's text.
    pub fn describe(&self, name: &str) -> String {
        let pct = |x: f32| (x * 100.0).round() as u32;
        let register = if self.formality >= 0.75 {
            "formal"
        } else if self.formality >= 0.5 {
            "neutral"
        } else {
            "casual"
        };
        format!(
            "{name} writes in a {register} voice: {:.1} words per sentence, vocabulary richness {:.2}, emoji in {}% of messages, exclamation marks in {}%, questions in {}%, {}% of messages start in lower case.",
            self.words_per_sentence,
            self.vocabulary_richness,
            pct(self.emoji_rate),
            pct(self.exclamation_rate),
            pct(self.question_rate),
            pct(self.lowercase_start_rate)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casual_and_formal_writers_measure_apart() {
        let casual = voice_profile([
            "lol yeah gonna be there 😅",
            "haha ok cool!!",
            "omg can't wait 🎉",
        ])
        .unwrap();
        let formal = voice_profile([
            "Thank you for the detailed report. I will review it tomorrow.",
            "Please find the revised agenda attached.",
            "The meeting is confirmed for Tuesday at ten.",
        ])
        .unwrap();
        assert_eq!(casual.messages, 3);
        assert!(casual.emoji_rate > 0.6 && formal.emoji_rate == 0.0);
        assert!(casual.lowercase_start_rate > 0.9);
        assert!(
            formal.formality > 0.8 && casual.formality < 0.5,
            "{casual:?} {formal:?}"
        );
        assert!(formal.words_per_sentence > casual.words_per_sentence);
        assert!(formal.describe("Ana").contains("formal voice"));
        assert!(voice_profile(["  "]).is_none());
    }
}
