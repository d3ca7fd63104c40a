//! `GET /oauth/authorize` and the consent form (`POST /oauth/authorize`): the person sees the
//! app, the company and the permissions in plain words, removes what they do not want to give,
//! confirms with a second factor and approves or denies. Not signed in: the request is kept in
//! a short-lived cookie and resumed after sign-in. Served under the pages' security headers
//! (no framing); the form refuses cross-site and framed submissions as well as a missing CSRF
//! token. Rules live in `newledger_service::oauth::authorize`.

use super::session::{MaybeSession, Signed, second_factor_limited, set_return_cookie};
use super::view::{PageError, PageForm, PageResult, render_status};
use crate::extract::ClientIp;
use crate::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use newledger_domain::ids::CompanyId;
use newledger_domain::oauth::Surfaces;
use newledger_domain::permission::{PermissionKind, PermissionSet};
use newledger_service::Error;
use newledger_service::oauth::authorize::{
    self, Approval, AuthRequest, AuthorizeError, AuthorizeParams, ConsentError,
};
use newledger_service::people::sessions::STAGE_FULL;
use newledger_service::people::users;
use newledger_service::people::{SessionRecord, UserRecord};

/// Longest authorization query accepted (it is kept in a cookie across sign-in).
pub const MAX_AUTHORIZE_QUERY: usize = 3000;

const PARAMS: [&str; 7] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

struct CompanyOption {
    id: String,
    name: String,
    role: &'static str,
    selected: bool,
}

struct PermRow {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "pages/oauth_consent.html")]
struct ConsentPage {
    csrf: String,
    client_name: String,
    client_initial: String,
    /// Our copy of the logo of an app registered by a company (never an unverified client's).
    logo_src: Option<String>,
    client_domain: Option<String>,
    /// The client ID metadata document's URL (the client's identity), when it has one.
    metadata_url: Option<String>,
    redirect_host: String,
    unverified: bool,
    loopback: bool,
    error: Option<String>,
    hidden: Vec<(String, String)>,
    fixed_company: bool,
    companies: Vec<CompanyOption>,
    /// No company chosen yet among several: the picker starts on "Choose a company…" so that
    /// nobody connects the first company of a list by not looking.
    choose_prompt: bool,
    surfaces: String,
    read_perms: Vec<PermRow>,
    draft_perms: Vec<PermRow>,
    refused: String,
}

/// Reads the parameters from pairs: each at most once, `resource` any number of times.
fn params(pairs: &[(String, String)]) -> Result<AuthorizeParams, PageError> {
    let mut p = AuthorizeParams::default();
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "resource" => {
                p.resource.push(v.clone());
                continue;
            }
            "response_type" => &mut p.response_type,
            "client_id" => &mut p.client_id,
            "redirect_uri" => &mut p.redirect_uri,
            "scope" => &mut p.scope,
            "state" => &mut p.state,
            "code_challenge" => &mut p.code_challenge,
            "code_challenge_method" => &mut p.code_challenge_method,
            _ => continue,
        };
        if slot.replace(v.clone()).is_some() {
            return Err(PageError::BadRequest(format!(
                "The app sent `{}` twice. Nothing was shared; go back to the app and try again.",
                newledger_domain::oauth::clip(k)
            )));
        }
    }
    Ok(p)
}

fn hidden(p: &AuthorizeParams) -> Vec<(String, String)> {
    let vals = [
        &p.response_type,
        &p.client_id,
        &p.redirect_uri,
        &p.scope,
        &p.state,
        &p.code_challenge,
        &p.code_challenge_method,
    ];
    let mut out: Vec<(String, String)> = PARAMS
        .iter()
        .zip(vals)
        .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v)))
        .collect();
    out.extend(
        p.resource
            .iter()
            .map(|r| ("resource".to_owned(), r.clone())),
    );
    out
}

async fn checked(s: &AppState, p: &AuthorizeParams, ip: &str) -> Result<AuthRequest, Response> {
    match authorize::validate(&s.svc, p, ip).await {
        Ok(r) => Ok(r),
        Err(AuthorizeError::Page(m)) => Err(PageError::BadRequest(m).into_response()),
        Err(AuthorizeError::Redirect(u)) => Err(Redirect::to(&u).into_response()),
        Err(AuthorizeError::Internal(e)) => Err(PageError::Service(e).into_response()),
    }
}

fn surfaces_text(s: Surfaces) -> &'static str {
    match s {
        Surfaces::Api => "the REST API of the company",
        Surfaces::Mcp => "the company's MCP server (for AI assistants)",
        Surfaces::Both => "the company's REST API and its MCP server (for AI assistants)",
    }
}

async fn consent_page(
    s: &AppState,
    signed: &Signed,
    req: &AuthRequest,
    p: &AuthorizeParams,
    error: Option<String>,
    kept: Option<(Option<CompanyId>, PermissionSet)>,
    status: StatusCode,
) -> PageResult {
    let choices = authorize::choices(&s.svc, &signed.user, req).await?;
    let page = ConsentPage::new(signed, req, p, &choices, error, kept);
    let mut r = render_status(status, &page);
    // Browsers apply `form-action` to the redirects a form submission follows: Approve and Deny
    // end at the client's redirect URI, so its origin (registered, checked) is allowed here.
    if let Some(v) = consent_csp(&req.redirect_uri) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(r)
}

impl ConsentPage {
    /// The consent page for `req`: the companies the person may choose, and every permission
    /// offered, ticked when kept (all of them on first display).
    fn new(
        signed: &Signed,
        req: &AuthRequest,
        p: &AuthorizeParams,
        choices: &[authorize::CompanyChoice],
        error: Option<String>,
        kept: Option<(Option<CompanyId>, PermissionSet)>,
    ) -> Self {
        let offered = choices.iter().fold(PermissionSet::EMPTY, |a, c| {
            PermissionSet::from_bits(a.bits() | c.offered.bits())
        });
        let (kept_company, kept_perms) = kept.unwrap_or((None, offered));
        // One company: nothing to choose. Several: the person picks one.
        let kept_company = kept_company.or_else(|| match choices {
            [only] => Some(only.company.id.clone()),
            _ => None,
        });
        let rows = |kind| {
            offered
                .iter()
                .filter(|p| p.kind() == kind)
                .map(|p| PermRow {
                    value: p.as_str(),
                    label: p.label(),
                    checked: kept_perms.contains(p),
                })
                .collect::<Vec<_>>()
        };
        let c = &req.client;
        Self {
            csrf: signed.session.csrf_token.clone(),
            client_initial: c
                .name
                .chars()
                .next()
                .map(|x| x.to_uppercase().to_string())
                .unwrap_or_default(),
            logo_src: newledger_service::oauth::logos::shown_for(c)
                .then(|| format!("/oauth/clients/{}/logo", c.id)),
            client_name: c.name.clone(),
            client_domain: authorize::client_domain(c),
            metadata_url: c.metadata_url.clone(),
            redirect_host: authorize::host_of(&req.redirect_uri),
            unverified: authorize::unverified(c),
            loopback: authorize::loopback_only(c),
            error,
            hidden: hidden(p),
            fixed_company: req.company.is_some(),
            choose_prompt: !choices
                .iter()
                .any(|x| kept_company.as_ref() == Some(&x.company.id)),
            companies: choices
                .iter()
                .map(|x| CompanyOption {
                    id: x.company.id.to_string(),
                    name: x.company.name.clone(),
                    role: x.role.as_str(),
                    selected: kept_company.as_ref() == Some(&x.company.id),
                })
                .collect(),
            surfaces: surfaces_text(req.surfaces).into(),
            read_perms: rows(PermissionKind::Read),
            draft_perms: rows(PermissionKind::Draft),
            refused: req
                .requested
                .refused
                .iter()
                .map(|p| format!("{} ({})", p.label(), p.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/oauth_continue.html")]
struct ContinuePage {
    client_name: String,
    to: String,
}

/// Sends the person back to an app that needs no new consent. Straight from the app (a
/// cross-site navigation) that is a redirect; right after our own sign-in form it is a page that
/// moves on by itself (`Refresh`), because browsers apply the form's `form-action 'self'` to
/// every redirect that follows a form submission and would stop at the app's origin.
fn back_to_client(headers: &HeaderMap, client_name: &str, to: &str) -> Response {
    let after_our_form = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v == "same-origin");
    if !after_our_form {
        return Redirect::to(to).into_response();
    }
    let mut r = render_status(
        StatusCode::OK,
        &ContinuePage {
            client_name: client_name.to_owned(),
            to: to.to_owned(),
        },
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("0; url={to}")) {
        r.headers_mut().insert(header::REFRESH, v);
    }
    r
}

/// The pages' CSP with the redirect URI's origin added to `form-action`.
fn consent_csp(redirect_uri: &str) -> Option<axum::http::HeaderValue> {
    let origin = url::Url::parse(redirect_uri).ok()?.origin();
    if !origin.is_tuple() {
        return None;
    }
    let csp = super::CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", origin.ascii_serialization()),
    );
    axum::http::HeaderValue::from_str(&csp).ok()
}

/// `GET /oauth/authorize`.
pub async fn authorize_page(
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
    MaybeSession(sess): MaybeSession,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    signed: Result<Signed, PageError>,
) -> PageResult {
    let q = q.unwrap_or_default();
    let pairs = query_pairs(&q)?;
    let p = params(&pairs)?;
    let req = match checked(&s, &p, &ip).await {
        Ok(r) => r,
        Err(r) => return Ok(r),
    };
    let signed = match (signed, sess) {
        (Ok(sg), _) => sg,
        (Err(_), sess) => return Ok(to_sign_in(&s, sess.as_ref(), &q)),
    };
    if let Some(to) = authorize::already_approved(&s.svc, &signed.user, &req, &signed.ip).await? {
        return Ok(back_to_client(&headers, &req.client.name, &to));
    }
    consent_page(&s, &signed, &req, &p, None, None, StatusCode::OK).await
}

/// The authorization request's query parameters, bounded in length.
fn query_pairs(q: &str) -> Result<Vec<(String, String)>, PageError> {
    if q.len() > MAX_AUTHORIZE_QUERY {
        return Err(PageError::BadRequest(format!(
            "The app's request is longer than {MAX_AUTHORIZE_QUERY} characters. Nothing was shared."
        )));
    }
    Ok(url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// Sign in (or finish signing in), then come back to exactly this request.
fn to_sign_in(s: &AppState, sess: Option<&SessionRecord>, q: &str) -> Response {
    let to = match sess {
        Some(x) if x.stage != STAGE_FULL => super::session::home_of_stage(x),
        _ => "/signin".to_owned(),
    };
    let mut r = Redirect::to(&to).into_response();
    set_return_cookie(&mut r, s, &format!("/oauth/authorize?{q}"));
    r
}

/// Refuses a consent submission from another site or from inside a frame.
fn same_site_top_level(s: &AppState, headers: &HeaderMap) -> Result<(), PageError> {
    let refuse = || {
        PageError::Service(Error::Forbidden {
            permission: None,
            reason: "the consent form must be sent from NewLedger's own page, not from another site or a frame".into(),
        })
    };
    let h = |n| {
        headers
            .get(n)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    if h("sec-fetch-dest").is_some_and(|d| d != "document") {
        return Err(refuse());
    }
    if h("sec-fetch-site").is_some_and(|d| d != "same-origin") {
        return Err(refuse());
    }
    // Every page is served with `Referrer-Policy: no-referrer`, under which browsers send
    // `Origin: null` even for a same-origin form: `null` says nothing, and Sec-Fetch-Site (above)
    // and the CSRF token decide. Any other origin than ours is refused.
    if h(header::ORIGIN.as_str()).is_some_and(|o| o != "null" && o != origin_of(&s.config.base_url))
    {
        return Err(refuse());
    }
    Ok(())
}

/// The origin (scheme://host[:port]) of a base URL.
pub fn origin_of(base: &str) -> String {
    url::Url::parse(base)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// `POST /oauth/authorize`: Approve or Deny.
pub async fn consent_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    form: PageForm,
) -> PageResult {
    same_site_top_level(&s, &headers)?;
    signed.check_csrf(&form)?;
    let p = params(&submitted_pairs(&form))?;
    let req = match checked(&s, &p, &signed.ip).await {
        Ok(r) => r,
        Err(r) => return Ok(r),
    };
    let user: UserRecord = users::user(&s.svc, &signed.user.id).await?;
    if form.get("decision") != "approve" {
        let to = authorize::deny(&s.svc, &user, &req, &signed.ip).await?;
        return Ok(Redirect::to(&to).into_response());
    }
    let asked = Asked {
        s: &s,
        signed: &signed,
        req: &req,
        p: &p,
    };
    approve(&asked, &user, &form).await
}

/// The authorization request being answered, to show its consent page again.
struct Asked<'a> {
    s: &'a AppState,
    signed: &'a Signed,
    req: &'a AuthRequest,
    p: &'a AuthorizeParams,
}

/// Approves with the company, the permissions left ticked and the second factor, and sends the
/// person back to the client; or shows the consent page again saying what to fix.
async fn approve(asked: &Asked<'_>, user: &UserRecord, form: &PageForm) -> PageResult {
    let company = CompanyId::parse(form.get("company")).ok();
    let kept = kept_permissions(form);
    let again = async |msg: String, status| {
        let kept = Some((company.clone(), kept));
        let (s, signed, req, p) = (asked.s, asked.signed, asked.req, asked.p);
        consent_page(s, signed, req, p, Some(msg), kept, status).await
    };
    if let Some(wait) = second_factor_limited(asked.s, &asked.signed.ip, user) {
        return again(wait, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let Some(company_id) = company.clone() else {
        return again("Choose a company.".into(), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let approval = Approval {
        company: company_id,
        permissions: kept,
        second_factor: form.get("code").to_owned(),
    };
    let (s, req) = (asked.s, asked.req);
    match authorize::approve(&s.svc, user, req, approval, &asked.signed.ip).await {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(ConsentError::Retry(m)) => again(m, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(ConsentError::Internal(e)) => Err(e.into()),
    }
}

/// The authorization request as the consent form carried it (hidden fields).
fn submitted_pairs(form: &PageForm) -> Vec<(String, String)> {
    PARAMS
        .iter()
        .chain(["resource"].iter())
        .flat_map(|k| form.all(k).into_iter().map(|v| ((*k).to_owned(), v)))
        .collect()
}

/// The permissions the person left ticked.
fn kept_permissions(form: &PageForm) -> PermissionSet {
    form.all("permission")
        .iter()
        .filter_map(|v| newledger_domain::permission::Permission::parse(v).ok())
        .collect()
}
