//! The chat-log contract on a real PostgreSQL server: the one at
//! `TWINLAKE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test` (running on these machines
//! before every session and CI run). Each run works in a schema of its own,
//! dropped at the end, so runs never collide.

use std::sync::Arc;

use sqlx::Connection;
use twinlake_core::Scope;
use twinlake_core::backend::{ChatLog, Role};
use twinlake_stores::chat_log::postgres::{MIGRATIONS, PostgresChatLog};
use twinlake_stores::chat_log::{self};

fn server() -> String {
    std::env::var("TWINLAKE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A schema name no other run uses.
fn fresh_schema(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("twinlake_{tag}_{}_{nanos}", std::process::id())
}

async fn drop_schema(schema: &str) {
    let mut conn = sqlx::PgConnection::connect(&server()).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_the_chat_log_contract() {
    let schema = fresh_schema("contract");
    let url = format!("{}?schema={schema}", server());
    let log = chat_log::open(&url).await.unwrap();
    twinlake_core::contract::chat_log::chat_log(log).await;
    drop_schema(&schema).await;
}

#[tokio::test]
async fn postgres_passes_the_projects_contract() {
    let schema = fresh_schema("projects");
    let url = format!("{}?schema={schema}", server());
    let store = PostgresChatLog::connect(&url).await.unwrap();
    twinlake_core::contract::projects::projects(std::sync::Arc::new(store)).await;
    drop_schema(&schema).await;
}

#[tokio::test]
async fn postgres_passes_the_api_key_contract() {
    let schema = fresh_schema("keys");
    let url = format!("{}?schema={schema}", server());
    let store = PostgresChatLog::connect(&url).await.unwrap();
    twinlake_core::contract::api_keys::api_keys(&store).await;
    drop(store);
    drop_schema(&schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_migrating_at_once_apply_each_migration_once() {
    let schema = fresh_schema("migrate");
    let url = format!("{}?schema={schema}", server());
    let (a, b) = tokio::join!(
        PostgresChatLog::connect(&url),
        PostgresChatLog::connect(&url)
    );
    let (a, b): (Arc<dyn ChatLog>, Arc<dyn ChatLog>) = (Arc::new(a.unwrap()), Arc::new(b.unwrap()));
    // Both see one schema: a conversation started through one is the other's.
    let alice = Scope::parse("t1", "alice").unwrap();
    let c = a.start_conversation(&alice, "shared").await.unwrap();
    b.append(&alice, &c, Role::User, "hi", &serde_json::json!([]))
        .await
        .unwrap();
    assert_eq!(a.turns(&alice, &c, 10).await.unwrap().len(), 1);
    let mut conn = sqlx::PgConnection::connect(&server()).await.unwrap();
    let applied: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {schema}.schema_migrations"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(applied, MIGRATIONS.len() as i64);
    drop_schema(&schema).await;
}

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    let err = chat_log::open("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .err()
        .expect("nothing listens on port 1")
        .to_string();
    assert!(
        err.contains("127.0.0.1:1") && !err.contains("hunter2"),
        "{err}"
    );
}
