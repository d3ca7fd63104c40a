//! Exports a company through the API and holds the engines' numbers against NewLedger's own
//! trial balance, balance sheet and profit and loss, to the cent.

use crate::tools::{self, Section, Tool};
use chrono::{Days, NaiveDate};
use newledger_domain::account::AccountClass;
use newledger_domain::ids::CompanyId;
use newledger_domain::report::{BalanceSheet, ProfitAndLoss};
use newledger_service::ledger_export::CSV_HEADER;
use newledger_service::{Access, reports};
use newledger_testkit::TestApp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The tools present on this machine (each missing one already announced as skipped).
pub struct Engines {
    pub hledger: Option<Tool>,
    pub bean_check: Option<Tool>,
    pub bean_query: Option<Tool>,
    pub ledger: Option<Tool>,
}

impl Engines {
    pub fn find() -> Engines {
        Engines {
            hledger: tools::hledger(),
            bean_check: tools::bean_check(),
            bean_query: tools::bean_query(),
            ledger: tools::ledger_cli(),
        }
    }
}

pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
}

/// NewLedger's reports for one check.
pub struct Expected {
    pub exponent: u32,
    /// Account code → debit-positive balance the engine must show.
    pub per_account: BTreeMap<String, i64>,
    pub bs: BalanceSheet,
    /// The profit and loss the engine's income statement covers.
    pub pnl: ProfitAndLoss,
    /// Profit the engine leaves unclosed in its balance sheet (hledger `bse`'s Net).
    pub open_profit: i64,
    pub retained_code: String,
}

impl Expected {
    /// For a file exported with `from`/`to` (`ranged`), or for a whole-ledger file that the
    /// engine itself cuts at `to` (and, for the income statement, from `from`).
    pub async fn compute(
        app: &TestApp,
        a: &Access,
        from: Option<NaiveDate>,
        to: NaiveDate,
        ranged: bool,
    ) -> Expected {
        let svc = &app.svc;
        let tb = reports::trial_balance(svc, a, to).await.unwrap();
        let bs = reports::balance_sheet(svc, a, to).await.unwrap();
        let pnl = reports::profit_and_loss(svc, a, from.unwrap_or_else(epoch), to)
            .await
            .unwrap();
        let all_profit = reports::profit_and_loss(svc, a, epoch(), to)
            .await
            .unwrap()
            .net_profit
            .minor;
        let accounts = svc.store.accounts(&a.company.id).await.unwrap();
        let classes: BTreeMap<String, AccountClass> =
            accounts.iter().map(|x| (x.code.clone(), x.class)).collect();
        let retained_code = accounts
            .iter()
            .filter(|x| x.role == newledger_domain::account::AccountRole::RetainedEarnings)
            .map(|x| x.code.clone())
            .min()
            .unwrap();
        let mut per_account: BTreeMap<String, i64> = tb
            .rows
            .iter()
            .map(|r| (r.code.clone(), r.debit.minor - r.credit.minor))
            .collect();
        let open_profit = if ranged && from.is_some() {
            // The file carries earlier profit in retained earnings and only the range's
            // profit and loss in the income and expense accounts.
            per_account.retain(|code, _| !classes[code].is_pnl());
            for r in &pnl.revenue.rows {
                per_account.insert(r.code.clone(), -r.amount.minor);
            }
            for r in &pnl.expenses.rows {
                per_account.insert(r.code.clone(), r.amount.minor);
            }
            let others: i64 = bs
                .equity
                .rows
                .iter()
                .filter(|r| r.account_id.is_some() && r.code != retained_code)
                .map(|r| r.amount.minor)
                .sum();
            let re = bs.equity.total.minor - others - pnl.net_profit.minor;
            per_account.insert(retained_code.clone(), -re);
            pnl.net_profit.minor
        } else {
            all_profit
        };
        per_account.retain(|_, v| *v != 0);
        Expected {
            exponent: u32::from(a.company.currency.exponent()),
            per_account,
            bs,
            pnl,
            open_profit,
            retained_code,
        }
    }
}

/// Fetches an export through the REST API into a temporary file.
pub async fn fetch(
    app: &TestApp,
    token: &str,
    company: &CompanyId,
    format: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> (PathBuf, String) {
    let mut path = format!("/exports/ledger?format={format}");
    if let Some(f) = from {
        path.push_str(&format!("&from={f}"));
    }
    if let Some(t) = to {
        path.push_str(&format!("&to={t}"));
    }
    let r = app.api_get(token, company, &path).await;
    assert_eq!(r.status(), 200, "{path}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        ct.starts_with(if format == "csv" {
            "text/csv"
        } else {
            "text/plain"
        }),
        "{ct}"
    );
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cd.starts_with("attachment; filename=\"cmp_"), "{cd}");
    let body = r.text().await.unwrap();
    let ext = match format {
        "hledger" => "journal",
        f => f,
    };
    let id: String = app.svc.new_id("");
    let file = std::env::temp_dir().join(format!("newledger-export-{id}.{ext}"));
    std::fs::write(&file, &body).unwrap();
    (file, body)
}

/// hledger account label → account code (`Type:CODE Name`).
fn hledger_codes(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("account "))
        .map(|label| {
            let leaf = label.split_once(':').unwrap().1;
            (label.to_owned(), leaf.split(' ').next().unwrap().to_owned())
        })
        .collect()
}

/// beancount account → code (from the `code:` metadata under each `open`).
fn beancount_codes(text: &str) -> BTreeMap<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        let parts: Vec<&str> = l.split(' ').collect();
        if parts.len() == 4 && parts[1] == "open" {
            let code = lines[i + 1]
                .trim()
                .strip_prefix("code: \"")
                .unwrap()
                .trim_end_matches('"');
            out.insert(parts[2].to_owned(), code.to_owned());
        }
    }
    out
}

fn by_code(m: &BTreeMap<String, i64>, codes: &BTreeMap<String, String>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (label, v) in m {
        let code = codes
            .get(label)
            .unwrap_or_else(|| panic!("unknown account {label:?}"));
        *out.entry(code.clone()).or_insert(0) += v;
    }
    out.retain(|_, v| *v != 0);
    out
}

fn section_by_code(s: &Section, codes: &BTreeMap<String, String>) -> BTreeMap<String, i64> {
    by_code(&s.rows, codes)
}

fn report_rows(s: &newledger_domain::report::Section) -> BTreeMap<String, i64> {
    s.rows
        .iter()
        .filter(|r| r.account_id.is_some() && r.amount.minor != 0)
        .map(|r| (r.code.clone(), r.amount.minor))
        .collect()
}

/// hledger: `balance`, `bs`, `bse` and `is` equal the trial balance, balance sheet and profit
/// and loss. `cut` holds the engine-side dates for a whole-ledger file.
pub fn check_hledger(
    h: &Tool,
    file: &Path,
    text: &str,
    e: &Expected,
    cut: Option<(NaiveDate, NaiveDate)>,
    what: &str,
) {
    let f = file.to_str().unwrap();
    let codes = hledger_codes(text);
    let end = cut.map(|(_, t)| t.checked_add_days(Days::new(1)).unwrap().to_string());
    let args = |cmd: &'static str, begin: bool| {
        let mut v = vec![
            "-f".to_owned(),
            f.to_owned(),
            cmd.to_owned(),
            "-O".into(),
            "csv".into(),
            "--flat".into(),
        ];
        if let Some(end) = &end {
            v.push("-e".into());
            v.push(end.clone());
        }
        if begin && let Some((b, _)) = cut {
            v.push("-b".into());
            v.push(b.to_string());
        }
        v
    };
    let run = |v: Vec<String>| h.run(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let mut bal_args = args("balance", false);
    bal_args.push("-N".into());
    let bal = by_code(&tools::hledger_balances(&run(bal_args), e.exponent), &codes);
    assert_eq!(
        bal, e.per_account,
        "{what}: hledger balance vs trial balance"
    );

    let bs = tools::hledger_compound(&run(args("bs", false)), e.exponent);
    let bse = tools::hledger_compound(&run(args("bse", false)), e.exponent);
    for c in [&bs, &bse] {
        let assets = c.sections.get("Assets").cloned().unwrap_or_default();
        let liabilities = c.sections.get("Liabilities").cloned().unwrap_or_default();
        assert_eq!(
            section_by_code(&assets, &codes),
            report_rows(&e.bs.assets),
            "{what}: assets"
        );
        assert_eq!(
            assets.total, e.bs.assets.total.minor,
            "{what}: total assets"
        );
        assert_eq!(
            section_by_code(&liabilities, &codes),
            report_rows(&e.bs.liabilities),
            "{what}: liabilities"
        );
        assert_eq!(
            liabilities.total, e.bs.liabilities.total.minor,
            "{what}: total liabilities"
        );
    }
    let equity = bse.sections.get("Equity").cloned().unwrap_or_default();
    assert_eq!(
        bse.net, e.open_profit,
        "{what}: bse net (profit not closed into equity)"
    );
    assert_eq!(
        equity.total + bse.net,
        e.bs.equity.total.minor,
        "{what}: equity + net = NewLedger's equity"
    );
    let mut hl_equity = section_by_code(&equity, &codes);
    let mut nl_equity = report_rows(&e.bs.equity);
    let hl_re = hl_equity.remove(&e.retained_code).unwrap_or(0);
    nl_equity.remove(&e.retained_code);
    // Retained earnings with prior years' profit (a computed row when the account itself
    // never moved).
    let nl_re = e.bs.equity.total.minor
        - e.bs.current_year_earnings.minor
        - nl_equity.values().sum::<i64>();
    assert_eq!(hl_equity, nl_equity, "{what}: equity accounts");
    assert_eq!(
        hl_re,
        nl_re + e.bs.current_year_earnings.minor - bse.net,
        "{what}: retained earnings"
    );

    let is = tools::hledger_compound(&run(args("is", true)), e.exponent);
    let rev = is.sections.get("Revenues").cloned().unwrap_or_default();
    let exp = is.sections.get("Expenses").cloned().unwrap_or_default();
    assert_eq!(
        section_by_code(&rev, &codes),
        report_rows(&e.pnl.revenue),
        "{what}: revenue"
    );
    assert_eq!(
        rev.total, e.pnl.revenue.total.minor,
        "{what}: total revenue"
    );
    assert_eq!(
        section_by_code(&exp, &codes),
        report_rows(&e.pnl.expenses),
        "{what}: expenses"
    );
    assert_eq!(
        exp.total, e.pnl.expenses.total.minor,
        "{what}: total expenses"
    );
    assert_eq!(is.net, e.pnl.net_profit.minor, "{what}: net profit");
}

/// beancount: `bean-check` passes, and `bean-query` sums equal the same reports.
pub fn check_beancount(
    c: &Tool,
    q: &Tool,
    file: &Path,
    text: &str,
    e: &Expected,
    cut: Option<(NaiveDate, NaiveDate)>,
    what: &str,
) {
    let out = c.run(&[file.to_str().unwrap()]);
    assert!(out.trim().is_empty(), "{what}: bean-check said {out}");
    let codes = beancount_codes(text);
    let (all, pnl_filter) = match cut {
        Some((b, t)) => (
            format!("WHERE date <= {t}"),
            format!("WHERE date >= {b} AND date <= {t} AND account ~ '^(Income|Expenses):'"),
        ),
        None => (
            String::new(),
            "WHERE account ~ '^(Income|Expenses):'".to_owned(),
        ),
    };
    let raw = tools::bean_balances(q, file, &all, e.exponent);
    let bal = by_code(&raw, &codes);
    assert_eq!(
        bal, e.per_account,
        "{what}: bean-query balances vs trial balance"
    );
    let sum = |prefix: &str| {
        raw.iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| *v)
            .sum::<i64>()
    };
    assert_eq!(
        sum("Assets:"),
        e.bs.assets.total.minor,
        "{what}: total assets"
    );
    assert_eq!(
        -sum("Liabilities:"),
        e.bs.liabilities.total.minor,
        "{what}: total liabilities"
    );
    assert_eq!(
        -(sum("Equity:") + sum("Income:") + sum("Expenses:")),
        e.bs.equity.total.minor,
        "{what}: total equity"
    );
    let pnl = by_code(
        &tools::bean_balances(q, file, &pnl_filter, e.exponent),
        &codes,
    );
    let mut want = BTreeMap::new();
    for r in &e.pnl.revenue.rows {
        want.insert(r.code.clone(), -r.amount.minor);
    }
    for r in &e.pnl.expenses.rows {
        want.insert(r.code.clone(), r.amount.minor);
    }
    want.retain(|_, v| *v != 0);
    assert_eq!(pnl, want, "{what}: bean-query profit and loss");
}

/// CSV: documented header, RFC 4180, and per-account sums equal the trial balance. Returns
/// the number of posted-line rows.
pub fn check_csv(body: &str, e: &Expected, what: &str) -> usize {
    let rows = tools::csv_rows(body);
    assert_eq!(
        rows[0],
        CSV_HEADER.map(str::to_owned).to_vec(),
        "{what}: header"
    );
    assert!(body.ends_with("\r\n"), "{what}: CRLF line ends");
    let mut sums = BTreeMap::new();
    let mut lines = 0;
    for r in &rows[1..] {
        assert_eq!(r.len(), CSV_HEADER.len(), "{what}: row {r:?}");
        let d = tools::minor(&r[11], e.exponent);
        let c = tools::minor(&r[12], e.exponent);
        *sums.entry(r[4].clone()).or_insert(0) += d - c;
        if r[1] != "OPENING" {
            lines += 1;
        }
    }
    sums.retain(|_, v| *v != 0);
    assert_eq!(sums, e.per_account, "{what}: CSV per-account sums");
    lines
}

/// ledger-cli (optional): reads the hledger file and its balance nets to zero.
pub fn check_ledger_cli(l: &Tool, file: &Path, what: &str) {
    let out = l.run(&["-f", file.to_str().unwrap(), "balance", "--flat"]);
    let last = out.lines().last().unwrap_or("").trim();
    assert!(
        last == "0" || out.trim().is_empty(),
        "{what}: ledger-cli total {last:?}\n{out}"
    );
}
