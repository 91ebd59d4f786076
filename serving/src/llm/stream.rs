//! Reading a chat completion as the server sends it: server-sent events
//! (`data: {json}` lines, each holding `choices[0].delta.content`, ended by
//! `data: [DONE]`), or one JSON body (`choices[0].message.content`) from
//! servers that do not stream.

use serde_json::Value;

use super::LlmError;

/// Collects the text of a streamed completion from its bytes, as they
/// come in pieces cut anywhere.
#[derive(Default)]
pub struct EventStream {
    pending: Vec<u8>,
    text: String,
    done: bool,
}

impl EventStream {
    /// Feeds the next bytes; returns the text they completed (possibly
    /// empty).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<String, LlmError> {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            if let Some(token) = self.line(line.trim_end_matches(['\r', '\n']))? {
                out.push_str(&token);
            }
        }
        self.text.push_str(&out);
        Ok(out)
    }

    /// Ends the stream: the whole text, or why the stream was not a
    /// complete answer.
    pub fn finish(mut self) -> Result<String, LlmError> {
        if !self.pending.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
            if let Some(token) = self.line(rest.trim_end())? {
                self.text.push_str(&token);
            }
        }
        if !self.done {
            return Err(LlmError::Malformed(
                "the stream ended without data: [DONE]".into(),
            ));
        }
        Ok(self.text)
    }

    fn line(&mut self, line: &str) -> Result<Option<String>, LlmError> {
        let Some(data) = line.strip_prefix("data:") else {
            // Comments (`:`), `event:`, `id:` and blank separators.
            return Ok(None);
        };
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(None);
        }
        let event: Value = serde_json::from_str(data).map_err(|e| {
            LlmError::Malformed(format!("an event is not JSON ({e}): {}", excerpt(data)))
        })?;
        if let Some(error) = event.get("error") {
            return Err(LlmError::Malformed(format!(
                "the stream reported an error: {}",
                excerpt(&error.to_string())
            )));
        }
        match event.pointer("/choices/0/delta/content") {
            Some(Value::String(token)) => Ok(Some(token.clone())),
            Some(Value::Null) | None => Ok(None),
            Some(other) => Err(LlmError::Malformed(format!(
                "delta content is not a string: {}",
                excerpt(&other.to_string())
            ))),
        }
    }
}

/// The text of a completion that came as one JSON body.
pub fn whole(body: &[u8]) -> Result<String, LlmError> {
    let reply: Value = serde_json::from_slice(body).map_err(|e| {
        LlmError::Malformed(format!(
            "the reply is not JSON ({e}): {}",
            excerpt(&String::from_utf8_lossy(body))
        ))
    })?;
    reply
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            LlmError::Malformed(format!(
                "no choices[0].message.content in {}",
                excerpt(&reply.to_string())
            ))
        })
}

/// The start of `text`, for error messages.
pub fn excerpt(text: &str) -> String {
    const MOST: usize = 200;
    match text.char_indices().nth(MOST) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_across_pieces_cut_anywhere() {
        let body = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
                    data: {\"choices\":[{\"delta\":{\"content\":\"Miso \"}}]}\r\n\r\n\
                    : keep-alive\n\
                    data: {\"choices\":[{\"delta\":{\"content\":\"the cat [1]\"}}]}\n\n\
                    data: [DONE]\n\n";
        for cut in [1, 3, 7, body.len()] {
            let mut stream = EventStream::default();
            let mut seen = String::new();
            for piece in body.as_bytes().chunks(cut) {
                seen.push_str(&stream.feed(piece).unwrap());
            }
            assert_eq!(seen, "Miso the cat [1]");
            assert_eq!(stream.finish().unwrap(), "Miso the cat [1]");
        }
    }

    #[test]
    fn broken_streams_and_bodies_are_malformed() {
        let mut stream = EventStream::default();
        assert!(matches!(
            stream.feed(b"data: {nope\n"),
            Err(LlmError::Malformed(_))
        ));
        let mut cut = EventStream::default();
        cut.feed(b"data: {\"choices\":[{\"delta\":{\"content\":\"half\"}}]}\n")
            .unwrap();
        assert!(matches!(cut.finish(), Err(LlmError::Malformed(m)) if m.contains("[DONE]")));
        assert_eq!(
            whole(br#"{"choices":[{"message":{"content":"hi"}}]}"#).unwrap(),
            "hi"
        );
        assert!(matches!(whole(b"<html>"), Err(LlmError::Malformed(_))));
        assert!(matches!(whole(b"{}"), Err(LlmError::Malformed(_))));
    }
}
