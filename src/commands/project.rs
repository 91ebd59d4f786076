//! `twinlake project`: projects and their proposals from the command line,
//! one subcommand per route of the HTTP API, doing what the route does
//! ([`twinlake_serving::twin::projects`]) as the tenant's operator (the
//! configured `--tenant`), so it acts for any member.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use twinlake_core::TenantId;
use twinlake_core::config::Config;
use twinlake_serving::api::AppState;
use twinlake_serving::auth::Caller;
use twinlake_serving::twin::projects::{
    self, ChoiceRequest, GenerateRequest, NewProject, NewProposal,
};

/// `twinlake project ...`.
#[derive(clap::Subcommand)]
pub enum Project {
    /// Create a project (`POST /projects`).
    Create {
        /// Its id.
        #[arg(long)]
        id: String,
        /// What it is called.
        #[arg(long)]
        title: String,
        /// The members' user ids, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        members: Vec<String>,
        /// What the members share about it.
        #[arg(long, default_value = "")]
        context: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A project and its proposals (`GET /projects/{project}`).
    Show {
        /// The project's id.
        project: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a proposal (`POST /projects/{project}/proposals`), given as the
    /// route's JSON body in a file (`-` for standard input).
    Propose {
        /// The project's id.
        project: String,
        /// The proposal's JSON: {id?, question, kind, options?, tasks?, window?}.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A project's open proposals (`GET /proposals/open`).
    Open {
        /// The project's id.
        project: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Where a proposal stands (`GET /proposals/{proposal}/status`).
    Status {
        /// The proposal's id.
        proposal: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A member's twin's recommendation (`POST /recommendations/generate`).
    Recommend {
        /// The proposal's id.
        proposal: String,
        /// Whose twin.
        #[arg(long)]
        user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record a member's own choice (`POST /proposals/{proposal}/choice`).
    Choose {
        /// The proposal's id.
        proposal: String,
        /// Who chose.
        #[arg(long)]
        user: String,
        /// What they chose; repeat for a subset.
        #[arg(long = "option", required = true)]
        options: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decide for the group (`POST /proposals/{proposal}/coordinate`).
    Coordinate {
        /// The proposal's id.
        proposal: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A JSON value as a person reads it: strings without their quotes.
fn t(value: &serde_json::Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// Prints `value` as JSON, or as the lines `human` makes of it.
fn print(value: serde_json::Value, json: bool, human: impl FnOnce(&serde_json::Value) -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", human(&value));
    }
}

/// The lines of a twin's ranking: score, option, vetoed, first reason.
fn ranking_lines(ranking: &serde_json::Value) -> String {
    ranking
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let reason = r["reasons"][0]["text"].as_str().unwrap_or("nothing known");
            let mark = if r["vetoed"] == true { "vetoed" } else { "" };
            format!(
                "  {:>6.2}  {:<36} {:<6} {reason}",
                r["score"].as_f64().unwrap_or(0.0),
                r["label"].as_str().unwrap_or_default(),
                mark
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a `twinlake project` command.
pub async fn run(config: &Config, command: Project) -> anyhow::Result<ExitCode> {
    let state = AppState::new(super::open_backends(config).await?);
    let caller = Caller::Open(TenantId::new(config.tenant.clone())?);
    let backends = &state.backends;
    match command {
        Project::Create {
            id,
            title,
            members,
            context,
            json,
        } => {
            let request = NewProject {
                id,
                title,
                members,
                context,
            };
            let project = projects::create_project(backends, &caller, request).await?;
            print(json!(project), json, |p| {
                format!("created project {} ({})", t(&p["id"]), t(&p["members"]))
            });
        }
        Project::Show { project, json } => {
            let (project, proposals) = projects::show_project(backends, &caller, &project).await?;
            print(
                json!({"project": project, "proposals": proposals}),
                json,
                |v| {
                    let mut lines = vec![format!(
                        "{} ({}): {}",
                        t(&v["project"]["title"]),
                        t(&v["project"]["id"]),
                        t(&v["project"]["members"])
                    )];
                    for p in v["proposals"].as_array().into_iter().flatten() {
                        lines.push(format!(
                            "  {} [{} {}] {}",
                            t(&p["id"]),
                            t(&p["kind"]),
                            t(&p["status"]),
                            t(&p["question"])
                        ));
                    }
                    lines.join("\n")
                },
            );
        }
        Project::Propose {
            project,
            file,
            json,
        } => {
            let mut body = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut body)?;
            } else {
                body = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
            }
            let request: NewProposal = serde_json::from_str(&body)
                .with_context(|| format!("{}: not a proposal", file.display()))?;
            let proposal = projects::propose(backends, &caller, &project, request).await?;
            print(json!(proposal), json, |p| {
                // Drafted options show who likes them.
                let drafted = p["options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        let mut users: Vec<&str> = o["sources"]
                            .as_array()?
                            .iter()
                            .filter_map(|s| s["user"].as_str())
                            .collect();
                        users.dedup();
                        Some(format!(
                            "\n  {}: {} (liked by {})",
                            t(&o["id"]),
                            t(&o["label"]),
                            users.join(", ")
                        ))
                    });
                format!(
                    "proposed {} in {project}{}",
                    t(&p["id"]),
                    drafted.collect::<String>()
                )
            });
        }
        Project::Open { project, json } => {
            let open = projects::open_proposals(backends, &caller, &project).await?;
            print(json!(open), json, |v| {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| format!("{} [{}] {}", t(&p["id"]), t(&p["kind"]), t(&p["question"])))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Project::Status { proposal, json } => {
            let status = projects::proposal_status(backends, &caller, &proposal).await?;
            print(json!(status), json, |s| {
                let mut lines = vec![format!(
                    "{} [{}] decision {}; alignment {}",
                    t(&s["proposal"]["question"]),
                    t(&s["proposal"]["status"]),
                    t(&s["proposal"]["decision"]),
                    t(&s["alignment"])
                )];
                for m in s["members"].as_array().into_iter().flatten() {
                    lines.push(format!(
                        "  {}: twin's pick {}, chose {}",
                        t(&m["user"]),
                        t(&m["recommendation"]["top"]),
                        t(&m["choice"]["options"])
                    ));
                }
                lines.join("\n")
            });
        }
        Project::Recommend {
            proposal,
            user,
            json,
        } => {
            let request = GenerateRequest {
                user,
                proposal: Some(proposal),
                ..GenerateRequest::default()
            };
            let generated = projects::generate(backends, &caller, request).await?;
            print(json!(generated), json, |g| {
                format!(
                    "{}'s twin on {}:\n{}",
                    t(&g["user"]),
                    t(&g["proposal"]),
                    ranking_lines(&g["recommendations"])
                )
            });
        }
        Project::Choose {
            proposal,
            user,
            mut options,
            json,
        } => {
            let request = if options.len() == 1 {
                ChoiceRequest {
                    user,
                    option: options.pop(),
                    options: None,
                }
            } else {
                ChoiceRequest {
                    user,
                    option: None,
                    options: Some(options),
                }
            };
            let choice = projects::choose(&state, &caller, &proposal, request).await?;
            print(json!(choice), json, |c| {
                format!("{} chose {}", t(&c["user"]), t(&c["options"]))
            });
        }
        Project::Coordinate { proposal, json } => {
            let outcome = projects::coordinate_proposal(backends, &caller, &proposal).await?;
            print(json!(outcome), json, |o| {
                let mut lines = vec![
                    format!("decision: {}", t(&o["decision"])),
                    format!("{}", t(&o["rationale"])),
                ];
                for m in o["members"].as_array().into_iter().flatten() {
                    lines.push(format!(
                        "  {}: satisfaction {:.2}, gets {}, concedes {}, vetoes {}",
                        t(&m["user"]),
                        m["satisfaction"].as_f64().unwrap_or(0.0),
                        t(&m["gets"]),
                        m["concessions"].as_array().map_or(0, Vec::len),
                        m["vetoes"].as_array().map_or(0, Vec::len)
                    ));
                }
                lines.join("\n")
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
