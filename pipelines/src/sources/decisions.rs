//! Decisions: a member's recorded choice on a project's proposal, as
//! footprint.
//!
//! [`envelope`] makes the choice one line of the JSONL episode format, of
//! format `decision`, in the member's own words ("For “Which day for the
//! barbecue?” in Harbor, I chose Saturday 12 December."), so distillation
//! derives a decision memory from it as from anything else they said, and
//! the choice survives every re-distillation. Each choice is its own
//! episode, keyed by the proposal and the time it was made, so a member
//! who changes their mind keeps both in their history.

use twinlake_core::Scope;

use super::files::FileEnvelope;

/// The format name of choices ([`twinlake_udfs::parse::Format::Decision`]).
pub const FORMAT: &str = "decision";

/// Where a choice's episode says it came from: its project and proposal.
pub fn uri(project: &str, proposal: &str) -> String {
    format!("project/{project}/{proposal}")
}

/// One recorded choice.
#[derive(Clone, Debug)]
pub struct Decision<'a> {
    /// The project's id.
    pub project: &'a str,
    /// The project's title.
    pub project_title: &'a str,
    /// The proposal's id.
    pub proposal: &'a str,
    /// What the proposal asks.
    pub question: &'a str,
    /// The labels of what was chosen.
    pub chosen: &'a [String],
    /// When, RFC 3339.
    pub at: &'a str,
}

impl Decision<'_> {
    /// The choice as the member's own sentence.
    pub fn sentence(&self) -> String {
        let question = self.question.trim().trim_end_matches(['.', '?', '!']);
        let chosen = match self.chosen {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        };
        format!(
            "For \u{201c}{question}?\u{201d} in {}, I chose {}.",
            self.project_title,
            chosen.trim_end_matches('.')
        )
    }
}

/// The envelope that makes `scope`'s `decision` an episode: their own
/// words (`is_self`), at the time they chose.
pub fn envelope(scope: &Scope, decision: &Decision<'_>) -> FileEnvelope {
    let line = serde_json::json!({
        "conversation": uri(decision.project, decision.proposal),
        "id": decision.at,
        "is_self": true,
        "timestamp": decision.at,
        "conversation_title": format!("{}: {}", decision.project_title, decision.question),
        "text": decision.sentence(),
        "meta": {"project": decision.project, "proposal": decision.proposal},
    });
    FileEnvelope::carrying(
        scope.clone(),
        uri(decision.project, decision.proposal),
        FORMAT,
        line.to_string().as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use twinlake_core::record::SourceKind;

    use super::*;

    #[test]
    fn a_choice_becomes_one_self_authored_decision_episode() {
        let scope = Scope::parse("acme", "bob").unwrap();
        let chosen = ["Saturday 12 December 2026".to_string()];
        let decision = Decision {
            project: "harbor",
            project_title: "Harbor",
            proposal: "bbq-day",
            question: "Which day for the barbecue?",
            chosen: &chosen,
            at: "2026-12-07T10:00:00+00:00",
        };
        assert_eq!(
            decision.sentence(),
            "For \u{201c}Which day for the barbecue?\u{201d} in Harbor, I chose Saturday 12 December 2026."
        );
        let envelope = envelope(&scope, &decision);
        assert_eq!(envelope.uri, "project/harbor/bbq-day");
        let (format, entry) = envelope.only_entry();
        assert_eq!(format.source_kind(), SourceKind::Decision);
        assert!(entry.text.ends_with("I chose Saturday 12 December 2026."));
        assert_eq!(entry.meta["proposal"], "bbq-day");
        let many = [
            "Halloumi".to_string(),
            "Corn".to_string(),
            "Salad".to_string(),
        ];
        let menu = Decision {
            chosen: &many,
            ..decision
        };
        assert!(
            menu.sentence()
                .ends_with("I chose Halloumi, Corn and Salad.")
        );
    }
}
