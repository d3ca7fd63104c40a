//! Your sessions (`/app/{company_id}/account/sessions`): where the person is signed in, with
//! sign-out of one other session or all of them. The rules live in `people::sessions`.

use super::session::{Ctx, Layout};
use super::view::{PageForm, PageResult, field_label, redirect_with_notice, render_status};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_service::Error;
use newledger_service::people::recovery;
use newledger_service::people::sessions::{self, SessionView};

struct Row {
    handle: String,
    current: bool,
    signed_in: bool,
    browser: String,
    ip: String,
    created: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "pages/sessions.html")]
struct SessionsPage {
    layout: Layout,
    rows: Vec<Row>,
    others: bool,
    needs_code: bool,
    errors: Vec<String>,
}

/// A readable browser name from a `User-Agent` ("Firefox on Linux"); the raw text otherwise.
fn browser(ua: &str) -> String {
    let name = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| *n);
    let os = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| *n);
    match (name, os) {
        (Some(n), Some(o)) => format!("{n} on {o}"),
        (Some(n), None) => n.to_owned(),
        _ if ua.is_empty() => "Unknown browser".into(),
        _ => ua.chars().take(60).collect(),
    }
}

fn row(ctx: &Ctx, v: SessionView) -> Row {
    Row {
        browser: browser(&v.user_agent),
        created: ctx.when.text(v.created_at),
        last_seen: ctx.when.text(v.last_seen_at),
        handle: v.handle,
        current: v.current,
        signed_in: v.signed_in,
        ip: v.ip,
    }
}

async fn page(s: &AppState, ctx: &Ctx, errors: Vec<String>, status: StatusCode) -> PageResult {
    let views = sessions::list_mine(&s.svc, &ctx.signed.session).await?;
    let rows: Vec<Row> = views.into_iter().map(|v| row(ctx, v)).collect();
    Ok(render_status(
        status,
        &SessionsPage {
            layout: ctx.layout("Your sessions", "sessions"),
            others: rows.iter().any(|r| !r.current),
            rows,
            needs_code: ctx.signed.user.totp_enabled,
            errors,
        },
    ))
}

/// `GET /app/{company_id}/account/sessions`.
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    page(&s, &ctx, Vec::new(), StatusCode::OK).await
}

/// `POST /app/{company_id}/account/password`: current password, new password and a code;
/// signs out every other session.
pub async fn change_password(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let (me, keep) = (&ctx.signed.user, &ctx.signed.session.id_hash);
    let (current, new, code) = (
        form.get("current_password"),
        form.get("new_password"),
        form.get("code"),
    );
    match recovery::change_password(&s.svc, me, keep, current, new, code, &ctx.signed.ip).await {
        Ok(n) => {
            let notice = format!("Your password was changed; {n} other session(s) signed out.");
            Ok(redirect_with_notice(&ctx.url("/account/sessions"), &notice))
        }
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {reason}", field_label(&field));
            page(&s, &ctx, vec![msg], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /app/{company_id}/account/sessions`: `session=<handle>` or `all=yes`.
pub async fn sign_out(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let handle = form.opt("session").filter(|_| form.get("all") != "yes");
    let n = sessions::sign_out_others(&s.svc, &ctx.signed.session, handle, &ctx.signed.ip).await?;
    let notice = match n {
        1 => "1 other session was signed out.".to_owned(),
        n => format!("{n} other sessions were signed out."),
    };
    Ok(redirect_with_notice(&ctx.url("/account/sessions"), &notice))
}
