//! Web sessions at the HTTP edge: the `nl_session` cookie (HttpOnly, SameSite=Lax, Secure
//! behind HTTPS, Path=/), the extractors that load a session at the right sign-in stage and
//! the company context of `/app/{company_id}/…` pages, and the layout data every signed-in
//! page shows (company switcher, navigation by permission, CSRF token). Idle expiry and the
//! session store live in the service (`people::sessions`).

use super::view::{NOTICE_COOKIE, PageError, PageForm};
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use newledger_domain::company::Company;
use newledger_domain::ids::CompanyId;
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_service::people::sessions::{self, STAGE_ENROL, STAGE_FULL, STAGE_PASSWORD};
use newledger_service::people::users;
use newledger_service::people::{SessionRecord, UserRecord};
use newledger_service::{Access, company};
use std::collections::HashMap;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "nl_session";

/// A cookie value from the request (`None` when absent).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Adds `Set-Cookie` for a new session value.
pub fn set_session_cookie(r: &mut Response, state: &AppState, value: &str) {
    let c = Cookie::build((SESSION_COOKIE, value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies);
    if let Ok(h) = HeaderValue::from_str(&c.to_string()) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
}

/// Name of the cookie that brings a person back to an authorization request after sign-in.
pub const RETURN_COOKIE: &str = "nl_return";

/// Remembers where to go after sign-in (an `/oauth/authorize?…` request), for 15 minutes.
pub fn set_return_cookie(r: &mut Response, state: &AppState, to: &str) {
    use base64::Engine;
    let v = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(to);
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let c = format!("{RETURN_COOKIE}={v}; Path=/; Max-Age=900; HttpOnly; SameSite=Lax{secure}");
    if let Ok(h) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
}

/// Where to go after sign-in, if an authorization request is waiting (only ever a path on
/// this server under `/oauth/authorize`: never an open redirect).
pub fn return_to(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let raw = cookie(headers, RETURN_COOKIE)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    let to = String::from_utf8(bytes).ok()?;
    // An app's authorization request, or an invitation waiting for its person to sign in.
    let ok = to.starts_with("/oauth/authorize?")
        || to.strip_prefix("/invite/").is_some_and(|t| {
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
    ok.then_some(to)
}

/// Where a request comes from, for the person's list of sessions.
pub struct SessionClient(pub sessions::Client);

impl FromRequestParts<AppState> for SessionClient {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(SessionClient(sessions::Client { ip, user_agent }))
    }
}

/// Name of the cookie carrying the double-submit token of forms shown before a session exists
/// (sign-in, forgot password, reset, invitation).
pub const FORM_TOKEN_COOKIE: &str = "nl_signin";

/// A fresh double-submit token.
pub fn new_form_token(state: &AppState) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(state.svc.random.bytes::<24>())
}

/// Sets the double-submit cookie of `token` for the pages under `path`.
pub fn set_form_token(r: &mut Response, state: &AppState, token: &str, path: &'static str) {
    let c = Cookie::build((FORM_TOKEN_COOKIE, token.to_owned()))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies);
    if let Ok(h) = HeaderValue::from_str(&c.to_string()) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
}

/// Why a form shown before a session exists is refused before its use case runs: a missing or
/// wrong double-submit token, or too many requests from the address (`limiter`).
pub fn precheck(
    headers: &HeaderMap,
    form: &PageForm,
    limiter: &crate::ratelimit::Limiter,
    ip: &str,
) -> Result<(), (axum::http::StatusCode, String)> {
    use axum::http::StatusCode;
    if !form_token_ok(headers, form) {
        let msg = "The form expired. Please enter your details again.";
        return Err((StatusCode::FORBIDDEN, msg.into()));
    }
    let v = limiter.check(ip);
    if !v.allowed {
        let wait = super::view::wait_text(v.reset_secs);
        let msg = format!("Too many attempts from your network. Please wait {wait} and try again.");
        return Err((StatusCode::TOO_MANY_REQUESTS, msg));
    }
    Ok(())
}

/// What to tell the person when second-factor attempts from this address or for this person
/// are over the limit (the sign-in limit; sign-in and consent share it).
pub fn second_factor_limited(state: &AppState, ip: &str, user: &UserRecord) -> Option<String> {
    [ip.to_owned(), format!("2fa:{}", user.id)]
        .into_iter()
        .map(|key| state.limits.signin_ip.check(&key))
        .find(|v| !v.allowed)
        .map(|v| {
            format!(
                "Too many attempts. Please wait {} and try again.",
                super::view::wait_text(v.reset_secs)
            )
        })
}

/// True when the form's `csrf` field equals the double-submit cookie.
pub fn form_token_ok(headers: &HeaderMap, form: &PageForm) -> bool {
    cookie(headers, FORM_TOKEN_COOKIE)
        .is_some_and(|c| !c.is_empty() && newledger_service::crypto::ct_eq(c, form.csrf()))
}

/// Adds `Set-Cookie` that removes a cookie.
pub fn clear_cookie(r: &mut Response, state: &AppState, name: &'static str) {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let c = format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}");
    if let Ok(h) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
}

/// A live session at any stage (or none).
pub struct MaybeSession(pub Option<SessionRecord>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let Some(value) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(MaybeSession(None));
        };
        Ok(MaybeSession(sessions::load(&state.svc, value).await?))
    }
}

/// True for a fully signed-in session (password and second factor done).
pub fn is_full(s: &SessionRecord) -> bool {
    s.stage == STAGE_FULL
}

/// Where a session at `stage` belongs.
pub fn home_of_stage(s: &SessionRecord) -> String {
    match s.stage.as_str() {
        STAGE_PASSWORD => "/signin/code".into(),
        STAGE_ENROL => "/signin/enrol".into(),
        _ => match &s.company_id {
            Some(c) => format!("/app/{c}"),
            None => "/app".into(),
        },
    }
}

/// A fully signed-in person (password and second factor done).
pub struct Signed {
    /// The session.
    pub session: SessionRecord,
    /// The person.
    pub user: UserRecord,
    /// Client address.
    pub ip: String,
}

impl Signed {
    /// Checks the CSRF field of a state-changing form.
    pub fn check_csrf(&self, form: &PageForm) -> Result<(), PageError> {
        sessions::check_csrf(&self.session, form.csrf()).map_err(PageError::from)
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let MaybeSession(s) = MaybeSession::from_request_parts(parts, state).await?;
        let s = s.ok_or_else(|| PageError::Redirect("/signin".into()))?;
        if s.stage != STAGE_FULL {
            return Err(PageError::Redirect(home_of_stage(&s)));
        }
        let user = users::user(&state.svc, &s.user_id).await?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp("unknown".into()));
        Ok(Signed {
            session: s,
            user,
            ip,
        })
    }
}

/// A signed-in person inside one of their companies (`/app/{company_id}/…`).
pub struct Ctx {
    /// The person and session.
    pub signed: Signed,
    /// Their access in the company (role permissions).
    pub access: Access,
    /// Their companies, for the switcher.
    pub companies: Vec<(Company, Role)>,
    /// Their role here.
    pub role: Role,
    /// One-line notice left by the previous form.
    pub notice: Option<String>,
    /// The company's time zone and this request's "now", for showing instants.
    pub when: super::when::Clockface,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let mut signed = Signed::from_request_parts(parts, state).await?;
        let company_id = company_of_path(parts, state).await?;
        let user = &signed.user;
        let access =
            company::access_for_user(&state.svc, &user.id, &user.email, &company_id, &signed.ip)
                .await?;
        let companies = company::companies_of(&state.svc, &user.id).await?;
        let role = companies
            .iter()
            .find(|(c, _)| c.id == company_id)
            .map_or(Role::Viewer, |(_, r)| *r);
        // Remember the company last opened, so that `/` comes back to it.
        if signed.session.company_id.as_ref() != Some(&company_id) {
            signed.session.company_id = Some(company_id);
            sessions::update(&state.svc, &signed.session).await?;
        }
        let when = super::when::Clockface::new(access.company.time_zone, state.svc.clock.now_ms());
        Ok(Ctx {
            signed,
            access,
            companies,
            role,
            notice: notice_of(&parts.headers),
            when,
        })
    }
}

/// The company of `/app/{company_id}/…`.
async fn company_of_path(parts: &mut Parts, state: &AppState) -> Result<CompanyId, PageError> {
    let not_found = || PageError::Service(newledger_service::Error::NotFound("company"));
    let params: Path<HashMap<String, String>> = Path::from_request_parts(parts, state)
        .await
        .map_err(|_| not_found())?;
    params
        .get("company_id")
        .and_then(|c| CompanyId::parse(c).ok())
        .ok_or_else(not_found)
}

/// The one-line notice the previous form left in its cookie.
fn notice_of(headers: &HeaderMap) -> Option<String> {
    cookie(headers, NOTICE_COOKIE).map(|v| {
        url::form_urlencoded::parse(format!("n={v}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    })
}

/// A company in the switcher.
pub struct CompanyLink {
    /// Dashboard URL.
    pub href: String,
    /// Name.
    pub name: String,
    /// The person's role there.
    pub role: &'static str,
    /// True for the company being shown.
    pub current: bool,
    /// False for test companies.
    pub live: bool,
}

/// What the navigation may show, by permission (the handlers check again).
#[derive(Clone, Copy, Debug, Default)]
pub struct NavRights {
    /// Invoices.
    pub invoices: bool,
    /// Bills.
    pub bills: bool,
    /// Expenses.
    pub expenses: bool,
    /// Journal.
    pub journal: bool,
    /// Contacts.
    pub contacts: bool,
    /// Chart of accounts.
    pub accounts: bool,
    /// Reports.
    pub reports: bool,
    /// Settings → App Connect.
    pub app_connect: bool,
    /// Settings → Members (managing).
    pub members: bool,
    /// Activity log.
    pub activity: bool,
}

impl NavRights {
    fn of(a: &Access) -> Self {
        let p = |x| a.permissions.contains(x);
        NavRights {
            invoices: p(Permission::InvoicesRead),
            bills: p(Permission::BillsRead),
            expenses: p(Permission::ExpensesRead),
            journal: p(Permission::JournalRead),
            contacts: p(Permission::ContactsRead),
            accounts: p(Permission::AccountsRead),
            reports: p(Permission::ReportsRead),
            app_connect: p(Permission::AppConnectManage),
            members: p(Permission::CompanyRead),
            activity: newledger_service::views::activity::may_read(a),
        }
    }
}

/// Data of the signed-in layout.
pub struct Layout {
    /// Page title.
    pub title: String,
    /// Which navigation entry is active.
    pub nav: &'static str,
    /// `/app/{company_id}`.
    pub base: String,
    /// Current company name.
    pub company_name: String,
    /// True for a live company (false: test company).
    pub company_live: bool,
    /// The person's role here.
    pub role: &'static str,
    /// Switcher entries.
    pub companies: Vec<CompanyLink>,
    /// The person's name.
    pub user_name: String,
    /// The person's e-mail.
    pub user_email: String,
    /// CSRF token for forms.
    pub csrf: String,
    /// Notice from the previous form.
    pub notice: Option<String>,
    /// Navigation rights.
    pub rights: NavRights,
}

impl Ctx {
    /// The layout of a page.
    pub fn layout(&self, title: impl Into<String>, nav: &'static str) -> Layout {
        let cid = &self.access.company.id;
        Layout {
            title: title.into(),
            nav,
            base: format!("/app/{cid}"),
            company_name: self.access.company.name.clone(),
            company_live: self.access.company.is_live,
            role: self.role.as_str(),
            companies: self
                .companies
                .iter()
                .map(|(c, r)| CompanyLink {
                    href: format!("/app/{}", c.id),
                    name: c.name.clone(),
                    role: r.as_str(),
                    current: &c.id == cid,
                    live: c.is_live,
                })
                .collect(),
            user_name: self.signed.user.name.clone(),
            user_email: self.signed.user.email.clone(),
            csrf: self.signed.session.csrf_token.clone(),
            notice: self.notice.clone(),
            rights: NavRights::of(&self.access),
        }
    }

    /// `/app/{company_id}` + `rest`.
    pub fn url(&self, rest: &str) -> String {
        format!("/app/{}{rest}", self.access.company.id)
    }

    /// Checks the CSRF field of a state-changing form.
    pub fn check_csrf(&self, form: &PageForm) -> Result<(), PageError> {
        self.signed.check_csrf(form)
    }

    /// True when the person holds `p` here.
    pub fn can(&self, p: Permission) -> bool {
        self.access.permissions.contains(p)
    }

    /// The company's currency.
    pub fn currency(&self) -> newledger_domain::money::Currency {
        self.access.company.currency
    }
}
