//! A scripted person and client for the authorization code flow: registration, PKCE, the
//! sign-in and consent forms with cookies, CSRF and TOTP, and the token endpoint.

use crate::http::{Got, send};
use crate::{Person, TestApp};
use base64::Engine;
use newledger_domain::ids::CompanyId;
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "https://client.example.com/callback";

/// (verifier, S256 challenge).
#[allow(clippy::disallowed_methods)] // reason: the client's own secret, made up outside the server
pub fn pkce() -> (String, String) {
    let verifier = format!("v{}{}", ulid::Ulid::new(), ulid::Ulid::new()).to_lowercase();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Registers a client dynamically; returns (client_id, secret).
pub async fn register(app: &TestApp, redirects: &[&str], method: &str) -> (String, Option<String>) {
    let g = send(
        app.http
            .post(format!("{}/oauth/register", app.base))
            .json(&serde_json::json!({
                "client_name": "Ledger Helper",
                "redirect_uris": redirects,
                "token_endpoint_auth_method": method,
                "client_uri": "https://client.example.com",
            })),
    )
    .await;
    g.expect(201);
    (
        g.body["client_id"].as_str().unwrap().to_owned(),
        g.body["client_secret"].as_str().map(str::to_owned),
    )
}

/// An authorization request.
#[derive(Clone, Debug)]
pub struct Authz {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub method: Option<String>,
    pub scope: Option<String>,
    pub resource: Vec<String>,
    pub state: String,
}

impl Authz {
    pub fn new(client_id: &str, challenge: &str) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri: REDIRECT.into(),
            challenge: Some(challenge.into()),
            method: Some("S256".into()),
            scope: Some("invoices:read invoices:draft contacts:read".into()),
            resource: Vec::new(),
            state: "st-42".into(),
        }
    }

    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".into(), self.client_id.clone()),
            ("redirect_uri".into(), self.redirect_uri.clone()),
            ("state".into(), self.state.clone()),
        ];
        if let Some(c) = &self.challenge {
            p.push(("code_challenge".into(), c.clone()));
        }
        if let Some(m) = &self.method {
            p.push(("code_challenge_method".into(), m.clone()));
        }
        if let Some(s) = &self.scope {
            p.push(("scope".into(), s.clone()));
        }
        for r in &self.resource {
            p.push(("resource".into(), r.clone()));
        }
        p
    }

    pub fn url(&self, app: &TestApp) -> String {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs())
            .finish();
        format!("{}/oauth/authorize?{q}", app.base)
    }
}

/// A person's browser: its own cookie jar, no automatic redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn csrf_of(html: &str) -> String {
    let i = html
        .find("name=\"csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Starts the request signed out, signs in (password + TOTP) and lands on the consent page;
/// returns the browser and the consent page's HTML.
pub async fn sign_in_to_consent(app: &TestApp, p: &Person, a: &Authz) -> (reqwest::Client, String) {
    sign_in_to_consent_at(app, p, &a.url(app)).await
}

/// [`sign_in_to_consent`] from any authorization URL (built by an independent client).
pub async fn sign_in_to_consent_at(
    app: &TestApp,
    p: &Person,
    url: &str,
) -> (reqwest::Client, String) {
    let b = browser();
    let r = b.get(url).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "/signin");
    let html = b
        .get(format!("{}/signin", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(format!("{}/signin", app.base))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("email", &p.email),
            ("password", &p.password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/signin/code");
    let html = b
        .get(format!("{}/signin/code", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .post(format!("{}/signin/code", app.base))
        .form(&[("csrf", csrf_of(&html).as_str()), ("code", &code)])
        .send()
        .await
        .unwrap();
    let back = location(&r);
    assert!(
        back.starts_with("/oauth/authorize?"),
        "back to the request: {back}"
    );
    let r = b.get(format!("{}{back}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Ledger Helper") || html.contains("wants to use your books"),
        "{html}"
    );
    (b, html)
}

/// Submits the consent form.
#[allow(clippy::too_many_arguments)]
pub async fn submit_consent(
    app: &TestApp,
    b: &reqwest::Client,
    html: &str,
    a: &Authz,
    company: &CompanyId,
    keep: &[&str],
    code: &str,
    decision: &str,
) -> reqwest::Response {
    let mut f = a.pairs();
    f.push(("csrf".into(), csrf_of(html)));
    f.push(("company".into(), company.to_string()));
    for k in keep {
        f.push(("permission".into(), (*k).to_owned()));
    }
    f.push(("code".into(), code.to_owned()));
    f.push(("decision".into(), decision.to_owned()));
    b.post(format!("{}/oauth/authorize", app.base))
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-dest", "document")
        .form(&f)
        .send()
        .await
        .unwrap()
}

/// The query parameters of a redirect.
pub fn query(loc: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Signs in, approves `keep` for the person's company and returns the code.
pub async fn approve(app: &TestApp, p: &Person, a: &Authz, keep: &[&str]) -> String {
    let (b, html) = sign_in_to_consent(app, p, a).await;
    let code = app.next_totp(&p.totp_secret);
    let r = submit_consent(app, &b, &html, a, &p.company_id, keep, &code, "approve").await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let loc = location(&r);
    assert!(loc.starts_with(REDIRECT), "{loc}");
    let q = query(&loc);
    assert_eq!(q["state"], a.state);
    assert_eq!(q["iss"], app.base);
    q["code"].clone()
}

/// `POST /oauth/token` with a form (public client: client_id in the body).
pub async fn token(app: &TestApp, form: &[(&str, &str)]) -> Got {
    send(
        app.http
            .post(format!("{}/oauth/token", app.base))
            .form(form),
    )
    .await
}

/// Exchanges a code.
pub async fn exchange(app: &TestApp, client_id: &str, code: &str, verifier: &str) -> Got {
    token(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Refreshes.
pub async fn refresh(app: &TestApp, client_id: &str, rt: &str) -> Got {
    token(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", rt),
        ],
    )
    .await
}

/// A whole flow for `p`: (client_id, access token, refresh token).
pub async fn connected(app: &TestApp, p: &Person, keep: &[&str]) -> (String, String, String) {
    let (client_id, _) = register(app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let a = Authz::new(&client_id, &challenge);
    let code = approve(app, p, &a, keep).await;
    let t = exchange(app, &client_id, &code, &verifier).await;
    t.expect(200);
    (
        client_id,
        t.body["access_token"].as_str().unwrap().to_owned(),
        t.body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// A person approves an authorization URL built by an independent client: signs in, reads
/// the consent page, keeps `keep`, types a fresh TOTP code and presses Approve, as a browser
/// would (the form's hidden fields are the request's own parameters). Returns the redirect.
pub async fn person_approves(app: &TestApp, p: &Person, url: &str, keep: &[&str]) -> String {
    let (b, html) = sign_in_to_consent_at(app, p, url).await;
    let mut f: Vec<(String, String)> = url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    f.push(("csrf".into(), csrf_of(&html)));
    f.push(("company".into(), p.company_id.to_string()));
    for k in keep {
        f.push(("permission".into(), (*k).to_owned()));
    }
    f.push(("code".into(), app.next_totp(&p.totp_secret)));
    f.push(("decision".into(), "approve".into()));
    let r = b
        .post(format!("{}/oauth/authorize", app.base))
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-dest", "document")
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    location(&r)
}

/// A browser signed in to the web app as `p`.
pub async fn signed_in_browser(app: &TestApp, p: &Person) -> reqwest::Client {
    let b = browser();
    let html = b
        .get(format!("{}/signin", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    b.post(format!("{}/signin", app.base))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("email", &p.email),
            ("password", &p.password),
        ])
        .send()
        .await
        .unwrap();
    let html = b
        .get(format!("{}/signin/code", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .post(format!("{}/signin/code", app.base))
        .form(&[("csrf", csrf_of(&html).as_str()), ("code", &code)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    b
}

/// A whole flow for `p` through a fresh dynamically registered client asking for `scope` and
/// the RFC 8707 `resource`s (none: both surfaces of the company chosen at consent), keeping
/// `keep` at consent: (client_id, access token, refresh token).
pub async fn connected_to(
    app: &TestApp,
    p: &Person,
    scope: &str,
    resources: &[String],
    keep: &[&str],
) -> (String, String, String) {
    let (client_id, _) = register(app, &[REDIRECT], "none").await;
    let (verifier, challenge) = pkce();
    let mut a = Authz::new(&client_id, &challenge);
    a.scope = Some(scope.to_owned());
    a.resource = resources.to_vec();
    let code = approve(app, p, &a, keep).await;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    for r in resources {
        form.push(("resource", r.as_str()));
    }
    let t = token(app, &form).await;
    t.expect(200);
    (
        client_id,
        t.body["access_token"].as_str().unwrap().to_owned(),
        t.body["refresh_token"].as_str().unwrap().to_owned(),
    )
}
