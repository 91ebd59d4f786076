//! Discord channel export made with DiscordChatExporter (JSON format).
//!
//! Discord itself offers no readable export; DiscordChatExporter (DCE) is
//! the common tool. One file holds one channel, thread or direct chat (or
//! one partition of it):
//!
//! ```text
//! {"guild": {"id", "name", "iconUrl"},
//!  "channel": {"id", "type", "categoryId", "category", "name", "topic"},
//!  "dateRange": {"after", "before"}, "exportedAt",
//!  "messages": [{"id", "type", "timestamp", "timestampEdited",
//!                "callEndedTimestamp", "isPinned", "content",
//!                "author": {"id", "name", "discriminator", "nickname",
//!                           "color", "isBot", "roles", "avatarUrl"},
//!                "attachments": [{"id", "url", "fileName", "fileSizeBytes"}],
//!                "embeds": [{"title", "url", "timestamp", "description",
//!                            "fields": [{"name", "value"}], ...}],
//!                "stickers": [{"id", "name", "format", "sourceUrl"}],
//!                "reactions": [{"emoji": {"name"}, "count", "users"}],
//!                "mentions": [user, ...],
//!                "reference"?: {"messageId", "channelId", "guildId"},
//!                "interaction"?: {"id", "name", "user"}}, ...],
//!  "messageCount"}
//! ```
//!
//! `type` is DCE's name for Discord's message type: `Default`,
//! `RecipientAdd`, `RecipientRemove`, `Call`, `ChannelNameChange`,
//! `ChannelIconChange`, `ChannelPinnedMessage`, `GuildMemberJoin`,
//! `ThreadCreated`, `Reply`; a type DCE has no name for is written as its
//! number in a string (`"20"`, a slash command's answer; `"21"`, a thread's
//! starter). Newer builds add `reference.type` (`Default` or `Forward`) and
//! a `forwardedMessage` copy `{timestamp, content, attachments, embeds,
//! stickers}`. Quirks handled here:
//!
//! * Timestamps are ISO 8601 with the exporting machine's offset (or UTC)
//!   and up to seven fraction digits (`2026-10-03T18:21:07.123+02:00`);
//!   they are converted to UTC. Direct messages live in a pseudo-guild
//!   `{"id": "0", "name": "Direct Messages"}`.
//! * `content` is already plain text (DCE renders mentions as `@Name` and
//!   custom emoji as `:name:`). System messages carry a fallback sentence
//!   such as "Joined the server."; we prefix the author ("Dan joined the
//!   server.") and set `meta.service` to the type in snake_case. A pin
//!   names the pinned message (`reference.messageId`), kept in
//!   `meta.pinned_message` and quoted when it is in the file.
//! * `author.nickname` is the member's display name in the guild (DCE
//!   writes the user name there when there is none); it is the author, and
//!   the user name goes to `meta.author_name` when different.
//! * Replies: Discord marks a reply by its `reference`, and DCE often
//!   writes real replies with `type: "Default"`, so any message (not a pin
//!   or a system message) whose `reference.messageId` is in the same
//!   channel gets `reply_to`, whatever its `type`. A reference to another
//!   channel (a crosspost from a followed channel, a forward, a thread's
//!   starter) or one DCE calls a `Forward` is no reply: it is kept in
//!   `meta.reference_channel`, `meta.reference_message`,
//!   `meta.reference_guild` (and `meta.forwarded`); an empty forwarding
//!   message reads as the forwarded one's text.
//! * A message with no content but attachments reads "[attachments:
//!   IMG_2041.jpg, notes.pdf]"; with only stickers "[sticker: name]"; with
//!   only embeds (bots) their titles, descriptions and fields. Attachment
//!   names are also kept in `meta.attachments`, reactions in
//!   `meta.reactions`; a slash command's answer keeps the command in
//!   `meta.interaction` and who ran it in `meta.interaction_user`; an
//!   unnamed type is kept in `meta.type`.
//! * One message that cannot be read (not an object, no id, a timestamp
//!   that is not one) is skipped with a warning naming `messages[i].field`
//!   and its line; the rest of the channel is read.
//!
//! Conversation = channel id; title = "guild / #channel" ("Direct Messages
//! / name" for direct chats). Owner: in a one-to-one direct chat the channel
//! is named after the other person, so with exactly two authors, one of
//! them that name, the other is the owner.

use std::collections::{BTreeMap, HashMap};

use chrono::DateTime;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::dates::iso_utc;
use super::export::{
    Entry, Export, LineCounter, Origin, ParseContext, check_entry_limit, excerpt, field_error,
    json_error,
};
use super::json::{has_key, id_string, key_line, serde_message, shown};
use super::{ParseError, utf8};

/// The format name used in errors.
const FORMAT: &str = "Discord export";

/// Whether `head` (the first KiB of a file called `name`, lowercased name)
/// looks like a DiscordChatExporter JSON export: `"guild"` and `"channel"`
/// as keys, which DCE writes first.
pub(crate) fn sniff(name: &str, head: &str) -> bool {
    name.ends_with(".json") && has_key(head, "guild") && has_key(head, "channel")
}

/// The top level of a DCE export.
#[derive(Deserialize)]
struct Top<'a> {
    /// The server (or the "Direct Messages" pseudo-server).
    guild: Option<Guild>,
    /// The channel.
    channel: Option<Channel>,
    /// The messages, raw so their offsets are known.
    #[serde(borrow)]
    messages: Option<Vec<&'a RawValue>>,
}

/// `guild`.
#[derive(Deserialize)]
struct Guild {
    /// Its id; "0" for direct messages.
    id: Option<Value>,
    /// Its name.
    name: Option<String>,
}

/// `channel`.
#[derive(Deserialize)]
struct Channel {
    /// Its id.
    id: Option<Value>,
    /// `GuildTextChat`, `DirectTextChat`, `GuildPublicThread`...
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Its name.
    name: Option<String>,
}

/// One message; loose values, checked by hand (see the Telegram parser for
/// why: an unexpected type in a field we barely use should not sink a file).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    /// Snowflake id, as a string.
    id: Option<Value>,
    /// `Default`, `Reply`, `GuildMemberJoin`... (a number for kinds DCE does not name).
    #[serde(rename = "type")]
    kind: Option<Value>,
    /// ISO 8601 with offset.
    timestamp: Option<Value>,
    /// When last edited, or `null`.
    timestamp_edited: Option<Value>,
    /// When a call ended (`Call`).
    call_ended_timestamp: Option<Value>,
    /// Whether it is pinned.
    is_pinned: Option<Value>,
    /// Plain-text content (system messages: a fallback sentence).
    content: Option<Value>,
    /// `{id, name, discriminator, nickname, isBot, ...}`.
    author: Option<Value>,
    /// `[{id, url, fileName, fileSizeBytes}]`.
    attachments: Option<Value>,
    /// `[{title, description, fields, ...}]`.
    embeds: Option<Value>,
    /// `[{id, name, format, sourceUrl}]`.
    stickers: Option<Value>,
    /// `[{emoji: {name}, count, users}]`.
    reactions: Option<Value>,
    /// Users mentioned, as authors are written.
    mentions: Option<Value>,
    /// `{messageId, channelId, guildId}` of a reply, pin or crosspost.
    reference: Option<Value>,
    /// The slash command that produced it (`{id, name, user}`).
    interaction: Option<Value>,
    /// The message forwarded, copied in by newer DCE builds.
    forwarded_message: Option<Value>,
}

/// Parses a DiscordChatExporter JSON export.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = utf8(bytes)?;
    let top: Top = serde_json::from_str(text).map_err(|e| json_error(FORMAT, e))?;
    let missing = |field: &str, message: &str| ParseError::Malformed {
        format: FORMAT,
        message: message.to_string(),
        line: None,
        field: Some(field.to_string()),
    };
    let channel = top.channel.ok_or_else(|| {
        missing(
            "channel",
            "no \"channel\": not a DiscordChatExporter export",
        )
    })?;
    let conversation = channel
        .id
        .as_ref()
        .and_then(id_string)
        .ok_or_else(|| missing("channel.id", "the channel has no id"))?;
    let messages = top
        .messages
        .ok_or_else(|| missing("messages", "no \"messages\" list"))?;
    let guild_name = top
        .guild
        .as_ref()
        .and_then(|g| g.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let direct = channel
        .kind
        .as_deref()
        .is_some_and(|k| k.starts_with("Direct"))
        || top
            .guild
            .as_ref()
            .and_then(|g| g.id.as_ref())
            .and_then(id_string)
            .is_some_and(|id| id == "0");
    let channel_name = channel
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let title = match (guild_name, channel_name) {
        (Some(g), Some(c)) if direct => Some(format!("{g} / {c}")),
        (Some(g), Some(c)) => Some(format!("{g} / #{c}")),
        (None, Some(c)) if direct => Some(c.to_string()),
        (None, Some(c)) => Some(format!("#{c}")),
        (Some(g), None) => Some(g.to_string()),
        (None, None) => None,
    };

    let mut lines = LineCounter::new(text);
    let mut export = Export::default();
    // Message id → entry index, to quote pinned messages.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    // (author, author_name) of each kept non-system message, for the
    // owner rule.
    let mut authors: Vec<(String, Option<String>)> = Vec::new();
    for (i, raw) in messages.iter().enumerate() {
        let origin = lines.origin_of_raw(raw);
        let path = format!("messages[{i}]");
        let read = read_message(raw, origin, &path, &conversation, &by_id, &export.entries);
        let entry = match read {
            Ok(Some(entry)) => entry,
            Ok(None) => continue,
            Err(problem) => {
                export.skip(problem);
                continue;
            }
        };
        if !entry.meta.contains_key("service") {
            if let Some(a) = &entry.author {
                let name = entry.meta.get("author_name").unwrap_or(a);
                authors.push((a.clone(), Some(name.clone())));
            }
        }
        check_entry_limit(FORMAT, ctx, export.entries.len() + 1)?;
        by_id.insert(entry.id.clone(), export.entries.len());
        export.entries.push(Entry {
            conversation_title: title.clone(),
            ..entry
        });
    }
    if direct && channel.kind.as_deref() != Some("DirectGroupTextChat") {
        if let Some(other) = channel_name {
            export.owner_names = direct_owner(&authors, other);
        }
    }
    Ok(export)
}

/// The entry of one message (None when it says nothing), or the problem
/// that makes it unreadable, naming its field and line.
fn read_message(
    raw: &RawValue,
    origin: Origin,
    path: &str,
    conversation: &str,
    by_id: &HashMap<String, usize>,
    entries: &[Entry],
) -> Result<Option<Entry>, ParseError> {
    let message: Message = serde_json::from_str(raw.get()).map_err(|e| {
        field_error(
            FORMAT,
            origin.line,
            path,
            format!("not a message object ({})", serde_message(&e)),
        )
    })?;
    let field_line = |key: &str| key_line(raw.get(), key, origin.line);
    let Some(id) = message.id.as_ref().and_then(id_string) else {
        return Err(field_error(
            FORMAT,
            field_line("id"),
            format!("{path}.id"),
            "missing or invalid message id",
        ));
    };
    let timestamp_us = match &message.timestamp {
        Some(v) => time_us(v).ok_or_else(|| {
            field_error(
                FORMAT,
                field_line("timestamp"),
                format!("{path}.timestamp"),
                format!(
                    "not a timestamp: {} (expected like 2026-10-03T18:21:07.123+02:00)",
                    shown(v)
                ),
            )
        })?,
        None => {
            return Err(field_error(
                FORMAT,
                origin.line,
                format!("{path}.timestamp"),
                "missing timestamp",
            ));
        }
    };
    let mut meta = BTreeMap::new();
    if let Some(v) = message.timestamp_edited.as_ref().filter(|v| !v.is_null()) {
        let edited = time_us(v).ok_or_else(|| {
            field_error(
                FORMAT,
                field_line("timestampEdited"),
                format!("{path}.timestampEdited"),
                format!("not a timestamp: {}", shown(v)),
            )
        })?;
        meta.insert("edited".to_string(), iso_utc(edited));
    }

    let author_obj = message.author.as_ref().and_then(Value::as_object);
    let author_name = author_obj.and_then(|a| str_field(a, "name"));
    let nickname = author_obj.and_then(|a| str_field(a, "nickname"));
    let author = nickname.or(author_name).map(str::to_string);
    if let (Some(name), Some(shown_as)) = (author_name, author.as_deref()) {
        if name != shown_as {
            meta.insert("author_name".to_string(), name.to_string());
        }
    }
    if let Some(uid) = author_obj.and_then(|a| a.get("id")).and_then(id_string) {
        meta.insert("author_id".to_string(), uid);
    }
    if author_obj
        .and_then(|a| a.get("isBot"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        meta.insert("bot".to_string(), "true".to_string());
    }
    if message.is_pinned.as_ref().and_then(Value::as_bool) == Some(true) {
        meta.insert("pinned".to_string(), "true".to_string());
    }
    let attachments = file_names(message.attachments.as_ref());
    if !attachments.is_empty() {
        meta.insert("attachments".to_string(), attachments.join(", "));
    }
    if let Some(reactions) = reactions(message.reactions.as_ref()) {
        meta.insert("reactions".to_string(), reactions);
    }
    if let Some(interaction) = message.interaction.as_ref().and_then(Value::as_object) {
        if let Some(name) = str_field(interaction, "name") {
            meta.insert("interaction".to_string(), name.to_string());
        }
        let user = interaction.get("user").and_then(Value::as_object);
        if let Some(who) =
            user.and_then(|u| str_field(u, "nickname").or_else(|| str_field(u, "name")))
        {
            meta.insert("interaction_user".to_string(), who.to_string());
        }
    }

    let kind = message
        .kind
        .as_ref()
        .and_then(|k| match k {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "Default".to_string());
    let content = message
        .content
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim();
    let reference = Reference::of(message.reference.as_ref(), conversation);
    let who = author.as_deref().unwrap_or("Someone");
    let mut reply_to = None;
    let text = match kind.as_str() {
        "ChannelPinnedMessage" => {
            meta.insert("service".to_string(), "channel_pinned_message".to_string());
            let quoted = reference.message.as_ref().and_then(|r| {
                meta.insert("pinned_message".to_string(), r.clone());
                by_id
                    .get(r)
                    .and_then(|&i| entries.get(i))
                    .map(|e| excerpt(&e.text, 80))
            });
            match quoted {
                Some(q) => format!("{who} pinned a message: \"{q}\""),
                None => format!("{who} pinned a message."),
            }
        }
        "GuildMemberJoin" | "RecipientAdd" | "RecipientRemove" | "Call" | "ChannelNameChange"
        | "ChannelIconChange" | "ThreadCreated" => {
            meta.insert("service".to_string(), snake_case(&kind));
            // A thread's creation refers to the thread (another channel).
            reference.note_elsewhere(&mut meta);
            let sentence = if content.is_empty() {
                system_fallback(&kind, &message, timestamp_us)
            } else {
                content.to_string()
            };
            format!("{who} {}", lower_first(&sentence))
        }
        // `Default` and `Reply` alike: most real replies are written as
        // `Default` with a `reference`. Newer message kinds (slash
        // commands, thread starters, boosts...) DCE writes as numbers or
        // names we do not know: keep what they say, and their reference.
        _ => {
            if kind != "Default" && kind != "Reply" {
                meta.insert("type".to_string(), kind.clone());
            }
            if reference.is_reply() {
                reply_to = reference.message.clone();
            } else {
                reference.note_elsewhere(&mut meta);
            }
            let mut text = body(content, &attachments, &message);
            if text.is_empty() {
                text = forwarded_text(message.forwarded_message.as_ref());
            }
            text
        }
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(Entry {
        conversation: conversation.to_string(),
        conversation_title: None,
        id,
        author,
        author_is_self: None,
        timestamp_us: Some(timestamp_us),
        ends_at_us: None,
        text,
        reply_to,
        origin,
        meta,
    }))
}

/// A message's `reference`: the message it answers, pins or forwards, and
/// where that message is.
struct Reference {
    /// `messageId`.
    message: Option<String>,
    /// `channelId`, when it is not this channel.
    other_channel: Option<String>,
    /// `guildId`, kept with a reference to another channel.
    guild: Option<String>,
    /// Whether newer DCE builds say it is a forward (`"type": "Forward"`).
    forward: bool,
}

impl Reference {
    /// Reads `reference` (absent or malformed: no reference) as seen from
    /// channel `conversation`.
    fn of(reference: Option<&Value>, conversation: &str) -> Reference {
        let r = reference.and_then(Value::as_object);
        let id = |key: &str| r.and_then(|r| r.get(key)).and_then(id_string);
        Reference {
            message: id("messageId"),
            other_channel: id("channelId").filter(|c| c != conversation),
            guild: id("guildId"),
            forward: r.and_then(|r| str_field(r, "type")) == Some("Forward"),
        }
    }

    /// Whether it makes its message a reply: it names a message of this
    /// same channel and is not a forward.
    fn is_reply(&self) -> bool {
        self.message.is_some() && self.other_channel.is_none() && !self.forward
    }

    /// Notes a reference that is not a reply (a crosspost, a forward, a
    /// thread starter) in `meta`: `reference_channel`, `reference_message`,
    /// `reference_guild`, and `forwarded`.
    fn note_elsewhere(&self, meta: &mut BTreeMap<String, String>) {
        for (key, value) in [
            ("reference_channel", &self.other_channel),
            ("reference_message", &self.message),
        ] {
            if let Some(v) = value {
                meta.insert(key.to_string(), v.clone());
            }
        }
        if let (Some(_), Some(g)) = (&self.other_channel, &self.guild) {
            meta.insert("reference_guild".to_string(), g.clone());
        }
        if self.forward {
            meta.insert("forwarded".to_string(), "true".to_string());
        }
    }
}

/// The text of a forwarded message newer DCE builds copy into
/// `forwardedMessage` (`{timestamp, content, attachments, embeds,
/// stickers}`), the forwarding message itself being empty.
fn forwarded_text(forwarded: Option<&Value>) -> String {
    let Some(f) = forwarded.and_then(Value::as_object) else {
        return String::new();
    };
    if let Some(content) = str_field(f, "content") {
        return content.to_string();
    }
    let attachments = file_names(f.get("attachments"));
    if !attachments.is_empty() {
        return format!("[attachments: {}]", attachments.join(", "));
    }
    embeds_text(f.get("embeds"))
}

/// The text of an ordinary message: its content, else what it carries.
fn body(content: &str, attachments: &[String], message: &Message) -> String {
    if !content.is_empty() {
        return content.to_string();
    }
    if !attachments.is_empty() {
        return format!("[attachments: {}]", attachments.join(", "));
    }
    let stickers: Vec<&str> = message
        .stickers
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    if !stickers.is_empty() {
        return format!("[sticker: {}]", stickers.join(", "));
    }
    embeds_text(message.embeds.as_ref())
}

/// Titles, descriptions and fields of embeds, one per line (bots post
/// nothing else).
fn embeds_text(embeds: Option<&Value>) -> String {
    let mut out: Vec<String> = Vec::new();
    for embed in embeds
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        for key in ["title", "description"] {
            if let Some(s) = embed.get(key).and_then(Value::as_str).map(str::trim) {
                if !s.is_empty() {
                    out.push(s.to_string());
                }
            }
        }
        for field in embed
            .get("fields")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim();
            let value = field
                .get("value")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim();
            if !name.is_empty() || !value.is_empty() {
                out.push(format!("{name}: {value}"));
            }
        }
    }
    out.join("\n")
}

/// What a system message says when DCE left its content empty (older
/// versions, or hand-made files).
fn system_fallback(kind: &str, message: &Message, start_us: i64) -> String {
    let mentioned: Vec<&str> = message
        .mentions
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_object)
                .filter_map(|m| str_field(m, "nickname").or_else(|| str_field(m, "name")))
                .collect()
        })
        .unwrap_or_default();
    match kind {
        "GuildMemberJoin" => "joined the server.".into(),
        "RecipientAdd" if !mentioned.is_empty() => {
            format!("added {} to the group.", mentioned.join(", "))
        }
        "RecipientAdd" => "added a recipient.".into(),
        "RecipientRemove" if !mentioned.is_empty() => {
            format!("removed {} from the group.", mentioned.join(", "))
        }
        "RecipientRemove" => "left the group.".into(),
        "Call" => {
            let minutes = message
                .call_ended_timestamp
                .as_ref()
                .and_then(time_us)
                .map(|end| end.saturating_sub(start_us) / 60_000_000);
            match minutes {
                Some(m) => format!("started a call that lasted {m} minutes."),
                None => "started a call.".into(),
            }
        }
        "ChannelNameChange" => "changed the channel name.".into(),
        "ChannelIconChange" => "changed the channel icon.".into(),
        "ThreadCreated" => "started a thread.".into(),
        _ => String::new(),
    }
}

/// The owner of a one-to-one direct chat named after `other`.
fn direct_owner(authors: &[(String, Option<String>)], other: &str) -> Vec<String> {
    let mut distinct: Vec<&(String, Option<String>)> = Vec::new();
    for a in authors {
        if !distinct.iter().any(|d| d.0 == a.0) {
            distinct.push(a);
            if distinct.len() > 2 {
                return Vec::new();
            }
        }
    }
    let is_other = |a: &(String, Option<String>)| a.0 == other || a.1.as_deref() == Some(other);
    match distinct.as_slice() {
        [a, b] if is_other(a) != is_other(b) => {
            let owner = if is_other(a) { b } else { a };
            let mut names = vec![owner.0.clone()];
            if let Some(n) = &owner.1 {
                if *n != owner.0 {
                    names.push(n.clone());
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

/// File names of `attachments`.
fn file_names(attachments: Option<&Value>) -> Vec<String> {
    attachments
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("fileName").and_then(Value::as_str))
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// "👍 3, 🎉 1".
fn reactions(reactions: Option<&Value>) -> Option<String> {
    let list: Vec<String> = reactions
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|r| {
            let emoji = r.get("emoji")?.get("name")?.as_str()?;
            let count = r.get("count").and_then(Value::as_u64).unwrap_or(1);
            Some(format!("{emoji} {count}"))
        })
        .collect();
    (!list.is_empty()).then(|| list.join(", "))
}

/// A non-empty string field of an object.
fn str_field<'v>(o: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    o.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// UTC µs of an ISO 8601 timestamp with offset.
fn time_us(v: &Value) -> Option<i64> {
    let s = v.as_str()?.trim();
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// "GuildMemberJoin" → "guild_member_join".
fn snake_case(kind: &str) -> String {
    let mut out = String::with_capacity(kind.len() + 4);
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// "Joined the server." → "joined the server." (to follow the author's
/// name); other first characters are left alone.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_uppercase() => {
            let mut out = String::with_capacity(s.len());
            out.push(c.to_ascii_lowercase());
            out.push_str(chars.as_str());
            out
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::ParseWarning;
    use super::super::export::testing::malformed;
    use super::*;

    const GENERAL: &[u8] = include_bytes!(
        "../../fixtures/discord/Harbor Dev - Text Channels - general [1142263785672687636].json"
    );

    fn us(iso: &str) -> i64 {
        DateTime::parse_from_rfc3339(iso)
            .unwrap()
            .timestamp_micros()
    }

    fn find<'e>(export: &'e Export, id: &str) -> &'e Entry {
        export
            .entries
            .iter()
            .find(|e| e.id == id)
            .unwrap_or_else(|| panic!("no entry {id}"))
    }

    /// The origin's line is the `{` opening the message, the next line its id.
    fn assert_origin_points_at(entry: &Entry) {
        let text = std::str::from_utf8(GENERAL).unwrap();
        let slice = &text[entry.origin.byte_start as usize..entry.origin.byte_end as usize];
        assert!(slice.starts_with('{') && slice.ends_with('}'));
        let lines: Vec<&str> = text.lines().collect();
        let at = entry.origin.line as usize - 1;
        assert_eq!(lines[at].trim(), "{");
        assert_eq!(lines[at + 1].trim(), format!("\"id\": \"{}\",", entry.id));
    }

    #[test]
    fn channel_export_entries() {
        let export = parse(GENERAL, &ParseContext::default()).unwrap();
        assert_eq!(export.entries.len(), 10);
        assert!(
            export
                .entries
                .iter()
                .all(|e| e.conversation == "1142263785672687636"
                    && e.conversation_title.as_deref() == Some("Harbor Dev / #general")
                    && e.author_is_self.is_none())
        );
        assert!(export.owner_names.is_empty());

        let joined = find(&export, "1423701818021642240");
        assert_eq!(joined.text, "danokafor joined the server.");
        assert_eq!(
            joined.meta.get("service").map(String::as_str),
            Some("guild_member_join")
        );

        let question = find(&export, "1423706442686398465");
        assert_eq!(question.author.as_deref(), Some("Bob Stone"));
        assert_eq!(
            question.meta.get("author_name").map(String::as_str),
            Some("bobstone")
        );
        assert_eq!(
            question.meta.get("author_id").map(String::as_str),
            Some("402518833245192193")
        );
        // +02:00 local with milliseconds → UTC µs.
        assert_eq!(question.timestamp_us, Some(us("2025-10-03T16:21:07.123Z")));
        assert_origin_points_at(question);

        let reply = find(&export, "1423707385503023106");
        assert_eq!(reply.reply_to.as_deref(), Some("1423706442686398465"));
        assert_eq!(reply.author.as_deref(), Some("Carol"));
        assert_eq!(
            reply.text,
            "@Bob Stone here you go, the 08:00 sailing is the one"
        );
        assert_eq!(
            reply.meta.get("attachments").map(String::as_str),
            Some("timetable_oct.pdf")
        );
        assert_origin_points_at(reply);

        let photo = find(&export, "1423708728082956291");
        assert_eq!(photo.text, "[attachments: IMG_2041.jpg]");
        assert_eq!(photo.reply_to, None);

        let edited = find(&export, "1423709098213507076");
        assert_eq!(
            edited.meta.get("edited").map(String::as_str),
            Some("2025-10-03T16:32:05Z")
        );

        let pin = find(&export, "1423709125564563461");
        assert_eq!(
            pin.text,
            "Bob Stone pinned a message: \"@Bob Stone here you go, the 08:00 sailing is the one\""
        );
        assert_eq!(
            pin.meta.get("pinned_message").map(String::as_str),
            Some("1423707385503023106")
        );
        assert_eq!(pin.reply_to, None);

        let bot = find(&export, "1423716229167841286");
        assert_eq!(
            bot.text,
            "Weather for Brightwater\nSaturday: 18°C, wind 12 kn SW, gusts 20 kn"
        );
        assert_eq!(bot.meta.get("bot").map(String::as_str), Some("true"));

        let reacted = find(&export, "1423717561647890439");
        assert_eq!(
            reacted.meta.get("reactions").map(String::as_str),
            Some("👍 3")
        );

        let thread = find(&export, "1423717747216482312");
        assert_eq!(thread.text, "Alice Martin started a thread.");
        assert_eq!(
            thread.meta.get("service").map(String::as_str),
            Some("thread_created")
        );

        // After the clocks changed the exporter wrote +01:00.
        let later = find(&export, "1432266316185731081");
        assert_eq!(later.timestamp_us, Some(us("2025-10-27T07:15:00Z")));
        assert_eq!(later.meta.get("pinned").map(String::as_str), Some("true"));
        assert_origin_points_at(later);
    }

    #[test]
    fn direct_chat_names_its_owner() {
        let dm = r#"{"guild": {"id": "0", "name": "Direct Messages"},
          "channel": {"id": "900", "type": "DirectTextChat", "categoryId": null, "category": null, "name": "bobstone", "topic": null},
          "messages": [
            {"id": "1", "type": "Default", "timestamp": "2025-10-03T18:21:07+02:00", "content": "hi",
             "author": {"id": "11", "name": "bobstone", "nickname": "Bob Stone"}},
            {"id": "2", "type": "Reply", "timestamp": "2025-10-03T18:22:00+02:00", "content": "hey Bob",
             "author": {"id": "12", "name": "alice_m", "nickname": "Alice Martin"},
             "reference": {"messageId": "1", "channelId": "900", "guildId": null}}]}"#;
        let export = parse(dm.as_bytes(), &ParseContext::default()).unwrap();
        assert_eq!(
            export.entries[0].conversation_title.as_deref(),
            Some("Direct Messages / bobstone")
        );
        assert_eq!(export.entries[1].reply_to.as_deref(), Some("1"));
        assert_eq!(export.owner_names, vec!["Alice Martin", "alice_m"]);
    }

    #[test]
    fn malformed_inputs_name_line_and_field() {
        let text = std::str::from_utf8(GENERAL).unwrap();
        let cut = &text[..text.len() / 2];
        let err = parse(cut.as_bytes(), &ParseContext::default()).unwrap_err();
        let ParseError::Malformed { line, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*line, Some(cut.lines().count()));

        // One bad message is skipped with a warning naming its field and
        // line (it used to refuse the whole file); --strict refuses.
        let bad = text.replacen("2025-10-03T18:24:51.908+02:00", "yesterday evening", 1);
        let expected = bad[..bad.find("yesterday evening").unwrap()]
            .lines()
            .count();
        let problem = ParseError::Malformed {
            format: FORMAT,
            message: "not a timestamp: \"yesterday evening\" (expected like 2026-10-03T18:21:07.123+02:00)"
                .into(),
            line: Some(expected),
            field: Some("messages[2].timestamp".into()),
        };
        let export = parse(bad.as_bytes(), &ParseContext::default()).unwrap();
        assert_eq!(export.entries.len(), 9);
        assert_eq!(
            export.warnings,
            vec![ParseWarning {
                problem: problem.clone(),
                skipped: true
            }]
        );
        assert_eq!(export.clone().judged(true).unwrap_err(), problem);
        assert_eq!(export.judged(false).unwrap().entries.len(), 9);
        let err = parse(
            br#"{"guild": {}, "messages": []}"#,
            &ParseContext::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("field channel"), "{err}");
    }

    const BOATS: &[u8] = include_bytes!(
        "../../fixtures/discord/default_replies/Harbor Dev - Text Channels - boats [1142263786125672448].json"
    );

    #[test]
    fn default_messages_with_a_reference_are_replies() {
        let export = parse(BOATS, &ParseContext::default()).unwrap();
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        assert_eq!(export.entries.len(), 9);
        let first = find(&export, "1424410915707244624");
        assert_eq!(first.reply_to.as_deref(), Some("1424410337459228702"));
        assert_eq!(first.timestamp_us, Some(us("2025-10-05T07:14:58.034Z")));
        assert_eq!(first.meta.get("type"), None);
        assert_eq!(
            find(&export, "1424411290359480420").reply_to.as_deref(),
            Some("1424410915707244624")
        );
        // `Reply` still works, and so does a sticker answering a forward.
        assert_eq!(
            find(&export, "1424415077811638312").reply_to.as_deref(),
            Some("1424413902148067328")
        );
        let sticker = find(&export, "1424421634364260433");
        assert_eq!(sticker.text, "[sticker: Wave]");
        assert_eq!(sticker.reply_to.as_deref(), Some("1424420519958659103"));
        // A message with no reference answers nothing.
        assert_eq!(find(&export, "1424410337459228702").reply_to, None);
    }

    #[test]
    fn references_to_other_channels_are_noted_not_replies() {
        let export = parse(BOATS, &ParseContext::default()).unwrap();
        let crosspost = find(&export, "1424413902148067328");
        assert_eq!(crosspost.reply_to, None);
        assert_eq!(
            crosspost.meta.get("reference_channel").map(String::as_str),
            Some("1142270011223344550")
        );
        assert_eq!(
            crosspost.meta.get("reference_message").map(String::as_str),
            Some("1424413611692396544")
        );
        assert_eq!(
            crosspost.meta.get("reference_guild").map(String::as_str),
            Some("987654321098765432")
        );

        let forward = find(&export, "1424420519958659103");
        assert_eq!(forward.reply_to, None);
        assert_eq!(
            forward.text,
            "Ferry tickets are booked for all four of us, confirmation in my inbox"
        );
        assert_eq!(
            forward.meta.get("forwarded").map(String::as_str),
            Some("true")
        );
        assert_eq!(
            forward.meta.get("reference_message").map(String::as_str),
            Some("1423709098213507076")
        );

        // A pin names its message but answers nothing.
        let pin = find(&export, "1424421187574415410");
        assert_eq!(pin.reply_to, None);
        assert_eq!(
            pin.text,
            "Bob Stone pinned a message: \"Winter timetable starts 27 October: first sailing 07:40, last 21:10.\""
        );
    }

    #[test]
    fn slash_command_results_keep_their_command_and_embeds() {
        let export = parse(BOATS, &ParseContext::default()).unwrap();
        let tides = find(&export, "1424418874063372349");
        assert_eq!(
            tides.text,
            "Tides for Brightwater, Sunday 5 October\nHigh water 11:42 (3.9 m), low water 17:58 (0.8 m)"
        );
        assert_eq!(tides.meta.get("type").map(String::as_str), Some("20"));
        assert_eq!(
            tides.meta.get("interaction").map(String::as_str),
            Some("tides")
        );
        assert_eq!(
            tides.meta.get("interaction_user").map(String::as_str),
            Some("Carol")
        );
        assert_eq!(tides.author.as_deref(), Some("TideBot"));
    }

    #[test]
    fn a_message_that_is_not_an_object_is_skipped() {
        let text = r#"{"guild": {"id": "1", "name": "g"}, "channel": {"id": "2", "name": "c"},
  "messages": [
    5,
    {"id": "3", "type": "Default", "timestamp": "2025-10-05T09:12:40+02:00", "content": "hi"},
    {"type": "Default", "timestamp": "2025-10-05T09:12:41+02:00", "content": "no id"}
  ]}"#;
        let export = parse(text.as_bytes(), &ParseContext::default()).unwrap();
        assert_eq!(export.entries.len(), 1);
        let fields: Vec<(Option<usize>, Option<String>)> = export
            .warnings
            .iter()
            .map(|w| match &w.problem {
                ParseError::Malformed { line, field, .. } => (*line, field.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fields,
            vec![
                (Some(3), Some("messages[0]".to_string())),
                (Some(5), Some("messages[2].id".to_string())),
            ]
        );
        // Every message bad: the file is refused with the first reason.
        let none = r#"{"channel": {"id": "2"}, "messages": [5]}"#;
        let export = parse(none.as_bytes(), &ParseContext::default()).unwrap();
        let (_, line, field) = malformed(export.judged(false));
        assert_eq!((line, field.as_deref()), (Some(1), Some("messages[0]")));
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let deep = format!(
            "{{\"channel\": {{\"id\": \"1\"}}, \"messages\": [{}",
            "[".repeat(5000)
        );
        let inputs: Vec<String> = vec![
            "".into(),
            "{".into(),
            "[]".into(),
            deep,
            r#"{"channel": {"id": 1}, "messages": [null, 1, "x"]}"#.into(),
            r#"{"channel": {"id": "1"}, "messages": [{"id": "1", "timestamp": "+999999-01-01T00:00:00Z", "content": "x"}]}"#.into(),
            r#"{"channel": {"id": "1"}, "messages": [{"id": "1", "type": "Call", "timestamp": "2025-01-01T00:00:00Z", "callEndedTimestamp": "1900-01-01T00:00:00Z", "author": 5}]}"#.into(),
            r#"{"channel": {"id": "1"}, "messages": [{"id": "1", "type": "ChannelPinnedMessage", "timestamp": "2025-01-01T00:00:00Z", "reference": {"messageId": "1"}, "embeds": [{"fields": [1, {"name": 2}]}], "reactions": [{"emoji": null}]}]}"#.into(),
            r#"{"channel": {"id": "1"}, "messages": [{"id": "1", "type": "É", "timestamp": "2025-01-01T00:00:00Z", "content": "ü"}]}"#.into(),
        ];
        for input in inputs {
            let _ = parse(input.as_bytes(), &ParseContext::default());
        }
    }

    #[test]
    fn entry_limit_is_enforced() {
        let ctx = ParseContext {
            max_entries: 4,
            ..ParseContext::default()
        };
        assert!(matches!(
            parse(GENERAL, &ctx),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn sniffing() {
        let head = String::from_utf8_lossy(&GENERAL[..4096]).into_owned();
        assert!(sniff(
            "harbor dev - text channels - general [1142263785672687636].json",
            &head
        ));
        assert!(!sniff("general.txt", &head));
        assert!(!sniff(
            "x.json",
            r#"{"name": "Bob", "type": "personal_chat", "messages": [{"text": "the \"guild\" and \"channel\""}]}"#
        ));
    }
}
