//! A member's own choice on a proposal, recorded twice: in the relational
//! store (what status and alignment read) and as an episode of their
//! footprint ([`twinlake_pipelines::sources::decisions`]), published on the
//! files topic and ingested before the call returns, so the choice becomes
//! a decision memory like anything else they said. A catch-up that fails
//! leaves the episode on the bus for the next one: nothing is lost.

use twinlake_core::Scope;
use twinlake_core::project::{Choice, Project, Proposal, ProposalKind};
use twinlake_pipelines::bus::FILES_TOPIC;
use twinlake_pipelines::sources::decisions::{self, Decision};

use crate::ServingError;
use crate::api::AppState;

/// Checks `options` against `proposal` (each a candidate, one unless it is
/// a subset, none twice) and returns their labels.
pub fn labels(proposal: &Proposal, options: &[String]) -> Result<Vec<String>, ServingError> {
    if options.is_empty() {
        return Err(ServingError::BadRequest(
            "option: choose at least one".into(),
        ));
    }
    if options.len() > 1 && proposal.kind != ProposalKind::Subset {
        return Err(ServingError::BadRequest(format!(
            "options: a {} takes one option, not {}",
            proposal.kind.as_str(),
            options.len()
        )));
    }
    let candidates = proposal.candidates();
    let mut labels = Vec::with_capacity(options.len());
    for (i, id) in options.iter().enumerate() {
        if options[..i].contains(id) {
            return Err(ServingError::BadRequest(format!(
                "option: {id:?} is given twice"
            )));
        }
        let candidate = candidates.iter().find(|c| &c.id == id).ok_or_else(|| {
            ServingError::BadRequest(format!(
                "option: {id:?} is not an option of proposal {}",
                proposal.id
            ))
        })?;
        labels.push(candidate.label.clone());
    }
    Ok(labels)
}

/// Records `scope`'s choice of `options` on `proposal` of `project`.
pub async fn record(
    state: &AppState,
    scope: &Scope,
    project: &Project,
    proposal: &Proposal,
    options: Vec<String>,
) -> Result<Choice, ServingError> {
    let chosen = labels(proposal, &options)?;
    let choice = Choice {
        user: scope.user.clone(),
        options,
        created_at: chrono::Utc::now().to_rfc3339(),
    };
    let backends = &state.backends;
    backends
        .projects
        .record_choice(scope, &proposal.id, &choice)
        .await?;
    let envelope = decisions::envelope(
        scope,
        &Decision {
            project: project.id.as_str(),
            project_title: &project.title,
            proposal: proposal.id.as_str(),
            question: &proposal.question,
            chosen: &chosen,
            at: &choice.created_at,
        },
    );
    backends
        .bus()?
        .send(
            FILES_TOPIC,
            envelope.key().as_bytes(),
            &envelope.to_payload(),
        )
        .await?;
    let run = state.catch_up().await?;
    if let Some(failure) = run.ingest.errors.first() {
        return Err(ServingError::Internal(format!(
            "the choice is kept but its episode was refused: {}",
            failure.error
        )));
    }
    Ok(choice)
}
