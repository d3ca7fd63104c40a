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
        } => {
            let u = people::users::create_user(&svc, &email, &name, &password).await?;
            println!("{}", u.id);
        }
        UserCommand::Unlock { email } => {
            let u = people::signin::unlock_by_operator(&svc, &email).await?;
            println!("{} can sign in again", u.email);
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
        } => {
            let u = people::users::user_by_email(&svc, &owner)
                .await
                .map_err(|_| anyhow::anyhow!("no person with e-mail {owner}"))?;
            let c = company::create_company(&svc, &u.id, &name, &currency, !test).await?;
            println!("{}", c.id);
        }
        CompanyCommand::AddMember {
            company: cid,
            email,
            role,
        } => {
            let access = super::operator_access(&svc, &cid).await?;
            let role = newledger_domain::role::Role::parse(&role)?;
            company::add_member_by_operator(&svc, &access, &email, role).await?;
            println!("{email} is now {} of {cid}", role.as_str());
        }
    }
    Ok(())
}
