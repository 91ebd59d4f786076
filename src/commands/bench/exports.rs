//! Large generated exports in each real format, for `twinlake bench sources`.
//!
//! Each generator writes `n` entries (messages, tweets, events, profile
//! rows) of the synthetic corpus in the exact shape of the real export, so
//! the parsers do their real work: JSON trees, date parsing, CSV quoting,
//! zip inflation, recurrence expansion.

use std::io::Write;

use serde_json::{Value, json};

use super::corpus::{Rng, sentence};

/// A generated export: the file name it would have, and its bytes.
pub struct GeneratedExport {
    /// The format's `--format` name.
    pub format: &'static str,
    /// A realistic file name (detection and some parsers read it).
    pub file_name: &'static str,
    /// The file.
    pub bytes: Vec<u8>,
}

/// The first message's time, seconds since the epoch (2026-09-21 UTC).
const START: i64 = 1_790_000_000;
const NAMES: &[&str] = &["Alice Martin", "Bob Stone", "Carol Diaz"];

fn utc(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).expect("in range")
}

/// Every generator, each with `n` entries.
pub fn all(n: usize) -> Vec<GeneratedExport> {
    let mut rng = Rng::new(7);
    vec![
        telegram(&mut rng, n),
        whatsapp(&mut rng, n),
        discord(&mut rng, n),
        chatgpt(&mut rng, n),
        twitter(&mut rng, n),
        calendar(&mut rng, n),
        linkedin(&mut rng, n),
        jsonl(&mut rng, n),
        locomo(&mut rng, n),
    ]
}

fn pretty(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("json")
}

/// A Telegram Desktop single-chat export.
pub fn telegram(rng: &mut Rng, n: usize) -> GeneratedExport {
    let messages: Vec<Value> = (0..n)
        .map(|i| {
            let t = START + i as i64 * 60;
            let from = NAMES[i % 2];
            json!({
                "id": i + 1, "type": "message",
                "date": utc(t).format("%Y-%m-%dT%H:%M:%S").to_string(),
                "date_unixtime": t.to_string(),
                "from": from, "from_id": format!("user{}", 5_000_000_000u64 + (i % 2) as u64),
                "text": sentence(rng),
                "text_entities": [],
            })
        })
        .collect();
    GeneratedExport {
        format: "telegram",
        file_name: "result.json",
        bytes: pretty(
            &json!({"name": NAMES[1], "type": "personal_chat", "id": 5000000001u64, "messages": messages}),
        ),
    }
}

/// A WhatsApp (Android, 24-hour) chat export.
pub fn whatsapp(rng: &mut Rng, n: usize) -> GeneratedExport {
    let mut text = String::new();
    for i in 0..n {
        let t = utc(START + i as i64 * 60);
        text.push_str(&format!(
            "{} - {}: {}\n",
            t.format("%d/%m/%Y, %H:%M"),
            NAMES[i % 2],
            sentence(rng)
        ));
    }
    GeneratedExport {
        format: "whatsapp",
        file_name: "WhatsApp Chat with Bob Stone.txt",
        bytes: text.into_bytes(),
    }
}

/// A DiscordChatExporter channel export.
pub fn discord(rng: &mut Rng, n: usize) -> GeneratedExport {
    let messages: Vec<Value> = (0..n)
        .map(|i| {
            let t = utc(START + i as i64 * 60);
            json!({
                "id": (1_420_000_000_000_000_000u64 + i as u64).to_string(), "type": "Default",
                "timestamp": t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
                "timestampEdited": null, "callEndedTimestamp": null, "isPinned": false,
                "content": sentence(rng),
                "author": {"id": format!("{}", 100 + i % 3), "name": NAMES[i % 3].to_lowercase().replace(' ', ""), "discriminator": "0000", "nickname": NAMES[i % 3], "color": null, "isBot": false, "roles": [], "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png"},
                "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": [],
            })
        })
        .collect();
    GeneratedExport {
        format: "discord",
        file_name: "Harbor - general [1].json",
        bytes: pretty(&json!({
            "guild": {"id": "1", "name": "Harbor", "iconUrl": ""},
            "channel": {"id": "2", "type": "GuildTextChat", "categoryId": "3", "category": "Text", "name": "general", "topic": null},
            "dateRange": {"after": null, "before": null}, "exportedAt": "2026-11-20T21:14:03.512+00:00",
            "messages": messages, "messageCount": n,
        })),
    }
}

/// A ChatGPT `conversations.json` with conversations of 20 turns.
pub fn chatgpt(rng: &mut Rng, n: usize) -> GeneratedExport {
    let mut conversations = Vec::new();
    for c in 0..n.div_ceil(20) {
        let turns = 20.min(n - c * 20);
        let mut mapping = serde_json::Map::new();
        let root = format!("root-{c}");
        mapping.insert(
            root.clone(),
            json!({"id": root, "message": null, "parent": null, "children": [format!("{c}-0")]}),
        );
        for t in 0..turns {
            let id = format!("{c}-{t}");
            let parent = if t == 0 {
                root.clone()
            } else {
                format!("{c}-{}", t - 1)
            };
            let children: Vec<String> = (t + 1 < turns)
                .then(|| format!("{c}-{}", t + 1))
                .into_iter()
                .collect();
            let role = if t % 2 == 0 { "user" } else { "assistant" };
            mapping.insert(id.clone(), json!({
                "id": id, "parent": parent, "children": children,
                "message": {"id": id, "author": {"role": role, "name": null, "metadata": {}},
                    "create_time": (START + (c * 20 + t) as i64 * 60) as f64 + 0.25, "update_time": null,
                    "content": {"content_type": "text", "parts": [sentence(rng)]},
                    "status": "finished_successfully", "end_turn": true, "weight": 1.0, "metadata": {}, "recipient": "all"},
            }));
        }
        conversations.push(json!({
            "title": format!("Conversation {c}"), "create_time": START as f64, "update_time": START as f64,
            "mapping": mapping, "moderation_results": [], "current_node": format!("{c}-{}", turns - 1),
            "plugin_ids": null, "conversation_id": format!("conv-{c}"), "id": format!("conv-{c}"),
        }));
    }
    GeneratedExport {
        format: "chatgpt",
        file_name: "conversations.json",
        bytes: serde_json::to_vec(&conversations).expect("json"),
    }
}

/// A Twitter/X archive's `data/tweets.js`.
pub fn twitter(rng: &mut Rng, n: usize) -> GeneratedExport {
    let tweets: Vec<Value> = (0..n)
        .map(|i| {
            let text = format!("{} #harbor", sentence(rng));
            json!({"tweet": {
                "edit_info": {"initial": {"editTweetIds": [(1_840_000_000_000_000_000u64 + i as u64).to_string()], "editableUntil": "2026-10-03T19:21:07.000Z", "editsRemaining": "5", "isEditEligible": true}},
                "retweeted": false, "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
                "entities": {"hashtags": [{"text": "harbor", "indices": [(text.len() - 7).to_string(), text.len().to_string()]}], "symbols": [], "user_mentions": [], "urls": []},
                "display_text_range": ["0", text.len().to_string()], "favorite_count": "0",
                "id_str": (1_840_000_000_000_000_000u64 + i as u64).to_string(), "truncated": false, "retweet_count": "0",
                "id": (1_840_000_000_000_000_000u64 + i as u64).to_string(),
                "created_at": utc(START + i as i64 * 600).format("%a %b %d %H:%M:%S +0000 %Y").to_string(),
                "favorited": false, "full_text": text, "lang": "en",
            }})
        })
        .collect();
    let mut bytes = b"window.YTD.tweets.part0 = ".to_vec();
    bytes.extend(pretty(&Value::Array(tweets)));
    GeneratedExport {
        format: "twitter",
        file_name: "tweets.js",
        bytes,
    }
}

/// A Google Calendar export: one-off events, and a weekly event expanded
/// across the horizon for every 50.
pub fn calendar(rng: &mut Rng, n: usize) -> GeneratedExport {
    let mut ics = String::from(
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:bench@example.com\r\nX-WR-TIMEZONE:Europe/Berlin\r\n",
    );
    for i in 0..n {
        let start = utc(START + i as i64 * 3600);
        let end = utc(START + i as i64 * 3600 + 1800);
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Berlin:{}\r\nDTEND;TZID=Europe/Berlin:{}\r\nDTSTAMP:20261120T101500Z\r\nUID:bench-{i}@google.com\r\nCREATED:20260901T080000Z\r\nLAST-MODIFIED:20260901T080000Z\r\nSEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:{}\r\nLOCATION:Office\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n",
            start.format("%Y%m%dT%H%M%S"),
            end.format("%Y%m%dT%H%M%S"),
            sentence(rng).trim_end_matches('.').replace(',', "\\,"),
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    GeneratedExport {
        format: "calendar",
        file_name: "bench@example.com.ics",
        bytes: ics.into_bytes(),
    }
}

/// A LinkedIn export zip with `n` positions and skills in all.
pub fn linkedin(rng: &mut Rng, n: usize) -> GeneratedExport {
    let mut positions =
        String::from("Company Name,Title,Description,Location,Started On,Finished On\n");
    let mut skills = String::from("Name\n");
    for i in 0..n / 2 {
        positions.push_str(&format!(
            "Company {i},Engineer,\"{}\nand more.\",Berlin,Mar 20{:02},\n",
            sentence(rng),
            i % 26
        ));
        skills.push_str(&format!("Skill {i}\n"));
    }
    let profile = "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location,Twitter Handles,Websites,Instant Messengers\nBench,User,,,,Engineer,Builds things.,Software,,Berlin,,,\n";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [
        ("Profile.csv", profile),
        ("Positions.csv", &positions),
        ("Skills.csv", &skills),
    ] {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    GeneratedExport {
        format: "linkedin",
        file_name: "Basic_LinkedInDataExport_11-20-2026.zip",
        bytes: zip.finish().expect("zip").into_inner(),
    }
}

/// The generic JSONL format.
pub fn jsonl(rng: &mut Rng, n: usize) -> GeneratedExport {
    let mut out = Vec::new();
    for i in 0..n {
        let line = json!({
            "id": format!("m{i}"), "conversation": "bench", "author": NAMES[i % 3],
            "timestamp": utc(START + i as i64 * 60).to_rfc3339(), "source": "sms", "text": sentence(rng),
        });
        serde_json::to_writer(&mut out, &line).expect("json");
        out.push(b'\n');
    }
    GeneratedExport {
        format: "jsonl",
        file_name: "messages.jsonl",
        bytes: out,
    }
}

/// A LoCoMo-style conversation, 25 turns a session.
pub fn locomo(rng: &mut Rng, n: usize) -> GeneratedExport {
    let mut conversation = serde_json::Map::new();
    conversation.insert("speaker_a".into(), json!(NAMES[0]));
    conversation.insert("speaker_b".into(), json!(NAMES[1]));
    for s in 0..n.div_ceil(25) {
        let session = s + 1;
        let date = utc(START + s as i64 * 86_400)
            .format("%-I:%M %P on %-d %B, %Y")
            .to_string();
        conversation.insert(format!("session_{session}_date_time"), json!(date));
        let turns: Vec<Value> = (0..25.min(n - s * 25))
            .map(|t| json!({"speaker": NAMES[t % 2], "dia_id": format!("D{session}:{}", t + 1), "text": sentence(rng)}))
            .collect();
        conversation.insert(format!("session_{session}"), Value::Array(turns));
    }
    GeneratedExport {
        format: "locomo",
        file_name: "locomo-bench.json",
        bytes: pretty(&json!([{"sample_id": "bench", "conversation": conversation, "qa": []}])),
    }
}
