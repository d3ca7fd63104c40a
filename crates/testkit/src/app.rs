//! Spawns the real server on a random port over a given database, with a clock tests control,
//! plus fixtures: people with TOTP enrolled, companies, API credential apps.

use newledger_domain::ids::CompanyId;
use newledger_domain::role::Role;
use newledger_service::app_connect::apps::{self, NewApp};
use newledger_service::clock::{Clock, ManualClock, SystemClock};
use newledger_service::crypto::SecretKey;
use newledger_service::{Access, Services, Settings, company, people};
use newledger_store::{SqlStore, Store};
use newledger_web::{AppState, WebConfig};
use std::sync::Arc;

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The services behind it (for fixtures and assertions).
    pub svc: Services,
    /// Its clock: starts at the real time; tests move it.
    pub clock: Arc<ManualClock>,
    /// The store.
    pub store: SqlStore,
    /// HTTP client with a cookie jar.
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A person with TOTP enrolled, owner of a fresh company.
#[derive(Clone, Debug)]
pub struct Person {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// TOTP secret (base32).
    pub totp_secret: String,
    /// Their user id.
    pub user_id: newledger_domain::ids::UserId,
    /// Their company.
    pub company_id: CompanyId,
}

/// Options of [`spawn_app_with`].
#[derive(Clone, Debug)]
pub struct Options {
    /// Server key (nodes sharing a database must share it).
    pub key: SecretKey,
    /// Web settings tweak: rate limits etc.
    pub web: Option<WebConfig>,
    /// Development mode of client ID metadata documents (loopback test servers over http).
    pub allow_private_client_metadata: bool,
    /// SMTP server to send mail through (see [`crate::smtp::SmtpSink`]); mail is off without.
    pub smtp_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            key: SecretKey::from_bytes([42; 32]),
            web: None,
            allow_private_client_metadata: false,
            smtp_url: None,
        }
    }
}

/// Runs `test` against a fresh server on a fresh SQLite database, then on a fresh PostgreSQL
/// database when `NEWLEDGER_TEST_DATABASE_URL` is set (see [`crate::db::TestDb::postgres`]).
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    crate::db::on_both_urls(|db, _| {
        let test = &test;
        async move { test(spawn_app(&db).await).await }
    })
    .await;
}

/// Declares `#[tokio::test]`s running each named `async fn(TestApp)` of the enclosing module
/// on both backends via [`on_both`]; the tests are `<module>::on_both::<name>`.
#[macro_export]
macro_rules! both_apps {
    ($($name:ident),* $(,)?) => {
        mod on_both {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::app::on_both(super::$name).await;
                }
            )*
        }
    };
}

/// Spawns the app on `database_url` (migrated here).
pub async fn spawn_app(database_url: &str) -> TestApp {
    spawn_app_with(database_url, Options::default()).await
}

/// Spawns the app with options.
pub async fn spawn_app_with(database_url: &str, opts: Options) -> TestApp {
    let store = SqlStore::connect(database_url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let clock = Arc::new(ManualClock::new(SystemClock.now_ms()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let settings = Settings {
        base_url: base.clone(),
        allow_private_client_metadata: opts.allow_private_client_metadata,
        ..Settings::default()
    };
    let mut svc = Services::new(Arc::new(store.clone()), clock.clone(), opts.key, settings);
    if let Some(url) = &opts.smtp_url {
        let m = newledger_service::mail::Mailer::smtp_with_timeout(
            url,
            "NewLedger <no-reply@example.com>",
            std::time::Duration::from_secs(5),
        )
        .expect("smtp url");
        svc = svc.with_mailer(m);
    }
    let web = opts.web.map(|mut w| {
        w.base_url = base.clone();
        w
    });
    let state = AppState::new(svc.clone(), web.unwrap_or_else(|| WebConfig::new(&base)));
    let pg =
        (store.backend() == newledger_store::Backend::Postgres).then(|| database_url.to_owned());
    newledger_web::background::spawn(&state, pg);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = newledger_web::serve(
            state,
            listener,
            async {
                let _ = rx.await;
            },
            std::time::Duration::from_secs(5),
        )
        .await;
    });
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        base,
        svc,
        clock,
        store,
        http,
        shutdown: Some(tx),
    }
}

impl TestApp {
    /// Makes chosen statements fail on this app's database (see [`crate::faults`]).
    pub async fn inject_fault(&self, f: &crate::faults::Fault) {
        crate::faults::inject(self.store.url(), f).await;
    }

    /// Removes a fault injected with [`TestApp::inject_fault`].
    pub async fn clear_fault(&self, f: &crate::faults::Fault) {
        crate::faults::clear(self.store.url(), f).await;
    }

    /// Moves the clock to the next TOTP step and returns the code of that step (each code is
    /// accepted once per person, so tests need a fresh step per confirmation).
    pub fn next_totp(&self, secret: &str) -> String {
        self.clock.advance(30_000);
        let secs = u64::try_from(self.clock.now_ms() / 1000).unwrap_or(0);
        people::totp::code_at(secret, secs).expect("totp")
    }

    /// Creates a person with TOTP enrolled who owns a new company.
    pub async fn owner(&self, company_name: &str) -> Person {
        let n: String = self.svc.new_id("");
        let email = format!("owner-{n}@example.com");
        let password = "correct horse battery".to_owned();
        let u = people::users::create_user(&self.svc, &email, "Olivia Owner", &password)
            .await
            .expect("user");
        let secret = people::totp::generate_secret(&*self.svc.random);
        people::totp::store_secret(&self.svc, &u.id, &secret, true)
            .await
            .expect("totp");
        let c = company::create_company(&self.svc, &u.id, company_name, "EUR", true)
            .await
            .expect("company");
        Person {
            email,
            password,
            totp_secret: secret,
            user_id: u.id,
            company_id: c.id,
        }
    }

    /// Adds a new person with `role` to `company`.
    pub async fn member(&self, company: &CompanyId, role: Role) -> Person {
        let n: String = self.svc.new_id("");
        let email = format!("{}-{n}@example.com", role.as_str());
        let password = "correct horse battery".to_owned();
        let u = people::users::create_user(&self.svc, &email, "Morgan Member", &password)
            .await
            .expect("user");
        let secret = people::totp::generate_secret(&*self.svc.random);
        people::totp::store_secret(&self.svc, &u.id, &secret, true)
            .await
            .expect("totp");
        self.svc
            .store
            .upsert_membership(company, &u.id, role, self.clock.now_ms())
            .await
            .expect("member");
        self.svc
            .auth_cache
            .invalidate(&self.svc)
            .await
            .expect("invalidate");
        Person {
            email,
            password,
            totp_secret: secret,
            user_id: u.id,
            company_id: company.clone(),
        }
    }

    /// The access of a person in their company, for calling use cases directly.
    pub async fn access(&self, p: &Person) -> Access {
        company::access_for_user(&self.svc, &p.user_id, &p.email, &p.company_id, "127.0.0.1")
            .await
            .expect("access")
    }

    /// Creates an API credential app owned by `p` with `permissions`; returns (client_id, secret).
    pub async fn app(&self, p: &Person, permissions: &[&str]) -> (String, String) {
        let access = self.access(p).await;
        let a = apps::create(
            &self.svc,
            &access,
            NewApp {
                name: "Test app".into(),
                purpose: "tests".into(),
                owner_email: None,
                expires_in_days: None,
                permissions: permissions.iter().map(|s| (*s).to_owned()).collect(),
            },
        )
        .await
        .expect("app");
        (a.app.id.to_string(), a.client_secret)
    }

    /// `POST /oauth/token` with client_secret_basic.
    pub async fn token_response(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        self.http
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .expect("token request")
    }

    /// An access token for an app (panics if refused).
    pub async fn token(&self, client_id: &str, secret: &str) -> String {
        let r = self.token_response(client_id, secret, None).await;
        assert_eq!(
            r.status(),
            200,
            "token request failed: {}",
            r.text().await.unwrap_or_default()
        );
        let v: serde_json::Value = r.json().await.expect("json");
        v["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Every row of `company`'s activity log (newest first, at most 1,000: more than any test
    /// writes).
    pub async fn activity(&self, company: &CompanyId) -> Vec<newledger_store::ActivityRecord> {
        let all = newledger_store::ActivityFilter {
            limit: 1000,
            ..Default::default()
        };
        self.svc
            .store
            .list_activity(company, &all)
            .await
            .expect("activity log")
    }

    /// `GET {base}/api/v1/companies/{company}{path}` with a bearer token.
    pub async fn api_get(&self, token: &str, company: &CompanyId, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api/v1/companies/{company}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("api get")
    }
}

/// The demo company of `newledger demo` on a test server, with a token that reads all of it.
pub struct Demo {
    /// What `newledger demo --json` prints.
    pub info: newledger_service::demo::DemoInfo,
    /// The demo person (owner of the demo company).
    pub person: Person,
    /// A bearer token of an app holding every read permission.
    pub token: String,
}

impl TestApp {
    /// Creates the demo company (a year of activity, dated from the clock's today) and an app
    /// that may read everything in it.
    pub async fn demo(&self) -> Demo {
        let info = newledger_service::demo::create(&self.svc)
            .await
            .expect("demo");
        let user = self
            .svc
            .store
            .user_by_email(&info.email)
            .await
            .expect("user")
            .expect("demo user");
        let person = Person {
            email: info.email.clone(),
            password: info.password.clone(),
            totp_secret: info.totp_secret.clone(),
            user_id: user.id,
            company_id: info.company_id.clone(),
        };
        let reads: Vec<&str> = newledger_domain::permission::Permission::ALL
            .iter()
            .filter(|p| p.kind() == newledger_domain::permission::PermissionKind::Read)
            .map(|p| p.as_str())
            .collect();
        let (id, secret) = self.app(&person, &reads).await;
        let token = self.token(&id, &secret).await;
        Demo {
            info,
            person,
            token,
        }
    }
}
