//! A deterministic synthetic corpus: plausible English sentences about
//! people, plans and preferences, from a seeded generator. Realistic enough
//! for tokenisation, chunking and BM25 to do representative work.

/// A small, seeded xorshift generator (no dependency, same output everywhere).
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A uniform index below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A uniform float in [-1, 1).
    pub fn signed(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PEOPLE: &[&str] = &[
    "Alice", "Bob", "Carol", "Dana", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jonas",
];
const VERBS: &[&str] = &[
    "prefers",
    "dislikes",
    "suggested",
    "booked",
    "cannot stand",
    "is excited about",
    "organised",
    "wrote about",
    "asked for",
    "is allergic to",
];
const THINGS: &[&str] = &[
    "sourdough bread",
    "a quiet cafe by the river",
    "the mountain cabin",
    "spicy food",
    "early morning meetings",
    "the new onboarding flow",
    "vegetarian burgers",
    "the kayaking trip",
    "peanuts",
    "jazz on Sunday evenings",
    "the dating profile fields",
    "train tickets to Lisbon",
    "the quarterly budget",
    "board games",
    "shellfish",
    "a rooftop barbecue",
    "the user research report",
    "hiking boots",
    "Rust code reviews",
    "the design system",
];
const TAILS: &[&str] = &[
    "last week",
    "for the next sprint",
    "because of the weather",
    "after a long discussion",
    "with the whole team",
    "before the deadline",
    "on Saturday",
    "in June",
    "at Carol's house",
    "since last year",
];

/// One sentence.
pub fn sentence(rng: &mut Rng) -> String {
    format!(
        "{} {} {} {}.",
        rng.pick(PEOPLE),
        rng.pick(VERBS),
        rng.pick(THINGS),
        rng.pick(TAILS)
    )
}

/// A document of about `words` words in paragraphs of 3-6 sentences.
pub fn document(rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    while count < words {
        let n = 3 + rng.below(4);
        let para: Vec<String> = (0..n).map(|_| sentence(rng)).collect();
        count += para
            .iter()
            .map(|s| s.split_whitespace().count())
            .sum::<usize>();
        out.push_str(&para.join(" "));
        out.push_str("\n\n");
    }
    out
}
