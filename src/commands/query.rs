//! `twinlake search` and `twinlake ask`: the API's search and chat, without
//! a server. Same functions, same answers.

use std::process::ExitCode;

use twinlake_core::Scope;
use twinlake_core::config::Config;
use twinlake_serving::api::AppState;
use twinlake_serving::tokens::Tokens;
use twinlake_serving::twin::{chat, learn, memories, search};

/// Arguments of `twinlake search`.
#[derive(clap::Args)]
pub struct SearchArgs {
    /// Whose footprint to search.
    #[arg(long)]
    user: String,
    /// How many results.
    #[arg(long, short, default_value_t = 10)]
    k: usize,
    /// Print JSON, as the API returns it.
    #[arg(long)]
    json: bool,
    /// The query.
    query: String,
}

/// Arguments of `twinlake ask`.
#[derive(clap::Args)]
pub struct AskArgs {
    /// Whose twin to ask.
    #[arg(long)]
    user: String,
    /// Continue this conversation instead of starting one.
    #[arg(long)]
    conversation: Option<String>,
    /// Print JSON, as the API returns it.
    #[arg(long)]
    json: bool,
    /// The question.
    question: String,
}

/// Runs `twinlake search`.
pub async fn search(config: &Config, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    let backends = super::open_backends(config).await?;
    let hits = search::search(&backends, &scope, &args.query, args.k).await?;
    let remembered = memories::load(&backends, &scope).await?;
    let now = chrono::Utc::now().timestamp_micros();
    let found = memories::relevant(&remembered, &args.query, &hits, args.k, now);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "results": hits, "memories": found })
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    for m in found.iter().take(3) {
        println!(
            "  memory {:.2}  {}  ({})",
            m.score,
            m.sentence,
            m.kind.as_str()
        );
    }
    if hits.is_empty() {
        println!("no results");
    }
    for h in &hits {
        let page = h.source.page.map(|p| format!(" p.{p}")).unwrap_or_default();
        println!(
            "{:>2}. {:.4}  {}{} [{}..{}]",
            h.rank, h.score, h.source.uri, page, h.source.byte_start, h.source.byte_end
        );
        let preview: String = h.text.chars().take(160).collect();
        println!("    {}", preview.replace('\n', " "));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `twinlake ask`.
pub async fn ask(config: &Config, args: AskArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::parse(&config.tenant, &args.user)?;
    let state = AppState::new(super::open_backends(config).await?);
    let reply = chat::chat(
        &state,
        &scope,
        &args.question,
        args.conversation.as_deref(),
        &Tokens::none(),
    )
    .await?;
    // What was said is learnt before the command ends, as a server would.
    learn::learn_waiting(&state).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reply)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", reply.reply.answer.answer);
    for c in &reply.reply.answer.citations {
        let page = c.source.page.map(|p| format!(" p.{p}")).unwrap_or_default();
        println!(
            "  [{}] {}{} bytes {}..{}",
            c.n, c.source.uri, page, c.source.byte_start, c.source.byte_end
        );
    }
    println!("(conversation {})", reply.conversation_id);
    Ok(ExitCode::SUCCESS)
}
