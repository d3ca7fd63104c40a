//! "Forgot password": asking for a reset link (the same answer whether or not the address has
//! an account; limited per network address here and per account in the service), and the
//! link's page, which sets a new password and — with the second factor typed on the same
//! form — signs in. The rules live in `people::recovery`.

use super::session::{MaybeSession, SessionClient, new_form_token, precheck, set_form_token};
use super::signin::{finish_signin, start_session};
use super::view::{PageForm, PageResult, capitalise, error_page, render_status, wait_text};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use newledger_service::Error;
use newledger_service::people::recovery;

#[derive(Template)]
#[template(path = "pages/forgot.html")]
struct ForgotPage {
    csrf: String,
    email: String,
    error: Option<String>,
    sent: bool,
    mail_on: bool,
}

fn forgot_form(
    s: &AppState,
    status: StatusCode,
    email: &str,
    error: Option<String>,
    sent: bool,
) -> Response {
    let token = new_form_token(s);
    let page = ForgotPage {
        csrf: token.clone(),
        email: email.to_owned(),
        error,
        sent,
        mail_on: s.svc.mailer.is_on(),
    };
    let mut r = render_status(status, &page);
    set_form_token(&mut r, s, &token, "/signin");
    r
}

/// `GET /signin/forgot`.
pub async fn forgot_page(State(s): State<AppState>) -> Response {
    forgot_form(&s, StatusCode::OK, "", None, false)
}

/// `POST /signin/forgot`: always the same answer for a well-formed address.
pub async fn forgot_submit(
    State(s): State<AppState>,
    SessionClient(client): SessionClient,
    headers: HeaderMap,
    form: PageForm,
) -> PageResult {
    let email = form.get("email").trim().to_owned();
    let asked = match precheck(&headers, &form, &s.limits.forgot_ip, &client.ip) {
        Ok(()) => recovery::request(&s.svc, &email, &client.ip).await,
        Err((status, msg)) => return Ok(forgot_form(&s, status, &email, Some(msg), false)),
    };
    match asked {
        Ok(()) => Ok(forgot_form(&s, StatusCode::OK, &email, None, true)),
        Err(Error::Invalid { reason, .. }) => {
            let msg = Some(capitalise(&reason) + ".");
            Ok(forgot_form(
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &email,
                msg,
                false,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/reset.html")]
struct ResetPage {
    csrf: String,
    token: String,
    email: String,
    needs_code: bool,
    error: Option<String>,
}

fn dead_link() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "This link no longer works",
        "Reset links work once, for one hour. Ask for a new one from the sign-in page (Forgot your password?).".into(),
    )
}

async fn reset_form(
    s: &AppState,
    token: &str,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let user = match recovery::open(&s.svc, token).await {
        Ok(u) => u,
        Err(Error::NotFound(_)) => return Ok(dead_link()),
        Err(e) => return Err(e.into()),
    };
    let csrf = new_form_token(s);
    let page = ResetPage {
        csrf: csrf.clone(),
        token: token.to_owned(),
        email: user.email,
        needs_code: user.totp_enabled,
        error,
    };
    let mut r = super::view::no_store(render_status(status, &page));
    set_form_token(&mut r, s, &csrf, "/signin");
    Ok(r)
}

/// `GET /signin/reset/{token}`.
pub async fn reset_page(State(s): State<AppState>, Path(token): Path<String>) -> PageResult {
    reset_form(&s, &token, StatusCode::OK, None).await
}

/// Why the reset form shows again, from a failed [`recovery::complete`]; other errors pass.
fn refused(e: Error) -> Result<(StatusCode, String), Error> {
    match e {
        Error::Invalid { reason, .. } => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, capitalise(&reason) + "."))
        }
        Error::RateLimited { retry_after_secs } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed attempts. Please wait {}.",
                wait_text(retry_after_secs)
            ),
        )),
        e => Err(e),
    }
}

/// `POST /signin/reset/{token}`: new password + second factor; signs in (or on to enrolment
/// for a person without a second factor yet).
pub async fn reset_submit(
    State(s): State<AppState>,
    Path(token): Path<String>,
    SessionClient(client): SessionClient,
    headers: HeaderMap,
    MaybeSession(old): MaybeSession,
    form: PageForm,
) -> PageResult {
    if let Err((status, msg)) = precheck(&headers, &form, &s.limits.signin_ip, &client.ip) {
        return reset_form(&s, &token, status, Some(msg)).await;
    }
    let (password, code) = (form.get("password"), form.get("code"));
    match recovery::complete(&s.svc, &token, password, code, &client.ip).await {
        Ok(u) if u.totp_enabled => {
            finish_signin(&s, &headers, old.as_ref(), &u, &client, None).await
        }
        Ok(u) => start_session(&s, old, &u, &client).await,
        Err(Error::NotFound(_)) => Ok(dead_link()),
        Err(e) => {
            let (status, msg) = refused(e)?;
            reset_form(&s, &token, status, Some(msg)).await
        }
    }
}
