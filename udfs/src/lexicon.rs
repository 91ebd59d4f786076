//! The words of the language, as the sentence model's tokenizer knows
//! them: what tells a typo ("alergic") from a real word a footprint just
//! does not use ("religious").
//!
//! A WordPiece vocabulary lists about 22,000 whole words beside
//! its word pieces (`##ing`); the whole, purely alphabetic entries are the
//! lexicon. Read from the same `tokenizer.json` the model uses, so it
//! needs no other file.

use std::collections::HashSet;
use std::path::Path;

/// The whole words of a tokenizer's vocabulary, lower case.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    words: HashSet<String>,
}

impl Lexicon {
    /// The lexicon of the tokenizer at `path` (`tokenizer.json`); an
    /// error names the file and what is wrong with it.
    pub fn from_tokenizer_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let vocab = json["model"]["vocab"]
            .as_object()
            .ok_or_else(|| format!("{}: no model.vocab object", path.display()))?;
        Ok(Lexicon::from_words(vocab.keys().map(String::as_str)))
    }

    /// The lexicon of `entries`, keeping whole alphabetic words only.
    pub fn from_words<'a>(entries: impl IntoIterator<Item = &'a str>) -> Self {
        let words = entries
            .into_iter()
            .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
            .map(str::to_lowercase)
            .collect();
        Lexicon { words }
    }

    /// Whether `word` (any case) is a word of the language.
    pub fn knows(&self, word: &str) -> bool {
        self.words.contains(&word.to_lowercase())
    }

    /// How many words it holds.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_are_known_and_pieces_and_typos_are_not() {
        let lexicon = Lexicon::from_words(["allergic", "Lisbon", "##ic", "[UNK]", "ale", "co2"]);
        assert!(lexicon.knows("allergic"));
        assert!(lexicon.knows("lisbon"));
        assert!(lexicon.knows("LISBON"));
        assert!(!lexicon.knows("alergic"));
        assert!(!lexicon.knows("ic"));
        assert_eq!(lexicon.len(), 3, "{lexicon:?}");
    }

    #[test]
    fn the_models_own_tokenizer_knows_common_words_not_typos() {
        let Ok(path) = crate::model::ModelFiles::locate_tokenizer(
            &twinlake_core::config::Config::defaults(Path::new(".")).model,
        ) else {
            panic!("the tokenizer is missing: run scripts/setup.sh");
        };
        let lexicon = Lexicon::from_tokenizer_file(&path).unwrap();
        assert!(lexicon.len() > 15_000, "{}", lexicon.len());
        for word in ["allergic", "vegetarian", "religious", "regarding", "whose"] {
            assert!(lexicon.knows(word), "{word}");
        }
        for typo in ["alergic", "vegitarian", "lisbn", "shelfish"] {
            assert!(!lexicon.knows(typo), "{typo}");
        }
    }
}
