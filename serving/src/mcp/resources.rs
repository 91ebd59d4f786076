//! What an agent may read without calling a tool: a member's profile and
//! a proposal's status, each by a URI of its own, read fresh on every
//! read and served only to callers whose key reaches it.
//!
//! | URI | is |
//! |---|---|
//! | `twinlake://twin/{user}/profile` | the `profile` tool's reply |
//! | `twinlake://proposals/{proposal}/status` | `GET /proposals/{proposal}/status` |

use rmcp::model::{
    CacheScope, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use serde_json::Value;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;
use crate::twin::{profile, projects};

/// The scheme of every twinlake resource.
const SCHEME: &str = "twinlake://";
/// A member's profile.
const PROFILE: &str = "twinlake://twin/{user}/profile";
/// A proposal's status.
const STATUS: &str = "twinlake://proposals/{proposal}/status";
/// What a resource holds.
const JSON: &str = "application/json";

/// A resource a URI names.
#[derive(Debug, PartialEq)]
enum Named<'a> {
    Profile { user: &'a str },
    Status { proposal: &'a str },
}

/// What `uri` names, or a 400 naming the URI.
fn parse(uri: &str) -> Result<Named<'_>, ServingError> {
    let unknown = || {
        ServingError::BadRequest(format!(
            "uri: {uri:?} names no resource (try {PROFILE} or {STATUS})"
        ))
    };
    let path = uri.strip_prefix(SCHEME).ok_or_else(unknown)?;
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["twin", user, "profile"] if !user.is_empty() => Ok(Named::Profile { user }),
        ["proposals", proposal, "status"] if !proposal.is_empty() => Ok(Named::Status { proposal }),
        _ => Err(unknown()),
    }
}

/// The templates every caller may fill.
pub fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(PROFILE, "profile")
            .with_title("A member's profile")
            .with_description(
                "What the member's twin knows about them now, by kind, with citations.",
            )
            .with_mime_type(JSON),
        ResourceTemplate::new(STATUS, "proposal status")
            .with_title("A proposal's status")
            .with_description(
                "Each member's recommendation and choice on the proposal, the decision, and \
                 how well the twins' picks matched their members' choices.",
            )
            .with_mime_type(JSON),
    ])
}

/// The resources the caller has of its own: a member key's own profile.
/// An admin key reaches every member, named by the templates instead.
pub fn listed(caller: &Caller) -> ListResourcesResult {
    let own = match caller {
        Caller::Key(key) => key.member().map(|user| {
            Resource::new(PROFILE.replace("{user}", user.as_str()), "my profile")
                .with_description("What your twin knows about you now, with citations.")
                .with_mime_type(JSON)
        }),
        Caller::Open(_) => None,
    };
    let mut listed = ListResourcesResult::with_all_items(own.into_iter().collect());
    // Another key's client must never be served this list from a cache.
    listed.cache_scope = Some(CacheScope::Private);
    listed
}

/// Reads `uri` as `caller`.
pub async fn read(
    state: &AppState,
    caller: &Caller,
    uri: &str,
) -> Result<ReadResourceResult, ServingError> {
    let value: Value = match parse(uri)? {
        Named::Profile { user } => {
            let scope = caller.scope(user)?;
            serde_json::to_value(profile::profile(&state.backends, &scope).await?)
        }
        Named::Status { proposal } => serde_json::to_value(
            projects::proposal_status(&state.backends, caller, proposal).await?,
        ),
    }
    .map_err(|e| ServingError::Internal(format!("a resource did not serialise: {e}")))?;
    let contents = ResourceContents::text(value.to_string(), uri).with_mime_type(JSON);
    let mut read = ReadResourceResult::new(vec![contents]);
    read.cache_scope = Some(CacheScope::Private);
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_a_profile_or_a_status_and_nothing_else() {
        assert_eq!(
            parse("twinlake://twin/alice/profile").unwrap(),
            Named::Profile { user: "alice" }
        );
        assert_eq!(
            parse("twinlake://proposals/p-1/status").unwrap(),
            Named::Status { proposal: "p-1" }
        );
        for wrong in [
            "twinlake://twin//profile",
            "twinlake://twin/alice/memories",
            "twinlake://twin/alice/profile/extra",
            "http://twin/alice/profile",
            "",
        ] {
            let error = parse(wrong).unwrap_err();
            assert!(matches!(error, ServingError::BadRequest(_)), "{wrong}");
            assert!(error.to_string().contains("uri:"), "{error}");
        }
    }
}
