//! Rotate, revoke, delete and restore an app. Each needs the person's TOTP code (the service
//! verifies it and logs a refused one); a refused action shows the app's page again with why.

use super::{App, detail, field_name, secret};
use crate::pages::session::Ctx;
use crate::pages::view::{PageForm, PageResult, capitalise, redirect_with_notice};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_domain::ids::AppId;
use newledger_service::Error;
use newledger_service::app_connect::apps;

/// `POST …/apps/{app_id}/rotate`: a new secret, shown once; the old one may overlap.
pub async fn rotate(
    State(s): State<AppState>,
    ctx: Ctx,
    App(id): App,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let overlap: i64 = match form.get("overlap") {
        "" | "0" => 0,
        v => v.parse().unwrap_or(-1),
    };
    match apps::rotate(&s.svc, &ctx.access, &id, overlap, form.opt("totp")).await {
        Ok(a) => secret::reveal_redirect(&s, &ctx, &a, true).await,
        Err(e) => refused(&s, &ctx, &id, e).await,
    }
}

/// `POST …/apps/{app_id}/revoke`.
pub async fn revoke(
    State(s): State<AppState>,
    ctx: Ctx,
    App(id): App,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let done = apps::revoke(&s.svc, &ctx.access, &id, form.opt("totp")).await;
    answer(
        &s,
        &ctx,
        &id,
        done.map(|a| format!("{} is revoked: its tokens are refused from now on.", a.name)),
    )
    .await
}

/// `POST …/apps/{app_id}/delete`.
pub async fn delete(
    State(s): State<AppState>,
    ctx: Ctx,
    App(id): App,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let done = apps::delete(&s.svc, &ctx.access, &id, form.opt("totp")).await;
    answer(
        &s,
        &ctx,
        &id,
        done.map(|a| {
            format!(
                "{} is deleted. You can restore it from the Deleted list for 30 days.",
                a.name
            )
        }),
    )
    .await
}

/// `POST …/apps/{app_id}/restore`: API access comes back, so it needs the code too.
pub async fn restore(
    State(s): State<AppState>,
    ctx: Ctx,
    App(id): App,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let done = apps::restore(&s.svc, &ctx.access, &id, form.opt("totp")).await;
    answer(
        &s,
        &ctx,
        &id,
        done.map(|a| {
            format!(
                "{} is active again with its current secret; tokens issued before stay invalid.",
                a.name
            )
        }),
    )
    .await
}

/// Back to the app's page with `notice`, or with why the action was refused.
async fn answer(s: &AppState, ctx: &Ctx, id: &AppId, done: Result<String, Error>) -> PageResult {
    match done {
        Ok(notice) => Ok(redirect_with_notice(
            &ctx.url(&format!("/settings/app-connect/apps/{id}")),
            &notice,
        )),
        Err(e) => refused(s, ctx, id, e).await,
    }
}

async fn refused(s: &AppState, ctx: &Ctx, id: &AppId, e: Error) -> PageResult {
    match e {
        Error::Invalid { field, reason } => {
            let msg = format!("{}: {}.", field_name(&field), reason);
            detail::view(s, ctx, id, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Error::Conflict(m) => {
            detail::view(s, ctx, id, Some(capitalise(&m) + "."), StatusCode::CONFLICT).await
        }
        e => Err(e.into()),
    }
}
