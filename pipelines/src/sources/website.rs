//! The website source: a person's site, fetched over HTTP.
//!
//! `twinlake ingest --user alice https://alice.example/` fetches the page
//! and follows its links breadth-first, staying on the same site (scheme,
//! host and port) and stopping at `ingest.website_max_pages` pages. Each
//! HTML page becomes one [`Input`] of format `website`: the person's own
//! words, parsed like any HTML page (navigation, footers and scripts
//! dropped, headings kept). Pages over the size limit, non-HTML links and
//! broken links are skipped; only a failure of the first page fails the
//! whole URL.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use url::Url;

use super::Input;
use crate::error::FileError;

/// Fetches up to `max_pages` pages of the site at `start`, each at most
/// `max_bytes` long.
pub async fn crawl(start: &str, max_pages: usize, max_bytes: u64) -> Result<Vec<Input>, FileError> {
    let start = Url::parse(start).map_err(|e| FileError::Fetch(format!("{start}: {e}")))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("twinlake/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FileError::Fetch(e.to_string()))?;
    let mut queue = VecDeque::from([start.clone()]);
    let mut seen = HashSet::from([start.to_string()]);
    let mut pages = Vec::new();
    while let Some(url) = queue.pop_front() {
        if pages.len() >= max_pages.max(1) {
            break;
        }
        let page = match fetch(&client, &url, max_bytes).await {
            Ok(page) => page,
            Err(e) if url == start => return Err(e),
            Err(e) => {
                tracing::info!(%url, error = %e, "page skipped");
                continue;
            }
        };
        let Some(page) = page else { continue };
        for link in links(&String::from_utf8_lossy(&page.bytes), &url) {
            if same_site(&link, &start) && looks_like_page(&link) && seen.insert(link.to_string()) {
                queue.push_back(link);
            }
        }
        pages.push(page);
    }
    if pages.is_empty() {
        return Err(FileError::Fetch(format!("{start}: not an HTML page")));
    }
    Ok(pages)
}

/// Fetches one page; `None` when it is not HTML.
async fn fetch(
    client: &reqwest::Client,
    url: &Url,
    max_bytes: u64,
) -> Result<Option<Input>, FileError> {
    let fail = |e: String| FileError::Fetch(format!("{url}: {e}"));
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP {status}")));
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    if !content_type.is_empty() && !content_type.contains("html") {
        return Ok(None);
    }
    let modified_us = header(reqwest::header::LAST_MODIFIED)
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(&v).ok())
        .map_or_else(
            || chrono::Utc::now().timestamp_micros(),
            |t| t.timestamp_micros(),
        );
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > max_bytes {
            return Err(FileError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            });
        }
    }
    Ok(Some(Input {
        uri: url.to_string(),
        name: url.path().into(),
        bytes,
        modified_us,
        format: Some("website".into()),
    }))
}

/// The `href`s of a page's anchors, resolved against its URL, without fragments.
fn links(html: &str, base: &Url) -> Vec<Url> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("<a") {
        let tag_start = pos + i;
        let Some(len) = lower[tag_start..].find('>') else {
            break;
        };
        let tag = &html[tag_start..tag_start + len];
        pos = tag_start + len;
        if let Some(href) = attribute(tag, "href")
            && let Ok(mut url) = base.join(href)
        {
            url.set_fragment(None);
            out.push(url);
        }
    }
    out
}

/// The value of attribute `name` in a tag's source (quoted or bare).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value = rest[1..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or_default(),
            _ => value
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or_default(),
        });
    }
    None
}

fn same_site(url: &Url, start: &Url) -> bool {
    url.scheme() == start.scheme()
        && url.host_str() == start.host_str()
        && url.port_or_known_default() == start.port_or_known_default()
}

/// Links to pages rather than images, archives or feeds.
fn looks_like_page(url: &Url) -> bool {
    let last = url.path().rsplit('/').next().unwrap_or_default();
    match last.rsplit_once('.') {
        None => true,
        Some((_, ext)) => matches!(
            ext.to_ascii_lowercase().as_str(),
            "html" | "htm" | "xhtml" | "php"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_resolved_and_filtered_to_pages_of_the_site() {
        let base = Url::parse("http://127.0.0.1:9/blog/").unwrap();
        let html = r#"<nav><a class="x" href="/about.html#me">About</a>
            <A HREF='post-1'>Post</A> <a href=../cv.pdf>CV</a>
            <a data-href="nope">no</a><a href="https://elsewhere.example/">x</a></nav>"#;
        let found: Vec<String> = links(html, &base).iter().map(Url::to_string).collect();
        assert_eq!(
            found,
            [
                "http://127.0.0.1:9/about.html",
                "http://127.0.0.1:9/blog/post-1",
                "http://127.0.0.1:9/cv.pdf",
                "https://elsewhere.example/",
            ]
        );
        let pages: Vec<&String> = found
            .iter()
            .filter(|u| {
                let u = Url::parse(u).unwrap();
                same_site(&u, &base) && looks_like_page(&u)
            })
            .collect();
        assert_eq!(pages.len(), 2);
    }
}
