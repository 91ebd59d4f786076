//! Chat turns: what a person tells their twin, as footprint.
//!
//! The chat log is the outbox. A turn is stored there first, not yet
//! learnt; [`envelope`] makes it a file envelope of format `twin_chat`
//! (one line of the JSONL episode format, carried in the envelope itself)
//! for the files topic, so the pipeline that ingests uploads embeds,
//! indexes and distils it the same way. The episode is keyed by the
//! conversation and the turn's number, so a turn published twice (a server
//! that stopped before marking it learnt publishes it again when it
//! starts) is stored once.

use twinlake_core::Scope;
use twinlake_core::backend::Turn;

use super::files::FileEnvelope;

/// The format name of chat turns ([`twinlake_udfs::parse::Format::TwinChat`]).
pub const FORMAT: &str = "twin_chat";

/// Where a chat turn's episode says it came from: its conversation.
pub fn uri(conversation_id: &str) -> String {
    format!("twin-chat/{conversation_id}")
}

/// The envelope that makes `scope`'s stored `turn` an episode: the
/// person's own words (`is_self`), at the time it was said.
pub fn envelope(scope: &Scope, turn: &Turn) -> FileEnvelope {
    let line = serde_json::json!({
        "conversation": turn.conversation_id,
        "id": turn.seq,
        "is_self": true,
        "timestamp": turn.created_at,
        "text": turn.text,
    });
    FileEnvelope::carrying(
        scope.clone(),
        uri(&turn.conversation_id),
        FORMAT,
        line.to_string().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_udfs::parse::Format;

    #[tokio::test]
    async fn a_turn_becomes_one_self_authored_episode_of_its_conversation() {
        let scope = Scope::parse("acme", "alice").unwrap();
        let turn = Turn {
            id: 7,
            conversation_id: "c1".into(),
            seq: 3,
            role: "user".into(),
            text: "I just adopted a cat named \"Miso\"\n🐈".into(),
            metadata: serde_json::json!({}),
            created_at: "2026-12-07T10:00:00+00:00".into(),
        };
        let envelope = envelope(&scope, &turn);
        let decoded = FileEnvelope::from_payload(&envelope.to_payload()).unwrap();
        assert_eq!(decoded, envelope);
        assert_eq!(envelope.uri, "twin-chat/c1");
        let (format, entry) = envelope.only_entry();
        assert_eq!(format, Format::TwinChat);
        assert_eq!(entry.text, turn.text);
        assert_eq!(
            (entry.conversation.as_str(), entry.id.as_str()),
            ("c1", "3")
        );
        assert_eq!(entry.author_is_self, Some(true));
        assert_eq!(entry.timestamp_us, Some(1_796_637_600_000_000));
    }
}
