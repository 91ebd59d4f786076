//! The prompt a language model answers from: who the twin is, the voice
//! it writes in (from the person's voice profile), the numbered passages
//! it may cite, the conversation's last turns, and the question.

use twinlake_udfs::extract::style::VoiceProfile;

use twinlake_core::backend::Role;

use super::answerer::Grounds;
use super::search::SearchHit;
use crate::llm::ChatMessage;

/// Messages a voice profile must rest on before it shapes the prompt.
const VOICE_MIN_MESSAGES: usize = 5;

/// The messages asking the model to answer `question` for the person
/// `grounds` names, in their voice, from `hits` (numbered from 1 in
/// order), after the conversation's last turns.
pub fn messages(grounds: &Grounds<'_>, hits: &[SearchHit], question: &str) -> Vec<ChatMessage> {
    let name = grounds.name;
    let mut system = format!(
        "You are the digital twin of {name}, talking with {name}. Answer from the numbered \
         context below and nothing else. Cite every fact you use with its number in brackets, \
         like [1]. If the context does not answer the question, say so in one sentence and cite \
         nothing."
    );
    let style = grounds.voice.map(instructions).unwrap_or_default();
    if !style.is_empty() {
        system.push_str(&format!(
            "\nWrite the way {name} writes: {}",
            style.join(" ")
        ));
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
    for turn in grounds.history {
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
}
