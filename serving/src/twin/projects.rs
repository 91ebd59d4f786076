//! What the API and the CLI do with projects: create them, add
//! proposals, recommend, record choices, coordinate; who may read or act
//! on a project; and where its proposals stand.
//!
//! A project is shared by its members: a member's key reads and acts on
//! the projects it is a member of, an admin key of the tenant on every
//! project of the tenant, for any member. Acting *for* a member (their
//! choice, their twin's recommendation) takes a key that reaches that
//! member, and the member must be in the project.

use serde::{Deserialize, Serialize};
use serde_json::json;
use twinlake_core::project::{
    Choice, DayWindow, Item, Project, Proposal, ProposalKind, ProposalStatus, Recommended,
};
use twinlake_core::{ContentHash, ProjectId, ProposalId, Scope, UserId};
use twinlake_stores::Backends;

use super::coordinate::{Ballot, Outcome, coordinate};
use super::recommend::{Member, Recommendation, recommend};
use super::{candidates, choice};
use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;

/// The most members a project may have.
const MOST_MEMBERS: usize = 50;
/// The most characters of a project's context or a proposal's question.
const MOST_TEXT: usize = 20_000;

/// Now, µs since the epoch.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Body of `POST /projects`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// Its id (letters, digits, `_`, `-`, `.`).
    pub id: String,
    /// What it is called.
    pub title: String,
    /// The members' user ids, of the key's tenant.
    pub members: Vec<String>,
    /// What the members share about it.
    #[serde(default)]
    pub context: String,
}

/// A proposal as a request describes it.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    /// Its id; made from the project and question when not given.
    #[serde(default)]
    pub id: Option<String>,
    /// What is asked.
    pub question: String,
    /// `choice`, `subset`, `schedule` or `assignment`.
    pub kind: String,
    /// `[{id, label, details?, date?, time?}]`: the options (a
    /// schedule's each with a `date`, YYYY-MM-DD, and, for a slot of
    /// hours, a `time`: `{from, to}`, HH:MM). A choice or subset without them gets
    /// options drafted from what the members like, each with its
    /// `sources`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub options: Option<Vec<Item>>,
    /// `[{id, label, details?}]`: an assignment's tasks.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub tasks: Option<Vec<Item>>,
    /// `{from, to, days?}`: a schedule's days, instead of options.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub window: Option<DayWindow>,
    /// When it stops taking choices (RFC 3339).
    #[serde(default)]
    pub closes_at: Option<String>,
}

impl NewProposal {
    /// The proposal, checked: 400 naming the field at fault.
    pub fn into_proposal(self, project: &ProjectId) -> Result<Proposal, ServingError> {
        let kind = ProposalKind::parse(&self.kind).ok_or_else(|| {
            let all: Vec<&str> = ProposalKind::ALL.iter().map(ProposalKind::as_str).collect();
            ServingError::BadRequest(format!(
                "kind: unknown kind {:?} (one of: {})",
                self.kind,
                all.join(", ")
            ))
        })?;
        if self.question.len() > MOST_TEXT {
            return Err(ServingError::BadRequest(format!(
                "question: at most {MOST_TEXT} bytes"
            )));
        }
        if let Some(closes) = &self.closes_at {
            chrono::DateTime::parse_from_rfc3339(closes).map_err(|e| {
                ServingError::BadRequest(format!("closes_at: {closes:?} is not RFC 3339: {e}"))
            })?;
        }
        if self.options.as_ref().is_some_and(Vec::is_empty) {
            return Err(ServingError::BadRequest(
                "options: must not be empty".into(),
            ));
        }
        let created_at = chrono::Utc::now().to_rfc3339();
        let id = match &self.id {
            Some(id) => ProposalId::new(id)?,
            None => {
                let hash = ContentHash::of_parts(&[
                    project.as_str().as_bytes(),
                    self.question.as_bytes(),
                    created_at.as_bytes(),
                ]);
                ProposalId::new(format!("p-{}", &hash.to_hex()[..12]))?
            }
        };
        let proposal = Proposal {
            id,
            project: project.clone(),
            question: self.question.trim().to_string(),
            kind,
            options: self.options.unwrap_or_default(),
            tasks: self.tasks.unwrap_or_default(),
            window: self.window,
            status: ProposalStatus::Open,
            closes_at: self.closes_at,
            decision: None,
            created_at,
        };
        proposal
            .check()
            .map_err(|e| ServingError::BadRequest(e.to_string()))?;
        Ok(proposal)
    }
}

/// Body of `POST /recommendations/generate`: a stored proposal, or one
/// asked about on the spot.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// Whose twin recommends.
    pub user: String,
    /// A stored proposal's id.
    #[serde(default)]
    pub proposal: Option<String>,
    /// Or a project, with the proposal's fields below.
    #[serde(default)]
    pub project: Option<String>,
    /// The question, without a stored proposal.
    #[serde(default)]
    pub question: Option<String>,
    /// Its kind, without a stored proposal.
    #[serde(default)]
    pub kind: Option<String>,
    /// Its options, without a stored proposal (drafted from the members'
    /// likes when a choice or subset has none).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub options: Option<Vec<Item>>,
    /// Its tasks, without a stored proposal.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub tasks: Option<Vec<Item>>,
    /// Its window, without a stored proposal.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub window: Option<DayWindow>,
}

/// The ranking kept for a member: the top pick unless all are vetoed.
pub fn recommended(user: &UserId, ranking: &[Recommendation]) -> Recommended {
    Recommended {
        user: user.clone(),
        top: ranking.iter().find(|r| !r.vetoed).map(|r| r.option.clone()),
        ranking: json!(ranking),
        created_at: chrono::Utc::now().to_rfc3339(),
    }
}

/// Body of `POST /proposals/{proposal}/choice`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceRequest {
    /// Who chose.
    pub user: String,
    /// The option (or task, or day) chosen.
    #[serde(default)]
    pub option: Option<String>,
    /// Or several, for a subset.
    #[serde(default)]
    pub options: Option<Vec<String>>,
}

/// Creates a project in the caller's tenant: a member key only with its
/// member among the members.
pub async fn create_project(
    backends: &Backends,
    caller: &Caller,
    request: NewProject,
) -> Result<Project, ServingError> {
    let id = ProjectId::new(&request.id)?;
    if request.title.trim().is_empty() {
        return Err(ServingError::BadRequest("title: must not be empty".into()));
    }
    if request.context.len() > MOST_TEXT {
        return Err(ServingError::BadRequest(format!(
            "context: at most {MOST_TEXT} bytes"
        )));
    }
    if request.members.is_empty() || request.members.len() > MOST_MEMBERS {
        return Err(ServingError::BadRequest(format!(
            "members: give 1 to {MOST_MEMBERS} user ids"
        )));
    }
    let mut members: Vec<UserId> = Vec::with_capacity(request.members.len());
    for user in &request.members {
        let user =
            UserId::new(user).map_err(|e| ServingError::BadRequest(format!("members: {e}")))?;
        if members.contains(&user) {
            return Err(ServingError::BadRequest(format!(
                "members: {user} is given twice"
            )));
        }
        members.push(user);
    }
    if let Caller::Key(key) = caller
        && let Some(member) = key.member()
        && !members.contains(member)
    {
        return Err(ServingError::Forbidden(format!(
            "key {} may create only projects {member} is a member of",
            key.key_id
        )));
    }
    let project = Project {
        id,
        title: request.title.trim().to_string(),
        members,
        context: request.context,
        created_at: chrono::Utc::now().to_rfc3339(),
    };
    backends
        .projects
        .create_project(caller.tenant(), &project)
        .await?;
    Ok(project)
}

/// A project and its proposals, oldest first.
pub async fn show_project(
    backends: &Backends,
    caller: &Caller,
    id: &str,
) -> Result<(Project, Vec<Proposal>), ServingError> {
    let project = project_for(backends, caller, &ProjectId::new(id)?).await?;
    let proposals = backends
        .projects
        .proposals(caller.tenant(), &project.id, None)
        .await?;
    Ok((project, proposals))
}

/// Adds a proposal to a project.
pub async fn propose(
    backends: &Backends,
    caller: &Caller,
    project: &str,
    request: NewProposal,
) -> Result<Proposal, ServingError> {
    let project = project_for(backends, caller, &ProjectId::new(project)?).await?;
    let request = with_options(backends, caller, &project, request).await?;
    let proposal = request.into_proposal(&project.id)?;
    backends
        .projects
        .add_proposal(caller.tenant(), &proposal)
        .await?;
    Ok(proposal)
}

/// `request` as it will be kept: options given keep no sources (only the
/// twins draft from memories); a choice or subset asked without options
/// gets them drafted from what the project's members like
/// ([`candidates`]), or a 400 naming `options` when they like nothing in
/// the question's area.
async fn with_options(
    backends: &Backends,
    caller: &Caller,
    project: &Project,
    mut request: NewProposal,
) -> Result<NewProposal, ServingError> {
    for item in request.options.iter_mut().flatten() {
        item.sources.clear();
    }
    let drafts = matches!(
        ProposalKind::parse(&request.kind),
        Some(ProposalKind::Choice | ProposalKind::Subset)
    ) && request.options.is_none()
        && request.tasks.is_none()
        && !request.question.trim().is_empty();
    if !drafts {
        return Ok(request);
    }
    let now = now_us();
    let members = futures::future::try_join_all(project.members.iter().map(|user| {
        let scope = Scope::new(caller.tenant().clone(), user.clone());
        async move { Member::load(backends, &scope, now).await }
    }))
    .await?;
    let drafted = candidates::draft(backends, &members, &request.question, now).await?;
    if drafted.is_empty() {
        let members = format!("no member of project {}", project.id);
        return Err(ServingError::BadRequest(
            match twinlake_udfs::extract::area_asked(&request.question) {
                Some(area) => format!(
                    "options: none given, and {members} likes anything in the question's area ({area}); give options"
                ),
                None => format!(
                    "options: none given, the question names no area of life (food, travel, ...), and {members} likes anything about it; give options"
                ),
            },
        ));
    }
    request.options = Some(drafted);
    Ok(request)
}

/// A project's open proposals, oldest first.
pub async fn open_proposals(
    backends: &Backends,
    caller: &Caller,
    project: &str,
) -> Result<Vec<Proposal>, ServingError> {
    let project = project_for(backends, caller, &ProjectId::new(project)?).await?;
    Ok(backends
        .projects
        .proposals(caller.tenant(), &project.id, Some(ProposalStatus::Open))
        .await?)
}

/// Where a proposal stands.
pub async fn proposal_status(
    backends: &Backends,
    caller: &Caller,
    proposal: &str,
) -> Result<Status, ServingError> {
    let (project, proposal) = proposal_for(backends, caller, proposal).await?;
    status(backends, &project, proposal, caller.tenant()).await
}

/// A twin's recommendation.
#[derive(Clone, Debug, Serialize)]
pub struct Generated {
    /// Whose twin.
    pub user: UserId,
    /// The proposal (`asked` for one asked on the spot).
    pub proposal: ProposalId,
    /// Best first.
    pub recommendations: Vec<Recommendation>,
}

/// A member's twin's recommendation on a stored proposal (kept as its
/// latest) or on one asked on the spot (not kept).
pub async fn generate(
    backends: &Backends,
    caller: &Caller,
    request: GenerateRequest,
) -> Result<Generated, ServingError> {
    let (project, proposal, stored) = match (&request.proposal, &request.project) {
        (Some(id), None) => {
            let (project, proposal) = proposal_for(backends, caller, id).await?;
            (project, proposal, true)
        }
        (None, Some(project)) => {
            let project = project_for(backends, caller, &ProjectId::new(project)?).await?;
            let asked = NewProposal {
                id: Some("asked".into()),
                question: request.question.clone().unwrap_or_default(),
                kind: request.kind.clone().unwrap_or_default(),
                options: request.options.clone(),
                tasks: request.tasks.clone(),
                window: request.window.clone(),
                closes_at: None,
            };
            let asked = with_options(backends, caller, &project, asked).await?;
            let proposal = asked.into_proposal(&project.id)?;
            (project, proposal, false)
        }
        _ => {
            return Err(ServingError::BadRequest(
                "proposal: give a proposal's id, or a project with question, kind and options"
                    .into(),
            ));
        }
    };
    let scope = member_scope(caller, &project, &request.user, "user")?;
    let now = now_us();
    let member = Member::load(backends, &scope, now).await?;
    let ranking = recommend(backends, &member, &proposal, now).await?;
    if stored {
        backends
            .projects
            .record_recommendation(&scope, &proposal.id, &recommended(&scope.user, &ranking))
            .await?;
    }
    Ok(Generated {
        user: scope.user,
        proposal: proposal.id,
        recommendations: ranking,
    })
}

/// Records a member's own choice ([`super::choice`]).
pub async fn choose(
    state: &AppState,
    caller: &Caller,
    proposal: &str,
    request: ChoiceRequest,
) -> Result<Choice, ServingError> {
    let (project, proposal) = proposal_for(&state.backends, caller, proposal).await?;
    let scope = member_scope(caller, &project, &request.user, "user")?;
    if proposal.status == ProposalStatus::Closed {
        return Err(ServingError::BadRequest(format!(
            "proposal {} is closed",
            proposal.id
        )));
    }
    let options = match (request.option, request.options) {
        (Some(one), None) => vec![one],
        (None, Some(many)) => many,
        _ => {
            return Err(ServingError::BadRequest(
                "option: give option, or options for a subset".into(),
            ));
        }
    };
    choice::record(state, &scope, &project, &proposal, options).await
}

/// Every member's twin recommends, and the group decides; each
/// recommendation and the decision are kept.
pub async fn coordinate_proposal(
    backends: &Backends,
    caller: &Caller,
    proposal: &str,
) -> Result<Outcome, ServingError> {
    let (project, proposal) = proposal_for(backends, caller, proposal).await?;
    let now = now_us();
    let mut ballots = Vec::with_capacity(project.members.len());
    for user in &project.members {
        // Each twin speaks for its own member, whoever asked.
        let scope = Scope::new(caller.tenant().clone(), user.clone());
        let member = Member::load(backends, &scope, now).await?;
        let ranking = recommend(backends, &member, &proposal, now).await?;
        backends
            .projects
            .record_recommendation(&scope, &proposal.id, &recommended(user, &ranking))
            .await?;
        ballots.push(Ballot {
            user: user.clone(),
            ranking,
        });
    }
    let outcome = coordinate(proposal.kind, &proposal.candidates(), &ballots);
    backends
        .projects
        .decide(caller.tenant(), &proposal.id, &outcome.decision)
        .await?;
    Ok(outcome)
}

/// The project `id` of the caller's tenant, if the caller reaches it:
/// 404 when the tenant has none by that id, 403 for a member key of
/// someone outside it.
pub async fn project_for(
    backends: &Backends,
    caller: &Caller,
    id: &ProjectId,
) -> Result<Project, ServingError> {
    let project = backends
        .projects
        .project(caller.tenant(), id)
        .await?
        .ok_or_else(|| ServingError::NotFound(format!("no project {id}")))?;
    if let Caller::Key(key) = caller
        && let Some(member) = key.member()
        && !project.has_member(member)
    {
        return Err(ServingError::Forbidden(format!(
            "{member} is not a member of project {id}"
        )));
    }
    Ok(project)
}

/// The proposal `id` and its project, if the caller reaches the project.
pub async fn proposal_for(
    backends: &Backends,
    caller: &Caller,
    id: &str,
) -> Result<(Project, Proposal), ServingError> {
    let id = ProposalId::new(id)?;
    let proposal = backends
        .projects
        .proposal(caller.tenant(), &id)
        .await?
        .ok_or_else(|| ServingError::NotFound(format!("no proposal {id}")))?;
    let project = project_for(backends, caller, &proposal.project).await?;
    Ok((project, proposal))
}

/// The scope of `user` (the request's field `field`) if the caller may
/// act for them and they are in `project`: 403 for a key of another
/// member, 400 for someone outside the project.
pub fn member_scope(
    caller: &Caller,
    project: &Project,
    user: &str,
    field: &str,
) -> Result<Scope, ServingError> {
    let scope = caller.scope(user)?;
    if !project.has_member(&scope.user) {
        return Err(ServingError::BadRequest(format!(
            "{field}: {user} is not a member of project {}",
            project.id
        )));
    }
    Ok(scope)
}

/// How often twins' top recommendations matched their members' own
/// choices.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alignment {
    /// Members with both a recommendation and a choice.
    pub compared: usize,
    /// Of them, those whose twin's top pick is among what they chose.
    pub matched: usize,
    /// `matched / compared`, when anything was compared.
    pub rate: Option<f32>,
}

/// The alignment of `recommended` with `chosen`.
pub fn alignment(recommended: &[Recommended], chosen: &[Choice]) -> Alignment {
    let mut compared = 0;
    let mut matched = 0;
    for choice in chosen {
        let Some(top) = recommended
            .iter()
            .find(|r| r.user == choice.user)
            .and_then(|r| r.top.as_ref())
        else {
            continue;
        };
        compared += 1;
        if choice.options.contains(top) {
            matched += 1;
        }
    }
    Alignment {
        compared,
        matched,
        rate: (compared > 0).then(|| matched as f32 / compared as f32),
    }
}

/// One member's part in a proposal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberStatus {
    /// Who.
    pub user: UserId,
    /// Their twin's latest recommendation.
    pub recommendation: Option<Recommended>,
    /// Their own choice.
    pub choice: Option<Choice>,
}

/// Where a proposal stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Status {
    /// The proposal, with its decision once decided.
    pub proposal: Proposal,
    /// Each member of its project.
    pub members: Vec<MemberStatus>,
    /// How well the twins' top picks matched their members' choices.
    pub alignment: Alignment,
}

/// The status of `proposal` of `project`.
pub async fn status(
    backends: &Backends,
    project: &Project,
    proposal: Proposal,
    tenant: &twinlake_core::TenantId,
) -> Result<Status, ServingError> {
    let (recommended, chosen) = tokio::try_join!(
        backends.projects.recommendations(tenant, &proposal.id),
        backends.projects.choices(tenant, &proposal.id),
    )?;
    let members = project
        .members
        .iter()
        .map(|user| MemberStatus {
            user: user.clone(),
            recommendation: recommended.iter().find(|r| &r.user == user).cloned(),
            choice: chosen.iter().find(|c| &c.user == user).cloned(),
        })
        .collect();
    Ok(Status {
        alignment: alignment(&recommended, &chosen),
        proposal,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_counts_members_with_both_a_pick_and_a_choice() {
        let user = |u: &str| UserId::new(u).unwrap();
        let rec = |u: &str, top: Option<&str>| Recommended {
            user: user(u),
            top: top.map(str::to_string),
            ranking: serde_json::json!([]),
            created_at: String::new(),
        };
        let choice = |u: &str, o: &[&str]| Choice {
            user: user(u),
            options: o.iter().map(|s| s.to_string()).collect(),
            created_at: String::new(),
        };
        let a = alignment(
            &[
                rec("alice", Some("a")),
                rec("bob", Some("b")),
                rec("carol", None),
            ],
            &[
                choice("alice", &["a", "c"]),
                choice("bob", &["a"]),
                choice("carol", &["a"]),
                choice("dan", &["a"]),
            ],
        );
        assert_eq!((a.compared, a.matched, a.rate), (2, 1, Some(0.5)));
        assert_eq!(alignment(&[], &[]).rate, None);
    }
}
