//! Content words of a text: lower-cased, stop words dropped, lightly
//! stemmed. Used to judge which retrieved sentences answer a question.

/// English function words that carry no topic.
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
    "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself",
    "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
    "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to",
    "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "tell", "know",
    "s", "t",
];

/// A word's stem: common inflections stripped repeatedly, keeping at least
/// 3 letters, so "allergies", "allergy" and "allergic" meet.
pub fn stem(word: &str) -> String {
    const RULES: [&str; 8] = ["ies", "ing", "ed", "es", "s", "ic", "y", "e"];
    let mut current = word.to_string();
    'strip: loop {
        for suffix in RULES {
            if suffix == "s" && current.ends_with("ss") {
                continue;
            }
            if let Some(base) = current.strip_suffix(suffix) {
                if base.chars().count() >= 3 {
                    current = base.to_string();
                    continue 'strip;
                }
            }
        }
        return current;
    }
}

/// The lower-cased alphanumeric words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The distinct content-word stems of `text`, in order of appearance.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if STOP_WORDS.contains(&lower.as_str()) {
            continue;
        }
        let s = stem(&lower);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_meet_at_one_stem() {
        assert_eq!(stem("allergies"), stem("allergy"));
        assert_eq!(stem("allergic"), "allerg");
        assert_eq!(stem("hiking"), stem("hiked"));
        assert_eq!(stem("likes"), stem("liking"));
        assert_eq!(stem("class"), "class");
        assert_eq!(
            terms("What is Bob allergic to? Bob's allergies!"),
            ["bob", "allerg"]
        );
    }
}
