//! `twinlake mcp`: the server on stdin and stdout, for an agent that
//! starts it as a child process. Stdout carries protocol messages only;
//! logs go to stderr.

use std::sync::Arc;

use rmcp::ServiceExt;

use super::TwinTools;
use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;

/// Serves MCP on stdio as `caller` until the agent closes stdin.
pub async fn serve(state: Arc<AppState>, caller: Caller) -> Result<(), ServingError> {
    let running = TwinTools::for_caller(state, caller)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| ServingError::Internal(format!("MCP on stdio did not start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| ServingError::Internal(format!("MCP on stdio stopped: {e}")))?;
    Ok(())
}
