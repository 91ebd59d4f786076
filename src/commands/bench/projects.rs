//! `twinlake bench projects`: how long a twin takes to recommend on a
//! proposal, and the group to coordinate it, on the demo team's real
//! footprint with a fourth member (Carol's footprint again, as `dana`).
//!
//! A proposal of 10 dishes for a barbecue menu (a subset) is asked of one
//! member's twin (`POST /recommendations/generate`: the member's memories,
//! episodes and calendar loaded, the 10 options and the memories embedded,
//! one search per option for the member's own words) and coordinated for
//! all 4 (`POST /proposals/{id}/coordinate`: the same for every member,
//! then the decision). A question asked without options has them drafted
//! from the 4 members' likes (`POST /projects/{p}/proposals` without
//! `options`: every member's memories and episodes loaded, the likes in
//! the question's area embedded with it). The baseline, in the same run,
//! is one search of a member's footprint, the unit a recommendation makes
//! 10 of.

use std::time::Instant;

use serde_json::json;
use twinlake_core::config::Config;

use super::{InProcess, ingest_demo_as, quantile};

/// Arguments of `twinlake bench projects`.
#[derive(clap::Args)]
pub struct Args {
    /// Timed requests of each kind.
    #[arg(long, default_value_t = 10)]
    runs: usize,
}

/// The members and the demo folder each one's footprint comes from.
pub(super) const MEMBERS: [(&str, &str); 4] = [
    ("alice", "alice"),
    ("bob", "bob"),
    ("carol", "carol"),
    ("dana", "carol"),
];

pub(super) const DISHES: [&str; 10] = [
    "Grilled prawns with garlic",
    "Beef burgers",
    "Satay skewers with peanut sauce",
    "Halloumi and vegetable skewers",
    "Sourdough bread",
    "Corn on the cob",
    "Spicy chili sausages",
    "Apple cake",
    "Potato salad with herbs",
    "Grilled salmon fillets",
];

/// The bench's team on a new server in this process: every member's
/// footprint, the project `bench` of them all, and the dishes as options.
pub(super) async fn team(
    config: &Config,
    http: &reqwest::Client,
) -> anyhow::Result<(InProcess, Vec<serde_json::Value>)> {
    let server = InProcess::start(config).await?;
    for (user, folder) in MEMBERS {
        ingest_demo_as(&server.state.backends, user, folder).await?;
    }
    let members: Vec<&str> = MEMBERS.iter().map(|(u, _)| *u).collect();
    server
        .post(
            http,
            "/projects",
            &json!({"id": "bench", "title": "Bench", "members": members}),
        )
        .await?;
    let options = DISHES
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"id": format!("d{i}"), "label": d}))
        .collect();
    Ok((server, options))
}

/// Runs the bench.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let (server, options) = team(config, &http).await?;
    let post = |path: String, body: serde_json::Value| {
        let (server, http) = (&server, &http);
        async move { server.post(http, &path, &body).await }
    };
    let members: Vec<&str> = MEMBERS.iter().map(|(u, _)| *u).collect();
    let (mut search_ms, mut recommend_ms, mut coordinate_ms, mut draft_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut decided = serde_json::Value::Null;
    for run in 0..args.runs {
        let id = format!("menu-{run}");
        post(
            "/projects/bench/proposals".into(),
            json!({"id": id, "question": "What do we grill?", "kind": "subset", "options": options}),
        )
        .await?;
        let user = members[run % members.len()];
        let started = Instant::now();
        post(
            format!("/twin/{user}/search"),
            json!({"query": DISHES[run % DISHES.len()], "k": 8}),
        )
        .await?;
        search_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        post(
            "/recommendations/generate".into(),
            json!({"user": user, "proposal": id}),
        )
        .await?;
        recommend_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let outcome = post(format!("/proposals/{id}/coordinate"), json!({})).await?;
        coordinate_ms.push(started.elapsed().as_secs_f64() * 1e3);
        decided = outcome["decision"].clone();
        let started = Instant::now();
        post(
            "/projects/bench/proposals".into(),
            json!({"id": format!("dinner-{run}"), "question": "What should we eat tonight?", "kind": "choice"}),
        )
        .await?;
        draft_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    server.stop().await?;

    for figures in [
        &mut search_ms,
        &mut recommend_ms,
        &mut coordinate_ms,
        &mut draft_ms,
    ] {
        figures.sort_by(f64::total_cmp);
    }
    println!(
        "bench projects: {} members (demo footprints), a subset of {} options, {} runs",
        MEMBERS.len(),
        DISHES.len(),
        args.runs
    );
    println!("  {:<40} {:>8} {:>8} {:>8}", "ms", "p50", "p95", "max");
    let row = |name: &str, f: &[f64]| {
        println!(
            "  {name:<40} {:>8.1} {:>8.1} {:>8.1}",
            quantile(f, 0.5),
            quantile(f, 0.95),
            f.last().copied().unwrap_or(f64::NAN)
        );
    };
    row("search (baseline: one query)", &search_ms);
    row("recommend (one member, 10 options)", &recommend_ms);
    row("coordinate (4 members, 10 options)", &coordinate_ms);
    row("draft options (4 members' likes)", &draft_ms);
    println!(
        "  ratio recommend / search, p50: {:.1}x; coordinate / recommend: {:.1}x",
        quantile(&recommend_ms, 0.5) / quantile(&search_ms, 0.5),
        quantile(&coordinate_ms, 0.5) / quantile(&recommend_ms, 0.5)
    );
    println!("  decision: {decided}");
    Ok(())
}
