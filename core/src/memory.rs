//! Memories and graph facts: what twinlake has distilled about a person.
//!
//! A [`Memory`] is one typed statement ("Alice is allergic to peanuts")
//! traced to the episodes it came from. Memories are bi-temporal:
//! `valid_at`/`invalid_at` say when the statement held in the world,
//! `created_at`/`expired_at` when twinlake learnt and retired it. A new
//! memory never deletes an old one; a contradiction closes the old one's
//! validity and links the two (`superseded_by`/`supersedes`).
//!
//! A [`Fact`] is a temporal edge of the knowledge graph between two
//! [`Entity`]s, with the same validity interval and provenance.

use serde::{Deserialize, Serialize};

use crate::Scope;
use crate::record::SourceKind;

/// The kind of a memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryKind {
    /// Something the person likes or prefers.
    Preference,
    /// Something the person dislikes.
    Dislike,
    /// A hard constraint: an allergy, a diet, something they will not accept.
    Dealbreaker,
    /// A topic the person follows or cares about.
    Interest,
    /// Something the person is good at.
    Skill,
    /// A job, title or role in a project.
    Role,
    /// A relationship to another person.
    Relationship,
    /// When the person is busy or free.
    Availability,
    /// A fact of their life: where they live, studied, come from.
    Biography,
    /// A choice the person made.
    Decision,
    /// How the person writes (the voice profile).
    Style,
    /// An extractive summary of a stretch of conversation.
    Summary,
}

impl MemoryKind {
    /// Every kind, in a stable order.
    pub const ALL: &[MemoryKind] = &[
        MemoryKind::Preference,
        MemoryKind::Dislike,
        MemoryKind::Dealbreaker,
        MemoryKind::Interest,
        MemoryKind::Skill,
        MemoryKind::Role,
        MemoryKind::Relationship,
        MemoryKind::Availability,
        MemoryKind::Biography,
        MemoryKind::Decision,
        MemoryKind::Style,
        MemoryKind::Summary,
    ];

    /// The stable lowercase name stored in the lake and used in the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            MemoryKind::Preference => "preference",
            MemoryKind::Dislike => "dislike",
            MemoryKind::Dealbreaker => "dealbreaker",
            MemoryKind::Interest => "interest",
            MemoryKind::Skill => "skill",
            MemoryKind::Role => "role",
            MemoryKind::Relationship => "relationship",
            MemoryKind::Availability => "availability",
            MemoryKind::Biography => "biography",
            MemoryKind::Decision => "decision",
            MemoryKind::Style => "style",
            MemoryKind::Summary => "summary",
        }
    }

    /// Parses the name written by [`MemoryKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// How much a memory of this kind matters by default, in 0..=1. Kinds
    /// below 0.5 are short-lived when they come from chat (see [`TTL_US`]).
    pub fn default_importance(&self) -> f32 {
        match self {
            MemoryKind::Style => 1.0,
            MemoryKind::Dealbreaker => 0.9,
            MemoryKind::Relationship => 0.8,
            MemoryKind::Skill | MemoryKind::Role | MemoryKind::Biography => 0.7,
            MemoryKind::Decision => 0.7,
            MemoryKind::Preference | MemoryKind::Dislike | MemoryKind::Availability => 0.6,
            MemoryKind::Interest => 0.5,
            // A stretch of conversation outweighs any one remark in it.
            MemoryKind::Summary => 0.55,
        }
    }

    /// How much a memory of this kind matters when it comes from `source`:
    /// what a person says in passing to their twin weighs
    /// [`TWIN_CHAT_DISCOUNT`] less than their footprint (so most of it
    /// lapses after [`TTL_US`]), except summaries and the voice.
    pub fn importance_from(&self, source: SourceKind) -> f32 {
        let importance = self.default_importance();
        match (source, self) {
            (SourceKind::TwinChat, MemoryKind::Summary | MemoryKind::Style) => importance,
            (SourceKind::TwinChat, _) => (importance - TWIN_CHAT_DISCOUNT).max(0.1),
            _ => importance,
        }
    }
}

/// Whether a memory is for or against its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// Likes, has, is, does.
    Positive,
    /// Dislikes, avoids, cannot.
    Negative,
    /// Neither (a summary, a style, a date).
    Neutral,
}

impl Polarity {
    /// The stable lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
        }
    }

    /// Parses the name written by [`Polarity::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [Polarity::Positive, Polarity::Negative, Polarity::Neutral]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// How much less a memory from a chat with the twin matters than one of
/// the same kind from the person's footprint.
pub const TWIN_CHAT_DISCOUNT: f32 = 0.3;

/// How long a low-importance chat-derived memory lives after it was last
/// said: 90 days.
pub const TTL_US: i64 = 90 * 24 * 3600 * 1_000_000;

/// Memories with a lower confidence are kept but left out of the profile.
pub const PROFILE_MIN_CONFIDENCE: f32 = 0.6;

/// One distilled, typed statement about a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Stable id: derived from scope, kind, subject, predicate, object and
    /// the first episode that said it.
    pub memory_id: String,
    /// Whose memory it is.
    pub scope: Scope,
    /// Its kind.
    pub kind: MemoryKind,
    /// Whom it is about (a display name).
    pub subject: String,
    /// Whether the subject is the user themself (the profile shows only
    /// these; the rest is what the user knows about others).
    pub about_user: bool,
    /// The relation, in snake case: `likes`, `allergic_to`, `sister`.
    pub predicate: String,
    /// What it is about: "peanuts", "Ana", "Fridays after 18:00".
    pub object: String,
    /// The statement as a sentence.
    pub sentence: String,
    /// For or against the object.
    pub polarity: Polarity,
    /// How sure twinlake is, in 0..=1.
    pub confidence: f32,
    /// How much it matters, in 0..=1.
    pub importance: f32,
    /// The area of life: food, work, travel, schedule, social, ...
    pub domain: String,
    /// The source kind of the episode that first said it.
    pub source_kind: SourceKind,
    /// The conversation (session) it came from, for chat.
    pub session: Option<String>,
    /// The message (turn) it came from, for chat.
    pub turn: Option<String>,
    /// Every episode that said it, first first.
    pub source_episodes: Vec<String>,
    /// When it started to hold in the world, µs since the epoch.
    pub valid_at_us: i64,
    /// When it stopped holding (a later contradiction), µs.
    pub invalid_at_us: Option<i64>,
    /// When twinlake first learnt it, µs.
    pub created_at_us: i64,
    /// When twinlake retired it (superseded), µs.
    pub expired_at_us: Option<i64>,
    /// When it lapses unless said again (TTL), µs; never for the voice profile.
    pub expires_at_us: Option<i64>,
    /// The memory that contradicted this one.
    pub superseded_by: Option<String>,
    /// The memory this one contradicted.
    pub supersedes: Option<String>,
}

impl Memory {
    /// Whether the memory held at `t_us` (valid time) and had not lapsed.
    pub fn is_valid_at(&self, t_us: i64) -> bool {
        self.valid_at_us <= t_us
            && self.invalid_at_us.is_none_or(|end| t_us < end)
            && self.expires_at_us.is_none_or(|end| t_us < end)
    }

    /// Whether it is sure enough to show in the profile.
    pub fn in_profile(&self) -> bool {
        self.confidence >= PROFILE_MIN_CONFIDENCE
    }
}

/// The kind of an entity of the knowledge graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A twinlake user (a member).
    User,
    /// A user's twin.
    DigitalTwin,
    /// Anyone else.
    Person,
    /// A company, school or other organisation.
    Org,
    /// A city, country or venue.
    Place,
    /// A project the members work on.
    Project,
    /// A proposal in a project.
    Proposal,
    /// A member's vote on a proposal.
    Vote,
    /// A thing or subject: food, a hobby, a hashtag.
    Topic,
    /// An ingested document.
    Document,
    /// A calendar event.
    Event,
    /// A skill.
    Skill,
}

impl EntityKind {
    /// Every kind, in a stable order.
    pub const ALL: &[EntityKind] = &[
        EntityKind::User,
        EntityKind::DigitalTwin,
        EntityKind::Person,
        EntityKind::Org,
        EntityKind::Place,
        EntityKind::Project,
        EntityKind::Proposal,
        EntityKind::Vote,
        EntityKind::Topic,
        EntityKind::Document,
        EntityKind::Event,
        EntityKind::Skill,
    ];

    /// The stable name, as in the architecture (`User`, `Person`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            EntityKind::User => "User",
            EntityKind::DigitalTwin => "DigitalTwin",
            EntityKind::Person => "Person",
            EntityKind::Org => "Org",
            EntityKind::Place => "Place",
            EntityKind::Project => "Project",
            EntityKind::Proposal => "Proposal",
            EntityKind::Vote => "Vote",
            EntityKind::Topic => "Topic",
            EntityKind::Document => "Document",
            EntityKind::Event => "Event",
            EntityKind::Skill => "Skill",
        }
    }

    /// Parses the name written by [`EntityKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// A node of the knowledge graph, resolved within a tenant: every alias and
/// spelling variant of one person or thing maps to one entity id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Derived from tenant, kind and canonical name.
    pub entity_id: String,
    /// Its kind.
    pub kind: EntityKind,
    /// The fullest name seen.
    pub name: String,
    /// Every other name it was seen under.
    pub aliases: Vec<String>,
}

/// A temporal edge: `from` -[relation]-> `to`, with text, validity and the
/// episodes it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Derived from its ends, relation and first source.
    pub fact_id: String,
    /// Whose footprint it came from.
    pub scope: Scope,
    /// The entity it starts at.
    pub from: String,
    /// The relation, upper snake case: `HAS_TWIN`, `AUTHORED`, `LIKES`.
    pub relation: String,
    /// The entity it points to.
    pub to: String,
    /// The fact as a sentence.
    pub text: String,
    /// When it started to hold, µs.
    pub valid_at_us: i64,
    /// When it stopped holding, µs.
    pub invalid_at_us: Option<i64>,
    /// The memory it was derived from, if any.
    pub memory_id: Option<String>,
    /// The episodes it came from.
    pub source_episodes: Vec<String>,
}

impl Fact {
    /// Whether the fact held at `t_us`.
    pub fn is_valid_at(&self, t_us: i64) -> bool {
        self.valid_at_us <= t_us && self.invalid_at_us.is_none_or(|end| t_us < end)
    }

    /// Whether it held at any time in `[from_us, to_us]`.
    pub fn overlaps(&self, from_us: i64, to_us: i64) -> bool {
        self.valid_at_us <= to_us && self.invalid_at_us.is_none_or(|end| end > from_us)
    }
}
