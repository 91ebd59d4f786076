//! `GET /openapi.json`: the API's OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations, so it lists exactly the
//! routes the router serves (a test compares the two).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{chat, conversations, feedback, metrics, projects, search};
use crate::routes::memories;
use crate::{api, upload};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "twinlake",
        description = "A digital twin's API: search, chat (JSON or a WebSocket of tokens), \
                       conversations, feedback, memories, the graph, uploads; projects, their \
                       proposals, recommendations, choices and coordination; the same as MCP tools at /mcp. Every route but \
                       /health, /openapi.json and the console takes an API key as \
                       `Authorization: Bearer <key>`."
    ),
    paths(
        api::health,
        search::search_handler,
        chat::chat_handler,
        chat::chat_socket_handler,
        chat::remember_handler,
        feedback::feedback_handler,
        conversations::conversations_handler,
        conversations::new_conversation_handler,
        conversations::change_conversation_handler,
        conversations::conversation_handler,
        conversations::summarise_handler,
        memories::profile_handler,
        memories::memories_handler,
        memories::history_handler,
        memories::graph_handler,
        upload::upload_handler,
        metrics::metrics_handler,
        projects::new_project_handler,
        projects::project_handler,
        projects::new_proposal_handler,
        projects::open_proposals_handler,
        projects::status_handler,
        projects::generate_handler,
        projects::choice_handler,
        projects::coordinate_handler,
        crate::mcp::http::described,
    ),
    modifiers(&ApiKeyAuth)
)]
pub struct ApiDoc;

/// Declares the `api_key` scheme the routes' `security` names.
struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tlk_<id>_<secret>")
                    .build(),
            ),
        );
    }
}

/// `GET /openapi.json`.
pub async fn openapi_handler() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
