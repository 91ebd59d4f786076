//! Memory extraction: typed statements about people from one episode.
//!
//! The local extractor is deterministic and offline. It reads
//! - the user's own words (messages they wrote, their documents and web
//!   pages) for first-person statements: "I'm allergic to peanuts", "I
//!   can't stand cilantro", "my sister Ana" ([`statements`]);
//! - other people's words about the user ("you're allergic to...", "Alice
//!   loves...") with lower confidence, and other people's first-person
//!   statements as memories about *them*;
//! - structured items: LinkedIn skills, positions, education and languages,
//!   recurring and all-day calendar events, tweet hashtags ([`items`]).
//!
//! Each [`MemoryDraft`] names the episode it came from; merging duplicates
//! and closing contradicted memories happens later, over the whole history
//! (`twinlake_pipelines::memory`). Session summaries ([`summary`]) and the
//! voice profile ([`style`]) read many episodes at once.

mod clean;
pub mod items;
pub mod small_talk;
pub mod statements;
pub mod style;
pub mod summary;
pub mod taxonomy;

use twinlake_core::memory::{MemoryKind, Polarity};
use twinlake_core::record::{Episode, SourceKind};

pub use clean::{area_asked, canonical, domain_of};

/// Confidence of a statement in the user's own words.
pub const OWN_WORDS: f32 = 0.8;
/// Confidence of a statement another person makes about the user: below
/// the profile's threshold until the user or a second source confirms it.
pub const SAID_BY_OTHERS: f32 = 0.45;
/// Confidence of another person's statement about themself.
pub const THEIR_OWN_WORDS: f32 = 0.7;
/// Confidence of a structured profile item (LinkedIn, calendar).
pub const PROFILE_ITEM: f32 = 0.9;

/// A memory as one episode states it, before merging with the history.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryDraft {
    /// Its kind.
    pub kind: MemoryKind,
    /// Whom it is about: the user's display name, or another person's.
    pub subject: String,
    /// Whether the subject is the user themself.
    pub about_user: bool,
    /// The relation, snake case.
    pub predicate: String,
    /// What it is about.
    pub object: String,
    /// The statement as a sentence.
    pub sentence: String,
    /// For or against.
    pub polarity: Polarity,
    /// How sure, in 0..=1.
    pub confidence: f32,
    /// How much it matters, in 0..=1.
    pub importance: f32,
    /// The area of life.
    pub domain: String,
    /// Source kind of the episode.
    pub source_kind: SourceKind,
    /// The episodes it came from (one, for a single statement).
    pub episodes: Vec<String>,
    /// Conversation of the episode.
    pub session: Option<String>,
    /// Message id of the episode.
    pub turn: Option<String>,
    /// When it started to hold.
    pub valid_at_us: i64,
    /// When it stopped holding, when the source says (a past position, a
    /// trip that ended).
    pub invalid_at_us: Option<i64>,
}

/// Who the user is, for reading their footprint.
#[derive(Clone, Debug)]
pub struct Reader {
    /// The user's display name, the subject of their memories.
    pub user_name: String,
    /// Every name the user goes by, lowercase (first names, handles).
    pub user_names: Vec<String>,
}

impl Reader {
    /// A reader for the user called `user_name`, also known as `aliases`.
    pub fn new(user_name: &str, aliases: &[String]) -> Self {
        let mut names: Vec<String> = aliases
            .iter()
            .chain(std::iter::once(&user_name.to_string()))
            .flat_map(|n| {
                let n = n.trim().trim_start_matches('@').to_lowercase();
                let first = n.split_whitespace().next().unwrap_or_default().to_string();
                [n, first]
            })
            .filter(|n| n.len() > 1)
            .collect();
        names.sort();
        names.dedup();
        Reader {
            user_name: user_name.to_string(),
            user_names: names,
        }
    }

    /// Whether `name` is one of the user's names.
    pub fn is_user(&self, name: &str) -> bool {
        let name = name.trim().trim_start_matches('@').to_lowercase();
        self.user_names.contains(&name)
            || name
                .split_whitespace()
                .next()
                .is_some_and(|first| self.user_names.iter().any(|n| n == first))
    }

    /// Every memory `episode` states; `text` is its words (an entry's text,
    /// or a document's chunks joined).
    pub fn extract(&self, episode: &Episode, text: &str) -> Vec<MemoryDraft> {
        let mut drafts = items::extract(self, episode);
        if !matches!(
            episode.source_kind,
            SourceKind::LinkedIn | SourceKind::Calendar
        ) {
            drafts.extend(statements::extract(self, episode, text));
        }
        drafts
    }

    /// A draft of `kind` about the user from `episode`, with the kind's
    /// default importance and the domain its object suggests.
    pub fn draft(
        &self,
        episode: &Episode,
        kind: MemoryKind,
        predicate: &str,
        object: &str,
        sentence: String,
        confidence: f32,
    ) -> MemoryDraft {
        let polarity = match kind {
            MemoryKind::Dislike | MemoryKind::Dealbreaker => Polarity::Negative,
            MemoryKind::Summary | MemoryKind::Style => Polarity::Neutral,
            _ => Polarity::Positive,
        };
        MemoryDraft {
            kind,
            subject: self.user_name.clone(),
            about_user: true,
            predicate: predicate.to_string(),
            object: object.to_string(),
            domain: domain_of(kind, predicate, object).to_string(),
            sentence,
            polarity,
            confidence,
            importance: kind.importance_from(episode.source_kind),
            source_kind: episode.source_kind,
            episodes: vec![episode.episode_id.clone()],
            session: episode.conversation_id.clone(),
            turn: episode.message_id.clone(),
            valid_at_us: episode.occurred_at_us,
            invalid_at_us: None,
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::BTreeMap;

    use twinlake_core::Scope;
    use twinlake_core::record::{Episode, SourceKind};

    /// A chat message by `author` (the user when `is_self`).
    pub fn message(author: &str, is_self: bool, text: &str) -> Episode {
        Episode {
            episode_id: format!("ep-{}", text.len()),
            scope: Scope::parse("t", "alice").unwrap(),
            source_kind: SourceKind::Telegram,
            source_uri: "/chat.json".into(),
            file_hash: "f".into(),
            content_hash: "c".into(),
            byte_len: 1,
            byte_start: 0,
            byte_end: 1,
            line: None,
            title: Some("Bob Stone".into()),
            conversation_id: Some("chat".into()),
            message_id: Some("1".into()),
            reply_to: None,
            author: Some(author.into()),
            is_self,
            occurred_at_us: 1_000_000,
            ends_at_us: None,
            text: Some(text.into()),
            meta: BTreeMap::new(),
            chunk_count: 1,
        }
    }
}
