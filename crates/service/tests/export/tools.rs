//! The independent engines: finding hledger, bean-check and bean-query, running them and
//! reading their CSV output back into per-account balances and report sections (minor units).

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One external tool, found on PATH or through its environment variable.
pub struct Tool {
    pub name: &'static str,
    pub path: PathBuf,
}

fn find(name: &'static str, var: &str) -> Option<Tool> {
    if let Ok(p) = std::env::var(var)
        && !p.trim().is_empty()
    {
        return Some(Tool {
            name,
            path: PathBuf::from(p),
        });
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|path| Tool { name, path })
}

/// A tool, or `None` after saying loudly that its checks are skipped; under
/// `NEWLEDGER_REQUIRE_ALL=1` a missing tool fails the test instead.
pub fn tool(name: &'static str, var: &str) -> Option<Tool> {
    let t = find(name, var);
    if t.is_none() {
        let msg = format!("skipped: {name} not installed (put it on PATH or set {var})");
        if newledger_testkit::db::require_all() {
            panic!("{msg}, but NEWLEDGER_REQUIRE_ALL=1");
        }
        // Straight to the process's stderr: the test harness captures `eprintln!`, and a
        // skip must be seen. Once per tool and process.
        static SAID: std::sync::Mutex<Vec<&str>> = std::sync::Mutex::new(Vec::new());
        let mut said = SAID.lock().unwrap();
        if !said.contains(&name) {
            said.push(name);
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "{msg}");
        }
    }
    t
}

pub fn hledger() -> Option<Tool> {
    tool("hledger", "NEWLEDGER_HLEDGER")
}

pub fn bean_check() -> Option<Tool> {
    tool("bean-check", "NEWLEDGER_BEAN_CHECK")
}

pub fn bean_query() -> Option<Tool> {
    tool("bean-query", "NEWLEDGER_BEAN_QUERY")
}

/// ledger-cli is optional (not required by CI): checked only when present.
pub fn ledger_cli() -> Option<Tool> {
    find("ledger", "NEWLEDGER_LEDGER")
}

impl Tool {
    /// Runs the tool; panics with its output unless it exits 0.
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new(&self.path)
            .args(args)
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.name));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{} {args:?} failed ({}):\n{stderr}\n{stdout}",
            self.name,
            out.status
        );
        stdout
    }
}

/// Minor units of a tool's amount (`-1234.50 EUR`, `1234.50`, `0`).
pub fn minor(s: &str, exponent: u32) -> i64 {
    let num: String = s
        .split_whitespace()
        .filter(|p| p.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let num = num.replace(',', "");
    if num.is_empty() {
        return 0;
    }
    let d: Decimal = num.parse().unwrap_or_else(|e| panic!("amount {s:?}: {e}"));
    let scaled = d * Decimal::from(10i64.pow(exponent));
    assert!(
        scaled.fract().is_zero(),
        "amount {s:?} has sub-minor digits"
    );
    i64::try_from(scaled).unwrap()
}

pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// hledger `balance -O csv`: account → balance (debit-positive).
pub fn hledger_balances(csv_text: &str, exponent: u32) -> BTreeMap<String, i64> {
    csv_rows(csv_text)
        .into_iter()
        .skip(1)
        .filter(|r| r.len() >= 2 && r[0] != "total")
        .map(|r| (r[0].clone(), minor(&r[1], exponent)))
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// A section of hledger's `bs`/`bse`/`is` (amounts in the section's normal sign).
#[derive(Debug, Default, Clone)]
pub struct Section {
    pub rows: BTreeMap<String, i64>,
    pub total: i64,
}

/// hledger's compound reports as sections by title (`Assets`, `Liabilities`, `Equity`,
/// `Revenues`, `Expenses`) plus `Net:`.
#[derive(Debug, Default)]
pub struct Compound {
    pub sections: BTreeMap<String, Section>,
    pub net: i64,
}

pub fn hledger_compound(csv_text: &str, exponent: u32) -> Compound {
    let mut c = Compound::default();
    let mut current: Option<String> = None;
    for r in csv_rows(csv_text).into_iter().skip(2) {
        if r.len() < 2 {
            continue;
        }
        match (r[0].as_str(), r[1].as_str()) {
            ("Net:", v) => c.net = minor(v, exponent),
            ("total", v) => {
                if let Some(s) = &current {
                    c.sections.entry(s.clone()).or_default().total = minor(v, exponent);
                }
            }
            (name, "") if !name.contains(':') => {
                current = Some(name.to_owned());
                c.sections.entry(name.to_owned()).or_default();
            }
            (account, v) => {
                if let Some(s) = &current {
                    let m = minor(v, exponent);
                    if m != 0 {
                        c.sections
                            .entry(s.clone())
                            .or_default()
                            .rows
                            .insert(account.to_owned(), m);
                    }
                }
            }
        }
    }
    c
}

/// bean-query: account → sum of numbers (debit-positive) over postings matching `filter`.
pub fn bean_balances(q: &Tool, file: &Path, filter: &str, exponent: u32) -> BTreeMap<String, i64> {
    let query =
        format!("SELECT account, sum(number) AS total {filter} GROUP BY account ORDER BY account");
    let out = q.run(&["-f", "csv", file.to_str().unwrap(), &query]);
    csv_rows(&out)
        .into_iter()
        .skip(1)
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].trim().to_owned(), minor(&r[1], exponent)))
        .filter(|(_, v)| *v != 0)
        .collect()
}
