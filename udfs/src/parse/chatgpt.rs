//! ChatGPT data export: `conversations.json`.
//!
//! "Settings → Data controls → Export data" mails a zip whose
//! `conversations.json` is one JSON array (written on a single line) with an
//! object per conversation:
//!
//! ```json
//! [{"title": "Trip to Lisbon", "create_time": 1759508467.123, "update_time": 1759508662.41,
//!   "mapping": {"<node id>": {"id": "<node id>", "message": null | {
//!                  "id": "<message id>",
//!                  "author": {"role": "system" | "user" | "assistant" | "tool", "name": null, "metadata": {}},
//!                  "create_time": 1759508467.402 | null, "update_time": null,
//!                  "content": {"content_type": "text", "parts": ["Hello"]},
//!                  "status": "finished_successfully", "end_turn": true, "weight": 1.0,
//!                  "metadata": {"model_slug": "gpt-4o", ...}, "recipient": "all"},
//!               "parent": "<node id>" | null, "children": ["<node id>", ...]}},
//!   "current_node": "<node id>", "conversation_id": "<uuid>", "id": "<uuid>", ...}]
//! ```
//!
//! Variants read: current exports (`conversation_id` and `id`, both the
//! conversation's uuid); exports from before mid-2023, which have `id` only
//! and start the tree with a `system` message whose one part is ""; files
//! re-written by other tools with `conversation_id` only or no
//! `current_node`; one conversation object alone instead of the array.
//!
//! Quirks this parser handles:
//! - One bad record does not lose the file: a conversation without an id,
//!   without `mapping`, or whose tree is broken (a node that is not an
//!   object, a `parent` not in `mapping`, links that loop) is skipped with a
//!   warning naming it (`conversation [3] "Trip to Lisbon": ...`), its line
//!   and field (`[3].mapping`); a message with a bad field (a `create_time`
//!   that is not a number) is skipped the same way, and the next turn
//!   answers the last one kept. Under `--strict` the first refuses the file.
//! - The messages form a tree, not a list: editing a prompt or regenerating
//!   an answer starts a sibling branch. `current_node` is the leaf the user
//!   last saw; following `parent` from it to the root and reversing gives the
//!   conversation as displayed. Other branches are drafts the user replaced
//!   and are dropped. Without a `current_node` (hand-made files) the newest
//!   branch is taken: from the root, always the last child.
//! - Times are float seconds since the epoch, UTC. A message's `create_time`
//!   may be null (the system root, some uploads); the conversation's is used
//!   then, and with neither the entry has no time rather than a guessed one.
//! - Only `user` and `assistant` turns whose content is `text` or
//!   `multimodal_text` are kept: system prompts (role `system`), tool calls
//!   (assistant messages addressed to a `recipient` other than `all`, with
//!   content type `code`: `{"language", "text"}` for python or the
//!   browser), tool output (role `tool`: `execution_output` `{"text"}`,
//!   `tether_browsing_display` `{"result"}`, `tether_quote` `{"url",
//!   "domain", "title", "text"}`), reasoning (`thoughts`, `reasoning_recap`),
//!   custom instructions (`user_editable_context` `{"user_profile",
//!   "user_instructions"}`, a hidden user turn) and anything flagged
//!   `metadata.is_visually_hidden_from_conversation` are not what the user
//!   read or wrote; the answer written after them is kept.
//! - `parts` mixes strings and objects: the strings are the text (joined with
//!   a newline); an `audio_transcription` object (voice mode) contributes its
//!   `text`; image pointers are counted in meta `images`; other objects
//!   (audio pointers) are ignored. A turn with nothing but images is skipped.
//! - User turns are the user's own words (`author_is_self: Some(true)`, no
//!   author name since the export never names the user); assistant turns are
//!   by "ChatGPT" (`Some(false)`) with the model (`metadata.model_slug`) in
//!   meta `model`.
//! - Each kept turn answers the previous kept turn (`reply_to`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::ParseError;
use super::export::{
    Entry, Export, ParseContext, check_entry_limit, excerpt, field_error, fill_lines, raw_offset,
};
use super::json::{Doc, kind_of};

/// The format's name in error messages.
const FORMAT: &str = "ChatGPT export";

/// Whether `head` looks like `conversations.json`: a JSON array whose first
/// conversation has a `mapping` and a `create_time` (or `current_node`,
/// which usually comes after the long mapping). The extension is checked by
/// the caller.
pub(crate) fn sniff(_name: &str, head: &str) -> bool {
    let start = head.trim_start_matches('\u{feff}').trim_start();
    start.starts_with('[')
        && head.contains("\"mapping\"")
        && (head.contains("\"current_node\"") || head.contains("\"create_time\""))
}

/// One conversation, with only the fields this parser reads (serde skips the
/// rest without building values). Loosely typed fields are checked by hand so
/// errors can name them.
#[derive(Deserialize)]
struct RawConversation<'a> {
    /// The conversation's title.
    #[serde(default)]
    title: Option<Value>,
    /// Float seconds since the epoch.
    #[serde(default)]
    create_time: Option<Value>,
    /// Node id → node, kept raw so only the displayed branch is decoded.
    #[serde(borrow, default)]
    mapping: Option<&'a RawValue>,
    /// The leaf of the branch the user last saw.
    #[serde(default)]
    current_node: Option<Value>,
    /// The conversation's id (newer exports).
    #[serde(default)]
    conversation_id: Option<Value>,
    /// The conversation's id (all exports).
    #[serde(default)]
    id: Option<Value>,
}

/// One node of the message tree.
#[derive(Deserialize)]
struct RawNode<'a> {
    /// The message, or null for the root.
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    /// The parent node's id, null for the root.
    #[serde(default)]
    parent: Option<Value>,
    /// The children's ids, oldest first (only read without `current_node`).
    #[serde(default)]
    children: Option<Value>,
}

/// One message.
#[derive(Deserialize)]
struct RawMessage<'a> {
    /// The message id (usually the node id).
    #[serde(default)]
    id: Option<Value>,
    /// `{"role": ..., "name": ..., "metadata": ...}`.
    #[serde(default)]
    author: Option<Value>,
    /// Float seconds since the epoch, or null.
    #[serde(default)]
    create_time: Option<Value>,
    /// `{"content_type": ..., "parts": [...]}` and type-specific fields.
    #[serde(default)]
    content: Option<Value>,
    /// Message metadata: large (citations, search results), so kept raw and
    /// decoded into [`RawMetadata`], skipping what is not read.
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
    /// Who the message is addressed to: `all` (the chat) or a tool.
    #[serde(default)]
    recipient: Option<Value>,
}

/// The parts of a message's metadata this parser reads.
#[derive(Deserialize)]
struct RawMetadata {
    /// True for system prompts and custom instructions.
    #[serde(default)]
    is_visually_hidden_from_conversation: Option<Value>,
    /// The model that wrote an assistant turn.
    #[serde(default)]
    model_slug: Option<Value>,
}

/// Parses `conversations.json` (an array of conversations, or one
/// conversation object) into one entry per displayed user or assistant turn.
/// A conversation whose structure is broken (no id, no `mapping`, a
/// dangling or looping node) is skipped with a warning, as is a message
/// with a bad field; the rest of the file is read.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = super::utf8(bytes)?;
    let doc = Doc::new(FORMAT, text);
    let conversations = doc
        .array_or_object("a JSON array of conversations ([{\"title\": ..., \"mapping\": ...}])")?;
    let reader = Reader { doc };
    let mut export = Export::default();
    for (index, &raw) in conversations.iter().enumerate() {
        let path = format!("[{index}]");
        let mut record = Record {
            name: format!("conversation {path}"),
            entries: Vec::new(),
            skipped_messages: Vec::new(),
        };
        let read = reader.conversation(raw, &path, ctx, export.entries.len(), &mut record);
        match read {
            Ok(()) => {
                export.entries.append(&mut record.entries);
                for problem in record.skipped_messages {
                    export.skip(problem);
                }
            }
            Err(problem @ ParseError::Malformed { .. }) => export.skip(problem.about(&record.name)),
            Err(other) => return Err(other),
        }
    }
    fill_lines(text, &mut export.entries);
    Ok(export)
}

/// What one conversation yields while it is read: kept only if the whole
/// conversation's structure holds.
struct Record {
    /// How warnings name the conversation: `conversation [3] "Trip to
    /// Lisbon"`, or without the title when it has none.
    name: String,
    /// Its displayed turns.
    entries: Vec<Entry>,
    /// Messages left out for a bad field, already named after the record.
    skipped_messages: Vec<ParseError>,
}

/// Reads the conversations of the file.
struct Reader<'t> {
    /// The file, for error positions.
    doc: Doc<'t>,
}

impl<'t> Reader<'t> {
    /// A time field in float seconds: None when absent or null.
    fn seconds(
        &self,
        value: Option<&Value>,
        raw: &RawValue,
        field: &str,
    ) -> Result<Option<i64>, ParseError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64().and_then(seconds_to_us) {
                Some(us) => Ok(Some(us)),
                None => {
                    Err(self
                        .doc
                        .error(raw, field, format!("{n} is not a valid time in seconds")))
                }
            },
            Some(other) => Err(self.doc.error(
                raw,
                field,
                format!(
                    "expected seconds since the epoch (a number), found {}",
                    kind_of(other)
                ),
            )),
        }
    }

    /// Reads the displayed turns of the conversation `raw` (at `path`) into
    /// `record`; `kept` entries precede it (for the entry limit). An error
    /// is about the conversation as a whole, which is then skipped.
    fn conversation(
        &self,
        raw: &'t RawValue,
        path: &str,
        ctx: &ParseContext,
        kept: usize,
        record: &mut Record,
    ) -> Result<(), ParseError> {
        let conv: RawConversation = self.doc.object(raw, path)?;
        // The title first, so that whatever else is wrong names it.
        let title = self
            .doc
            .string(conv.title.as_ref(), raw, &format!("{path}.title"))?
            .filter(|t| !t.trim().is_empty());
        if let Some(title) = title {
            record.name = format!("conversation {path} \"{}\"", excerpt(title, 60));
        }
        let id = match self.doc.string(
            conv.conversation_id.as_ref(),
            raw,
            &format!("{path}.conversation_id"),
        )? {
            Some(id) if !id.is_empty() => id,
            _ => match self
                .doc
                .string(conv.id.as_ref(), raw, &format!("{path}.id"))?
            {
                Some(id) if !id.is_empty() => id,
                _ => {
                    return Err(self.doc.error(
                        raw,
                        &format!("{path}.id"),
                        "the conversation has no `id` (nor `conversation_id`)",
                    ));
                }
            },
        };
        let created = self.seconds(
            conv.create_time.as_ref(),
            raw,
            &format!("{path}.create_time"),
        )?;
        let mapping_path = format!("{path}.mapping");
        let mapping_raw = match conv.mapping {
            Some(m) if m.get() != "null" => m,
            _ => {
                return Err(self.doc.error(
                    raw,
                    &mapping_path,
                    "the conversation has no `mapping`",
                ));
            }
        };
        let mapping: HashMap<String, &RawValue> = self.doc.object(mapping_raw, &mapping_path)?;
        let leaf = self.doc.string(
            conv.current_node.as_ref(),
            raw,
            &format!("{path}.current_node"),
        )?;
        let branch = match leaf {
            Some(leaf) => self.branch_to(leaf, &mapping, path)?,
            None => self.newest_branch(&mapping, mapping_raw, path)?,
        };

        let mut previous: Option<String> = None;
        for (node_id, message) in branch {
            let Some(message) = message else { continue };
            if message.get() == "null" {
                continue;
            }
            let field = format!("{mapping_path}.{node_id}.message");
            let turn = match self.turn(message, &field, &node_id) {
                Ok(Some(turn)) => turn,
                Ok(None) => continue,
                // One bad message: the turns around it still read, the next
                // one answering the last turn kept.
                Err(problem @ ParseError::Malformed { .. }) => {
                    record.skipped_messages.push(problem.about(&record.name));
                    continue;
                }
                Err(other) => return Err(other),
            };
            check_entry_limit(FORMAT, ctx, kept + record.entries.len() + 1)?;
            let start = raw_offset(self.doc.text, message);
            let mut entry = Entry {
                conversation: id.to_string(),
                conversation_title: title.map(str::to_string),
                id: turn.id,
                author: (!turn.is_user).then(|| "ChatGPT".to_string()),
                author_is_self: Some(turn.is_user),
                timestamp_us: turn.timestamp_us.or(created),
                ends_at_us: None,
                text: turn.text,
                reply_to: previous.take(),
                origin: Default::default(),
                meta: turn.meta,
            };
            entry.origin.byte_start = start as u64;
            entry.origin.byte_end = (start + message.get().len()) as u64;
            previous = Some(entry.id.clone());
            record.entries.push(entry);
        }
        Ok(())
    }

    /// The nodes from the root down to `leaf`, following `parent` links up
    /// (each node visited once, so a cycle is an error, not a hang).
    fn branch_to(
        &self,
        leaf: &str,
        mapping: &HashMap<String, &'t RawValue>,
        path: &str,
    ) -> Result<Vec<(String, Option<&'t RawValue>)>, ParseError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut branch = Vec::new();
        let mut next = leaf.to_string();
        let mut field = format!("{path}.current_node");
        loop {
            let Some(raw) = mapping.get(next.as_str()).copied() else {
                // The position of the dangling reference: the referring node.
                let at = branch
                    .last()
                    .and_then(|(id, _): &(String, _)| mapping.get(id.as_str()).copied());
                let line = at.map(|r| self.doc.line(r)).unwrap_or(0);
                return Err(field_error(
                    FORMAT,
                    line.max(1),
                    field,
                    format!("node `{next}` is not in `mapping`"),
                ));
            };
            if !seen.insert(next.clone()) {
                return Err(self.doc.error(
                    raw,
                    &field,
                    format!("the `parent` links loop back to node `{next}`"),
                ));
            }
            let node_path = format!("{path}.mapping.{next}");
            let node: RawNode = self.doc.object(raw, &node_path)?;
            let parent_field = format!("{node_path}.parent");
            let parent = self
                .doc
                .string(node.parent.as_ref(), raw, &parent_field)?
                .map(str::to_string);
            branch.push((next, node.message));
            match parent {
                Some(parent) => {
                    next = parent;
                    field = parent_field;
                }
                None => break,
            }
        }
        branch.reverse();
        Ok(branch)
    }

    /// Without `current_node`: from the root (the first node without a
    /// parent, in file order), always the last (newest) child.
    fn newest_branch(
        &self,
        mapping: &HashMap<String, &'t RawValue>,
        mapping_raw: &RawValue,
        path: &str,
    ) -> Result<Vec<(String, Option<&'t RawValue>)>, ParseError> {
        let mut root: Option<(usize, &str)> = None;
        for (id, raw) in mapping {
            let node: RawNode = self.doc.object(raw, &format!("{path}.mapping.{id}"))?;
            if matches!(node.parent, None | Some(Value::Null)) {
                let offset = raw_offset(self.doc.text, raw);
                if root.is_none_or(|(best, _)| offset < best) {
                    root = Some((offset, id.as_str()));
                }
            }
        }
        let Some((_, root)) = root else {
            return Err(self.doc.error(
                mapping_raw,
                &format!("{path}.mapping"),
                "no root node (every node has a `parent`) and no `current_node`",
            ));
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut branch = Vec::new();
        let mut next = Some(root.to_string());
        while let Some(id) = next.take() {
            let Some((key, raw)) = mapping.get_key_value(id.as_str()) else {
                break;
            };
            if !seen.insert(key.as_str()) {
                break;
            }
            let node_path = format!("{path}.mapping.{id}");
            let node: RawNode = self.doc.object(raw, &node_path)?;
            next = match &node.children {
                Some(Value::Array(children)) => {
                    children.last().and_then(Value::as_str).map(str::to_string)
                }
                None | Some(Value::Null) => None,
                Some(other) => {
                    return Err(self.doc.error(
                        raw,
                        &format!("{node_path}.children"),
                        format!("expected a list of node ids, found {}", kind_of(other)),
                    ));
                }
            };
            branch.push((id, node.message));
        }
        Ok(branch)
    }

    /// Reads one message; None when it is not a displayed user or assistant
    /// turn with text.
    fn turn(&self, raw: &RawValue, path: &str, node_id: &str) -> Result<Option<Turn>, ParseError> {
        let message: RawMessage = self.doc.object(raw, path)?;
        let author = message.author.as_ref();
        let role = self.doc.string(
            author.and_then(|a| a.get("role")),
            raw,
            &format!("{path}.author.role"),
        )?;
        let is_user = match role {
            Some("user") => true,
            Some("assistant") => false,
            _ => return Ok(None),
        };
        let meta_path = format!("{path}.metadata");
        let metadata: Option<RawMetadata> = match message.metadata {
            Some(m) if m.get() != "null" => Some(self.doc.object(m, &meta_path)?),
            _ => None,
        };
        let hidden = metadata
            .as_ref()
            .and_then(|m| m.is_visually_hidden_from_conversation.as_ref())
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if hidden {
            return Ok(None);
        }
        let recipient = self.doc.string(
            message.recipient.as_ref(),
            raw,
            &format!("{path}.recipient"),
        )?;
        if !is_user && recipient.is_some_and(|r| r != "all") {
            // A tool call (python, web, dalle...), not a reply to the user.
            return Ok(None);
        }
        let content_path = format!("{path}.content");
        let content = match &message.content {
            Some(Value::Object(content)) => content,
            None | Some(Value::Null) => return Ok(None),
            Some(other) => {
                return Err(self.doc.error(
                    raw,
                    &content_path,
                    format!("expected an object, found {}", kind_of(other)),
                ));
            }
        };
        let content_type = self.doc.string(
            content.get("content_type"),
            raw,
            &format!("{content_path}.content_type"),
        )?;
        if !matches!(content_type, Some("text" | "multimodal_text")) {
            return Ok(None);
        }
        let parts = match content.get("parts") {
            Some(Value::Array(parts)) => parts.as_slice(),
            None | Some(Value::Null) => &[],
            Some(other) => {
                return Err(self.doc.error(
                    raw,
                    &format!("{content_path}.parts"),
                    format!("expected a list, found {}", kind_of(other)),
                ));
            }
        };
        let mut pieces: Vec<&str> = Vec::new();
        let mut images = 0usize;
        for part in parts {
            match part {
                Value::String(s) => pieces.push(s),
                Value::Object(object) => match object.get("content_type").and_then(Value::as_str) {
                    Some("audio_transcription") => {
                        if let Some(text) = object.get("text").and_then(Value::as_str) {
                            pieces.push(text);
                        }
                    }
                    Some(kind) if kind.starts_with("image") => images += 1,
                    _ => {}
                },
                _ => {}
            }
        }
        let text = pieces
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if text.is_empty() {
            return Ok(None);
        }
        let id = match self
            .doc
            .string(message.id.as_ref(), raw, &format!("{path}.id"))?
        {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => node_id.to_string(),
        };
        let timestamp_us = self.seconds(
            message.create_time.as_ref(),
            raw,
            &format!("{path}.create_time"),
        )?;
        let mut meta = BTreeMap::new();
        if images > 0 {
            meta.insert("images".to_string(), images.to_string());
        }
        if !is_user
            && let Some(model) = metadata
                .as_ref()
                .and_then(|m| m.model_slug.as_ref())
                .and_then(Value::as_str)
        {
            meta.insert("model".to_string(), model.to_string());
        }
        Ok(Some(Turn {
            id,
            is_user,
            timestamp_us,
            text,
            meta,
        }))
    }
}

/// What [`Reader::turn`] extracts from a kept message.
struct Turn {
    /// The message id.
    id: String,
    /// Whether the user wrote it (else the assistant).
    is_user: bool,
    /// Its own time, if it has one.
    timestamp_us: Option<i64>,
    /// Its visible text.
    text: String,
    /// `images`, `model`.
    meta: BTreeMap<String, String>,
}

/// Float seconds to µs, when finite and within chrono's range.
fn seconds_to_us(seconds: f64) -> Option<i64> {
    let us = (seconds * 1e6).round();
    if !us.is_finite() || us.abs() > 9.0e18 {
        return None;
    }
    let us = us as i64;
    chrono::DateTime::from_timestamp_micros(us).map(|_| us)
}

#[cfg(test)]
mod tests {
    use super::super::export::testing::malformed;
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../fixtures/chatgpt/conversations.json");

    fn parse_ok(bytes: &[u8]) -> Export {
        parse(bytes, &ParseContext::default()).unwrap()
    }

    /// The refusal of a file, judged as `super::parse` judges it (a file
    /// whose every conversation was skipped is refused with the first
    /// reason).
    fn parse_err(bytes: &[u8]) -> (String, Option<usize>, Option<String>) {
        malformed(parse(bytes, &ParseContext::default()).and_then(|e| e.judged(false)))
    }

    /// Older exports (`id` only, a system root message), a record without
    /// `mapping`, and one without `current_node` with browsing tool turns.
    const OLDER_AND_BROKEN: &[u8] =
        include_bytes!("../../fixtures/chatgpt/older-exports-one-broken/conversations.json");

    /// The warnings' line, field and message, and whether each skipped.
    fn warnings(export: &Export) -> Vec<(Option<usize>, Option<String>, String, bool)> {
        export
            .warnings
            .iter()
            .map(|w| match &w.problem {
                ParseError::Malformed {
                    message,
                    line,
                    field,
                    ..
                } => (*line, field.clone(), message.clone(), w.skipped),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn fixture_is_sniffed() {
        let head = String::from_utf8_lossy(&FIXTURE[..4096.min(FIXTURE.len())]);
        assert!(sniff("conversations.json", &head));
        assert!(!sniff(
            "result.json",
            "{\"name\": \"Bob\", \"type\": \"personal_chat\", \"messages\": []}"
        ));
        assert!(!sniff("x.json", "[{\"qa\": [], \"conversation\": {}}]"));
    }

    #[test]
    fn keeps_the_displayed_user_and_assistant_turns() {
        let export = parse_ok(FIXTURE);
        assert!(export.owner_names.is_empty());
        let e = &export.entries;
        assert_eq!(e.len(), 6, "{e:#?}");

        // Conversation 1: hidden system message skipped, edited branch dropped.
        let first = &e[0];
        assert_eq!(first.conversation, "68dfd1f3-8a40-8005-9d1c-4e2b7f0a6c35");
        assert_eq!(
            first.conversation_title.as_deref(),
            Some("Sourdough starter smells off")
        );
        assert_eq!(first.id, "aaa2c41e-7b7d-4e8f-9a35-1f0c6d2b8e47");
        assert_eq!(first.author, None);
        assert_eq!(first.author_is_self, Some(true));
        assert_eq!(first.timestamp_us, Some(1_759_508_467_402_000));
        assert!(first.text.starts_with("My sourdough starter smells"));
        assert_eq!(first.reply_to, None);

        let answer = &e[1];
        assert_eq!(answer.author.as_deref(), Some("ChatGPT"));
        assert_eq!(answer.author_is_self, Some(false));
        assert_eq!(answer.reply_to.as_deref(), Some(first.id.as_str()));
        assert_eq!(answer.meta.get("model").map(String::as_str), Some("gpt-4o"));
        assert!(answer.text.contains("acetone"));

        let edited = &e[2];
        assert_eq!(edited.id, "aaa27e4c-9f10-4b21-8c32-d43e54f65a76");
        assert!(edited.text.contains("whole-wheat flour at home & no scale"));
        assert_eq!(edited.reply_to.as_deref(), Some(answer.id.as_str()));
        assert_eq!(e[3].id, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
        assert!(
            e.iter().all(|x| !x.text.contains("rye")),
            "the dead branch is dropped"
        );

        assert_eq!(e[4].conversation, "68e2a9b0-1c3d-8005-a4e6-2f7b9c0d1e23");
        assert_eq!(e[4].reply_to, None, "reply_to stays within a conversation");
    }

    #[test]
    fn second_conversation_skips_tools_and_reasoning() {
        let export = parse_ok(FIXTURE);
        let e: Vec<&Entry> = export
            .entries
            .iter()
            .filter(|x| x.conversation == "68e2a9b0-1c3d-8005-a4e6-2f7b9c0d1e23")
            .collect();
        assert_eq!(e.len(), 2, "{e:#?}");
        assert_eq!(
            e[0].conversation_title.as_deref(),
            Some("Electricity bill per kWh")
        );
        assert_eq!(
            e[0].text,
            "Here's my electricity bill for September. How much did I pay per kWh, roughly?"
        );
        assert_eq!(e[0].meta.get("images").map(String::as_str), Some("1"));
        assert_eq!(e[0].author_is_self, Some(true));
        assert!(e[1].text.contains("0.24 € per kWh"));
        assert_eq!(
            e[1].reply_to.as_deref(),
            Some("aaa21f2e-3d4c-4b5a-9687-a1b2c3d4e5f6")
        );
        assert_eq!(
            e[1].meta.get("model").map(String::as_str),
            Some("gpt-5-thinking")
        );
        assert_eq!(e[1].timestamp_us, Some(1_759_767_224_710_000));
    }

    #[test]
    fn origins_point_at_the_message_objects() {
        let export = parse_ok(FIXTURE);
        let text = std::str::from_utf8(FIXTURE).unwrap();
        for entry in &export.entries {
            let slice = &text[entry.origin.byte_start as usize..entry.origin.byte_end as usize];
            assert!(slice.starts_with("{\"id\": \""), "{slice}");
            assert!(slice.contains(&entry.id));
            assert_eq!(entry.origin.line, 1, "the export is one line");
        }
    }

    #[test]
    fn missing_current_node_takes_the_newest_branch() {
        let json = r#"[{"title": "t", "create_time": 1700000000.5, "id": "c1", "mapping": {
            "r": {"id": "r", "message": null, "parent": null, "children": ["u"]},
            "u": {"id": "u", "message": {"id": "u", "author": {"role": "user"}, "create_time": null,
                  "content": {"content_type": "text", "parts": ["hi", {"content_type": "image_asset_pointer"}]}},
                  "parent": "r", "children": ["a-old", "a-new"]},
            "a-old": {"id": "a-old", "message": {"id": "a-old", "author": {"role": "assistant"},
                  "content": {"content_type": "text", "parts": ["old"]}}, "parent": "u", "children": []},
            "a-new": {"id": "a-new", "message": {"id": "a-new", "author": {"role": "assistant"},
                  "content": {"content_type": "text", "parts": ["new"]}}, "parent": "u", "children": []}
        }}]"#;
        let e = parse_ok(json.as_bytes()).entries;
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[0].timestamp_us,
            Some(1_700_000_000_500_000),
            "conversation time"
        );
        assert_eq!(e[0].origin.line, 3);
        assert_eq!(e[1].text, "new");
        assert_eq!(e[1].origin.line, 8);
    }

    #[test]
    fn malformed_inputs_name_line_and_field() {
        let text = std::str::from_utf8(FIXTURE).unwrap();
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let truncated = &FIXTURE[..cut];
        let (message, line, _) = parse_err(truncated);
        assert!(message.contains("malformed JSON"), "{message}");
        assert_eq!(line, Some(1));

        let cycle = r#"[{"id": "c", "current_node": "a", "mapping": {
            "a": {"message": null, "parent": "b"},
            "b": {"message": null, "parent": "a"}}}]"#;
        let (message, line, field) = parse_err(cycle.as_bytes());
        assert!(message.contains("loop"), "{message}");
        assert_eq!(field.as_deref(), Some("[0].mapping.b.parent"));
        assert_eq!(line, Some(2));

        let missing = r#"[{"id": "c", "current_node": "a", "mapping": {
            "a": {"message": null, "parent": "gone"}}}]"#;
        let (message, line, field) = parse_err(missing.as_bytes());
        assert!(message.contains("`gone` is not in `mapping`"), "{message}");
        assert_eq!(field.as_deref(), Some("[0].mapping.a.parent"));
        assert_eq!(line, Some(2));

        let no_leaf = r#"[{"id": "c", "current_node": "zz", "mapping": {}}]"#;
        let (_, _, field) = parse_err(no_leaf.as_bytes());
        assert_eq!(field.as_deref(), Some("[0].current_node"));

        let bad_time = r#"[{"id": "c", "current_node": "a", "mapping": {
            "a": {"parent": null, "message": {"id": "m", "author": {"role": "user"},
              "create_time": "yesterday", "content": {"content_type": "text", "parts": ["x"]}}}}}]"#;
        let (message, line, field) = parse_err(bad_time.as_bytes());
        assert!(message.contains("found a string"), "{message}");
        assert_eq!(field.as_deref(), Some("[0].mapping.a.message.create_time"));
        assert_eq!(line, Some(2));

        let bad_role = r#"[{"id": "c", "current_node": "a", "mapping": {"a": {"parent": null,
            "message": {"author": {"role": 7}}}}}]"#;
        let (_, _, field) = parse_err(bad_role.as_bytes());
        assert_eq!(field.as_deref(), Some("[0].mapping.a.message.author.role"));

        let (_, _, field) =
            parse_err(br#"[{"id": "c", "current_node": "a", "mapping": {"a": []}}]"#);
        assert_eq!(field.as_deref(), Some("[0].mapping.a"));
        let (_, _, field) = parse_err(br#"[{"title": "no id", "mapping": {}}]"#);
        assert_eq!(field.as_deref(), Some("[0].id"));
        let (_, _, field) = parse_err(b"[1]");
        assert_eq!(field.as_deref(), Some("[0]"));
    }

    #[test]
    fn one_broken_conversation_is_skipped_with_a_warning() {
        let export = parse_ok(OLDER_AND_BROKEN);
        assert_eq!(
            warnings(&export),
            [(
                Some(1),
                Some("[1].mapping".to_string()),
                "conversation [1] \"Cover letter for the Lisbon job\": the conversation has no \
                 `mapping`"
                    .to_string(),
                true
            )]
        );
        let conversations: HashSet<&str> = export
            .entries
            .iter()
            .map(|e| e.conversation.as_str())
            .collect();
        assert_eq!(
            conversations.len(),
            2,
            "the good conversations around it are read"
        );
        let shown = export.warnings[0].to_string();
        assert!(shown.ends_with("record skipped"), "{shown}");
        // --strict refuses the file with the same words.
        let refused = export.judged(true).unwrap_err();
        assert!(
            refused.to_string().contains("(line 1, field [1].mapping)"),
            "{refused}"
        );
    }

    #[test]
    fn older_exports_and_branches_without_current_node() {
        let export = parse_ok(OLDER_AND_BROKEN);
        let e = &export.entries;
        assert_eq!(e.len(), 6, "{e:#?}");

        // Spring 2023: no `conversation_id`, a system root with an empty part.
        let old: Vec<&Entry> = e
            .iter()
            .filter(|x| x.conversation == "1f6e9a2c-4b3d-4c8e-a1f0-7d2b5e9c3a64")
            .collect();
        assert_eq!(old.len(), 4);
        assert_eq!(old[0].id, "aaa2b3c4-5d6e-4f70-8192-a3b4c5d6e7f8");
        assert_eq!(old[0].timestamp_us, Some(1_681_202_837_489_533));
        assert_eq!(old[0].author_is_self, Some(true));
        assert_eq!(old[0].reply_to, None, "the system root is not a turn");
        assert_eq!(old[1].timestamp_us, Some(1_681_202_861_067_104));
        assert_eq!(
            old[1].meta.get("model").map(String::as_str),
            Some("text-davinci-002-render-sha")
        );
        assert_eq!(old[1].reply_to.as_deref(), Some(old[0].id.as_str()));
        assert_eq!(old[3].id, "5c1b7f0e-2d4a-4e6b-9f3c-8a7d6e5f4c3b");
        assert_eq!(
            old[3].reply_to.as_deref(),
            Some("aaa2f1e0-d9c8-4b7a-9685-7463524130af")
        );
        assert!(old[3].text.contains("python -m timeit"), "{}", old[3].text);

        // No `current_node`, `conversation_id` only: the newest branch, with
        // the browser's call, page and quote left out.
        let porto: Vec<&Entry> = e
            .iter()
            .filter(|x| x.conversation == "6652f0d9-8e7c-8005-b3a1-4f5e6d7c8b9a")
            .collect();
        assert_eq!(porto.len(), 2, "{porto:#?}");
        assert_eq!(
            porto[0].conversation_title.as_deref(),
            Some("Best month to visit Porto")
        );
        assert_eq!(
            porto[0].text,
            "This is the Ribeira from our hotel window last March. When is Porto at its best, \
             weather-wise?"
        );
        assert_eq!(porto[0].meta.get("images").map(String::as_str), Some("1"));
        // A null `create_time` takes the conversation's.
        assert_eq!(porto[0].timestamp_us, Some(1_716_712_345_000_000));
        assert_eq!(porto[1].id, "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a82");
        assert!(porto[1].text.starts_with("Late May to early October."));
        assert_eq!(porto[1].timestamp_us, Some(1_716_712_391_270_000));
        assert_eq!(porto[1].reply_to.as_deref(), Some(porto[0].id.as_str()));
        assert!(e.iter().all(|x| !x.text.contains("July, if you want")));
        assert!(
            e.iter()
                .all(|x| !x.text.contains("least amount of rainfall"))
        );
    }

    #[test]
    fn conversations_without_id_or_with_broken_nodes_are_skipped() {
        let json = r#"[
{"title": "Kept", "id": "c-good", "current_node": "u", "mapping": {
  "u": {"parent": null, "message": {"id": "u", "author": {"role": "user"}, "create_time": 1700000000.25,
        "content": {"content_type": "text", "parts": ["Still here"]}}}}},
{"title": "Lost its id", "create_time": 1700000100, "mapping": {}},
{"title": "Dangling parent", "id": "c-dangling", "current_node": "a", "mapping": {
  "a": {"message": null, "parent": "gone"}}},
{"id": "c-bad-node", "current_node": "a", "mapping": {"a": []}}
]"#;
        let export = parse_ok(json.as_bytes());
        assert_eq!(export.entries.len(), 1);
        assert_eq!(export.entries[0].text, "Still here");
        assert_eq!(export.entries[0].timestamp_us, Some(1_700_000_000_250_000));
        let w = warnings(&export);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert_eq!((w[0].0, w[0].1.as_deref()), (Some(5), Some("[1].id")));
        assert_eq!(
            w[0].2,
            "conversation [1] \"Lost its id\": the conversation has no `id` (nor \
             `conversation_id`)"
        );
        assert_eq!(
            (w[1].0, w[1].1.as_deref()),
            (Some(7), Some("[2].mapping.a.parent"))
        );
        assert!(
            w[1].2
                .starts_with("conversation [2] \"Dangling parent\": node `gone`"),
            "{}",
            w[1].2
        );
        assert_eq!(
            (w[2].0, w[2].1.as_deref()),
            (Some(8), Some("[3].mapping.a"))
        );
        assert!(
            w[2].2.starts_with("conversation [3]: expected an object"),
            "{}",
            w[2].2
        );
        assert!(w.iter().all(|x| x.3), "all skipped");
    }

    #[test]
    fn a_message_with_a_bad_field_is_skipped_and_the_next_answers_the_last_kept() {
        let json = r#"[{"title": "Tea", "id": "c", "current_node": "u2", "mapping": {
"u1": {"parent": null, "message": {"id": "u1", "author": {"role": "user"}, "create_time": 1700000000,
       "content": {"content_type": "text", "parts": ["Green or black?"]}}},
"a1": {"parent": "u1", "message": {"id": "a1", "author": {"role": "assistant"}, "create_time": "yesterday",
       "content": {"content_type": "text", "parts": ["Green."]}}},
"u2": {"parent": "a1", "message": {"id": "u2", "author": {"role": "user"}, "create_time": 1700000060,
       "content": {"content_type": "text", "parts": ["Why?"]}}}}}]"#;
        let export = parse_ok(json.as_bytes());
        let ids: Vec<&str> = export.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["u1", "u2"]);
        assert_eq!(export.entries[1].reply_to.as_deref(), Some("u1"));
        assert_eq!(export.entries[1].timestamp_us, Some(1_700_000_060_000_000));
        let w = warnings(&export);
        assert_eq!(w.len(), 1);
        assert_eq!(
            (w[0].0, w[0].1.as_deref()),
            (Some(4), Some("[0].mapping.a1.message.create_time"))
        );
        assert!(
            w[0].2
                .starts_with("conversation [0] \"Tea\": expected seconds"),
            "{}",
            w[0].2
        );
        assert!(w[0].3);
        assert!(export.judged(true).is_err(), "--strict refuses");
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let inputs: &[&[u8]] = &[
            b"[",
            b"\xef\xbb\xbf[]",
            b"{}",
            b"null",
            b"[{\"id\": \"c\", \"mapping\": {\"a\": {\"parent\": \"a\"}}}]",
            b"[{\"id\": \"c\", \"mapping\": {\"a\": {\"parent\": null, \"children\": [\"a\"]}}}]",
            b"[{\"id\": \"c\", \"current_node\": \"a\", \"create_time\": 1e308, \"mapping\": {\"a\": {\"parent\": null, \"message\": {\"author\": {\"role\": \"user\"}, \"content\": {\"content_type\": \"text\", \"parts\": [\"x\"]}}}}}]",
            b"[{\"id\": \"\xc3\xa9\", \"current_node\": 5, \"mapping\": {}}]",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            b"\xff\xfe",
        ];
        for input in inputs {
            let _ = parse(input, &ParseContext::default());
        }
        let limited = ParseContext {
            max_entries: 2,
            ..ParseContext::default()
        };
        assert!(matches!(
            parse(FIXTURE, &limited),
            Err(ParseError::TooLarge { .. })
        ));
    }
}
