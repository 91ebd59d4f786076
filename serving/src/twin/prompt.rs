//! The prompt a language model answers from: who the twin is, the voice
//! it writes in (from the person's voice profile, and what their
//! off-voice ratings said), the conversation's summary, what the twin
//! remembers and the graph's facts, the numbered passages it may cite,
//! the conversation's last turns, and the question.

use twinlake_udfs::extract::style::VoiceProfile;

use twinlake_core::backend::Role;

use super::feedback::VoiceNotes;
use super::plan::Grounds;
use super::search::SearchHit;
use crate::llm::ChatMessage;

/// Messages a voice profile must rest on before it shapes the prompt.
const VOICE_MIN_MESSAGES: usize = 5;

/// The messages asking the model to answer `question` for the person
/// `grounds` names, in their voice, from `hits` (numbered from 1 in
/// order), after the conversation's last turns.
pub fn messages(grounds: &Grounds, hits: &[SearchHit], question: &str) -> Vec<ChatMessage> {
    let name = &grounds.name;
    let mut system = format!(
        "You are the digital twin of {name}, talking with {name}. Answer from the numbered \
         context below and nothing else. Cite every fact you use with its number in brackets, \
         like [1]. If the context does not answer the question, say so in one sentence and cite \
         nothing."
    );
    let style = grounds.voice.as_ref().map(instructions).unwrap_or_default();
    if !style.is_empty() {
        system.push_str(&format!(
            "\nWrite the way {name} writes: {}",
            style.join(" ")
        ));
    }
    system.push_str(&corrections(&grounds.voice_notes, name));
    if let Some(summary) = grounds.summary.as_deref().filter(|s| !s.is_empty()) {
        system.push_str(&format!("\n\nEarlier in this conversation: {summary}"));
    }
    if !grounds.memories.is_empty() {
        system.push_str(&format!("\n\nWhat you remember about {name}:"));
        for m in &grounds.memories {
            system.push_str(&format!("\n- {}", m.sentence));
        }
    }
    if !grounds.facts.is_empty() {
        system.push_str("\n\nKnown facts:");
        for f in &grounds.facts {
            system.push_str(&format!("\n- {}", f.text));
        }
    }
    system.push_str("\n\nContext:");
    for (i, hit) in hits.iter().enumerate() {
        let text = hit.text.replace('\n', " ");
        system.push_str(&format!("\n[{}] ({}) {text}", i + 1, hit.source.uri));
    }
    let mut messages = vec![ChatMessage {
        role: "system",
        content: system,
    }];
    for turn in &grounds.history {
        messages.push(ChatMessage {
            role: if turn.role == Role::User.as_str() {
                "user"
            } else {
                "assistant"
            },
            content: turn.text.clone(),
        });
    }
    messages.push(ChatMessage {
        role: "user",
        content: question.to_string(),
    });
    messages
}

/// What off-voice ratings ask of the writing: nothing until a reply was
/// rated off-voice.
pub fn corrections(notes: &VoiceNotes, name: &str) -> String {
    if notes.off_voice == 0 {
        return String::new();
    }
    let mut out = format!(
        "\n{name} said {} earlier replies did not sound like them: keep closer to their own \
         words and length, and never add phrases they would not use.",
        notes.off_voice
    );
    for comment in &notes.comments {
        out.push_str(&format!(
            "\n{name} said: \"{}\"",
            comment.replace('\n', " ")
        ));
    }
    out
}

/// What a voice profile asks of the writing, as instructions; none for a
/// profile measured on too few messages to say.
pub fn instructions(voice: &VoiceProfile) -> Vec<String> {
    if voice.messages < VOICE_MIN_MESSAGES {
        return Vec::new();
    }
    let mut out = vec![format!(
        "sentences of about {:.0} words.",
        voice.words_per_sentence.clamp(3.0, 40.0)
    )];
    if voice.formality < 0.4 {
        out.push("Casual, with contractions.".into());
    } else if voice.formality > 0.7 {
        out.push("Formal, without slang.".into());
    }
    if voice.emoji_rate >= 0.2 {
        out.push("An emoji now and then.".into());
    } else if voice.emoji_rate < 0.05 {
        out.push("No emoji.".into());
    }
    if voice.exclamation_rate >= 0.3 {
        out.push("Exclamation marks are welcome.".into());
    } else if voice.exclamation_rate < 0.05 {
        out.push("No exclamation marks.".into());
    }
    if voice.lowercase_start_rate >= 0.5 {
        out.push("Start sentences in lower case.".into());
    }
    if voice.no_final_punctuation_rate >= 0.5 {
        out.push("Leave off the final full stop.".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measured_voice_shapes_the_instructions_and_a_thin_one_does_not() {
        let casual = VoiceProfile {
            messages: 40,
            words_per_sentence: 7.4,
            emoji_rate: 0.3,
            lowercase_start_rate: 0.8,
            formality: 0.2,
            ..VoiceProfile::default()
        };
        let said = instructions(&casual).join(" ");
        for wanted in [
            "about 7 words",
            "Casual",
            "emoji now and then",
            "lower case",
            "No exclamation",
        ] {
            assert!(said.contains(wanted), "{wanted}: {said}");
        }
        let formal = VoiceProfile {
            messages: 40,
            words_per_sentence: 21.0,
            formality: 0.9,
            exclamation_rate: 0.5,
            ..VoiceProfile::default()
        };
        let said = instructions(&formal).join(" ");
        assert!(
            said.contains("Formal") && said.contains("No emoji") && said.contains("welcome"),
            "{said}"
        );
        assert!(
            instructions(&VoiceProfile {
                messages: 2,
                ..casual
            })
            .is_empty()
        );
    }

    #[test]
    fn the_plan_and_off_voice_ratings_reach_the_system_prompt() {
        let scope = twinlake_core::Scope::parse("t", "alice").unwrap();
        let plain = Grounds {
            name: "Alice".into(),
            ..Grounds::default()
        };
        let system = |g: &Grounds| messages(g, &[], "what now?")[0].content.clone();
        let before = system(&plain);
        assert!(!before.contains("did not sound like them"), "{before}");
        let fact = twinlake_core::memory::Fact {
            fact_id: "f1".into(),
            scope,
            from: "a".into(),
            relation: "SISTER".into(),
            to: "b".into(),
            text: "Ana is Alice's sister.".into(),
            valid_at_us: 0,
            invalid_at_us: None,
            memory_id: None,
            source_episodes: Vec::new(),
        };
        let rich = Grounds {
            voice_notes: VoiceNotes {
                off_voice: 2,
                comments: vec!["I never say \"regards\"".into()],
            },
            summary: Some("Alice planned a trip.".into()),
            facts: vec![fact],
            ..plain
        };
        let after = system(&rich);
        for wanted in [
            "2 earlier replies did not sound like them",
            "I never say \"regards\"",
            "Earlier in this conversation: Alice planned a trip.",
            "- Ana is Alice's sister.",
        ] {
            assert!(after.contains(wanted), "{wanted}: {after}");
        }
    }
}
