//! The API-key suite: keys stored hashed, found by id, revoked for good,
//! listed per tenant only.

use super::scopes;
use crate::backend::api_keys::{ApiKeys, NewKey, Reach, authenticate};

/// The API-key contract: a created key authenticates and carries its tenant
/// and reach; a wrong secret, an unknown id and a revoked key do not; the
/// same id cannot be stored twice; revoking twice reports the second as
/// nothing to do; a tenant's list holds its own keys only.
pub async fn api_keys(store: &dyn ApiKeys) {
    let (alice, bob) = scopes();
    let member = NewKey::generate(alice.tenant.clone(), Reach::Member(alice.user.clone())).unwrap();
    let admin = NewKey::generate(alice.tenant.clone(), Reach::Admin).unwrap();
    let other =
        NewKey::generate(crate::TenantId::new("other-tenant").unwrap(), Reach::Admin).unwrap();
    for k in [&member, &admin, &other] {
        store.insert_key(&k.key, &k.secret_hash).await.unwrap();
    }
    assert!(
        store.insert_key(&member.key, "00").await.is_err(),
        "an id was stored twice"
    );

    let found = authenticate(store, &member.token).await.unwrap().unwrap();
    assert_eq!(found, member.key);
    assert_eq!(found.scope_for(&alice.user), Some(alice.clone()));
    assert_eq!(found.scope_for(&bob.user), None);
    let found = authenticate(store, &admin.token).await.unwrap().unwrap();
    assert_eq!(found.reach, Reach::Admin);

    // A right id with another key's secret is not a key.
    let forged = format!(
        "{}_{}",
        &member.token[..member.token.rfind('_').unwrap()],
        &admin.token[admin.token.rfind('_').unwrap() + 1..]
    );
    assert_eq!(authenticate(store, &forged).await.unwrap(), None);
    let unknown = NewKey::generate(alice.tenant.clone(), Reach::Admin).unwrap();
    assert_eq!(authenticate(store, &unknown.token).await.unwrap(), None);

    assert!(store.revoke_key(&member.key.key_id).await.unwrap());
    assert!(!store.revoke_key(&member.key.key_id).await.unwrap());
    assert!(!store.revoke_key(&unknown.key.key_id).await.unwrap());
    assert_eq!(authenticate(store, &member.token).await.unwrap(), None);
    assert!(authenticate(store, &admin.token).await.unwrap().is_some());

    let listed = store.keys(&alice.tenant).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|k| k.key_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&member.key.key_id.as_str()) && ids.contains(&admin.key.key_id.as_str()));
    let revoked = listed
        .iter()
        .find(|k| k.key_id == member.key.key_id)
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        store.keys(&other.key.tenant).await.unwrap(),
        vec![other.key.clone()]
    );
}
