//! An invitation link (`/invite/{token}`): who invites, to which company, with which role; a new
//! person sets a name and password here and goes on to enrol TOTP; a person with an account
//! signs in (and comes back here) and accepts. The rules live in `people::invitations`.

use super::session::{
    MaybeSession, SessionClient, form_token_ok, is_full, new_form_token, set_form_token,
    set_return_cookie, set_session_cookie,
};
use super::view::{
    PageForm, PageResult, capitalise, error_page, instant, no_store, redirect_with_notice,
    render_status, wait_text,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use newledger_service::Error;
use newledger_service::people::invitations::Opened;
use newledger_service::people::sessions::{self, STAGE_ENROL};
use newledger_service::people::{SessionRecord, invitations, users};

#[derive(Template)]
#[template(path = "pages/invite.html")]
struct InvitePage {
    csrf: String,
    token: String,
    company: String,
    role: &'static str,
    invited_by: String,
    email: String,
    expires: String,
    has_account: bool,
    signed_in_as: Option<String>,
    name: String,
    error: Option<String>,
}

fn dead_link() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "This invitation no longer works",
        "Invitation links work once, for 7 days, and stop working when revoked or sent again. Ask the person who invited you for a new one.".into(),
    )
}

impl InvitePage {
    fn new(
        opened: Opened,
        token: &str,
        csrf: String,
        signed_in_as: Option<String>,
        form: Option<&PageForm>,
        error: Option<String>,
    ) -> Self {
        let inv = opened.invitation;
        InvitePage {
            csrf,
            token: token.to_owned(),
            company: opened.company_name,
            role: inv.role.as_str(),
            invited_by: inv.invited_by_label,
            email: inv.email,
            expires: instant(inv.expires_at),
            has_account: opened.has_account,
            signed_in_as,
            name: form.map(|f| f.get("name").to_owned()).unwrap_or_default(),
            error,
        }
    }
}

/// The invitation page, with `error` and the name typed so far.
async fn view(
    s: &AppState,
    token: &str,
    session: Option<SessionRecord>,
    form: Option<&PageForm>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let opened = match invitations::open(&s.svc, token).await {
        Ok(o) => o,
        Err(Error::NotFound(_)) => return Ok(dead_link()),
        Err(e) => return Err(e.into()),
    };
    let me = match &session {
        Some(sess) => Some(users::user(&s.svc, &sess.user_id).await?.email),
        None => None,
    };
    let csrf = session
        .as_ref()
        .map_or_else(|| new_form_token(s), |x| x.csrf_token.clone());
    let (status, error) = error.map_or((StatusCode::OK, None), |(st, e)| (st, Some(e)));
    let page = InvitePage::new(opened, token, csrf, me, form, error);
    let mut r = no_store(render_status(status, &page));
    if session.is_none() {
        set_signed_out_cookies(&mut r, s, &page);
    }
    Ok(r)
}

/// Without a session, the form's double-submit token; and for a person with an account, the
/// way back here after signing in to accept.
fn set_signed_out_cookies(r: &mut Response, s: &AppState, page: &InvitePage) {
    set_form_token(r, s, &page.csrf, "/invite");
    if page.has_account {
        set_return_cookie(r, s, &format!("/invite/{}", page.token));
    }
}

/// `GET /invite/{token}`.
pub async fn invite_page(
    State(s): State<AppState>,
    Path(token): Path<String>,
    MaybeSession(sess): MaybeSession,
) -> PageResult {
    view(&s, &token, sess.filter(is_full), None, None).await
}

/// `POST /invite/{token}`: accept as the signed-in person, or create an account and accept.
pub async fn invite_submit(
    State(s): State<AppState>,
    Path(token): Path<String>,
    SessionClient(client): SessionClient,
    headers: HeaderMap,
    MaybeSession(sess): MaybeSession,
    form: PageForm,
) -> PageResult {
    match sess.filter(is_full) {
        Some(sess) => accept_signed_in(&s, &token, sess, &client, &form).await,
        None if !form_token_ok(&headers, &form) => {
            let e = (
                StatusCode::FORBIDDEN,
                "The form expired. Please try again.".into(),
            );
            view(&s, &token, None, Some(&form), Some(e)).await
        }
        None => accept_new(&s, &token, &client, &form).await,
    }
}

async fn accept_signed_in(
    s: &AppState,
    token: &str,
    sess: SessionRecord,
    client: &sessions::Client,
    form: &PageForm,
) -> PageResult {
    sessions::check_csrf(&sess, form.csrf())?;
    let user = users::user(&s.svc, &sess.user_id).await?;
    match invitations::accept_signed_in(&s.svc, token, &user, &client.ip).await {
        Ok(company) => Ok(redirect_with_notice(
            &format!("/app/{company}"),
            "You accepted the invitation: welcome.",
        )),
        Err(Error::NotFound(_)) => Ok(dead_link()),
        Err(Error::Forbidden { reason, .. }) => {
            let e = (StatusCode::FORBIDDEN, capitalise(&reason) + ".");
            view(s, token, Some(sess), Some(form), Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Too many attempts from this address: the page again, saying how long to wait.
fn over_limit(s: &AppState, client: &sessions::Client) -> Option<(StatusCode, String)> {
    let v = s.limits.signin_ip.check(&client.ip);
    (!v.allowed).then(|| {
        let e = format!(
            "Too many attempts. Please wait {}.",
            wait_text(v.reset_secs)
        );
        (StatusCode::TOO_MANY_REQUESTS, e)
    })
}

async fn accept_new(
    s: &AppState,
    token: &str,
    client: &sessions::Client,
    form: &PageForm,
) -> PageResult {
    if let Some(e) = over_limit(s, client) {
        return view(s, token, None, Some(form), Some(e)).await;
    }
    let (name, password) = (form.get("name"), form.get("password"));
    let (user, company) =
        match invitations::accept_new(&s.svc, token, name, password, &client.ip).await {
            Ok(done) => done,
            Err(Error::NotFound(_)) => return Ok(dead_link()),
            Err(Error::Invalid { reason, .. }) | Err(Error::Conflict(reason)) => {
                let e = (StatusCode::UNPROCESSABLE_ENTITY, capitalise(&reason) + ".");
                return view(s, token, None, Some(form), Some(e)).await;
            }
            Err(e) => return Err(e.into()),
        };
    // Next: the authenticator app, then the company.
    let (value, _) = sessions::create(&s.svc, &user.id, STAGE_ENROL, Some(company), client).await?;
    let mut r = Redirect::to("/signin/enrol").into_response();
    set_session_cookie(&mut r, s, &value);
    Ok(r)
}
