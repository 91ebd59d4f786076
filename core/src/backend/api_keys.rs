//! API keys: who may call the serving API, and whose twins they reach.
//!
//! A key belongs to one tenant and is either a member key (one user of that
//! tenant) or an admin key (the tenant's operator, every twin of the
//! tenant, never another tenant's). The caller sends it as
//! `Authorization: Bearer tlk_<key id>_<secret>`:
//!
//! - the key id (16 hex characters) is public: logs, the access log and
//!   `twinlake keys revoke` name a key by it;
//! - the secret (32 random bytes from the kernel's CSPRNG, 64 hex
//!   characters) is shown once, when the key is created, and stored only
//!   as a keyed BLAKE3 hash. With 256 bits of entropy a slow password hash
//!   (argon2) buys nothing: the hash cannot be searched, and checking a key
//!   stays a microsecond, not a DoS lever.
//!
//! The relational store keeps the records ([`ApiKeys`]); [`authenticate`]
//! is the one place a presented key is checked.

use std::io::Read;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::BackendError;
use crate::ids::hex;
use crate::{CoreError, Scope, TenantId, UserId};

/// What a presented key starts with, so a leaked key is recognisable.
pub const KEY_PREFIX: &str = "tlk_";

/// The context of the keyed hash: a key hashed for another purpose, or by
/// another scheme, never matches.
const HASH_CONTEXT: &str = "twinlake 2026-12 api key secret";

/// Whose twins a key reaches within its tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// One member's twin.
    Member(UserId),
    /// Every twin of the tenant.
    Admin,
}

/// A stored key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The public id (16 hex characters).
    pub key_id: String,
    /// The tenant the key belongs to.
    pub tenant: TenantId,
    /// Whose twins it reaches.
    pub reach: Reach,
    /// When it was made, RFC 3339 UTC.
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl ApiKey {
    /// The scope of `user`'s twin if this key reaches it: [`None`] for a
    /// member key of someone else. The tenant is always the key's own.
    pub fn scope_for(&self, user: &UserId) -> Option<Scope> {
        match &self.reach {
            Reach::Member(member) if member != user => None,
            _ => Some(Scope::new(self.tenant.clone(), user.clone())),
        }
    }

    /// The member the key is confined to, if it is a member key: the
    /// stored `user` column, empty for an admin key.
    pub fn member(&self) -> Option<&UserId> {
        match &self.reach {
            Reach::Member(user) => Some(user),
            Reach::Admin => None,
        }
    }

    /// A key from its stored columns; `backend` names the store in errors.
    pub fn from_columns(
        backend: &'static str,
        key_id: String,
        tenant: String,
        user: Option<String>,
        created_at: String,
        revoked_at: Option<String>,
    ) -> Result<Self, BackendError> {
        let corrupt = |e: CoreError| BackendError::Corrupt {
            backend,
            location: format!("api_keys {key_id}"),
            message: e.to_string(),
        };
        let reach = match user {
            Some(user) => Reach::Member(UserId::new(user).map_err(corrupt)?),
            None => Reach::Admin,
        };
        Ok(ApiKey {
            tenant: TenantId::new(tenant).map_err(corrupt)?,
            key_id,
            reach,
            created_at,
            revoked_at,
        })
    }
}

/// A key just made: its record and the bearer token, shown only now.
#[derive(Clone, Debug)]
pub struct NewKey {
    /// The stored record.
    pub key: ApiKey,
    /// The secret's keyed hash, as the store keeps it.
    pub secret_hash: String,
    /// `tlk_<key id>_<secret>`: what the caller sends.
    pub token: String,
}

impl NewKey {
    /// A fresh key of `tenant` reaching `reach`, from the kernel's CSPRNG.
    pub fn generate(tenant: TenantId, reach: Reach) -> Result<Self, CoreError> {
        let mut random = [0u8; 40];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut random))
            .map_err(|e| CoreError::Random(e.to_string()))?;
        let key_id = hex(&random[..8]);
        let secret = hex(&random[8..]);
        Ok(NewKey {
            token: format!("{KEY_PREFIX}{key_id}_{secret}"),
            secret_hash: secret_hash(&secret),
            key: ApiKey {
                key_id,
                tenant,
                reach,
                created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                revoked_at: None,
            },
        })
    }
}

/// The stored form of a secret: its keyed BLAKE3 hash, hex.
pub fn secret_hash(secret: &str) -> String {
    keyed_hash(secret).to_hex().to_string()
}

fn keyed_hash(secret: &str) -> blake3::Hash {
    blake3::keyed_hash(&blake3::derive_key(HASH_CONTEXT, b""), secret.as_bytes())
}

/// Splits a bearer token into its key id and secret; [`None`] if it is
/// not shaped like a twinlake key.
pub fn parse_token(token: &str) -> Option<(&str, &str)> {
    let (key_id, secret) = token.strip_prefix(KEY_PREFIX)?.split_once('_')?;
    let is_hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (is_hex(key_id, 16) && is_hex(secret, 64)).then_some((key_id, secret))
}

/// The relational store's API keys.
#[async_trait]
pub trait ApiKeys: Send + Sync {
    /// Stores a new key; an id already stored is an error.
    async fn insert_key(&self, key: &ApiKey, secret_hash: &str) -> Result<(), BackendError>;
    /// The key with `key_id` and its secret's hash, revoked or not.
    async fn key(&self, key_id: &str) -> Result<Option<(ApiKey, String)>, BackendError>;
    /// Revokes a key; false if no active key has that id.
    async fn revoke_key(&self, key_id: &str) -> Result<bool, BackendError>;
    /// Every key of `tenant`, revoked ones included, oldest first.
    async fn keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, BackendError>;
}

/// The active key `token` presents, or [`None`]: unknown, revoked, a
/// wrong secret and a malformed token are all simply not a key, so a
/// caller learns nothing about which ids exist.
pub async fn authenticate(keys: &dyn ApiKeys, token: &str) -> Result<Option<ApiKey>, BackendError> {
    let Some((key_id, secret)) = parse_token(token) else {
        return Ok(None);
    };
    let Some((key, stored)) = keys.key(key_id).await? else {
        return Ok(None);
    };
    // blake3::Hash compares in constant time.
    let matches = blake3::Hash::from_hex(&stored).is_ok_and(|stored| stored == keyed_hash(secret));
    Ok((matches && key.revoked_at.is_none()).then_some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> TenantId {
        TenantId::new("acme").unwrap()
    }

    #[test]
    fn tokens_are_unique_parse_back_and_hash_to_what_is_stored() {
        let a = NewKey::generate(tenant(), Reach::Admin).unwrap();
        let b = NewKey::generate(tenant(), Reach::Admin).unwrap();
        assert_ne!(a.token, b.token);
        assert_ne!(a.key.key_id, b.key.key_id);
        let (id, secret) = parse_token(&a.token).unwrap();
        assert_eq!(id, a.key.key_id);
        assert_eq!(secret_hash(secret), a.secret_hash);
        assert!(!a.token.contains(&a.secret_hash));
        for bad in [
            "",
            "tlk_",
            "Bearer x",
            &a.token[..a.token.len() - 1],
            &a.token.replace("tlk_", "tlx_"),
            &format!("{}z", &a.token[..a.token.len() - 1]),
        ] {
            assert_eq!(parse_token(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_member_key_reaches_only_its_member_and_an_admin_key_its_tenant() {
        let carol = UserId::new("carol").unwrap();
        let dave = UserId::new("dave").unwrap();
        let member = NewKey::generate(tenant(), Reach::Member(carol.clone())).unwrap();
        assert_eq!(
            member.key.scope_for(&carol),
            Some(Scope::new(tenant(), carol.clone()))
        );
        assert_eq!(member.key.scope_for(&dave), None);
        let admin = NewKey::generate(tenant(), Reach::Admin).unwrap();
        assert_eq!(admin.key.scope_for(&dave).unwrap().tenant, tenant());
    }
}
