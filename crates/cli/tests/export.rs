//! `newledger export` as an operator runs it: no person, a file or standard output, ranges,
//! and clear errors for a bad format, range or company.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{ok, run, tmp};

#[test]
fn operators_export_the_ledger_from_the_cli() {
    let dir = tmp();
    let demo: serde_json::Value =
        serde_json::from_str(&ok(&run(&dir, &["demo", "--json"]))).unwrap();
    let company = demo["company_id"].as_str().unwrap();

    let out = run(
        &dir,
        &[
            "export",
            "--company",
            company,
            "--format",
            "csv",
            "--output",
            "ledger.csv",
        ],
    );
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("exported "),
        "a summary on stderr"
    );
    let csv = std::fs::read_to_string(dir.0.join("ledger.csv")).unwrap();
    assert!(csv.starts_with("date,entry_number,entry_id,line_no,account_code,account_name,account_type,memo,description,contact_id,contact_name,debit,credit,currency\r\n"));
    assert!(csv.lines().count() > 500);
    assert!(
        !csv.contains("OPENING"),
        "a whole-ledger export has no opening balances"
    );

    // Standard output carries the file itself; the summary goes to stderr.
    let journal = ok(&run(
        &dir,
        &[
            "export",
            "--company",
            company,
            "--format",
            "hledger",
            "--from",
            "2000-01-01",
        ],
    ));
    assert!(journal.starts_with("; NewLedger export of Northwind Studio Ltd"));
    assert!(
        journal.contains("\ncommodity EUR\n")
            && journal.contains("\naccount Assets:1000 Business Bank Account\n")
    );
    let beancount = ok(&run(
        &dir,
        &[
            "export",
            "--company",
            company,
            "--format",
            "beancount",
            "--to",
            "2199-12-31",
        ],
    ));
    assert!(beancount.contains("option \"operating_currency\" \"EUR\""));
    assert!(beancount.contains(" open Assets:1000-Business-Bank-Account EUR"));

    for (args, says) in [
        (vec!["--format", "xml"], "invalid value 'xml'"),
        (
            vec![
                "--format",
                "csv",
                "--from",
                "2025-02-01",
                "--to",
                "2025-01-01",
            ],
            "from: must be on or before `to`",
        ),
        (
            vec!["--format", "csv", "--from", "yesterday"],
            "invalid value 'yesterday'",
        ),
    ] {
        let mut all = vec!["export", "--company", company];
        all.extend(args);
        let o = run(&dir, &all);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{all:?}: {err}");
    }
    let o = run(
        &dir,
        &[
            "export",
            "--company",
            "cmp_01nosuchcompany",
            "--format",
            "csv",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no company cmp_01nosuchcompany"));
}
