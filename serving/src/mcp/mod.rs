//! The twins as tools for an agent: a Model Context Protocol server over
//! the same functions the HTTP API calls.
//!
//! A planner agent that drafts a project's proposals reaches each
//! member's twin through MCP: it searches a footprint, reads a profile,
//! lists open proposals, asks a twin to recommend, coordinates, records a
//! member's choice, and remembers what a member says. Each tool is the
//! HTTP route of the same name in another envelope ([`tools`]): the same
//! function answers, so a tool's reply is the route's JSON body and a
//! tool's error carries the route's error text. A member's profile and a
//! proposal's status are also resources ([`resources`]).
//!
//! Two transports, one [`TwinTools`]:
//! - `twinlake mcp` speaks MCP on stdin and stdout for an agent on the
//!   same machine ([`stdio`]); its key is given once, when it starts.
//! - `twinlake serve` mounts streamable HTTP at `/mcp` ([`http`]), behind
//!   the API's own key check, rate limit and Host checks; every request
//!   carries its key, and each call acts as that request's caller.
//!
//! Either way the key decides what a call reaches, exactly as over HTTP:
//! a member key acts for its member, an admin key for any member of its
//! tenant.

pub mod http;
pub mod resources;
pub mod stdio;
pub mod tools;

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde::Serialize;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;

/// What the server tells an agent about itself when it connects.
const INSTRUCTIONS: &str = "twinlake holds a digital twin for each member of a project: \
what they like and dislike, their dealbreakers, skills, relationships and schedule, \
learnt from their own footprint. Use `search` and `profile` to learn about a member \
(every hit cites where it was said), `open_proposals` to see what a project is \
deciding, `recommend` to ask one member's twin, `coordinate` to let every twin \
negotiate a decision, `choose` to record what a member actually chose, and \
`remember` to keep a fact a member just told you. Member ids are lowercase \
(\"alice\"); an API key may reach only some members.";

/// The MCP server: the API's state and where each call's caller comes
/// from.
#[derive(Clone)]
pub struct TwinTools {
    state: Arc<AppState>,
    /// The caller of every call over stdio; `None` over HTTP, where each
    /// request carries its own.
    caller: Option<Caller>,
    tool_router: ToolRouter<Self>,
}

impl TwinTools {
    /// A server whose every call is `caller`'s (stdio).
    pub fn for_caller(state: Arc<AppState>, caller: Caller) -> Self {
        Self::new(state, Some(caller))
    }

    /// A server whose calls are each their HTTP request's caller, as the
    /// API's key check left it (`/mcp`).
    pub fn per_request(state: Arc<AppState>) -> Self {
        Self::new(state, None)
    }

    fn new(state: Arc<AppState>, caller: Option<Caller>) -> Self {
        TwinTools {
            state,
            caller,
            tool_router: Self::tool_router(),
        }
    }

    /// Who makes the call in `context`.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Caller, ServingError> {
        if let Some(caller) = &self.caller {
            return Ok(caller.clone());
        }
        context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>())
            .cloned()
            .ok_or_else(|| ServingError::Internal("an MCP call came without a caller".into()))
    }
}

/// The server's name and version, for the agent.
fn implementation() -> Implementation {
    Implementation::new("twinlake", env!("CARGO_PKG_VERSION"))
}

/// The tools' and resources' server, announced at connection.
fn server_config() -> ServerConfig {
    ServerConfig::new(
        ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .build(),
    )
    .with_server_info(implementation())
    .with_instructions(INSTRUCTIONS)
}

/// A tool's reply: the route's JSON body, as text for the model and as
/// structured content for a program; or the route's error, as a tool
/// error (the model reads it and can correct its call).
fn reply<T: Serialize>(answered: Result<T, ServingError>) -> CallToolResult {
    let value = answered.and_then(|value| {
        serde_json::to_value(value)
            .map_err(|e| ServingError::Internal(format!("a reply did not serialise: {e}")))
    });
    match value {
        Ok(value) => {
            let mut result = CallToolResult::success(vec![ContentBlock::text(value.to_string())]);
            result.structured_content = Some(value);
            result
        }
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(%error, "an MCP call failed");
            }
            CallToolResult::error(vec![ContentBlock::text(error.to_string())])
        }
    }
}

/// A resource read's error: what does not exist, or is not the caller's,
/// is named as such; failures of ours are internal errors.
fn protocol_error(error: ServingError) -> ErrorData {
    let status = error.status();
    let message = error.to_string();
    if status == axum::http::StatusCode::NOT_FOUND {
        ErrorData::resource_not_found(message, None)
    } else if status.is_client_error() {
        ErrorData::invalid_params(message, None)
    } else {
        tracing::error!(error = %message, "an MCP read failed");
        ErrorData::internal_error(message, None)
    }
}

#[rmcp::tool_handler(router = self.tool_router)]
impl rmcp::ServerHandler for TwinTools {
    fn get_info(&self) -> ServerConfig {
        server_config()
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let caller = self.caller(&context).map_err(protocol_error)?;
        Ok(resources::listed(&caller))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let caller = self.caller(&context).map_err(protocol_error)?;
        let read = resources::read(&self.state, &caller, &request.uri)
            .await
            .map_err(protocol_error)?;
        Ok(read.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_the_routes_body_as_text_and_structure() {
        let body = serde_json::json!({"results": [{"rank": 1}], "memories": []});
        let replied = reply(Ok(body.clone()));
        assert_eq!(replied.is_error, Some(false));
        assert_eq!(replied.structured_content, Some(body.clone()));
        let text = replied.content[0].as_text().expect("text").text.clone();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            body
        );
    }

    #[test]
    fn an_error_is_a_tool_error_with_the_routes_words() {
        let refused = ServingError::Forbidden("key k reaches only the twin of bob".into());
        let words = refused.to_string();
        let replied = reply::<serde_json::Value>(Err(refused));
        assert_eq!(replied.is_error, Some(true));
        assert_eq!(replied.structured_content, None);
        assert_eq!(replied.content[0].as_text().expect("text").text, words);
    }

    #[test]
    fn protocol_errors_name_missing_and_refused_apart_from_ours() {
        let missing = protocol_error(ServingError::NotFound("no proposal p".into()));
        assert_eq!(missing.code, ErrorData::resource_not_found("", None).code);
        assert_eq!(missing.message, "no proposal p");
        let refused = protocol_error(ServingError::Forbidden("not carol's".into()));
        assert_eq!(refused.code, ErrorData::invalid_params("", None).code);
        let ours = protocol_error(ServingError::Internal("disk".into()));
        assert_eq!(ours.code, ErrorData::internal_error("", None).code);
    }
}
