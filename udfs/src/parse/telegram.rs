//! Telegram Desktop export (`result.json`, "Machine-readable JSON").
//!
//! Telegram Desktop writes two shapes:
//!
//! * the **account export** (Settings → Advanced → Export Telegram data):
//!   `{"about", "personal_information": {"user_id", "first_name",
//!   "last_name", "phone_number", "username": "@handle", "bio"},
//!   "profile_pictures", "contacts", "frequent_contacts",
//!   "chats": {"about", "list": [chat, ...]}, "left_chats": {...}, ...}`,
//!   where every section is optional (the user ticks what to export);
//! * the **single-chat export** (a chat's ⋮ menu → Export chat history):
//!   the chat object alone at the top level.
//!
//! A chat is `{"name", "type", "id", "messages": [...]}` with `type` one of
//! `personal_chat`, `bot_chat`, `private_group`, `private_supergroup`,
//! `public_supergroup`, `private_channel`, `public_channel`,
//! `saved_messages` or `replies` (the last two have no `name`).
//!
//! A message is `{"id", "type": "message" | "service" | "unsupported",
//! "date", "date_unixtime", "edited", "edited_unixtime", "from", "from_id",
//! ..., "text", "text_entities"}`. Quirks handled here:
//!
//! * `date` is the *local* time of the exporting machine with no offset
//!   (Qt's ISO format), while `date_unixtime` (a string of seconds, added in
//!   2021) is UTC. We use `date_unixtime` and fall back to `date`, read as
//!   UTC, only for old exports that lack it.
//! * `text` is a plain string when the message has no formatting, else an
//!   array mixing strings and entity objects `{"type", "text", "href"?}`.
//!   We join the parts; a `text_link` keeps its URL in parentheses after
//!   the link text, so links stay readable as text. Hashtag entities are
//!   also collected into `meta.hashtags`.
//! * `from` is `null` for deleted accounts (shown as "Deleted Account", as
//!   Telegram does); `from_id` is `"user123"`/`"channel123"` (a bare number
//!   in exports before 2021).
//! * Service messages (`type: "service"`) carry `actor` and `action`
//!   (`create_group`, `invite_members`, `pin_message`, `phone_call`...) and
//!   no text: we write a sentence ("Bob Stone created the group Harbor")
//!   and set `meta.service` to the action.
//! * Media: a photo, file, sticker, voice message, location, contact or
//!   poll. Its caption is the message `text`; a message with media and no
//!   caption gets a bracketed placeholder ("[photo]", "[sticker 👍]",
//!   "[file report.pdf]", "[voice message, 14 s]") so the fact that
//!   something was sent is kept. `meta.media` names the kind either way.
//!   `type: "unsupported"` messages carry nothing and are skipped.
//! * Replies (`reply_to_message_id`) become `reply_to` when they answer a
//!   message of the same chat; a reply to another chat (`reply_to_peer_id`)
//!   is kept in `meta.reply_to_peer`/`meta.reply_to_message` instead.
//!
//! Ownership: the account export names its owner (`personal_information`),
//! so `owner_names` gets the full name and the `@username`, and every
//! message whose `from_id` is known gets `author_is_self` from comparing it
//! with the owner's `user_id`. A single-chat export does not name its owner;
//! for a `personal_chat` with exactly two authors, one of them the chat's
//! name (the other party), the other author is the owner. For
//! `saved_messages` with a single author, that author is the owner.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::dates::iso_utc;
use super::export::{
    Entry, Export, LineCounter, ParseContext, check_entry_limit, excerpt, field_error, json_error,
    owner_beside, sole_author,
};
use super::json::{has_key, id_string, key_line, serde_message, shown};
use super::{ParseError, utf8};

/// The format name used in errors.
const FORMAT: &str = "Telegram export";

/// Chat `type` values Telegram Desktop writes.
const CHAT_TYPES: &[&str] = &[
    "personal_chat",
    "bot_chat",
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
    "saved_messages",
];

/// Top-level keys only the account export has (one is enough, together
/// with its `"about"`, since each section is optional).
const ACCOUNT_KEYS: &[&str] = &[
    "personal_information",
    "chats",
    "left_chats",
    "contacts",
    "frequent_contacts",
    "profile_pictures",
];

/// Whether `head` (the first KiB of a file called `name`, lowercased name)
/// looks like a Telegram export.
///
/// A single-chat export starts with `"name"`, `"type": "<chat type>"`,
/// `"id"` and `"messages"`. An account export starts with `"about"` and
/// then its sections; its `"messages"` are usually far beyond the head
/// (after the contact list), so an account section key is enough there.
/// Discord exports (`"guild"`) are never claimed.
pub(crate) fn sniff(name: &str, head: &str) -> bool {
    if !name.ends_with(".json") || has_key(head, "guild") {
        return false;
    }
    let single = has_key(head, "messages")
        && has_key(head, "type")
        && CHAT_TYPES
            .iter()
            .any(|t| head.contains(&format!("\"{t}\"")));
    let account = has_key(head, "about") && ACCOUNT_KEYS.iter().any(|k| has_key(head, k));
    single || account
}

/// The top level: the account export's sections and the single-chat
/// export's chat fields, all optional (both shapes share one struct so the
/// file is parsed once).
#[derive(Deserialize)]
struct Top<'a> {
    /// The owner, in the account export.
    personal_information: Option<PersonalInfo>,
    /// The chats, in the account export.
    #[serde(borrow)]
    chats: Option<ChatList<'a>>,
    /// The chats left, in the account export.
    #[serde(borrow)]
    left_chats: Option<ChatList<'a>>,
    /// Single-chat export: the chat's name.
    name: Option<String>,
    /// Single-chat export: the chat's type.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Single-chat export: the chat's id.
    id: Option<Value>,
    /// Single-chat export: its messages, raw so their offsets are known.
    #[serde(borrow)]
    messages: Option<Vec<&'a RawValue>>,
}

/// `personal_information`: who exported.
#[derive(Deserialize)]
struct PersonalInfo {
    /// The numeric user id (`from_id` is `"user" + user_id`).
    user_id: Option<Value>,
    /// First name.
    first_name: Option<String>,
    /// Last name (may be empty).
    last_name: Option<String>,
    /// `@handle`, when set.
    username: Option<String>,
}

/// `chats` / `left_chats`: `{"about", "list"}`.
#[derive(Deserialize)]
struct ChatList<'a> {
    /// The chats.
    #[serde(borrow, default)]
    list: Vec<Chat<'a>>,
}

/// One chat of the account export.
#[derive(Deserialize)]
struct Chat<'a> {
    /// Its name (absent for saved messages, `null` for deleted accounts).
    name: Option<String>,
    /// Its type (`personal_chat`, `private_group`...).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Its id.
    id: Option<Value>,
    /// Its messages, raw so their offsets are known.
    #[serde(borrow, default)]
    messages: Vec<&'a RawValue>,
}

/// One message. Every field is a loose [`Value`]: Telegram's field types
/// changed over the years (`from_id` was a number, is now `"user123"`), and
/// a parser that rejects a whole export over an unexpected type in a field
/// it barely uses helps nobody. The fields that matter are checked by hand.
#[derive(Deserialize)]
struct Message {
    /// Message id, unique within the chat.
    id: Option<Value>,
    /// `message`, `service` or `unsupported`.
    #[serde(rename = "type")]
    kind: Option<Value>,
    /// Local time of the exporting machine, no offset.
    date: Option<Value>,
    /// UTC seconds, as a string.
    date_unixtime: Option<Value>,
    /// Local edit time.
    edited: Option<Value>,
    /// UTC edit time.
    edited_unixtime: Option<Value>,
    /// Author's name; `null` for a deleted account.
    #[serde(default, deserialize_with = "nullable")]
    from: Option<Value>,
    /// `user123`, `channel123` (a bare number before 2021).
    from_id: Option<Value>,
    /// A channel post's signature.
    author: Option<Value>,
    /// Who did a service action; `null` for a deleted account.
    #[serde(default, deserialize_with = "nullable")]
    actor: Option<Value>,
    /// The actor's peer id.
    actor_id: Option<Value>,
    /// The service action (`create_group`, `pin_message`...).
    action: Option<Value>,
    /// Group title (service) or song title (audio).
    title: Option<Value>,
    /// New topic title (`topic_edit`).
    new_title: Option<Value>,
    /// Names added, removed or invited.
    members: Option<Value>,
    /// The pinned message (`pin_message`).
    message_id: Option<Value>,
    /// Who shared the invite link (`join_group_by_link`).
    inviter: Option<Value>,
    /// Call or media length.
    duration_seconds: Option<Value>,
    /// Voice chat length (`group_call`).
    duration: Option<Value>,
    /// How a call ended (`missed`, `busy`, `hangup`).
    discard_reason: Option<Value>,
    /// Game score (`score_in_game`).
    score: Option<Value>,
    /// Text of a custom service action.
    information_text: Option<Value>,
    /// The message answered.
    reply_to_message_id: Option<Value>,
    /// The chat of the message answered, when another.
    reply_to_peer_id: Option<Value>,
    /// Original author of a forwarded message.
    forwarded_from: Option<Value>,
    /// Chat a saved message came from.
    saved_from: Option<Value>,
    /// Inline bot used (`@bot`).
    via_bot: Option<Value>,
    /// Photo path.
    photo: Option<Value>,
    /// File path, or a note that it was not downloaded.
    file: Option<Value>,
    /// Original file name (newer exports).
    file_name: Option<Value>,
    /// `sticker`, `voice_message`, `video_file`...
    media_type: Option<Value>,
    /// The emoji a sticker stands for.
    sticker_emoji: Option<Value>,
    /// Audio performer.
    performer: Option<Value>,
    /// `{latitude, longitude}`.
    location_information: Option<Value>,
    /// Venue name.
    place_name: Option<Value>,
    /// Venue address.
    address: Option<Value>,
    /// `{first_name, last_name, phone_number}`.
    contact_information: Option<Value>,
    /// `{question, answers: [{text, voters}]}`.
    poll: Option<Value>,
    /// Game title.
    game_title: Option<Value>,
    /// `{title, description, amount, currency}`.
    invoice_information: Option<Value>,
    /// The text: a string, or parts mixing strings and entities.
    text: Option<Value>,
    /// The same text as entity objects only.
    text_entities: Option<Value>,
}

/// Keeps an explicit `null` as `Some(Value::Null)` (a deleted account)
/// where a plain `Option` would fold it into "absent".
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// What the parser knows about the chat whose messages it is reading.
struct ChatInfo<'s> {
    /// Conversation id.
    id: String,
    /// Conversation title.
    title: Option<String>,
    /// Chat type, kept in meta.
    kind: Option<&'s str>,
    /// Field path prefix for errors (`chats.list[2].messages`).
    path: String,
}

/// Parses a Telegram Desktop JSON export (account or single chat).
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = utf8(bytes)?;
    let top: Top = serde_json::from_str(text).map_err(|e| json_error(FORMAT, e))?;
    let mut export = Export::default();
    let owner_id = top
        .personal_information
        .as_ref()
        .and_then(|p| p.user_id.as_ref())
        .and_then(id_string);
    if let Some(info) = &top.personal_information {
        let full = [info.first_name.as_deref(), info.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        push_name(&mut export.owner_names, &full);
        if let Some(username) = &info.username {
            push_name(&mut export.owner_names, username);
        }
    }
    let owner = owner_id.map(|id| format!("user{id}"));
    let mut reader = Reader {
        ctx,
        lines: LineCounter::new(text),
        owner: owner.as_deref(),
        entries: Vec::new(),
    };
    let mut any_chat = false;
    for (section, list) in [("chats", &top.chats), ("left_chats", &top.left_chats)] {
        let Some(list) = list else { continue };
        for (i, chat) in list.list.iter().enumerate() {
            any_chat = true;
            let info = chat_info(
                chat.id.as_ref(),
                chat.name.as_deref(),
                chat.kind.as_deref(),
                format!("{section}.list[{i}]"),
                text,
                chat.messages.first().copied(),
            )?;
            reader.read_chat(&info, &chat.messages)?;
        }
    }
    if let Some(messages) = &top.messages {
        any_chat = true;
        let info = chat_info(
            top.id.as_ref(),
            top.name.as_deref(),
            top.kind.as_deref(),
            String::new(),
            text,
            messages.first().copied(),
        )?;
        let start = reader.entries.len();
        reader.read_chat(&info, messages)?;
        if export.owner_names.is_empty() {
            if let Some(owner) = single_chat_owner(&info, &reader.entries[start..]) {
                push_name(&mut export.owner_names, &owner);
            }
        }
    }
    if !any_chat {
        return Err(ParseError::Malformed {
            format: FORMAT,
            message: "no chats found: expected \"messages\" (a single-chat export) or \
                      \"chats\" (an account export)"
                .into(),
            line: None,
            field: None,
        });
    }
    export.entries = reader.entries;
    Ok(export)
}

/// Builds the [`ChatInfo`] of a chat, or says which field is missing.
fn chat_info<'s>(
    id: Option<&Value>,
    name: Option<&str>,
    kind: Option<&'s str>,
    prefix: String,
    text: &str,
    first_message: Option<&RawValue>,
) -> Result<ChatInfo<'s>, ParseError> {
    let dot = if prefix.is_empty() { "" } else { "." };
    let Some(id) = id.and_then(id_string) else {
        return Err(ParseError::Malformed {
            format: FORMAT,
            message: "chat has no id".into(),
            line: first_message
                .map(|m| super::export::line_of(text, super::export::raw_offset(text, m)) as usize),
            field: Some(format!("{prefix}{dot}id")),
        });
    };
    let title = match (name.map(str::trim).filter(|n| !n.is_empty()), kind) {
        (Some(n), _) => Some(n.to_string()),
        (None, Some("saved_messages")) => Some("Saved Messages".to_string()),
        (None, Some("replies")) => Some("Replies".to_string()),
        (None, _) => None,
    };
    Ok(ChatInfo {
        id,
        title,
        kind,
        path: format!("{prefix}{dot}messages"),
    })
}

/// The owner of a single-chat export, when the chat itself tells: in a
/// personal chat the other party is the chat's name, so of exactly two
/// authors the one who is not is the owner; saved messages have one author,
/// the owner.
fn single_chat_owner(chat: &ChatInfo, entries: &[Entry]) -> Option<String> {
    match chat.kind {
        Some("personal_chat") => owner_beside(entries, chat.title.as_deref()?),
        Some("saved_messages") => sole_author(entries),
        _ => None,
    }
}

/// Adds a non-empty name once.
fn push_name(names: &mut Vec<String>, name: &str) {
    let name = name.trim();
    if !name.is_empty() && !names.iter().any(|n| n == name) {
        names.push(name.to_string());
    }
}

/// Walks messages front to back, producing entries.
struct Reader<'t, 'c> {
    /// Limits.
    ctx: &'c ParseContext,
    /// Lines of messages, counted once front to back.
    lines: LineCounter<'t>,
    /// `"user<id>"` of the exporting account, when known.
    owner: Option<&'t str>,
    /// The entries so far, in file order.
    entries: Vec<Entry>,
}

impl Reader<'_, '_> {
    /// Reads every message of one chat.
    fn read_chat(&mut self, chat: &ChatInfo, messages: &[&RawValue]) -> Result<(), ParseError> {
        // Message id → entry index, for "pinned <text>": pins name an
        // earlier message of the same chat by id.
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (i, raw) in messages.iter().enumerate() {
            let origin = self.lines.origin_of_raw(raw);
            let path = format!("{}[{i}]", chat.path);
            let message: Message = serde_json::from_str(raw.get()).map_err(|e| {
                field_error(
                    FORMAT,
                    origin.line,
                    path.clone(),
                    format!("not a message object ({})", serde_message(&e)),
                )
            })?;
            let field_line = |key: &str| key_line(raw.get(), key, origin.line);
            let Some(entry) = self.entry(chat, &message, &path, &field_line, &by_id)? else {
                continue;
            };
            check_entry_limit(FORMAT, self.ctx, self.entries.len() + 1)?;
            by_id.insert(entry.id.clone(), self.entries.len());
            self.entries.push(Entry { origin, ..entry });
        }
        Ok(())
    }

    /// The entry for one message, or None when it has nothing to say.
    fn entry(
        &self,
        chat: &ChatInfo,
        m: &Message,
        path: &str,
        field_line: &dyn Fn(&str) -> u32,
        by_id: &HashMap<String, usize>,
    ) -> Result<Option<Entry>, ParseError> {
        let kind = m.kind.as_ref().and_then(Value::as_str).unwrap_or("message");
        if kind == "unsupported" {
            return Ok(None);
        }
        let Some(id) = m.id.as_ref().and_then(id_string) else {
            return Err(field_error(
                FORMAT,
                field_line("id"),
                format!("{path}.id"),
                "missing or invalid message id",
            ));
        };
        let timestamp_us = timestamp(
            m.date_unixtime.as_ref(),
            m.date.as_ref(),
            "date",
            path,
            field_line,
        )?
        .ok_or_else(|| {
            field_error(
                FORMAT,
                field_line("id"),
                format!("{path}.date"),
                "missing date",
            )
        })?;
        let mut meta = BTreeMap::new();
        if let Some(kind) = chat.kind {
            meta.insert("chat_type".to_string(), kind.to_string());
        }
        if let Some(edited) = timestamp(
            m.edited_unixtime.as_ref(),
            m.edited.as_ref(),
            "edited",
            path,
            field_line,
        )? {
            meta.insert("edited".to_string(), iso_utc(edited));
        }
        let (author, author_id, text) = if kind == "service" {
            let actor = person(m.actor.as_ref());
            let action = str_of(&m.action).unwrap_or_default();
            let name = actor.as_deref().unwrap_or("Someone");
            let text = service_text(m, name, action, by_id, &self.entries);
            let service = if action.is_empty() {
                "custom_action"
            } else {
                action
            };
            meta.insert("service".to_string(), service.to_string());
            (actor, m.actor_id.as_ref(), text)
        } else {
            let author = person(m.from.as_ref());
            let mut text = String::new();
            let mut hashtags = Vec::new();
            // `text` and `text_entities` hold the same content; `text` is
            // the older field, `text_entities` the fallback.
            if let Some(t) = m.text.as_ref().or(m.text_entities.as_ref()) {
                render_text(t, &mut text, &mut hashtags);
            }
            if !hashtags.is_empty() {
                meta.insert("hashtags".to_string(), hashtags.join(" "));
            }
            if let Some((media, placeholder)) = media(m) {
                meta.insert("media".to_string(), media.to_string());
                if text.trim().is_empty() {
                    text = placeholder;
                }
            }
            for (key, value) in [
                ("forwarded_from", &m.forwarded_from),
                ("saved_from", &m.saved_from),
                ("via_bot", &m.via_bot),
                ("signature", &m.author),
            ] {
                if let Some(v) = str_of(value).filter(|v| !v.is_empty()) {
                    meta.insert(key.to_string(), v.to_string());
                }
            }
            (author, m.from_id.as_ref(), text)
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        let mut reply_to = None;
        if let Some(target) = m.reply_to_message_id.as_ref().and_then(id_string) {
            match m.reply_to_peer_id.as_ref().and_then(id_string) {
                Some(peer) => {
                    meta.insert("reply_to_peer".to_string(), peer);
                    meta.insert("reply_to_message".to_string(), target);
                }
                None => reply_to = Some(target),
            }
        }
        let author_is_self = match (self.owner, author_id.and_then(peer_id)) {
            (Some(owner), Some(from)) => Some(owner == from),
            _ => None,
        };
        Ok(Some(Entry {
            conversation: chat.id.clone(),
            conversation_title: chat.title.clone(),
            id,
            author,
            author_is_self,
            timestamp_us: Some(timestamp_us),
            ends_at_us: None,
            text,
            reply_to,
            origin: Default::default(),
            meta,
        }))
    }
}

/// Reads a time from `<name>_unixtime` (UTC seconds, preferred) or `<name>`
/// (local ISO time without offset, read as UTC). None when both are absent.
fn timestamp(
    unix: Option<&Value>,
    local: Option<&Value>,
    name: &str,
    path: &str,
    field_line: &dyn Fn(&str) -> u32,
) -> Result<Option<i64>, ParseError> {
    if let Some(v) = unix {
        let key = format!("{name}_unixtime");
        return unix_us(v).map(Some).ok_or_else(|| {
            field_error(
                FORMAT,
                field_line(&key),
                format!("{path}.{key}"),
                format!("not a Unix time: {}", shown(v)),
            )
        });
    }
    let Some(v) = local else { return Ok(None) };
    let parsed = v.as_str().and_then(|s| {
        NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|t| t.and_utc().timestamp_micros())
    });
    parsed.map(Some).ok_or_else(|| {
        field_error(
            FORMAT,
            field_line(name),
            format!("{path}.{name}"),
            format!(
                "not a date: {} (expected like 2025-10-03T18:21:07)",
                shown(v)
            ),
        )
    })
}

/// Seconds since the epoch (a string of digits, or a number) as µs, within
/// the range chrono can represent.
fn unix_us(v: &Value) -> Option<i64> {
    let secs = match v {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::from_timestamp(secs, 0)?;
    secs.checked_mul(1_000_000)
}

/// A string field, or None.
fn str_of(v: &Option<Value>) -> Option<&str> {
    v.as_ref().and_then(Value::as_str)
}

/// A peer id as `from_id` writes it today (`"user123"`); older exports
/// wrote the bare number, which was always a user.
fn peer_id(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(format!("user{n}")),
        Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() => {
            Some(format!("user{s}"))
        }
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A person's name; `null` (or an empty name) is a deleted account, as
/// Telegram shows it; an absent field is nobody.
fn person(v: Option<&Value>) -> Option<String> {
    let v = v?;
    Some(match v.as_str().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => "Deleted Account".to_string(),
    })
}

/// Appends the text of a `text` value (a string, or an array of strings and
/// entity objects) to `out`, collecting hashtags.
fn render_text(v: &Value, out: &mut String, hashtags: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(parts) => {
            for part in parts {
                match part {
                    Value::String(s) => out.push_str(s),
                    Value::Object(o) => {
                        let text = o.get("text").and_then(Value::as_str).unwrap_or_default();
                        out.push_str(text);
                        match o.get("type").and_then(Value::as_str) {
                            Some("text_link") => {
                                let href =
                                    o.get("href").and_then(Value::as_str).unwrap_or_default();
                                if !href.is_empty() && !text.contains(href) {
                                    out.push_str(" (");
                                    out.push_str(href);
                                    out.push(')');
                                }
                            }
                            Some("hashtag") if !text.is_empty() => {
                                if !hashtags.iter().any(|h| h == text) {
                                    hashtags.push(text.to_string());
                                }
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The kind of media a message carries and the placeholder text used when
/// it has no caption.
fn media(m: &Message) -> Option<(&'static str, String)> {
    if m.photo.is_some() {
        return Some(("photo", "[photo]".into()));
    }
    if let Some(kind) = str_of(&m.media_type) {
        let duration = m
            .duration_seconds
            .as_ref()
            .and_then(Value::as_i64)
            .map(|s| format!(", {s} s"))
            .unwrap_or_default();
        return Some(match kind {
            "sticker" => {
                let emoji = str_of(&m.sticker_emoji).unwrap_or_default();
                let label = if emoji.is_empty() {
                    "[sticker]".to_string()
                } else {
                    format!("[sticker {emoji}]")
                };
                ("sticker", label)
            }
            "voice_message" => ("voice_message", format!("[voice message{duration}]")),
            "video_message" => ("video_message", format!("[video message{duration}]")),
            "animation" => ("animation", "[GIF]".into()),
            "video_file" => ("video", format!("[video{duration}]")),
            "audio_file" => {
                let song = [str_of(&m.performer), str_of(&m.title)]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" – ");
                let label = if song.is_empty() {
                    "[audio]".to_string()
                } else {
                    format!("[audio {song}]")
                };
                ("audio", label)
            }
            _ => ("file", "[file]".into()),
        });
    }
    if m.file.is_some() {
        // The export stores "files/<name>" or, when the file was not
        // downloaded, "(File not included. ...)"; `file_name` is newer.
        let name = str_of(&m.file_name)
            .or_else(|| {
                str_of(&m.file)
                    .filter(|f| !f.starts_with('('))
                    .and_then(|f| f.rsplit('/').next())
            })
            .unwrap_or_default();
        let label = if name.is_empty() {
            "[file]".to_string()
        } else {
            format!("[file {name}]")
        };
        return Some(("file", label));
    }
    if let Some(Value::Object(c)) = &m.contact_information {
        let name = ["first_name", "last_name"]
            .iter()
            .filter_map(|k| c.get(*k).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        return Some(("contact", format!("[contact {name}]").replace(" ]", "]")));
    }
    if let Some(Value::Object(p)) = &m.poll {
        let question = p
            .get("question")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let answers = p
            .get("answers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_default();
        return Some(("poll", format!("[poll] {question} ({answers})")));
    }
    if let Some(place) = str_of(&m.place_name) {
        let address = str_of(&m.address).unwrap_or_default();
        let label = if address.is_empty() {
            format!("[place {place}]")
        } else {
            format!("[place {place}, {address}]")
        };
        return Some(("venue", label));
    }
    if let Some(Value::Object(l)) = &m.location_information {
        let coord = |k: &str| l.get(k).and_then(Value::as_f64).unwrap_or_default();
        return Some((
            "location",
            format!(
                "[location {:.5}, {:.5}]",
                coord("latitude"),
                coord("longitude")
            ),
        ));
    }
    if let Some(title) = str_of(&m.game_title) {
        return Some(("game", format!("[game {title}]")));
    }
    if let Some(Value::Object(inv)) = &m.invoice_information {
        let title = inv.get("title").and_then(Value::as_str).unwrap_or_default();
        return Some(("invoice", format!("[invoice {title}]")));
    }
    None
}

/// Names in a `members` array, joined ("Alice Martin, Carol Diaz");
/// `null` members are deleted accounts.
fn members(v: &Option<Value>) -> String {
    v.as_ref()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| person(Some(x)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A sentence for a service message.
fn service_text(
    m: &Message,
    actor: &str,
    action: &str,
    by_id: &HashMap<String, usize>,
    entries: &[Entry],
) -> String {
    let title = str_of(&m.title).unwrap_or_default();
    let who = members(&m.members);
    let seconds = m
        .duration_seconds
        .as_ref()
        .or(m.duration.as_ref())
        .and_then(Value::as_i64);
    let mut text = match action {
        "create_group" if who.is_empty() => format!("{actor} created the group {title}"),
        "create_group" => format!("{actor} created the group {title} with {who}"),
        "create_channel" => format!("{actor} created the channel {title}"),
        "edit_group_title" => format!("{actor} changed the group name to {title}"),
        "edit_group_photo" => format!("{actor} changed the group photo"),
        "delete_group_photo" => format!("{actor} removed the group photo"),
        "invite_members" if who == actor => format!("{actor} joined the group"),
        "invite_members" => format!("{actor} added {who}"),
        "remove_members" if who == actor => format!("{actor} left the group"),
        "remove_members" => format!("{actor} removed {who}"),
        "join_group_by_link" => match str_of(&m.inviter) {
            Some(inviter) => format!("{actor} joined the group via an invite link from {inviter}"),
            None => format!("{actor} joined the group via an invite link"),
        },
        "join_group_by_request" => format!("{actor} joined the group"),
        "migrate_to_supergroup" => format!("{actor} converted the group to a supergroup"),
        "migrate_from_group" => format!("The group {title} was converted to a supergroup"),
        "pin_message" => {
            let target = m.message_id.as_ref().and_then(id_string);
            let pinned = target
                .as_ref()
                .and_then(|t| by_id.get(t))
                .and_then(|&i| entries.get(i))
                .map(|e| excerpt(&e.text, 80));
            match pinned {
                Some(p) => format!("{actor} pinned \"{p}\""),
                None => format!("{actor} pinned a message"),
            }
        }
        "clear_history" => format!("{actor} cleared the history"),
        "take_screenshot" => format!("{actor} took a screenshot"),
        "joined_telegram" => format!("{actor} joined Telegram"),
        "phone_call" => {
            let reason = str_of(&m.discard_reason).unwrap_or_default();
            match (reason, seconds) {
                ("missed", _) => format!("Missed call from {actor}"),
                ("busy", _) => format!("{actor} called (busy)"),
                (_, Some(s)) if s > 0 => format!("{actor} called ({})", duration(s)),
                _ => format!("{actor} called"),
            }
        }
        "group_call" => match seconds {
            Some(s) if s > 0 => format!("{actor} started a voice chat ({})", duration(s)),
            _ => format!("{actor} started a voice chat"),
        },
        "invite_to_group_call" => format!("{actor} invited {who} to the voice chat"),
        "group_call_scheduled" => format!("{actor} scheduled a voice chat"),
        "score_in_game" => {
            let score = m.score.as_ref().map(Value::to_string).unwrap_or_default();
            format!("{actor} scored {score}")
        }
        "set_messages_ttl" => format!("{actor} changed the auto-delete timer"),
        "topic_created" => format!("{actor} created the topic {title}"),
        "topic_edit" => match str_of(&m.new_title) {
            Some(t) => format!("{actor} renamed the topic to {t}"),
            None => format!("{actor} edited the topic"),
        },
        "edit_chat_theme" => format!("{actor} changed the chat theme"),
        "set_chat_wallpaper" | "set_same_chat_wallpaper" => {
            format!("{actor} changed the chat wallpaper")
        }
        "" => match str_of(&m.information_text) {
            Some(info) => info.to_string(),
            None => String::new(),
        },
        other => format!("{actor}: {}", other.replace('_', " ")),
    };
    // Some service messages (a custom action) also carry text.
    let mut extra = String::new();
    if let Some(t) = m.text.as_ref() {
        render_text(t, &mut extra, &mut Vec::new());
    }
    if !extra.trim().is_empty() {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(extra.trim());
    }
    text
}

/// "5 min 12 s", "40 s".
fn duration(seconds: i64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (m, s) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &[u8] = include_bytes!("../../fixtures/telegram/full_export/result.json");
    const SINGLE: &[u8] = include_bytes!("../../fixtures/telegram/single_chat/result.json");

    fn parse_ok(bytes: &[u8]) -> Export {
        parse(bytes, &ParseContext::default()).expect("parses")
    }

    fn find<'e>(export: &'e Export, conversation: &str, id: &str) -> &'e Entry {
        export
            .entries
            .iter()
            .find(|e| e.conversation == conversation && e.id == id)
            .unwrap_or_else(|| panic!("no entry {conversation}/{id}"))
    }

    fn us(iso: &str) -> i64 {
        DateTime::parse_from_rfc3339(iso)
            .unwrap()
            .timestamp_micros()
    }

    /// The fixture line `origin.line` must be the `{` opening the message
    /// and the next line its `"id"`.
    fn assert_origin_points_at(file: &[u8], entry: &Entry) {
        let text = std::str::from_utf8(file).unwrap();
        let slice = &text[entry.origin.byte_start as usize..entry.origin.byte_end as usize];
        assert!(slice.starts_with('{') && slice.ends_with('}'), "{slice}");
        let id_line = format!("\"id\": {},", entry.id);
        assert!(slice.contains(&id_line), "{slice}");
        let lines: Vec<&str> = text.lines().collect();
        let at = entry.origin.line as usize - 1;
        assert_eq!(lines[at].trim(), "{");
        assert_eq!(lines[at + 1].trim(), id_line);
    }

    #[test]
    fn account_export_entries() {
        let export = parse_ok(FULL);
        // Bob: 8 messages (all kept: the sticker gets a placeholder, the
        // call is a service entry); crew: 9 minus the unsupported one;
        // saved messages: 1.
        assert_eq!(export.entries.len(), 8 + 8 + 1);

        let first = find(&export, "4790123456", "1201");
        assert_eq!(first.author.as_deref(), Some("Bob Stone"));
        assert_eq!(first.author_is_self, Some(false));
        assert_eq!(first.conversation_title.as_deref(), Some("Bob Stone"));
        // "date" says 18:21:07 local (Berlin, +02:00); date_unixtime is UTC.
        assert_eq!(first.timestamp_us, Some(us("2025-10-03T16:21:07Z")));
        assert_eq!(first.text, "Are we still on for the ferry on Saturday?");
        assert_eq!(
            first.meta.get("chat_type").map(String::as_str),
            Some("personal_chat")
        );
        assert_origin_points_at(FULL, first);

        let entities = find(&export, "4790123456", "1202");
        assert_eq!(entities.author_is_self, Some(true));
        assert_eq!(
            entities.text,
            "Yes! Meet at Pier 4 at 7:40, tickets are on the site \
             (https://www.harborferries.example/tickets)"
        );
        assert_eq!(
            entities.meta.get("edited").map(String::as_str),
            Some("2025-10-03T16:25:30Z")
        );
        assert_origin_points_at(FULL, entities);

        let reply = find(&export, "4790123456", "1203");
        assert_eq!(reply.reply_to.as_deref(), Some("1202"));

        let photo = find(&export, "4790123456", "1204");
        assert_eq!(photo.text, "The view from the upper deck last time");
        assert_eq!(photo.meta.get("media").map(String::as_str), Some("photo"));

        let sticker = find(&export, "4790123456", "1205");
        assert_eq!(sticker.text, "[sticker 👍]");
        assert_eq!(
            sticker.meta.get("media").map(String::as_str),
            Some("sticker")
        );

        let forwarded = find(&export, "4790123456", "1206");
        assert_eq!(
            forwarded.meta.get("forwarded_from").map(String::as_str),
            Some("Harbor Ferries")
        );

        let call = find(&export, "4790123456", "1207");
        assert_eq!(call.text, "Alice Martin called (5 min 12 s)");
        assert_eq!(
            call.meta.get("service").map(String::as_str),
            Some("phone_call")
        );
        assert_eq!(call.author_is_self, Some(true));

        // After the end of summer time: local 10:05 is 09:05 UTC.
        let winter = find(&export, "4790123456", "1208");
        assert_eq!(winter.timestamp_us, Some(us("2025-10-26T09:05:00Z")));
        assert_origin_points_at(FULL, winter);
    }

    #[test]
    fn group_service_messages_hashtags_and_pins() {
        let export = parse_ok(FULL);
        let created = find(&export, "4012345678", "1");
        assert_eq!(
            created.text,
            "Bob Stone created the group Harbor crew with Alice Martin, Carol Diaz"
        );
        assert_eq!(
            created.meta.get("service").map(String::as_str),
            Some("create_group")
        );
        assert_eq!(created.author.as_deref(), Some("Bob Stone"));
        assert_eq!(created.conversation_title.as_deref(), Some("Harbor crew"));
        assert_origin_points_at(FULL, created);

        let list = find(&export, "4012345678", "2");
        assert!(
            list.text
                .starts_with("Hi all! Sharing the packing list for Saturday #sailing\n- sunscreen")
        );
        assert_eq!(
            list.meta.get("hashtags").map(String::as_str),
            Some("#sailing")
        );

        assert_eq!(
            find(&export, "4012345678", "3").text,
            "Bob Stone added Dan Okafor"
        );
        assert_eq!(
            find(&export, "4012345678", "4").text,
            "@carol_d thanks for the list, I'll bring the snacks"
        );
        assert_eq!(
            find(&export, "4012345678", "6").reply_to.as_deref(),
            Some("5")
        );
        let pin = find(&export, "4012345678", "7");
        assert_eq!(
            pin.text,
            "Carol Diaz pinned \"Hi all! Sharing the packing list for Saturday #sailing - sunscreen - warm layer…\""
        );
        assert_eq!(
            find(&export, "4012345678", "8").text,
            "[file tide_table_october.pdf]"
        );
        assert!(
            !export
                .entries
                .iter()
                .any(|e| e.conversation == "4012345678" && e.id == "9"),
            "unsupported messages are skipped"
        );

        let saved = find(&export, "5120438761", "311");
        assert_eq!(saved.conversation_title.as_deref(), Some("Saved Messages"));
        assert_eq!(saved.author_is_self, Some(true));
    }

    #[test]
    fn account_export_names_its_owner() {
        let export = parse_ok(FULL);
        assert_eq!(export.owner_names, vec!["Alice Martin", "@alice_m"]);
    }

    #[test]
    fn single_chat_export() {
        let export = parse_ok(SINGLE);
        assert_eq!(export.entries.len(), 6);
        assert!(export.entries.iter().all(|e| e.conversation == "5234567890"
            && e.conversation_title.as_deref() == Some("Carol Diaz")
            && e.author_is_self.is_none()));
        // The other party is the chat's name; the remaining author is the owner.
        assert_eq!(export.owner_names, vec!["Alice Martin"]);
        let edited = find(&export, "5234567890", "5504");
        assert_eq!(edited.timestamp_us, Some(us("2025-11-02T08:17:40Z")));
        assert_eq!(
            edited.meta.get("edited").map(String::as_str),
            Some("2025-11-02T08:18:02Z")
        );
        assert_eq!(
            find(&export, "5234567890", "5503").reply_to.as_deref(),
            Some("5502")
        );
        assert_eq!(
            find(&export, "5234567890", "5505").text,
            "[voice message, 14 s]"
        );
        assert_eq!(
            find(&export, "5234567890", "5506").text,
            "Notes from today are at https://notes.example.org/sail-16"
        );
        for entry in &export.entries {
            assert_origin_points_at(SINGLE, entry);
        }
    }

    #[test]
    fn single_chat_owner_needs_two_authors_one_the_chat_name() {
        let three = br#"{"name": "Carol Diaz", "type": "personal_chat", "id": 1, "messages": [
            {"id": 1, "type": "message", "date_unixtime": "1700000000", "from": "Carol Diaz", "text": "a"},
            {"id": 2, "type": "message", "date_unixtime": "1700000001", "from": "Alice", "text": "b"},
            {"id": 3, "type": "message", "date_unixtime": "1700000002", "from": "Eve", "text": "c"}]}"#;
        assert!(parse_ok(three).owner_names.is_empty());
        let renamed = br#"{"name": "Caz", "type": "personal_chat", "id": 1, "messages": [
            {"id": 1, "type": "message", "date_unixtime": "1700000000", "from": "Carol Diaz", "text": "a"},
            {"id": 2, "type": "message", "date_unixtime": "1700000001", "from": "Alice", "text": "b"}]}"#;
        assert!(parse_ok(renamed).owner_names.is_empty());
    }

    #[test]
    fn truncated_json_names_the_line() {
        let text = std::str::from_utf8(FULL).unwrap();
        let cut = &text[..text.find("\"id\": 1204").unwrap()];
        let err = parse(cut.as_bytes(), &ParseContext::default()).unwrap_err();
        let ParseError::Malformed { line, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*line, Some(cut.lines().count()), "{err}");
        assert!(
            err.to_string()
                .starts_with("Telegram export: malformed JSON"),
            "{err}"
        );
    }

    #[test]
    fn a_date_that_is_not_a_date_names_field_and_line() {
        let old = "{\n \"name\": \"Bob\",\n \"type\": \"personal_chat\",\n \"id\": 7,\n \"messages\": [\n  {\n   \"id\": 1,\n   \"type\": \"message\",\n   \"date\": \"2019-04-01T10:00:00\",\n   \"from\": \"Bob\",\n   \"text\": \"hi\"\n  },\n  {\n   \"id\": 2,\n   \"type\": \"message\",\n   \"date\": \"last Tuesday\",\n   \"from\": \"Bob\",\n   \"text\": \"hi\"\n  }\n ]\n}";
        let err = parse(old.as_bytes(), &ParseContext::default()).unwrap_err();
        assert_eq!(
            err,
            ParseError::Malformed {
                format: FORMAT,
                message: "not a date: \"last Tuesday\" (expected like 2025-10-03T18:21:07)".into(),
                line: Some(16),
                field: Some("messages[1].date".into()),
            }
        );
        // Without date_unixtime, the old export's local time is read as UTC.
        let fixed = old.replace("last Tuesday", "2019-04-01T10:05:00");
        let export = parse_ok(fixed.as_bytes());
        assert_eq!(
            export.entries[0].timestamp_us,
            Some(us("2019-04-01T10:00:00Z"))
        );

        let text = std::str::from_utf8(FULL)
            .unwrap()
            .replacen("\"1759508467\"", "\"soon\"", 1);
        let err = parse(text.as_bytes(), &ParseContext::default()).unwrap_err();
        let expected_line = text[..text.find("\"soon\"").unwrap()].lines().count();
        assert_eq!(
            err,
            ParseError::Malformed {
                format: FORMAT,
                message: "not a Unix time: \"soon\"".into(),
                line: Some(expected_line),
                field: Some("chats.list[0].messages[0].date_unixtime".into()),
            }
        );
    }

    #[test]
    fn wrong_shapes_are_errors_not_panics() {
        let err = parse(
            br#"{"name": "x", "type": "personal_chat", "id": 1, "messages": [5]}"#,
            &ParseContext::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, ParseError::Malformed { field: Some(f), .. } if f == "messages[0]"),
            "{err:?}"
        );
        let err = parse(br#"{"about": "x"}"#, &ParseContext::default()).unwrap_err();
        assert!(err.to_string().contains("no chats found"), "{err}");
        let err = parse(br#"{"messages": []}"#, &ParseContext::default()).unwrap_err();
        assert!(
            matches!(&err, ParseError::Malformed { field: Some(f), .. } if f == "id"),
            "{err:?}"
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let deep = "[".repeat(10_000);
        let inputs: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"{".to_vec(),
            b"null".to_vec(),
            b"[]".to_vec(),
            b"\xff\xfe\x00".to_vec(),
            deep.into_bytes(),
            br#"{"messages": null, "chats": {"list": [{"id": 1, "messages": [null, {}, {"id": {}}]}]}}"#.to_vec(),
            br#"{"id": 1, "messages": [{"id": 1, "date_unixtime": "99999999999999999999"}]}"#.to_vec(),
            br#"{"id": 1, "messages": [{"id": 1, "date_unixtime": -9223372036854775808, "text": "x"}]}"#.to_vec(),
            br#"{"id": 1, "messages": [{"id": 1, "date_unixtime": 1, "type": "service", "action": "pin_message", "message_id": 1, "text": [1, null, {"type": "text_link"}]}]}"#.to_vec(),
            "{\"id\": 1, \"messages\": [{\"id\": 1, \"date\": \"2020-01-01T00:00:00\u{1F600}\", \"text\": \"é\"}]}".as_bytes().to_vec(),
        ];
        for input in inputs {
            let _ = parse(&input, &ParseContext::default());
        }
    }

    #[test]
    fn entry_limit_is_enforced() {
        let ctx = ParseContext {
            max_entries: 3,
            ..ParseContext::default()
        };
        assert!(matches!(
            parse(FULL, &ctx),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn sniffing() {
        let head = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(4096)]).into_owned();
        assert!(sniff("result.json", &head(FULL)));
        assert!(sniff("result.json", &head(SINGLE)));
        assert!(!sniff("result.txt", &head(SINGLE)));
        let discord = r#"{"guild": {"id": "1", "name": "x"}, "channel": {"id": "2", "type": "GuildTextChat"}, "messages": [{"type": "Default"}]}"#;
        assert!(!sniff("general.json", discord));
        let resume =
            r#"{"personal_information": {"first_name": "A", "username": "b"}, "education": []}"#;
        assert!(!sniff("cv.json", resume));
        let quoted = r#"{"title": "notes", "body": "the \"messages\" of a \"personal_chat\""}"#;
        assert!(!sniff("notes.json", quoted));
    }
}
