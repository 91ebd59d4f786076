//! The tools an agent calls, each one HTTP route in an MCP envelope: the
//! arguments are the route's path and body in one object (a JSON schema
//! an agent reads, described for a model), the reply is the route's JSON
//! body, an error is the route's error text as a tool error.
//!
//! | tool | route |
//! |---|---|
//! | `search` | `POST /twin/{user}/search` |
//! | `profile` | `GET /twin/{user}/profile` |
//! | `open_proposals` | `GET /proposals/open?project=P` |
//! | `recommend` | `POST /recommendations/generate` |
//! | `coordinate` | `POST /proposals/{proposal}/coordinate` |
//! | `choose` | `POST /proposals/{proposal}/choice` |
//! | `remember` | `POST /twin/{user}/remember` |

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::schemars::JsonSchema;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::{TwinTools, reply};
use crate::routes::search::{SearchRequest, default_k};
use crate::twin::{chat, profile, projects};

/// Arguments of `search`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// The member whose footprint to search, e.g. "alice".
    pub user: String,
    /// What to look for, in plain words ("food allergies", "where to travel in spring").
    pub query: String,
    /// How many passages, 1 to 100 (default 10).
    #[serde(default = "default_k")]
    pub k: usize,
}

/// Arguments naming one member.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct MemberArgs {
    /// The member, e.g. "alice".
    pub user: String,
}

/// Arguments naming one project.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct ProjectArgs {
    /// The project's id.
    pub project: String,
}

/// Arguments naming one proposal.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct ProposalArgs {
    /// The proposal's id (from `open_proposals`).
    pub proposal: String,
}

/// Arguments of `recommend`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct RecommendArgs {
    /// The member whose twin recommends, e.g. "alice".
    pub user: String,
    /// The proposal's id (from `open_proposals`).
    pub proposal: String,
}

/// Arguments of `choose`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct ChooseArgs {
    /// The member who chose, e.g. "alice".
    pub user: String,
    /// The proposal's id.
    pub proposal: String,
    /// The id of the option (or task, or day) the member chose; give this
    /// or `options`.
    #[serde(default)]
    pub option: Option<String>,
    /// The ids of the options chosen, for a proposal of kind "subset".
    #[serde(default)]
    pub options: Option<Vec<String>>,
}

/// Arguments of `remember`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
#[serde(deny_unknown_fields)]
pub struct RememberArgs {
    /// The member who said it, e.g. "alice".
    pub user: String,
    /// What the member said, in their own words and first person
    /// ("I can't eat shellfish", "I'm away the first week of May").
    pub fact: String,
    /// The conversation it was said in, to keep related facts together;
    /// a new conversation when absent.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

#[tool_router(vis = "pub(super)")]
impl TwinTools {
    /// `search`: `POST /twin/{user}/search`.
    #[tool(
        description = "Search one member's footprint (their documents, chats, exports, calendar) \
                       for passages about a topic, fused from full-text and meaning search. Each \
                       result cites its source (file, sender, time); `memories` holds what the \
                       twin concluded about the member that best answers, with citations. Use it \
                       to ground anything you say about the member.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let request = SearchRequest {
            query: args.query,
            k: args.k,
            explain: false,
        };
        reply(
            async {
                let scope = self.caller(&context)?.scope(&args.user)?;
                crate::routes::search::search(&self.state, &scope, &request).await
            }
            .await,
        )
    }

    /// `profile`: `GET /twin/{user}/profile`.
    #[tool(
        description = "What a member's twin knows about them now: preferences, dislikes, \
                       dealbreakers, skills, relationships, plans and facts, each with its \
                       confidence and the messages it comes from, and how they write. Read it \
                       before proposing anything to or for the member.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn profile(
        &self,
        Parameters(args): Parameters<MemberArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        reply(
            async {
                let scope = self.caller(&context)?.scope(&args.user)?;
                profile::profile(&self.state.backends, &scope).await
            }
            .await,
        )
    }

    /// `open_proposals`: `GET /proposals/open?project=P`.
    #[tool(
        description = "The proposals a project is still deciding, oldest first: each with its \
                       id, question, kind (choice, subset, schedule, assignment) and options, \
                       tasks or window of days.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn open_proposals(
        &self,
        Parameters(args): Parameters<ProjectArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        reply(
            async {
                let caller = self.caller(&context)?;
                let open =
                    projects::open_proposals(&self.state.backends, &caller, &args.project).await?;
                Ok(json!({ "project": args.project, "proposals": open }))
            }
            .await,
        )
    }

    /// `recommend`: `POST /recommendations/generate`.
    #[tool(
        description = "Ask one member's twin to rank a proposal's options for that member: each \
                       option with a score, whether it is vetoed (a dealbreaker, an allergy, a \
                       clash in their calendar), and the reasons, each citing the memory and \
                       message it rests on. The twin's pick is kept on the proposal.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn recommend(
        &self,
        Parameters(args): Parameters<RecommendArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        reply(
            async {
                let caller = self.caller(&context)?;
                let request = projects::GenerateRequest {
                    user: args.user,
                    proposal: Some(args.proposal),
                    ..Default::default()
                };
                projects::generate(&self.state.backends, &caller, request).await
            }
            .await,
        )
    }

    /// `coordinate`: `POST /proposals/{proposal}/coordinate`.
    #[tool(
        description = "Let every member's twin negotiate a proposal for its member and decide: \
                       the decision, and per member what they get, what they concede, what they \
                       vetoed and why. The decision is kept on the proposal; members still \
                       record their own choices with `choose`.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn coordinate(
        &self,
        Parameters(args): Parameters<ProposalArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        reply(
            async {
                let caller = self.caller(&context)?;
                projects::coordinate_proposal(&self.state.backends, &caller, &args.proposal).await
            }
            .await,
        )
    }

    /// `choose`: `POST /proposals/{proposal}/choice`.
    #[tool(
        description = "Record what a member actually chose on a proposal (give `option`, or \
                       `options` for a subset). It goes into the member's memory, so their twin \
                       learns from it, and counts toward how well the twins align with their \
                       members.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn choose(
        &self,
        Parameters(args): Parameters<ChooseArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        reply(
            async {
                let caller = self.caller(&context)?;
                let request = projects::ChoiceRequest {
                    user: args.user,
                    option: args.option,
                    options: args.options,
                };
                let kept = projects::choose(&self.state, &caller, &args.proposal, request).await?;
                Ok(json!({ "choice": kept }))
            }
            .await,
        )
    }

    /// `remember`: `POST /twin/{user}/remember`.
    #[tool(
        description = "Keep a fact a member just told you, in their own words and first person \
                       (\"I'm vegetarian now\"). It is stored as the member's chat message and \
                       learnt like one: within moments `search` and `profile` show it, and it \
                       may replace what it contradicts. Only for what the member said, never \
                       for your own guesses.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn remember(
        &self,
        Parameters(args): Parameters<RememberArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        reply(
            async {
                let scope = self.caller(&context)?.scope(&args.user)?;
                chat::remember(
                    &self.state,
                    &scope,
                    &args.fact,
                    args.conversation_id.as_deref(),
                )
                .await
            }
            .await,
        )
    }
}
