//! A real SMTP server on loopback for mail tests: `tests/smtp-sink/sink.py` (aiosmtpd from PyPI,
//! in the virtualenv `tests/smtp-sink/setup.sh` makes under the CI cache), started per test.
//! Every message it receives is a JSON file the test reads back. When the sink's Python is
//! missing the test says loudly that it is skipped — a failure under `NEWLEDGER_REQUIRE_ALL=1`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A running SMTP sink.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    child: tokio::process::Child,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The Python with aiosmtpd: `$NEWLEDGER_SMTP_SINK_PYTHON`, else the CI cache's virtualenv.
fn python() -> Option<PathBuf> {
    let p = std::env::var_os("NEWLEDGER_SMTP_SINK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("NEWLEDGER_CI_CACHE")
                .map_or_else(|| PathBuf::from("/var/tmp/newledger-ci"), PathBuf::from);
            cache.join("venv-smtp/bin/python")
        });
    let ok = std::process::Command::new(&p)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(p)
}

impl SmtpSink {
    /// Starts a sink, or `None` (said loudly) when aiosmtpd is not installed.
    pub async fn start() -> Option<SmtpSink> {
        let Some(python) = python() else {
            let msg = "SMTP sink skipped: aiosmtpd is not installed (run tests/smtp-sink/setup.sh)";
            assert!(
                !crate::db::require_all(),
                "NEWLEDGER_REQUIRE_ALL=1 but {msg}"
            );
            eprintln!("\n*** {msg} ***\n");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("newledger-smtp-{port}-{}", std::process::id()));
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp-sink/sink.py");
        let mut child = tokio::process::Command::new(python)
            .arg(script)
            .arg(&dir)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP sink");
        let out = child.stdout.take().expect("sink stdout");
        let mut lines = BufReader::new(out).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        match ready {
            Ok(Ok(Some(l))) if l.starts_with("ready") => {}
            other => panic!("the SMTP sink did not start: {other:?}"),
        }
        Some(SmtpSink { port, dir, child })
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|t| serde_json::from_str(&t).ok())
            .collect()
    }

    /// The newest message to `to`, waiting up to 15 s for it.
    pub async fn wait_for(&self, to: &str) -> serde_json::Value {
        for _ in 0..150 {
            let found = self.messages().into_iter().rev().find(|m| {
                m["to"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(to)))
            });
            if let Some(m) = found {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no mail to {to} within 15 s; received: {:?}",
            self.messages()
        );
    }
}

/// The first link in a message's text that starts with `prefix`.
pub fn link_in(message: &serde_json::Value, prefix: &str) -> String {
    let text = message["text"].as_str().unwrap_or_default();
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    text[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
