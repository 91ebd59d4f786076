//! The URL of a store on a server, read the same way for every server
//! store: its scheme, host and port, the name its path gives (a graph, a
//! database, a collection), and the form errors show, without a password.

use twinlake_core::backend::BackendError;

/// A server store's URL, checked.
pub(crate) struct ServerUrl {
    backend: &'static str,
    /// The URL as given.
    pub url: url::Url,
    /// Its host, never empty.
    pub host: String,
    /// Its port, or the store's default.
    pub port: u16,
}

impl ServerUrl {
    /// Reads `url`, whose scheme must be one of `schemes`.
    pub fn parse(
        backend: &'static str,
        url: &str,
        schemes: &[&str],
        default_port: u16,
    ) -> Result<Self, BackendError> {
        let bad = |message: String| BackendError::engine(backend, format!("{url}: {message}"));
        let parsed = url::Url::parse(url).map_err(|e| bad(format!("bad url: {e}")))?;
        if !schemes.contains(&parsed.scheme()) {
            let allowed: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
            return Err(bad(format!("the scheme must be {}", allowed.join(", "))));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host".into()))?
            .to_string();
        let port = parsed.port().unwrap_or(default_port);
        if parsed.fragment().is_some() {
            return Err(bad("a fragment means nothing here".into()));
        }
        Ok(ServerUrl {
            backend,
            url: parsed,
            host,
            port,
        })
    }

    /// An error naming the URL (without its password).
    pub fn bad(&self, message: impl std::fmt::Display) -> BackendError {
        BackendError::engine(self.backend, format!("{}: {message}", self.shown()))
    }

    /// Refuses query parameters, for stores that take none.
    pub fn no_query(&self) -> Result<(), BackendError> {
        match self.url.query() {
            Some(_) => Err(self.bad("a query means nothing here")),
            None => Ok(()),
        }
    }

    /// The name the path gives (`/team-a` is `team-a`), if any, checked to
    /// hold only ASCII letters, digits and `allowed`.
    pub fn name(&self, what: &str, allowed: &str) -> Result<Option<String>, BackendError> {
        match self.url.path().trim_start_matches('/') {
            "" => Ok(None),
            name if name.len() <= 128
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || allowed.contains(c)) =>
            {
                Ok(Some(name.to_string()))
            }
            name => Err(self.bad(format!(
                "{what} {name:?}: use letters, digits and any of {allowed:?}"
            ))),
        }
    }

    /// The URL to show: the password replaced and the query left out (it
    /// may hold a key).
    pub fn shown(&self) -> String {
        let mut shown = self.url.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        shown.set_query(None);
        shown.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked_and_shown_without_secrets() {
        let u = ServerUrl::parse("t", "neo4j://me:pw@h:1/db?k=v", &["neo4j"], 9).unwrap();
        assert_eq!((u.host.as_str(), u.port), ("h", 1));
        assert_eq!(u.name("database", "-").unwrap().as_deref(), Some("db"));
        assert_eq!(u.shown(), "neo4j://me:***@h:1/db");
        assert!(u.no_query().unwrap_err().to_string().contains("h:1/db"));
        let u = ServerUrl::parse("t", "neo4j://h", &["neo4j"], 9).unwrap();
        assert_eq!((u.port, u.name("x", "").unwrap()), (9, None));
        for bad in ["http://h", "neo4j:///db", "neo4j://h/#f", "not a url"] {
            assert!(ServerUrl::parse("t", bad, &["neo4j"], 9).is_err(), "{bad}");
        }
        let u = ServerUrl::parse("t", "neo4j://h/a%20b", &["neo4j"], 9).unwrap();
        assert!(u.name("database", "-").is_err());
    }
}
