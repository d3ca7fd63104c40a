//! One builder per report: the service's report, shaped into a [`Table`]. No reading and no
//! arithmetic here; the figures come computed from `newledger_service::reports`.

use super::table::{Cell, RowKind, Table};
use newledger_domain::money::Money;
use newledger_domain::report::{Aging, AgingRow, BalanceSheet, ProfitAndLoss, TrialBalance};
use newledger_service::reports::{CashSummary, ExpenseBreakdown};
use std::collections::BTreeMap;

/// Trial balance: debit and credit per account, and the totals.
pub fn trial_balance(tb: TrialBalance) -> Table {
    let mut t = Table::new(&["Code", "Account", "Debit", "Credit"]);
    for row in tb.rows {
        t.push(
            RowKind::Normal,
            vec![
                Cell::Text(row.code),
                Cell::Text(row.name),
                Cell::Amount(row.debit.minor),
                Cell::Amount(row.credit.minor),
            ],
        );
    }
    let totals = vec![
        Cell::Amount(tb.total_debit.minor),
        Cell::Amount(tb.total_credit.minor),
    ];
    t.total("Total", totals);
    t
}

/// Profit and loss: revenue, expenses, net profit.
pub fn profit_and_loss(p: &ProfitAndLoss) -> Table {
    let mut t = Table::new(&["Code", "Account", "Amount"]);
    t.account_section("Revenue", &p.revenue, "Total revenue");
    t.account_section("Expenses", &p.expenses, "Total expenses");
    t.total("Net profit", vec![Cell::Amount(p.net_profit.minor)]);
    t
}

/// Balance sheet: assets, liabilities, equity.
pub fn balance_sheet(b: &BalanceSheet) -> Table {
    let mut t = Table::new(&["Code", "Account", "Amount"]);
    t.account_section("Assets", &b.assets, "Total assets");
    t.account_section("Liabilities", &b.liabilities, "Total liabilities");
    t.account_section("Equity", &b.equity, "Total equity");
    t.total(
        "Total liabilities and equity",
        vec![Cell::Amount(b.total_liabilities_and_equity.minor)],
    );
    t
}

/// Cash summary: each bank or card account, then money in and out by month.
pub fn cash_summary(c: CashSummary) -> Table {
    let mut t = Table::new(&[
        "Account or month",
        "Opening",
        "Money in",
        "Money out",
        "Closing or net",
    ]);
    t.section("Accounts");
    for x in c.accounts {
        t.push(
            RowKind::Normal,
            vec![
                Cell::Text(format!("{} {}", x.code, x.name)),
                Cell::Amount(x.opening.minor),
                Cell::Amount(x.money_in.minor),
                Cell::Amount(x.money_out.minor),
                Cell::Amount(x.closing.minor),
            ],
        );
    }
    t.push(
        RowKind::Total,
        vec![
            Cell::Text("Total".into()),
            Cell::Amount(c.total_opening.minor),
            Cell::Empty,
            Cell::Empty,
            Cell::Amount(c.total_closing.minor),
        ],
    );
    t.section("By month");
    for m in c.months {
        t.push(
            RowKind::Normal,
            vec![
                Cell::Text(m.month),
                Cell::Empty,
                Cell::Amount(m.money_in.minor),
                Cell::Amount(m.money_out.minor),
                Cell::Amount(m.net.minor),
            ],
        );
    }
    t
}

/// Receivables or payables aging: each contact's open amounts by how overdue they are.
pub fn aging(g: &Aging) -> Table {
    let mut t = Table::new(&[
        "Contact",
        "Current",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "Over 90 days",
        "Total",
    ]);
    let cells = |label: String, x: &AgingRow| {
        vec![
            Cell::Text(label),
            Cell::Amount(x.current.minor),
            Cell::Amount(x.days_1_30.minor),
            Cell::Amount(x.days_31_60.minor),
            Cell::Amount(x.days_61_90.minor),
            Cell::Amount(x.over_90.minor),
            Cell::Amount(x.total.minor),
        ]
    };
    for row in &g.rows {
        t.push(RowKind::Normal, cells(row.contact_name.clone(), row));
    }
    t.push(RowKind::Total, cells("Total".into(), &g.total));
    t
}

/// Expense breakdown: each expense account by month, and the month totals.
pub fn expenses(e: &ExpenseBreakdown) -> Table {
    let mut columns = vec!["Code".to_owned(), "Account".to_owned()];
    columns.extend(e.months.iter().cloned());
    columns.push("Total".into());
    let mut t = Table::new(&columns);
    let by_month = |amounts: &BTreeMap<String, Money>, total: &Money| {
        let mut cells: Vec<Cell> = e
            .months
            .iter()
            .map(|m| {
                amounts
                    .get(m)
                    .map_or(Cell::Empty, |v| Cell::Amount(v.minor))
            })
            .collect();
        cells.push(Cell::Amount(total.minor));
        cells
    };
    for row in &e.rows {
        let mut cells = vec![Cell::Text(row.code.clone()), Cell::Text(row.name.clone())];
        cells.extend(by_month(&row.months, &row.total));
        t.push(RowKind::Normal, cells);
    }
    t.total("Total", by_month(&e.month_totals, &e.total));
    t
}
