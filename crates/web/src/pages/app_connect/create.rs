//! Create an API credential app: name, purpose, owner, expiry and the permissions this person
//! may delegate; the secret is then shown once on the reveal page.

use super::{field_name, secret};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageForm, PageResult, render, render_status};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_domain::permission::{Permission, PermissionKind};
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::{Error, company};

struct Check {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

struct OwnerOpt {
    email: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "pages/app_new.html")]
struct NewPage {
    layout: Layout,
    name: String,
    purpose: String,
    expires_in_days: String,
    owners: Vec<OwnerOpt>,
    read: Vec<Check>,
    draft: Vec<Check>,
    errors: Vec<String>,
}

/// The permissions of `kind` this person may delegate (delegable ones they hold themselves;
/// `bank:categorize` is reserved), ticked as chosen.
fn checks(ctx: &Ctx, kind: PermissionKind, chosen: &[String]) -> Vec<Check> {
    Permission::ALL
        .iter()
        .filter(|p| p.kind() == kind && ctx.access.permissions.contains(**p))
        .filter(|p| **p != Permission::BankCategorize)
        .map(|p| Check {
            name: p.as_str(),
            label: p.label(),
            checked: chosen.iter().any(|c| c == p.as_str()),
        })
        .collect()
}

/// The members who may own the app, `selected` chosen.
async fn owners(s: &AppState, ctx: &Ctx, selected: &str) -> Result<Vec<OwnerOpt>, Error> {
    Ok(company::members(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .map(|m| OwnerOpt {
            selected: m.email == selected,
            label: format!("{} ({}, {})", m.name, m.email, m.role.as_str()),
            email: m.email,
        })
        .collect())
}

async fn new_page(
    s: &AppState,
    ctx: &Ctx,
    form: Option<&PageForm>,
    errors: Vec<String>,
) -> Result<NewPage, Error> {
    let chosen: Vec<String> = form.map(|f| f.all("permissions")).unwrap_or_default();
    let owner_email = form
        .and_then(|f| f.opt("owner_email").map(str::to_owned))
        .unwrap_or_else(|| ctx.signed.user.email.clone());
    let get = |k: &str| form.map(|f| f.get(k).to_owned()).unwrap_or_default();
    Ok(NewPage {
        layout: ctx.layout("Create an API credential app", "app-connect"),
        name: get("name"),
        purpose: get("purpose"),
        expires_in_days: get("expires_in_days"),
        owners: owners(s, ctx, &owner_email).await?,
        read: checks(ctx, PermissionKind::Read, &chosen),
        draft: checks(ctx, PermissionKind::Draft, &chosen),
        errors,
    })
}

/// `GET /app/{company_id}/settings/app-connect/new`.
pub async fn form(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.access.require(Permission::AppConnectManage)?;
    Ok(render(&new_page(&s, &ctx, None, Vec::new()).await?))
}

/// `POST /app/{company_id}/settings/app-connect/apps`: creates, then redirects to the one-time
/// reveal of the secret.
pub async fn create(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(Permission::AppConnectManage)?;
    let days = match form.opt("expires_in_days") {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let page = new_page(&s, &ctx, Some(&form), vec!["Expires in: enter a whole number of days, or leave it empty for no expiry.".into()]).await?;
                return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
        },
    };
    let input = NewApp {
        name: form.get("name").to_owned(),
        purpose: form.get("purpose").to_owned(),
        owner_email: form.opt("owner_email").map(str::to_owned),
        expires_in_days: days,
        permissions: form.all("permissions"),
    };
    match apps::create(&s.svc, &ctx.access, input).await {
        Ok(a) => secret::reveal_redirect(&s, &ctx, &a, false).await,
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {}", field_name(&field), reason);
            let page = new_page(&s, &ctx, Some(&form), vec![msg]).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
