//! Catching up: the one ingest orchestration. The pipeline runs over the
//! bus until it is caught up, then the memories of every user who got new
//! episodes are distilled, so what a user uploaded is in their profile
//! when the run returns. `twinlake ingest`, uploads and `pipeline run
//! --follow` all run this.

use std::collections::BTreeSet;

use twinlake_core::Scope;
use twinlake_core::backend::{Producer, Source};
use twinlake_pipelines::ingest::{IngestObserver, IngestReport, Ingestor};
use twinlake_stores::Backends;

use crate::JobError;
use crate::distill_memories::{self, DistillReport};

/// What one catch-up did.
#[derive(Debug, Default)]
pub struct CatchUp {
    /// The pipeline's report.
    pub ingest: IngestReport,
    /// Each distilled user's report, in scope order.
    pub distilled: Vec<(Scope, DistillReport)>,
}

/// Whose memories a catch-up distils.
#[derive(Clone, Copy, Debug)]
pub enum Distil<'a> {
    /// The users who got new episodes.
    Changed,
    /// Those, and these (a command's own user, distilled even when nothing
    /// of theirs was new).
    ChangedAnd(&'a [Scope]),
    /// Nobody: the pipeline alone (benchmarks of the pipeline).
    Nobody,
}

/// Runs the pipeline over `source` until it is caught up (failed envelopes
/// go to `dead_letters`), then distils whom `distil` says.
pub async fn run(
    backends: &Backends,
    source: &mut dyn Source,
    dead_letters: &dyn Producer,
    observer: &mut dyn IngestObserver,
    distil: Distil<'_>,
) -> Result<CatchUp, JobError> {
    let ingest = Ingestor::new(backends)?
        .run(source, dead_letters, observer)
        .await?;
    let scopes: BTreeSet<Scope> = match distil {
        Distil::Nobody => BTreeSet::new(),
        Distil::Changed => ingest.scopes.clone(),
        Distil::ChangedAnd(also) => ingest.scopes.iter().chain(also).cloned().collect(),
    };
    let mut distilled = Vec::with_capacity(scopes.len());
    for scope in scopes {
        let report = distill_memories::run(backends, &scope, Default::default()).await?;
        distilled.push((scope, report));
    }
    Ok(CatchUp { ingest, distilled })
}
