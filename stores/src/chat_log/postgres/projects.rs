//! Projects in the PostgreSQL relational store.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twinlake_core::backend::projects::{
    self, ProposalRow, RecommendationRow, from_json, member, no_project, no_proposal,
};
use twinlake_core::backend::{BackendError, Projects};
use twinlake_core::project::{Choice, Project, Proposal, ProposalStatus, Recommended};
use twinlake_core::{ProjectId, ProposalId, Scope, TenantId};

use super::{BACKEND, PostgresChatLog, failed};

const PROPOSAL_COLUMNS: &str =
    "id, project_id, question, kind, body, status, closes_at, decision, created_at";

fn proposal_row(row: &PgRow) -> Result<ProposalRow, BackendError> {
    let column = |name: &str| row.try_get::<String, _>(name).map_err(failed);
    let optional = |name: &str| row.try_get::<Option<String>, _>(name).map_err(failed);
    Ok(ProposalRow {
        id: column("id")?,
        project: column("project_id")?,
        question: column("question")?,
        kind: column("kind")?,
        body: column("body")?,
        status: column("status")?,
        closes_at: optional("closes_at")?,
        decision: optional("decision")?,
        created_at: column("created_at")?,
    })
}

fn recommendation_row(row: &PgRow) -> Result<RecommendationRow, BackendError> {
    let column = |name: &str| row.try_get::<String, _>(name).map_err(failed);
    Ok(RecommendationRow {
        proposal: column("proposal_id")?,
        user: column("user_id")?,
        top: row.try_get("top").map_err(failed)?,
        ranking: column("ranking")?,
        created_at: column("created_at")?,
    })
}

/// A unique or primary-key violation: what already exists.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

impl PostgresChatLog {
    async fn read_proposal(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
    ) -> Result<Option<Proposal>, BackendError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE tenant = $1 AND id = $2"
        )))
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?;
        row.map(|row| proposal_row(&row)?.read(BACKEND)).transpose()
    }
}

#[async_trait]
impl Projects for PostgresChatLog {
    async fn create_project(
        &self,
        tenant: &TenantId,
        project: &Project,
    ) -> Result<(), BackendError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let inserted = sqlx::query(
            "INSERT INTO projects (tenant, id, title, context, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.as_str())
        .bind(project.id.as_str())
        .bind(&project.title)
        .bind(&project.context)
        .bind(&project.created_at)
        .execute(&mut *tx)
        .await;
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
            sqlx::query(
                "INSERT INTO project_members (tenant, project_id, user_id, position)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(tenant.as_str())
            .bind(project.id.as_str())
            .bind(user.as_str())
            .bind(position as i64)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)
    }

    async fn project(
        &self,
        tenant: &TenantId,
        id: &ProjectId,
    ) -> Result<Option<Project>, BackendError> {
        let Some(head) = sqlx::query(
            "SELECT id, title, context, created_at FROM projects WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(failed)?
        else {
            return Ok(None);
        };
        let members = sqlx::query(
            "SELECT user_id FROM project_members WHERE tenant = $1 AND project_id = $2
             ORDER BY position",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?
        .iter()
        .map(|row| member(BACKEND, &row.try_get::<String, _>(0).map_err(failed)?))
        .collect::<Result<Vec<_>, _>>()?;
        let column = |name: &str| head.try_get::<String, _>(name).map_err(failed);
        Ok(Some(Project {
            id: projects::project_id(BACKEND, &column("id")?)?,
            title: column("title")?,
            members,
            context: column("context")?,
            created_at: column("created_at")?,
        }))
    }

    async fn projects_of(&self, scope: &Scope) -> Result<Vec<Project>, BackendError> {
        let ids = sqlx::query(
            "SELECT p.id FROM projects p JOIN project_members m
               ON m.tenant = p.tenant AND m.project_id = p.id
             WHERE p.tenant = $1 AND m.user_id = $2
             ORDER BY p.created_at DESC, p.id",
        )
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        let mut out = Vec::with_capacity(ids.len());
        for row in ids {
            let id = projects::project_id(BACKEND, &row.try_get::<String, _>(0).map_err(failed)?)?;
            out.extend(self.project(&scope.tenant, &id).await?);
        }
        Ok(out)
    }

    async fn add_proposal(
        &self,
        tenant: &TenantId,
        proposal: &Proposal,
    ) -> Result<(), BackendError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let project =
            sqlx::query("SELECT id FROM projects WHERE tenant = $1 AND id = $2 FOR SHARE")
                .bind(tenant.as_str())
                .bind(proposal.project.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(failed)?;
        if project.is_none() {
            return Err(no_project(BACKEND, tenant, &proposal.project));
        }
        let row = ProposalRow::of(proposal);
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO proposals (tenant, {PROPOSAL_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(tenant.as_str())
        .bind(&row.id)
        .bind(&row.project)
        .bind(&row.question)
        .bind(&row.kind)
        .bind(&row.body)
        .bind(&row.status)
        .bind(&row.closes_at)
        .bind(&row.decision)
        .bind(&row.created_at)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(BackendError::Conflict {
                backend: BACKEND,
                what: format!("tenant {tenant} has a proposal {} already", proposal.id),
            }),
            other => {
                other.map_err(failed)?;
                tx.commit().await.map_err(failed)
            }
        }
    }

    async fn proposal(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
    ) -> Result<Option<Proposal>, BackendError> {
        self.read_proposal(tenant, id).await
    }

    async fn proposals(
        &self,
        tenant: &TenantId,
        project: &ProjectId,
        status: Option<ProposalStatus>,
    ) -> Result<Vec<Proposal>, BackendError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROPOSAL_COLUMNS} FROM proposals
             WHERE tenant = $1 AND project_id = $2 AND ($3::TEXT IS NULL OR status = $3)
             ORDER BY seq"
        )))
        .bind(tenant.as_str())
        .bind(project.as_str())
        .bind(status.map(|s| s.as_str()))
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| proposal_row(row)?.read(BACKEND))
            .collect()
    }

    async fn decide(
        &self,
        tenant: &TenantId,
        id: &ProposalId,
        decision: &serde_json::Value,
    ) -> Result<Proposal, BackendError> {
        let changed = sqlx::query(
            "UPDATE proposals SET status = $3, decision = $4 WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .bind(ProposalStatus::Decided.as_str())
        .bind(decision.to_string())
        .execute(&self.pool)
        .await
        .map_err(failed)?
        .rows_affected();
        if changed == 0 {
            return Err(no_proposal(BACKEND, tenant, id));
        }
        self.read_proposal(tenant, id)
            .await?
            .ok_or_else(|| no_proposal(BACKEND, tenant, id))
    }

    async fn record_choice(
        &self,
        scope: &Scope,
        proposal: &ProposalId,
        choice: &Choice,
    ) -> Result<(), BackendError> {
        sqlx::query(
            "INSERT INTO choices (tenant, proposal_id, user_id, options, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant, proposal_id, user_id)
             DO UPDATE SET options = excluded.options, created_at = excluded.created_at",
        )
        .bind(scope.tenant.as_str())
        .bind(proposal.as_str())
        .bind(scope.user.as_str())
        .bind(serde_json::to_string(&choice.options).expect("ids serialise"))
        .bind(&choice.created_at)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn record_recommendation(
        &self,
        scope: &Scope,
        proposal: &ProposalId,
        recommended: &Recommended,
    ) -> Result<(), BackendError> {
        sqlx::query(
            "INSERT INTO recommendations (tenant, proposal_id, user_id, top, ranking, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant, proposal_id, user_id)
             DO UPDATE SET top = excluded.top, ranking = excluded.ranking,
                           created_at = excluded.created_at",
        )
        .bind(scope.tenant.as_str())
        .bind(proposal.as_str())
        .bind(scope.user.as_str())
        .bind(&recommended.top)
        .bind(recommended.ranking.to_string())
        .bind(&recommended.created_at)
        .execute(&self.pool)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn choices(
        &self,
        tenant: &TenantId,
        proposal: &ProposalId,
    ) -> Result<Vec<Choice>, BackendError> {
        let rows = sqlx::query(
            "SELECT user_id, options, created_at FROM choices
             WHERE tenant = $1 AND proposal_id = $2 ORDER BY user_id",
        )
        .bind(tenant.as_str())
        .bind(proposal.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| -> Result<Choice, BackendError> {
                let column = |name: &str| row.try_get::<String, _>(name).map_err(failed);
                Ok(Choice {
                    user: member(BACKEND, &column("user_id")?)?,
                    options: from_json(BACKEND, "choice options", &column("options")?)?,
                    created_at: column("created_at")?,
                })
            })
            .collect()
    }

    async fn recommendations(
        &self,
        tenant: &TenantId,
        proposal: &ProposalId,
    ) -> Result<Vec<Recommended>, BackendError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM recommendations
             WHERE tenant = $1 AND proposal_id = $2 ORDER BY user_id",
            RecommendationRow::COLUMNS
        )))
        .bind(tenant.as_str())
        .bind(proposal.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| recommendation_row(row)?.read(BACKEND).map(|(_, r)| r))
            .collect()
    }

    async fn recommendations_of(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(ProposalId, Recommended)>, BackendError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM recommendations
             WHERE tenant = $1 AND user_id = $2 ORDER BY created_at, proposal_id",
            RecommendationRow::COLUMNS
        )))
        .bind(scope.tenant.as_str())
        .bind(scope.user.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| recommendation_row(row)?.read(BACKEND))
            .collect()
    }

    async fn delete_member(&self, scope: &Scope) -> Result<u64, BackendError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let mut gone = 0;
        for table in ["choices", "recommendations", "project_members"] {
            gone += sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE tenant = $1 AND user_id = $2"
            )))
            .bind(scope.tenant.as_str())
            .bind(scope.user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(failed)?
            .rows_affected();
        }
        tx.commit().await.map_err(failed)?;
        Ok(gone)
    }
}
