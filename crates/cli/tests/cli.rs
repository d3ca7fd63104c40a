//! The binary as operators use it: demo, app create/list/revoke/restore, migrate, config errors.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tmp() -> Dir {
    let d = std::env::temp_dir().join(format!(
        "nl-cli-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

fn run(dir: &Dir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newledger"))
        .args(args)
        .current_dir(&dir.0)
        .env_remove("NEWLEDGER_DATABASE_URL")
        .env_remove("NEWLEDGER_SECRET_KEY")
        .env_remove("NEWLEDGER_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn demo_then_app_lifecycle_from_the_cli() {
    let dir = tmp();
    let demo: serde_json::Value =
        serde_json::from_str(&ok(&run(&dir, &["demo", "--json"]))).unwrap();
    for key in ["email", "password", "totp_secret", "company_id"] {
        assert!(
            demo[key].as_str().is_some_and(|v| !v.is_empty()),
            "demo --json lacks {key}: {demo}"
        );
    }
    assert!(demo["company_id"].as_str().unwrap().starts_with("cmp_"));
    assert!(dir.0.join("newledger.db").exists());
    let key = dir.0.join("newledger.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600,
            "the key file is private"
        );
    }
    let company = demo["company_id"].as_str().unwrap();
    let created: serde_json::Value = serde_json::from_str(&ok(&run(
        &dir,
        &[
            "app",
            "create",
            "--company",
            company,
            "--name",
            "Warehouse sync",
            "--permission",
            "invoices:read",
            "--permission",
            "reports:read",
            "--expires-in-days",
            "30",
            "--json",
        ],
    )))
    .unwrap();
    let client_id = created["client_id"].as_str().unwrap();
    assert!(client_id.starts_with("app_"));
    assert!(
        created["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("nlcs_")
    );
    // People-only permissions are refused with a message naming them.
    let refused = run(
        &dir,
        &[
            "app",
            "create",
            "--company",
            company,
            "--name",
            "Bad",
            "--permission",
            "journal:post",
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("journal:post"));
    let list: serde_json::Value = serde_json::from_str(&ok(&run(
        &dir,
        &["app", "list", "--company", company, "--json"],
    )))
    .unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|a| a["client_id"] == client_id && a["status"] == "active")
    );
    ok(&run(
        &dir,
        &["app", "revoke", "--company", company, "--app", client_id],
    ));
    let list: serde_json::Value = serde_json::from_str(&ok(&run(
        &dir,
        &["app", "list", "--company", company, "--json"],
    )))
    .unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|a| a["client_id"] == client_id && a["status"] == "revoked")
    );
    ok(&run(
        &dir,
        &["app", "restore", "--company", company, "--app", client_id],
    ));
    // A second demo run reuses the person and the database.
    ok(&run(&dir, &["migrate"]));
}

#[test]
fn configuration_errors_are_clear() {
    let dir = tmp();
    std::fs::write(dir.0.join("bad.toml"), "listen = 5\n").unwrap();
    let o = run(&dir, &["--config", "bad.toml", "migrate"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("invalid config file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&dir, &["--database-url", "mysql://x", "migrate"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unsupported database URL"));
    let o = Command::new(env!("CARGO_BIN_EXE_newledger"))
        .args(["app", "list", "--company", "cmp_x"])
        .current_dir(&dir.0)
        .env(
            "NEWLEDGER_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/none",
        )
        .env_remove("NEWLEDGER_SECRET_KEY")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let o = run(&dir, &["serve", "--base-url", "not a url"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a URL"));
}

/// `newledger user unlock`: an operator clears a person's sign-in lock; an unknown e-mail fails.
#[test]
fn user_unlock_from_the_cli() {
    let dir = tmp();
    ok(&run(
        &dir,
        &[
            "user",
            "create",
            "--email",
            "lee@example.com",
            "--name",
            "Lee",
            "--password",
            "a long enough password",
        ],
    ));
    let out = ok(&run(
        &dir,
        &["user", "unlock", "--email", "Lee@Example.com"],
    ));
    assert!(out.contains("lee@example.com can sign in again"), "{out}");
    let o = run(&dir, &["user", "unlock", "--email", "nobody@example.com"]);
    assert!(!o.status.success());
}
