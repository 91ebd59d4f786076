//! The server against careless and hostile clients: stalled headers and
//! bodies, floods of idle connections, oversized queries and uploads, a
//! key over its rate, and a stop signal while serving. Each limit is set
//! small through the environment, as an operator would.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn connect(base: &str) -> TcpStream {
    TcpStream::connect(base.trim_start_matches("http://")).unwrap()
}

/// Reads until the server closes the connection or `limit` passes;
/// whether it closed, and what it sent.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (bool, String) {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let closed = match stream.read_to_end(&mut got) {
        Ok(_) => true,
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
    };
    (closed, String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn stalled_headers_and_bodies_are_cut_off_and_idle_connections_cannot_starve_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve_with(
        dir.path(),
        &[
            ("TWINLAKE_SERVE_HEADER_TIMEOUT_SECS", "1"),
            ("TWINLAKE_SERVE_BODY_TIMEOUT_SECS", "1"),
            ("TWINLAKE_SERVE_MAX_CONNECTIONS", "8"),
            ("TWINLAKE_SERVE_SHUTDOWN_GRACE_SECS", "2"),
        ],
    );
    let base = server.base.clone();

    // Half a request line, then nothing: closed after the header timeout.
    let mut slow = connect(&base);
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: 127")
        .unwrap();
    let (closed, _) = read_until_closed(&mut slow, Duration::from_secs(20));
    assert!(closed, "a stalled header kept its connection");

    // An upload that promises 100 kB and sends 10 bytes: 408, as JSON.
    let mut stalled = connect(&base);
    let host = base.trim_start_matches("http://");
    write!(
        stalled,
        "POST /twin/alice/upload?filename=a.txt HTTP/1.1\r\nHost: {host}\r\n\
         authorization: {}\r\ncontent-length: 100000\r\n\r\n0123456789",
        server.admin
    )
    .unwrap();
    let (_, reply) = read_until_closed(&mut stalled, Duration::from_secs(20));
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("body_timeout_secs"), "{reply}");

    // Far more idle connections than the cap: each is closed after the
    // header timeout, so /health still answers.
    let idle: Vec<TcpStream> = (0..64).map(|_| connect(&base)).collect();
    let (status, body) = http(&base, "GET", "/health", None, &[]);
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    drop(idle);
    eprintln!(
        "hostile clients: server peak memory {:.0} MiB",
        server.peak_rss_mib()
    );

    // SIGTERM: the server stops within its grace period, cleanly.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait_exit(Duration::from_secs(20));
    assert!(
        status.is_some_and(|s| s.success()),
        "not stopped cleanly on SIGTERM: {status:?}"
    );
}

#[test]
fn oversized_queries_and_uploads_are_refused_and_a_key_over_its_rate_waits() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_with(
        dir.path(),
        &[
            ("TWINLAKE_SERVE_MAX_QUERY_CHARS", "500"),
            ("TWINLAKE_SERVE_REQUESTS_PER_MINUTE", "12"),
            ("TWINLAKE_INGEST_MAX_FILE_BYTES", "2000"),
        ],
    );
    let base = server.base.as_str();
    let auth = server.auth();

    // A 2 MB query is refused at once, not embedded window by window.
    let started = Instant::now();
    let huge = "why ".repeat(500_000);
    let (status, body) = http(
        base,
        "POST",
        "/twin/alice/search",
        Some(&json!({"query": huge})),
        &auth,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("max_query_chars"),
        "{body}"
    );
    // A long chat message is answered from its start and stored whole.
    let message = format!("What do I like? {}", "and more ".repeat(400));
    let (status, reply) = http(
        base,
        "POST",
        "/twin/alice/chat",
        Some(&json!({ "message": message })),
        &auth,
    );
    assert_eq!(status, 200, "{reply}");
    let id = reply["conversation_id"].as_str().unwrap();
    let (_, turns) = http(
        base,
        "GET",
        &format!("/twin/alice/conversations/{id}"),
        None,
        &auth,
    );
    assert_eq!(turns["turns"][0]["text"], message.trim());
    // An upload over ingest.max_file_bytes: 413, nothing stored.
    let (status, body) = http_bytes(
        base,
        "POST",
        "/twin/alice/upload?filename=big.txt",
        Some(("text/plain", "x".repeat(5000).as_bytes())),
        &auth,
    );
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("max_file_bytes"),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));

    // 12 a minute: the burst is spent by now (4 requests above), so a
    // flood soon gets 429 with Retry-After, and another key is unaffected.
    let mut refused = None;
    for n in 0..20 {
        let (status, body) = http(base, "GET", "/twin/alice/profile", None, &auth);
        if status == 429 {
            refused = Some((n, body));
            break;
        }
        assert_eq!(status, 200, "{body}");
    }
    let (n, body) = refused.expect("a flood was never refused");
    assert!(n <= 12, "refused only after {n} more requests");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("requests_per_minute"),
        "{body}"
    );
    let other = create_key(dir.path(), "default", &["--user", "alice"]);
    let (status, body) = http(
        base,
        "GET",
        "/twin/alice/profile",
        None,
        &[("authorization", &other)],
    );
    assert_eq!(status, 200, "{body}");
    eprintln!(
        "oversized input and floods: server peak memory {:.0} MiB",
        server.peak_rss_mib()
    );
}

#[test]
fn a_tenant_past_its_storage_quota_is_refused_uploads_and_other_tenants_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_with(
        dir.path(),
        &[("TWINLAKE_SERVE_TENANT_QUOTA_BYTES", "60000")],
    );
    let acme = create_key(dir.path(), "acme", &["--admin"]);
    let upload = |key: &str, n: usize| {
        let body = format!("Note {n}: today I planted {n} tulips by the fence.");
        http_bytes(
            &server.base,
            "POST",
            &format!("/twin/alice/upload?filename=note-{n}.txt"),
            Some(("text/plain", body.as_bytes())),
            &[("authorization", key)],
        )
    };
    let lake_bytes = || -> u64 {
        walk(&dir.path().join("lake"))
            .iter()
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum()
    };
    let mut refused = None;
    for n in 0..40 {
        let (status, body) = upload(&server.admin, n);
        if status == 413 {
            refused = Some((n, body));
            break;
        }
        assert_eq!(status, 200, "{body}");
    }
    let (n, body) = refused.expect("the quota was never reached");
    assert!(n >= 1, "the first upload was refused: {body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("tenant_quota_bytes") && error.contains("default"),
        "{body}"
    );
    // A refused upload writes nothing; another tenant still has room.
    let before = lake_bytes();
    assert_eq!(upload(&server.admin, 99).0, 413);
    assert_eq!(lake_bytes(), before);
    let (status, body) = upload(&acme, 0);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_client_that_goes_away_cancels_its_request_and_loses_nothing_it_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path());
    // Most of a megabyte of text: its ingest takes seconds.
    let text: String = (0..12_000)
        .map(|i| format!("Line {i}: the orchard by the river had {i} apple trees in spring.\n"))
        .collect();
    let host = server.base.trim_start_matches("http://").to_string();
    let mut stream = connect(&server.base);
    write!(
        stream,
        "POST /twin/alice/upload?filename=orchard.txt HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        server.admin,
        text.len()
    )
    .unwrap();
    stream.write_all(text.as_bytes()).unwrap();
    drop(stream);

    // The server notices, drops the request and logs it as 499...
    let started = Instant::now();
    while !server.log().contains("status=499") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no cancellation logged:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.log().contains(r#"route="/twin/{user}/upload""#),
        "{}",
        server.log()
    );
    // ...while the file it had sent is still stored: an upload's ingest
    // runs on its own once its bytes are in.
    let query = json!({"query": "orchard by the river apple trees", "k": 1});
    loop {
        let (status, body) = http(
            &server.base,
            "POST",
            "/twin/alice/search",
            Some(&query),
            &server.auth(),
        );
        assert_eq!(status, 200, "{body}");
        if body["results"][0]["source"]["uri"] == "orchard.txt" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the upload was lost: {body}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
