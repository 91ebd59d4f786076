//! The chunk-index suites: [`vector_index`] and [`text_index`], each
//! ending with [`lifecycle`] (listing and deletion).

use super::{chunk, scopes};
use crate::Scope;
use crate::backend::{ChunkHit, ChunkIndex, TextIndex, VectorIndex};
use crate::record::Chunk;

async fn upsert_corpus(index: &dyn ChunkIndex, dim: usize) -> Vec<Chunk> {
    let (alice, bob) = scopes();
    let chunks = vec![
        chunk(
            &alice,
            "a1",
            "alice loves sourdough bread and sailing",
            1,
            dim,
        ),
        Chunk {
            author: Some("Alice Martin".into()),
            is_self: true,
            ..chunk(&alice, "a2", "alice is allergic to peanuts", 2, dim)
        },
        Chunk {
            context: "no peanut snacks please".into(),
            ..chunk(&alice, "a3", "the barbecue is at alice's house", 3, dim)
        },
        chunk(&bob, "b1", "bob loves sourdough bread too", 1, dim),
    ];
    index.upsert(&chunks).await.unwrap();
    index.commit().await.unwrap();
    // Replaying the same upserts must not duplicate anything.
    index.upsert(&chunks).await.unwrap();
    index.commit().await.unwrap();
    chunks
}

/// The vector-index contract: idempotent upsert, scope isolation,
/// nearest-first order, full payload round trip, then [`lifecycle`].
pub async fn vector_index(index: &dyn VectorIndex, dim: usize) {
    let chunks = upsert_corpus(index, dim).await;
    let (alice, bob) = scopes();
    assert_eq!(index.count(&alice).await.unwrap(), 3);
    assert_eq!(index.count(&bob).await.unwrap(), 1);
    let hits = index.search(&alice, &chunks[1].embedding, 3).await.unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(
        hits[0],
        ChunkHit {
            score: hits[0].score,
            ..ChunkHit::of(&chunks[1], 0.0)
        }
    );
    assert!(hits[0].score > hits[1].score, "not nearest first: {hits:?}");
    let hits = index.search(&bob, &chunks[1].embedding, 10).await.unwrap();
    assert_eq!(hits.len(), 1, "bob saw another user's chunks: {hits:?}");
    assert_eq!(hits[0].chunk_id, chunks[3].chunk_id);
    let stranger = Scope::parse("t2", "alice").unwrap();
    assert!(
        index
            .search(&stranger, &chunks[0].embedding, 10)
            .await
            .unwrap()
            .is_empty()
    );
    lifecycle(index, &chunks).await;
    let hits = index
        .search(&alice, &chunks[0].embedding, 10)
        .await
        .unwrap();
    assert!(hits.is_empty(), "a cleared index still finds {hits:?}");
}

/// The text-index contract: idempotent upsert, scope isolation, BM25
/// relevance, stemming, neighbour context found below the text itself,
/// full payload round trip, then [`lifecycle`].
pub async fn text_index(index: &dyn TextIndex) {
    let chunks = upsert_corpus(index, 4).await;
    let (alice, bob) = scopes();
    assert_eq!(index.count(&alice).await.unwrap(), 3);
    let hits = index.search(&alice, "peanut allergy", 5).await.unwrap();
    assert_eq!(
        hits[0],
        ChunkHit {
            score: hits[0].score,
            ..ChunkHit::of(&chunks[1], 0.0)
        }
    );
    assert_eq!(hits.len(), 2, "context not searched: {hits:?}");
    assert_eq!(hits[1].chunk_id, chunks[2].chunk_id);
    let hits = index.search(&alice, "sourdough", 5).await.unwrap();
    assert_eq!(hits.len(), 1, "alice saw another user's chunks: {hits:?}");
    let hits = index.search(&bob, "peanuts", 5).await.unwrap();
    assert!(hits.is_empty(), "bob saw alice's chunk: {hits:?}");
    assert!(index.search(&alice, "", 5).await.unwrap().is_empty());
    assert!(
        index.search(&alice, "\"unbalanced AND (", 5).await.is_ok(),
        "query syntax must not error"
    );
    lifecycle(index, &chunks).await;
    let hits = index.search(&alice, "sourdough", 5).await.unwrap();
    assert!(hits.is_empty(), "a cleared index still finds {hits:?}");
}

/// Listing and deletion over the corpus `chunks` (alice's three, then
/// bob's one): ids listed per scope, a delete by id that cannot reach
/// another scope, a delete of a whole scope, then a clear. Leaves the
/// index empty.
pub async fn lifecycle(index: &dyn ChunkIndex, chunks: &[Chunk]) {
    let (alice, bob) = scopes();
    let mut alices: Vec<String> = chunks[..3].iter().map(|c| c.chunk_id.clone()).collect();
    alices.sort();
    assert_eq!(index.list_ids(&alice).await.unwrap(), alices);
    assert_eq!(
        index.list_ids(&bob).await.unwrap(),
        vec![chunks[3].chunk_id.clone()]
    );
    let stranger = Scope::parse("t2", "alice").unwrap();
    assert!(index.list_ids(&stranger).await.unwrap().is_empty());

    // Alice's delete names her first chunk and bob's: only hers goes.
    index
        .delete(
            &alice,
            &[chunks[0].chunk_id.clone(), chunks[3].chunk_id.clone()],
        )
        .await
        .unwrap();
    index.commit().await.unwrap();
    assert_eq!(index.count(&alice).await.unwrap(), 2);
    assert_eq!(
        index.count(&bob).await.unwrap(),
        1,
        "a delete crossed scopes"
    );
    assert!(
        !index
            .list_ids(&alice)
            .await
            .unwrap()
            .contains(&chunks[0].chunk_id)
    );
    // Deleting what is gone is no error.
    index
        .delete(&alice, &[chunks[0].chunk_id.clone()])
        .await
        .unwrap();

    index.delete_scope(&alice).await.unwrap();
    index.commit().await.unwrap();
    assert_eq!(index.count(&alice).await.unwrap(), 0);
    assert_eq!(
        index.count(&bob).await.unwrap(),
        1,
        "a scope delete crossed scopes"
    );

    index.clear().await.unwrap();
    index.commit().await.unwrap();
    assert_eq!(index.count(&bob).await.unwrap(), 0);
    assert!(index.list_ids(&bob).await.unwrap().is_empty());
}
