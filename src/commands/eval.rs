//! `twinlake eval ...`: the evaluation harnesses, one output style
//! ([`crate::eval::table`]).

use std::path::PathBuf;
use std::process::ExitCode;

use twinlake_core::config::Config;

use crate::eval::{alignment, locomo, memories, table};

/// The evaluations.
#[derive(clap::Subcommand)]
pub enum Eval {
    /// Evidence retrieval on a LoCoMo file: recall@1/5/10 and MRR per
    /// category for twinlake and a plain BM25 baseline, with latency.
    Locomo(LocomoArgs),
    /// Memory extraction on a labelled file: precision and recall per kind.
    Memories(MemoriesArgs),
    /// Recommendations against members' held-out choices: how often the
    /// twin's top pick is what its member chose, per kind and member.
    Alignment(AlignmentArgs),
}

/// Arguments of `twinlake eval alignment`.
#[derive(clap::Args)]
pub struct AlignmentArgs {
    /// The labelled file.
    #[arg(default_value = "data/eval/alignment-dev.json")]
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `twinlake eval memories`.
#[derive(clap::Args)]
pub struct MemoriesArgs {
    /// The labelled file.
    #[arg(default_value = "data/eval/memories-dev.json")]
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `twinlake eval locomo`.
#[derive(clap::Args)]
pub struct LocomoArgs {
    /// The LoCoMo JSON file (a list of samples).
    file: PathBuf,
    /// Write twinlake's ranked evidence ids here as JSON:
    /// {"<sample_id>#<question index>": ["D1:3", ...]}.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Turns kept per question in --out (1-100).
    #[arg(long, default_value_t = 50)]
    k: usize,
    /// Only this sample (repeatable).
    #[arg(long = "sample", value_name = "SAMPLE_ID")]
    samples: Vec<String>,
    /// Only the first N questions of each sample.
    #[arg(long)]
    max_questions: Option<usize>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Ask every question with a typo: its longest word loses its middle
    /// letter ("instrments"), for both systems.
    #[arg(long)]
    typos: bool,
}

/// Runs an evaluation.
pub async fn run(config: &Config, eval: Eval) -> anyhow::Result<ExitCode> {
    match eval {
        Eval::Locomo(args) => {
            let options = locomo::Options {
                file: args.file,
                k: args.k,
                samples: args.samples,
                max_questions: args.max_questions,
                typos: args.typos,
            };
            let (report, predictions) = locomo::run(config, &options).await?;
            if let Some(out) = &args.out {
                std::fs::write(out, serde_json::to_vec_pretty(&predictions)?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
            }
            table::emit(&report, &locomo::tables(&report), args.json)?;
        }
        Eval::Memories(args) => {
            let report = memories::run(&args.file)?;
            table::emit(&report, &memories::tables(&report), args.json)?;
        }
        Eval::Alignment(args) => {
            let report = alignment::run(config, &args.file).await?;
            table::emit(&report, &alignment::tables(&report), args.json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
