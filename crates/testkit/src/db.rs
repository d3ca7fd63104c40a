//! Fresh, migrated databases for tests: a temporary SQLite file, or a PostgreSQL database cloned
//! from a migrated template. Each [`TestDb`] removes its database when dropped, so no test sees
//! another's data. [`on_both`] (and the [`both_backends!`](crate::both_backends) macro) run one
//! test body on every available backend.
//!
//! PostgreSQL is used when `NEWLEDGER_TEST_DATABASE_URL` holds an admin connection
//! (`postgres://postgres@127.0.0.1:5432/test`). Nothing is written to that database: it only
//! issues `CREATE DATABASE` / `DROP DATABASE`, plus an advisory lock so that parallel test
//! processes build the template `nl_tpl_<hash of the migrations>` once. Each test database is
//! `nl_t_<ulid>`, a copy of the template. Without the variable the PostgreSQL half is skipped
//! with a message, unless `NEWLEDGER_REQUIRE_ALL=1`, under which a skip is a failure. Test
//! databases left behind by killed runs are dropped once they are six hours old.

use newledger_store::{SqlStore, Store};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Admin connection URL of the PostgreSQL server the tests may create databases on.
pub const DATABASE_URL_VAR: &str = "NEWLEDGER_TEST_DATABASE_URL";
/// When `1`, a test half that would be skipped fails instead.
pub const REQUIRE_ALL_VAR: &str = "NEWLEDGER_REQUIRE_ALL";

/// Serialises template creation across test processes (an arbitrary constant).
const TEMPLATE_LOCK_KEY: i64 = 0x6e6c_7470_6c00;

/// The PostgreSQL migrations; their contents name the template.
const PG_MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../store/migrations/postgres");

/// A database that exists for one test and is removed when dropped.
pub struct TestDb {
    /// Connection URL (`sqlite://…` or `postgres://…`).
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// True when every test half must run (`NEWLEDGER_REQUIRE_ALL=1`).
pub fn require_all() -> bool {
    std::env::var(REQUIRE_ALL_VAR).is_ok_and(|v| v == "1")
}

#[allow(clippy::disallowed_methods)] // reason: names of throwaway databases, not product ids
fn unique() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

impl TestDb {
    /// A fresh SQLite file under the temporary directory (not migrated yet: see [`Self::store`]).
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("newledger-test-{}.db", unique()));
        TestDb {
            url: format!("sqlite://{}", path.display()),
            kind: Kind::Sqlite(path),
        }
    }

    /// A fresh, migrated PostgreSQL database, or `None` (with a message) when
    /// `NEWLEDGER_TEST_DATABASE_URL` is unset. Panics when it is unset under
    /// `NEWLEDGER_REQUIRE_ALL=1`, and when the server cannot be used.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = match std::env::var(DATABASE_URL_VAR) {
            Ok(u) if !u.trim().is_empty() => u,
            _ => {
                if require_all() {
                    panic!(
                        "{DATABASE_URL_VAR} is unset but {REQUIRE_ALL_VAR}=1: the PostgreSQL tests must run"
                    );
                }
                say_skipped_once();
                return None;
            }
        };
        let template = template(&admin_url).await;
        let name = format!("nl_t_{}", unique());
        let mut admin = admin_connect(&admin_url).await;
        admin
            .execute(format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#).as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        Some(TestDb {
            url: database_url(&admin_url, &name),
            kind: Kind::Postgres { admin_url, name },
        })
    }

    /// Connects to this database and applies the migrations (idempotent).
    pub async fn store(&self) -> SqlStore {
        let store = SqlStore::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url));
        store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("cannot migrate {}: {e}", self.url));
        store
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn backend_name(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite(_) => "sqlite",
            Kind::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Kind::Postgres { admin_url, name } => {
                // Drop is synchronous and may run inside a runtime: drop the database from a
                // thread with its own runtime, and wait so that it is gone when the test ends.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let done = std::thread::spawn(move || -> anyhow::Result<()> {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    rt.block_on(async {
                        let mut admin = PgConnection::connect(&admin_url).await?;
                        admin
                            .execute(
                                format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)
                                    .as_str(),
                            )
                            .await?;
                        admin.close().await?;
                        Ok(())
                    })
                })
                .join();
                match done {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => eprintln!("warning: cannot drop test database: {e}"),
                    Err(_) => eprintln!("warning: the thread dropping a test database panicked"),
                }
            }
        }
    }
}

/// Says once per test process, past the test harness's output capture (which only catches
/// the print macros), that the PostgreSQL halves are not running.
fn say_skipped_once() {
    use std::io::Write;
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: PostgreSQL test halves skipped: {DATABASE_URL_VAR} is unset \
             (set it, e.g. postgres://postgres@127.0.0.1:5432/test, to run them)"
        );
    });
}

/// Runs `test` with the URL of a fresh SQLite database, then of a fresh PostgreSQL database
/// when one is configured; the second argument names the backend. For tests that start their
/// own servers (or several) on the database.
pub async fn on_both_urls<F, Fut>(test: F)
where
    F: Fn(String, &'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = TestDb::sqlite().await;
    eprintln!("running on sqlite");
    test(db.url.clone(), "sqlite").await;
    drop(db);
    if let Some(db) = TestDb::postgres().await {
        eprintln!("running on postgres");
        test(db.url.clone(), "postgres").await;
    }
}

/// Declares `#[tokio::test]`s running each named `async fn(String, &'static str)` of the
/// enclosing module via [`on_both_urls`]; the tests are `<module>::on_both_db::<name>`.
#[macro_export]
macro_rules! both_urls {
    ($($name:ident),* $(,)?) => {
        mod on_both_db {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::db::on_both_urls(super::$name).await;
                }
            )*
        }
    };
}

/// Runs `test` on a fresh SQLite store, then on a fresh PostgreSQL store when one is
/// configured (see [`TestDb::postgres`]). A failure message says which backend it was on.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    run_on(TestDb::sqlite().await, &test).await;
    if let Some(db) = TestDb::postgres().await {
        run_on(db, &test).await;
    }
}

async fn run_on<F, Fut>(db: TestDb, test: &F)
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let store = db.store().await;
    eprintln!("running on {}", db.backend_name());
    test(Arc::new(store.clone())).await;
    store.close().await;
}

/// Declares `#[tokio::test]`s that run each named `async fn(Arc<dyn Store>)` of the enclosing
/// module on both backends via [`on_both`]; the tests are `<module>::on_both::<name>`.
///
/// ```ignore
/// async fn unique_email(store: Arc<dyn Store>) { … }
/// newledger_testkit::both_backends!(unique_email);
/// ```
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_both {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::db::on_both(super::$name).await;
                }
            )*
        }
    };
}

async fn admin_connect(admin_url: &str) -> PgConnection {
    PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
        panic!(
            "cannot connect to {DATABASE_URL_VAR} ({}): {e}",
            newledger_store::redact_url(admin_url)
        )
    })
}

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut u = url::Url::parse(admin_url)
        .unwrap_or_else(|e| panic!("{DATABASE_URL_VAR} is not a URL: {e}"));
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// First 8 hex digits of the SHA-256 of the PostgreSQL migrations (names and contents).
fn migrations_hash() -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(PG_MIGRATIONS)
        .unwrap_or_else(|e| panic!("cannot read {PG_MIGRATIONS}: {e}"))
        .map(|e| e.expect("migration entry").path())
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        h.update(name.as_bytes());
        h.update([0]);
        h.update(std::fs::read(&f).unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display())));
        h.update([0]);
    }
    h.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Name of the migrated template, creating it when missing (once per process; across
/// processes under an advisory lock).
async fn template(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    if let Some(t) = TEMPLATE.get() {
        return t.clone();
    }
    let name = format!("nl_tpl_{}", migrations_hash());
    let mut admin = admin_connect(admin_url).await;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK_KEY)
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot take the template lock: {e}"));
    let made = create_template(&mut admin, admin_url, &name).await;
    drop_orphans(&mut admin).await;
    // Closing the session releases the lock as well; unlock explicitly all the same.
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK_KEY)
        .execute(&mut admin)
        .await;
    let _ = admin.close().await;
    if let Err(e) = made {
        panic!("cannot build the template database {name}: {e}");
    }
    TEMPLATE.get_or_init(|| name).clone()
}

/// Test databases outlive their test only when its process was killed; this old, they are
/// orphans (the name carries its creation time: `nl_t_<ulid>`).
const ORPHAN_AGE_MS: u64 = 6 * 3600 * 1000;

/// Drops the `nl_t_*` databases of test processes killed before they could clean up.
#[allow(clippy::disallowed_methods)] // reason: the real time, to age databases named by ULIDs
async fn drop_orphans(admin: &mut PgConnection) {
    let names: Vec<String> =
        match sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'nl\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await
        {
            Ok(n) => n,
            Err(e) => {
                eprintln!("warning: cannot list test databases: {e}");
                return;
            }
        };
    let now = ulid::Ulid::new().timestamp_ms();
    for name in names {
        let born = name
            .strip_prefix("nl_t_")
            .and_then(|u| ulid::Ulid::from_string(&u.to_uppercase()).ok())
            .map(|u| u.timestamp_ms());
        if born.is_some_and(|b| now.saturating_sub(b) > ORPHAN_AGE_MS) {
            let _ = admin
                .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
                .await;
        }
    }
}

/// Builds the template under a temporary name and renames it once migrated, so that a run
/// interrupted half-way never leaves a half-migrated template behind.
async fn create_template(
    admin: &mut PgConnection,
    admin_url: &str,
    name: &str,
) -> anyhow::Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await?;
    if exists {
        return Ok(());
    }
    let building = format!("{name}_new");
    admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{building}" WITH (FORCE)"#).as_str())
        .await?;
    admin
        .execute(format!(r#"CREATE DATABASE "{building}""#).as_str())
        .await?;
    let store = SqlStore::connect(&database_url(admin_url, &building)).await?;
    store.migrate().await?;
    store.close().await;
    admin
        .execute(format!(r#"ALTER DATABASE "{building}" RENAME TO "{name}""#).as_str())
        .await?;
    Ok(())
}
