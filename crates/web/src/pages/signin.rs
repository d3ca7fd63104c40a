//! Sign-in: e-mail and password, then a TOTP code or a recovery code; first sign-in without a
//! second factor goes through TOTP enrolment (QR code, manual key, confirmation, recovery codes
//! shown once). Sign-out. The sign-in form, having no session yet, is protected by a
//! double-submit token in its own cookie; later steps use the session's CSRF token.
//! Throttling: per address here (`limits.signin_ip`), per account in the service.

use super::session::{
    MaybeSession, RETURN_COOKIE, SESSION_COOKIE, SessionClient, Signed, clear_cookie,
    home_of_stage, new_form_token, precheck, return_to, set_form_token, set_session_cookie,
};
use super::view::{PageError, PageForm, PageResult, no_store, render, render_status, wait_text};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use newledger_service::people::sessions::{self, STAGE_ENROL, STAGE_FULL, STAGE_PASSWORD};
use newledger_service::people::{SessionRecord, UserRecord};
use newledger_service::people::{signin, totp, users};
use newledger_service::{Error, Services, company};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/signin.html")]
struct SigninPage {
    csrf: String,
    email: String,
    error: Option<String>,
    info: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/signin_code.html")]
struct CodePage {
    csrf: String,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/enrol.html")]
struct EnrolPage {
    csrf: String,
    email: String,
    qr_data_uri: String,
    manual_key: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/recovery_codes.html")]
struct RecoveryCodesPage {
    codes: Vec<String>,
    continue_to: String,
}

#[derive(Template)]
#[template(path = "pages/signout.html")]
struct SignoutPage {
    csrf: String,
    email: String,
}

fn signin_form(
    state: &AppState,
    status: StatusCode,
    email: &str,
    error: Option<String>,
    info: Option<String>,
) -> Response {
    let token = new_form_token(state);
    let mut r = render_status(
        status,
        &SigninPage {
            csrf: token.clone(),
            email: email.to_owned(),
            error,
            info,
        },
    );
    set_form_token(&mut r, state, &token, "/signin");
    r
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct SigninQuery {
    /// Set after signing out.
    #[serde(default)]
    signed_out: Option<String>,
}

/// `GET /signin`.
pub async fn signin_page(
    State(s): State<AppState>,
    MaybeSession(session): MaybeSession,
    Query(q): Query<SigninQuery>,
) -> Response {
    if let Some(sess) = session.filter(|x| x.stage == STAGE_FULL) {
        return Redirect::to(&home_of_stage(&sess)).into_response();
    }
    let info = q.signed_out.map(|_| "You are signed out.".to_owned());
    signin_form(&s, StatusCode::OK, "", None, info)
}

/// `POST /signin`: e-mail and password.
pub async fn signin_submit(
    State(s): State<AppState>,
    SessionClient(client): SessionClient,
    headers: axum::http::HeaderMap,
    MaybeSession(old): MaybeSession,
    form: PageForm,
) -> PageResult {
    let email = form.get("email").to_owned();
    if let Err((status, msg)) = precheck(&headers, &form, &s.limits.signin_ip, &client.ip) {
        return Ok(signin_form(&s, status, &email, Some(msg), None));
    }
    match signin::check_password(&s.svc, &email, form.get("password"), &client.ip).await {
        Ok(user) => start_session(&s, old, &user, &client).await,
        Err(e) => password_refused(&s, &email, e),
    }
}

/// The sign-in form again, saying why the password step failed.
fn password_refused(s: &AppState, email: &str, e: Error) -> PageResult {
    let (status, msg) = match e {
        Error::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "Wrong e-mail or password.".into()),
        Error::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed attempts for this e-mail from your network. Please wait {} \
                 and try again, or ask an owner of your company to unlock your sign-in.",
                wait_text(retry_after_secs)
            ),
        ),
        e => return Err(e.into()),
    };
    Ok(signin_form(s, status, email, Some(msg), None))
}

/// After the password: a session waiting for the second factor (or for enrolment).
pub(super) async fn start_session(
    s: &AppState,
    old: Option<SessionRecord>,
    user: &UserRecord,
    client: &sessions::Client,
) -> PageResult {
    if let Some(o) = old {
        sessions::end(&s.svc, &o).await?;
    }
    let stage = if user.totp_enabled {
        STAGE_PASSWORD
    } else {
        STAGE_ENROL
    };
    let (value, sess) = sessions::create(&s.svc, &user.id, stage, None, client).await?;
    let mut r = Redirect::to(&home_of_stage(&sess)).into_response();
    set_session_cookie(&mut r, s, &value);
    Ok(r)
}

/// A session at exactly `stage`, with its person; otherwise where to go.
async fn staged(
    svc: &Services,
    session: Option<SessionRecord>,
    stage: &str,
) -> Result<(SessionRecord, UserRecord), PageError> {
    let sess = session.ok_or_else(|| PageError::Redirect("/signin".into()))?;
    if sess.stage != stage {
        return Err(PageError::Redirect(home_of_stage(&sess)));
    }
    let user = users::user(svc, &sess.user_id).await?;
    Ok((sess, user))
}

/// `GET /signin/code`.
pub async fn code_page(State(s): State<AppState>, MaybeSession(sess): MaybeSession) -> PageResult {
    let (sess, user) = staged(&s.svc, sess, STAGE_PASSWORD).await?;
    Ok(render(&CodePage {
        csrf: sess.csrf_token,
        email: user.email,
        error: None,
    }))
}

/// Starts a full session for a person who has just given their second factor (a new cookie
/// value: no session fixation), ending `old`; answers with `page` or a redirect home.
pub(super) async fn finish_signin(
    s: &AppState,
    headers: &axum::http::HeaderMap,
    old: Option<&SessionRecord>,
    user: &UserRecord,
    client: &sessions::Client,
    page: Option<Vec<String>>,
) -> PageResult {
    if let Some(old) = old {
        sessions::end(&s.svc, old).await?;
    }
    // Live books first: a test company is rarely where a person means to land.
    let mut companies = company::companies_of(&s.svc, &user.id).await?;
    companies.sort_by_key(|(c, _)| !c.is_live);
    let first = companies.into_iter().next().map(|(c, _)| c.id);
    let (value, sess) = sessions::create(&s.svc, &user.id, STAGE_FULL, first, client).await?;
    // An app's authorization request or an invitation was waiting: back to it.
    let to = return_to(headers).unwrap_or_else(|| home_of_stage(&sess));
    let mut r = match page {
        Some(codes) => no_store(render(&RecoveryCodesPage {
            codes,
            continue_to: to,
        })),
        None => Redirect::to(&to).into_response(),
    };
    set_session_cookie(&mut r, s, &value);
    clear_cookie(&mut r, s, RETURN_COOKIE);
    Ok(r)
}

fn code_again(
    sess: &SessionRecord,
    user: &UserRecord,
    status: StatusCode,
    msg: String,
) -> Response {
    render_status(
        status,
        &CodePage {
            csrf: sess.csrf_token.clone(),
            email: user.email.clone(),
            error: Some(msg),
        },
    )
}

/// Checks a second-factor code: per address and per person first (a stolen password alone
/// must not allow guessing codes); `Some` says why the code page shows again.
async fn code_check(
    s: &AppState,
    user: &UserRecord,
    code: &str,
    ip: &str,
) -> Result<Option<(StatusCode, String)>, PageError> {
    if let Some(msg) = super::session::second_factor_limited(s, ip, user) {
        return Ok(Some((StatusCode::TOO_MANY_REQUESTS, msg)));
    }
    if code.is_empty() {
        let msg = "Enter the 6-digit code from your authenticator app, or a recovery code.";
        return Ok(Some((StatusCode::UNPROCESSABLE_ENTITY, msg.into())));
    }
    match signin::check_second_factor(&s.svc, user, code, ip).await {
        Ok(()) => Ok(None),
        Err(Error::Invalid { reason, .. }) => Ok(Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            super::view::capitalise(&reason) + ".",
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /signin/code`: TOTP or recovery code.
pub async fn code_submit(
    State(s): State<AppState>,
    SessionClient(client): SessionClient,
    headers: axum::http::HeaderMap,
    MaybeSession(sess): MaybeSession,
    form: PageForm,
) -> PageResult {
    let (sess, user) = staged(&s.svc, sess, STAGE_PASSWORD).await?;
    sessions::check_csrf(&sess, form.csrf())?;
    let code = form.opt("code").or(form.opt("recovery")).unwrap_or("");
    match code_check(&s, &user, code, &client.ip).await? {
        None => finish_signin(&s, &headers, Some(&sess), &user, &client, None).await,
        Some((status, msg)) => Ok(code_again(&sess, &user, status, msg)),
    }
}

fn qr_data_uri(uri: &str) -> Result<String, PageError> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("qr code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn enrol_view(
    s: &AppState,
    sess: &SessionRecord,
    user: &UserRecord,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    // Keep an unconfirmed secret across reloads: the person may have scanned it already.
    let secret = match totp::pending_secret(&s.svc, user)? {
        Some(sec) => sec,
        None => totp::start_enrolment(&s.svc, user).await?,
    };
    let uri = totp::otpauth_uri(&secret, &user.email)?;
    Ok(no_store(render_status(
        status,
        &EnrolPage {
            csrf: sess.csrf_token.clone(),
            email: user.email.clone(),
            qr_data_uri: qr_data_uri(&uri)?,
            manual_key: grouped(&secret),
            error,
        },
    )))
}

/// `GET /signin/enrol`: set up the authenticator app.
pub async fn enrol_page(State(s): State<AppState>, MaybeSession(sess): MaybeSession) -> PageResult {
    let (sess, user) = staged(&s.svc, sess, STAGE_ENROL).await?;
    enrol_view(&s, &sess, &user, None, StatusCode::OK).await
}

/// Confirms enrolment with a first code: the recovery codes, or why the page shows again.
async fn enrol_check(
    s: &AppState,
    user: &UserRecord,
    code: &str,
    ip: &str,
) -> Result<Result<Vec<String>, (StatusCode, String)>, PageError> {
    let v = s.limits.signin_ip.check(ip);
    if !v.allowed {
        let msg = format!(
            "Too many attempts. Please wait {}.",
            wait_text(v.reset_secs)
        );
        return Ok(Err((StatusCode::TOO_MANY_REQUESTS, msg)));
    }
    match totp::enrol(&s.svc, user, code, ip).await {
        Ok(codes) => Ok(Ok(codes)),
        Err(Error::Invalid { reason, .. }) => Ok(Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            super::view::capitalise(&reason) + ".",
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /signin/enrol`: confirm with a first code; shows the recovery codes once.
pub async fn enrol_submit(
    State(s): State<AppState>,
    SessionClient(client): SessionClient,
    headers: axum::http::HeaderMap,
    MaybeSession(sess): MaybeSession,
    form: PageForm,
) -> PageResult {
    let (sess, user) = staged(&s.svc, sess, STAGE_ENROL).await?;
    sessions::check_csrf(&sess, form.csrf())?;
    match enrol_check(&s, &user, form.get("code"), &client.ip).await? {
        Ok(codes) => finish_signin(&s, &headers, Some(&sess), &user, &client, Some(codes)).await,
        Err((status, msg)) => enrol_view(&s, &sess, &user, Some(msg), status).await,
    }
}

/// `GET /signout`: a confirmation button (signing out changes state, so it is a POST).
pub async fn signout_page(signed: Result<Signed, PageError>) -> Response {
    match signed {
        Ok(sg) => render(&SignoutPage {
            csrf: sg.session.csrf_token,
            email: sg.user.email,
        }),
        Err(_) => Redirect::to("/signin").into_response(),
    }
}

/// `POST /signout`.
pub async fn signout_submit(
    State(s): State<AppState>,
    MaybeSession(sess): MaybeSession,
    form: PageForm,
) -> PageResult {
    if let Some(sess) = sess {
        sessions::check_csrf(&sess, form.csrf())?;
        sessions::end(&s.svc, &sess).await?;
    }
    let mut r = Redirect::to("/signin?signed_out=1").into_response();
    clear_cookie(&mut r, &s, SESSION_COOKIE);
    Ok(r)
}

/// `GET /`: the dashboard when signed in, else the sign-in page.
pub async fn root(MaybeSession(sess): MaybeSession) -> Response {
    match sess {
        Some(sess) => Redirect::to(&home_of_stage(&sess)).into_response(),
        None => Redirect::to("/signin").into_response(),
    }
}

#[derive(Template)]
#[template(path = "pages/no_company.html")]
struct NoCompanyPage {
    csrf: String,
    email: String,
}

/// `GET /app`: the first company, or a page saying there is none yet.
pub async fn app_home(State(s): State<AppState>, signed: Signed) -> PageResult {
    let mut companies = company::companies_of(&s.svc, &signed.user.id).await?;
    companies.sort_by_key(|(c, _)| !c.is_live);
    let pick = signed
        .session
        .company_id
        .as_ref()
        .filter(|c| companies.iter().any(|(x, _)| &x.id == *c))
        .cloned()
        .or_else(|| companies.first().map(|(c, _)| c.id.clone()));
    Ok(match pick {
        Some(c) => Redirect::to(&format!("/app/{c}")).into_response(),
        None => render(&NoCompanyPage {
            csrf: signed.session.csrf_token,
            email: signed.user.email,
        }),
    })
}
