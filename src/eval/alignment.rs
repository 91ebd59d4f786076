//! `twinlake eval alignment [FILE]`: how often a twin's top recommendation
//! is what its member would choose, on a labelled file
//! (`data/eval/alignment-dev.json`).
//!
//! The file names each member's footprint (folders ingested as theirs, in
//! a scratch data directory with the configured model), the proposals of
//! one project, and per proposal the members' held-out choices: for a
//! subset or an assignment, every option or task they would take. The
//! twin recommends as the API does ([`twinlake_serving::twin::projects`]);
//! its top pick (the best not vetoed) matches when it is among the
//! member's choices. A member without a label on a proposal is not scored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use twinlake_core::TenantId;
use twinlake_core::config::Config;
use twinlake_serving::auth::Caller;
use twinlake_serving::twin::projects::{self, GenerateRequest, NewProject, NewProposal};

use super::table::{Table, ratio};

/// The labelled file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dataset {
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    /// Member id to the folders of their footprint.
    footprints: BTreeMap<String, PathBuf>,
    proposals: Vec<Labelled>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labelled {
    proposal: NewProposal,
    /// Member id to what they would choose.
    choices: BTreeMap<String, Vec<String>>,
}

/// Alignment on one slice of the file.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Score {
    /// Members' choices compared.
    pub compared: usize,
    /// Of them, those the twin's top pick is among.
    pub matched: usize,
    /// `matched / compared`.
    pub rate: f64,
}

impl Score {
    fn add(&mut self, matched: bool) {
        self.compared += 1;
        self.matched += usize::from(matched);
        self.rate = self.matched as f64 / self.compared as f64;
    }
}

/// One compared choice.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Compared {
    /// The proposal.
    pub proposal: String,
    /// The member.
    pub user: String,
    /// The twin's top pick (none when it vetoed every option).
    pub top: Option<String>,
    /// What the member would choose.
    pub chose: Vec<String>,
}

/// The report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlignmentReport {
    /// Every choice compared.
    pub overall: Score,
    /// By proposal kind.
    pub kinds: BTreeMap<String, Score>,
    /// By member.
    pub members: BTreeMap<String, Score>,
    /// Milliseconds per recommendation, mean.
    pub millis_per_recommendation: f64,
    /// Each comparison.
    pub compared: Vec<Compared>,
}

/// A path of the file, as given or from the repository root.
fn resolve(path: &Path) -> PathBuf {
    if path.exists() {
        return path.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the evaluation.
pub async fn run(config: &Config, file: &Path) -> anyhow::Result<AlignmentReport> {
    let text = std::fs::read_to_string(resolve(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let data: Dataset =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let dir = tempfile::tempdir()?;
    let scratch = crate::commands::bench::scratch_config(config, &dir.path().join("data"));
    let backends = crate::commands::open_backends(&scratch).await?;
    let tenant = TenantId::new(scratch.tenant.clone())?;
    for (user, folder) in &data.footprints {
        crate::commands::bench::ingest_folder_as(&backends, user, &resolve(folder)).await?;
    }
    let caller = Caller::Open(tenant);
    let project = NewProject {
        id: "eval".into(),
        title: "Alignment".into(),
        members: data.footprints.keys().cloned().collect(),
        context: String::new(),
    };
    projects::create_project(&backends, &caller, project).await?;
    let mut report = AlignmentReport {
        overall: Score::default(),
        kinds: BTreeMap::new(),
        members: BTreeMap::new(),
        millis_per_recommendation: 0.0,
        compared: Vec::new(),
    };
    let mut spent = 0.0;
    for labelled in data.proposals {
        let kind = labelled.proposal.kind.clone();
        let proposal = projects::propose(&backends, &caller, "eval", labelled.proposal)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        for (user, chose) in labelled.choices {
            let started = Instant::now();
            let generated = projects::generate(
                &backends,
                &caller,
                GenerateRequest {
                    user: user.clone(),
                    proposal: Some(proposal.id.to_string()),
                    ..GenerateRequest::default()
                },
            )
            .await?;
            spent += started.elapsed().as_secs_f64() * 1e3;
            let top = generated
                .recommendations
                .iter()
                .find(|r| !r.vetoed)
                .map(|r| r.option.clone());
            let matched = top.as_ref().is_some_and(|t| chose.contains(t));
            report.overall.add(matched);
            report.kinds.entry(kind.clone()).or_default().add(matched);
            report.members.entry(user.clone()).or_default().add(matched);
            report.compared.push(Compared {
                proposal: proposal.id.to_string(),
                user,
                top,
                chose,
            });
        }
    }
    report.millis_per_recommendation = spent / report.overall.compared.max(1) as f64;
    drop(backends);
    Ok(report)
}

/// The report's tables.
pub fn tables(report: &AlignmentReport) -> Vec<Table> {
    let mut t = Table::new(
        format!(
            "alignment: the twin's top pick among the member's own choices ({:.0} ms per recommendation)",
            report.millis_per_recommendation
        ),
        &["slice", "compared", "matched", "rate"],
    );
    let row = |name: &str, s: &Score| {
        vec![
            name.to_string(),
            s.compared.to_string(),
            s.matched.to_string(),
            ratio(s.rate),
        ]
    };
    for (kind, s) in &report.kinds {
        t.row(row(kind, s));
    }
    for (user, s) in &report.members {
        t.row(row(user, s));
    }
    t.row(row("all", &report.overall));
    let mut each = Table::new(
        "each choice",
        &["proposal", "member", "twin's pick", "chose"],
    );
    for c in &report.compared {
        each.row(vec![
            c.proposal.clone(),
            c.user.clone(),
            c.top.clone().unwrap_or_else(|| "(all vetoed)".into()),
            c.chose.join(", "),
        ]);
    }
    vec![t, each]
}
