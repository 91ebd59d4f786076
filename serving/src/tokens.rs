//! A reply's text as it is written: the answerer sends each piece the
//! model produces (or the extractive answer, word by word) to whoever
//! listens, the chat's WebSocket. When an attempt fails after some of its
//! text was sent (a dropped stream, a timeout, then a retry or the
//! fallback), a [`Token::Restart`] tells the listener to throw that text
//! away. The final reply is always the whole text, so a listener that
//! missed pieces loses nothing.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// One event of a streamed reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// The next piece of text.
    Text(String),
    /// The text sent so far is void: another attempt starts over.
    Restart,
}

/// Where a reply's pieces go: a channel, or nowhere (the JSON API).
#[derive(Clone, Debug, Default)]
pub struct Tokens(Option<UnboundedSender<Token>>);

impl Tokens {
    /// Pieces go nowhere.
    pub fn none() -> Self {
        Tokens(None)
    }

    /// Pieces go to the returned receiver.
    pub fn channel() -> (Self, UnboundedReceiver<Token>) {
        let (tx, rx) = unbounded_channel();
        (Tokens(Some(tx)), rx)
    }

    /// Sends a piece of text (an empty one is not sent). A listener that
    /// has gone away is not an error: the reply is still stored.
    pub fn text(&self, piece: &str) {
        if let (Some(tx), false) = (&self.0, piece.is_empty()) {
            let _ = tx.send(Token::Text(piece.to_string()));
        }
    }

    /// Voids the text sent so far.
    pub fn restart(&self) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(Token::Restart);
        }
    }

    /// Sends `text` in word-sized pieces, spaces kept, for an answer that
    /// was written all at once.
    pub fn words(&self, text: &str) {
        if self.0.is_none() {
            return;
        }
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c == ' ' && i > start {
                self.text(&text[start..=i]);
                start = i + 1;
            }
        }
        self.text(&text[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_arrive_in_order_and_join_to_the_text() {
        let (tokens, mut rx) = Tokens::channel();
        let text = "Your cat is  called Pretzel [1].";
        tokens.words(text);
        drop(tokens);
        let mut joined = String::new();
        let mut pieces = 0;
        while let Ok(Token::Text(piece)) = rx.try_recv() {
            joined.push_str(&piece);
            pieces += 1;
        }
        assert_eq!(joined, text);
        assert!(pieces >= 5, "{pieces} pieces");
    }

    #[test]
    fn nobody_listening_is_fine() {
        let tokens = Tokens::none();
        tokens.words("anything");
        tokens.restart();
        let (tokens, rx) = Tokens::channel();
        drop(rx);
        tokens.text("gone");
    }
}
