//! The web console in a real browser: Debian's headless Chromium, driven
//! over the DevTools protocol, signs in with a key, types a question, sees
//! the answer stream in with a citation that opens its passage, and
//! searches with BM25, dense and fused results side by side.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// How long the page may take to show a reply or results.
const WITHIN: Duration = Duration::from_secs(90);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Headless Chromium, killed when dropped.
struct Browser {
    child: Child,
    /// `http://127.0.0.1:<port>` of its DevTools endpoint.
    devtools: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Self {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium is not installed: `bash scripts/setup.sh` installs Debian's");
        // It says where DevTools listens on stderr.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let devtools = loop {
            let line = lines
                .next()
                .expect("chromium exited before DevTools listened")
                .unwrap();
            if let Some(url) = line.split("DevTools listening on ").nth(1) {
                let rest = url.trim().trim_start_matches("ws://");
                break format!("http://{}", rest.split('/').next().unwrap());
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Browser {
            child,
            devtools,
            _profile: profile,
        }
    }

    /// The DevTools socket of its first page.
    fn page(&self) -> String {
        devtools_json(&self.devtools, "/json/list")
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string()
    }
}

/// A JSON document of DevTools' HTTP endpoint. It keeps connections open
/// whatever the request says, so the body is read by its length.
fn devtools_json(base: &str, path: &str) -> Value {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // DevTools names its sockets after the Host header.
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "DevTools closed the connection");
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("a Content-Length");
            if received.len() >= end + 4 + length {
                return serde_json::from_slice(&received[end + 4..end + 4 + length]).unwrap();
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A DevTools session with one page.
struct Page {
    socket: Socket,
    next_id: u64,
}

impl Page {
    async fn open(url: &str) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Page { socket, next_id: 0 }
    }

    /// Calls `method`; its result (events in between are skipped).
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        loop {
            let Message::Text(text) = self.socket.next().await.unwrap().unwrap() else {
                continue;
            };
            let reply: Value = serde_json::from_str(&text).unwrap();
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// The value of `expression` in the page.
    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page.
    async fn until(&mut self, expression: &str) {
        let start = Instant::now();
        while self.eval(expression).await != json!(true) {
            assert!(start.elapsed() < WITHIN, "never true: {expression}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Focuses `selector` and types `text` as keystrokes would insert it.
    async fn type_into(&mut self, selector: &str, text: &str) {
        self.eval(&format!(
            "document.querySelector({selector:?}).focus(), true"
        ))
        .await;
        self.call("Input.insertText", json!({ "text": text })).await;
    }

    async fn click(&mut self, selector: &str) {
        self.eval(&format!(
            "document.querySelector({selector:?}).click(), true"
        ))
        .await;
    }
}

#[test]
fn the_console_chats_with_streamed_cited_answers_and_searches_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, code) = ingest(dir.path(), "alice", &[&demo("alice")]);
    assert_eq!(code, 0, "{summary}");
    let server = serve(dir.path());
    let key = server.admin.trim_start_matches("Bearer ").to_string();
    let browser = Browser::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut page = Page::open(&browser.page()).await;
        page.call("Page.enable", json!({})).await;
        page.call(
            "Page.navigate",
            json!({ "url": format!("{}/", server.base) }),
        )
        .await;
        page.until("document.readyState === 'complete' && !!document.getElementById('signin')")
            .await;

        // A wrong key is refused on the page.
        page.type_into("#key", "tlk_0000_nope").await;
        page.type_into("#user", "alice").await;
        page.click("#signin").await;
        page.until("document.getElementById('status').textContent.length > 0")
            .await;
        assert_eq!(
            page.eval("document.getElementById('tabs').hidden").await,
            true
        );

        page.eval("document.getElementById('key').value = '', true")
            .await;
        page.type_into("#key", &key).await;
        page.click("#signin").await;
        page.until("!document.getElementById('tabs').hidden").await;

        // A question, typed; the answer streams in, then shows its citations.
        page.type_into("#message", "Who is my sister?").await;
        page.click("#send").await;
        page.until("!!document.querySelector('.reply.done')").await;
        let shown = page
            .eval(
                "({ text: document.querySelector('.reply.done').innerText, \
                    tokens: window.tokensSeen, \
                    citations: document.querySelectorAll('.reply.done .citation').length })",
            )
            .await;
        assert!(shown["text"].as_str().unwrap().contains("Ana"), "{shown}");
        assert!(
            shown["tokens"].as_u64().unwrap() >= 3,
            "not streamed: {shown}"
        );
        assert!(shown["citations"].as_u64().unwrap() >= 1, "{shown}");
        page.click(".reply.done .citation").await;
        let passage = page
            .eval("document.getElementById('passage').textContent")
            .await;
        let passage = passage.as_str().unwrap();
        assert!(
            passage.contains("alice/"),
            "the citation opened {passage:?}"
        );
        assert!(passage.contains("Ana"), "the citation opened {passage:?}");

        // Search: each index's hits beside the fused ones.
        page.click("#tabs button[data-tab=search]").await;
        page.type_into("#query", "sister apple cake").await;
        page.eval("document.getElementById('find').requestSubmit(), true")
            .await;
        page.until(
            "['bm25', 'dense', 'fused'].every(id => \
               document.querySelectorAll('#' + id + ' .hit').length > 0)",
        )
        .await;
        let fused = page
            .eval("document.querySelector('#fused .hit').textContent")
            .await;
        assert!(
            fused.as_str().unwrap().to_lowercase().contains("cake"),
            "{fused}"
        );
    });
}
