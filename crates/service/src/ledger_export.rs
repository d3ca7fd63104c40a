//! Ledger export: the posted ledger of a company, whole or for a date range, as an hledger
//! journal (read by hledger 1.25 and ledger-cli), a beancount file (beancount 3) or CSV.
//!
//! What is exported: posted journal lines only (drafts never reach the ledger; a voided
//! document is its original entry plus its reversing entry, both posted). `from`/`to` are
//! inclusive. A ranged export (`from` given) opens with one "Opening balances" transaction
//! dated `from`: every balance sheet account's balance at the end of the day before, and the
//! profit and loss of all earlier days moved into retained earnings, so that the file balances
//! and a tool's balance sheet at `to` equals NewLedger's (its income statement then covers the
//! range alone).
//!
//! Streaming: lines are read in pages of [`PAGE_LINES`] in ledger order (date, entry, line) and
//! written out in chunks of about 64 KiB, so memory stays flat whatever the ledger's size. The
//! page cursor moves by whole entries' keys: an entry posted while an export runs is either
//! wholly in it or wholly out, so the file always balances.
//!
//! Accounts are named `Assets|Liabilities|Equity|Income|Expenses:CODE Name` (hledger) and
//! `…:CODE-Name` (beancount); free text is escaped as described in [`escape`].
//!
//! CSV: one row per posted line (opening balance rows first in a ranged export), RFC 4180
//! (quoted when needed, CRLF), with the header [`CSV_HEADER`]: `date` (ISO), `entry_number`
//! (`OPENING` for the opening balances), `entry_id`, `line_no`, `account_code`,
//! `account_name`, `account_type` (asset, liability, equity, revenue, expense), `memo` (the
//! entry's narration), `description` (the line's), `contact_id`, `contact_name`, `debit`,
//! `credit` (decimal strings, `0.00` on the other side), `currency`. `csv` is for people: a
//! text cell a spreadsheet would run as a formula gets a leading apostrophe
//! ([`escape::spreadsheet_cell`]); `csv-raw` writes every value exactly as stored, for programs
//! that read the file back.

pub mod escape;

use crate::activity::Event;
use crate::{Access, Error, Result, Services};
use chrono::{Days, NaiveDate};
use escape::{HledgerSpot, hledger_text};
use newledger_domain::account::{AccountClass, AccountRole};
use newledger_domain::company::Company;
use newledger_domain::dates;
use newledger_domain::ids::{AccountId, ContactId, EntryId};
use newledger_domain::money::Currency;
use newledger_domain::permission::Permission;
use newledger_store::{LedgerLine, ListQuery};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Lines read per store query.
pub const PAGE_LINES: i64 = 5_000;
/// Bytes gathered before a chunk is handed to the sink.
const CHUNK: usize = 64 * 1024;
/// The CSV header row.
pub const CSV_HEADER: [&str; 14] = [
    "date",
    "entry_number",
    "entry_id",
    "line_no",
    "account_code",
    "account_name",
    "account_type",
    "memo",
    "description",
    "contact_id",
    "contact_name",
    "debit",
    "credit",
    "currency",
];

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// hledger journal (also read by ledger-cli).
    Hledger,
    /// beancount 3.
    Beancount,
    /// CSV, one row per posted line, guarded for spreadsheets.
    Csv,
    /// CSV as [`Format::Csv`], values exactly as stored (for programs, not spreadsheets).
    CsvRaw,
}

impl Format {
    /// Parses `hledger`, `beancount`, `csv` or `csv-raw`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "hledger" | "ledger" | "journal" => Ok(Format::Hledger),
            "beancount" => Ok(Format::Beancount),
            "csv" => Ok(Format::Csv),
            "csv-raw" => Ok(Format::CsvRaw),
            _ => Err(Error::invalid(
                "format",
                "one of hledger, beancount, csv, csv-raw",
            )),
        }
    }

    /// Name as in the `format` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Hledger => "hledger",
            Format::Beancount => "beancount",
            Format::Csv => "csv",
            Format::CsvRaw => "csv-raw",
        }
    }

    /// HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Hledger | Format::Beancount => "text/plain; charset=utf-8",
            Format::Csv | Format::CsvRaw => "text/csv; charset=utf-8; header=present",
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Hledger => "journal",
            Format::Beancount => "beancount",
            Format::Csv | Format::CsvRaw => "csv",
        }
    }
}

/// Where an export's bytes go: a file, standard output, an HTTP body.
pub trait Sink: Send {
    /// Takes the next chunk; an error (the reader went away) stops the export.
    fn write(&mut self, chunk: Vec<u8>) -> impl Future<Output = std::io::Result<()>> + Send;
}

/// A [`Sink`] over any async writer.
pub struct IoSink<W>(pub W);

impl<W: AsyncWrite + Unpin + Send> Sink for IoSink<W> {
    async fn write(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        self.0.write_all(&chunk).await
    }
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Posted lines written (opening balance lines not counted).
    pub lines: u64,
    /// Transactions written, the opening balances included.
    pub transactions: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// One account as the export names it.
#[derive(Clone, Debug)]
struct Acct {
    code: String,
    name: String,
    class: AccountClass,
    /// Full name in the export's syntax (empty for CSV).
    label: String,
}

/// An export that passed its checks and is ready to stream: permission, range and the data
/// that is not per line (accounts, contacts, opening balances) are settled before the first
/// byte, so that a web handler can still answer with an error status.
pub struct Export {
    svc: Services,
    company: Company,
    format: Format,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    accounts: HashMap<AccountId, Acct>,
    /// Account ids in code order (declarations).
    order: Vec<AccountId>,
    contacts: HashMap<ContactId, String>,
    /// The opening transaction's lines (account, debit − credit, carries earlier profit).
    opening: Vec<(AccountId, i64, bool)>,
    /// Date of beancount's `open` directives: on or before every exported date.
    open_date: NaiveDate,
}

/// Checks an export request (`journal:read`, `from` ≤ `to`) and loads what it needs.
pub async fn prepare(
    svc: &Services,
    access: &Access,
    format: Format,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Export> {
    access.require(Permission::JournalRead)?;
    let from = dates::check_opt("from", from)?;
    let to = dates::check_opt("to", to)?;
    if let (Some(f), Some(t)) = (from, to) {
        dates::DateRange::new(f, t)?;
    }
    let company = access.company.clone();
    let chart = svc.store.accounts(&company.id).await?;
    let retained = chart
        .iter()
        .filter(|a| a.role == AccountRole::RetainedEarnings)
        .min_by(|a, b| a.code.cmp(&b.code))
        .map(|a| a.id.clone());
    let mut accounts = HashMap::new();
    let mut order = Vec::new();
    let mut taken = HashSet::new();
    for a in &chart {
        let label = account_label(format, a.class, &a.code, &a.name, &mut taken);
        order.push(a.id.clone());
        accounts.insert(
            a.id.clone(),
            Acct {
                code: a.code.clone(),
                name: a.name.clone(),
                class: a.class,
                label,
            },
        );
    }
    let contacts = contact_names(svc, &company).await?;
    let mut opening = Vec::new();
    if let Some(f) = from
        && let Some(before) = f.checked_sub_days(Days::new(1))
    {
        let totals = svc.store.account_totals(&company.id, None, before).await?;
        let mut pnl = 0i64;
        let mut re_net = 0i64;
        let mut rows: Vec<(String, AccountId, i64)> = Vec::new();
        for (id, d, c) in totals {
            let Some(a) = accounts.get(&id) else { continue };
            let net = d - c;
            if a.class.is_pnl() {
                pnl += net;
            } else if Some(&id) == retained.as_ref() {
                re_net += net;
            } else if net != 0 {
                rows.push((a.code.clone(), id, net));
            }
        }
        rows.sort();
        opening = rows.into_iter().map(|(_, id, n)| (id, n, false)).collect();
        let carried = re_net + pnl;
        if carried != 0 {
            let re = match retained {
                Some(id) => id,
                // A chart without a retained earnings account: carry the profit in a
                // declared equity account of the export's own.
                None => {
                    let id = AccountId::from_suffix("retainedearningsexport");
                    let label = account_label(
                        format,
                        AccountClass::Equity,
                        "RE",
                        "Retained Earnings",
                        &mut taken,
                    );
                    order.push(id.clone());
                    accounts.insert(
                        id.clone(),
                        Acct {
                            code: "RE".into(),
                            name: "Retained Earnings".into(),
                            class: AccountClass::Equity,
                            label,
                        },
                    );
                    id
                }
            };
            opening.push((re, carried, true));
        }
    }
    let open_date = match from {
        Some(f) => f,
        None => svc
            .store
            .ledger_lines(&company.id, None, None, to, None, 1)
            .await?
            .first()
            .map_or_else(|| svc.clock.today(), |l| l.date),
    };
    svc.activity
        .log(
            access,
            Event::ok("ledger.exported", "company", company.id.as_str()).reason(format!(
                "{} {}..{}",
                format.as_str(),
                from.map(|d| d.to_string()).unwrap_or_default(),
                to.map(|d| d.to_string()).unwrap_or_default()
            )),
        )
        .await?;
    Ok(Export {
        svc: svc.clone(),
        company,
        format,
        from,
        to,
        accounts,
        order,
        contacts,
        opening,
        open_date,
    })
}

/// Every contact's name (one entry per contact, not per line).
async fn contact_names(svc: &Services, company: &Company) -> Result<HashMap<ContactId, String>> {
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let q = ListQuery {
            limit: 1000,
            after: after.clone(),
            ..ListQuery::default()
        };
        let rows = svc.store.list_contacts(&company.id, &q).await?;
        let n = rows.len();
        after = rows.last().map(|c| c.id.to_string());
        for c in rows {
            out.insert(c.id, c.name);
        }
        if n < 1000 || after.is_none() {
            return Ok(out);
        }
    }
}

fn top_level(class: AccountClass) -> &'static str {
    match class {
        AccountClass::Asset => "Assets",
        AccountClass::Liability => "Liabilities",
        AccountClass::Equity => "Equity",
        AccountClass::Revenue => "Income",
        AccountClass::Expense => "Expenses",
    }
}

/// The account's name in the format, made unique if escaping made two names equal.
fn account_label(
    format: Format,
    class: AccountClass,
    code: &str,
    name: &str,
    taken: &mut HashSet<String>,
) -> String {
    let (base, sep) = match format {
        Format::Hledger => (escape::hledger_account_leaf(code, name), " "),
        Format::Beancount => (escape::beancount_account_leaf(code, name), "-"),
        Format::Csv | Format::CsvRaw => return String::new(),
    };
    let mut label = format!("{}:{base}", top_level(class));
    let mut n = 2;
    while !taken.insert(label.to_lowercase()) {
        label = format!("{}:{base}{sep}{n}", top_level(class));
        n += 1;
    }
    label
}

/// Lines of one entry, gathered from consecutive ledger lines.
struct Txn {
    date: NaiveDate,
    number: String,
    entry_id: String,
    memo: String,
    lines: Vec<TxnLine>,
}

struct TxnLine {
    line_no: i64,
    account_id: AccountId,
    description: String,
    contact_id: Option<ContactId>,
    debit: i64,
    credit: i64,
}

impl Export {
    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A file name such as `cmp_…-ledger-2025-01-01-2025-12-31.journal`.
    pub fn file_name(&self) -> String {
        let mut n = format!("{}-ledger", self.company.id);
        if let Some(f) = self.from {
            let _ = write!(n, "-from-{f}");
        }
        if let Some(t) = self.to {
            let _ = write!(n, "-to-{t}");
        }
        format!("{n}.{}", self.format.extension())
    }

    fn currency(&self) -> Currency {
        self.company.currency
    }

    fn amount(&self, minor: i64) -> String {
        self.currency().format(minor)
    }

    /// Streams the export into `sink`.
    pub async fn run(self, sink: &mut impl Sink) -> Result<ExportStats> {
        let mut out = Out {
            buf: Vec::with_capacity(CHUNK * 2),
            stats: ExportStats::default(),
        };
        self.header(&mut out.buf)?;
        if !self.opening.is_empty() {
            let txn = self.opening_txn();
            self.transaction(&mut out.buf, &txn)?;
            out.stats.transactions += 1;
        }
        let mut after: Option<(NaiveDate, String, i64)> = None;
        let mut pending: Option<Txn> = None;
        loop {
            // Bounding the date from below as well lets the store walk its index from the
            // cursor instead of from the first line of the company.
            let lower = match (&after, self.from) {
                (Some((d, _, _)), Some(f)) => Some((*d).max(f)),
                (Some((d, _, _)), None) => Some(*d),
                (None, f) => f,
            };
            let page = self
                .svc
                .store
                .ledger_lines(
                    &self.company.id,
                    None,
                    lower,
                    self.to,
                    after.clone(),
                    PAGE_LINES,
                )
                .await?;
            let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= PAGE_LINES;
            if let Some(last) = page.last() {
                after = Some((last.date, last.entry_id.to_string(), last.line_no));
            }
            for l in page {
                out.stats.lines += 1;
                let same = pending
                    .as_ref()
                    .is_some_and(|t| t.entry_id == l.entry_id.as_str());
                if !same && let Some(t) = pending.take() {
                    self.transaction(&mut out.buf, &t)?;
                    out.stats.transactions += 1;
                    out.flush_if_full(sink).await?;
                }
                push_line(&mut pending, l);
            }
            if !full {
                break;
            }
        }
        if let Some(t) = pending.take() {
            self.transaction(&mut out.buf, &t)?;
            out.stats.transactions += 1;
        }
        out.flush(sink).await?;
        Ok(out.stats)
    }

    /// Streams the export into an async writer (a file, standard output).
    pub async fn write_to<W: AsyncWrite + Unpin + Send>(self, w: W) -> Result<ExportStats> {
        let mut sink = IoSink(w);
        let stats = self.run(&mut sink).await?;
        sink.0.flush().await.map_err(io_error)?;
        Ok(stats)
    }

    fn opening_txn(&self) -> Txn {
        let from = self.from.unwrap_or(self.open_date);
        let lines = self
            .opening
            .iter()
            .enumerate()
            .map(|(i, (id, net, is_pnl_carry))| TxnLine {
                line_no: i64::try_from(i).unwrap_or(0),
                account_id: id.clone(),
                description: if *is_pnl_carry {
                    format!("Balance before {from}, with the profit and loss of earlier days")
                } else {
                    format!("Balance before {from}")
                },
                contact_id: None,
                debit: (*net).max(0),
                credit: (-*net).max(0),
            })
            .collect();
        Txn {
            date: from,
            number: "OPENING".into(),
            entry_id: String::new(),
            memo: "Opening balances".into(),
            lines,
        }
    }

    fn header(&self, buf: &mut Vec<u8>) -> Result<()> {
        let range = format!(
            "{}..{}",
            self.from.map(|d| d.to_string()).unwrap_or_default(),
            self.to.map(|d| d.to_string()).unwrap_or_default()
        );
        let title = escape::comment_line(&self.company.name);
        let cur = self.currency().code().to_owned();
        let sample = self.amount(100_000_i64 * 10_i64.pow(u32::from(self.currency().exponent())));
        let mut s = String::new();
        match self.format {
            Format::Hledger => {
                let _ = writeln!(
                    s,
                    "; NewLedger export of {title} ({}), posted entries {range}",
                    self.company.id
                );
                s.push_str(
                    "; Free text uses backslash escapes: \\n \\r \\t \\\\ \\xHH \\u{H}.\n\n",
                );
                // The format tells hledger that `.` is the decimal mark (`1.500 KWD` is not
                // fifteen hundred). A currency without a minor unit has no mark to declare, and
                // `100000.` would trip ledger-cli, so it gets the bare directive.
                if self.currency().exponent() == 0 {
                    let _ = writeln!(s, "commodity {cur}\n");
                } else {
                    let _ = writeln!(s, "commodity {cur}\n    format {sample} {cur}\n");
                }
                for id in &self.order {
                    if let Some(a) = self.accounts.get(id) {
                        let _ = writeln!(s, "account {}", a.label);
                    }
                }
                s.push('\n');
            }
            Format::Beancount => {
                let _ = writeln!(
                    s,
                    "; NewLedger export of {title} ({}), posted entries {range}",
                    self.company.id
                );
                let _ = writeln!(
                    s,
                    "option \"title\" {}",
                    escape::beancount_string(&self.company.name)
                );
                let _ = writeln!(s, "option \"operating_currency\" \"{cur}\"\n");
                for id in &self.order {
                    if let Some(a) = self.accounts.get(id) {
                        let _ = writeln!(s, "{} open {} {cur}", self.open_date, a.label);
                        let _ = writeln!(s, "  code: {}", escape::beancount_string(&a.code));
                        let _ = writeln!(s, "  name: {}", escape::beancount_string(&a.name));
                    }
                }
                s.push('\n');
            }
            Format::Csv | Format::CsvRaw => {
                let mut w = csv_writer();
                w.write_record(CSV_HEADER).map_err(csv_error)?;
                buf.extend(w.into_inner().map_err(|e| csv_error(e.into_error()))?);
                return Ok(());
            }
        }
        buf.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn transaction(&self, buf: &mut Vec<u8>, t: &Txn) -> Result<()> {
        match self.format {
            Format::Hledger => self.hledger_txn(buf, t),
            Format::Beancount => self.beancount_txn(buf, t),
            Format::Csv | Format::CsvRaw => return self.csv_txn(buf, t),
        }
        Ok(())
    }

    fn label(&self, id: &AccountId) -> &str {
        self.accounts.get(id).map_or("Equity:Unknown", |a| &a.label)
    }

    fn hledger_txn(&self, buf: &mut Vec<u8>, t: &Txn) {
        let mut s = String::with_capacity(256);
        let _ = write!(
            s,
            "{} * ({}) {}",
            t.date,
            escape::hledger_code(&t.number),
            hledger_text(&t.memo, HledgerSpot::Description)
        );
        if !t.entry_id.is_empty() {
            let _ = write!(s, "  ; entry_id:{}", t.entry_id);
        }
        s.push('\n');
        let cur = self.company.currency.code();
        for l in &t.lines {
            let _ = write!(
                s,
                "    {}  {} {cur}",
                self.label(&l.account_id),
                self.amount(l.debit - l.credit)
            );
            if !l.description.is_empty() {
                let _ = write!(
                    s,
                    "  ; {}",
                    hledger_text(&l.description, HledgerSpot::Comment)
                );
            }
            s.push('\n');
            if let Some(c) = &l.contact_id {
                let name = self.contacts.get(c).map_or("", String::as_str);
                let _ = writeln!(
                    s,
                    "        ; contact: {}, contact_id: {c}",
                    hledger_text(name, HledgerSpot::TagValue)
                );
            }
        }
        s.push('\n');
        buf.extend_from_slice(s.as_bytes());
    }

    fn beancount_txn(&self, buf: &mut Vec<u8>, t: &Txn) {
        let mut s = String::with_capacity(256);
        let _ = writeln!(s, "{} * {}", t.date, escape::beancount_string(&t.memo));
        let _ = writeln!(s, "  number: {}", escape::beancount_string(&t.number));
        if !t.entry_id.is_empty() {
            let _ = writeln!(s, "  entry_id: {}", escape::beancount_string(&t.entry_id));
        }
        let cur = self.company.currency.code();
        for l in &t.lines {
            let _ = writeln!(
                s,
                "  {}  {} {cur}",
                self.label(&l.account_id),
                self.amount(l.debit - l.credit)
            );
            if !l.description.is_empty() {
                let _ = writeln!(
                    s,
                    "    description: {}",
                    escape::beancount_string(&l.description)
                );
            }
            if let Some(c) = &l.contact_id {
                let name = self.contacts.get(c).map_or("", String::as_str);
                let _ = writeln!(s, "    contact: {}", escape::beancount_string(name));
                let _ = writeln!(s, "    contact_id: \"{c}\"");
            }
        }
        s.push('\n');
        buf.extend_from_slice(s.as_bytes());
    }

    fn csv_txn(&self, buf: &mut Vec<u8>, t: &Txn) -> Result<()> {
        let mut w = csv_writer_into(std::mem::take(buf));
        let date = t.date.to_string();
        let cur = self.company.currency.code();
        for l in &t.lines {
            let (code, name, class) = self.accounts.get(&l.account_id).map_or(("", "", ""), |a| {
                (a.code.as_str(), a.name.as_str(), a.class.as_str())
            });
            let contact_id = l.contact_id.as_ref().map(|c| c.to_string());
            let contact_name = l
                .contact_id
                .as_ref()
                .and_then(|c| self.contacts.get(c))
                .map_or("", String::as_str);
            let record = [
                date.as_str(),
                &t.number,
                &t.entry_id,
                &l.line_no.to_string(),
                code,
                name,
                class,
                &t.memo,
                &l.description,
                contact_id.as_deref().unwrap_or(""),
                contact_name,
                &self.amount(l.debit),
                &self.amount(l.credit),
                cur,
            ];
            if self.format == Format::Csv {
                w.write_record(
                    record
                        .map(escape::spreadsheet_cell)
                        .iter()
                        .map(|c| c.as_bytes()),
                )
            } else {
                w.write_record(record)
            }
            .map_err(csv_error)?;
        }
        *buf = w.into_inner().map_err(|e| csv_error(e.into_error()))?;
        Ok(())
    }
}

fn push_line(pending: &mut Option<Txn>, l: LedgerLine) {
    let line = TxnLine {
        line_no: l.line_no,
        account_id: l.account_id,
        description: l.description,
        contact_id: l.contact_id,
        debit: l.debit,
        credit: l.credit,
    };
    match pending {
        Some(t) => t.lines.push(line),
        None => {
            *pending = Some(Txn {
                date: l.date,
                number: l.entry_number,
                entry_id: entry_key(&l.entry_id),
                memo: l.memo,
                lines: vec![line],
            });
        }
    }
}

fn entry_key(id: &EntryId) -> String {
    id.to_string()
}

/// The CSV dialect: RFC 4180 (comma, double quotes when needed, CRLF).
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv_writer_into(Vec::new())
}

fn csv_writer_into(buf: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(buf)
}

fn csv_error(e: impl Into<anyhow::Error>) -> Error {
    Error::Internal(e.into())
}

fn io_error(e: std::io::Error) -> Error {
    Error::Internal(anyhow::Error::new(e).context("writing the export"))
}

/// The output buffer and what went through it.
struct Out {
    buf: Vec<u8>,
    stats: ExportStats,
}

impl Out {
    async fn flush_if_full(&mut self, sink: &mut impl Sink) -> Result<()> {
        if self.buf.len() >= CHUNK {
            self.flush(sink).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, sink: &mut impl Sink) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK * 2));
        self.stats.bytes += u64::try_from(chunk.len()).unwrap_or(0);
        sink.write(chunk).await.map_err(io_error)
    }
}
