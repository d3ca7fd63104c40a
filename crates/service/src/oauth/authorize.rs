//! The authorization request (`GET /oauth/authorize`) and the person's decision on it.
//!
//! Order of checks (RFC 6749 §4.1.2.1, RFC 9700 §4.1): the client and the redirect URI first —
//! when either is wrong nothing is sent anywhere and the person sees an error page; every later
//! error goes back to the client's redirect URI with `state` and `iss` (RFC 9207). Nothing is
//! issued without the person's explicit approval, confirmed with a second factor.

use super::client_document::{self, ResolveError};
use super::{CODE_TTL_MS, OAuthError};
use crate::activity::{Event, Who};
use crate::people::totp;
use crate::work::Work;
use crate::{Error, Result, Services};
use newledger_domain::company::Company;
use newledger_domain::ids::{CompanyId, ConnectionId, OAuthClientId};
use newledger_domain::oauth::{
    MAX_REDIRECT_URI_LEN, RequestedScope, Surfaces, clip, is_client_id_url, is_loopback_redirect,
    is_pkce_value, parse_requested_scope, parse_resource, redirect_uri_matches,
};
use newledger_domain::permission::PermissionSet;
use newledger_domain::role::Role;
use newledger_store::{
    AuthCodeRecord, ConnectionRecord, OAuthClientKind, OAuthClientRecord, UserRecord,
};

/// Longest `state` accepted.
pub const MAX_STATE_LEN: usize = 1000;

/// The parameters of an authorization request, as sent (each at most once; `resource` may
/// repeat, RFC 8707 §2).
#[derive(Clone, Debug, Default)]
pub struct AuthorizeParams {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// One of the client's registered redirect URIs.
    pub redirect_uri: Option<String>,
    /// Requested permissions.
    pub scope: Option<String>,
    /// Returned unchanged.
    pub state: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
    /// RFC 8707 resources.
    pub resource: Vec<String>,
}

/// A request whose client and redirect URI checked out, and everything else too.
#[derive(Clone, Debug)]
pub struct AuthRequest {
    /// The client.
    pub client: OAuthClientRecord,
    /// The redirect URI (as requested; it matched a registered one).
    pub redirect_uri: String,
    /// The client's state.
    pub state: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// Requested scope, split into delegable and never-delegable.
    pub requested: RequestedScope,
    /// The company named by `resource`, if any (else the person picks one).
    pub company: Option<CompanyId>,
    /// Surfaces: those named by `resource`, or both when none.
    pub surfaces: Surfaces,
}

/// Why an authorization request cannot go on.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Unknown client or unregistered redirect URI: tell the person, redirect nowhere.
    Page(String),
    /// Anything else: send the client this URL (error, description, state, iss).
    Redirect(String),
    /// A fault.
    Internal(Error),
}

impl From<Error> for AuthorizeError {
    fn from(e: Error) -> Self {
        AuthorizeError::Internal(e)
    }
}

impl From<newledger_store::StoreError> for AuthorizeError {
    fn from(e: newledger_store::StoreError) -> Self {
        AuthorizeError::Internal(e.into())
    }
}

/// `redirect_uri` with `params` added to its query, plus `iss` (RFC 9207).
pub fn redirect_to(svc: &Services, redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
                q.append_pair("iss", &svc.settings.base_url);
            }
            u.to_string()
        }
        // Registered URIs always parse; never build a redirect from one that does not.
        Err(_) => String::new(),
    }
}

fn error_redirect(
    svc: &Services,
    redirect_uri: &str,
    state: Option<&str>,
    e: &OAuthError,
) -> AuthorizeError {
    let mut p = vec![
        ("error", e.code),
        ("error_description", e.description.as_str()),
    ];
    if let Some(s) = state {
        p.push(("state", s));
    }
    AuthorizeError::Redirect(redirect_to(svc, redirect_uri, &p))
}

/// Checks an authorization request from `ip`. A `client_id` that is a URL is resolved through
/// its client ID metadata document ([`client_document::resolve`]).
pub async fn validate(
    svc: &Services,
    p: &AuthorizeParams,
    ip: &str,
) -> std::result::Result<AuthRequest, AuthorizeError> {
    let client_id = p.client_id.as_deref().unwrap_or("");
    let client = if is_client_id_url(client_id) {
        match client_document::resolve(svc, client_id, ip).await {
            Ok(c) => Some(c),
            Err(ResolveError::Refused(why)) => {
                return Err(AuthorizeError::Page(format!(
                    "The app that sent you here says it is `{}`, but {why}. Nothing was shared.",
                    clip(client_id)
                )));
            }
            Err(ResolveError::Internal(e)) => return Err(AuthorizeError::Internal(e)),
        }
    } else {
        match OAuthClientId::parse(client_id) {
            Ok(id) => svc.store.oauth_client(&id).await?,
            Err(_) => None,
        }
    };
    let Some(client) = client.filter(|c| c.deleted_at.is_none()) else {
        return Err(AuthorizeError::Page(if client_id.is_empty() {
            "The app did not say who it is (no client_id). Nothing was shared.".into()
        } else {
            format!(
                "The app that sent you here (`{}`) is not known to NewLedger, or was deleted. Nothing was shared.",
                clip(client_id)
            )
        }));
    };
    let Some(redirect_uri) = p.redirect_uri.clone() else {
        return Err(AuthorizeError::Page(format!(
            "{} did not say where to send you back (no redirect_uri). Nothing was shared.",
            client.name
        )));
    };
    if redirect_uri.len() > MAX_REDIRECT_URI_LEN
        || !client
            .redirect_uris
            .iter()
            .any(|r| redirect_uri_matches(r, &redirect_uri))
    {
        return Err(AuthorizeError::Page(format!(
            "{} asked to send you back to an address it did not register ({}). NewLedger will not send anything there.",
            client.name,
            clip(&redirect_uri)
        )));
    }
    let state = p.state.clone();
    let fail = |code, d: String| {
        Err(error_redirect(
            svc,
            &redirect_uri,
            state.as_deref(),
            &OAuthError::new(code, d),
        ))
    };
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return fail(
            "invalid_request",
            format!("state may have at most {MAX_STATE_LEN} characters"),
        );
    }
    match p.response_type.as_deref() {
        Some("code") => {}
        None => return fail("invalid_request", "response_type=code is required".into()),
        Some(other) => {
            return fail(
                "unsupported_response_type",
                format!("response_type `{}` is not supported; use code", clip(other)),
            );
        }
    }
    let Some(challenge) = p.code_challenge.clone().filter(|c| !c.is_empty()) else {
        return fail(
            "invalid_request",
            "PKCE is required: send code_challenge with code_challenge_method=S256".into(),
        );
    };
    match p.code_challenge_method.as_deref() {
        Some("S256") => {}
        None | Some("plain") => {
            return fail(
                "invalid_request",
                "only the S256 PKCE method is accepted (plain is not); send code_challenge_method=S256".into(),
            );
        }
        Some(other) => {
            return fail(
                "invalid_request",
                format!("PKCE method `{}` is not supported; use S256", clip(other)),
            );
        }
    }
    if !is_pkce_value(&challenge) {
        return fail(
            "invalid_request",
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~".into(),
        );
    }
    let requested = match parse_requested_scope(p.scope.as_deref()) {
        Ok(r) => r,
        Err(e) => return fail("invalid_scope", e),
    };
    let (company, surfaces) = match resources(svc, &p.resource).await {
        Ok(x) => x,
        Err(d) => return fail("invalid_target", d),
    };
    Ok(AuthRequest {
        client,
        redirect_uri,
        state,
        code_challenge: challenge,
        requested,
        company,
        surfaces,
    })
}

/// The company and surfaces named by `resource` values (none: both surfaces of the company
/// the person will choose).
pub async fn resources(
    svc: &Services,
    values: &[String],
) -> std::result::Result<(Option<CompanyId>, Surfaces), String> {
    let base = &svc.settings.base_url;
    let mut out: Option<(CompanyId, Surfaces)> = None;
    if values.len() > 2 {
        return Err(
            "at most two resources (the REST API and the MCP server of one company)".into(),
        );
    }
    for v in values {
        let Some((c, s)) = parse_resource(base, v) else {
            return Err(format!(
                "resource `{}` is not one of ours: use {base}/mcp/{{company_id}} or {base}/api/v1/companies/{{company_id}}",
                clip(v)
            ));
        };
        out = match out {
            None => Some((c, s)),
            Some((c0, s0)) if c0 == c => Some((c, s0.union(s))),
            Some(_) => return Err("all resources must belong to one company".into()),
        };
    }
    match out {
        None => Ok((None, Surfaces::Both)),
        Some((c, s)) => {
            if svc.store.company(&c).await.ok().flatten().is_none() {
                return Err(format!(
                    "resource names company `{c}`, which does not exist"
                ));
            }
            Ok((Some(c), s))
        }
    }
}

/// A company the person may connect the client to, with what they can give it there.
#[derive(Clone, Debug)]
pub struct CompanyChoice {
    /// The company.
    pub company: Company,
    /// The person's role.
    pub role: Role,
    /// Requested ∩ delegable ∩ what the person holds there.
    pub offered: PermissionSet,
    /// Requested permissions the person does not hold there.
    pub not_held: PermissionSet,
}

/// What the consent page offers: the companies (one when the request named it).
pub async fn choices(
    svc: &Services,
    user: &UserRecord,
    req: &AuthRequest,
) -> Result<Vec<CompanyChoice>> {
    let mut out = Vec::new();
    for (company, role) in svc.store.companies_of_user(&user.id).await? {
        if req.company.as_ref().is_some_and(|c| *c != company.id) {
            continue;
        }
        let offered = req.requested.delegable.intersect(role.permissions());
        if offered.is_empty() {
            continue;
        }
        out.push(CompanyChoice {
            not_held: req.requested.delegable.difference(offered),
            company,
            role,
            offered,
        });
    }
    Ok(out)
}

/// True when the client is not verified by NewLedger (dynamic registration, metadata document).
pub fn unverified(c: &OAuthClientRecord) -> bool {
    c.kind != OAuthClientKind::Registered
}

/// True when every redirect of the client goes to the person's own machine.
pub fn loopback_only(c: &OAuthClientRecord) -> bool {
    c.redirect_uris.iter().all(|u| is_loopback_redirect(u))
}

/// The person's decision.
#[derive(Clone, Debug)]
pub struct Approval {
    /// The chosen company.
    pub company: CompanyId,
    /// Permissions the person kept (a subset of what was offered).
    pub permissions: PermissionSet,
    /// TOTP code or recovery code.
    pub second_factor: String,
}

/// Why an approval was not taken: show the form again with this message.
#[derive(Debug)]
pub enum ConsentError {
    /// Something the person can fix (code, company, permissions).
    Retry(String),
    /// A fault.
    Internal(Error),
}

impl From<Error> for ConsentError {
    fn from(e: Error) -> Self {
        ConsentError::Internal(e)
    }
}

impl From<newledger_store::StoreError> for ConsentError {
    fn from(e: newledger_store::StoreError) -> Self {
        ConsentError::Internal(e.into())
    }
}

fn who(user: &UserRecord, ip: &str) -> Who {
    Who {
        kind: "user".into(),
        id: user.id.to_string(),
        label: user.email.clone(),
        ip: ip.to_owned(),
    }
}

async fn check_second_factor(
    svc: &Services,
    user: &UserRecord,
    code: &str,
) -> std::result::Result<(), ConsentError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(ConsentError::Retry(
            "Enter the 6-digit code from your authenticator app (or a recovery code) to approve."
                .into(),
        ));
    }
    let r = if code.contains('-') {
        totp::use_recovery_code(svc, user, code).await
    } else {
        totp::verify(svc, user, &code.replace(' ', "")).await
    };
    match r {
        Ok(()) => Ok(()),
        Err(Error::Invalid { reason, .. }) if reason.contains("already used") => Err(ConsentError::Retry(
            "That code was already used — perhaps you just used it to sign in. Each code works only once: wait until your authenticator app shows the next code (they change every 30 seconds) and enter that one.".into(),
        )),
        Err(Error::Invalid { .. }) => Err(ConsentError::Retry(
            "That code is not correct. Check that you are reading the code for NewLedger in your authenticator app (and that your phone's clock is right), then enter the current code. A recovery code (xxxxx-xxxxx) works too.".into(),
        )),
        Err(Error::Forbidden { reason, .. }) => Err(ConsentError::Retry(format!("{reason}."))),
        Err(e) => Err(e.into()),
    }
}

/// Approves: checks the company, the kept permissions and the second factor, records the
/// connection and returns the redirect carrying a single-use code.
pub async fn approve(
    svc: &Services,
    user: &UserRecord,
    req: &AuthRequest,
    a: Approval,
    ip: &str,
) -> std::result::Result<String, ConsentError> {
    let choices = choices(svc, user, req).await?;
    let Some(choice) = choices.iter().find(|c| c.company.id == a.company) else {
        return Err(ConsentError::Retry(
            "Choose one of your companies for this connection.".into(),
        ));
    };
    let granted = a.permissions.intersect(choice.offered);
    if granted.is_empty() {
        return Err(ConsentError::Retry(
            "Keep at least one permission, or choose Deny.".into(),
        ));
    }
    check_second_factor(svc, user, &a.second_factor).await?;
    let removed = choice.offered.difference(granted);
    // The connection, its code and the log row: one unit of work.
    let code = svc
        .write(async |w| {
            let conn = connect(w, user, req, &a.company, granted).await?;
            let code = issue_code(w, req, &conn, granted).await?;
            w.log_as(
                Some(&a.company),
                &who(user, ip),
                Event::ok("oauth.consent_granted", "connection", conn.id.as_str())
                    .reason(if removed.is_empty() {
                        format!("granted {granted}")
                    } else {
                        format!("granted {granted}; removed {removed}")
                    })
                    .details(serde_json::json!({
                        "client_id": req.client.id,
                        "client_name": req.client.name,
                        "granted": granted.to_scope_string(),
                        "removed": removed.to_scope_string(),
                        "not_held": choice.not_held.to_scope_string(),
                        "refused_people_only": req.requested.refused.to_scope_string(),
                        "surfaces": req.surfaces.as_str(),
                    })),
            )
            .await?;
            Ok::<_, Error>(code)
        })
        .await?;
    let mut p = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        p.push(("state", s));
    }
    Ok(redirect_to(svc, &req.redirect_uri, &p))
}

/// The person's active connection to the client in the company, with the scope just approved
/// (the latest decision holds), or a new one.
async fn connect(
    w: &mut Work<'_>,
    user: &UserRecord,
    req: &AuthRequest,
    company: &CompanyId,
    granted: PermissionSet,
) -> Result<ConnectionRecord> {
    let now = w.svc().clock.now_ms();
    let existing = w
        .store()
        .active_connection(&req.client.id, company, &user.id)
        .await?;
    Ok(match existing {
        Some(mut c) => {
            c.scope = granted;
            c.surfaces = req.surfaces;
            c.updated_at = now;
            w.store().update_connection(&c).await?;
            w.credentials_changed();
            c
        }
        None => {
            let c = ConnectionRecord {
                id: w.svc().new_id(ConnectionId::PREFIX),
                company_id: company.clone(),
                client_id: req.client.id.clone(),
                user_id: user.id.clone(),
                scope: granted,
                surfaces: req.surfaces,
                active: true,
                credential_version: 1,
                created_at: now,
                updated_at: now,
                last_used_at: None,
                deleted_at: None,
            };
            w.store().insert_connection(&c).await?;
            c
        }
    })
}

async fn issue_code(
    w: &Work<'_>,
    req: &AuthRequest,
    conn: &ConnectionRecord,
    granted: PermissionSet,
) -> Result<String> {
    let svc = w.svc();
    let now = svc.clock.now_ms();
    let code = svc.random_secret("");
    w.store()
        .insert_auth_code(&AuthCodeRecord {
            code_hash: svc.key.hash_secret(&code),
            client_id: req.client.id.clone(),
            connection_id: conn.id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            code_challenge: req.code_challenge.clone(),
            surfaces: req.surfaces,
            scope: granted,
            family_id: svc.random_secret(""),
            expires_at: now + CODE_TTL_MS,
            used_at: None,
            created_at: now,
        })
        .await?;
    Ok(code)
}

/// A client asking for the same or less than the person already approved is not asked again:
/// when the person has an active connection to this client (in the named company, or any of
/// theirs when none is named) covering the surfaces and every requested permission they hold,
/// a code is issued at once. `None`: ask.
pub async fn already_approved(
    svc: &Services,
    user: &UserRecord,
    req: &AuthRequest,
    ip: &str,
) -> Result<Option<String>> {
    for choice in choices(svc, user, req).await? {
        let Some(conn) = svc
            .store
            .active_connection(&req.client.id, &choice.company.id, &user.id)
            .await?
        else {
            continue;
        };
        if !conn.scope.is_superset(choice.offered) || !conn.surfaces.covers(req.surfaces) {
            continue;
        }
        let code = svc
            .write(async |w| {
                let code = issue_code(w, req, &conn, choice.offered).await?;
                w.log_as(
                    Some(&conn.company_id),
                    &who(user, ip),
                    Event::ok("oauth.code_issued", "connection", conn.id.as_str())
                        .reason("already approved: the app asked for no more than before"),
                )
                .await?;
                Ok::<_, Error>(code)
            })
            .await?;
        let mut p = vec![("code", code.as_str())];
        if let Some(s) = &req.state {
            p.push(("state", s));
        }
        return Ok(Some(redirect_to(svc, &req.redirect_uri, &p)));
    }
    Ok(None)
}

/// Denies: logs it and returns the redirect carrying `access_denied`.
pub async fn deny(
    svc: &Services,
    user: &UserRecord,
    req: &AuthRequest,
    ip: &str,
) -> Result<String> {
    let companies = svc.store.companies_of_user(&user.id).await?;
    let company = req
        .company
        .clone()
        .or_else(|| companies.first().map(|(c, _)| c.id.clone()));
    svc.activity
        .log_as(
            company.as_ref(),
            &who(user, ip),
            Event::failed(
                "oauth.consent_denied",
                "oauth_client",
                req.client.id.as_str(),
                "the person chose Deny",
            )
            .details(serde_json::json!({"client_name": req.client.name})),
        )
        .await?;
    let e = OAuthError::new("access_denied", "the person denied access");
    match error_redirect(svc, &req.redirect_uri, req.state.as_deref(), &e) {
        AuthorizeError::Redirect(u) => Ok(u),
        _ => Err(Error::Internal(anyhow::anyhow!("no redirect"))),
    }
}

/// The domain to show for a client: its metadata document's host (the identity it proved by
/// serving the document there), else its homepage's.
pub fn client_domain(c: &OAuthClientRecord) -> Option<String> {
    c.metadata_url
        .as_deref()
        .or(c.client_uri.as_deref())
        .map(host_of)
        .filter(|h| !h.is_empty())
}

/// Host of a URL, for the consent page.
pub fn host_of(u: &str) -> String {
    url::Url::parse(u)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_default()
}
