//! Twitter/X archive: `data/tweets.js` (and `tweets-part1.js`, ...).
//!
//! "Settings → Your account → Download an archive of your data" gives a zip
//! whose `data/` folder holds one JavaScript file per kind of data. The
//! tweets are a JSON array assigned to a global, pretty-printed with
//! `" : "` separators:
//!
//! ```text
//! window.YTD.tweets.part0 = [
//!   {
//!     "tweet" : {
//!       "id_str" : "1974177910618632192",
//!       "created_at" : "Fri Oct 03 18:21:07 +0000 2025",
//!       "full_text" : "Wrote up how we profile allocations &amp; more: https://t.co/Qm3XbV7kLp",
//!       "in_reply_to_status_id_str" : "...", "in_reply_to_screen_name" : "...",
//!       "entities" : {"hashtags" : [{"text" : "rustlang", "indices" : ["0", "9"]}],
//!                     "user_mentions" : [{"screen_name" : "...", "name" : "...", "id_str" : "..."}],
//!                     "urls" : [{"url" : "https://t.co/...", "expanded_url" : "https://...", "display_url" : "..."}],
//!                     "symbols" : [ ], "media" : [...]},
//!       "extended_entities" : {"media" : [{"url" : "https://t.co/...", "type" : "photo", ...}]},
//!       "lang" : "en", "favorite_count" : "41", "retweet_count" : "6", ...
//!     }
//!   },
//!   ...
//! ]
//! ```
//!
//! Quirks this parser handles:
//! - Large archives split the array over `tweets.js`, `tweets-part1.js`...
//!   (`window.YTD.tweets.part1 = [`); older archives call the file
//!   `tweet.js` (`window.YTD.tweet.part0`) and put the tweet fields directly
//!   in each item, without the `"tweet"` wrapper. All are accepted, as is a
//!   bare JSON array.
//! - Numbers are strings (`"favorite_count" : "41"`); ids are read from
//!   `id_str`, falling back to `id` (string or number).
//! - `full_text` is HTML-escaped (`&amp;`, `&lt;`, `&gt;`): decoded. Links
//!   are `t.co` short links: each is replaced by its `expanded_url`; a media
//!   link becomes `[photo]`, `[video]` or `[GIF]`, with the kinds in meta
//!   `media`. Hashtags and mentions stay in the text and are also listed
//!   (comma-joined, without `#`/`@`) in meta `hashtags` and `mentions`.
//! - Retweets are stored as the owner's tweets with text `RT @user: ...`:
//!   meta `retweet` = `true` and `retweet_of` = the user. They keep
//!   `author_is_self: Some(true)` (sharing is the owner's act) and the
//!   `RT @user:` prefix, so the text says whose words they are.
//! - Every tweet in the file is the account owner's (`author_is_self:
//!   Some(true)`). The file does not name the owner, but a reply to a tweet
//!   that is itself in the archive (a self-thread) names the owner in
//!   `in_reply_to_screen_name`: when there is one, that handle becomes every
//!   entry's `author` and goes to [`Export::owner_names`]; otherwise `author`
//!   is None.
//! - Conversation: the root of the tweet's reply thread as far as this file
//!   knows it. A tweet that replies to nothing is its own root; a reply's
//!   root is its target's root when the target is in the file, else the
//!   target's id. A whole self-thread thus shares the first tweet's id, and
//!   replies to someone else share the id of the tweet they answered.
//!   (Threads spanning two part files get the id of their first tweet in
//!   the later file's view: the parser sees one file at a time.)
//!   `reply_to` is `in_reply_to_status_id_str`, in or out of the file.
//! - `created_at` is `"%a %b %d %H:%M:%S %z %Y"` (always `+0000`).
//! - A tweet id seen twice in one file is kept once (the first).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::ParseError;
use super::export::{Entry, Export, LineCounter, Origin, ParseContext, check_entry_limit, line_of};
use super::json::{Doc, kind_of, serde_message};

/// The format's name in error messages.
const FORMAT: &str = "Twitter archive";

/// Whether the file is a tweets file of an archive: by name (`tweets.js`,
/// `tweet.js`, `tweets-part1.js`...) or by its first statement
/// (`window.YTD.tweets.part0 = [`; other archive files such as
/// `tweetdeck.js` or `tweet-headers.js` are not tweets and are not matched).
pub(crate) fn sniff(name: &str, head: &str) -> bool {
    let by_name = name.strip_suffix(".js").is_some_and(|stem| {
        let base = stem
            .strip_prefix("tweets")
            .or_else(|| stem.strip_prefix("tweet"));
        match base {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix("-part")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
            None => false,
        }
    });
    let start = head.trim_start_matches('\u{feff}').trim_start();
    // Every other file of the archive (account.js, like.js...) is claimed
    // too, so a whole archive folder ingests without errors; see
    // [`side_file`].
    by_name || start.starts_with("window.YTD.")
}

/// The archive's files other than tweets: `account.js` names the owner;
/// the rest (likes, followers, ad data...) hold nothing twinlake reads.
fn side_file(text: &str) -> Option<Export> {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let rest = start.strip_prefix("window.YTD.")?;
    if rest.starts_with("tweets.part") || rest.starts_with("tweet.part") {
        return None;
    }
    let mut export = Export::default();
    if rest.starts_with("account.part") {
        let json = rest
            .split_once('=')
            .map_or("", |(_, j)| j.trim().trim_end_matches(';'));
        if let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
        {
            for item in items {
                let account = &item["account"];
                for key in ["accountDisplayName", "username"] {
                    if let Some(name) = account[key].as_str().filter(|n| !n.is_empty()) {
                        export.owner_names.push(name.to_string());
                    }
                }
            }
        }
    }
    Some(export)
}

/// One item of the array: either `{"tweet": {...}}` or (older archives) the
/// tweet's fields themselves. Only the fields read are decoded.
#[derive(Deserialize)]
struct RawTweet<'a> {
    /// The wrapped tweet, in current archives.
    #[serde(borrow, default)]
    tweet: Option<&'a RawValue>,
    /// The id as a string.
    #[serde(default)]
    id_str: Option<Value>,
    /// The id (a string in archives, a number in API dumps).
    #[serde(default)]
    id: Option<Value>,
    /// The text, HTML-escaped, with t.co links.
    #[serde(default)]
    full_text: Option<Value>,
    /// The text in very old dumps that predate `full_text`.
    #[serde(default)]
    text: Option<Value>,
    /// `"Fri Oct 03 18:21:07 +0000 2025"`.
    #[serde(default)]
    created_at: Option<Value>,
    /// The id of the tweet this one answers.
    #[serde(default)]
    in_reply_to_status_id_str: Option<Value>,
    /// The same, in dumps without the `_str` field.
    #[serde(default)]
    in_reply_to_status_id: Option<Value>,
    /// The handle of the author of the tweet this one answers.
    #[serde(default)]
    in_reply_to_screen_name: Option<Value>,
    /// The language code Twitter detected (`en`, `und`...).
    #[serde(default)]
    lang: Option<Value>,
    /// Hashtags, mentions, links and (first) media.
    #[serde(borrow, default)]
    entities: Option<&'a RawValue>,
    /// All media of the tweet.
    #[serde(borrow, default)]
    extended_entities: Option<&'a RawValue>,
}

/// The entity lists of a tweet (each checked by hand for its path).
#[derive(Deserialize)]
struct RawEntities {
    /// `[{"text": "rustlang", ...}]`.
    #[serde(default)]
    hashtags: Option<Value>,
    /// `[{"screen_name": "jonhoo", ...}]`.
    #[serde(default)]
    user_mentions: Option<Value>,
    /// `[{"url": "https://t.co/...", "expanded_url": "...", ...}]`.
    #[serde(default)]
    urls: Option<Value>,
    /// `[{"url": "https://t.co/...", "type": "photo", ...}]`.
    #[serde(default)]
    media: Option<Value>,
}

/// A tweet read from the file, before its thread root is known.
struct Tweet {
    /// Its id.
    id: String,
    /// The id of the tweet it answers.
    reply_to: Option<String>,
    /// The handle it answers.
    reply_to_user: Option<String>,
    /// When it was posted.
    timestamp_us: Option<i64>,
    /// Its readable text.
    text: String,
    /// Format facts.
    meta: BTreeMap<String, String>,
    /// Where it is.
    origin: Origin,
}

/// Parses one tweets file into one entry per tweet.
pub(crate) fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<Export, ParseError> {
    let text = super::utf8(bytes)?;
    if let Some(export) = side_file(text) {
        return Ok(export);
    }
    let start = json_start(text)?;
    let json = text
        .get(start..)
        .unwrap_or_default()
        .trim_end()
        .trim_end_matches(';');
    let items: Vec<&RawValue> = serde_json::from_str(json).map_err(|e| {
        // serde_json counts lines from the `[`; the prefix may span lines.
        let before = line_of(text, start) as usize - 1;
        ParseError::Malformed {
            format: FORMAT,
            message: format!("malformed JSON: {}", serde_message(&e)),
            line: (e.line() > 0).then_some(e.line() + before),
            field: None,
        }
    })?;
    let reader = Reader {
        doc: Doc::new(FORMAT, text),
    };
    let mut lines = LineCounter::new(text);
    let mut tweets: Vec<Tweet> = Vec::with_capacity(items.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(items.len());
    let mut skipped = Export::default();
    for (i, &item) in items.iter().enumerate() {
        let origin = lines.origin_of_raw(item);
        // One unreadable tweet is skipped with a warning, not the archive.
        let tweet = match reader.tweet(item, i, origin) {
            Ok(Some(tweet)) => tweet,
            Ok(None) => continue,
            Err(problem) => {
                skipped.skip(problem);
                continue;
            }
        };
        if index.contains_key(&tweet.id) {
            continue;
        }
        check_entry_limit(FORMAT, ctx, tweets.len() + 1)?;
        index.insert(tweet.id.clone(), tweets.len());
        tweets.push(tweet);
    }

    let roots = thread_roots(&tweets, &index);
    let owner_names = owner_handles(&tweets, &index);
    let author = owner_names.first().cloned();
    let entries = tweets
        .into_iter()
        .zip(roots)
        .map(|(tweet, root)| {
            let mut meta = tweet.meta;
            if let Some(user) = tweet.reply_to_user {
                meta.insert("reply_to_user".into(), user);
            }
            Entry {
                conversation: root,
                conversation_title: None,
                id: tweet.id,
                author: author.clone(),
                author_is_self: Some(true),
                timestamp_us: tweet.timestamp_us,
                ends_at_us: None,
                text: tweet.text,
                reply_to: tweet.reply_to,
                origin: tweet.origin,
                meta,
            }
        })
        .collect();
    Ok(Export {
        entries,
        owner_names,
        ..skipped
    })
}

/// Byte offset where the JSON array starts: after `window.YTD.x.partN =`,
/// or at the `[` of a bare array.
fn json_start(text: &str) -> Result<usize, ParseError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let skipped = text.len() - trimmed.len();
    if trimmed.starts_with('[') {
        return Ok(skipped);
    }
    let first_line = trimmed.split('\n').next().unwrap_or_default();
    match first_line.find('=') {
        Some(eq) if trimmed.starts_with("window.") => Ok(skipped + eq + 1),
        _ => Err(ParseError::Malformed {
            format: FORMAT,
            message: "expected the archive's `window.YTD.tweets.part0 = [` or a JSON array".into(),
            line: Some(1),
            field: None,
        }),
    }
}

/// Reads the tweets of the file.
struct Reader<'t> {
    /// The file, for error positions.
    doc: Doc<'t>,
}

impl<'t> Reader<'t> {
    /// An id field: a string or a whole number, None when absent, null or "".
    fn id(
        &self,
        value: Option<&Value>,
        raw: &RawValue,
        field: &str,
    ) -> Result<Option<String>, ParseError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
            Some(other) => Err(self.doc.error(
                raw,
                field,
                format!("expected an id string, found {}", kind_of(other)),
            )),
        }
    }

    /// Reads item `i`; None when it has no text.
    fn tweet(
        &self,
        item: &'t RawValue,
        i: usize,
        origin: Origin,
    ) -> Result<Option<Tweet>, ParseError> {
        let outer_path = format!("[{i}]");
        let outer: RawTweet = self.doc.object(item, &outer_path)?;
        let (raw, path, fields) = match outer.tweet {
            Some(inner) => {
                let path = format!("{outer_path}.tweet");
                let fields: RawTweet = self.doc.object(inner, &path)?;
                (inner, path, fields)
            }
            None => (item, outer_path, outer),
        };
        let field = |name: &str| format!("{path}.{name}");

        let id = match self.id(fields.id_str.as_ref(), raw, &field("id_str"))? {
            Some(id) => id,
            None => match self.id(fields.id.as_ref(), raw, &field("id"))? {
                Some(id) => id,
                None => return Err(self.doc.error(raw, &field("id_str"), "the tweet has no id")),
            },
        };
        let full_text =
            match self
                .doc
                .string(fields.full_text.as_ref(), raw, &field("full_text"))?
            {
                Some(t) => t,
                None => self
                    .doc
                    .string(fields.text.as_ref(), raw, &field("text"))?
                    .unwrap_or_default(),
            };
        let timestamp_us =
            match self
                .doc
                .string(fields.created_at.as_ref(), raw, &field("created_at"))?
            {
                None => None,
                Some(s) => match chrono::DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y") {
                    Ok(t) => Some(t.timestamp_micros()),
                    Err(_) => {
                        return Err(self.doc.error(
                            raw,
                            &field("created_at"),
                            format!("`{s}` is not a date like \"Fri Oct 03 18:21:07 +0000 2025\""),
                        ));
                    }
                },
            };
        let reply_to = match self.id(
            fields.in_reply_to_status_id_str.as_ref(),
            raw,
            &field("in_reply_to_status_id_str"),
        )? {
            Some(id) => Some(id),
            None => self.id(
                fields.in_reply_to_status_id.as_ref(),
                raw,
                &field("in_reply_to_status_id"),
            )?,
        };
        let reply_to_user = self
            .doc
            .string(
                fields.in_reply_to_screen_name.as_ref(),
                raw,
                &field("in_reply_to_screen_name"),
            )?
            .filter(|s| !s.is_empty() && reply_to.is_some())
            .map(str::to_string);
        let lang = self.doc.string(fields.lang.as_ref(), raw, &field("lang"))?;

        let mut meta = BTreeMap::new();
        let mut text = decode_entities(full_text);
        let entities: Option<RawEntities> = match fields.entities {
            Some(e) if e.get() != "null" => Some(self.doc.object(e, &field("entities"))?),
            _ => None,
        };
        let extended: Option<RawEntities> = match fields.extended_entities {
            Some(e) if e.get() != "null" => Some(self.doc.object(e, &field("extended_entities"))?),
            _ => None,
        };
        if let Some(entities) = &entities {
            let epath = field("entities");
            let hashtags = self.names(
                entities.hashtags.as_ref(),
                raw,
                &format!("{epath}.hashtags"),
                "text",
            )?;
            if !hashtags.is_empty() {
                meta.insert("hashtags".into(), hashtags.join(","));
            }
            let mentions = self.names(
                entities.user_mentions.as_ref(),
                raw,
                &format!("{epath}.user_mentions"),
                "screen_name",
            )?;
            if !mentions.is_empty() {
                meta.insert("mentions".into(), mentions.join(","));
            }
            for (j, url) in self
                .list(entities.urls.as_ref(), raw, &format!("{epath}.urls"))?
                .iter()
                .enumerate()
            {
                let upath = format!("{epath}.urls[{j}]");
                let short = self
                    .doc
                    .string(url.get("url"), raw, &format!("{upath}.url"))?;
                let long = self.doc.string(
                    url.get("expanded_url"),
                    raw,
                    &format!("{upath}.expanded_url"),
                )?;
                if let (Some(short), Some(long)) = (short, long)
                    && !short.is_empty()
                    && !long.is_empty()
                {
                    // Once per entity: bounded growth whatever the input.
                    text = text.replacen(short, long, 1);
                }
            }
        }
        // All media are in `extended_entities`; `entities` has the first.
        let (media, media_path) = match (&extended, &entities) {
            (Some(x), _) if x.media.is_some() => {
                (x.media.as_ref(), field("extended_entities.media"))
            }
            (_, Some(e)) => (e.media.as_ref(), field("entities.media")),
            _ => (None, String::new()),
        };
        let media = self.list(media, raw, &media_path)?;
        if !media.is_empty() {
            let mut kinds = Vec::new();
            let mut link = None;
            for (j, item) in media.iter().enumerate() {
                let mpath = format!("{media_path}[{j}]");
                kinds.push(
                    self.doc
                        .string(item.get("type"), raw, &format!("{mpath}.type"))?
                        .unwrap_or("photo"),
                );
                if link.is_none() {
                    link = self
                        .doc
                        .string(item.get("url"), raw, &format!("{mpath}.url"))?
                        .filter(|u| !u.is_empty());
                }
            }
            let shown: Vec<&str> = kinds
                .iter()
                .map(|k| match *k {
                    "photo" => "[photo]",
                    "video" => "[video]",
                    "animated_gif" => "[GIF]",
                    _ => "[media]",
                })
                .collect();
            if let Some(link) = link {
                text = text.replacen(link, &shown.join(" "), 1);
            }
            meta.insert("media".into(), kinds.join(","));
        }
        let text = text.trim().to_string();
        if text.is_empty() {
            return Ok(None);
        }
        if let Some(user) = retweeted_user(&text) {
            meta.insert("retweet".into(), "true".into());
            meta.insert("retweet_of".into(), user.to_string());
        }
        if let Some(lang) = lang.filter(|l| !l.is_empty()) {
            meta.insert("lang".into(), lang.to_string());
        }
        Ok(Some(Tweet {
            id,
            reply_to,
            reply_to_user,
            timestamp_us,
            text,
            meta,
            origin,
        }))
    }

    /// A list field: empty when absent or null.
    fn list<'v>(
        &self,
        value: Option<&'v Value>,
        raw: &RawValue,
        field: &str,
    ) -> Result<&'v [Value], ParseError> {
        match value {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.doc.error(
                raw,
                field,
                format!("expected a list, found {}", kind_of(other)),
            )),
        }
    }

    /// The string `key` of each object in the list at `field`.
    fn names<'v>(
        &self,
        value: Option<&'v Value>,
        raw: &RawValue,
        field: &str,
        key: &str,
    ) -> Result<Vec<&'v str>, ParseError> {
        let mut names = Vec::new();
        for (j, item) in self.list(value, raw, field)?.iter().enumerate() {
            if let Some(name) =
                self.doc
                    .string(item.get(key), raw, &format!("{field}[{j}].{key}"))?
                && !name.is_empty()
            {
                names.push(name);
            }
        }
        Ok(names)
    }
}

/// The conversation of each tweet: its reply thread's root as this file
/// knows it. Each tweet is resolved once (results are shared along the
/// chain), and a reply loop resolves to a tweet on it instead of spinning.
fn thread_roots(tweets: &[Tweet], index: &HashMap<String, usize>) -> Vec<String> {
    let mut roots: Vec<Option<String>> = vec![None; tweets.len()];
    let mut in_progress = vec![false; tweets.len()];
    for i in 0..tweets.len() {
        if roots[i].is_some() {
            continue;
        }
        let mut chain = Vec::new();
        let mut current = i;
        let root = loop {
            if let Some(root) = &roots[current] {
                break root.clone();
            }
            if in_progress[current] {
                break tweets[current].id.clone();
            }
            in_progress[current] = true;
            chain.push(current);
            match &tweets[current].reply_to {
                None => break tweets[current].id.clone(),
                Some(target) => match index.get(target) {
                    Some(&j) => current = j,
                    None => break target.clone(),
                },
            }
        };
        for k in chain {
            roots[k] = Some(root.clone());
        }
    }
    roots.into_iter().map(Option::unwrap_or_default).collect()
}

/// The owner's handles, newest first: `in_reply_to_screen_name` of replies
/// to tweets in this file (which are the owner's own).
fn owner_handles(tweets: &[Tweet], index: &HashMap<String, usize>) -> Vec<String> {
    let mut found: Vec<(i64, &str)> = tweets
        .iter()
        .filter(|t| t.reply_to.as_ref().is_some_and(|r| index.contains_key(r)))
        .filter_map(|t| {
            Some((
                t.timestamp_us.unwrap_or(i64::MIN),
                t.reply_to_user.as_deref()?,
            ))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut names: Vec<String> = Vec::new();
    for (_, name) in found {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_string());
        }
    }
    names
}

/// The handle in a retweet's `RT @handle: ...` prefix.
fn retweeted_user(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("RT @")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let handle = &rest[..end];
    (!handle.is_empty() && rest[end..].starts_with(':')).then_some(handle)
}

/// Decodes the HTML character references Twitter writes in `full_text`
/// (`&amp;` `&lt;` `&gt;` and, rarely, `&quot;` `&#39;` `&#x...;`), in one
/// pass so `&amp;lt;` stays `&lt;`.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // `&` and `;` are ASCII, so both cuts fall on character boundaries.
        let semicolon = tail.bytes().take(12).position(|b| b == b';');
        if let Some(end) = semicolon
            && let Some(c) = entity(&tail[1..end])
        {
            out.push(c);
            rest = &tail[end + 1..];
            continue;
        }
        out.push('&');
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// The character a reference names (`amp`, `#39`, `#x1F600`).
fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number
                .strip_prefix('x')
                .or_else(|| number.strip_prefix('X'))
            {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::export::testing::refused;
    use super::*;

    const TWEETS: &[u8] = include_bytes!("../../fixtures/twitter/tweets.js");
    const OLD: &[u8] = include_bytes!("../../fixtures/twitter/tweet.js");

    fn parse_ok(bytes: &[u8]) -> Export {
        parse(bytes, &ParseContext::default()).unwrap()
    }

    /// The refusal of `bytes` under `--strict`.
    fn parse_err(bytes: &[u8]) -> (String, Option<usize>, Option<String>) {
        refused(bytes, super::super::Format::Twitter, "tweets.js")
    }

    fn by_id<'a>(export: &'a Export, id: &str) -> &'a Entry {
        export.entries.iter().find(|e| e.id == id).unwrap()
    }

    #[test]
    fn archive_files_are_sniffed() {
        assert!(sniff("tweets.js", ""));
        assert!(sniff("tweet.js", ""));
        assert!(sniff("tweets-part1.js", ""));
        assert!(sniff("renamed.js", "window.YTD.tweets.part2 = ["));
        assert!(sniff("old.js", "\u{feff}window.YTD.tweet.part0 = ["));
        // The archive's other files are claimed, and yield no tweets.
        assert!(sniff("tweetdeck.js", "window.YTD.tweetdeck.part0 = ["));
        assert!(sniff(
            "tweet-headers.js",
            "window.YTD.tweet_headers.part0 = ["
        ));
        let headers = parse(
            b"window.YTD.tweet_headers.part0 = []",
            &ParseContext::default(),
        );
        assert_eq!(headers.unwrap(), Export::default());
        assert!(!sniff("tweets-partx.js", ""));
        assert!(!sniff("app.js", "function f() {}"));
    }

    #[test]
    fn every_tweet_becomes_an_entry() {
        let export = parse_ok(TWEETS);
        assert_eq!(export.entries.len(), 8);
        assert_eq!(export.owner_names, vec!["maren_codes".to_string()]);
        let first = &export.entries[0];
        assert_eq!(first.id, "1967131777695072256");
        assert_eq!(
            first.conversation, "1967131777695072256",
            "a top-level tweet is its own thread"
        );
        assert_eq!(first.author.as_deref(), Some("maren_codes"));
        assert_eq!(first.author_is_self, Some(true));
        // Sun Sep 14 07:42:18 +0000 2025
        assert_eq!(first.timestamp_us, Some(1_757_835_738_000_000));
        assert_eq!(
            first.text,
            "Finally moved our ingest service to tokio 1.47 — p99 latency down 38%. #rustlang #async"
        );
        assert_eq!(
            first.meta.get("hashtags").map(String::as_str),
            Some("rustlang,async")
        );
        assert_eq!(first.meta.get("lang").map(String::as_str), Some("en"));
        assert_eq!(first.origin.line, 2);
        let text = std::str::from_utf8(TWEETS).unwrap();
        let slice = &text[first.origin.byte_start as usize..first.origin.byte_end as usize];
        assert!(slice.starts_with('{') && slice.ends_with('}') && slice.contains(&first.id));
    }

    #[test]
    fn links_are_expanded_and_entities_decoded() {
        let export = parse_ok(TWEETS);
        let link = by_id(&export, "1969432827393814528");
        assert_eq!(
            link.text,
            "Wrote up how we profile allocations in prod & what surprised us: https://maren.dev/blog/allocation-profiling"
        );
        let reply = by_id(&export, "1969691083273805824");
        assert!(
            reply
                .text
                .starts_with("@jonhoo Your stream on pinning finally made Pin<&mut Self> click")
        );
        let photo = by_id(&export, "1976932595269492736");
        assert_eq!(
            photo.text,
            "Saturday morning hike above Lake Annecy, no laptop. [photo]"
        );
        assert_eq!(photo.meta.get("media").map(String::as_str), Some("photo"));
    }

    #[test]
    fn replies_and_threads() {
        let export = parse_ok(TWEETS);
        let reply = by_id(&export, "1969691083273805824");
        assert_eq!(reply.reply_to.as_deref(), Some("1969418872265302017"));
        assert_eq!(
            reply.conversation, "1969418872265302017",
            "target outside the archive"
        );
        assert_eq!(
            reply.meta.get("mentions").map(String::as_str),
            Some("jonhoo")
        );
        assert_eq!(
            reply.meta.get("reply_to_user").map(String::as_str),
            Some("jonhoo")
        );

        let root = "1974177910618632192";
        let second = by_id(&export, "1974178804006195200");
        let third = by_id(&export, "1974179902914572288");
        assert_eq!(by_id(&export, root).conversation, root);
        assert_eq!(second.conversation, root);
        assert_eq!(third.conversation, root, "the thread root, two hops up");
        assert_eq!(third.reply_to.as_deref(), Some("1974178804006195200"));
    }

    #[test]
    fn retweets_are_marked() {
        let export = parse_ok(TWEETS);
        let rt = by_id(&export, "1974791814120157184");
        assert_eq!(rt.meta.get("retweet").map(String::as_str), Some("true"));
        assert_eq!(
            rt.meta.get("retweet_of").map(String::as_str),
            Some("rustlang")
        );
        assert!(
            rt.text
                .ends_with("https://blog.rust-lang.org/2025/09/18/Rust-1.90.0/")
        );
        assert_eq!(rt.author_is_self, Some(true));
        assert!(
            export
                .entries
                .iter()
                .filter(|e| e.meta.contains_key("retweet"))
                .count()
                == 1
        );
    }

    #[test]
    fn older_archives_without_the_wrapper() {
        let export = parse_ok(OLD);
        assert_eq!(export.entries.len(), 2);
        assert!(export.owner_names.is_empty());
        assert_eq!(export.entries[0].author, None);
        assert_eq!(
            export.entries[0].text,
            "First day at the new job. Nervous & excited! #newjob"
        );
        assert_eq!(
            export.entries[0].meta.get("hashtags").map(String::as_str),
            Some("newjob")
        );
        assert_eq!(export.entries[1].text, "Lunch > meetings");
        assert_eq!(export.entries[1].origin.line, 33);

        let bare = br#"[{"id": 42, "full_text": "plain", "created_at": "Sat Oct 03 18:21:07 +0000 2026"}];"#;
        let e = parse_ok(bare).entries;
        assert_eq!(
            (e[0].id.as_str(), e[0].timestamp_us),
            ("42", Some(1_791_051_667_000_000))
        );
        let part1 = "window.YTD.tweets.part1 = [ {\"tweet\": {\"id_str\": \"7\", \"full_text\": \"x &#x1F600; &bogus; &amp;lt;\"}} ]";
        assert_eq!(
            parse_ok(part1.as_bytes()).entries[0].text,
            "x 😀 &bogus; &lt;"
        );
    }

    #[test]
    fn malformed_inputs_name_line_and_field() {
        let (message, line, _) = parse_err(&TWEETS[..TWEETS.len() - 40]);
        assert!(message.contains("malformed JSON"), "{message}");
        assert!(line.is_some_and(|l| l > 400), "{line:?}");

        let (_, line, _) = parse_err(b"window.YTD.tweets.part0 =\n[\n {\"tweet\": {}},,\n]");
        assert_eq!(line, Some(3), "lines count from the top of the file");

        let bad = "window.YTD.tweets.part0 = [\n  {\"tweet\": {\"id_str\": \"1\", \"full_text\": \"ok\"}},\n  {\"tweet\": {\"id_str\": \"2\",\n     \"full_text\": 5}}\n]";
        let (message, line, field) = parse_err(bad.as_bytes());
        assert!(message.contains("expected a string"), "{message}");
        assert_eq!(field.as_deref(), Some("[1].tweet.full_text"));
        assert_eq!(line, Some(3));

        let bad_date =
            br#"[{"tweet": {"id_str": "1", "full_text": "x", "created_at": "2025-10-03"}}]"#;
        let (_, _, field) = parse_err(bad_date);
        assert_eq!(field.as_deref(), Some("[0].tweet.created_at"));

        let bad_tags = br#"[{"tweet": {"id_str": "1", "full_text": "x", "entities": {"hashtags": [{"text": 1}]}}}]"#;
        let (_, _, field) = parse_err(bad_tags);
        assert_eq!(
            field.as_deref(),
            Some("[0].tweet.entities.hashtags[0].text")
        );

        let (_, _, field) = parse_err(br#"[{"tweet": {"full_text": "no id"}}]"#);
        assert_eq!(field.as_deref(), Some("[0].tweet.id_str"));
        let (message, line, _) = parse_err(b"var x = 1");
        assert!(message.contains("window.YTD"), "{message}");
        assert_eq!(line, Some(1));
    }

    #[test]
    fn one_unreadable_tweet_is_skipped_with_a_warning() {
        let bad = "window.YTD.tweets.part0 = [\n  {\"tweet\": {\"id_str\": \"1\", \"full_text\": \"ok\"}},\n  {\"tweet\": {\"id_str\": \"2\",\n     \"full_text\": 5}}\n]";
        let export = parse_ok(bad.as_bytes());
        assert_eq!(export.entries.len(), 1);
        assert_eq!(export.entries[0].id, "1");
        let warning = export.warnings[0].to_string();
        assert!(
            warning.contains("line 3, field [1].tweet.full_text"),
            "{warning}"
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let inputs: &[&[u8]] = &[
            b"window.YTD.tweets.part0 =",
            b"window.YTD.tweets.part0 = ",
            b"window.=[",
            b"\xef\xbb\xbfwindow.YTD.tweets.part0 = []",
            b"[{\"id\": \"1\", \"in_reply_to_status_id_str\": \"1\", \"full_text\": \"loop\", \"in_reply_to_screen_name\": \"me\"}]",
            b"[{\"id\": \"1\", \"in_reply_to_status_id_str\": \"2\", \"full_text\": \"a\"}, {\"id\": \"2\", \"in_reply_to_status_id_str\": \"1\", \"full_text\": \"b\"}]",
            b"[{\"id\": \"1\", \"full_text\": \"&#xFFFFFFFF; &#0; &#; &\xc3\xa9; RT @\", \"entities\": {\"urls\": [{\"url\": \"\", \"expanded_url\": \"x\"}]}}]",
            b"[{\"id\": 1.5, \"full_text\": \"x\"}]",
            b"[{\"tweet\": 3}]",
            b"[\"\\ud800\"]",
        ];
        for input in inputs {
            let _ = parse(input, &ParseContext::default());
        }
        let cycle = parse_ok(inputs[5]);
        assert_eq!(cycle.entries.len(), 2);
        assert_eq!(cycle.entries[0].conversation, cycle.entries[1].conversation);
        let limited = ParseContext {
            max_entries: 3,
            ..ParseContext::default()
        };
        assert!(matches!(
            parse(TWEETS, &limited),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn other_archive_files_are_claimed_and_account_names_the_owner() {
        let account = br#"window.YTD.account.part0 = [ {"account": {"username": "carol_diaz", "accountDisplayName": "Carol Diaz", "accountId": "1"}} ]"#;
        assert!(sniff("account.js", "window.YTD.account.part0 = ["));
        let export = parse(account, &ParseContext::default()).unwrap();
        assert!(export.entries.is_empty());
        assert_eq!(export.owner_names, ["Carol Diaz", "carol_diaz"]);
        let likes = parse(b"window.YTD.like.part0 = []", &ParseContext::default()).unwrap();
        assert_eq!(likes, Export::default());
    }
}
