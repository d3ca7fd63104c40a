//! A small browser over reqwest (own cookie jar, no redirects), sign-in helpers and fixtures.

use newledger_domain::actor::Actor;
use newledger_domain::document::Document;
use newledger_domain::document::{DocumentKind, LineInput};
use newledger_domain::ids::AppId;
use newledger_service::books::contacts::{self, ContactInput};
use newledger_service::books::{accounts, documents};
pub use newledger_service::clock::Clock;
pub use newledger_testkit::db::TestDb;
pub use newledger_testkit::{Person, TestApp, spawn_app};
use reqwest::{Response, StatusCode};

/// A fresh server on SQLite (the database file lives as long as the returned guard).
pub async fn sqlite_app() -> (TestApp, TestDb) {
    let db = TestDb::sqlite().await;
    (spawn_app(&db.url).await, db)
}

/// One browser: a cookie jar, no automatic redirects.
pub struct Browser {
    /// The client.
    pub http: reqwest::Client,
    /// Server origin.
    pub base: String,
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new(app: &TestApp) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
        }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// GET a path; returns status and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// POST a form.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// GET `page`, read its CSRF field, POST `form` plus that token to `action`.
    pub async fn submit(&self, page: &str, action: &str, form: &[(&str, &str)]) -> Response {
        let (status, html) = self.page(page).await;
        assert_eq!(status, 200, "GET {page}: {html}");
        let token = csrf_of(&html);
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("csrf", &token));
        self.post(action, &f).await
    }
}

/// The value of the first `name="csrf"` hidden field.
pub fn csrf_of(html: &str) -> String {
    let i = html
        .find("name=\"csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The `Location` of a redirect.
pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Signs `p` in with password and a fresh TOTP code; returns the browser.
pub async fn sign_in(app: &TestApp, p: &Person) -> Browser {
    let b = Browser::new(app);
    let r = password_step(&b, &p.email, &p.password).await;
    assert_eq!(r.status(), 303, "password step");
    assert_eq!(location(&r), "/signin/code");
    let code = app.next_totp(&p.totp_secret);
    let r = b
        .submit("/signin/code", "/signin/code", &[("code", &code)])
        .await;
    assert_eq!(
        r.status(),
        303,
        "code step: {}",
        r.text().await.unwrap_or_default()
    );
    b
}

/// The password step of the sign-in form.
pub async fn password_step(b: &Browser, email: &str, password: &str) -> Response {
    b.submit(
        "/signin",
        "/signin",
        &[("email", email), ("password", password)],
    )
    .await
}

/// `/app/{company}` + `rest`.
pub fn url(p: &Person, rest: &str) -> String {
    format!("/app/{}{rest}", p.company_id)
}

/// A customer contact in `p`'s company.
pub async fn customer(app: &TestApp, p: &Person, name: &str) -> String {
    let a = app.access(p).await;
    contacts::create(
        &app.svc,
        &a,
        ContactInput {
            name: name.into(),
            is_customer: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
    .to_string()
}

/// A draft invoice in `p`'s company made by an API credential app (as a program would).
pub async fn app_drafted_invoice(app: &TestApp, p: &Person) -> (Document, String) {
    let (client_id, _) = app
        .app(p, &["invoices:draft", "invoices:read", "contacts:read"])
        .await;
    let owner = app.access(p).await;
    let app_rec = app
        .svc
        .store
        .app(&AppId::parse(&client_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let contact = customer(app, p, "Blue Harbor Cafe").await;
    let revenue = accounts::list(&app.svc, &owner)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.code == "4000")
        .unwrap();
    let as_app = newledger_service::Access {
        actor: Actor::App(app_rec.id.clone()),
        label: app_rec.name.clone(),
        permissions: app_rec.permissions,
        ..owner
    };
    let d = documents::create_draft(
        &app.svc,
        &as_app,
        DocumentKind::Invoice,
        documents::DocumentInput {
            contact_id: Some(contact.parse().unwrap()),
            issue_date: app.svc.clock.today(),
            due_date: None,
            reference: "WEB-1".into(),
            payment_account_id: None,
            lines: vec![LineInput {
                description: "Online order".into(),
                quantity: "2".parse().unwrap(),
                unit_price: "49.00".parse().unwrap(),
                account_id: revenue.id,
                tax_rate: "20".parse().unwrap(),
            }],
        },
    )
    .await
    .unwrap();
    (d, app_rec.name)
}
