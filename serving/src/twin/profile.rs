//! The profile: what the twin knows about its user now, by kind, each item
//! with its confidence and citations. Memories below
//! [`PROFILE_MIN_CONFIDENCE`] and memories about other people stay out.

use std::collections::HashMap;

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::memory::{Memory, MemoryKind, PROFILE_MIN_CONFIDENCE};
use twinlake_core::record::Episode;
use twinlake_pipelines::memory::graph::Members;
use twinlake_stores::Backends;
use twinlake_udfs::extract::style::VoiceProfile;

use super::memories::{EpisodeCitation, as_of, cite, episodes, load, time};
use crate::ServingError;

/// Citations shown per item.
pub const CITATIONS: usize = 3;

/// One line of the profile.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProfileItem {
    /// The memory behind it.
    pub memory_id: String,
    /// The statement.
    pub sentence: String,
    /// What it is about.
    pub object: String,
    /// The relation.
    pub predicate: String,
    /// How sure, in 0..=1.
    pub confidence: f32,
    /// The area of life.
    pub domain: String,
    /// Since when it holds, RFC 3339.
    pub since: String,
    /// For relationships: the member the other person is, if a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// How many episodes say it.
    pub sources: usize,
    /// Where it was said (the first few).
    pub citations: Vec<EpisodeCitation>,
}

/// The voice profile with its provenance.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Voice {
    /// The measures.
    #[serde(flatten)]
    pub profile: VoiceProfile,
    /// In words.
    pub description: String,
}

/// Everything the twin knows about its user now.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Profile {
    /// The user id.
    pub user: String,
    /// Their name, as their own messages give it.
    pub name: String,
    /// Life facts: where they live, studied, worked.
    pub biography: Vec<ProfileItem>,
    /// What they like.
    pub preferences: Vec<ProfileItem>,
    /// What they dislike.
    pub dislikes: Vec<ProfileItem>,
    /// Hard constraints: allergies, diets.
    pub dealbreakers: Vec<ProfileItem>,
    /// Topics they follow.
    pub interests: Vec<ProfileItem>,
    /// What they are good at.
    pub skills: Vec<ProfileItem>,
    /// Jobs and roles.
    pub roles: Vec<ProfileItem>,
    /// People they relate to.
    pub relationships: Vec<ProfileItem>,
    /// When they are busy.
    pub availability: Vec<ProfileItem>,
    /// Choices they made.
    pub decisions: Vec<ProfileItem>,
    /// How they write.
    pub voice: Option<Voice>,
}

/// Builds the profile from memories valid at `now_us`.
pub fn build(
    user: &str,
    memories: &[Memory],
    episodes: &HashMap<String, Episode>,
    members: &Members,
    now_us: i64,
) -> Profile {
    let mut profile = Profile {
        user: user.to_string(),
        ..Profile::default()
    };
    for m in as_of(memories, None, now_us) {
        if !m.about_user || m.confidence < PROFILE_MIN_CONFIDENCE {
            continue;
        }
        if profile.name.is_empty() {
            profile.name = m.subject.clone();
        }
        if m.kind == MemoryKind::Style {
            if let Ok(voice) = serde_json::from_str::<VoiceProfile>(&m.object) {
                profile.voice = Some(Voice {
                    profile: voice,
                    description: m.sentence.clone(),
                });
            }
            continue;
        }
        let item = ProfileItem {
            memory_id: m.memory_id.clone(),
            sentence: m.sentence.clone(),
            object: m.object.clone(),
            predicate: m.predicate.clone(),
            confidence: m.confidence,
            domain: m.domain.clone(),
            since: time(m.valid_at_us),
            member: (m.kind == MemoryKind::Relationship)
                .then(|| members.find(&m.object).map(|(id, _)| id.to_string()))
                .flatten(),
            sources: m.source_episodes.len(),
            citations: cite(episodes, &m.source_episodes, CITATIONS),
        };
        let list = match m.kind {
            MemoryKind::Biography => &mut profile.biography,
            MemoryKind::Preference => &mut profile.preferences,
            MemoryKind::Dislike => &mut profile.dislikes,
            MemoryKind::Dealbreaker => &mut profile.dealbreakers,
            MemoryKind::Interest => &mut profile.interests,
            MemoryKind::Skill => &mut profile.skills,
            MemoryKind::Role => &mut profile.roles,
            MemoryKind::Relationship => &mut profile.relationships,
            MemoryKind::Availability => &mut profile.availability,
            MemoryKind::Decision => &mut profile.decisions,
            MemoryKind::Style | MemoryKind::Summary => continue,
        };
        list.push(item);
    }
    profile
}

/// The profile of `scope` now, read from the lake.
pub async fn profile(backends: &Backends, scope: &Scope) -> Result<Profile, ServingError> {
    let memories = load(backends, scope).await?;
    let episodes = episodes(backends, scope).await?;
    let members = twinlake_jobs::distill_memories::members(backends, scope)
        .await
        .map_err(|e| ServingError::Storage(e.to_string()))?;
    Ok(build(
        scope.user.as_str(),
        &memories,
        &episodes,
        &members,
        chrono::Utc::now().timestamp_micros(),
    ))
}
