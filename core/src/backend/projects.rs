//! The relational store's projects: their members, proposals, the members'
//! choices and their twins' recommendations.
//!
//! A project is shared by its members, so its rows are keyed by tenant and
//! read by tenant; which member may read or act on which project is the
//! serving layer's check (membership), made before any call here. What one
//! member alone owns (their choice, their twin's recommendation) is
//! written under their [`Scope`] and leaves with it
//! ([`Projects::delete_scope`]).

use async_trait::async_trait;

use super::BackendError;
use crate::project::{Choice, Project, Proposal, ProposalStatus, Recommended};
use crate::{ProjectId, ProposalId, Scope, TenantId};

/// Projects, proposals, choices and recommendations of every tenant.
#[async_trait]
pub trait Projects: Send + Sync {
    /// Creates `project` in `tenant`; [`BackendError::Conflict`] if the
    /// tenant has one by that id.
    async fn create_project(
        &self,
        tenant: &TenantId,
        project: &Project,
    ) -> Result<(), BackendError>;
    /// The project `id` of `tenant`, if any.
    async fn project(
        &self,
        tenant: &TenantId,
        id: &ProjectId,
    ) -> Result<Option<Project>, BackendError>;
    /// The projects of `tenant` that `scope`'s user is a member of, the
    /// newest first.
    async fn projects_of(&self, scope: &Scope) -> Result<Vec<Project>, BackendError>;
    /// Adds `proposal` to its project in `tenant`; [`BackendError::NotFound`]
    /// without that project, [`BackendError::Conflict`] if the tenant has
    /// a proposal by that id.
    async fn add_proposal(
        &self,
        tenant: &TenantId,
        proposal: &Proposal,
    ) -> Result<(), BackendError>;
    /// The proposal `id` of `tenant`, if any.
    async fn proposal(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
    ) -> Result<Option<Proposal>, BackendError>;
    /// The proposals of a project of `tenant`, oldest first; those with
    /// `status` only when given.
    async fn proposals(
        &self,
        tenant: &TenantId,
        project: &ProjectId,
        status: Option<ProposalStatus>,
    ) -> Result<Vec<Proposal>, BackendError>;
    /// Records the group's decision on a proposal of `tenant` and marks it
    /// decided; returns it as changed, or [`BackendError::NotFound`].
    async fn decide(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
        decision: &serde_json::Value,
    ) -> Result<Proposal, BackendError>;
    /// Records `scope`'s choice on a proposal, replacing an earlier one.
    async fn record_choice(
        &self,
        scope: &Scope,
        proposal: &ProposalId,
        choice: &Choice,
    ) -> Result<(), BackendError>;
    /// Records what `scope`'s twin recommended on a proposal, replacing an
    /// earlier recommendation.
    async fn record_recommendation(
        &self,
        scope: &Scope,
        proposal: &ProposalId,
        recommended: &Recommended,
    ) -> Result<(), BackendError>;
    /// The members' choices on a proposal of `tenant`, by user.
    async fn choices(
        &self,
        tenant: &TenantId,
        proposal: &ProposalId,
    ) -> Result<Vec<Choice>, BackendError>;
    /// The twins' latest recommendations on a proposal of `tenant`, by user.
    async fn recommendations(
        &self,
        tenant: &TenantId,
        proposal: &ProposalId,
    ) -> Result<Vec<Recommended>, BackendError>;
    /// `scope`'s twin's latest recommendation on each proposal, with the
    /// proposal's id, oldest first: what the member's graph shows as
    /// `(DigitalTwin)-[:RECOMMENDED]->(Proposal)`.
    async fn recommendations_of(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(ProposalId, Recommended)>, BackendError>;
    /// `scope`'s choices and recommendations, and their project
    /// memberships; returns how many rows went.
    async fn delete_member(&self, scope: &Scope) -> Result<u64, BackendError>;
}

/// A stored JSON column read back; what does not parse is a corrupt store.
pub fn from_json<T: serde::de::DeserializeOwned>(
    backend: &'static str,
    what: &str,
    json: &str,
) -> Result<T, BackendError> {
    serde_json::from_str(json).map_err(|e| BackendError::Corrupt {
        backend,
        location: what.to_string(),
        message: e.to_string(),
    })
}

/// A kind or status column read back; one this version does not know is a
/// corrupt store.
pub fn parsed<T>(
    backend: &'static str,
    what: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, BackendError> {
    parse(value).ok_or_else(|| BackendError::Corrupt {
        backend,
        location: what.to_string(),
        message: format!("unknown value {value:?}"),
    })
}

/// A twin's recommendation as both engines store it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecommendationRow {
    /// `proposal_id`.
    pub proposal: String,
    /// `user_id`.
    pub user: String,
    /// `top`.
    pub top: Option<String>,
    /// `ranking`, JSON text.
    pub ranking: String,
    /// `created_at`.
    pub created_at: String,
}

impl RecommendationRow {
    /// The columns a [`RecommendationRow`] reads, in its fields' order.
    pub const COLUMNS: &'static str = "proposal_id, user_id, top, ranking, created_at";

    /// The recommendation the row holds, with its proposal's id; a row
    /// that does not read back is a corrupt store.
    pub fn read(self, backend: &'static str) -> Result<(ProposalId, Recommended), BackendError> {
        let proposal =
            ProposalId::new(self.proposal.clone()).map_err(|e| BackendError::Corrupt {
                backend,
                location: format!("recommendation on {}", self.proposal),
                message: e.to_string(),
            })?;
        let recommended = Recommended {
            user: member(backend, &self.user)?,
            top: self.top,
            ranking: from_json(backend, "recommendation ranking", &self.ranking)?,
            created_at: self.created_at,
        };
        Ok((proposal, recommended))
    }
}

/// A proposal as both engines store it: its options, tasks and window in
/// one JSON `body`, its decision as JSON text.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposalRow {
    /// `id`.
    pub id: String,
    /// `project_id`.
    pub project: String,
    /// `question`.
    pub question: String,
    /// `kind`.
    pub kind: String,
    /// `body`: `{options, tasks, window}`.
    pub body: String,
    /// `status`.
    pub status: String,
    /// `closes_at`.
    pub closes_at: Option<String>,
    /// `decision`.
    pub decision: Option<String>,
    /// `created_at`.
    pub created_at: String,
}

/// What a proposal row's `body` holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct ProposalBody {
    options: Vec<crate::project::Item>,
    tasks: Vec<crate::project::Item>,
    window: Option<crate::project::DayWindow>,
}

impl ProposalRow {
    /// The row of `proposal`.
    pub fn of(proposal: &Proposal) -> Self {
        let body = ProposalBody {
            options: proposal.options.clone(),
            tasks: proposal.tasks.clone(),
            window: proposal.window.clone(),
        };
        ProposalRow {
            id: proposal.id.to_string(),
            project: proposal.project.to_string(),
            question: proposal.question.clone(),
            kind: proposal.kind.as_str().into(),
            body: serde_json::to_string(&body).expect("a proposal body serialises"),
            status: proposal.status.as_str().into(),
            closes_at: proposal.closes_at.clone(),
            decision: proposal.decision.as_ref().map(|d| d.to_string()),
            created_at: proposal.created_at.clone(),
        }
    }

    /// The proposal the row holds; a row that does not read back is a
    /// corrupt store.
    pub fn read(self, backend: &'static str) -> Result<Proposal, BackendError> {
        let at = format!("proposal {}", self.id);
        let corrupt = |e: crate::CoreError| BackendError::Corrupt {
            backend,
            location: at.clone(),
            message: e.to_string(),
        };
        let body: ProposalBody = from_json(backend, &at, &self.body)?;
        Ok(Proposal {
            id: ProposalId::new(self.id.clone()).map_err(corrupt)?,
            project: ProjectId::new(self.project.clone()).map_err(corrupt)?,
            question: self.question,
            kind: parsed(
                backend,
                &at,
                &self.kind,
                crate::project::ProposalKind::parse,
            )?,
            options: body.options,
            tasks: body.tasks,
            window: body.window,
            status: parsed(backend, &at, &self.status, ProposalStatus::parse)?,
            closes_at: self.closes_at,
            decision: self
                .decision
                .map(|d| from_json(backend, &at, &d))
                .transpose()?,
            created_at: self.created_at,
        })
    }
}

/// A member id read back from a store; one that is not valid is a corrupt
/// store.
pub fn member(backend: &'static str, user: &str) -> Result<crate::UserId, BackendError> {
    crate::UserId::new(user).map_err(|e| BackendError::Corrupt {
        backend,
        location: "project member".into(),
        message: e.to_string(),
    })
}

/// A project id read back from a store.
pub fn project_id(backend: &'static str, id: &str) -> Result<ProjectId, BackendError> {
    ProjectId::new(id).map_err(|e| BackendError::Corrupt {
        backend,
        location: "project".into(),
        message: e.to_string(),
    })
}

/// The error for a proposal added to a project `tenant` does not have.
pub fn no_project(backend: &'static str, tenant: &TenantId, id: &ProjectId) -> BackendError {
    BackendError::NotFound {
        backend,
        what: format!("tenant {tenant} has no project {id}"),
    }
}

/// The error for a proposal `tenant` does not have.
pub fn no_proposal(backend: &'static str, tenant: &TenantId, id: &ProposalId) -> BackendError {
    BackendError::NotFound {
        backend,
        what: format!("tenant {tenant} has no proposal {id}"),
    }
}
