//! The binary as operators use it: demo, app create/list/revoke/restore, migrate, config errors.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;
use support::{newledger, ok, run, serve, tmp};

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

/// SIGTERM with a request still in flight (a body that never finishes arriving): the server
/// gives it `--shutdown-grace-secs`, then exits, instead of waiting for the request.
#[test]
fn shutdown_drains_for_a_bounded_time() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let dir = tmp();
    let mut server = serve(
        &mut newledger(&dir, Vec::<&str>::new()),
        &[
            "--shutdown-grace-secs",
            "1",
            "--request-timeout-secs",
            "120",
        ],
    );
    let mut conn = std::net::TcpStream::connect(&server.addr).unwrap();
    conn.write_all(
        b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 1000\r\n\r\nemail=a",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let stopped_at = Instant::now();
    let term = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            panic!("the server did not exit within 15 s of SIGTERM with a request in flight");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = stopped_at.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(8),
        "drained for {took:?}, expected about the 1 s grace"
    );
    drop(conn);
}

/// `serve --listen` without `--base-url` does not advertise another port: the public URL
/// follows the listen address, and the server says so.
#[test]
fn serve_defaults_the_public_url_from_the_listen_address() {
    use std::io::{BufRead, BufReader};
    let dir = tmp();
    let mut child = newledger(&dir, ["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let note = lines.next().unwrap().unwrap();
    // Without NEWLEDGER_SMTP_URL the server says mail is off, then that it serves.
    let mail = lines.next().unwrap().unwrap();
    let serving = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(mail.starts_with("Mail is off"), "{mail}");
    assert!(
        note.starts_with("No --base-url given: using http://127.0.0.1:"),
        "{note}"
    );
    let addr = serving
        .strip_prefix("NewLedger is serving on ")
        .and_then(|r| r.split_once(' '))
        .map(|(a, _)| a.to_owned())
        .unwrap();
    assert!(
        !addr.ends_with(":8080") && !addr.ends_with(":0"),
        "{serving}"
    );
    assert!(
        serving.ends_with(&format!("(public URL {addr})")),
        "{serving}"
    );
    assert!(note.contains(&addr), "{note}");
}

/// Every command that creates something has `--json`; writing into a closed pipe
/// (`newledger export … | head`) ends quietly.
#[test]
fn create_commands_print_json_and_a_closed_pipe_is_quiet() {
    let dir = tmp();
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&ok(&run(&dir, args))).unwrap()
    };
    let u = json(&[
        "user",
        "create",
        "--email",
        "ann@example.com",
        "--name",
        "Ann",
        "--password",
        "a long enough password",
        "--json",
    ]);
    assert!(u["id"].as_str().unwrap().starts_with("usr_"), "{u}");
    assert_eq!(u["email"], "ann@example.com");
    json(&[
        "user",
        "create",
        "--email",
        "bob@example.com",
        "--name",
        "Bob",
        "--password",
        "a long enough password",
        "--json",
    ]);
    let c = json(&[
        "company",
        "create",
        "--name",
        "Ann Ltd",
        "--owner",
        "ann@example.com",
        "--json",
    ]);
    let cid = c["company_id"].as_str().unwrap().to_owned();
    assert!(
        cid.starts_with("cmp_") && c["currency"] == "EUR" && c["live"] == true,
        "{c}"
    );
    let m = json(&[
        "company",
        "add-member",
        "--company",
        &cid,
        "--email",
        "bob@example.com",
        "--role",
        "viewer",
        "--json",
    ]);
    assert_eq!(m["role"], "viewer");
    assert!(m["user_id"].as_str().unwrap().starts_with("usr_"));
    // The reader is gone before the first byte: the export ends quietly and successfully.
    let mut child = newledger(&dir, ["export", "--company", &cid, "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
    // So does a plain line printer (`app list`).
    let mut child = newledger(&dir, ["app", "list", "--company", &cid])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("panicked"), "{err}");
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
