//! Feedback on the twin's replies, and what it changes.
//!
//! A person rates one of their twin's turns: `helpful`, `incorrect`,
//! `insightful` or `off_voice`, with an optional comment. The rating is
//! kept in the chat log with the memories the rated turn drew on (from the
//! turn's metadata), and two ratings change the twin:
//!
//! - `incorrect`: each memory the reply drew on loses confidence, a factor
//!   of [`INCORRECT_FACTOR`] per such rating (down to [`MIN_CONFIDENCE`]),
//!   so it ranks lower and, below the profile's threshold, leaves the
//!   profile. The lake is not rewritten: ratings apply whenever memories
//!   are read, so a new distillation keeps them.
//! - `off_voice`: the language model's voice instructions say how many
//!   replies were off and quote the latest comments ([`VoiceNotes`]).

use std::collections::HashMap;

use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::backend::Role;
use twinlake_core::backend::chat_log::{Feedback, Rating};
use twinlake_core::memory::Memory;
use twinlake_stores::Backends;

use crate::ServingError;

/// Ratings read when memories are loaded: the latest this many.
pub const READ: usize = 1000;
/// What one `incorrect` rating multiplies a memory's confidence by.
pub const INCORRECT_FACTOR: f32 = 0.7;
/// The least confidence ratings leave a memory.
pub const MIN_CONFIDENCE: f32 = 0.05;
/// Off-voice comments quoted in the voice instructions, the latest first.
pub const VOICE_COMMENTS: usize = 3;
/// The longest comment kept, in characters.
pub const MOST_COMMENT_CHARS: usize = 2000;

/// What off-voice ratings said of earlier replies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VoiceNotes {
    /// How many replies were rated off-voice.
    pub off_voice: usize,
    /// The latest comments, up to [`VOICE_COMMENTS`].
    pub comments: Vec<String>,
}

/// Lowers the confidence of every memory that replies rated `incorrect`
/// in `given` drew on.
pub fn adjust_confidence(memories: &mut [Memory], given: &[Feedback]) {
    let mut wrong: HashMap<&str, i32> = HashMap::new();
    for f in given.iter().filter(|f| f.rating == Rating::Incorrect) {
        for id in &f.memory_ids {
            *wrong.entry(id.as_str()).or_default() += 1;
        }
    }
    if wrong.is_empty() {
        return;
    }
    for m in memories.iter_mut() {
        if let Some(&times) = wrong.get(m.memory_id.as_str()) {
            let factor = INCORRECT_FACTOR.powi(times.min(64));
            m.confidence = (m.confidence * factor).max(MIN_CONFIDENCE.min(m.confidence));
        }
    }
}

/// The off-voice ratings of `given` (latest first).
pub fn voice_notes(given: &[Feedback]) -> VoiceNotes {
    let off: Vec<&Feedback> = given
        .iter()
        .filter(|f| f.rating == Rating::OffVoice)
        .collect();
    VoiceNotes {
        off_voice: off.len(),
        comments: off
            .iter()
            .filter_map(|f| f.comment.clone())
            .take(VOICE_COMMENTS)
            .collect(),
    }
}

/// Records `scope`'s `rating` of their twin's turn `turn_id`: a turn of
/// another person is not found, and the person's own turn is refused.
pub async fn rate(
    backends: &Backends,
    scope: &Scope,
    turn_id: i64,
    rating: Rating,
    comment: Option<String>,
) -> Result<Feedback, ServingError> {
    let comment = comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if let Some(c) = &comment {
        let chars = c.chars().count();
        if chars > MOST_COMMENT_CHARS {
            return Err(ServingError::BadRequest(format!(
                "comment is {chars} characters; at most {MOST_COMMENT_CHARS}"
            )));
        }
    }
    let log = &backends.chat_log;
    let turn = log.turn(scope, turn_id).await?.ok_or_else(|| {
        ServingError::NotFound(format!("no message {turn_id} for user {}", scope.user))
    })?;
    if turn.role != Role::Twin.as_str() {
        return Err(ServingError::BadRequest(format!(
            "message {turn_id} is {}'s own; feedback rates the twin's replies",
            scope.user
        )));
    }
    let memory_ids = turn.metadata["used"]["memories"]
        .as_array()
        .map(|used| {
            used.iter()
                .filter_map(|m| m["memory_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let feedback = Feedback {
        turn_id,
        rating,
        comment,
        memory_ids,
        created_at: chrono::Utc::now().to_rfc3339(),
    };
    log.add_feedback(scope, &feedback).await?;
    Ok(feedback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::memory::MemoryKind;

    fn rated(rating: Rating, memories: &[&str], comment: Option<&str>) -> Feedback {
        Feedback {
            turn_id: 1,
            rating,
            comment: comment.map(str::to_string),
            memory_ids: memories.iter().map(|m| m.to_string()).collect(),
            created_at: String::new(),
        }
    }

    #[test]
    fn incorrect_replies_lower_the_confidence_of_what_they_drew_on() {
        let scope = Scope::parse("t", "alice").unwrap();
        let memory = |id: &str| Memory {
            memory_id: id.into(),
            confidence: 0.8,
            ..twinlake_core::contract::memory(&scope, MemoryKind::Preference, "likes", id, 0, None)
        };
        let mut all = vec![memory("tea"), memory("cats"), memory("jazz")];
        let given = [
            rated(Rating::Incorrect, &["tea", "cats"], None),
            rated(Rating::Incorrect, &["tea"], None),
            rated(Rating::Helpful, &["jazz"], None),
        ];
        adjust_confidence(&mut all, &given);
        let confidence: Vec<f32> = all.iter().map(|m| m.confidence).collect();
        assert!(
            (confidence[0] - 0.8 * 0.7 * 0.7).abs() < 1e-6,
            "{confidence:?}"
        );
        assert!((confidence[1] - 0.8 * 0.7).abs() < 1e-6, "{confidence:?}");
        assert_eq!(confidence[2], 0.8, "helpful changes nothing");
        let many: Vec<Feedback> = (0..100)
            .map(|_| rated(Rating::Incorrect, &["jazz"], None))
            .collect();
        adjust_confidence(&mut all, &many);
        assert_eq!(all[2].confidence, MIN_CONFIDENCE);
    }

    #[test]
    fn off_voice_ratings_become_notes_with_the_latest_comments() {
        let given = [
            rated(Rating::OffVoice, &[], Some("too formal")),
            rated(Rating::Helpful, &[], Some("great")),
            rated(Rating::OffVoice, &[], None),
            rated(Rating::OffVoice, &[], Some("I never say regards")),
            rated(Rating::OffVoice, &[], Some("too long")),
            rated(Rating::OffVoice, &[], Some("oldest")),
        ];
        let notes = voice_notes(&given);
        assert_eq!(notes.off_voice, 5);
        assert_eq!(
            notes.comments,
            ["too formal", "I never say regards", "too long"]
        );
        assert_eq!(voice_notes(&given[1..2]), VoiceNotes::default());
    }
}
