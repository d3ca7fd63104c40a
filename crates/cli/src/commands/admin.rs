//! `newledger user …` and `newledger company …`.

use crate::config::Common;
use clap::Subcommand;
use newledger_service::{Settings, company, people};

/// People.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a person (they enrol TOTP at first sign-in).
    Create {
        /// E-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Password (or NEWLEDGER_PASSWORD).
        #[arg(long, env = "NEWLEDGER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Print one JSON object (`id`, `email`, `name`).
        #[arg(long)]
        json: bool,
    },
    /// Clear a person's sign-in failures and lock (logged in their companies' activity logs).
    Unlock {
        /// E-mail.
        #[arg(long)]
        email: String,
    },
}

/// Companies.
#[derive(Subcommand, Debug)]
pub enum CompanyCommand {
    /// Create a company owned by a person.
    Create {
        /// Name.
        #[arg(long)]
        name: String,
        /// Owner's e-mail.
        #[arg(long)]
        owner: String,
        /// Base currency (ISO 4217).
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// A test (non-production) company.
        #[arg(long)]
        test: bool,
        /// Print one JSON object (`company_id`, `name`, `currency`, `live`, `owner_user_id`).
        #[arg(long)]
        json: bool,
    },
    /// Add a member or change their role.
    AddMember {
        /// Company id.
        #[arg(long)]
        company: String,
        /// Person's e-mail.
        #[arg(long)]
        email: String,
        /// owner, admin, accountant, bookkeeper, viewer.
        #[arg(long)]
        role: String,
        /// Print one JSON object (`company_id`, `user_id`, `email`, `role`).
        #[arg(long)]
        json: bool,
    },
}

/// Runs a user command.
pub async fn user(common: &Common, c: UserCommand) -> anyhow::Result<()> {
    let (svc, _) = super::open(common, &common.file()?, Settings::default()).await?;
    match c {
        UserCommand::Create {
            email,
            name,
            password,
            json,
        } => {
            let u = people::users::create_user(&svc, &email, &name, &password).await?;
            if json {
                let v = serde_json::json!({"id": u.id, "email": u.email, "name": u.name});
                out!("{v}");
            } else {
                out!("{}", u.id);
            }
        }
        UserCommand::Unlock { email } => {
            let u = people::signin::unlock_by_operator(&svc, &email).await?;
            out!("{} can sign in again", u.email);
        }
    }
    Ok(())
}

/// Runs a company command.
pub async fn company(common: &Common, c: CompanyCommand) -> anyhow::Result<()> {
    let (svc, _) = super::open(common, &common.file()?, Settings::default()).await?;
    match c {
        CompanyCommand::Create {
            name,
            owner,
            currency,
            test,
            json,
        } => {
            let u = people::users::user_by_email(&svc, &owner)
                .await
                .map_err(|_| anyhow::anyhow!("no person with e-mail {owner}"))?;
            let c = company::create_company(&svc, &u.id, &name, &currency, !test).await?;
            if json {
                let v = serde_json::json!({
                    "company_id": c.id, "name": c.name, "currency": c.currency.code(),
                    "live": c.is_live, "owner_user_id": u.id,
                });
                out!("{v}");
            } else {
                out!("{}", c.id);
            }
        }
        CompanyCommand::AddMember {
            company: cid,
            email,
            role,
            json,
        } => {
            let access = super::operator_access(&svc, &cid).await?;
            let role = newledger_domain::role::Role::parse(&role)?;
            company::add_member_by_operator(&svc, &access, &email, role).await?;
            if json {
                let u = people::users::user_by_email(&svc, &email).await?;
                let v = serde_json::json!({
                    "company_id": cid, "user_id": u.id, "email": u.email, "role": role.as_str(),
                });
                out!("{v}");
            } else {
                out!("{email} is now {} of {cid}", role.as_str());
            }
        }
    }
    Ok(())
}
