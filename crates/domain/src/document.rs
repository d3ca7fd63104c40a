//! Invoices (AR), bills (AP) and expenses: lines with tax, totals, the status lifecycle, and
//! the balanced entry each one posts when approved.

use crate::DomainError;
use crate::ids::{AccountId, ContactId};
use crate::journal::{BalancedLines, EntrySource, Line};
use crate::money::Currency;
use crate::permission::{Permission, PermissionSet};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The kind of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A sales invoice: money owed to the company.
    Invoice,
    /// A supplier bill: money the company owes.
    Bill,
    /// Money already spent from a bank or card account.
    Expense,
}

/// Everything that names a kind of document, in one table: how it is stored, its ids and
/// numbers, its URL segment and nouns, and the permissions that read, draft and approve it.
/// Services, pages, the REST API and the log all read it from here.
#[derive(Debug)]
pub struct KindInfo {
    /// Stored name, counter and log noun (`invoice`).
    pub name: &'static str,
    /// URL segment of its pages and API paths (`invoices`).
    pub segment: &'static str,
    /// Title of one (`Invoice`).
    pub title: &'static str,
    /// Title of a list (`Invoices`).
    pub plural: &'static str,
    /// Id prefix (`inv_`).
    pub id_prefix: &'static str,
    /// Number prefix shown to people (`INV` in `INV-0001`).
    pub number_prefix: &'static str,
    /// Reads it.
    pub read: Permission,
    /// Creates, edits and discards drafts.
    pub draft: Permission,
    /// Approves (posts) and voids it — people only.
    pub approve: Permission,
    /// The source of the entry it posts.
    pub entry_source: EntrySource,
}

const KINDS: [KindInfo; 3] = [
    KindInfo {
        name: "invoice",
        segment: "invoices",
        title: "Invoice",
        plural: "Invoices",
        id_prefix: "inv_",
        number_prefix: "INV",
        read: Permission::InvoicesRead,
        draft: Permission::InvoicesDraft,
        approve: Permission::InvoicesApprove,
        entry_source: EntrySource::Invoice,
    },
    KindInfo {
        name: "bill",
        segment: "bills",
        title: "Bill",
        plural: "Bills",
        id_prefix: "bil_",
        number_prefix: "BILL",
        read: Permission::BillsRead,
        draft: Permission::BillsDraft,
        approve: Permission::BillsApprove,
        entry_source: EntrySource::Bill,
    },
    KindInfo {
        name: "expense",
        segment: "expenses",
        title: "Expense",
        plural: "Expenses",
        id_prefix: "exp_",
        number_prefix: "EXP",
        read: Permission::ExpensesRead,
        draft: Permission::ExpensesDraft,
        approve: Permission::ExpensesApprove,
        entry_source: EntrySource::Expense,
    },
];

impl DocumentKind {
    /// Every kind, in the order lists and menus show them.
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::Invoice,
        DocumentKind::Bill,
        DocumentKind::Expense,
    ];

    /// Its row of the kind table.
    pub fn info(self) -> &'static KindInfo {
        &KINDS[self as usize]
    }

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.info().name == s)
            .ok_or_else(|| DomainError::invalid("kind", "must be invoice, bill or expense"))
    }

    /// Id prefix of this kind (`inv_`, `bil_`, `exp_`).
    pub fn id_prefix(self) -> &'static str {
        self.info().id_prefix
    }

    /// Number prefix shown to people (`INV-0001`).
    pub fn number_prefix(self) -> &'static str {
        self.info().number_prefix
    }

    /// URL segment (`invoices`).
    pub fn segment(self) -> &'static str {
        self.info().segment
    }

    /// The kind of a URL segment.
    pub fn of_segment(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.info().segment == segment)
    }

    /// The kind an id belongs to, from its prefix.
    pub fn of_id(id: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| id.starts_with(k.id_prefix()))
    }
}

/// Lifecycle of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Editable; not in the ledger.
    Draft,
    /// Posted; awaiting payment (invoices, bills) or final (expenses).
    Approved,
    /// Fully paid by payment allocations.
    Paid,
    /// Cancelled after approval by a reversing entry.
    Voided,
    /// A draft thrown away (kept as a tombstone for sync).
    Discarded,
}

impl DocumentStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Draft => "draft",
            DocumentStatus::Approved => "approved",
            DocumentStatus::Paid => "paid",
            DocumentStatus::Voided => "voided",
            DocumentStatus::Discarded => "discarded",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "draft" => DocumentStatus::Draft,
            "approved" => DocumentStatus::Approved,
            "paid" => DocumentStatus::Paid,
            "voided" => DocumentStatus::Voided,
            "discarded" => DocumentStatus::Discarded,
            _ => {
                return Err(DomainError::invalid(
                    "status",
                    "must be draft, approved, paid, voided or discarded",
                ));
            }
        })
    }

    /// True once the document is in the ledger (approved, paid or voided).
    pub fn is_posted(self) -> bool {
        matches!(
            self,
            DocumentStatus::Approved | DocumentStatus::Paid | DocumentStatus::Voided
        )
    }

    /// What is still owed on a document of this status with `total` and `paid` so far: nothing
    /// on a draft, a discarded or a voided document.
    pub fn amount_due(self, total: i64, paid: i64) -> i64 {
        match self {
            DocumentStatus::Approved | DocumentStatus::Paid => total - paid,
            DocumentStatus::Draft | DocumentStatus::Voided | DocumentStatus::Discarded => 0,
        }
    }
}

/// What people and programs do to a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentAction {
    /// Replace a draft's content.
    Edit,
    /// Post a draft (people only).
    Approve,
    /// Throw a draft away (a tombstone stays for sync).
    Discard,
    /// Reverse an approved, unpaid document (people only).
    Void,
    /// Allocate a payment to an approved invoice or bill (people only).
    RecordPayment,
}

impl DocumentAction {
    /// Every action, in the order pages offer them.
    pub const ALL: [DocumentAction; 5] = [
        DocumentAction::Edit,
        DocumentAction::Approve,
        DocumentAction::Discard,
        DocumentAction::Void,
        DocumentAction::RecordPayment,
    ];

    /// The status a document must be in. The store's compare-and-set repeats this condition
    /// in the same statement as the change, so a concurrent change cannot slip between.
    pub fn requires(self) -> DocumentStatus {
        match self {
            DocumentAction::Edit | DocumentAction::Approve | DocumentAction::Discard => {
                DocumentStatus::Draft
            }
            DocumentAction::Void | DocumentAction::RecordPayment => DocumentStatus::Approved,
        }
    }

    /// The status it leaves the document in (a payment: paid once nothing is outstanding).
    pub fn leads_to(self) -> DocumentStatus {
        match self {
            DocumentAction::Edit => DocumentStatus::Draft,
            DocumentAction::Approve => DocumentStatus::Approved,
            DocumentAction::Discard => DocumentStatus::Discarded,
            DocumentAction::Void => DocumentStatus::Voided,
            DocumentAction::RecordPayment => DocumentStatus::Paid,
        }
    }

    /// The permission it takes on a document of `kind`.
    pub fn permission(self, kind: DocumentKind) -> Permission {
        match self {
            DocumentAction::Edit | DocumentAction::Discard => kind.info().draft,
            DocumentAction::Approve | DocumentAction::Void => kind.info().approve,
            DocumentAction::RecordPayment => Permission::PaymentsRecord,
        }
    }
}

/// The lifecycle of one document: the facts its transitions and derived amounts depend on.
/// Services decide with it, pages offer what it allows, the REST API reports what it owes;
/// the store repeats [`DocumentAction::requires`] atomically.
#[derive(Clone, Copy, Debug)]
pub struct Lifecycle<'a> {
    /// Kind.
    pub kind: DocumentKind,
    /// Number people know it by (for messages).
    pub number: &'a str,
    /// Status.
    pub status: DocumentStatus,
    /// Total, minor units.
    pub total: i64,
    /// Allocated payments, minor units.
    pub amount_paid: i64,
}

impl Lifecycle<'_> {
    /// Whether `action` may happen to the document as it stands (whoever asks).
    pub fn permits(&self, action: DocumentAction) -> bool {
        self.status == action.requires()
            && match action {
                // Payments would be left pointing at a reversed document.
                DocumentAction::Void => self.amount_paid == 0,
                // Expenses are paid when spent.
                DocumentAction::RecordPayment => {
                    self.kind != DocumentKind::Expense && self.total > self.amount_paid
                }
                _ => true,
            }
    }

    /// Like [`Lifecycle::permits`], with what stands in the way in words.
    pub fn check(&self, action: DocumentAction) -> Result<(), DomainError> {
        if self.permits(action) {
            return Ok(());
        }
        let (noun, number, status) = (self.kind.as_str(), self.number, self.status.as_str());
        Err(DomainError::State(match action {
            DocumentAction::Edit => {
                format!("{noun} {number} is {status} and can no longer be edited")
            }
            DocumentAction::Approve => format!("{noun} {number} is already {status}"),
            DocumentAction::Discard => {
                format!("only drafts can be discarded; {number} is {status}")
            }
            DocumentAction::Void if self.status == DocumentStatus::Approved => {
                format!("{number} has payments allocated; it cannot be voided")
            }
            DocumentAction::Void => {
                format!("only approved documents can be voided; {number} is {status}")
            }
            DocumentAction::RecordPayment => {
                format!("{number} must be an approved, unpaid {noun}")
            }
        }))
    }

    /// Approves: the status it moves to.
    pub fn approve(&self) -> Result<DocumentStatus, DomainError> {
        self.transition(DocumentAction::Approve)
    }

    /// Voids: the status it moves to.
    pub fn void(&self) -> Result<DocumentStatus, DomainError> {
        self.transition(DocumentAction::Void)
    }

    /// Discards: the status it moves to.
    pub fn discard(&self) -> Result<DocumentStatus, DomainError> {
        self.transition(DocumentAction::Discard)
    }

    fn transition(&self, action: DocumentAction) -> Result<DocumentStatus, DomainError> {
        self.check(action).map(|()| action.leads_to())
    }

    /// True while an approved invoice or bill awaits payment (an open item).
    pub fn is_open(&self) -> bool {
        self.status == DocumentStatus::Approved && self.kind != DocumentKind::Expense
    }

    /// What is still owed: the unpaid part of an approved invoice or bill; nothing for drafts,
    /// paid, voided or discarded documents, nor for expenses (paid when spent).
    pub fn outstanding(&self) -> i64 {
        if self.is_open() {
            self.total - self.amount_paid
        } else {
            0
        }
    }

    /// The actions the holder of `permissions` may take now.
    pub fn allowed_actions(&self, permissions: PermissionSet) -> Vec<DocumentAction> {
        DocumentAction::ALL
            .into_iter()
            .filter(|a| self.permits(*a) && permissions.contains(a.permission(self.kind)))
            .collect()
    }
}

/// A line as entered: quantity × unit price, an account and a tax rate in percent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    /// What was sold or bought.
    pub description: String,
    /// Quantity (may be fractional, e.g. hours).
    pub quantity: Decimal,
    /// Price of one unit, in the document currency (negative for a discount line).
    pub unit_price: Decimal,
    /// Revenue account (invoices) or expense/asset account (bills, expenses).
    pub account_id: AccountId,
    /// Tax rate in percent (`20` for 20 %).
    pub tax_rate: Decimal,
}

/// A line with its computed amounts in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedLine {
    /// The line as entered.
    #[serde(flatten)]
    pub input: LineInput,
    /// quantity × unit price, rounded half away from zero.
    pub net: i64,
    /// net × tax rate, rounded half away from zero.
    pub tax: i64,
}

/// Totals of a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of line nets.
    pub subtotal: i64,
    /// Sum of line taxes.
    pub tax: i64,
    /// subtotal + tax.
    pub total: i64,
}

/// Maximum lines of one document.
pub const MAX_DOCUMENT_LINES: usize = 200;

/// Computes line amounts and totals; refuses lines that cannot be posted.
pub fn compute_lines(
    lines: Vec<LineInput>,
    currency: Currency,
) -> Result<(Vec<ComputedLine>, Totals), DomainError> {
    if lines.is_empty() {
        return Err(DomainError::invalid(
            "lines",
            "a document needs at least one line",
        ));
    }
    if lines.len() > MAX_DOCUMENT_LINES {
        return Err(DomainError::invalid(
            "lines",
            format!("at most {MAX_DOCUMENT_LINES} lines"),
        ));
    }
    let hundred = Decimal::ONE_HUNDRED;
    let mut totals = Totals::default();
    let mut out = Vec::with_capacity(lines.len());
    for (i, input) in lines.into_iter().enumerate() {
        let field = |f: &str| format!("lines[{i}].{f}");
        if input.description.trim().is_empty() || input.description.chars().count() > 1000 {
            return Err(DomainError::invalid(
                field("description"),
                "required, at most 1000 characters",
            ));
        }
        if input.quantity <= Decimal::ZERO {
            return Err(DomainError::invalid(
                field("quantity"),
                "must be greater than zero",
            ));
        }
        if input.tax_rate < Decimal::ZERO || input.tax_rate > hundred {
            return Err(DomainError::invalid(
                field("tax_rate"),
                "must be a percentage between 0 and 100",
            ));
        }
        let net_dec = input
            .quantity
            .checked_mul(input.unit_price)
            .ok_or(DomainError::Overflow)?;
        let net = currency.to_minor(net_dec)?;
        let exact_net = Decimal::new(net, u32::from(currency.exponent()));
        let tax = currency.to_minor(
            exact_net
                .checked_mul(input.tax_rate)
                .ok_or(DomainError::Overflow)?
                / hundred,
        )?;
        totals.subtotal = totals
            .subtotal
            .checked_add(net)
            .ok_or(DomainError::Overflow)?;
        totals.tax = totals.tax.checked_add(tax).ok_or(DomainError::Overflow)?;
        out.push(ComputedLine { input, net, tax });
    }
    totals.total = totals
        .subtotal
        .checked_add(totals.tax)
        .ok_or(DomainError::Overflow)?;
    if totals.total <= 0 {
        return Err(DomainError::invalid(
            "lines",
            "the document total must be greater than zero",
        ));
    }
    Ok((out, totals))
}

/// The accounts a document posts against besides its line accounts.
#[derive(Clone, Debug)]
pub struct PostingAccounts {
    /// Accounts receivable (invoices), accounts payable (bills) or the bank/card paid from (expenses).
    pub counter: AccountId,
    /// Sales tax.
    pub tax: AccountId,
}

/// Builds the balanced entry an approved document posts.
///
/// Invoice: Dr receivable total / Cr revenue nets / Cr tax. Bill and expense: Dr line nets,
/// Dr tax / Cr payable (bill) or bank (expense). Negative lines (discounts) flip side.
pub fn posting_lines(
    kind: DocumentKind,
    lines: &[ComputedLine],
    totals: Totals,
    accounts: &PostingAccounts,
    contact: Option<&ContactId>,
    memo: &str,
    currency: Currency,
) -> Result<BalancedLines, DomainError> {
    // +1: the line is on the document's "income side" (credit for invoices, debit otherwise).
    let sales = kind == DocumentKind::Invoice;
    let mk = |account: &AccountId, amount: i64, description: &str, income_side: bool| {
        let credit_side = income_side == sales;
        let (debit, credit) = match (credit_side, amount >= 0) {
            (true, true) => (0, amount),
            (true, false) => (-amount, 0),
            (false, true) => (amount, 0),
            (false, false) => (0, -amount),
        };
        Line {
            account_id: account.clone(),
            description: description.to_owned(),
            contact_id: contact.cloned(),
            debit,
            credit,
        }
    };
    let mut out = Vec::with_capacity(lines.len() + 2);
    out.push(mk(&accounts.counter, totals.total, memo, false));
    for l in lines.iter().filter(|l| l.net != 0) {
        out.push(mk(&l.input.account_id, l.net, &l.input.description, true));
    }
    if totals.tax != 0 {
        out.push(mk(&accounts.tax, totals.tax, "Sales tax", true));
    }
    BalancedLines::new(out, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn doc(
        kind: DocumentKind,
        status: DocumentStatus,
        total: i64,
        paid: i64,
    ) -> Lifecycle<'static> {
        Lifecycle {
            kind,
            number: "INV-0001",
            status,
            total,
            amount_paid: paid,
        }
    }

    #[test]
    fn the_lifecycle_allows_each_action_from_one_status() {
        use DocumentAction::*;
        use DocumentStatus::*;
        let inv = |s, paid| doc(DocumentKind::Invoice, s, 1200, paid);
        assert_eq!(inv(Draft, 0).approve().unwrap(), Approved);
        assert_eq!(inv(Draft, 0).discard().unwrap(), Discarded);
        assert_eq!(inv(Approved, 0).void().unwrap(), Voided);
        assert!(inv(Approved, 0).approve().is_err());
        assert_eq!(
            inv(Approved, 100).void().unwrap_err().to_string(),
            "INV-0001 has payments allocated; it cannot be voided"
        );
        assert_eq!(
            inv(Paid, 1200).void().unwrap_err().to_string(),
            "only approved documents can be voided; INV-0001 is paid"
        );
        assert_eq!(
            inv(Approved, 0).check(Edit).unwrap_err().to_string(),
            "invoice INV-0001 is approved and can no longer be edited"
        );
        for s in [Draft, Approved, Paid, Voided, Discarded] {
            for a in DocumentAction::ALL {
                if inv(s, 0).permits(a) {
                    assert_eq!(s, a.requires(), "{a:?} from {s:?}");
                }
            }
        }
        // Payments: approved invoices and bills with something left to pay.
        assert!(inv(Approved, 1100).permits(RecordPayment));
        assert!(!doc(DocumentKind::Expense, Approved, 1200, 0).permits(RecordPayment));
    }

    #[test]
    fn outstanding_is_what_an_open_invoice_or_bill_still_owes() {
        use DocumentStatus::*;
        assert_eq!(
            doc(DocumentKind::Invoice, Approved, 1200, 200).outstanding(),
            1000
        );
        assert_eq!(
            doc(DocumentKind::Bill, Approved, 1200, 0).outstanding(),
            1200
        );
        for s in [Draft, Paid, Voided, Discarded] {
            assert_eq!(
                doc(DocumentKind::Invoice, s, 1200, 0).outstanding(),
                0,
                "{s:?}"
            );
        }
        // An expense was paid when it was spent.
        assert_eq!(
            doc(DocumentKind::Expense, Approved, 1200, 0).outstanding(),
            0
        );
    }

    #[test]
    fn allowed_actions_follow_status_and_permissions() {
        use DocumentAction::*;
        let all = PermissionSet::parse("invoices:draft invoices:approve payments:record").unwrap();
        let drafter = PermissionSet::parse("invoices:draft").unwrap();
        let draft = doc(DocumentKind::Invoice, DocumentStatus::Draft, 1200, 0);
        let approved = doc(DocumentKind::Invoice, DocumentStatus::Approved, 1200, 0);
        assert_eq!(draft.allowed_actions(all), vec![Edit, Approve, Discard]);
        assert_eq!(draft.allowed_actions(drafter), vec![Edit, Discard]);
        assert_eq!(approved.allowed_actions(all), vec![Void, RecordPayment]);
        assert_eq!(approved.allowed_actions(drafter), vec![]);
    }

    #[test]
    fn the_kind_table_is_consistent() {
        for k in DocumentKind::ALL {
            let i = k.info();
            assert_eq!(DocumentKind::parse(i.name).unwrap(), k);
            assert_eq!(DocumentKind::of_segment(i.segment), Some(k));
            assert_eq!(
                DocumentKind::of_id(&format!("{}01abc", i.id_prefix)),
                Some(k)
            );
            assert_eq!(i.segment, format!("{}s", i.name));
            assert_eq!(i.title.to_lowercase(), i.name);
            // The permissions are those of the kind's own resource.
            for (p, what) in [(i.read, "read"), (i.draft, "draft"), (i.approve, "approve")] {
                assert_eq!(p.as_str(), format!("{}:{what}", i.segment));
            }
            assert!(i.draft.is_delegable() && !i.approve.is_delegable());
            assert_eq!(i.entry_source.as_str(), i.name);
        }
        assert_eq!(DocumentKind::of_segment("journal"), None);
        assert!(DocumentKind::parse("receipt").is_err());
    }

    fn li(q: &str, p: &str, rate: &str) -> LineInput {
        LineInput {
            description: "Work".into(),
            quantity: q.parse().unwrap(),
            unit_price: p.parse().unwrap(),
            account_id: AccountId::from_suffix("rev"),
            tax_rate: rate.parse().unwrap(),
        }
    }

    #[test]
    fn computes_tax_per_line_half_away_from_zero() {
        // 3 × 0.35 = 1.05; 1.05 × 7.5 % = 0.07875 → 0.08
        let (lines, t) =
            compute_lines(vec![li("3", "0.35", "7.5"), li("1.5", "100", "20")], eur()).unwrap();
        assert_eq!(lines[0].net, 105);
        assert_eq!(lines[0].tax, 8);
        assert_eq!(lines[1].net, 15000);
        assert_eq!(lines[1].tax, 3000);
        assert_eq!(
            t,
            Totals {
                subtotal: 15105,
                tax: 3008,
                total: 18113
            }
        );
    }

    #[test]
    fn refuses_bad_lines() {
        assert!(compute_lines(vec![], eur()).is_err());
        assert!(compute_lines(vec![li("0", "1", "0")], eur()).is_err());
        assert!(compute_lines(vec![li("1", "1", "101")], eur()).is_err());
        assert!(compute_lines(vec![li("1", "-1", "0")], eur()).is_err());
    }

    #[test]
    fn invoice_posting_balances_with_discount() {
        let (lines, t) =
            compute_lines(vec![li("1", "100", "20"), li("1", "-10", "20")], eur()).unwrap();
        let acc = PostingAccounts {
            counter: AccountId::from_suffix("ar"),
            tax: AccountId::from_suffix("tax"),
        };
        let e =
            posting_lines(DocumentKind::Invoice, &lines, t, &acc, None, "INV-1", eur()).unwrap();
        assert_eq!(e.total(), 10800 + 1000);
        assert_eq!(e.lines()[0].debit, 10800);
    }

    proptest! {
        #[test]
        fn every_document_posts_balanced(
            raw in proptest::collection::vec((1u32..1000, 0i64..1_000_000, 0u32..2500), 1..12),
            kind in prop_oneof![Just(DocumentKind::Invoice), Just(DocumentKind::Bill), Just(DocumentKind::Expense)],
        ) {
            let inputs: Vec<LineInput> = raw.iter().map(|(q, p, r)| LineInput {
                description: "x".into(),
                quantity: Decimal::new(i64::from(*q), 1),
                unit_price: Decimal::new(*p, 2),
                account_id: AccountId::from_suffix("l"),
                tax_rate: Decimal::new(i64::from(*r), 2),
            }).collect();
            if let Ok((lines, t)) = compute_lines(inputs, eur()) {
                let acc = PostingAccounts { counter: AccountId::from_suffix("c"), tax: AccountId::from_suffix("t") };
                let e = posting_lines(kind, &lines, t, &acc, None, "m", eur()).unwrap();
                prop_assert_eq!(e.total(), t.total.max(0) + lines.iter().filter(|l| l.net < 0).map(|l| -l.net).sum::<i64>());
            }
        }
    }
}
