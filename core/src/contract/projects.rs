//! The projects suite: projects and proposals kept per tenant, choices and
//! recommendations per member, replaced not duplicated, and one member's
//! rows deleted without touching the others'.

use std::sync::Arc;

use serde_json::json;

use super::scopes;
use crate::backend::{BackendError, Projects};
use crate::project::{
    Choice, DayWindow, Item, ItemSource, Project, Proposal, ProposalKind, ProposalStatus,
    Recommended,
};
use crate::{ProjectId, ProposalId, TenantId, UserId};

fn project(id: &str, members: &[&UserId]) -> Project {
    Project {
        id: ProjectId::new(id).unwrap(),
        title: format!("Project {id}"),
        members: members.iter().map(|m| (*m).clone()).collect(),
        context: "A shared context.".into(),
        created_at: "2026-12-01T10:00:00+00:00".into(),
    }
}

fn proposal(id: &str, project: &str, kind: ProposalKind) -> Proposal {
    Proposal {
        id: ProposalId::new(id).unwrap(),
        project: ProjectId::new(project).unwrap(),
        question: format!("Question {id}?"),
        kind,
        options: vec![Item {
            id: "a".into(),
            label: "Option A".into(),
            details: Some("with details".into()),
            date: None,
            time: None,
            sources: vec![ItemSource {
                user: UserId::new("alice").unwrap(),
                memory_id: "m1".into(),
                text: "Alice loves option A.".into(),
                episode_id: "e1".into(),
            }],
        }],
        tasks: vec![],
        window: Some(DayWindow {
            from: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            days: vec!["sat".into()],
        }),
        status: ProposalStatus::Open,
        closes_at: Some("2026-12-20T00:00:00+00:00".into()),
        decision: None,
        created_at: "2026-12-01T10:00:00+00:00".into(),
    }
}

/// The projects contract.
pub async fn projects(store: Arc<dyn Projects>) {
    let (alice, bob) = scopes();
    let tenant = alice.tenant.clone();
    let other = TenantId::new("t2").unwrap();
    let harbor = project("harbor", &[&alice.user, &bob.user]);
    store.create_project(&tenant, &harbor).await.unwrap();
    assert!(matches!(
        store.create_project(&tenant, &harbor).await.unwrap_err(),
        BackendError::Conflict { .. }
    ));
    // The same id in another tenant is another project.
    let solo = project("harbor", &[&alice.user]);
    store.create_project(&other, &solo).await.unwrap();
    assert_eq!(
        store.project(&tenant, &harbor.id).await.unwrap().as_ref(),
        Some(&harbor)
    );
    assert_eq!(
        store.project(&other, &harbor.id).await.unwrap().as_ref(),
        Some(&solo)
    );
    let trip = project("trip", &[&bob.user]);
    store.create_project(&tenant, &trip).await.unwrap();
    let ids = |ps: Vec<Project>| ps.into_iter().map(|p| p.id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(store.projects_of(&alice).await.unwrap()), ["harbor"]);
    let mut of_bob = ids(store.projects_of(&bob).await.unwrap());
    of_bob.sort();
    assert_eq!(of_bob, ["harbor", "trip"]);

    // Proposals.
    let first = proposal("fields", "harbor", ProposalKind::Choice);
    store.add_proposal(&tenant, &first).await.unwrap();
    assert!(matches!(
        store.add_proposal(&tenant, &first).await.unwrap_err(),
        BackendError::Conflict { .. }
    ));
    let orphan = proposal("orphan", "nowhere", ProposalKind::Choice);
    assert!(matches!(
        store.add_proposal(&tenant, &orphan).await.unwrap_err(),
        BackendError::NotFound { .. }
    ));
    let second = proposal("day", "harbor", ProposalKind::Schedule);
    store.add_proposal(&tenant, &second).await.unwrap();
    assert_eq!(
        store.proposal(&tenant, &first.id).await.unwrap().as_ref(),
        Some(&first)
    );
    assert_eq!(store.proposal(&other, &first.id).await.unwrap(), None);
    let listed = store.proposals(&tenant, &harbor.id, None).await.unwrap();
    assert_eq!(listed, [first.clone(), second.clone()]);
    let decision = json!({"option": "a"});
    let decided = store.decide(&tenant, &first.id, &decision).await.unwrap();
    assert_eq!(decided.status, ProposalStatus::Decided);
    assert_eq!(decided.decision.as_ref(), Some(&decision));
    assert!(matches!(
        store
            .decide(&other, &first.id, &decision)
            .await
            .unwrap_err(),
        BackendError::NotFound { .. }
    ));
    let open = store
        .proposals(&tenant, &harbor.id, Some(ProposalStatus::Open))
        .await
        .unwrap();
    assert_eq!(open, [second.clone()]);
    assert!(
        store
            .proposals(&other, &harbor.id, None)
            .await
            .unwrap()
            .is_empty()
    );

    // Choices and recommendations: one per member, the latest kept.
    let choice = |user: &UserId, options: &[&str]| Choice {
        user: user.clone(),
        options: options.iter().map(|o| o.to_string()).collect(),
        created_at: "2026-12-02T10:00:00+00:00".into(),
    };
    store
        .record_choice(&alice, &second.id, &choice(&alice.user, &["2026-12-05"]))
        .await
        .unwrap();
    store
        .record_choice(&alice, &second.id, &choice(&alice.user, &["2026-12-12"]))
        .await
        .unwrap();
    store
        .record_choice(&bob, &second.id, &choice(&bob.user, &["2026-12-05"]))
        .await
        .unwrap();
    let mut choices = store.choices(&tenant, &second.id).await.unwrap();
    choices.sort_by(|a, b| a.user.cmp(&b.user));
    assert_eq!(
        choices,
        [
            choice(&alice.user, &["2026-12-12"]),
            choice(&bob.user, &["2026-12-05"])
        ]
    );
    assert!(store.choices(&other, &second.id).await.unwrap().is_empty());
    let recommended = |user: &UserId, top: Option<&str>| Recommended {
        user: user.clone(),
        top: top.map(str::to_string),
        ranking: json!([{"option": top}]),
        created_at: "2026-12-02T09:00:00+00:00".into(),
    };
    store
        .record_recommendation(&alice, &second.id, &recommended(&alice.user, Some("x")))
        .await
        .unwrap();
    store
        .record_recommendation(&alice, &second.id, &recommended(&alice.user, None))
        .await
        .unwrap();
    store
        .record_recommendation(
            &bob,
            &second.id,
            &recommended(&bob.user, Some("2026-12-05")),
        )
        .await
        .unwrap();
    let mut recs = store.recommendations(&tenant, &second.id).await.unwrap();
    recs.sort_by(|a, b| a.user.cmp(&b.user));
    assert_eq!(
        recs,
        [
            recommended(&alice.user, None),
            recommended(&bob.user, Some("2026-12-05"))
        ]
    );
    // A member's own recommendations, with their proposals: what their
    // graph shows; never another member's, nor another tenant's.
    assert_eq!(
        store.recommendations_of(&alice).await.unwrap(),
        [(second.id.clone(), recommended(&alice.user, None))]
    );
    let alice_elsewhere = crate::Scope::new(other.clone(), alice.user.clone());
    assert!(
        store
            .recommendations_of(&alice_elsewhere)
            .await
            .unwrap()
            .is_empty()
    );

    // One member leaves: their rows go, the project and the others stay.
    let gone = store.delete_member(&alice).await.unwrap();
    assert!(gone >= 3, "deleted {gone} rows");
    assert!(store.projects_of(&alice).await.unwrap().is_empty());
    let left = store.project(&tenant, &harbor.id).await.unwrap().unwrap();
    assert_eq!(left.members, [bob.user.clone()]);
    let choices = store.choices(&tenant, &second.id).await.unwrap();
    assert_eq!(choices, [choice(&bob.user, &["2026-12-05"])]);
    let recs = store.recommendations(&tenant, &second.id).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert!(store.recommendations_of(&alice).await.unwrap().is_empty());
    assert_eq!(store.recommendations_of(&bob).await.unwrap().len(), 1);
    // Alice of the other tenant is another person, untouched.
    assert_eq!(
        store.project(&other, &harbor.id).await.unwrap().as_ref(),
        Some(&solo)
    );
}
