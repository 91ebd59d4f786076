//! `twinlake episodes --user U [--source KIND]`: what the lake holds for a
//! user, one episode a line, in time order — who said what, when, where.

use std::process::ExitCode;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_core::record::{Episode, SourceKind};

/// Arguments of `twinlake episodes`.
#[derive(clap::Args)]
pub struct Args {
    /// Whose footprint.
    #[arg(long)]
    user: String,
    /// Only this source kind (telegram, whatsapp, calendar, ...).
    #[arg(long)]
    source: Option<String>,
    /// At most this many episodes.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

/// Runs `twinlake episodes`.
pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    if let Some(kind) = &args.source {
        anyhow::ensure!(
            SourceKind::parse(kind).is_some(),
            "unknown --source {kind:?} (one of: {})",
            SourceKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let backends = super::open_backends(config).await?;
    let episodes =
        twinlake_jobs::list_episodes::run(&backends, &scope, args.source.as_deref(), args.limit)
            .await?;
    for episode in &episodes {
        if args.json {
            println!("{}", serde_json::to_string(episode)?);
        } else {
            println!("{}", line(episode));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "2026-10-03 18:21  telegram  Harbor crew  Bob Stone: text" (text cut to fit).
fn line(e: &Episode) -> String {
    let when = chrono::DateTime::from_timestamp_micros(e.occurred_at_us)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let who = match (&e.author, e.is_self) {
        (Some(a), true) => format!("{a} (me): "),
        (Some(a), false) => format!("{a}: "),
        (None, _) => String::new(),
    };
    let text = e
        .text
        .as_deref()
        .or(e.title.as_deref())
        .unwrap_or(&e.source_uri);
    let text: String = text.replace('\n', " ").chars().take(100).collect();
    format!(
        "{when}  {:<9} {}  {who}{text}",
        e.source_kind.as_str(),
        e.title.as_deref().unwrap_or("-")
    )
}
