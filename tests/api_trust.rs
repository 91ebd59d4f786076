//! Who may call the HTTP API, and what each caller reaches: API keys on
//! every route, browsers on other sites and other host names, errors as
//! JSON, and a randomised run of keys, users and tenants against every
//! route that finds nothing read or written outside a key's reach.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use serde_json::{Value, json};

/// One route of the API, for a user: method, path, JSON or raw body.
struct Route {
    method: &'static str,
    path: String,
    body: Option<Value>,
    upload: Option<Vec<u8>>,
}

/// Every twin route, for `user`.
fn routes(user: &str) -> Vec<Route> {
    let json_route = |method, path: String, body: Option<Value>| Route {
        method,
        path,
        body,
        upload: None,
    };
    vec![
        json_route(
            "POST",
            format!("/twin/{user}/search"),
            Some(json!({"query": "codeword", "k": 5})),
        ),
        json_route(
            "POST",
            format!("/twin/{user}/chat"),
            Some(json!({"message": "What is my codeword?"})),
        ),
        json_route("GET", format!("/twin/{user}/conversations/c1"), None),
        json_route("GET", format!("/twin/{user}/conversations"), None),
        json_route(
            "POST",
            format!("/twin/{user}/conversations"),
            Some(json!({"title": "plans"})),
        ),
        json_route(
            "PATCH",
            format!("/twin/{user}/conversations/c1"),
            Some(json!({"status": "archived"})),
        ),
        json_route("GET", format!("/twin/{user}/profile"), None),
        json_route("GET", format!("/twin/{user}/memories"), None),
        json_route("GET", format!("/twin/{user}/memories/m1/history"), None),
        json_route("GET", format!("/twin/{user}/graph?entity=Alice"), None),
        Route {
            method: "POST",
            path: format!("/twin/{user}/upload?filename=note.txt"),
            body: None,
            upload: Some(b"a note with the word codeword".to_vec()),
        },
    ]
}

fn call(base: &str, route: &Route, headers: &[(&str, &str)]) -> (u16, Value) {
    match &route.upload {
        Some(bytes) => http_bytes(
            base,
            route.method,
            &route.path,
            Some(("application/octet-stream", bytes)),
            headers,
        ),
        None => http(
            base,
            route.method,
            &route.path,
            route.body.as_ref(),
            headers,
        ),
    }
}

/// The codeword planted in `tenant`/`user`'s footprint.
fn codeword(tenant: &str, user: &str) -> String {
    format!("zq{tenant}{user}")
}

/// Every planted codeword (`zq...`) in a response.
fn codewords(body: &Value) -> BTreeSet<String> {
    let text = body.to_string();
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("zq") {
        let word: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        found.insert(word);
    }
    found
}

/// Plants a codeword note for each of `users` in `tenant`.
fn plant(data: &Path, tenant: &str, users: &[&str]) {
    for user in users {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("{user}-notes.txt"));
        std::fs::write(
            &file,
            format!(
                "My codeword is {}. Keep the codeword secret.\n",
                codeword(tenant, user)
            ),
        )
        .unwrap();
        let out = run(twinlake(data)
            .args(["--tenant", tenant, "ingest", "--json", "--user", user])
            .arg(&file));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The key id of a `Bearer tlk_<id>_<secret>` header.
fn key_id(header: &str) -> &str {
    &header.strip_prefix("Bearer tlk_").expect("a twinlake key")[..16]
}

/// A well-formed key no store has.
const UNKNOWN_KEY: &str =
    "Bearer tlk_0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn every_route_refuses_a_missing_bad_or_revoked_key_and_a_twin_out_of_reach() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path(), "default", &["alice"]);
    let server = serve(dir.path());
    let base = server.base.as_str();
    let bob = create_key(dir.path(), "default", &["--user", "bob"]);
    let revoked = create_key(dir.path(), "default", &["--admin"]);
    let id = key_id(&revoked);
    let out = run(twinlake(dir.path()).args(["keys", "revoke", id]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(twinlake(dir.path()).args(["keys", "revoke", id]));
    assert_eq!(out.status.code(), Some(1), "a second revoke is not silent");

    let basic = server.admin.replace("Bearer", "Basic");
    let (status, health) = http(base, "GET", "/health", None, &[]);
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));

    for route in routes("alice") {
        let what = format!("{} {}", route.method, route.path);
        for (headers, why) in [
            (vec![], "no key"),
            (vec![("authorization", UNKNOWN_KEY)], "an unknown key"),
            (vec![("authorization", "Bearer garbage")], "a malformed key"),
            (vec![("authorization", revoked.as_str())], "a revoked key"),
            (vec![("authorization", basic.as_str())], "another scheme"),
        ] {
            let (status, body) = call(base, &route, &headers);
            assert_eq!(status, 401, "{what} with {why}: {body}");
            assert!(body["error"].as_str().is_some(), "{what}: {body}");
            assert!(
                !codewords(&body).contains(&codeword("default", "alice")),
                "{what} with {why} leaked: {body}"
            );
        }
        let (status, body) = call(base, &route, &[("authorization", &bob)]);
        assert_eq!(status, 403, "{what} with bob's key: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("bob"),
            "{what}: {body}"
        );
        let (status, body) = call(base, &route, &server.auth());
        assert!(
            !matches!(status, 401 | 403) && status < 500,
            "{what} with the admin key: {status} {body}"
        );
    }
}

#[test]
fn browsers_on_other_sites_and_other_host_names_are_refused_and_errors_are_json() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path(), "default", &["alice"]);
    let server = serve(dir.path());
    let base = server.base.as_str();
    let key = server.admin.as_str();
    let search = json!({"query": "codeword", "k": 3});

    // DNS rebinding: a page on evil.example re-pointed at 127.0.0.1.
    let (status, body) = http(
        base,
        "POST",
        "/twin/alice/search",
        Some(&search),
        &[("authorization", key), ("host", "evil.example:8080")],
    );
    assert_eq!(status, 421, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("serve.hosts"),
        "{body}"
    );
    let (status, _) = http(base, "GET", "/health", None, &[("host", "localhost:1")]);
    assert_eq!(status, 200, "localhost is a name of this server");

    // A form on another site posting a text/plain upload.
    let (status, body) = http_bytes(
        base,
        "POST",
        "/twin/alice/upload?filename=evil.txt",
        Some(("text/plain", b"planted by evil.example zqevil")),
        &[("authorization", key), ("origin", "https://evil.example")],
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("allowed_origins"),
        "{body}"
    );
    let own = base.to_string();
    let (status, body) = http(
        base,
        "POST",
        "/twin/alice/search",
        Some(&search),
        &[("authorization", key), ("origin", &own)],
    );
    assert_eq!(status, 200, "the server's own origin: {body}");
    assert!(
        !codewords(&body).contains("zqevil"),
        "the refused upload was stored: {body}"
    );
    assert!(
        codewords(&body).contains(&codeword("default", "alice")),
        "{body}"
    );

    // axum's own rejections speak JSON too, with their status.
    for (method, path, body, status) in [
        ("GET", "/nowhere", None, 404),
        ("GET", "/twin/alice/search", None, 405),
        ("POST", "/twin/alice/search", Some(json!({"query": 3})), 422),
        ("GET", "/twin/alice/graph?depth=x", None, 400),
    ] {
        let (got, reply) = http(base, method, path, body.as_ref(), &[("authorization", key)]);
        assert_eq!(got, status, "{method} {path}: {reply}");
        assert!(
            reply["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{method} {path}: {reply}"
        );
    }
}

/// A small deterministic random source (xorshift), so a failing run can
/// be replayed from the seed it prints.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A key of the random run: its header and whose twins it reaches.
struct Caller {
    header: String,
    /// `(tenant, Some(user))` for a member key, `(tenant, None)` for an
    /// admin key; `None` for a key that must be refused.
    reach: Option<(&'static str, Option<&'static str>)>,
}

#[test]
fn random_keys_users_and_tenants_never_reach_outside_a_keys_reach() {
    const USERS: [&str; 3] = ["alice", "bob", "carol"];
    const REQUESTS: usize = 64;
    let seed = std::env::var("TWINLAKE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    plant(data, "default", &["alice", "bob"]);
    plant(data, "acme", &["alice", "carol"]);
    let server = serve(data);
    let base = server.base.as_str();
    let key = |tenant, reach: &[&str]| create_key(data, tenant, reach);
    let revoked = key("acme", &["--admin"]);
    let out = run(twinlake(data).args(["keys", "revoke", key_id(&revoked)]));
    assert!(out.status.success());
    let callers = [
        Caller {
            header: server.admin.clone(),
            reach: Some(("default", None)),
        },
        Caller {
            header: key("default", &["--user", "alice"]),
            reach: Some(("default", Some("alice"))),
        },
        Caller {
            header: key("default", &["--user", "bob"]),
            reach: Some(("default", Some("bob"))),
        },
        Caller {
            header: key("acme", &["--admin"]),
            reach: Some(("acme", None)),
        },
        Caller {
            header: key("acme", &["--user", "alice"]),
            reach: Some(("acme", Some("alice"))),
        },
        Caller {
            header: revoked,
            reach: None,
        },
        Caller {
            header: UNKNOWN_KEY.into(),
            reach: None,
        },
        Caller {
            header: String::new(),
            reach: None,
        },
    ];
    // Who owns each codeword: planted ones, then accepted uploads.
    let mut owner: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (tenant, user) in [
        ("default", "alice"),
        ("default", "bob"),
        ("acme", "alice"),
        ("acme", "carol"),
    ] {
        owner.insert(codeword(tenant, user), (tenant.into(), user.into()));
    }
    let mut refused_uploads = BTreeSet::new();
    let mut random = Random(seed);
    for n in 0..REQUESTS {
        let caller = &callers[random.below(callers.len())];
        let user = USERS[random.below(USERS.len())];
        let mut all = routes(user);
        let mut route = all.swap_remove(random.below(all.len()));
        let upload_word = format!("zqup{n}");
        if let Some(bytes) = &mut route.upload {
            *bytes = format!("an uploaded note with codeword {upload_word}").into_bytes();
            route.path = format!("/twin/{user}/upload?filename=note{n}.txt");
        }
        let headers: Vec<(&str, &str)> = if caller.header.is_empty() {
            vec![]
        } else {
            vec![("authorization", caller.header.as_str())]
        };
        let (status, body) = call(base, &route, &headers);
        let what = format!(
            "seed {seed}, request {n}: {} {} as {:?}: {status} {body}",
            route.method, route.path, caller.reach
        );
        let tenant = match caller.reach {
            None => {
                assert_eq!(status, 401, "{what}");
                None
            }
            Some((_, Some(member))) if member != user => {
                assert_eq!(status, 403, "{what}");
                None
            }
            Some((tenant, _)) => {
                assert!(!matches!(status, 401 | 403) && status < 500, "{what}");
                Some(tenant)
            }
        };
        if route.upload.is_some() {
            match (tenant, status) {
                (Some(tenant), 200) => {
                    owner.insert(upload_word, (tenant.into(), user.into()));
                }
                _ => {
                    refused_uploads.insert(upload_word);
                }
            }
        }
        for word in codewords(&body) {
            let whose = owner.get(&word);
            assert!(
                whose.is_some_and(|(t, u)| Some(t.as_str()) == tenant && u == user),
                "{what}: {word} belongs to {whose:?}"
            );
        }
    }
    // Every accepted upload landed with its owner, and nowhere else;
    // every refused one nowhere.
    for tenant in ["default", "acme"] {
        let admin = key(tenant, &["--admin"]);
        for user in USERS {
            let (status, body) = http(
                base,
                "POST",
                &format!("/twin/{user}/search"),
                Some(&json!({"query": "an uploaded note with codeword", "k": 50})),
                &[("authorization", &admin)],
            );
            assert_eq!(status, 200, "{body}");
            let found = codewords(&body);
            for word in &found {
                assert_eq!(
                    owner.get(word),
                    Some(&(tenant.to_string(), user.to_string())),
                    "seed {seed}: {word} in {tenant}/{user}"
                );
            }
            for (word, (t, u)) in &owner {
                if word.starts_with("zqup") && t == tenant && u == user {
                    assert!(
                        found.contains(word),
                        "seed {seed}: {word} lost from {t}/{u}"
                    );
                }
            }
            assert!(
                found.is_disjoint(&refused_uploads),
                "seed {seed}: a refused upload was stored in {tenant}/{user}"
            );
        }
    }
}
