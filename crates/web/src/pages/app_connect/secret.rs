//! The one-time reveal of a new or rotated secret (post/redirect/get), with everything needed
//! for the first call.

use super::App;
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, no_store, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use newledger_domain::permission::{Permission, PermissionSet};
use newledger_service::app_connect::apps::{self, AppWithSecret};
use newledger_service::app_connect::reveal;

/// What a developer needs for the first call: ids, URLs and copy-ready commands.
pub struct FirstCall {
    pub(super) company_id: String,
    pub(super) api_base: String,
    pub(super) token_url: String,
    pub(super) curl_token: String,
    pub(super) curl_get: String,
    pub(super) docs_href: &'static str,
    pub(super) readme_href: &'static str,
}

/// Paths of a few reads, by the permission they need: the first the app holds is the example.
const EXAMPLE_READS: [(Permission, &str); 8] = [
    (Permission::CompanyRead, "/company"),
    (Permission::InvoicesRead, "/invoices?limit=5"),
    (Permission::BillsRead, "/bills?limit=5"),
    (Permission::ExpensesRead, "/expenses?limit=5"),
    (Permission::ContactsRead, "/contacts?limit=5"),
    (Permission::AccountsRead, "/accounts"),
    (Permission::JournalRead, "/journal-entries?limit=5"),
    (Permission::ReportsRead, "/reports/trial-balance"),
];

pub fn first_call(s: &AppState, ctx: &Ctx, client_id: &str, perms: PermissionSet) -> FirstCall {
    let base = s.config.base_url.trim_end_matches('/');
    let company_id = ctx.access.company.id.to_string();
    let api_base = format!("{base}/api/v1/companies/{company_id}");
    let token_url = format!("{base}/oauth/token");
    let path = EXAMPLE_READS
        .iter()
        .find(|(p, _)| perms.contains(*p))
        .map_or("/company", |(_, path)| path);
    FirstCall {
        curl_token: format!(
            "TOKEN=$(curl -s -u \"{client_id}:$NEWLEDGER_CLIENT_SECRET\" \\\n  -d grant_type=client_credentials {token_url} | jq -r .access_token)"
        ),
        curl_get: format!("curl -H \"Authorization: Bearer $TOKEN\" \\\n  \"{api_base}{path}\""),
        company_id,
        api_base,
        token_url,
        docs_href: "/api/v1/docs",
        readme_href: "/README.md",
    }
}

#[derive(Template)]
#[template(path = "pages/app_secret.html")]
struct SecretPage {
    layout: Layout,
    app_name: String,
    detail_href: String,
    client_id: String,
    /// `None` once the secret was shown (reload, Back, another tab).
    client_secret: Option<String>,
    rotated: bool,
    old_secret_note: String,
    first: FirstCall,
}

/// Leaves the new secret for its one reveal and redirects there (post/redirect/get).
pub async fn reveal_redirect(
    s: &AppState,
    ctx: &Ctx,
    a: &AppWithSecret,
    rotated: bool,
) -> PageResult {
    reveal::stash(&s.svc, &ctx.signed.session.id_hash, a, rotated).await?;
    Ok(
        Redirect::to(&ctx.url(&format!("/settings/app-connect/apps/{}/secret", a.app.id)))
            .into_response(),
    )
}

/// `GET /app/{company_id}/settings/app-connect/apps/{app_id}/secret`: shows the secret left
/// by create or rotate exactly once; afterwards it says the secret was already shown.
pub async fn page(State(s): State<AppState>, ctx: Ctx, App(id): App) -> PageResult {
    let app = apps::get(&s.svc, &ctx.access, &id).await?;
    let taken = reveal::take(&s.svc, &ctx.signed.session.id_hash, id.as_str()).await?;
    let rotated = taken.as_ref().is_some_and(|t| t.rotated);
    let now = s.svc.clock.now_ms();
    let old_secret_note = match app.overlap_until(now) {
        Some(u) => format!(
            "The previous secret keeps working until {}, then stops.",
            ctx.when.text(u)
        ),
        None => "The previous secret stopped working, and so did the tokens issued with it.".into(),
    };
    Ok(no_store(render(&SecretPage {
        layout: ctx.layout(format!("Credentials for {}", app.name), "app-connect"),
        detail_href: ctx.url(&format!("/settings/app-connect/apps/{}", app.id)),
        first: first_call(&s, &ctx, app.id.as_str(), app.permissions),
        app_name: app.name,
        client_id: app.id.to_string(),
        client_secret: taken.map(|t| t.client_secret),
        rotated,
        old_secret_note,
    })))
}
