//! Identifiers. Tenants and users are validated names (they become path
//! segments in the lake and filter values in every index); record ids are
//! derived from content with BLAKE3 so that every write is idempotent.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::CoreError;

fn validate(kind: &'static str, value: &str) -> Result<(), CoreError> {
    let err = |reason| CoreError::InvalidId {
        kind,
        value: value.to_string(),
        reason,
    };
    if value.is_empty() {
        return Err(err("must not be empty"));
    }
    if value.len() > 64 {
        return Err(err("must be at most 64 bytes"));
    }
    if value.starts_with('.') {
        return Err(err("must not start with '.'"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(err("may hold only ASCII letters, digits, '_', '-' and '.'"));
    }
    Ok(())
}

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps a name.
            pub fn new(value: impl Into<String>) -> Result<Self, CoreError> {
                let value = value.into();
                validate($kind, &value)?;
                Ok(Self(value))
            }
            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(value: String) -> Result<Self, CoreError> {
                Self::new(value)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, CoreError> {
                Self::new(s)
            }
        }
    };
}

name_id!(
    /// A tenant: an organisation or deployment whose data is isolated from every other's.
    TenantId,
    "tenant"
);
name_id!(
    /// A user within a tenant: the person a twin represents.
    UserId,
    "user"
);

name_id!(
    /// A project of one tenant's members ([`crate::project`]).
    ProjectId,
    "project"
);
name_id!(
    /// A proposal of a project: a question its members decide.
    ProposalId,
    "proposal"
);

/// The tenant and user every read and write is scoped to. No store call
/// exists without one, so one user's data cannot reach another's results.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    /// The tenant.
    pub tenant: TenantId,
    /// The user within the tenant.
    pub user: UserId,
}

impl Scope {
    /// Builds a scope from validated ids.
    pub fn new(tenant: TenantId, user: UserId) -> Self {
        Self { tenant, user }
    }

    /// Builds a scope from raw names, validating both.
    pub fn parse(tenant: &str, user: &str) -> Result<Self, CoreError> {
        Ok(Self::new(TenantId::new(tenant)?, UserId::new(user)?))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tenant, self.user)
    }
}

/// `bytes` as lowercase hex: how ids and hashes are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A BLAKE3 digest, shown as 64 hex characters: the key of every record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    /// Hashes raw bytes.
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// Hashes several parts with unambiguous framing (length-prefixed), so
    /// ("ab","c") and ("a","bc") differ.
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let mut hasher = blake3::Hasher::new();
        for part in parts {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        Self(*hasher.finalize().as_bytes())
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The first 8 bytes as an integer: a stable numeric point id for
    /// indexes that need one (Qdrant). Collisions need 2^32 points per scope.
    pub fn as_u64(&self) -> u64 {
        u64::from_le_bytes(self.0[..8].try_into().expect("8 bytes"))
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", &self.to_hex()[..12])
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The id of an episode: its scope and the hash of its raw content. The same
/// file ingested twice by one user is one episode; by two users, two.
pub fn episode_id(scope: &Scope, content: &ContentHash) -> String {
    ContentHash::of_parts(&[
        scope.tenant.as_str().as_bytes(),
        scope.user.as_str().as_bytes(),
        &content.0,
    ])
    .to_hex()
}

/// The id of an entry's episode (a message, tweet, event occurrence): its
/// scope and where it lives in its source, not its bytes, so the same message
/// in an older and a newer export is one episode.
pub fn entry_episode_id(
    scope: &Scope,
    source_kind: &str,
    conversation: &str,
    entry: &str,
) -> String {
    ContentHash::of_parts(&[
        scope.tenant.as_str().as_bytes(),
        scope.user.as_str().as_bytes(),
        source_kind.as_bytes(),
        conversation.as_bytes(),
        entry.as_bytes(),
    ])
    .to_hex()
}

/// The id of a chunk: its episode and its ordinal within it.
pub fn chunk_id(episode_id: &str, ordinal: u32) -> String {
    ContentHash::of_parts(&[episode_id.as_bytes(), &ordinal.to_le_bytes()]).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_a_path_are_rejected() {
        for bad in ["", "..", "../x", "a/b", "a b", ".hidden", &"x".repeat(65)] {
            assert!(UserId::new(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(UserId::new("alice-1.b_c").unwrap().as_str(), "alice-1.b_c");
    }

    #[test]
    fn ids_depend_on_scope_and_content() {
        let a = Scope::parse("t", "alice").unwrap();
        let b = Scope::parse("t", "bob").unwrap();
        let h = ContentHash::of(b"same bytes");
        assert_eq!(episode_id(&a, &h), episode_id(&a, &h));
        assert_ne!(episode_id(&a, &h), episode_id(&b, &h));
        assert_ne!(chunk_id("e", 0), chunk_id("e", 1));
        let m =
            |scope, conversation, entry| entry_episode_id(scope, "telegram", conversation, entry);
        assert_eq!(m(&a, "42", "7"), m(&a, "42", "7"));
        assert_ne!(m(&a, "42", "7"), m(&b, "42", "7"));
        assert_ne!(m(&a, "42", "7"), m(&a, "4", "27"));
        assert_ne!(
            ContentHash::of_parts(&[b"ab", b"c"]),
            ContentHash::of_parts(&[b"a", b"bc"])
        );
        assert_eq!(ContentHash::of(b"x").to_hex().len(), 64);
    }
}
