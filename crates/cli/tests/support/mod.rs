//! Running the binary as an operator does, in a throwaway directory.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// A throwaway working directory, removed on drop.
pub struct Dir(pub PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[allow(clippy::disallowed_methods)] // reason: the name of a throwaway directory
pub fn tmp() -> Dir {
    let d = std::env::temp_dir().join(format!(
        "nl-cli-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

/// The binary with `args`, run in `dir` with none of the caller's configuration.
pub fn newledger<I, S>(dir: &Dir, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_newledger"));
    c.args(args)
        .current_dir(&dir.0)
        .env_remove("NEWLEDGER_DATABASE_URL")
        .env_remove("NEWLEDGER_SECRET_KEY")
        .env_remove("NEWLEDGER_CONFIG")
        .env_remove("NEWLEDGER_BASE_URL")
        .env("RUST_LOG", "warn");
    c
}

/// Runs the binary with `args` in `dir` to completion.
pub fn run(dir: &Dir, args: &[&str]) -> Output {
    newledger(dir, args).output().unwrap()
}

/// Its standard output, after asserting that it succeeded.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A running `newledger serve`, killed (SIGKILL) on drop.
pub struct Server {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `newledger serve --listen 127.0.0.1:0 <args>` and waits until it says where it serves.
pub fn serve(cmd: &mut Command, args: &[&str]) -> Server {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server exited before serving")
            .unwrap();
        if let Some(rest) = line.strip_prefix("NewLedger is serving on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stdout so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}
