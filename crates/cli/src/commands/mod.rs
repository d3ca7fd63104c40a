//! Subcommands.

pub mod admin;
pub mod app;
pub mod demo;
pub mod export;
pub mod serve;

use crate::config::{self, Common, FileConfig};
use anyhow::Context;
use newledger_service::clock::SystemClock;
use newledger_service::{Services, Settings};
use newledger_store::SqlStore;
use std::sync::Arc;

/// Opens (and migrates) the database and assembles the services.
pub async fn open(
    common: &Common,
    file: &FileConfig,
    settings: Settings,
) -> anyhow::Result<(Services, SqlStore)> {
    let url = common.database_url(file);
    let store = SqlStore::connect(&url)
        .await
        .with_context(|| format!("cannot open database {}", newledger_store::redact_url(&url)))?;
    store.migrate().await.context("migrations failed")?;
    let key = config::secret_key(&url)?;
    let svc = Services::new(
        Arc::new(store.clone()),
        Arc::new(SystemClock),
        key,
        settings,
    );
    Ok((svc, store))
}

/// `newledger migrate`
pub async fn migrate(common: &Common) -> anyhow::Result<()> {
    let file = common.file()?;
    let url = common.database_url(&file);
    let store = SqlStore::connect(&url)
        .await
        .with_context(|| format!("cannot open database {}", newledger_store::redact_url(&url)))?;
    store.migrate().await.context("migrations failed")?;
    out!(
        "migrations applied to {}",
        newledger_store::redact_url(&url)
    );
    Ok(())
}

/// Builds an operator's access to a company, acting as the system (no second factor: the
/// operator is at the server's console).
pub async fn operator_access(
    svc: &Services,
    company: &str,
) -> anyhow::Result<newledger_service::Access> {
    let id =
        newledger_domain::ids::CompanyId::parse(company).map_err(|e| anyhow::anyhow!("{e}"))?;
    let company = svc
        .store
        .company(&id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no company {company}"))?;
    Ok(newledger_service::Access {
        actor: newledger_domain::actor::Actor::System,
        label: "operator (CLI)".into(),
        company,
        permissions: newledger_domain::permission::PermissionSet::all(),
        ip: "cli".into(),
    })
}
