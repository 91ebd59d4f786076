//! Who is calling, and which twin a request may touch.
//!
//! [`authenticate`] runs before every twin route: it checks the bearer
//! key against the relational store (401 without a valid one) and leaves
//! the [`Caller`] in the request. A browser cannot set headers on a
//! WebSocket, so the chat's socket route alone also takes the key as a
//! `key` query parameter (the access log never records queries). [`Twin`] is the extractor handlers use:
//! the scope of the `{user}` the path names, within the key's tenant, or
//! 403 when the key does not reach that twin. The tenant always comes
//! from the key; nothing the client sends chooses it.
//!
//! With `serve.auth = false` (allowed on a loopback address only, for one
//! person's laptop) every caller is the configured tenant's operator.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use twinlake_core::backend::ApiKey;
use twinlake_core::backend::api_keys;
use twinlake_core::{Scope, TenantId, UserId};

use crate::ServingError;
use crate::api::AppState;

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub enum Caller {
    /// A caller with a valid API key.
    Key(ApiKey),
    /// Authentication is off (`serve.auth = false`): the operator of the
    /// configured tenant.
    Open(TenantId),
}

impl Caller {
    /// The tenant every read and write of the request is confined to.
    pub fn tenant(&self) -> &TenantId {
        match self {
            Caller::Key(key) => &key.tenant,
            Caller::Open(tenant) => tenant,
        }
    }

    /// The key's public id, for the access log.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            Caller::Key(key) => Some(&key.key_id),
            Caller::Open(_) => None,
        }
    }

    /// The scope of `user`'s twin if the caller reaches it: 400 for a bad
    /// user id, 403 for a member key of someone else.
    pub fn scope(&self, user: &str) -> Result<Scope, ServingError> {
        let user = UserId::new(user)?;
        match self {
            Caller::Key(key) => key.scope_for(&user).ok_or_else(|| {
                ServingError::Forbidden(format!(
                    "key {} reaches only the twin of {}, not {user}'s",
                    key.key_id,
                    key.member().map(UserId::as_str).unwrap_or_default()
                ))
            }),
            Caller::Open(tenant) => Ok(Scope::new(tenant.clone(), user)),
        }
    }
}

/// Checks the request's bearer key and leaves its [`Caller`] in the
/// request (and in the response, for the access log).
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ServingError> {
    let config = &state.backends.config;
    let caller = if config.serve.auth {
        let token = match bearer(&request) {
            Ok(token) => token,
            Err(missing) => socket_key(&request).ok_or(missing)?,
        };
        let key = api_keys::authenticate(&*state.backends.api_keys, token)
            .await?
            .ok_or_else(|| {
                ServingError::Unauthorized("the API key is unknown, revoked or malformed".into())
            })?;
        Caller::Key(key)
    } else {
        Caller::Open(TenantId::new(config.tenant.clone())?)
    };
    request.extensions_mut().insert(caller.clone());
    let mut response = next.run(request).await;
    response.extensions_mut().insert(caller);
    Ok(response)
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(request: &Request) -> Result<&str, ServingError> {
    let missing = || {
        ServingError::Unauthorized(
            "send an API key as `Authorization: Bearer <key>` (`twinlake keys create` makes one)"
                .into(),
        )
    };
    let value = request
        .headers()
        .get(AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing());
    }
    Ok(token.trim())
}

/// The path suffix of the one route that takes its key in the query.
pub const SOCKET_ROUTE_SUFFIX: &str = "/chat/ws";

/// The `key` query parameter of a request to the chat's socket route.
fn socket_key(request: &Request) -> Option<&str> {
    if !request.uri().path().ends_with(SOCKET_ROUTE_SUFFIX) {
        return None;
    }
    request
        .uri()
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("key="))
        .filter(|key| !key.is_empty())
}

/// The scope of the twin a request's path names (`{user}`), checked
/// against the caller's key.
pub struct Twin(pub Scope);

impl FromRequestParts<Arc<AppState>> for Twin {
    type Rejection = ServingError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServingError> {
        let caller =
            parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
                ServingError::Internal("route served without authentication".into())
            })?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ServingError::BadRequest(e.body_text()))?;
        let user = params
            .get("user")
            .ok_or_else(|| ServingError::BadRequest("the path names no user".into()))?;
        Ok(Twin(caller.scope(user)?))
    }
}
