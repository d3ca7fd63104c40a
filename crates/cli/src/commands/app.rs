//! `newledger app …`: API credential apps for operators and scripts.

use crate::config::Common;
use clap::Subcommand;
use newledger_domain::ids::AppId;
use newledger_service::Settings;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::clock::rfc3339;
use serde_json::json;

/// App commands.
#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Create an app; prints client_id and client_secret once.
    Create {
        /// Company id.
        #[arg(long)]
        company: String,
        /// App name.
        #[arg(long)]
        name: String,
        /// Delegated permission (repeat).
        #[arg(long = "permission", required = true)]
        permissions: Vec<String>,
        /// Owner's e-mail (default: the company's first owner).
        #[arg(long)]
        owner: Option<String>,
        /// Business purpose.
        #[arg(long, default_value = "")]
        purpose: String,
        /// Days until the credentials expire.
        #[arg(long)]
        expires_in_days: Option<i64>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List apps of a company.
    List {
        /// Company id.
        #[arg(long)]
        company: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an app: its tokens stop working on every node within a second.
    Revoke {
        /// Company id.
        #[arg(long)]
        company: String,
        /// App id.
        #[arg(long)]
        app: String,
    },
    /// Restore a revoked or deleted app.
    Restore {
        /// Company id.
        #[arg(long)]
        company: String,
        /// App id.
        #[arg(long)]
        app: String,
    },
}

/// Runs an app command.
pub async fn run(common: &Common, c: AppCommand) -> anyhow::Result<()> {
    let (svc, _) = super::open(common, &common.file()?, Settings::default()).await?;
    match c {
        AppCommand::Create {
            company,
            name,
            permissions,
            owner,
            purpose,
            expires_in_days,
            json: as_json,
        } => {
            let access = super::operator_access(&svc, &company).await?;
            let owner = match owner {
                Some(o) => o,
                None => {
                    let members = svc.store.members(&access.company.id).await?;
                    members
                        .into_iter()
                        .filter(|m| m.role == newledger_domain::role::Role::Owner)
                        .min_by_key(|m| m.created_at)
                        .map(|m| m.email)
                        .ok_or_else(|| anyhow::anyhow!("the company has no owner"))?
                }
            };
            // Delegated, not elevated: the operator may delegate only what the owner holds.
            let owner_user = newledger_service::people::users::user_by_email(&svc, &owner).await?;
            let role = svc
                .store
                .membership(&access.company.id, &owner_user.id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("{owner} is not a member"))?;
            let access = newledger_service::Access {
                permissions: role.permissions(),
                ..access
            };
            let a = apps::create(
                &svc,
                &access,
                NewApp {
                    name,
                    purpose,
                    owner_email: Some(owner),
                    expires_in_days,
                    permissions,
                },
            )
            .await?;
            if as_json {
                out!(
                    "{}",
                    json!({"client_id": a.app.id, "client_secret": a.client_secret, "company_id": a.app.company_id, "permissions": a.app.permissions.to_scope_string()})
                );
            } else {
                out!(
                    "client_id      {}\nclient_secret  {}\n(the secret is shown only now; store it in a vault)",
                    a.app.id,
                    a.client_secret
                );
            }
        }
        AppCommand::List {
            company,
            json: as_json,
        } => {
            let access = super::operator_access(&svc, &company).await?;
            let mut list = apps::list(&svc, &access, false).await?;
            list.extend(apps::list(&svc, &access, true).await?);
            if as_json {
                let v: Vec<_> = list
                    .iter()
                    .map(|a| json!({"client_id": a.id, "name": a.name, "status": a.status.as_str(), "permissions": a.permissions.to_scope_string(), "expires_at": a.expires_at.map(rfc3339), "last_used_at": a.last_used_at.map(rfc3339)}))
                    .collect();
                out!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for a in list {
                    out!(
                        "{}  {:<8}  {}  [{}]",
                        a.id,
                        a.status.as_str(),
                        a.name,
                        a.permissions
                    );
                }
            }
        }
        AppCommand::Revoke { company, app } => {
            let access = super::operator_access(&svc, &company).await?;
            let a = apps::revoke(&svc, &access, &AppId::parse(&app)?, None).await?;
            out!("revoked {} ({})", a.id, a.name);
        }
        AppCommand::Restore { company, app } => {
            let access = super::operator_access(&svc, &company).await?;
            let a = apps::restore(&svc, &access, &AppId::parse(&app)?, None).await?;
            out!("restored {} ({})", a.id, a.name);
        }
    }
    Ok(())
}
