//! `twinlake profile`, `twinlake memories` and `twinlake graph`: what a
//! twin remembers, as the API serves it.

use std::process::ExitCode;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_serving::twin::memories;
use twinlake_serving::twin::profile::{self, ProfileItem};

/// Arguments of `twinlake profile`.
#[derive(clap::Args)]
pub struct ProfileArgs {
    /// Whose profile.
    #[arg(long)]
    user: String,
    /// Print JSON, as the API returns it.
    #[arg(long)]
    json: bool,
}

/// Arguments of `twinlake memories`.
#[derive(clap::Args)]
pub struct MemoriesArgs {
    /// Whose memories.
    #[arg(long)]
    user: String,
    /// Only this kind: preference, dislike, dealbreaker, interest, skill,
    /// role, relationship, availability, biography, decision, style, summary.
    #[arg(long)]
    kind: Option<String>,
    /// Memories valid at this time (2026-10-01 or RFC 3339) [default: now].
    #[arg(long)]
    as_of: Option<String>,
    /// Show every version of this memory instead.
    #[arg(long, value_name = "MEMORY_ID")]
    history: Option<String>,
    /// Print JSON, as the API returns it.
    #[arg(long)]
    json: bool,
}

/// Arguments of `twinlake graph`.
#[derive(clap::Args)]
pub struct GraphArgs {
    /// Whose graph.
    #[arg(long)]
    user: String,
    /// Hops to walk (1-3).
    #[arg(long, default_value_t = 2)]
    depth: usize,
    /// The entity to start from, by name.
    entity: String,
}

/// Runs `twinlake profile`.
pub async fn profile(config: &Config, args: ProfileArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    let backends = super::open_backends(config).await?;
    let p = profile::profile(&backends, &scope).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} ({})",
        if p.name.is_empty() { &p.user } else { &p.name },
        p.user
    );
    let sections: [(&str, &[ProfileItem]); 10] = [
        ("biography", &p.biography),
        ("roles", &p.roles),
        ("skills", &p.skills),
        ("preferences", &p.preferences),
        ("dislikes", &p.dislikes),
        ("dealbreakers", &p.dealbreakers),
        ("interests", &p.interests),
        ("relationships", &p.relationships),
        ("availability", &p.availability),
        ("decisions", &p.decisions),
    ];
    for (title, items) in sections {
        if items.is_empty() {
            continue;
        }
        println!("\n{title}:");
        for item in items {
            let cite = item
                .citations
                .first()
                .map(|c| {
                    format!(
                        "{}{}",
                        c.uri,
                        c.line.map(|l| format!(":{l}")).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            println!(
                "  {:.2}  {}  [{} source{}: {}]",
                item.confidence,
                item.sentence,
                item.sources,
                if item.sources == 1 { "" } else { "s" },
                cite
            );
        }
    }
    if let Some(voice) = &p.voice {
        println!("\nvoice:\n  {}", voice.description);
    }
    if p.name.is_empty() {
        println!("\n(no memories yet: ingest some footprint first)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `twinlake memories`.
pub async fn memories(config: &Config, args: MemoriesArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    let backends = super::open_backends(config).await?;
    let all = memories::load(&backends, &scope).await?;
    let list = match &args.history {
        Some(id) => memories::history(&all, id)
            .ok_or_else(|| anyhow::anyhow!("no memory {id:?} for user {:?}", args.user))?,
        None => {
            let kind = args.kind.as_deref().map(memories::parse_kind).transpose()?;
            let at = match args.as_of.as_deref() {
                Some(t) => memories::parse_time(t)?,
                None => chrono::Utc::now().timestamp_micros(),
            };
            memories::as_of(&all, kind, at)
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    for m in &list {
        let until = m
            .invalid_at_us
            .map(memories::time)
            .unwrap_or_else(|| "now".into());
        println!(
            "{}  {:<12} {:.2}  {}  ({} to {})",
            m.memory_id,
            m.kind.as_str(),
            m.confidence,
            m.sentence,
            memories::time(m.valid_at_us),
            until
        );
    }
    if list.is_empty() {
        println!("no memories");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `twinlake graph`.
pub async fn graph(config: &Config, args: GraphArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    anyhow::ensure!((1..=3).contains(&args.depth), "--depth must be 1, 2 or 3");
    let backends = super::open_backends(config).await?;
    let graph = &backends.graph;
    let entity = graph
        .find(&scope, &args.entity)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no entity {:?} in {}'s graph", args.entity, args.user))?;
    println!("{} ({})", entity.name, entity.kind.as_str());
    for n in graph
        .neighbours(&scope, &entity.entity_id, args.depth, None)
        .await?
    {
        println!(
            "{}{} ({}) via {}: {}",
            "  ".repeat(n.depth),
            n.entity.name,
            n.entity.kind.as_str(),
            n.via.relation,
            n.via.text
        );
    }
    Ok(ExitCode::SUCCESS)
}
