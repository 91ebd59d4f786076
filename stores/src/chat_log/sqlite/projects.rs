//! Projects in the SQLite relational store.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use twinlake_core::backend::projects::{
    self, ProposalRow, RecommendationRow, from_json, member, no_project, no_proposal,
};
use twinlake_core::backend::{BackendError, Projects};
use twinlake_core::project::{Choice, Project, Proposal, ProposalStatus, Recommended};
use twinlake_core::{ProjectId, ProposalId, Scope, TenantId};

use super::{BACKEND, SqliteChatLog, all, failed};

const PROPOSAL_COLUMNS: &str =
    "id, project_id, question, kind, body, status, closes_at, decision, created_at";

fn recommendation_row(row: &Row<'_>) -> rusqlite::Result<RecommendationRow> {
    Ok(RecommendationRow {
        proposal: row.get(0)?,
        user: row.get(1)?,
        top: row.get(2)?,
        ranking: row.get(3)?,
        created_at: row.get(4)?,
    })
}

fn proposal_row(row: &Row<'_>) -> rusqlite::Result<ProposalRow> {
    Ok(ProposalRow {
        id: row.get(0)?,
        project: row.get(1)?,
        question: row.get(2)?,
        kind: row.get(3)?,
        body: row.get(4)?,
        status: row.get(5)?,
        closes_at: row.get(6)?,
        decision: row.get(7)?,
        created_at: row.get(8)?,
    })
}

fn read_project(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<Project>, BackendError> {
    let head: Option<(String, String, String, String)> = conn
        .query_row(
            "SELECT id, title, context, created_at FROM projects WHERE tenant = ?1 AND id = ?2",
            params![tenant, id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(failed)?;
    let Some((id, title, context, created_at)) = head else {
        return Ok(None);
    };
    let members = all(
        conn,
        "SELECT user_id FROM project_members WHERE tenant = ?1 AND project_id = ?2
         ORDER BY position",
        params![tenant, id],
        |r| r.get::<_, String>(0),
    )?
    .iter()
    .map(|user| member(BACKEND, user))
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Project {
        id: projects::project_id(BACKEND, &id)?,
        title,
        members,
        context,
        created_at,
    }))
}

fn read_proposal(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<Proposal>, BackendError> {
    conn.query_row(
        &format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE tenant = ?1 AND id = ?2"),
        params![tenant, id],
        proposal_row,
    )
    .optional()
    .map_err(failed)?
    .map(|row| row.read(BACKEND))
    .transpose()
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

#[async_trait]
impl Projects for SqliteChatLog {
    async fn create_project(
        &self,
        tenant: &TenantId,
        project: &Project,
    ) -> Result<(), BackendError> {
        let (tenant, project) = (tenant.clone(), project.clone());
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let inserted = tx.execute(
                "INSERT INTO projects (tenant, id, title, context, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    tenant.as_str(),
                    project.id.as_str(),
                    project.title,
                    project.context,
                    project.created_at
                ],
            );
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    return Err(BackendError::Conflict {
                        backend: BACKEND,
                        what: format!("tenant {tenant} has a project {} already", project.id),
                    });
                }
                other => other.map_err(failed)?,
            };
            for (position, user) in project.members.iter().enumerate() {
                tx.execute(
                    "INSERT INTO project_members (tenant, project_id, user_id, position)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        tenant.as_str(),
                        project.id.as_str(),
                        user.as_str(),
                        position as i64
                    ],
                )
                .map_err(failed)?;
            }
            tx.commit().map_err(failed)
        })
        .await
    }

    async fn project(
        &self,
        tenant: &TenantId,
        id: &ProjectId,
    ) -> Result<Option<Project>, BackendError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.with(move |conn| read_project(conn, tenant.as_str(), id.as_str()))
            .await
    }

    async fn projects_of(&self, scope: &Scope) -> Result<Vec<Project>, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            let ids = all(
                conn,
                "SELECT p.id FROM projects p JOIN project_members m
                   ON m.tenant = p.tenant AND m.project_id = p.id
                 WHERE p.tenant = ?1 AND m.user_id = ?2
                 ORDER BY p.created_at DESC, p.id",
                params![scope.tenant.as_str(), scope.user.as_str()],
                |r| r.get::<_, String>(0),
            )?;
            ids.iter()
                .filter_map(|id| read_project(conn, scope.tenant.as_str(), id).transpose())
                .collect()
        })
        .await
    }

    async fn add_proposal(
        &self,
        tenant: &TenantId,
        proposal: &Proposal,
    ) -> Result<(), BackendError> {
        let (tenant, proposal) = (tenant.clone(), proposal.clone());
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let project: Option<String> = tx
                .query_row(
                    "SELECT id FROM projects WHERE tenant = ?1 AND id = ?2",
                    params![tenant.as_str(), proposal.project.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(failed)?;
            if project.is_none() {
                return Err(no_project(BACKEND, &tenant, &proposal.project));
            }
            let row = ProposalRow::of(&proposal);
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO proposals (tenant, {PROPOSAL_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ),
                params![
                    tenant.as_str(),
                    row.id,
                    row.project,
                    row.question,
                    row.kind,
                    row.body,
                    row.status,
                    row.closes_at,
                    row.decision,
                    row.created_at
                ],
            );
            match inserted {
                Err(e) if is_unique_violation(&e) => Err(BackendError::Conflict {
                    backend: BACKEND,
                    what: format!("tenant {tenant} has a proposal {} already", proposal.id),
                }),
                other => {
                    other.map_err(failed)?;
                    tx.commit().map_err(failed)
                }
            }
        })
        .await
    }

    async fn proposal(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
    ) -> Result<Option<Proposal>, BackendError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.with(move |conn| read_proposal(conn, tenant.as_str(), id.as_str()))
            .await
    }

    async fn proposals(
        &self,
        tenant: &TenantId,
        project: &ProjectId,
        status: Option<ProposalStatus>,
    ) -> Result<Vec<Proposal>, BackendError> {
        let (tenant, project) = (tenant.clone(), project.clone());
        let status = status.map(|s| s.as_str());
        self.with(move |conn| {
            let rows = all(
                conn,
                &format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM proposals
                     WHERE tenant = ?1 AND project_id = ?2 AND (?3 IS NULL OR status = ?3)
                     ORDER BY seq"
                ),
                params![tenant.as_str(), project.as_str(), status],
                proposal_row,
            )?;
            rows.into_iter().map(|row| row.read(BACKEND)).collect()
        })
        .await
    }

    async fn decide(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
        decision: &serde_json::Value,
    ) -> Result<Proposal, BackendError> {
        let (tenant, id, decision) = (tenant.clone(), id.clone(), decision.to_string());
        self.with(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE proposals SET status = ?3, decision = ?4 WHERE tenant = ?1 AND id = ?2",
                    params![
                        tenant.as_str(),
                        id.as_str(),
                        ProposalStatus::Decided.as_str(),
                        decision
                    ],
                )
                .map_err(failed)?;
            if changed == 0 {
                return Err(no_proposal(BACKEND, &tenant, &id));
            }
            read_proposal(conn, tenant.as_str(), id.as_str())?
                .ok_or_else(|| no_proposal(BACKEND, &tenant, &id))
        })
        .await
    }

    async fn record_choice(
        &self,
        scope: &Scope,
        proposal: &ProposalId,
        choice: &Choice,
    ) -> Result<(), BackendError> {
        let (scope, proposal) = (scope.clone(), proposal.clone());
        let options = serde_json::to_string(&choice.options).expect("ids serialise");
        let created_at = choice.created_at.clone();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO choices (tenant, proposal_id, user_id, options, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tenant, proposal_id, user_id)
                 DO UPDATE SET options = excluded.options, created_at = excluded.created_at",
                params![
                    scope.tenant.as_str(),
                    proposal.as_str(),
                    scope.user.as_str(),
                    options,
                    created_at
                ],
            )
            .map_err(failed)?;
            Ok(())
        })
        .await
    }

    async fn record_recommendation(
        &self,
        scope: &Scope,
        proposal: &ProposalId,
        recommended: &Recommended,
    ) -> Result<(), BackendError> {
        let (scope, proposal, recommended) = (scope.clone(), proposal.clone(), recommended.clone());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO recommendations (tenant, proposal_id, user_id, top, ranking, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tenant, proposal_id, user_id)
                 DO UPDATE SET top = excluded.top, ranking = excluded.ranking,
                               created_at = excluded.created_at",
                params![
                    scope.tenant.as_str(),
                    proposal.as_str(),
                    scope.user.as_str(),
                    recommended.top,
                    recommended.ranking.to_string(),
                    recommended.created_at
                ],
            )
            .map_err(failed)?;
            Ok(())
        })
        .await
    }

    async fn choices(
        &self,
        tenant: &TenantId,
        proposal: &ProposalId,
    ) -> Result<Vec<Choice>, BackendError> {
        let (tenant, proposal) = (tenant.clone(), proposal.clone());
        self.with(move |conn| {
            let rows = all(
                conn,
                "SELECT user_id, options, created_at FROM choices
                 WHERE tenant = ?1 AND proposal_id = ?2 ORDER BY user_id",
                params![tenant.as_str(), proposal.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )?;
            rows.into_iter()
                .map(
                    |(user, options, created_at)| -> Result<Choice, BackendError> {
                        Ok(Choice {
                            user: member(BACKEND, &user)?,
                            options: from_json(BACKEND, "choice options", &options)?,
                            created_at,
                        })
                    },
                )
                .collect()
        })
        .await
    }

    async fn recommendations(
        &self,
        tenant: &TenantId,
        proposal: &ProposalId,
    ) -> Result<Vec<Recommended>, BackendError> {
        let (tenant, proposal) = (tenant.clone(), proposal.clone());
        self.with(move |conn| {
            let rows = all(
                conn,
                &format!(
                    "SELECT {} FROM recommendations
                     WHERE tenant = ?1 AND proposal_id = ?2 ORDER BY user_id",
                    RecommendationRow::COLUMNS
                ),
                params![tenant.as_str(), proposal.as_str()],
                recommendation_row,
            )?;
            rows.into_iter()
                .map(|row| row.read(BACKEND).map(|(_, r)| r))
                .collect()
        })
        .await
    }

    async fn recommendations_of(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(ProposalId, Recommended)>, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            let rows = all(
                conn,
                &format!(
                    "SELECT {} FROM recommendations
                     WHERE tenant = ?1 AND user_id = ?2 ORDER BY created_at, proposal_id",
                    RecommendationRow::COLUMNS
                ),
                params![scope.tenant.as_str(), scope.user.as_str()],
                recommendation_row,
            )?;
            rows.into_iter().map(|row| row.read(BACKEND)).collect()
        })
        .await
    }

    async fn delete_member(&self, scope: &Scope) -> Result<u64, BackendError> {
        let scope = scope.clone();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(failed)?;
            let mut gone = 0;
            for table in ["choices", "recommendations", "project_members"] {
                gone += tx
                    .execute(
                        &format!("DELETE FROM {table} WHERE tenant = ?1 AND user_id = ?2"),
                        params![scope.tenant.as_str(), scope.user.as_str()],
                    )
                    .map_err(failed)? as u64;
            }
            tx.commit().map_err(failed)?;
            Ok(gone)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn sqlite_passes_the_projects_contract() {
        let store = SqliteChatLog::open_in_memory().unwrap();
        twinlake_core::contract::projects::projects(Arc::new(store)).await;
    }
}
