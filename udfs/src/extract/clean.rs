//! Tidying what a pattern captured: the object of a statement, its
//! canonical key for merging, and the area of life it belongs to.

use twinlake_core::memory::MemoryKind;

/// Words after which the rest of a clause says something else ("I love
/// sourdough *but*...").
const CLAUSE_BREAKS: &[&str] = &[
    " but ",
    " because ",
    " so ",
    " when ",
    " if ",
    " since ",
    " which ",
    " and i ",
    " and we ",
    " and you ",
    " though ",
    " although ",
    " while ",
    " as long as ",
    " unless ",
    " - ",
    " – ",
    " — ",
    " or ",
    " and it",
    " that i ",
    " who ",
    " for the ",
    " (",
    " with my ",
];

/// Filler at the end of a clause.
const TRAILING: &[&str] = &[
    "anymore",
    "any more",
    "too",
    "as well",
    "so much",
    "a lot",
    "though",
    "either",
    "at all",
    "really",
    "honestly",
    "lol",
    "haha",
    "now",
    "these days",
    "nowadays",
    "tbh",
    "right now",
    "in general",
    "very much",
    "the most",
    "more",
    "all the time",
];

/// Objects that are pronouns or too vague to remember.
const VAGUE: &[&str] = &[
    "it",
    "that",
    "this",
    "them",
    "you",
    "him",
    "her",
    "those",
    "these",
    "one",
    "things",
    "stuff",
    "everything",
    "something",
    "anything",
    "nothing",
    "what",
    "how",
    "the idea",
    "the way",
    "the plan",
    "mine",
    "yours",
    "so",
    "there",
    "here",
    "all",
    "both",
    "to",
    "own",
    "much",
];

/// The object of a statement as captured up to the sentence's end, cut at
/// the first clause break and stripped of filler; None when what remains
/// is vague or too long to be one thing.
pub(crate) fn object(captured: &str) -> Option<String> {
    object_up_to(captured, 6)
}

/// [`object`] with room for `max_words` words.
pub(crate) fn object_up_to(captured: &str, max_words: usize) -> Option<String> {
    let mut text = clause(captured);
    // Outside a list, a comma ends the thing: "a nurse at the Charité,
    // night shifts mostly".
    if let Some(cut) = text.find(", ") {
        text.truncate(cut);
    }
    loop {
        let lower = text.to_lowercase();
        let Some(t) = TRAILING
            .iter()
            .find(|t| lower.ends_with(&format!(" {t}")) || lower == **t)
        else {
            break;
        };
        text.truncate(text.len() - t.len());
        text = text
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_string();
    }
    let words = text.split_whitespace().count();
    let lower = text.to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or_default();
    let clause_like = words > 1 && PRONOUNS.contains(&first);
    (words > 0 && words <= max_words && !clause_like && !VAGUE.contains(&lower.as_str()))
        .then_some(text)
}

/// Words that start a new clause, not a thing ("it tastes like soap").
const PRONOUNS: &[&str] = &[
    "i", "it", "we", "they", "he", "she", "you", "that", "this", "there", "my", "your", "his",
    "her", "our", "their", "not", "less", "more", "even", "only", "just", "also", "want", "need",
    "will", "would", "can", "could", "should", "have", "has", "had", "am", "is", "are", "was",
    "think", "hope", "guess", "know", "feel", "so", "then",
];

/// `captured` up to its first clause break, without edge punctuation.
pub(crate) fn clause(captured: &str) -> String {
    let mut text = format!(" {} ", captured.trim());
    let lower = text.to_lowercase();
    if let Some(cut) = CLAUSE_BREAKS.iter().filter_map(|b| lower.find(b)).min() {
        text.truncate(cut);
    }
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// The key two mentions of one thing share: lowercase, ASCII letters and
/// digits, no leading article or possessive, a plural `s` dropped.
pub fn canonical(text: &str) -> String {
    let folded: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ß' => 's',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    let words: Vec<String> = folded
        .split_whitespace()
        .filter(|w| !matches!(*w, "the" | "a" | "an" | "my" | "s"))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w.to_string()
            }
        })
        .collect();
    words.join(" ")
}

/// Object words that place a memory in an area of life.
const DOMAINS: &[(&str, &[&str])] = &[
    (
        "food",
        &[
            "food",
            "eat",
            "bread",
            "cake",
            "sushi",
            "fish",
            "meat",
            "cheese",
            "peanut",
            "nut",
            "shellfish",
            "prawn",
            "crab",
            "mussel",
            "cilantro",
            "coriander",
            "spicy",
            "chili",
            "vegetarian",
            "vegan",
            "gluten",
            "lactose",
            "coffee",
            "tea",
            "wine",
            "beer",
            "pizza",
            "pasta",
            "chocolate",
            "sourdough",
            "dinner",
            "lunch",
            "breakfast",
            "cook",
            "bake",
            "garlic",
            "onion",
            "egg",
            "milk",
            "halloumi",
            "barbecue",
            "bbq",
            "salad",
            "soup",
            "fruit",
            "dessert",
            "restaurant",
            "ramen",
            "curry",
            "burger",
            "taco",
            "vegetable",
            "grill",
            "meal",
            "snack",
            "dish",
            "cuisine",
            "rice",
            "noodle",
            "sandwich",
            "steak",
            "chicken",
            "tofu",
            "lemonade",
            "juice",
        ],
    ),
    (
        "travel",
        &[
            "trip",
            "travel",
            "flight",
            "fly",
            "train",
            "hotel",
            "dorm",
            "hostel",
            "beach",
            "mountain",
            "ski",
            "hike",
            "holiday",
            "vacation",
            "cold",
            "warm",
            "weather",
            "city",
            "dolomite",
            "lisbon",
            "road trip",
            "camping",
        ],
    ),
    (
        "schedule",
        &[
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "morning",
            "evening",
            "night",
            "weekend",
            "am",
            "pm",
            "before",
            "after",
            "busy",
            "away",
            "available",
        ],
    ),
    (
        "social",
        &[
            "bar",
            "party",
            "crowd",
            "people",
            "friend",
            "family",
            "dinner party",
            "quiet",
            "loud",
        ],
    ),
];

/// The area of life a memory belongs to.
pub fn domain_of(kind: MemoryKind, predicate: &str, object: &str) -> &'static str {
    match kind {
        MemoryKind::Skill | MemoryKind::Role => return "work",
        MemoryKind::Relationship => return "social",
        MemoryKind::Availability => return "schedule",
        MemoryKind::Style | MemoryKind::Summary => return "conversation",
        _ => {}
    }
    if predicate == "allergic_to" || predicate == "diet" {
        return "food";
    }
    let words = canonical(object);
    first_area(&words.split(' ').collect::<Vec<_>>(), &[]).unwrap_or(match kind {
        MemoryKind::Biography => "life",
        MemoryKind::Decision => "decisions",
        _ => "leisure",
    })
}

/// The area of life a question asks for something in, as memories are
/// filed (`food`, `travel`, `social`, ...), or None when its words name
/// none. When is not what: schedule words are passed over ("what do we
/// eat on Saturday" asks for food, "what do we do on Saturday" for
/// nothing filed), and "where" asks for travel.
pub fn area_asked(question: &str) -> Option<&'static str> {
    let words = canonical(question);
    let words: Vec<&str> = words.split(' ').collect();
    if words.contains(&"where") {
        return Some("travel");
    }
    first_area(&words, &["schedule"])
}

/// The first area of [`DOMAINS`] (but those in `skip`) one of `words`
/// (canonical) names.
fn first_area(words: &[&str], skip: &[&str]) -> Option<&'static str> {
    DOMAINS
        .iter()
        .filter(|(domain, _)| !skip.contains(domain))
        .find(|(_, keys)| {
            keys.iter().any(|k| {
                words
                    .iter()
                    .any(|w| w == k || (k.len() > 3 && w.starts_with(k)))
            })
        })
        .map(|(domain, _)| *domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_stop_at_clause_breaks_and_lose_filler() {
        assert_eq!(
            object("sourdough bread but only on Sundays").as_deref(),
            Some("sourdough bread")
        );
        assert_eq!(object("raw fish anymore!").as_deref(), Some("raw fish"));
        assert_eq!(object("cilantro too").as_deref(), Some("cilantro"));
        assert_eq!(object("it"), None);
        assert_eq!(
            object("the way the whole team keeps shipping every single week"),
            None
        );
    }

    #[test]
    fn canonical_keys_fold_case_articles_plurals_and_accents() {
        assert_eq!(canonical("Peanuts"), canonical("peanut"));
        assert_eq!(canonical("the Dolomites"), "dolomite");
        assert_eq!(canonical("Café"), "cafe");
        assert_ne!(canonical("sushi"), canonical("raw fish"));
    }

    #[test]
    fn domains_follow_the_object() {
        assert_eq!(
            domain_of(MemoryKind::Preference, "likes", "sourdough bread"),
            "food"
        );
        assert_eq!(
            domain_of(MemoryKind::Dislike, "dislikes", "long flights"),
            "travel"
        );
        assert_eq!(
            domain_of(MemoryKind::Dislike, "dislikes", "loud bars"),
            "social"
        );
        assert_eq!(domain_of(MemoryKind::Skill, "good_at", "Rust"), "work");
    }

    #[test]
    fn a_question_asks_in_the_area_its_words_name_but_not_by_when() {
        assert_eq!(area_asked("What should we eat on Saturday?"), Some("food"));
        assert_eq!(area_asked("What do we grill?"), Some("food"));
        assert_eq!(
            area_asked("Where should we go for a weekend in spring?"),
            Some("travel")
        );
        assert_eq!(area_asked("Which bar on Friday evening?"), Some("social"));
        assert_eq!(area_asked("What should we do on Saturday afternoon?"), None);
        assert_eq!(area_asked("Which colour should the logo be?"), None);
    }
}
