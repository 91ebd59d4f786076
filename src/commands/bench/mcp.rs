//! `twinlake bench mcp`: each MCP tool's latency at `/mcp` beside the
//! HTTP route it wraps, on the same server, the same footprints and the
//! same kind of proposal (the team of `bench projects`).
//!
//! Every run calls each tool once over MCP (a JSON-RPC `tools/call`
//! POSTed to `/mcp`, stateless, answered as JSON) and its route once over
//! plain HTTP, in alternating order so neither side is always the warm
//! one. Recommend, coordinate and choose go to two twin proposals made
//! for the run, one per side, so both do the same work. `remember` only
//! stores the turn: learning it is the learner's, which this server does
//! not run.

use std::time::Instant;

use serde_json::{Value, json};
use twinlake_core::config::Config;

use super::projects::{MEMBERS, team};
use super::{InProcess, quantile};

/// Arguments of `twinlake bench mcp`.
#[derive(clap::Args)]
pub struct Args {
    /// Timed calls of each tool, and of each route.
    #[arg(long, default_value_t = 10)]
    runs: usize,
}

/// One tool and the route it wraps, for a run's `user` and proposal.
struct Call {
    tool: &'static str,
    arguments: Value,
    method: &'static str,
    path: String,
    body: Value,
}

/// The calls of one run: `user` asks, on proposal `proposal`.
fn calls(user: &str, proposal: &str, run: usize) -> Vec<Call> {
    let query = "what food do I like";
    let fact = format!("I booked a pottery class for week {run}.");
    vec![
        Call {
            tool: "search",
            arguments: json!({"user": user, "query": query, "k": 8}),
            method: "POST",
            path: format!("/twin/{user}/search"),
            body: json!({"query": query, "k": 8}),
        },
        Call {
            tool: "profile",
            arguments: json!({"user": user}),
            method: "GET",
            path: format!("/twin/{user}/profile"),
            body: Value::Null,
        },
        Call {
            tool: "open_proposals",
            arguments: json!({"project": "bench"}),
            method: "GET",
            path: "/proposals/open?project=bench".into(),
            body: Value::Null,
        },
        Call {
            tool: "recommend",
            arguments: json!({"user": user, "proposal": proposal}),
            method: "POST",
            path: "/recommendations/generate".into(),
            body: json!({"user": user, "proposal": proposal}),
        },
        Call {
            tool: "coordinate",
            arguments: json!({"proposal": proposal}),
            method: "POST",
            path: format!("/proposals/{proposal}/coordinate"),
            body: json!({}),
        },
        Call {
            tool: "choose",
            arguments: json!({"user": user, "proposal": proposal, "options": ["d1", "d4"]}),
            method: "POST",
            path: format!("/proposals/{proposal}/choice"),
            body: json!({"user": user, "options": ["d1", "d4"]}),
        },
        Call {
            tool: "remember",
            arguments: json!({"user": user, "fact": fact}),
            method: "POST",
            path: format!("/twin/{user}/remember"),
            body: json!({"fact": fact}),
        },
    ]
}

/// A `tools/call` over `/mcp`; an error unless the tool succeeded.
async fn call_tool(
    server: &InProcess,
    http: &reqwest::Client,
    id: usize,
    tool: &str,
    arguments: &Value,
) -> anyhow::Result<Value> {
    let reply = server
        .post_with(
            http,
            "/mcp",
            &json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                    "params": {"name": tool, "arguments": arguments}}),
            &[("accept", "application/json, text/event-stream")],
        )
        .await?;
    let result = &reply["result"];
    anyhow::ensure!(result["isError"] == json!(false), "tool {tool}: {reply}");
    Ok(result["structuredContent"].clone())
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let (server, options) = team(config, &http).await?;
    let tools = calls("alice", "", 0).len();
    let (mut over_mcp, mut over_http) = (vec![Vec::new(); tools], vec![Vec::new(); tools]);
    for run in 0..args.runs {
        let user = MEMBERS[run % MEMBERS.len()].0;
        for side in ["mcp", "http"] {
            server
                .post(
                    &http,
                    "/projects/bench/proposals",
                    &json!({"id": format!("{side}-{run}"), "question": "What do we grill?",
                            "kind": "subset", "options": options}),
                )
                .await?;
        }
        let mcp_calls = calls(user, &format!("mcp-{run}"), run);
        let http_calls = calls(user, &format!("http-{run}"), run);
        for (i, (mcp, plain)) in mcp_calls.iter().zip(&http_calls).enumerate() {
            let mcp_first = run % 2 == 0;
            for over in [mcp_first, !mcp_first] {
                let started = Instant::now();
                if over {
                    call_tool(&server, &http, run * tools + i, mcp.tool, &mcp.arguments).await?;
                    over_mcp[i].push(started.elapsed().as_secs_f64() * 1e3);
                } else {
                    match plain.method {
                        "GET" => server.get(&http, &plain.path).await?,
                        _ => server.post(&http, &plain.path, &plain.body).await?,
                    };
                    over_http[i].push(started.elapsed().as_secs_f64() * 1e3);
                }
            }
        }
    }
    server.stop().await?;
    println!(
        "bench mcp: {} members (demo footprints), a subset of 10 options, {} runs; ms",
        MEMBERS.len(),
        args.runs
    );
    println!(
        "  {:<16} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "tool", "mcp p50", "http p50", "mcp p95", "http p95", "mcp/http"
    );
    for (i, call) in calls("alice", "", 0).iter().enumerate() {
        over_mcp[i].sort_by(f64::total_cmp);
        over_http[i].sort_by(f64::total_cmp);
        let (mcp, plain) = (&over_mcp[i], &over_http[i]);
        println!(
            "  {:<16} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.2}x",
            call.tool,
            quantile(mcp, 0.5),
            quantile(plain, 0.5),
            quantile(mcp, 0.95),
            quantile(plain, 0.95),
            quantile(mcp, 0.5) / quantile(plain, 0.5)
        );
    }
    Ok(())
}
