//! The API's handlers, one file per area; [`crate::api::router`] mounts
//! them, and [`openapi`] describes them from their annotations.
//!
//! | route | body | returns |
//! |---|---|---|
//! | `GET /` | | the web console ([`console`]) |
//! | `GET /health` | | status and version |
//! | `GET /openapi.json` | | this API's OpenAPI document |
//! | `POST /twin/{user}/search` | `{"query", "k"?: 10, "explain"?: false}` | fused hits with scores and sources, the memories that best answer; with `explain`, BM25's and the vector index's own hits |
//! | `POST /twin/{user}/chat` | `{"message", "conversation_id"?}` | a grounded answer with citations, who answered (`answered_by`) and what it drew on (`used`) |
//! | `POST /twin/{user}/remember` | `{"fact", "conversation_id"?}` | the fact stored as the member's turn, learnt as chat is (202) |
//! | `GET /twin/{user}/chat/ws` | WebSocket frames | `token` frames as the reply is written, then `done` (the POST's reply) |
//! | `POST /twin/{user}/messages/{id}/feedback` | `{"rating": "helpful" \| "incorrect" \| "insightful" \| "off_voice", "comment"?}` | the feedback as kept (201) |
//! | `GET /twin/{user}/conversations?limit=N` | | the user's conversations, latest first |
//! | `POST /twin/{user}/conversations` | `{"title"?}` | a new conversation (201) |
//! | `PATCH /twin/{user}/conversations/{id}` | `{"title"?, "status"?: "open" \| "archived"}` | the conversation, changed (archiving summarises it) |
//! | `GET /twin/{user}/conversations/{id}?after=SEQ&limit=N` | | the conversation and a page of its turns, with `next_after` |
//! | `POST /twin/{user}/conversations/{id}/summary` | | the conversation, its summary extended now |
//! | `POST /twin/{user}/upload?filename=F[&format=..][&me=..]` | the file's bytes | the ingest report (422 when refused) |
//! | `GET /twin/{user}/profile` | | what the twin knows now, by kind, with citations |
//! | `GET /twin/{user}/memories?kind=K&as_of=T` | | memories valid at T (default now), of kind K |
//! | `GET /twin/{user}/memories/{id}/history` | | every version of one memory, oldest first |
//! | `GET /twin/{user}/graph?entity=NAME&depth=2&from=T&to=T` | | the entity's neighbours, with the facts that link them |
//! | `GET /metrics` | | the server's figures in Prometheus' text format (admin key) |
//! | `POST /projects` | `{"id", "title", "members", "context"?}` | the project (201) |
//! | `GET /projects/{project}` | | the project and its proposals |
//! | `POST /projects/{project}/proposals` | `{"id"?, "question", "kind", "options"?, "tasks"?, "window"?, "closes_at"?}` | the proposal with its id (201) |
//! | `GET /proposals/open?project=P` | | the project's open proposals |
//! | `GET /proposals/{proposal}/status` | | each member's recommendation and choice, the decision, alignment |
//! | `POST /recommendations/generate` | `{"user", "proposal"}` or `{"user", "project", "question", "kind", "options"}` | the twin's ranking with cited reasons |
//! | `POST /proposals/{proposal}/choice` | `{"user", "option"}` or `{"user", "options"}` | the choice, in the member's memory when it returns (201) |
//! | `POST /proposals/{proposal}/coordinate` | | the decision, per member what they get, concede and veto, and why |
//! | `POST /mcp` | MCP JSON-RPC | the same as tools ([`crate::mcp`]) |

pub mod chat;
pub mod console;
pub mod conversations;
pub mod feedback;
pub mod memories;
pub mod metrics;
pub mod openapi;
pub mod projects;
pub mod search;
