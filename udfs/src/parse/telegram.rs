//! Telegram Desktop export (`result.json`, "Machine-readable JSON").
//!
//! Telegram Desktop writes two shapes, and other tools a third:
//!
//! * the **account export** (Settings → Advanced → Export Telegram data):
//!   `{"about", "personal_information": {"user_id", "first_name",
//!   "last_name", "phone_number", "username": "@handle", "bio"},
//!   "profile_pictures", "contacts", "frequent_contacts",
//!   "chats": {"about", "list": [chat, ...]}, "left_chats": {...}, ...}`,
//!   where every section is optional (the user ticks what to export);
//! * the **single-chat export** (a chat's ⋮ menu → Export chat history):
//!   the chat object alone at the top level;
//! * a **stripped-down chat**, as some tools write: `{"messages": [...]}`
//!   with no `name`, `type` or `id`. Its conversation id is `derived-` and
//!   a hash of its `name` if it has one, else of its file's name (unless
//!   that is Telegram's own `result.json`), else of its first message's
//!   `id` and dates; its title is its name, else its file's name.
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
//! * Telegram Desktop writes each time twice (`date`/`date_unixtime`,
//!   `edited`/`edited_unixtime`, the latter pair only for edited
//!   messages): `date` is the message's instant in the exporting machine's
//!   local zone, in Qt's ISO format with no offset (`2025-10-03T18:21:07`),
//!   and `date_unixtime` the same instant as a string of UTC seconds
//!   (added in 2021). We use `<name>_unixtime`. A message with only the
//!   local `date` (an export from before 2021, a file merged or trimmed by
//!   another tool) takes the machine's offset from the file itself: every
//!   message with both shows it (`date` minus `date_unixtime`, which
//!   changes with DST), and the one nearest in local time is applied; when
//!   the configured `ingest.time_zone` gives every offset the file shows,
//!   that zone's DST rules are used instead. When no message of the file
//!   shows an offset, the time is read in the configured zone or, without
//!   one, as UTC, flagged `zone_unknown`, with one warning for the file. A `date` with an
//!   offset or `Z`, or with a space for the `T`, is also read.
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
//! * One message that cannot be read (not an object, no id, a date that
//!   is not one) is skipped with a warning naming `messages[i].field` (or
//!   `chats.list[c].messages[i].field`) and its line; so is one chat of the
//!   account export that is broken (not an object, `messages` not a list,
//!   no `id`). Only a file that is malformed as a whole is refused.
//!
//! Ownership: the account export names its owner (`personal_information`),
//! so `owner_names` gets the full name and the `@username`, and every
//! message whose `from_id` is known gets `author_is_self` from comparing it
//! with the owner's `user_id`. A single-chat export does not name its owner;
//! for a `personal_chat` (or a stripped-down chat) with exactly two
//! authors, one of them the chat's title (the other party), the other
//! author is the owner. For `saved_messages` with a single author, that
//! author is the owner.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::dates::{iso_utc, local_time_us};
use super::export::raw_offset;
use super::export::{
    Entry, Export, LineCounter, ParseContext, check_entry_limit, derived_id, excerpt, field_error,
    json_error, line_of, owner_beside, sole_author,
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
/// A stripped-down chat is `"messages"` with Telegram message keys
/// ([`STRIPPED_MESSAGE_KEYS`]). Discord exports (`"guild"`) are never claimed.
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
    // A stripped-down chat (`{"messages": [...]}`) shows only its messages,
    // whose keys only Telegram writes.
    let stripped =
        has_key(head, "messages") && STRIPPED_MESSAGE_KEYS.iter().any(|k| has_key(head, k));
    single || account || stripped
}

/// Message keys that are Telegram's own, for sniffing a stripped-down
/// export with no chat fields.
const STRIPPED_MESSAGE_KEYS: &[&str] = &["date_unixtime", "from_id", "text_entities"];

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
    /// The chats, raw so that one broken chat can be skipped on its own.
    #[serde(borrow, default)]
    list: Vec<&'a RawValue>,
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
struct ChatInfo {
    /// Conversation id.
    id: String,
    /// Conversation title.
    title: Option<String>,
    /// Chat type, kept in meta.
    kind: Option<String>,
    /// Field path prefix for errors (`chats.list[2].messages`).
    path: String,
}

/// Parses a Telegram Desktop JSON export (account or single chat).
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = utf8(bytes)?;
    let top: Top = serde_json::from_str(text).map_err(|e| json_error(FORMAT, e))?;
    let mut owner_names = Vec::new();
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
        push_name(&mut owner_names, &full);
        if let Some(username) = &info.username {
            push_name(&mut owner_names, username);
        }
    }
    let owner = owner_id.map(|id| format!("user{id}"));
    let mut reader = Reader {
        ctx,
        lines: LineCounter::new(text),
        owner: owner.as_deref(),
        export: Export {
            owner_names,
            ..Export::default()
        },
        offsets: Vec::new(),
        local_times: Vec::new(),
    };
    let mut any_chat = false;
    for (section, list) in [("chats", &top.chats), ("left_chats", &top.left_chats)] {
        let Some(list) = list else { continue };
        for (i, raw) in list.list.iter().enumerate() {
            any_chat = true;
            let prefix = format!("{section}.list[{i}]");
            match listed_chat(text, raw, prefix) {
                Ok((info, messages)) => reader.read_chat(&info, &messages)?,
                // One broken chat does not sink the others.
                Err(problem) => reader.export.skip(problem),
            }
        }
    }
    if let Some(messages) = &top.messages {
        any_chat = true;
        let info = single_chat_info(&top, &ctx.file_name, messages.first().copied());
        let start = reader.export.entries.len();
        reader.read_chat(&info, messages)?;
        if reader.export.owner_names.is_empty() {
            if let Some(owner) = single_chat_owner(&info, &reader.export.entries[start..]) {
                push_name(&mut reader.export.owner_names, &owner);
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
    Ok(reader.finish())
}

/// A chat of the account export's list, decoded on its own, or why it
/// cannot be read (not an object, no id), naming its line.
fn listed_chat<'a>(
    text: &str,
    raw: &'a RawValue,
    prefix: String,
) -> Result<(ChatInfo, Vec<&'a RawValue>), ParseError> {
    let line = line_of(text, raw_offset(text, raw));
    let chat: Chat<'a> = serde_json::from_str(raw.get()).map_err(|e| {
        field_error(
            FORMAT,
            line,
            prefix.clone(),
            format!("not a chat object ({})", serde_message(&e)),
        )
    })?;
    let Some(id) = chat.id.as_ref().and_then(id_string) else {
        return Err(field_error(
            FORMAT,
            line,
            format!("{prefix}.id"),
            "chat has no id",
        ));
    };
    let info = ChatInfo {
        id,
        title: chat_title(chat.name.as_deref(), chat.kind.as_deref()),
        kind: chat.kind,
        path: format!("{prefix}.messages"),
    };
    Ok((info, chat.messages))
}

/// A chat's title: its name, else what Telegram shows for the nameless
/// ones.
fn chat_title(name: Option<&str>, kind: Option<&str>) -> Option<String> {
    match (name.map(str::trim).filter(|n| !n.is_empty()), kind) {
        (Some(n), _) => Some(n.to_string()),
        (None, Some("saved_messages")) => Some("Saved Messages".to_string()),
        (None, Some("replies")) => Some("Replies".to_string()),
        (None, _) => None,
    }
}

/// The [`ChatInfo`] of a single-chat export. Telegram Desktop always
/// writes `name`, `type` and `id`; a stripped-down file (`{"messages":
/// [...]}`, as some tools write) lacks them, and gets a derived id (see
/// [`derived_chat_id`]) and the file's name as its title.
fn single_chat_info(top: &Top, file_name: &str, first_message: Option<&RawValue>) -> ChatInfo {
    let kind = top.kind.clone();
    let stem = file_stem(file_name);
    let title =
        chat_title(top.name.as_deref(), kind.as_deref()).or_else(|| stem.map(str::to_string));
    let id = match top.id.as_ref().and_then(id_string) {
        Some(id) => id,
        None => derived_chat_id(top.name.as_deref(), stem, first_message),
    };
    ChatInfo {
        id,
        title,
        kind,
        path: "messages".to_string(),
    }
}

/// The name of an export file without its folders and extension, unless
/// it is Telegram Desktop's own `result.json` (which names no chat).
fn file_stem(file_name: &str) -> Option<&str> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s).trim();
    (!stem.is_empty() && !stem.eq_ignore_ascii_case("result")).then_some(stem)
}

/// A conversation id for a chat without one, stable across exports of
/// the same chat: `derived-` and a hash of its name, else of the file's
/// name, else of its first message (`id`, `date_unixtime`, `date`).
fn derived_chat_id(name: Option<&str>, stem: Option<&str>, first: Option<&RawValue>) -> String {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let hash = match (name, stem) {
        (Some(n), _) => derived_id(&["name", n]),
        (None, Some(s)) => derived_id(&["file", s]),
        (None, None) => {
            let first: Option<FirstMessage> =
                first.and_then(|m| serde_json::from_str(m.get()).ok());
            let part = |v: Option<&Value>| v.map(Value::to_string).unwrap_or_default();
            let (id, unix, date) = first
                .map(|f| {
                    (
                        part(f.id.as_ref()),
                        part(f.date_unixtime.as_ref()),
                        part(f.date.as_ref()),
                    )
                })
                .unwrap_or_default();
            derived_id(&["first message", &id, &unix, &date])
        }
    };
    format!("derived-{hash}")
}

/// What identifies a chat's first message, for [`derived_chat_id`].
#[derive(Deserialize)]
struct FirstMessage {
    /// Its id.
    id: Option<Value>,
    /// Its UTC seconds.
    date_unixtime: Option<Value>,
    /// Its local time.
    date: Option<Value>,
}

/// The owner of a single-chat export, when the chat itself tells: in a
/// personal chat the other party is the chat's name, so of exactly two
/// authors the one who is not is the owner; saved messages have one author,
/// the owner. A stripped-down file without a type is read as a personal
/// chat when its title (its name or its file's) is one of its two authors.
fn single_chat_owner(chat: &ChatInfo, entries: &[Entry]) -> Option<String> {
    match chat.kind.as_deref() {
        Some("personal_chat") | None => owner_beside(entries, chat.title.as_deref()?),
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

/// An entry whose `date` (or `edited`) came without `date_unixtime`: a
/// wall-clock time of the exporting machine, resolved once the whole file
/// has shown its offsets ([`Reader::finish`]).
struct LocalTimes {
    /// The entry's index in the export.
    entry: usize,
    /// Its `date`, when only local.
    date: Option<NaiveDateTime>,
    /// Its `edited`, when only local.
    edited: Option<NaiveDateTime>,
    /// The line of its first local-only field, for the warning.
    line: u32,
    /// That field's path (`messages[3].date`).
    field: String,
}

/// The exporting machine's UTC offset at one moment, as a message that
/// carries both `date` and `date_unixtime` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OffsetSample {
    /// The local time, as µs read as if UTC.
    local_us: i64,
    /// Local minus UTC, in µs.
    offset_us: i64,
}

/// Walks messages front to back, producing entries.
struct Reader<'t, 'c> {
    /// Limits and the configured zone.
    ctx: &'c ParseContext,
    /// Lines of messages, counted once front to back.
    lines: LineCounter<'t>,
    /// `"user<id>"` of the exporting account, when known.
    owner: Option<&'t str>,
    /// The entries and warnings so far, in file order.
    export: Export,
    /// Every offset the file shows, in file order.
    offsets: Vec<OffsetSample>,
    /// Entries whose times are still local.
    local_times: Vec<LocalTimes>,
}

/// A time as a message gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stamp {
    /// A UTC instant (`<name>_unixtime`, or a `<name>` with an offset);
    /// with the exporter's offset when the local `<name>` came too.
    Exact {
        /// µs since the epoch, UTC.
        us: i64,
        /// What it shows of the exporting machine's offset.
        sample: Option<OffsetSample>,
    },
    /// Only the exporting machine's wall-clock time.
    Local(NaiveDateTime),
}

/// One message read: its entry and what is left to resolve of its times.
struct ReadMessage {
    /// The entry (its timestamp provisional when `local_date` is set).
    entry: Entry,
    /// Its `date`, when only local.
    local_date: Option<NaiveDateTime>,
    /// Its `edited`, when only local.
    local_edited: Option<NaiveDateTime>,
    /// The offsets its times show.
    samples: Vec<OffsetSample>,
}

impl Reader<'_, '_> {
    /// Reads every message of one chat, skipping (with a warning) those
    /// that cannot be read; only the entry limit stops the file.
    fn read_chat(&mut self, chat: &ChatInfo, messages: &[&RawValue]) -> Result<(), ParseError> {
        // Message id → entry index, for "pinned <text>": pins name an
        // earlier message of the same chat by id.
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (i, raw) in messages.iter().enumerate() {
            let origin = self.lines.origin_of_raw(raw);
            let path = format!("{}[{i}]", chat.path);
            let message: Message = match serde_json::from_str(raw.get()) {
                Ok(m) => m,
                Err(e) => {
                    self.export.skip(field_error(
                        FORMAT,
                        origin.line,
                        path,
                        format!("not a message object ({})", serde_message(&e)),
                    ));
                    continue;
                }
            };
            let field_line = |key: &str| key_line(raw.get(), key, origin.line);
            let read = match self.entry(chat, &message, &path, &field_line, &by_id) {
                Ok(Some(read)) => read,
                Ok(None) => continue,
                Err(problem) => {
                    self.export.skip(problem);
                    continue;
                }
            };
            check_entry_limit(FORMAT, self.ctx, self.export.entries.len() + 1)?;
            let index = self.export.entries.len();
            self.offsets.extend(read.samples);
            if read.local_date.is_some() || read.local_edited.is_some() {
                let key = if read.local_date.is_some() {
                    "date"
                } else {
                    "edited"
                };
                self.local_times.push(LocalTimes {
                    entry: index,
                    date: read.local_date,
                    edited: read.local_edited,
                    line: field_line(key),
                    field: format!("{path}.{key}"),
                });
            }
            by_id.insert(read.entry.id.clone(), index);
            self.export.entries.push(Entry {
                origin,
                ..read.entry
            });
        }
        Ok(())
    }

    /// The export, its local-only times resolved: with the exporter's
    /// offset nearest in time among those the file shows (or with the
    /// configured zone, when it agrees with every one of them); failing
    /// any, in the configured zone or as UTC, flagged and warned about.
    fn finish(mut self) -> Export {
        let mut offsets = std::mem::take(&mut self.offsets);
        offsets.sort_by_key(|s| s.local_us);
        offsets.dedup();
        let zone = self.ctx.time_zone.filter(|z| zone_agrees(*z, &offsets));
        // One warning for the file, at its first such message: the flag on
        // each entry says which; a warning per message would bury the rest.
        let mut unknown: Option<(u32, String)> = None;
        let mut unknown_count = 0usize;
        for pending in std::mem::take(&mut self.local_times) {
            let resolve = |naive: NaiveDateTime| -> (i64, bool) {
                if zone.is_none() {
                    if let Some(offset) = nearest_offset(&offsets, naive) {
                        return (naive.and_utc().timestamp_micros() - offset, true);
                    }
                }
                local_time_us(naive, zone.or(self.ctx.time_zone))
            };
            let entry = &mut self.export.entries[pending.entry];
            let mut known = true;
            if let Some(naive) = pending.date {
                let (us, k) = resolve(naive);
                entry.timestamp_us = Some(us);
                known &= k;
            }
            if let Some(naive) = pending.edited {
                let (us, k) = resolve(naive);
                entry.meta.insert("edited".to_string(), iso_utc(us));
                known &= k;
            }
            if !known {
                entry.flag_zone_unknown();
                unknown_count += 1;
                unknown.get_or_insert((pending.line, pending.field));
            }
        }
        if let Some((line, field)) = unknown {
            self.export.warn(field_error(
                FORMAT,
                line,
                field,
                format!(
                    "{unknown_count} message(s) from here on have a local time without its UTC \
                     offset (no date_unixtime in any message, and no ingest.time_zone): read as \
                     UTC and flagged zone_unknown"
                ),
            ));
        }
        // Warnings in file order, whichever pass found them.
        self.export.warnings.sort_by_key(|w| match &w.problem {
            ParseError::Malformed { line, .. } => line.unwrap_or(0),
            _ => 0,
        });
        self.export
    }

    /// The entry for one message, or None when it has nothing to say.
    fn entry(
        &self,
        chat: &ChatInfo,
        m: &Message,
        path: &str,
        field_line: &dyn Fn(&str) -> u32,
        by_id: &HashMap<String, usize>,
    ) -> Result<Option<ReadMessage>, ParseError> {
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
        let date = timestamp(
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
        let edited = timestamp(
            m.edited_unixtime.as_ref(),
            m.edited.as_ref(),
            "edited",
            path,
            field_line,
        )?;
        let mut samples = Vec::new();
        for stamp in [Some(date), edited].into_iter().flatten() {
            if let Stamp::Exact {
                sample: Some(s), ..
            } = stamp
            {
                samples.push(s);
            }
        }
        let (timestamp_us, local_date) = match date {
            Stamp::Exact { us, .. } => (us, None),
            // Provisional: resolved by `finish`.
            Stamp::Local(naive) => (naive.and_utc().timestamp_micros(), Some(naive)),
        };
        let mut meta = BTreeMap::new();
        if let Some(kind) = &chat.kind {
            meta.insert("chat_type".to_string(), kind.to_string());
        }
        let mut local_edited = None;
        match edited {
            Some(Stamp::Exact { us, .. }) => {
                meta.insert("edited".to_string(), iso_utc(us));
            }
            Some(Stamp::Local(naive)) => local_edited = Some(naive),
            None => {}
        }
        let (author, author_id, text) = if kind == "service" {
            let actor = person(m.actor.as_ref());
            let action = str_of(&m.action).unwrap_or_default();
            let name = actor.as_deref().unwrap_or("Someone");
            let text = service_text(m, name, action, by_id, &self.export.entries);
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
        Ok(Some(ReadMessage {
            entry: Entry {
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
            },
            local_date,
            local_edited,
            samples,
        }))
    }
}

/// Whether `zone` gives every offset the file shows (then it is the
/// exporting machine's zone, and its DST rules place the local-only times
/// better than the nearest sample can).
fn zone_agrees(zone: chrono_tz::Tz, offsets: &[OffsetSample]) -> bool {
    !offsets.is_empty()
        && offsets.iter().all(|s| {
            let utc_us = s.local_us - s.offset_us;
            DateTime::from_timestamp_micros(utc_us).is_some_and(|t| {
                let local = t.with_timezone(&zone).naive_local();
                local.and_utc().timestamp_micros() == s.local_us
            })
        })
}

/// The offset of the sample nearest in local time to `naive` (`offsets`
/// sorted by local time), None when there is none.
fn nearest_offset(offsets: &[OffsetSample], naive: NaiveDateTime) -> Option<i64> {
    let at = naive.and_utc().timestamp_micros();
    let i = offsets.partition_point(|s| s.local_us < at);
    let after = offsets.get(i);
    let before = i.checked_sub(1).and_then(|j| offsets.get(j));
    match (before, after) {
        (Some(b), Some(a)) if at - b.local_us <= a.local_us - at => Some(b.offset_us),
        (_, Some(a)) => Some(a.offset_us),
        (Some(b), None) => Some(b.offset_us),
        (None, None) => None,
    }
}

/// The largest UTC offset a clock can show (±18 h, as ISO 8601 allows).
const MAX_OFFSET_US: i64 = 18 * 3600 * 1_000_000;

/// Reads a time from `<name>_unixtime` (UTC seconds, preferred) or `<name>`
/// (Qt's ISO format of the exporting machine's local time, no offset; an
/// offset or `Z`, as some tools write, is honoured). None when both are
/// absent. A `<name>` beside a `<name>_unixtime` is only a sample of the
/// machine's offset, and ignored when unreadable.
fn timestamp(
    unix: Option<&Value>,
    local: Option<&Value>,
    name: &str,
    path: &str,
    field_line: &dyn Fn(&str) -> u32,
) -> Result<Option<Stamp>, ParseError> {
    let read_local = |v: &Value| -> Option<Stamp> {
        let s = v.as_str()?.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(Stamp::Exact {
                us: t.timestamp_micros(),
                sample: None,
            });
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .map(Stamp::Local)
    };
    if let Some(v) = unix {
        let key = format!("{name}_unixtime");
        let us = unix_us(v).ok_or_else(|| {
            field_error(
                FORMAT,
                field_line(&key),
                format!("{path}.{key}"),
                format!("not a Unix time: {}", shown(v)),
            )
        })?;
        let sample = match local.and_then(read_local) {
            Some(Stamp::Local(naive)) => {
                let local_us = naive.and_utc().timestamp_micros();
                let offset_us = local_us - us;
                // Real offsets lie within ±18 h; anything else is a
                // damaged `date`, no sign of the machine's zone.
                (offset_us.abs() <= MAX_OFFSET_US).then_some(OffsetSample {
                    local_us,
                    offset_us,
                })
            }
            _ => None,
        };
        return Ok(Some(Stamp::Exact { us, sample }));
    }
    let Some(v) = local else { return Ok(None) };
    read_local(v).map(Some).ok_or_else(|| {
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
    use super::super::ParseWarning;
    use super::super::export::testing::malformed;
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

    /// The (line, field) of each warning, in order.
    fn warned(export: &Export) -> Vec<(Option<usize>, String)> {
        export
            .warnings
            .iter()
            .map(|w| match &w.problem {
                ParseError::Malformed { line, field, .. } => {
                    (*line, field.clone().unwrap_or_default())
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    /// The 1-based line of the first occurrence of `needle` in `file`.
    fn line_at(file: &[u8], needle: &str) -> Option<usize> {
        let text = std::str::from_utf8(file).unwrap();
        Some(line_of(text, text.find(needle).expect(needle)) as usize)
    }

    fn with_zone(zone: &str) -> ParseContext {
        ParseContext {
            time_zone: Some(zone.parse().unwrap()),
            ..ParseContext::default()
        }
    }

    #[test]
    fn a_date_that_is_not_a_date_is_skipped_naming_field_and_line() {
        // It used to refuse the whole file; now only the message is left
        // out, and --strict refuses.
        let old = "{\n \"name\": \"Bob\",\n \"type\": \"personal_chat\",\n \"id\": 7,\n \"messages\": [\n  {\n   \"id\": 1,\n   \"type\": \"message\",\n   \"date\": \"2019-04-01T10:00:00\",\n   \"from\": \"Bob\",\n   \"text\": \"hi\"\n  },\n  {\n   \"id\": 2,\n   \"type\": \"message\",\n   \"date\": \"last Tuesday\",\n   \"from\": \"Bob\",\n   \"text\": \"hi\"\n  }\n ]\n}";
        let problem = ParseError::Malformed {
            format: FORMAT,
            message: "not a date: \"last Tuesday\" (expected like 2025-10-03T18:21:07)".into(),
            line: Some(16),
            field: Some("messages[1].date".into()),
        };
        let export = parse_ok(old.as_bytes());
        assert_eq!(export.entries.len(), 1);
        assert_eq!(
            export.warnings[1],
            ParseWarning {
                problem,
                skipped: true
            }
        );
        // The first doubt, in file order, is message 0's local-only date.
        assert_eq!(warned(&export)[0], (Some(9), "messages[0].date".into()));
        let (message, line, _) = malformed(export.judged(true));
        assert_eq!(line, Some(9), "{message}");

        let text = std::str::from_utf8(FULL)
            .unwrap()
            .replacen("\"1759508467\"", "\"soon\"", 1);
        let export = parse_ok(text.as_bytes());
        let expected_line = text[..text.find("\"soon\"").unwrap()].lines().count();
        assert_eq!(
            export.warnings,
            vec![ParseWarning {
                problem: ParseError::Malformed {
                    format: FORMAT,
                    message: "not a Unix time: \"soon\"".into(),
                    line: Some(expected_line),
                    field: Some("chats.list[0].messages[0].date_unixtime".into()),
                },
                skipped: true
            }]
        );
        assert_eq!(export.entries.len(), 8 + 8 + 1 - 1);
    }

    const STRIPPED: &[u8] = include_bytes!("../../fixtures/telegram/stripped/Bob Stone.json");
    const MIXED: &[u8] = include_bytes!("../../fixtures/telegram/mixed_dates/result.json");
    const OLD: &[u8] = include_bytes!("../../fixtures/telegram/old_local_only/result.json");
    const BAD: &[u8] = include_bytes!("../../fixtures/telegram/bad_records/result.json");

    #[test]
    fn stripped_export_without_chat_fields_is_read() {
        let named = ParseContext {
            file_name: "Bob Stone.json".into(),
            ..ParseContext::default()
        };
        let export = parse(STRIPPED, &named).unwrap();
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        assert_eq!(export.entries.len(), 4);
        let id = &export.entries[0].conversation;
        assert!(id.starts_with("derived-"), "{id}");
        assert!(export.entries.iter().all(|e| &e.conversation == id
            && e.conversation_title.as_deref() == Some("Bob Stone")
            && !e.meta.contains_key("chat_type")));
        // Berlin summer time in the file: 08:02:17 local is 06:02:17 UTC.
        let first = find(&export, id, "88120");
        assert_eq!(first.timestamp_us, Some(us("2025-10-11T06:02:17Z")));
        assert_eq!(first.author.as_deref(), Some("Bob Stone"));
        assert_eq!(
            find(&export, id, "88121").reply_to.as_deref(),
            Some("88120")
        );
        // Named after the other party, like a personal chat.
        assert_eq!(export.owner_names, vec!["Alice Martin"]);
        // The same file again: the same conversation.
        assert_eq!(
            &parse(STRIPPED, &named).unwrap().entries[0].conversation,
            id
        );

        // Called result.json, it names nothing: the id comes from its first
        // message, and it has no title.
        let plain = ParseContext {
            file_name: "result.json".into(),
            ..ParseContext::default()
        };
        let export = parse(STRIPPED, &plain).unwrap();
        let other = &export.entries[0].conversation;
        assert!(other.starts_with("derived-") && other != id, "{other}");
        assert_eq!(export.entries[0].conversation_title, None);
        assert_eq!(
            &parse(STRIPPED, &plain).unwrap().entries[0].conversation,
            other
        );

        let head = String::from_utf8_lossy(&STRIPPED[..STRIPPED.len().min(1024)]).into_owned();
        assert!(sniff("bob stone.json", &head));
    }

    #[test]
    fn local_only_dates_take_the_offset_the_file_shows() {
        let export = parse_ok(MIXED);
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        let at = |id: &str| find(&export, "4012345678", id);
        assert_eq!(at("401").timestamp_us, Some(us("2025-10-24T17:02:11Z")));
        // Only `date`: the nearest message with both says +02:00.
        assert_eq!(at("402").timestamp_us, Some(us("2025-10-24T17:05:40Z")));
        // After the clocks went back the file shows +01:00.
        assert_eq!(at("404").timestamp_us, Some(us("2025-10-26T09:05:00Z")));
        assert_eq!(at("405").timestamp_us, Some(us("2025-10-26T09:30:00Z")));
        assert_eq!(
            at("405").meta.get("edited").map(String::as_str),
            Some("2025-10-26T09:31:00Z")
        );
        // Saturday 23:30 is nearer Sunday's +01:00 than Friday's +02:00.
        assert_eq!(at("403").timestamp_us, Some(us("2025-10-25T22:30:00Z")));
        assert!(export.entries.iter().all(|e| !e.zone_unknown()));
    }

    #[test]
    fn local_only_dates_use_the_configured_zone_when_it_agrees() {
        // Berlin gives every offset the file shows, so its DST rules place
        // Saturday 23:30 (still summer time) exactly.
        let export = parse(MIXED, &with_zone("Europe/Berlin")).unwrap();
        let at = |id: &str| find(&export, "4012345678", id);
        assert_eq!(at("403").timestamp_us, Some(us("2025-10-25T21:30:00Z")));
        assert_eq!(at("402").timestamp_us, Some(us("2025-10-24T17:05:40Z")));
        assert_eq!(at("405").timestamp_us, Some(us("2025-10-26T09:30:00Z")));
        // A zone the file contradicts is not the exporter's: the file wins.
        let export = parse(MIXED, &with_zone("America/New_York")).unwrap();
        let at = |id: &str| find(&export, "4012345678", id);
        assert_eq!(at("403").timestamp_us, Some(us("2025-10-25T22:30:00Z")));
        assert_eq!(at("402").timestamp_us, Some(us("2025-10-24T17:05:40Z")));
        assert!(export.warnings.is_empty());
    }

    #[test]
    fn old_export_without_offsets_is_flagged_or_read_in_the_configured_zone() {
        let export = parse_ok(OLD);
        assert_eq!(export.entries.len(), 3);
        assert!(export.entries.iter().all(Entry::zone_unknown));
        let first = find(&export, "4790123456", "1021");
        assert_eq!(first.timestamp_us, Some(us("2019-04-01T10:00:00Z")));
        // One warning for the file, at its first message; each entry is flagged.
        assert_eq!(
            warned(&export),
            vec![(
                line_at(OLD, "\"2019-04-01T10:00:00\""),
                "messages[0].date".into()
            )]
        );
        assert!(
            export.warnings[0].to_string().contains("3 message(s)"),
            "{}",
            export.warnings[0]
        );
        assert!(export.warnings.iter().all(|w| !w.skipped));
        let refused = export.judged(true).unwrap_err();
        assert!(refused.to_string().contains("UTC offset"), "{refused}");

        // With ingest.time_zone: Lisbon summer time, +01:00.
        let export = parse(OLD, &with_zone("Europe/Lisbon")).unwrap();
        assert!(export.warnings.is_empty());
        let edited = find(&export, "4790123456", "1023");
        assert_eq!(edited.timestamp_us, Some(us("2019-04-01T09:06:02Z")));
        assert_eq!(
            edited.meta.get("edited").map(String::as_str),
            Some("2019-04-01T09:07:00Z")
        );
        assert!(!edited.zone_unknown());
    }

    #[test]
    fn one_bad_message_or_chat_is_skipped_with_a_warning() {
        let export = parse_ok(BAD);
        let ids: Vec<&str> = export.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, vec!["1301", "1305", "321"]);
        assert_eq!(
            warned(&export),
            vec![
                (
                    line_at(BAD, "\"last Sunday\""),
                    "chats.list[0].messages[1].date".into()
                ),
                (
                    line_at(BAD, "\"id\": {"),
                    "chats.list[0].messages[2].id".into()
                ),
                (line_at(BAD, "     42,"), "chats.list[0].messages[3]".into()),
                (
                    line_at(BAD, "\"Harbor crew\"").map(|l| l - 1),
                    "chats.list[1]".into()
                ),
                (
                    line_at(BAD, "\"Carol Diaz\"").map(|l| l - 1),
                    "chats.list[2].id".into()
                ),
            ]
        );
        assert!(export.warnings.iter().all(|w| w.skipped));
        assert_eq!(export.owner_names, vec!["Alice Martin", "@alice_m"]);
        assert_eq!(export.clone().judged(false).unwrap().entries.len(), 3);
        let (message, line, field) = malformed(export.judged(true));
        assert_eq!(
            (message.as_str(), line, field.as_deref()),
            (
                "not a date: \"last Sunday\" (expected like 2025-10-03T18:21:07)",
                line_at(BAD, "\"last Sunday\""),
                Some("chats.list[0].messages[1].date")
            )
        );
    }

    #[test]
    fn wrong_shapes_are_errors_not_panics() {
        // A chat whose only message is broken: nothing left, refused.
        let export =
            parse_ok(br#"{"name": "x", "type": "personal_chat", "id": 1, "messages": [5]}"#);
        let (_, _, field) = malformed(export.judged(false));
        assert_eq!(field.as_deref(), Some("messages[0]"));
        let err = parse(br#"{"about": "x"}"#, &ParseContext::default()).unwrap_err();
        assert!(err.to_string().contains("no chats found"), "{err}");
        // A bare message list is a stripped-down chat (it used to be
        // refused for its missing id): empty, not an error.
        assert!(parse_ok(br#"{"messages": []}"#).entries.is_empty());
        let err = parse(br#"{"messages": 5}"#, &ParseContext::default()).unwrap_err();
        assert!(err.to_string().contains("malformed JSON"), "{err}");
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
