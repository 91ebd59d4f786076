//! Every footprint source through the real binary: the demo team's exports
//! in every format, who said what, re-ingest and overlapping exports, bad
//! exports, a website over HTTP and uploads over the API.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;

use common::*;
use serde_json::Value;

/// Every source kind the parsers produce.
const ALL_KINDS: &[&str] = &[
    "text", "markdown", "html", "website", "pdf", "telegram", "whatsapp", "discord", "chatgpt",
    "twitter", "calendar", "linkedin", "generic", "locomo",
];

fn kinds(summary: &Value) -> BTreeSet<String> {
    summary["by_source"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_demo_team_covers_every_format_and_a_reingest_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = BTreeSet::new();
    for user in ["alice", "bob", "carol"] {
        let (summary, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{user}: {summary}");
        assert_eq!(summary["errors"].as_array().unwrap().len(), 0, "{summary}");
        for (kind, s) in summary["by_source"].as_object().unwrap() {
            assert!(s["episodes"].as_u64().unwrap() > 0, "{user} {kind}: {s}");
        }
        seen.extend(kinds(&summary));

        let (again, code) = ingest(dir.path(), user, &[&demo(user)]);
        assert_eq!(code, 0, "{again}");
        assert_eq!(again["episodes"], 0, "{again}");
        assert_eq!(again["duplicates"], summary["files"], "{again}");
    }
    let expected: BTreeSet<String> = ALL_KINDS.iter().map(|k| k.to_string()).collect();
    assert_eq!(seen, expected, "formats missing from the demo");

    // Whose words: Alice's own Telegram messages are hers, Bob's are context,
    // and each carries a UTC time, a conversation and a way back to the file.
    let telegram = episodes(dir.path(), "alice", Some("telegram"));
    assert!(telegram.len() >= 10, "{}", telegram.len());
    let mine = telegram.iter().filter(|e| e["is_self"] == true).count();
    let others = telegram
        .iter()
        .filter(|e| {
            e["is_self"] == false && e["author"].as_str().is_some_and(|a| a.starts_with("Bob"))
        })
        .count();
    assert!(mine > 0 && others > 0, "mine {mine}, Bob's {others}");
    for e in &telegram {
        assert!(
            e["conversation_id"].is_string() && e["message_id"].is_string(),
            "{e}"
        );
        assert!(
            e["occurred_at_us"].as_i64().unwrap() > 1_750_000_000_000_000,
            "{e}"
        );
        assert!(e["line"].as_u64().unwrap() >= 1, "{e}");
        assert!(
            e["source_uri"].as_str().unwrap().ends_with("result.json"),
            "{e}"
        );
        let (start, end) = (
            e["byte_start"].as_u64().unwrap(),
            e["byte_end"].as_u64().unwrap(),
        );
        assert!(start < end, "{e}");
    }
    // The byte range of a message holds its text.
    let file =
        std::fs::read_to_string(demo_source(telegram[0]["source_uri"].as_str().unwrap())).unwrap();
    let plain = telegram
        .iter()
        .find(|e| e["meta"].get("service").is_none())
        .expect("a plain message");
    let span = &file[plain["byte_start"].as_u64().unwrap() as usize
        ..plain["byte_end"].as_u64().unwrap() as usize];
    let first_word = plain["text"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(
        span.contains(first_word.trim_matches(|c: char| !c.is_alphanumeric())),
        "{span}"
    );

    // Calendar occurrences are intervals; nothing of Bob's reaches Alice.
    let calendar = episodes(dir.path(), "bob", Some("calendar"));
    assert!(!calendar.is_empty());
    for e in &calendar {
        assert!(
            e["ends_at_us"].as_i64().unwrap() > e["occurred_at_us"].as_i64().unwrap(),
            "{e}"
        );
    }
    let alice_all = episodes(dir.path(), "alice", None);
    assert!(
        alice_all
            .iter()
            .all(|e| e["source_uri"].as_str().unwrap().starts_with("alice/"))
    );
    assert!(alice_all.iter().all(|e| e["source_kind"] != "calendar"));
}

fn whatsapp(lines: &[(&str, &str, &str)]) -> String {
    let mut text = String::from(
        "03/10/2026, 09:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n",
    );
    for (time, author, message) in lines {
        text.push_str(&format!("{time} - {author}: {message}\n"));
    }
    text
}

#[test]
fn a_newer_overlapping_export_adds_only_the_new_messages() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let older = [
        (
            "03/10/2026, 18:21",
            "Dana Reyes",
            "Are we still on for Saturday?",
        ),
        (
            "03/10/2026, 18:22",
            "Bob Stone",
            "Yes! I'll bring the grill.",
        ),
        (
            "03/10/2026, 18:25",
            "Dana Reyes",
            "Great, I'll make a salad.",
        ),
        (
            "04/10/2026, 08:02",
            "Bob Stone",
            "Reminder: no shellfish for me, I'm allergic.",
        ),
    ];
    let path = inbox.path().join("WhatsApp Chat with Dana Reyes.txt");
    std::fs::write(&path, whatsapp(&older)).unwrap();
    let (first, code) = ingest(dir.path(), "bob", &[&path]);
    assert_eq!(code, 0, "{first}");
    let first_count = first["episodes"].as_u64().unwrap();
    assert!(first_count >= 4, "{first}");

    // The newer export repeats everything and adds two messages.
    let mut newer = older.to_vec();
    newer.push(("05/10/2026, 12:00", "Dana Reyes", "Bought the charcoal."));
    newer.push(("05/10/2026, 12:01", "Bob Stone", "Perfect, see you at 6."));
    std::fs::write(&path, whatsapp(&newer)).unwrap();
    let (second, code) = ingest(dir.path(), "bob", &[&path]);
    assert_eq!(code, 0, "{second}");
    assert_eq!(second["episodes"], 2, "{second}");
    assert_eq!(
        second["skipped_entries"].as_u64().unwrap(),
        first_count,
        "{second}"
    );

    let all = episodes(dir.path(), "bob", Some("whatsapp"));
    assert_eq!(all.len() as u64, first_count + 2);
    let bobs: Vec<&Value> = all.iter().filter(|e| e["author"] == "Bob Stone").collect();
    assert_eq!(bobs.len(), 3);
    assert!(
        bobs.iter().all(|e| e["is_self"] == true),
        "bob is Bob Stone"
    );
    assert!(
        all.iter()
            .filter(|e| e["author"] == "Dana Reyes")
            .all(|e| e["is_self"] == false)
    );
    // Times are read as written (WhatsApp exports carry no zone): UTC.
    let grill = all
        .iter()
        .find(|e| e["text"].as_str().unwrap().contains("grill"))
        .unwrap();
    assert_eq!(grill["occurred_at_us"], 1_791_051_720_000_000i64);
}

#[test]
fn bad_exports_are_named_and_nothing_of_them_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = inbox.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    };
    // A good file first, so the lake has something to keep intact.
    write(
        "good/notes.md",
        b"# Notes\n\nI prefer window seats and I am allergic to kiwi.\n",
    );
    let (first, code) = ingest(dir.path(), "alice", &[&inbox.path().join("good")]);
    assert_eq!(code, 0, "{first}");
    let before = lake_files(dir.path());

    write(
        "bad/telegram/result.json",
        b"{\n \"name\": \"Bob\",\n \"type\": \"personal_chat\",\n \"id\": 1,\n \"messages\": [\n  {\"id\": 1, \"type\": \"message\",\n",
    );
    write(
        "bad/calendar.ics",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026-12-03\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    write(
        "bad/Basic_LinkedInDataExport.zip",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00truncated",
    );
    // Every line bad: malformed as a whole, so refused (one bad line among
    // good ones is only a warning: see the next test).
    write("bad/events.jsonl", b"\n{\"text\": 42}\n{\"txt\": \"x\"}\n");
    write("bad/more/notes2.md", b"# More\n\nI also like long walks.\n");
    let (summary, code) = ingest(dir.path(), "alice", &[&inbox.path().join("bad")]);
    assert_eq!(code, 1, "{summary}");
    let errors = summary["errors"].as_array().unwrap();
    let error_of = |name: &str| -> String {
        errors
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no error for {name}: {summary}"))["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(error_of("result.json").contains("line"), "{summary}");
    let ics = error_of("calendar.ics");
    assert!(ics.contains("line 5") && ics.contains("DTSTART"), "{ics}");
    assert!(error_of(".zip").to_lowercase().contains("zip"), "{summary}");
    let jsonl = error_of("events.jsonl");
    assert!(
        jsonl.contains("line 2") && jsonl.contains("text"),
        "{jsonl}"
    );
    assert_eq!(errors.len(), 4, "{summary}");
    assert_eq!(
        summary["episodes"], 1,
        "the good file still went in: {summary}"
    );

    // Nothing of the bad files was written, and what was there is unchanged.
    let after = lake_files(dir.path());
    for (path, bytes) in &before {
        let now = after.iter().find(|(p, _)| p == path).expect("kept");
        assert_eq!(&now.1, bytes, "{path} changed");
    }
    // One more file: one chunks, one episodes and one sources object.
    assert_eq!(after.len(), before.len() + 3, "{after:?}");
    assert!(
        episodes(dir.path(), "alice", None)
            .iter()
            .all(|e| e["source_kind"] == "markdown")
    );

    // A wrong forced format is a clear error too.
    let out = run(twinlake(dir.path())
        .args([
            "ingest", "--json", "--user", "alice", "--format", "telegram",
        ])
        .arg(inbox.path().join("good/notes.md")));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a duplicate is skipped before parsing: {summary}"
    );
    write("other.md", b"# Other\n\nSomething new.\n");
    let out = run(twinlake(dir.path())
        .args([
            "ingest", "--json", "--user", "alice", "--format", "telegram",
        ])
        .arg(inbox.path().join("other.md")));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{summary}");
    let error = summary["errors"][0]["error"].as_str().unwrap();
    assert!(error.contains("Telegram"), "{error}");
}

#[test]
fn a_bad_record_is_skipped_with_a_warning_and_strict_refuses_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let lenient = inbox.path().join("signal.jsonl");
    std::fs::write(
        &lenient,
        "{\"text\": \"I moved to Porto in May.\"}\n{\"text\": 42}\n{\"text\": \"Dinner on Friday?\"}\n",
    )
    .unwrap();
    let (summary, code) = ingest(dir.path(), "alice", &[&lenient]);
    assert_eq!(code, 3, "stored, with a warning: {summary}");
    assert_eq!(summary["episodes"], 2, "{summary}");
    assert_eq!(summary["errors"].as_array().unwrap().len(), 0, "{summary}");
    let warnings = summary["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{summary}");
    let warning = warnings[0]["warning"].as_str().unwrap();
    assert!(
        warning.contains("line 2, field text") && warning.contains("record skipped"),
        "{warning}"
    );
    assert!(
        warnings[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("signal.jsonl"),
        "{summary}"
    );
    let texts: Vec<String> = episodes(dir.path(), "alice", Some("generic"))
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");

    // --strict refuses the same kind of file whole, and writes nothing.
    let before = lake_files(dir.path());
    let strict = inbox.path().join("sms.jsonl");
    std::fs::write(
        &strict,
        "{\"text\": \"The kayak is booked.\"}\n{\"text\": \"ok\", \"timestamp\": \"2026-05-01T10:00:00\"}\n",
    )
    .unwrap();
    let (summary, code) = ingest_with(dir.path(), "alice", &["--strict"], &[&strict]);
    assert_eq!(code, 1, "{summary}");
    let error = summary["errors"][0]["error"].as_str().unwrap();
    assert!(error.contains("line 2, field timestamp"), "{error}");
    assert_eq!(
        lake_files(dir.path()),
        before,
        "a refused file writes nothing"
    );

    // Uploads: warnings in a 200 report, `strict=true` a 422.
    let server = serve(dir.path());
    let upload = |query: &str, body: &[u8]| {
        http_bytes(
            &server.base,
            "POST",
            &format!("/twin/bob/upload?filename=notes.jsonl{query}"),
            Some(("application/octet-stream", body)),
            &server.auth(),
        )
    };
    let body = b"{\"text\": \"Bob skis.\"}\n{\"text\": true}\n";
    let (status, report) = upload("&strict=true", body);
    assert_eq!(status, 422, "{report}");
    assert!(
        report["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("line 2, field text"),
        "{report}"
    );
    let (status, report) = upload("", body);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["episodes"], 1, "{report}");
    assert!(
        report["warnings"][0]["warning"]
            .as_str()
            .unwrap()
            .contains("line 2, field text"),
        "{report}"
    );
}

/// Serves `pages` (path, html) over HTTP/1.1 on 127.0.0.1 until the process ends.
fn site(pages: Vec<(&'static str, &'static str)>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let response = match pages.iter().find(|(p, _)| *p == path) {
                Some((_, html)) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string(),
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    base
}

#[test]
fn a_website_is_fetched_page_by_page_within_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let base = site(vec![
        (
            "/",
            "<html><head><title>Dana</title></head><body><nav><a href=\"/about\">About</a> <a href=\"/missing\">x</a> <a href=\"https://elsewhere.invalid/\">y</a></nav><h1>Hi, I'm Dana</h1><p>I build cargo bikes.</p><footer>(c) Dana</footer><script>var tracker = 1;</script></body></html>",
        ),
        (
            "/about",
            "<html><body><h1>About</h1><p>I am a vegetarian and I play the accordion.</p><a href=\"/\">home</a></body></html>",
        ),
    ]);
    let (summary, code) = ingest(dir.path(), "dana", &[Path::new(&format!("{base}/"))]);
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["by_source"]["website"]["episodes"], 2, "{summary}");
    let hits = search(dir.path(), "dana", "which instrument does she play", 1);
    assert!(
        hits[0]["text"].as_str().unwrap().contains("accordion"),
        "{hits:?}"
    );
    assert!(
        hits[0]["source"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/about"),
        "{hits:?}"
    );
    let texts: String = episodes(dir.path(), "dana", Some("website"))
        .iter()
        .map(|e| e["is_self"].to_string())
        .collect();
    assert_eq!(texts, "truetrue");
    let all = search(dir.path(), "dana", "tracker footer", 10);
    assert!(
        all.iter()
            .all(|h| !h["text"].as_str().unwrap().contains("tracker"))
    );

    // An unreachable site is one clear error.
    let (summary, code) = ingest(dir.path(), "dana", &[Path::new("http://127.0.0.1:9/")]);
    assert_eq!(code, 1, "{summary}");
    assert!(
        summary["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot fetch"),
        "{summary}"
    );
}

#[test]
fn uploads_are_ingested_scoped_and_refused_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path());
    let base = server.base.as_str();
    let acme = create_key(dir.path(), "acme", &["--admin"]);
    // The tenant is the key's: `Some("acme")` uses an acme key.
    let key_of = |tenant: Option<&str>| match tenant {
        Some("acme") => acme.clone(),
        None => server.admin.clone(),
        Some(other) => panic!("no key for tenant {other}"),
    };
    let chat = whatsapp(&[
        (
            "06/10/2026, 19:00",
            "Erin Park",
            "Do you still hate cilantro?",
        ),
        (
            "06/10/2026, 19:01",
            "Frank Ode",
            "I can't stand cilantro, it tastes like soap.",
        ),
    ]);
    let upload = |user: &str, name: &str, body: &[u8], tenant: Option<&str>| {
        let key = key_of(tenant);
        let headers = [("authorization", key.as_str())];
        let path = format!("/twin/{user}/upload?filename={}", name.replace(' ', "%20"));
        http_bytes(
            base,
            "POST",
            &path,
            Some(("application/octet-stream", body)),
            &headers,
        )
    };
    let (status, report) = upload(
        "frank",
        "WhatsApp Chat with Erin Park.txt",
        chat.as_bytes(),
        None,
    );
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["by_source"]["whatsapp"]["episodes"], 2, "{report}");
    let (status, again) = upload(
        "frank",
        "WhatsApp Chat with Erin Park.txt",
        chat.as_bytes(),
        None,
    );
    assert_eq!(
        (status, again["duplicates"].as_u64()),
        (200, Some(1)),
        "{again}"
    );

    let (status, bad) = upload(
        "frank",
        "result.json",
        b"{\"name\": \"x\", \"type\": \"personal_chat\", \"messages\": [",
        None,
    );
    assert_eq!(status, 422, "{bad}");
    let error = bad["errors"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("result.json")
            || bad["errors"][0]["path"]
                .as_str()
                .unwrap()
                .ends_with("result.json"),
        "{bad}"
    );
    // Nothing of the refused file stays in the lake; the stored one does.
    let kept = walk(&dir.path().join("lake").join("raw"));
    let named = |name: &str| {
        kept.iter()
            .any(|p| p.file_name().is_some_and(|n| n == name))
    };
    assert!(
        !named("result.json"),
        "the refused upload was kept: {kept:?}"
    );
    assert!(named("WhatsApp Chat with Erin Park.txt"), "{kept:?}");
    let (status, body) = upload("frank", "../", b"x", None);
    assert_eq!(status, 400, "{body}");

    // Frank's upload is his alone: not Erin's, not another tenant's Frank's.
    let search_as = |user: &str, tenant: Option<&str>| {
        let key = key_of(tenant);
        let headers = [("authorization", key.as_str())];
        let body = serde_json::json!({"query": "cilantro soap", "k": 5});
        http(
            base,
            "POST",
            &format!("/twin/{user}/search"),
            Some(&body),
            &headers,
        )
    };
    let (_, mine) = search_as("frank", None);
    assert!(
        mine["results"][0]["text"]
            .as_str()
            .unwrap()
            .contains("cilantro"),
        "{mine}"
    );
    // Cited by the name it was uploaded as, not where the server keeps it.
    assert_eq!(
        mine["results"][0]["source"]["uri"], "WhatsApp Chat with Erin Park.txt",
        "{mine}"
    );
    let (_, erin) = search_as("erin", None);
    assert_eq!(erin["results"].as_array().unwrap().len(), 0, "{erin}");
    let (_, other) = search_as("frank", Some("acme"));
    assert_eq!(other["results"].as_array().unwrap().len(), 0, "{other}");
}
