//! Statements people make about themselves and each other, read sentence
//! by sentence with patterns.
//!
//! Each [`Rule`] is written once with placeholders for its subject and
//! compiled three times: in the first person ("I'm allergic to peanuts",
//! "my sister Ana"), the second ("you're allergic to peanuts", said to the
//! user in a one-to-one chat) and the third ("Bob is allergic to
//! shellfish"). Who the statement is about, and how far to trust it,
//! follows from who wrote it:
//!
//! | written by | person | about | confidence |
//! |---|---|---|---|
//! | the user | first | the user | [`OWN_WORDS`] |
//! | someone else | first | the writer | [`THEIR_OWN_WORDS`] |
//! | someone else, to the user | second | the user | [`SAID_BY_OTHERS`] |
//! | anyone | third | the person named | [`SAID_BY_OTHERS`] |

use std::sync::LazyLock;

use regex::Regex;
use twinlake_core::memory::MemoryKind;
use twinlake_core::record::{Episode, SourceKind};

use super::clean::{clause, object, object_up_to};

/// Decisions are phrases ("take the train to Vienna instead of flying"),
/// longer than the things liked or disliked.
const DECISION_WORDS: usize = 10;
use super::{MemoryDraft, OWN_WORDS, Reader, SAID_BY_OTHERS, THEIR_OWN_WORDS};

/// Up to the end of the clause.
const REST: &str = r"(?P<o>[^.;!?:]+)";
/// A capitalised name (case-sensitive inside case-insensitive patterns).
const NAME: &str = r"(?-i:[A-Z][a-zà-ÿ]+(?: [A-Z][a-zà-ÿ]+)?)";
const RELATIVES: &str = "sister|brother|mother|mum|mom|father|dad|wife|husband|partner|boyfriend|girlfriend|fianc[eé]e?|best friend|friend|boss|manager|colleague|cousin|aunt|uncle|daughter|son|flatmate|roommate|neighbou?r|grandmother|grandma|grandfather|grandpa|niece|nephew|mentor";
const ROLES: &str = "designer|engineer|scientist|developer|manager|lead|nurse|teacher|doctor|student|researcher|analyst|founder|writer|consultant|architect|artist|chef|lawyer|photographer|musician|counsel?lor|therapist|professor|accountant|programmer|owner|director|intern|journalist|editor|pilot|mechanic|electrician|farmer|baker|entrepreneur|volunteer|coach|trainer";
const DIETS: &str = "vegetarian|vegan|pescatarian|gluten[- ]free|lactose[- ]intolerant|teetotal|sober|halal|kosher|coeliac|celiac|diabetic";
const WEEKDAYS: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";

/// One statement shape. In `pattern`, `{S}` is the subject with its
/// copula ("I'm", "you're", "Bob is"), `{V}` the subject before a verb
/// ("I", "you", "Bob"), `{P}` the possessive ("my", "your", "Bob's"), and
/// `{s}` an optional third-person verb ending. Group `o` is the object.
struct Rule {
    kind: MemoryKind,
    predicate: &'static str,
    pattern: &'static str,
    /// The sentence, with `{}` for the subject and `{o}` for the object.
    template: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        kind: MemoryKind::Dealbreaker,
        predicate: "allergic_to",
        pattern: r"{S} (?:\w+ )?allergic to {REST}",
        template: "{} is allergic to {o}.",
    },
    Rule {
        kind: MemoryKind::Dealbreaker,
        predicate: "allergic_to",
        pattern: r"{P} (?:severe |bad |serious |own )?(?P<o>[\w ]{2,30}?) allergy",
        template: "{} is allergic to {o}.",
    },
    Rule {
        kind: MemoryKind::Dealbreaker,
        predicate: "allergic_to",
        pattern: r"{V} (?:have|has) an? (?:severe |bad |serious |mild |slight )?(?P<o>[\w ]{2,30}?) allergy",
        template: "{} is allergic to {o}.",
    },
    Rule {
        kind: MemoryKind::Dealbreaker,
        predicate: "diet",
        pattern: r"{S} (?:a |now |strictly |fully |been )*(?P<o>{DIETS})\b",
        template: "{} is {o}.",
    },
    Rule {
        kind: MemoryKind::Dealbreaker,
        predicate: "needs",
        pattern: r"{P} (?:only |one |real )?dealbreaker (?:is|would be) {REST}",
        template: "{}'s dealbreaker: {o}.",
    },
    Rule {
        kind: MemoryKind::Dislike,
        predicate: "dislikes",
        pattern: r"{V} (?:really |absolutely |just |still |honestly |truly )?(?:hates?|dislikes?|detests?|loathes?|can't stand|cannot stand|can not stand|can’t stand|don't like|do not like|doesn't like|does not like|don't love|don't enjoy|doesn't enjoy|no longer likes?|no longer enjoys?|used to like|used to love|never liked?) {REST}",
        template: "{} dislikes {o}.",
    },
    Rule {
        kind: MemoryKind::Dislike,
        predicate: "dislikes",
        pattern: r"{S} (?:not a (?:big |huge )?fan of|not into|sick of|fed up with|tired of|no fan of) {REST}",
        template: "{} dislikes {o}.",
    },
    Rule {
        kind: MemoryKind::Preference,
        predicate: "likes",
        pattern: r"{V} (?:really |absolutely |just |do |also |still |totally |genuinely )?(?:love|like|adore|enjoy|prefer)(?:s)? {REST}",
        template: "{} likes {o}.",
    },
    Rule {
        kind: MemoryKind::Preference,
        predicate: "likes",
        pattern: r"{S} (?:a (?:big |huge )?fan of|into|obsessed with|crazy about|a sucker for) {REST}",
        template: "{} likes {o}.",
    },
    Rule {
        kind: MemoryKind::Preference,
        predicate: "likes",
        pattern: r"{P} favou?rite (?:\w+ )?(?:is|are) {REST}",
        template: "{}'s favourite: {o}.",
    },
    Rule {
        kind: MemoryKind::Interest,
        predicate: "interested_in",
        pattern: r"{S} (?:really |very |deeply )?(?:interested|passionate|curious) (?:in|about) {REST}",
        template: "{} is interested in {o}.",
    },
    Rule {
        kind: MemoryKind::Interest,
        predicate: "interested_in",
        pattern: r"{V}(?: have| has|'ve|’ve) been (?:learning|reading about|getting into|studying|practising|practicing) {REST}",
        template: "{} is interested in {o}.",
    },
    Rule {
        kind: MemoryKind::Skill,
        predicate: "good_at",
        pattern: r"{S} (?:really |pretty |quite |very |so |actually |reasonably )?(?:good|great|skilled|experienced|an expert|fluent) (?:at|in|with) {REST}",
        template: "{} is good at {o}.",
    },
    Rule {
        kind: MemoryKind::Skill,
        predicate: "good_at",
        pattern: r"{S} at (?:my|his|her|their) best (?:in|with|at) {REST}",
        template: "{} is good at {o}.",
    },
    Rule {
        kind: MemoryKind::Skill,
        predicate: "speaks",
        pattern: r"{V} speaks? (?P<o>(?-i:[A-Z][a-z]+)(?:(?:, | and )(?-i:[A-Z][a-z]+))*)",
        template: "{} speaks {o}.",
    },
    Rule {
        kind: MemoryKind::Role,
        predicate: "works_as",
        pattern: r"{S} (?:an? |the )(?P<o>(?:[\w-]+ ){0,3}?(?:{ROLES}))\b",
        template: "{} works as {o}.",
    },
    Rule {
        kind: MemoryKind::Role,
        predicate: "works_as",
        pattern: r"{V} works? as (?:an? |the )?{REST}",
        template: "{} works as {o}.",
    },
    Rule {
        kind: MemoryKind::Relationship,
        predicate: "{rel}",
        pattern: r"{P} (?:older |younger |little |big |old |new |twin )?(?P<rel>{RELATIVES}),? (?P<o>{NAME})",
        template: "{o} is {}'s {rel}.",
    },
    Rule {
        kind: MemoryKind::Relationship,
        predicate: "{rel}",
        pattern: r"(?P<o>{NAME}) is {P} (?:older |younger |little |big |old |new |twin )?(?P<rel>{RELATIVES})\b",
        template: "{o} is {}'s {rel}.",
    },
    Rule {
        kind: MemoryKind::Relationship,
        predicate: "reports_to",
        pattern: r"{V} (?:also )?reports? to (?:our |my |the )?(?:[\w ]+, )?(?P<o>you\b|{NAME})",
        template: "{} reports to {o}.",
    },
    Rule {
        kind: MemoryKind::Relationship,
        predicate: "manages",
        pattern: r"(?P<o>{NAME}(?: \([^)]*\))?(?:,? (?:and )?{NAME}(?: \([^)]*\))?)*) (?:both |all )?reports? to me\b",
        template: "{o} reports to {}.",
    },
    Rule {
        kind: MemoryKind::Biography,
        predicate: "lives_in",
        pattern: r"{V} (?:now )?lives? in (?P<o>{NAME})",
        template: "{} lives in {o}.",
    },
    Rule {
        kind: MemoryKind::Biography,
        predicate: "from",
        pattern: r"{V} (?:grew up|was born|were born) in (?P<o>{NAME})",
        template: "{} is from {o}.",
    },
    Rule {
        kind: MemoryKind::Biography,
        predicate: "has_pet",
        pattern: r"{P} (?P<rel>cat|dog|rabbit|parrot|hamster|horse|puppy|kitten),? (?P<o>{NAME})",
        template: "{} has a {rel}, {o}.",
    },
    Rule {
        kind: MemoryKind::Decision,
        predicate: "decided",
        pattern: r"{V}(?: have| has|'ve|’ve|'ll|’ll| will)? (?:decided|chose|picked|went with|voted for|go with) (?:to |on |for )?{REST}",
        template: "{} decided: {o}.",
    },
    Rule {
        kind: MemoryKind::Interest,
        predicate: "does",
        pattern: r"{V} (?P<o>(?:bake|sail|climb|cook|run|swim|hike|paint|play|sing|knit|garden|surf|ski|dance|draw|cycle|ride|rehearse|practise|practice|volunteer|train)s?(?: [\w']+){0,4}?) (?:every|each) (?P<rel>(?:\w+ )?(?:{WEEKDAYS}|weekend|morning|evening|night|summer|winter|week|day)s?)",
        template: "{} does {o} every {rel}.",
    },
    Rule {
        kind: MemoryKind::Availability,
        predicate: "unavailable",
        pattern: r"{S} (?:never|not|rarely) (?:available|free|around|reachable)(?P<o>[^.;!?]*)",
        template: "{} is not available {o}.",
    },
    Rule {
        kind: MemoryKind::Availability,
        predicate: "unavailable",
        pattern: r"{S} (?:useless|asleep|offline|no good) (?P<o>before \d{1,2}(?::\d\d)?(?: ?[ap]\.?m\.?)?)",
        template: "{} is not available {o}.",
    },
    Rule {
        kind: MemoryKind::Availability,
        predicate: "away",
        pattern: r"{S} (?:away|out of office|on holiday|on vacation|travelling|traveling) {REST}",
        template: "{} is away {o}.",
    },
];

/// Grammatical person of a compiled rule.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Person {
    First,
    Second,
    Third,
}

struct Compiled {
    rule: &'static Rule,
    person: Person,
    regex: Regex,
}

fn subject_parts(person: Person) -> [(&'static str, &'static str); 3] {
    match person {
        Person::First => [
            ("{S}", r"\bi(?:'m|’m| am|'ve been| have been| was)"),
            ("{V}", r"\bi"),
            ("{P}", r"\bmy"),
        ],
        Person::Second => [
            ("{S}", r"\byou(?:'re|’re| are|'ve been| have been)"),
            ("{V}", r"\byou"),
            ("{P}", r"\byour"),
        ],
        Person::Third => [
            (
                "{S}",
                r"\b(?P<name>(?-i:[A-Z][a-z]+))(?:'s|’s| is| has been| was)",
            ),
            ("{V}", r"\b(?P<name>(?-i:[A-Z][a-z]+))"),
            ("{P}", r"\b(?P<name>(?-i:[A-Z][a-z]+))(?:'s|’s)"),
        ],
    }
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for rule in RULES {
        for person in [Person::First, Person::Second, Person::Third] {
            let mut pattern = rule
                .pattern
                .replace("{REST}", REST)
                .replace("{NAME}", NAME)
                .replace("{RELATIVES}", RELATIVES)
                .replace("{ROLES}", ROLES)
                .replace("{DIETS}", DIETS)
                .replace("{WEEKDAYS}", WEEKDAYS);
            for (slot, text) in subject_parts(person) {
                pattern = pattern.replace(slot, text);
            }
            // A named subject can appear once only; rules whose object is
            // itself a name already say who the subject is.
            if person == Person::Third && pattern.matches("(?P<name>").count() != 1 {
                continue;
            }
            // A rule naming no subject ("Bob and Carol report to me") is
            // in the first person only.
            let names_subject = ["{S}", "{V}", "{P}"]
                .iter()
                .any(|s| rule.pattern.contains(s));
            if !names_subject && person != Person::First {
                continue;
            }
            let regex = Regex::new(&format!("(?i){pattern}"))
                .unwrap_or_else(|e| panic!("rule {}: {e}", rule.predicate));
            out.push(Compiled {
                rule,
                person,
                regex,
            });
        }
    }
    out
});

/// Splits text into sentences at `.`, `!`, `?`, line breaks and bullets,
/// keeping whether each was a question.
fn sentences(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let ends = match c {
            '!' | '?' | '\n' => true,
            // "10.30", "e.g." and "St. Pauli" are not ends.
            '.' => bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()),
            _ => false,
        };
        if ends {
            out.push((&text[start..i], c == '?'));
            start = i + c.len_utf8();
        }
    }
    out.push((&text[start..], false));
    out.into_iter()
        .map(|(s, q)| (s.trim().trim_start_matches(['-', '*', '•', '>']).trim(), q))
        .filter(|(s, _)| s.len() > 3)
}

/// Objects a pattern captured: a list ("Rust and PostgreSQL") gives one
/// per item; a pronoun ("no cilantro, I can't stand it") takes the thing
/// the sentence named with "no".
fn objects(captured: &str, sentence: &str, list: bool) -> Vec<String> {
    static NO_THING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bno ([a-z][a-z -]{2,30}?)\b(?:,| in | anywhere| at all|$)").unwrap()
    });
    let captured = captured.trim();
    if matches!(captured.to_lowercase().as_str(), "it" | "them" | "that") {
        return NO_THING
            .captures(sentence)
            .and_then(|c| object(&c[1]))
            .into_iter()
            .collect();
    }
    let lower = captured.to_lowercase();
    if [
        "that ", "you ", "it ", "when ", "how ", "if ", "what ", "to be ", "being ",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        return Vec::new();
    }
    if !list {
        return object(captured).into_iter().collect();
    }
    let whole = clause(captured);
    // Only "A, B and C" is a list; "sushi, book the seats" is a thing
    // and a new clause.
    let is_list = whole.contains(" and ") || whole.contains(" & ");
    let mut parts: Vec<&str> = whole
        .split(", ")
        .flat_map(|part| part.split(" and "))
        .flat_map(|part| part.split(" & "))
        .collect();
    if !is_list {
        let first_dangles = parts.first().is_some_and(|p| {
            let lower = p.to_lowercase();
            let mut words = lower.split_whitespace();
            matches!(words.next(), Some("a" | "an")) && words.count() == 1
        });
        parts.truncate(if first_dangles { 2 } else { 1 });
    }
    // "a dark, crackly crust": an article and one adjective belong to the
    // next item.
    let mut out = Vec::new();
    let mut carry = String::new();
    for (i, part) in parts.iter().enumerate() {
        let lower = part.trim().to_lowercase();
        let mut words = lower.split_whitespace();
        let dangling = matches!(words.next(), Some("a" | "an")) && words.count() == 1;
        if dangling && i + 1 < parts.len() {
            carry = format!("{} ", part.trim());
            continue;
        }
        out.extend(object(&format!("{carry}{part}")));
        carry.clear();
    }
    out
}

/// The capitalised names in a list ("Bob (backend) and Carol").
fn names(list: &str) -> Vec<String> {
    static NAMES: LazyLock<Regex> = LazyLock::new(|| Regex::new(NAME).expect("name pattern"));
    static ASIDE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\([^)]*\)").expect("aside"));
    let without_asides = ASIDE.replace_all(list, "");
    NAMES
        .find_iter(&without_asides)
        .map(|m| m.as_str().to_string())
        .filter(|n| !is_pronoun_like(n))
        .collect()
}

/// Skills listed under a "Skills" heading of the user's own document, one
/// per short line. A short line right before a paragraph is that
/// paragraph's heading, not a skill.
pub fn skill_section(text: &str) -> Vec<String> {
    const HEADINGS: &[&str] = &[
        "skills",
        "what i'm good at",
        "what i am good at",
        "expertise",
        "core skills",
    ];
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let heading = line.trim_end_matches(':').to_lowercase();
        if !HEADINGS.contains(&heading.as_str()) {
            continue;
        }
        let mut items: Vec<&str> = Vec::new();
        let mut ended_by_paragraph = false;
        for next in &lines[i + 1..] {
            let words = next.split_whitespace().count();
            if next.ends_with('.') || words > 10 {
                ended_by_paragraph = true;
                break;
            }
            items.push(next);
        }
        if ended_by_paragraph {
            items.pop();
        }
        for item in items {
            let name = item.split(':').next().unwrap_or(item);
            out.extend(object(name));
        }
    }
    out
}

/// Every statement in `text`, an episode's words.
pub fn extract(reader: &Reader, episode: &Episode, text: &str) -> Vec<MemoryDraft> {
    if episode.meta.get("retweet").is_some_and(|v| v == "true") {
        return Vec::new();
    }
    let author = episode.author.as_deref().unwrap_or_default();
    let by_user = episode.is_self
        || (author.is_empty() && episode.source_kind != SourceKind::Locomo)
        || reader.is_user(author);
    // "You" means the user only in a chat between the writer and the user.
    let to_user = !by_user
        && episode
            .title
            .as_deref()
            .is_some_and(|t| first_name(author).is_some_and(|f| t.to_lowercase().contains(&f)));
    let mut drafts = Vec::new();
    if by_user && episode.source_kind.is_document() {
        for skill in skill_section(text) {
            let sentence = format!("{} is good at {skill}.", reader.user_name);
            drafts.push(reader.draft(
                episode,
                MemoryKind::Skill,
                "good_at",
                &skill,
                sentence,
                OWN_WORDS,
            ));
        }
    }
    for (sentence, question) in sentences(text) {
        if question {
            continue;
        }
        for compiled in COMPILED.iter() {
            for caps in compiled.regex.captures_iter(sentence) {
                let (subject, about_user, confidence) = match compiled.person {
                    Person::First if by_user => (reader.user_name.clone(), true, OWN_WORDS),
                    Person::First if !author.is_empty() => {
                        (author.to_string(), false, THEIR_OWN_WORDS)
                    }
                    Person::Second if to_user => (reader.user_name.clone(), true, SAID_BY_OTHERS),
                    Person::Third => {
                        let name = &caps["name"];
                        if is_pronoun_like(name) {
                            continue;
                        }
                        if reader.is_user(name) {
                            (reader.user_name.clone(), true, SAID_BY_OTHERS)
                        } else {
                            (name.to_string(), false, SAID_BY_OTHERS)
                        }
                    }
                    _ => continue,
                };
                let rule = compiled.rule;
                let rel = caps.name("rel").map(|m| m.as_str().to_lowercase());
                let list = matches!(
                    rule.kind,
                    MemoryKind::Preference
                        | MemoryKind::Dislike
                        | MemoryKind::Skill
                        | MemoryKind::Dealbreaker
                        | MemoryKind::Interest
                );
                let found = match rule.predicate {
                    // "Fridays after 6 pm I am never available": the time
                    // may stand anywhere in the sentence.
                    _ if rule.kind == MemoryKind::Availability => when(sentence)
                        .or_else(|| object(&caps["o"]))
                        .into_iter()
                        .collect(),
                    // The "you" a report line names is the chat partner.
                    "reports_to" if caps["o"].eq_ignore_ascii_case("you") => {
                        episode.title.iter().cloned().collect()
                    }
                    "manages" => names(&caps["o"]),
                    _ if rule.kind == MemoryKind::Decision => {
                        object_up_to(&caps["o"], DECISION_WORDS)
                            .into_iter()
                            .collect()
                    }
                    _ => objects(&caps["o"], sentence, list),
                };
                for object in found {
                    let predicate = match (&rel, rule.predicate) {
                        (Some(rel), "{rel}") => rel.replace(' ', "_"),
                        _ => rule.predicate.to_string(),
                    };
                    let sentence = rule
                        .template
                        .replace("{}", &subject)
                        .replace("{o}", &object)
                        .replace("{rel}", rel.as_deref().unwrap_or_default());
                    let mut draft = reader.draft(
                        episode, rule.kind, &predicate, &object, sentence, confidence,
                    );
                    draft.subject = subject.clone();
                    draft.about_user = about_user;
                    drafts.push(draft);
                }
            }
        }
    }
    drafts.sort_by(|a, b| {
        (a.kind, &a.subject, &a.predicate, &a.object).cmp(&(
            b.kind,
            &b.subject,
            &b.predicate,
            &b.object,
        ))
    });
    drafts.dedup_by(|a, b| {
        a.kind == b.kind
            && a.subject == b.subject
            && a.predicate == b.predicate
            && a.object == b.object
    });
    drafts
}

/// The times a sentence names: weekdays, parts of the day, "after 6 pm",
/// "14–18 December".
fn when(sentence: &str) -> Option<String> {
    static TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)\b(?:(?:on |every )?(?:{WEEKDAYS})s?(?: (?:morning|afternoon|evening|night)s?)?|weekends?|(?:before|after|until|from) \d{{1,2}}(?:[:.]\d\d)?(?: ?[ap]\.?m\.?)?|\d{{1,2}}(?:\s*[–-]\s*\d{{1,2}})? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|mornings|evenings|nights)\b"
        ))
        .expect("time pattern")
    });
    let found: Vec<&str> = TIME.find_iter(sentence).map(|m| m.as_str()).collect();
    (!found.is_empty()).then(|| found.join(" "))
}

fn first_name(author: &str) -> Option<String> {
    author
        .split_whitespace()
        .next()
        .map(|f| f.trim_start_matches('@').to_lowercase())
        .filter(|f| f.len() > 1)
}

/// Capitalised words at a sentence start that are not names.
fn is_pronoun_like(word: &str) -> bool {
    matches!(
        word.to_lowercase().as_str(),
        "i" | "he"
            | "she"
            | "it"
            | "we"
            | "they"
            | "you"
            | "this"
            | "that"
            | "there"
            | "what"
            | "who"
            | "everyone"
            | "nobody"
            | "someone"
            | "which"
            | "here"
            | "also"
            | "and"
            | "but"
            | "so"
            | "then"
            | "just"
            | "really"
            | "still"
            | "yes"
            | "no"
            | "oh"
            | "ok"
            | "okay"
            | "well"
            | "honestly"
            | "reminder"
            | "note"
            | "dealbreakers"
            | "one"
            | "my"
            | "your"
            | "our"
            | "their"
            | "his"
            | "her"
            | "its"
            | "the"
            | "a"
            | "an"
            | "if"
            | "when"
            | "because"
            | "since"
            | "now"
            | "today"
            | "sorry"
            | "thanks"
            | "love"
            | "hate"
            | "like"
            | "never"
            | "always"
            | "maybe"
            | "please"
            | "hi"
            | "hey"
            | "nothing"
            | "everything"
            | "something"
            | "people"
            | "mum"
            | "mom"
            | "dad"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::test_support::message;

    fn alice() -> Reader {
        Reader::new("Alice Martin", &["alice_m".to_string()])
    }

    fn said(
        author: &str,
        is_self: bool,
        text: &str,
    ) -> Vec<(MemoryKind, String, String, String, f32)> {
        extract(&alice(), &message(author, is_self, text), text)
            .into_iter()
            .map(|d| (d.kind, d.subject, d.predicate, d.object, d.confidence))
            .collect()
    }

    fn has(
        found: &[(MemoryKind, String, String, String, f32)],
        kind: MemoryKind,
        subject: &str,
        object: &str,
    ) -> bool {
        found
            .iter()
            .any(|(k, s, _, o, _)| *k == kind && s == subject && o.eq_ignore_ascii_case(object))
    }

    #[test]
    fn the_users_own_words_yield_each_kind() {
        let cases = [
            (
                "I'm allergic to peanuts, so no satay.",
                MemoryKind::Dealbreaker,
                "peanuts",
            ),
            (
                "Reminder: I'm vegetarian, so nothing with meat.",
                MemoryKind::Dealbreaker,
                "vegetarian",
            ),
            (
                "Please drop the coriander: I can't stand cilantro, it tastes like soap.",
                MemoryKind::Dislike,
                "cilantro",
            ),
            (
                "And no cilantro in anything, I can't stand it.",
                MemoryKind::Dislike,
                "cilantro",
            ),
            (
                "I love sourdough bread, grilled vegetables and strong coffee.",
                MemoryKind::Preference,
                "grilled vegetables",
            ),
            (
                "I'm good at experiment design, less good at presenting.",
                MemoryKind::Skill,
                "experiment design",
            ),
            (
                "I speak Portuguese and Spanish.",
                MemoryKind::Skill,
                "Spanish",
            ),
            (
                "I'm a product designer at Northwind Labs.",
                MemoryKind::Role,
                "product designer",
            ),
            (
                "My sister Ana visits most weekends.",
                MemoryKind::Relationship,
                "Ana",
            ),
            (
                "Jonas is my boss and he's friendly.",
                MemoryKind::Relationship,
                "Jonas",
            ),
            ("I live in Berlin.", MemoryKind::Biography, "Berlin"),
            (
                "I've decided to go with the Dolomites.",
                MemoryKind::Decision,
                "go with the Dolomites",
            ),
            (
                "I'm passionate about causal inference.",
                MemoryKind::Interest,
                "causal inference",
            ),
            (
                "Fridays after 6 pm I am never available.",
                MemoryKind::Availability,
                "",
            ),
        ];
        for (text, kind, object) in cases {
            let found = said("Alice Martin", true, text);
            let ok = if object.is_empty() {
                found.iter().any(|(k, ..)| *k == kind)
            } else {
                has(&found, kind, "Alice Martin", object)
            };
            assert!(ok, "{text:?} gave {found:?}");
            assert!(found.iter().all(|f| f.4 == OWN_WORDS), "{found:?}");
        }
    }

    #[test]
    fn others_first_person_words_are_about_them_and_second_person_about_the_user() {
        let bob = said("Bob Stone", false, "I have a severe shellfish allergy.");
        assert!(
            has(&bob, MemoryKind::Dealbreaker, "Bob Stone", "shellfish"),
            "{bob:?}"
        );
        assert_eq!(bob[0].4, THEIR_OWN_WORDS);
        let you = said("Bob Stone", false, "You're allergic to peanuts, right.");
        assert!(
            has(&you, MemoryKind::Dealbreaker, "Alice Martin", "peanuts"),
            "{you:?}"
        );
        assert_eq!(you[0].4, SAID_BY_OTHERS);
        // "You" in a chat titled with someone else is not the user.
        let mut group = message("Carol Diaz", false, "You love loud bars.");
        group.title = Some("Harbor crew".into());
        assert!(extract(&alice(), &group, "You love loud bars.").is_empty());
    }

    #[test]
    fn third_person_statements_name_their_subject() {
        let found = said(
            "Ana",
            false,
            "Alice is allergic to peanuts and Bob hates long flights.",
        );
        assert!(
            has(&found, MemoryKind::Dealbreaker, "Alice Martin", "peanuts"),
            "{found:?}"
        );
        assert!(
            has(&found, MemoryKind::Dislike, "Bob", "long flights"),
            "{found:?}"
        );
        assert!(found.iter().all(|f| f.4 == SAID_BY_OTHERS));
    }

    #[test]
    fn lists_of_people_and_skill_sections() {
        let found = said(
            "Alice Martin",
            true,
            "Bob (backend) and Carol (data science) report to me on it.",
        );
        assert!(
            has(&found, MemoryKind::Relationship, "Alice Martin", "Bob"),
            "{found:?}"
        );
        assert!(
            has(&found, MemoryKind::Relationship, "Alice Martin", "Carol"),
            "{found:?}"
        );
        let page = "About me\n\nSkills\n\nPrototyping in Figma\n\nUser research: interviews\n\nDesign systems\n\nOutside work\n\nI sail every summer.";
        assert_eq!(
            skill_section(page),
            ["Prototyping in Figma", "User research", "Design systems"]
        );
        let sushi = said("Carol Diaz", true, "I love sushi, book the counter seats.");
        assert_eq!(sushi.len(), 1, "{sushi:?}");
        let crust = said("Alice Martin", true, "I love a dark, crackly crust.");
        assert!(
            has(
                &crust,
                MemoryKind::Preference,
                "Alice Martin",
                "a dark crackly crust"
            ),
            "{crust:?}"
        );
        let noisy = said(
            "Carol Diaz",
            true,
            "I'm good at eating bread, not baking it. I'm allergic to cats, my eyes swell up.",
        );
        let objects: Vec<&str> = noisy.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(objects, ["cats", "eating bread"], "{noisy:?}");
    }

    #[test]
    fn questions_hypotheticals_and_pronouns_yield_nothing() {
        assert!(said("Alice Martin", true, "Do I love sushi?").is_empty());
        assert!(said("Alice Martin", true, "I love that you pretend otherwise.").is_empty());
        assert!(said("Alice Martin", true, "I love it.").is_empty());
    }
}
