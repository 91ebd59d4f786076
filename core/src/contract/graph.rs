//! The graph-store suite: scoped neighbourhoods within a window, facts as
//! of a time, replacement and deletion per user.

use super::scopes;
use crate::Scope;
use crate::backend::GraphStore;
use crate::memory::{Entity, EntityKind, Fact};

/// An entity of tenant `t1` named `name` (id `e-<name>`).
pub fn entity(kind: EntityKind, name: &str, aliases: &[&str]) -> Entity {
    Entity {
        entity_id: format!("e-{}", name.to_lowercase().replace(' ', "-")),
        kind,
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
    }
}

/// A fact of `scope`: `from` -[relation]-> `to`, holding from `valid`
/// until `invalid`.
pub fn fact(
    scope: &Scope,
    from: &Entity,
    relation: &str,
    to: &Entity,
    valid: i64,
    invalid: Option<i64>,
) -> Fact {
    Fact {
        fact_id: format!(
            "{}-{relation}-{}-{}",
            from.entity_id, to.entity_id, scope.user
        ),
        scope: scope.clone(),
        from: from.entity_id.clone(),
        relation: relation.into(),
        to: to.entity_id.clone(),
        text: format!("{} {relation} {}", from.name, to.name),
        valid_at_us: valid,
        invalid_at_us: invalid,
        memory_id: None,
        source_episodes: vec![format!("ep-{relation}")],
    }
}

/// The graph contract. Alice knows Ana (from 10), Ana lives in Lisbon
/// (10 to 50, then Porto from 50), Alice likes sourdough; Bob, of the same
/// tenant, also knows Ana, who works at Lumen Labs in his footprint only.
pub async fn graph_store(store: &dyn GraphStore) {
    let (alice_scope, bob_scope) = scopes();
    let alice = entity(EntityKind::User, "Alice Martin", &["alice"]);
    let bob = entity(EntityKind::User, "Bob Stone", &["bob"]);
    let ana = entity(EntityKind::Person, "Ana Souza", &["Ana"]);
    let lisbon = entity(EntityKind::Place, "Lisbon", &[]);
    let porto = entity(EntityKind::Place, "Porto", &[]);
    let bread = entity(EntityKind::Topic, "sourdough", &[]);
    let lumen = entity(EntityKind::Org, "Lumen Labs", &[]);
    let alices_facts = vec![
        fact(&alice_scope, &alice, "KNOWS", &ana, 10, None),
        fact(&alice_scope, &ana, "LIVES_IN", &lisbon, 10, Some(50)),
        fact(&alice_scope, &ana, "LIVES_IN", &porto, 50, None),
        fact(&alice_scope, &alice, "LIKES", &bread, 0, None),
    ];
    let alices_entities = vec![
        alice.clone(),
        ana.clone(),
        lisbon.clone(),
        porto.clone(),
        bread.clone(),
    ];
    store
        .replace(&alice_scope, &alices_entities, &alices_facts)
        .await
        .unwrap();
    store
        .replace(
            &bob_scope,
            &[bob.clone(), ana.clone(), lumen.clone()],
            &[
                fact(&bob_scope, &bob, "KNOWS", &ana, 0, None),
                fact(&bob_scope, &ana, "WORKS_AT", &lumen, 0, None),
            ],
        )
        .await
        .unwrap();
    // Replaying a write changes nothing.
    store
        .replace(&alice_scope, &alices_entities, &alices_facts)
        .await
        .unwrap();

    // Names and aliases, in any case; a user's own node is theirs.
    let found = store.find(&alice_scope, "ana").await.unwrap().unwrap();
    assert_eq!(found.entity_id, ana.entity_id);
    assert_eq!(
        store
            .find(&alice_scope, "ALICE")
            .await
            .unwrap()
            .unwrap()
            .kind,
        EntityKind::User
    );
    assert!(
        store
            .find(&alice_scope, "Lumen Labs")
            .await
            .unwrap()
            .is_none(),
        "bob's entity reached alice"
    );
    assert!(store.find(&alice_scope, "nobody").await.unwrap().is_none());

    // Depth 1 from Alice, depth 2 reaches Ana's cities; never Bob's facts.
    let names = |ns: Vec<crate::backend::Neighbour>| -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> =
            ns.into_iter().map(|n| (n.entity.name, n.depth)).collect();
        v.sort();
        v
    };
    let near = store
        .neighbours(&alice_scope, &alice.entity_id, 1, None)
        .await
        .unwrap();
    assert_eq!(
        names(near),
        [("Ana Souza".to_string(), 1), ("sourdough".to_string(), 1)]
    );
    let far = store
        .neighbours(&alice_scope, &alice.entity_id, 2, None)
        .await
        .unwrap();
    assert_eq!(
        names(far),
        [
            ("Ana Souza".to_string(), 1),
            ("Lisbon".to_string(), 2),
            ("Porto".to_string(), 2),
            ("sourdough".to_string(), 1),
        ]
    );
    let via = store
        .neighbours(&alice_scope, &ana.entity_id, 1, Some((60, 100)))
        .await
        .unwrap();
    assert!(
        via.iter().all(|n| n.entity.name != "Lisbon"),
        "a fact that ended at 50 showed in 60..100: {via:?}"
    );
    assert!(
        via.iter()
            .any(|n| n.entity.name == "Porto" && n.via.relation == "LIVES_IN")
    );
    let bobs = store
        .neighbours(&bob_scope, &ana.entity_id, 2, None)
        .await
        .unwrap();
    assert!(
        bobs.iter().all(|n| n.via.scope == bob_scope),
        "bob walked alice's facts: {bobs:?}"
    );

    // Facts as of a time.
    let at = |t| {
        let store = &store;
        let (scope, id) = (&alice_scope, &ana.entity_id);
        async move {
            let mut v: Vec<String> = store
                .facts_as_of(scope, id, t)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.to)
                .collect();
            v.sort();
            v
        }
    };
    // At 20: Alice knows Ana (its far end is Ana) and Ana lives in Lisbon.
    assert_eq!(
        at(20).await,
        [ana.entity_id.clone(), lisbon.entity_id.clone()]
    );
    assert!(at(60).await.contains(&porto.entity_id));
    assert!(!at(60).await.contains(&lisbon.entity_id));

    // A replacement drops what the new graph no longer says.
    store
        .replace(&alice_scope, &alices_entities, &alices_facts[..1])
        .await
        .unwrap();
    let after = store
        .neighbours(&alice_scope, &alice.entity_id, 2, None)
        .await
        .unwrap();
    assert_eq!(names(after), [("Ana Souza".to_string(), 1)]);

    // Deleting one user leaves the other's graph whole.
    store.delete_scope(&alice_scope).await.unwrap();
    assert!(store.find(&alice_scope, "Ana").await.unwrap().is_none());
    assert_eq!(
        store
            .neighbours(&bob_scope, &bob.entity_id, 2, None)
            .await
            .unwrap()
            .len(),
        2
    );
}
