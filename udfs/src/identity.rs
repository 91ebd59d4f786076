//! Who the user is in an export: which authors' words are their own.
//!
//! Exports name people their own way: a Telegram display name, a WhatsApp
//! contact name, a Twitter handle. The user's names come from configuration
//! (`--me`, `[identities]`), from the export itself (Telegram's personal
//! information, a Twitter account) and, failing both, from an obvious guess:
//! an author whose first name is the user id ("alice" is "Alice Martin").
//! A user's own words teach the twin their voice and preferences; everyone
//! else's are context.

/// The names one user goes by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    names: Vec<String>,
}

impl Identity {
    /// The user `user_id`, known also by `names` (handles may carry `@`).
    pub fn new<S: AsRef<str>>(user_id: &str, names: impl IntoIterator<Item = S>) -> Self {
        let mut all: Vec<String> = names
            .into_iter()
            .map(|n| fold(n.as_ref()))
            .filter(|n| !n.is_empty())
            .collect();
        all.push(fold(user_id));
        all.sort();
        all.dedup();
        Identity { names: all }
    }

    /// Adds names the export itself gives its owner.
    pub fn with_names<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        for name in names {
            let name = fold(name.as_ref());
            if !name.is_empty() && !self.names.contains(&name) {
                self.names.push(name);
            }
        }
        self
    }

    /// Whether `author` is this user: a name matches in full, or the
    /// author's first word or handle is one of the user's names.
    pub fn is(&self, author: &str) -> bool {
        let author = fold(author);
        if author.is_empty() {
            return false;
        }
        if self.names.contains(&author) {
            return true;
        }
        let first = author.split(' ').next().unwrap_or_default();
        self.names.iter().any(|n| n == first)
    }
}

/// Lowercase, no leading `@`, single spaces: "  @Alice_M " is "alice_m".
fn fold(name: &str) -> String {
    let name = name.trim().trim_start_matches('@');
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_handles_and_first_names_match() {
        let me = Identity::new("alice", ["Alice Martin", "@alice_m"]);
        assert!(me.is("Alice Martin"));
        assert!(me.is("alice  martin"));
        assert!(me.is("@Alice_M"));
        assert!(me.is("Alice"));
        assert!(me.is("Alice Cooper"), "first name equals the user id");
        assert!(!me.is("Bob Stone"));
        assert!(!me.is(""));
        assert!(!me.is("Malice"));
    }

    #[test]
    fn names_from_the_export_are_added() {
        let me = Identity::new("u42", Vec::<String>::new());
        assert!(!me.is("Carol Diaz"));
        let me = me.with_names(["Carol Diaz"]);
        assert!(me.is("Carol Diaz"));
        assert!(!me.is("Carl"));
    }
}
