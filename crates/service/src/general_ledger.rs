//! The general ledger report: every posted line of each account over a date range, with the
//! account's opening balance, a running balance on every line and the closing balance.
//!
//! Accounts come in code order (one account with `account_id`); an account is listed when it
//! moved in the range or has a non-zero opening balance. Lines within an account are in ledger
//! order (date, entry, line). Balances are debit-positive (debit − credit: a credit balance is
//! negative), like the exports and the tools that read them; openings include every earlier
//! posting (profit and loss accounts are not reset at the fiscal year end), so an account's
//! closing equals its trial balance at `to`.
//!
//! Pages follow the list convention (`limit`, `cursor` → `next_cursor`). The cursor is opaque:
//! it names the account and line where the next page starts and carries the running balance
//! there, so no page re-reads earlier lines; it is tied to `from`, `to` and the account filter.
//! [`write_csv`] streams the whole report as CSV (the web page's download; call [`check`]
//! before the response starts).

use crate::ledger_export::Sink;
use crate::ledger_export::escape::spreadsheet_cell;
use crate::{Access, Error, Result, Services};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Days, NaiveDate};
use newledger_domain::account::AccountClass;
use newledger_domain::ids::{AccountId, ContactId, EntryId};
use newledger_domain::money::{Currency, Money};
use newledger_domain::permission::Permission;
use serde::Serialize;
use std::collections::HashMap;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest page size of the API.
pub const MAX_LIMIT: i64 = 1000;
/// Lines read per query by [`write_csv`].
const CSV_PAGE: i64 = 5000;

/// What to report.
#[derive(Clone, Debug)]
pub struct GeneralLedgerQuery {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Only this account.
    pub account_id: Option<AccountId>,
    /// Lines per page (default 100, at most 1000).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl GeneralLedgerQuery {
    /// A query from what a caller sent, with the report defaults of
    /// [`crate::reports::ReportDates`] and the account id checked.
    pub fn from_request(
        access: &Access,
        today: NaiveDate,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        account_id: Option<&str>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<Self> {
        let dates = crate::reports::ReportDates::resolve(access, today, None, from, to);
        let account_id = match account_id {
            Some(id) => Some(
                AccountId::parse(id)
                    .map_err(|_| Error::invalid("account_id", "not an account id"))?,
            ),
            None => None,
        };
        Ok(Self {
            from: dates.from,
            to: dates.to,
            account_id,
            limit,
            cursor,
        })
    }
}

/// An account's section of the report.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GlAccount {
    /// Account id.
    pub account_id: AccountId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Class.
    pub class: AccountClass,
    /// Balance at the end of the day before `from` (debit-positive).
    pub opening: Money,
    /// Debits in the range.
    pub debit: Money,
    /// Credits in the range.
    pub credit: Money,
    /// Balance at the end of `to` (debit-positive).
    pub closing: Money,
}

/// One posted line.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GlLine {
    /// Account id.
    pub account_id: AccountId,
    /// Account code.
    pub account_code: String,
    /// Account name.
    pub account_name: String,
    /// Date.
    pub date: NaiveDate,
    /// Journal entry.
    pub entry_id: EntryId,
    /// Entry reference (`JE-00012`, `INV-0003`…).
    pub entry_number: String,
    /// Line number within the entry.
    pub line_no: i64,
    /// The entry's narration.
    pub memo: String,
    /// The line's description.
    pub description: String,
    /// Contact.
    pub contact_id: Option<ContactId>,
    /// Contact name.
    pub contact_name: Option<String>,
    /// Debit.
    pub debit: Money,
    /// Credit.
    pub credit: Money,
    /// The account's balance after this line (debit-positive).
    pub running_balance: Money,
}

/// One page of the general ledger.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GeneralLedgerPage {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Currency of every amount.
    pub currency: Currency,
    /// The account filter, if any.
    pub account_id: Option<AccountId>,
    /// The accounts whose sections this page shows (or continues), in order, each with its
    /// opening, range totals and closing.
    pub accounts: Vec<GlAccount>,
    /// Lines, account by account.
    pub data: Vec<GlLine>,
    /// Cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cursor {
    account: AccountId,
    after: Option<(NaiveDate, String, i64)>,
    balance: i64,
}

fn scope(q: &GeneralLedgerQuery) -> String {
    format!(
        "{}|{}|{}",
        q.from,
        q.to,
        q.account_id.as_ref().map_or("", |a| a.as_str())
    )
}

fn encode(q: &GeneralLedgerQuery, c: &Cursor) -> String {
    let after = c
        .after
        .as_ref()
        .map_or_else(|| "||".to_owned(), |(d, e, n)| format!("{d}|{e}|{n}"));
    let raw = format!("gl1|{}|{}|{after}|{}", scope(q), c.account, c.balance);
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode(q: &GeneralLedgerQuery, s: &str) -> Result<Cursor> {
    let bad = || Error::invalid("cursor", "not a cursor of this report and range");
    let raw = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let parts: Vec<&str> = raw.split('|').collect();
    let [tag, from, to, filter, account, date, entry, line, balance] = parts[..] else {
        return Err(bad());
    };
    let expected = scope(q);
    if tag != "gl1" || format!("{from}|{to}|{filter}") != expected {
        return Err(bad());
    }
    let after = if date.is_empty() {
        None
    } else {
        Some((
            date.parse().map_err(|_| bad())?,
            EntryId::parse(entry).map_err(|_| bad())?.to_string(),
            line.parse().map_err(|_| bad())?,
        ))
    };
    Ok(Cursor {
        account: AccountId::parse(account).map_err(|_| bad())?,
        after,
        balance: balance.parse().map_err(|_| bad())?,
    })
}

/// One page of the general ledger (`reports:read`).
pub async fn page(
    svc: &Services,
    access: &Access,
    q: &GeneralLedgerQuery,
) -> Result<GeneralLedgerPage> {
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(l) if (1..=MAX_LIMIT).contains(&l) => l,
        Some(_) => return Err(Error::invalid("limit", "between 1 and 1000")),
    };
    access.require(Permission::ReportsRead)?;
    // Pages are cached per node until the books change (see `views::cache`).
    let key = format!("{}/general-ledger/{q:?}", access.company.id);
    let weight = usize::try_from(limit).unwrap_or(1);
    svc.views
        .get_or_fill(svc, key, |_| weight, || page_of(svc, access, q, limit))
        .await
        .map(std::sync::Arc::unwrap_or_clone)
}

async fn sections(
    svc: &Services,
    access: &Access,
    q: &GeneralLedgerQuery,
) -> Result<Vec<GlAccount>> {
    let cur = access.company.currency;
    let mut chart = svc.store.accounts(&access.company.id).await?;
    chart.sort_by(|a, b| a.code.cmp(&b.code));
    if let Some(id) = &q.account_id
        && !chart.iter().any(|a| &a.id == id)
    {
        return Err(Error::NotFound("account"));
    }
    let company = &access.company.id;
    let before: HashMap<AccountId, i64> = match q.from.checked_sub_days(Days::new(1)) {
        Some(d) => svc
            .store
            .account_totals(company, None, d)
            .await?
            .into_iter()
            .map(|(id, d, c)| (id, d - c))
            .collect(),
        None => HashMap::new(),
    };
    let during: HashMap<AccountId, (i64, i64)> = svc
        .store
        .account_totals(company, Some(q.from), q.to)
        .await?
        .into_iter()
        .map(|(id, d, c)| (id, (d, c)))
        .collect();
    Ok(chart
        .into_iter()
        .filter(|a| q.account_id.as_ref().is_none_or(|id| id == &a.id))
        .filter_map(|a| {
            let opening = before.get(&a.id).copied().unwrap_or(0);
            let (d, c) = during.get(&a.id).copied().unwrap_or((0, 0));
            let listed = q.account_id.is_some() || opening != 0 || d != 0 || c != 0;
            listed.then(|| GlAccount {
                account_id: a.id,
                code: a.code,
                name: a.name,
                class: a.class,
                opening: Money::new(opening, cur),
                debit: Money::new(d, cur),
                credit: Money::new(c, cur),
                closing: Money::new(opening + d - c, cur),
            })
        })
        .collect())
}

async fn page_of(
    svc: &Services,
    access: &Access,
    q: &GeneralLedgerQuery,
    limit: i64,
) -> Result<GeneralLedgerPage> {
    access.require(Permission::ReportsRead)?;
    newledger_domain::dates::DateRange::new(q.from, q.to)?;
    let cur = access.company.currency;
    let all = sections(svc, access, q).await?;
    let (mut idx, mut after, mut balance) = match &q.cursor {
        Some(s) => {
            let c = decode(q, s)?;
            let i = all
                .iter()
                .position(|a| a.account_id == c.account)
                .ok_or_else(|| Error::invalid("cursor", "the account is no longer listed"))?;
            (i, c.after, c.balance)
        }
        None => (0, None, all.first().map_or(0, |a| a.opening.minor)),
    };
    let mut accounts = Vec::new();
    let mut data: Vec<GlLine> = Vec::new();
    let mut next_cursor = None;
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    while let Some(acct) = all.get(idx) {
        if data.len() >= cap {
            next_cursor = Some(Cursor {
                account: acct.account_id.clone(),
                after: after.clone(),
                balance,
            });
            break;
        }
        accounts.push(acct.clone());
        let need = cap - data.len();
        let lower = after.as_ref().map_or(q.from, |(d, _, _)| (*d).max(q.from));
        let mut lines = svc
            .store
            .ledger_lines(
                &access.company.id,
                Some(&acct.account_id),
                Some(lower),
                Some(q.to),
                after.clone(),
                i64::try_from(need + 1).unwrap_or(i64::MAX),
            )
            .await?;
        let more = lines.len() > need;
        lines.truncate(need);
        for l in lines {
            balance += l.debit - l.credit;
            after = Some((l.date, l.entry_id.to_string(), l.line_no));
            data.push(GlLine {
                account_id: acct.account_id.clone(),
                account_code: acct.code.clone(),
                account_name: acct.name.clone(),
                date: l.date,
                entry_id: l.entry_id,
                entry_number: l.entry_number,
                line_no: l.line_no,
                memo: l.memo,
                description: l.description,
                contact_id: l.contact_id,
                contact_name: None,
                debit: Money::new(l.debit, cur),
                credit: Money::new(l.credit, cur),
                running_balance: Money::new(balance, cur),
            });
        }
        if more {
            next_cursor = Some(Cursor {
                account: acct.account_id.clone(),
                after: after.clone(),
                balance,
            });
            break;
        }
        idx += 1;
        after = None;
        balance = all.get(idx).map_or(0, |a| a.opening.minor);
    }
    // Contact names of the whole page in one query.
    let mut ids: Vec<ContactId> = data.iter().filter_map(|l| l.contact_id.clone()).collect();
    ids.sort();
    ids.dedup();
    if !ids.is_empty() {
        let names: HashMap<ContactId, String> = svc
            .store
            .contact_names(&access.company.id, &ids)
            .await?
            .into_iter()
            .collect();
        for l in &mut data {
            l.contact_name = l.contact_id.as_ref().and_then(|c| names.get(c).cloned());
        }
    }
    Ok(GeneralLedgerPage {
        from: q.from,
        to: q.to,
        currency: cur,
        account_id: q.account_id.clone(),
        accounts,
        data,
        next_cursor: next_cursor.map(|c| encode(q, &c)),
    })
}

/// Columns of [`write_csv`]: `row_type` is `opening`, `line` or `closing`; opening and closing
/// rows carry the account's balance in `running_balance` (closing rows also the range's
/// debit and credit totals).
pub const CSV_HEADER: [&str; 14] = [
    "row_type",
    "account_code",
    "account_name",
    "date",
    "entry_number",
    "entry_id",
    "memo",
    "description",
    "contact_id",
    "contact_name",
    "debit",
    "credit",
    "running_balance",
    "currency",
];

/// Checks a request before any byte of a streamed download is sent (permission, range, account
/// filter), so that the caller can still answer with an error status.
pub async fn check(svc: &Services, access: &Access, q: &GeneralLedgerQuery) -> Result<()> {
    access.require(Permission::ReportsRead)?;
    newledger_domain::dates::DateRange::new(q.from, q.to)?;
    if let Some(id) = &q.account_id
        && !svc
            .store
            .accounts(&access.company.id)
            .await?
            .iter()
            .any(|a| &a.id == id)
    {
        return Err(Error::NotFound("account"));
    }
    Ok(())
}

/// A file name for the CSV download: `general-ledger-2025-01-01-2025-12-31.csv`.
pub fn csv_file_name(q: &GeneralLedgerQuery) -> String {
    format!("general-ledger-{}-{}.csv", q.from, q.to)
}

/// Streams the whole general ledger for `q` (its `limit` and `cursor` are ignored) as CSV
/// (RFC 4180, CRLF) into `sink`: per account an opening row, its lines, a closing row.
pub async fn write_csv(
    svc: &Services,
    access: &Access,
    q: &GeneralLedgerQuery,
    sink: &mut impl Sink,
) -> Result<()> {
    let cur = access.company.currency;
    let fmt = |m: &Money| cur.format(m.minor);
    let mut q = GeneralLedgerQuery {
        cursor: None,
        ..q.clone()
    };
    let mut current: Option<GlAccount> = None;
    let mut w = writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(internal)?;
    loop {
        let p = page_of(svc, access, &q, CSV_PAGE).await?;
        for a in &p.accounts {
            if current
                .as_ref()
                .is_none_or(|c| c.account_id != a.account_id)
            {
                if let Some(c) = current.take() {
                    closing_row(&mut w, &c, q.to, fmt)?;
                }
                write_row(
                    &mut w,
                    [
                        "opening",
                        &a.code,
                        &a.name,
                        &q.from.to_string(),
                        "",
                        "",
                        "Opening balance",
                        "",
                        "",
                        "",
                        "",
                        "",
                        &fmt(&a.opening),
                        cur.code(),
                    ],
                )?;
                current = Some(a.clone());
            }
            for l in p.data.iter().filter(|l| l.account_id == a.account_id) {
                write_row(
                    &mut w,
                    [
                        "line",
                        &l.account_code,
                        &l.account_name,
                        &l.date.to_string(),
                        &l.entry_number,
                        l.entry_id.as_str(),
                        &l.memo,
                        &l.description,
                        l.contact_id.as_ref().map_or("", |c| c.as_str()),
                        l.contact_name.as_deref().unwrap_or(""),
                        &fmt(&l.debit),
                        &fmt(&l.credit),
                        &fmt(&l.running_balance),
                        cur.code(),
                    ],
                )?;
            }
        }
        let chunk = w.into_inner().map_err(|e| internal(e.into_error()))?;
        sink.write(chunk).await.map_err(internal)?;
        w = writer(Vec::new());
        match p.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    if let Some(c) = current.take() {
        closing_row(&mut w, &c, q.to, fmt)?;
    }
    let chunk = w.into_inner().map_err(|e| internal(e.into_error()))?;
    sink.write(chunk).await.map_err(internal)
}

fn closing_row(
    w: &mut csv::Writer<Vec<u8>>,
    a: &GlAccount,
    to: NaiveDate,
    fmt: impl Fn(&Money) -> String,
) -> Result<()> {
    write_row(
        w,
        [
            "closing",
            &a.code,
            &a.name,
            &to.to_string(),
            "",
            "",
            "Closing balance",
            "",
            "",
            "",
            &fmt(&a.debit),
            &fmt(&a.credit),
            &fmt(&a.closing),
            a.closing.currency.code(),
        ],
    )
}

/// One row, each cell made safe to open in a spreadsheet: this file is a download for people.
fn write_row(w: &mut csv::Writer<Vec<u8>>, cells: [&str; 14]) -> Result<()> {
    w.write_record(cells.map(spreadsheet_cell).iter().map(|c| c.as_bytes()))
        .map_err(internal)
}

fn writer(buf: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf)
}

fn internal(e: impl Into<anyhow::Error>) -> Error {
    Error::Internal(e.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> GeneralLedgerQuery {
        GeneralLedgerQuery {
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
            account_id: None,
            limit: None,
            cursor: None,
        }
    }

    #[test]
    fn cursor_round_trips_and_is_tied_to_the_range() {
        let c = Cursor {
            account: AccountId::from_suffix("01abc"),
            after: Some((
                NaiveDate::from_ymd_opt(2025, 3, 4).unwrap_or_default(),
                "jnl_01xyz".into(),
                2,
            )),
            balance: -12345,
        };
        let s = encode(&q(), &c);
        assert_eq!(decode(&q(), &s).ok(), Some(c.clone()));
        let start = Cursor { after: None, ..c };
        assert_eq!(decode(&q(), &encode(&q(), &start)).ok(), Some(start));
        let other = GeneralLedgerQuery {
            to: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default(),
            ..q()
        };
        assert!(decode(&other, &s).is_err());
        assert!(decode(&q(), "garbage").is_err());
    }
}
