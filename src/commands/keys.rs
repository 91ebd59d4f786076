//! `twinlake keys`: API keys of the serving API.
//!
//! Keys live in the relational store, which these commands open alone
//! (no data-directory lock), so keys can be made and revoked while a
//! server runs; it checks every request against the store, so a revoked
//! key stops working at once.

use std::process::ExitCode;

use anyhow::Context;
use twinlake_core::backend::api_keys::{NewKey, Reach};
use twinlake_core::config::Config;
use twinlake_core::{TenantId, UserId};
use twinlake_stores::chat_log;

/// `twinlake keys ...`.
#[derive(clap::Subcommand)]
pub enum Keys {
    /// Make a key for the tenant (`--tenant`, default the configured one):
    /// a member key (`--user U`) or an admin key (`--admin`). The key is
    /// printed once, alone on the last line.
    Create {
        /// The member whose twin the key reaches.
        #[arg(long, conflicts_with = "admin", required_unless_present = "admin")]
        user: Option<String>,
        /// Reach every twin of the tenant.
        #[arg(long)]
        admin: bool,
    },
    /// Revoke a key by its id (the 16 hex characters after `tlk_`).
    Revoke {
        /// The key's id.
        key_id: String,
    },
    /// List the tenant's keys (ids, reach, dates; never secrets).
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `twinlake keys` command.
pub async fn run(config: &Config, command: Keys) -> anyhow::Result<ExitCode> {
    let store = chat_log::open_relational(&config.relational.url)
        .await?
        .api_keys;
    let tenant = TenantId::new(config.tenant.clone())?;
    match command {
        Keys::Create { user, admin: _ } => {
            let reach = match user {
                Some(user) => Reach::Member(UserId::new(user)?),
                None => Reach::Admin,
            };
            let new = NewKey::generate(tenant, reach)?;
            store
                .insert_key(&new.key, &new.secret_hash)
                .await
                .context("storing the key")?;
            let reach = match &new.key.reach {
                Reach::Member(user) => format!("the twin of {user}"),
                Reach::Admin => "every twin".into(),
            };
            println!(
                "key {} of tenant {} reaches {reach}; send it as `Authorization: Bearer <key>`; it is shown only now:",
                new.key.key_id, new.key.tenant
            );
            println!("{}", new.token);
            Ok(ExitCode::SUCCESS)
        }
        Keys::Revoke { key_id } => {
            if store.revoke_key(&key_id).await? {
                println!("revoked key {key_id}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("error: no active key {key_id:?}");
                Ok(ExitCode::from(1))
            }
        }
        Keys::List { json } => {
            for key in store.keys(&tenant).await? {
                if json {
                    println!("{}", serde_json::to_string(&key)?);
                } else {
                    let reach = match &key.reach {
                        Reach::Member(user) => format!("member {user}"),
                        Reach::Admin => "admin".into(),
                    };
                    let state = match &key.revoked_at {
                        Some(at) => format!("revoked {at}"),
                        None => "active".into(),
                    };
                    println!(
                        "{}  {reach:<20}  created {}  {state}",
                        key.key_id, key.created_at
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
