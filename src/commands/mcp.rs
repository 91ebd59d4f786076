//! `twinlake mcp`: the twins as MCP tools on stdin and stdout, for an
//! agent on this machine that starts twinlake as a child process.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use twinlake_core::TenantId;
use twinlake_core::backend::api_keys;
use twinlake_core::config::Config;
use twinlake_serving::api::AppState;
use twinlake_serving::auth::Caller;
use twinlake_serving::mcp;
use twinlake_serving::twin::learn::{self, ChatLearner};

/// Arguments of `twinlake mcp`.
#[derive(clap::Args)]
pub struct Args {
    /// The API key every call acts with: a member key acts for its member,
    /// an admin key for any member of its tenant (`twinlake keys create`).
    /// Needed unless serve.auth = false.
    #[arg(long, env = "TWINLAKE_API_KEY", hide_env_values = true)]
    key: Option<String>,
}

/// Serves MCP on stdio until the agent closes stdin.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let backends = super::open_backends(config).await?;
    let caller = match (config.serve.auth, args.key) {
        (true, None) => anyhow::bail!(
            "give an API key with --key or TWINLAKE_API_KEY (`twinlake keys create` makes one)"
        ),
        (true, Some(token)) => {
            let key = api_keys::authenticate(&*backends.api_keys, token.trim())
                .await?
                .context("the API key is unknown, revoked or malformed")?;
            Caller::Key(key)
        }
        (false, _) => Caller::Open(TenantId::new(config.tenant.clone())?),
    };
    let state = Arc::new(AppState::new(backends));
    // What `remember` stores is learnt here, as `serve` learns chat.
    ChatLearner::start(&state);
    mcp::stdio::serve(state.clone(), caller).await?;
    // The agent has gone: what it asked to remember is learnt before the
    // process ends (a fact left unlearnt would wait for the next start).
    learn::learn_waiting(&state).await?;
    Ok(ExitCode::SUCCESS)
}
