//! Which objects a contradiction can span: "I love sushi" and, later, "I
//! can't stand raw fish" are about the same thing, "I love cats" and "I
//! hate dogs" are not.
//!
//! Two objects are related when one contains the other ("fish" and "raw
//! fish") or one names a category the other belongs to. Siblings in a
//! category (cats and dogs, sushi and ramen) are not related: liking one
//! and disliking the other is a taste, not a change of mind. Sentence
//! embeddings cannot draw that line (MiniLM puts "cats"/"dogs" at 0.71
//! cosine and "sushi"/"raw fish" at 0.44), so a small category lexicon
//! does; it is meant to grow.

use super::clean::canonical;

/// Categories: names (any of which names the category) and members.
const CATEGORIES: &[(&[&str], &[&str])] = &[
    (
        &["raw fish", "sushi"],
        &[
            "sushi", "sashimi", "poke", "ceviche", "tartare", "oyster", "nigiri", "maki",
        ],
    ),
    (
        &["fish", "seafood"],
        &[
            "salmon", "tuna", "cod", "trout", "sardine", "anchovy", "sushi", "sashimi", "mackerel",
            "herring",
        ],
    ),
    (
        &["shellfish", "seafood"],
        &[
            "prawn", "shrimp", "crab", "lobster", "mussel", "oyster", "clam", "scallop", "squid",
            "octopus",
        ],
    ),
    (
        &["meat"],
        &[
            "steak", "beef", "pork", "bacon", "ham", "chicken", "lamb", "sausage", "burger",
            "salami", "veal", "duck",
        ],
    ),
    (
        &["dairy"],
        &[
            "cheese",
            "milk",
            "yogurt",
            "yoghurt",
            "butter",
            "cream",
            "ice cream",
            "halloumi",
        ],
    ),
    (
        &["nut", "tree nut"],
        &[
            "peanut",
            "almond",
            "walnut",
            "cashew",
            "hazelnut",
            "pistachio",
            "pecan",
        ],
    ),
    (
        &["alcohol", "drinking"],
        &[
            "beer",
            "wine",
            "whisky",
            "whiskey",
            "vodka",
            "gin",
            "rum",
            "cocktail",
            "champagne",
        ],
    ),
    (
        &["sweet", "dessert"],
        &[
            "chocolate",
            "cake",
            "candy",
            "cookie",
            "ice cream",
            "pastry",
            "dessert",
        ],
    ),
    (
        &["spicy food", "spicy"],
        &[
            "chili",
            "chilli",
            "hot sauce",
            "jalapeno",
            "sriracha",
            "wasabi",
        ],
    ),
    (
        &["coffee"],
        &["espresso", "latte", "cappuccino", "flat white", "americano"],
    ),
    (
        &["cold", "cold weather", "winter"],
        &["snow", "frost", "freezing"],
    ),
    (&["egg"], &["omelette", "omelet", "mayonnaise", "frittata"]),
    (&["heat", "hot weather", "summer heat"], &["heatwave"]),
    (
        &["flying", "flight", "plane"],
        &["long flight", "short flight", "long haul flight"],
    ),
    (
        &["crowd", "noise"],
        &["loud bar", "club", "festival", "party"],
    ),
];

fn names_of(key: &str) -> impl Iterator<Item = usize> + '_ {
    CATEGORIES
        .iter()
        .enumerate()
        .filter(move |(_, (names, _))| names.iter().any(|n| canonical(n) == key))
        .map(|(i, _)| i)
}

fn member_of(key: &str, category: usize) -> bool {
    CATEGORIES[category].1.iter().any(|m| {
        let m = canonical(m);
        key == m || ends_with_words(key, &m)
    })
}

/// Whether `long` ends with the whole words of `short` ("raw fish", "fish").
fn ends_with_words(long: &str, short: &str) -> bool {
    long.len() > short.len()
        && long.ends_with(short)
        && long.as_bytes()[long.len() - short.len() - 1] == b' '
}

/// Whether `a` and `b` are the same thing or one is a kind of the other.
pub fn related(a: &str, b: &str) -> bool {
    let (a, b) = (canonical(a), canonical(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b
        || ends_with_words(&a, &b)
        || ends_with_words(&b, &a)
        || names_of(&a).any(|c| member_of(&b, c))
        || names_of(&b).any(|c| member_of(&a, c))
}

/// Diets, and the categories (names in [`CATEGORIES`]) each rules out.
const DIETS: &[(&str, &[&str])] = &[
    ("vegetarian", &["meat", "fish", "shellfish"]),
    ("vegan", &["meat", "fish", "shellfish", "dairy", "egg"]),
    ("pescatarian", &["meat"]),
    ("lactose intolerant", &["dairy"]),
    ("teetotal", &["alcohol"]),
    ("sober", &["alcohol"]),
];

/// Whether `hay` holds the whole words of `needle` (both canonical).
fn holds_words(hay: &str, needle: &str) -> bool {
    !needle.is_empty()
        && (hay == needle
            || hay.starts_with(&format!("{needle} "))
            || hay.ends_with(&format!(" {needle}"))
            || hay.contains(&format!(" {needle} ")))
}

/// Whether `text` mentions `thing` or a kind of it: "grilled prawns"
/// mentions shellfish, "satay with peanut sauce" mentions peanuts.
pub fn mentions(text: &str, thing: &str) -> bool {
    let (text, thing) = (canonical(text), canonical(thing));
    holds_words(&text, &thing)
        || names_of(&thing).any(|c| {
            CATEGORIES[c]
                .1
                .iter()
                .any(|m| holds_words(&text, &canonical(m)))
        })
}

/// The categories the diet `diet` rules out ("vegetarian": meat, fish,
/// shellfish); none for what is not a diet.
pub fn ruled_out_by(diet: &str) -> &'static [&'static str] {
    let diet = canonical(diet);
    DIETS
        .iter()
        .find(|(name, _)| canonical(name) == diet)
        .map(|(_, out)| *out)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{mentions, related, ruled_out_by};

    #[test]
    fn a_text_mentions_a_thing_or_a_kind_of_it() {
        assert!(mentions("Grilled prawns with garlic", "shellfish"));
        assert!(mentions("Satay skewers with peanut sauce", "peanuts"));
        assert!(mentions("Beef burgers", "meat"));
        assert!(!mentions("Halloumi and vegetable skewers", "meat"));
        assert!(!mentions("Pineapple salsa", "apple"));
        assert_eq!(ruled_out_by("Vegetarian"), ["meat", "fish", "shellfish"]);
        assert!(ruled_out_by("climbing").is_empty());
        assert!(
            ruled_out_by("vegetarian")
                .iter()
                .any(|c| mentions("Salmon fillets", c))
        );
    }

    #[test]
    fn kinds_of_a_thing_are_related_and_siblings_are_not() {
        assert!(related("sushi", "raw fish"));
        assert!(related("raw fish", "sushi"));
        assert!(related("fish", "raw fish"));
        assert!(related("the cold", "snow"));
        assert!(related("prawns", "shellfish"));
        assert!(!related("cats", "dogs"));
        assert!(!related("sushi", "ramen"));
        assert!(!related("sourdough bread", "white bread"));
        assert!(!related("spicy food", "fast food"));
    }
}
