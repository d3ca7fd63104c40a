//! Invoices (AR), bills (AP) and expenses: the kind table, the statuses and actions, and the
//! [`Document`] aggregate with its lifecycle rules. Lines, tax and the entry a document posts
//! are in `document/lines.rs`.

mod lines;

pub use lines::{
    ComputedLine, LineInput, MAX_DOCUMENT_LINES, PostingAccounts, Totals, compute_lines,
    posting_lines,
};

use crate::DomainError;
use crate::actor::Actor;
use crate::ids::{AccountId, CompanyId, ContactId, DocumentId, EntryId, UserId};
use crate::journal::{BalancedLines, EntrySource};
use crate::money::Currency;
use crate::permission::{Permission, PermissionSet};
use chrono::NaiveDate;
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

/// An invoice, bill or expense: what it says (lines, totals, parties, dates), where it stands
/// (status, payments, the entries it posted) and who did what to it. Its methods are the rules
/// of its lifecycle: services decide with them, pages offer what they allow, the REST API and
/// the MCP tools report what it owes; the store repeats [`DocumentAction::requires`]
/// atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Id (`inv_`, `bil_`, `exp_`).
    pub id: DocumentId,
    /// Company.
    pub company_id: CompanyId,
    /// Kind.
    pub kind: DocumentKind,
    /// Human number (`INV-0001`).
    pub number: String,
    /// Lifecycle status.
    pub status: DocumentStatus,
    /// Customer or supplier (optional for expenses).
    pub contact_id: Option<ContactId>,
    /// Issue date (expenses: date spent).
    pub issue_date: NaiveDate,
    /// Due date (expenses: same as issue date).
    pub due_date: NaiveDate,
    /// Free reference (PO number, receipt number).
    pub reference: String,
    /// Currency.
    pub currency: Currency,
    /// Lines with computed amounts.
    pub lines: Vec<ComputedLine>,
    /// Sum of nets.
    pub subtotal: i64,
    /// Sum of taxes.
    pub tax: i64,
    /// Total.
    pub total: i64,
    /// Allocated payments so far.
    pub amount_paid: i64,
    /// Bank or card account an expense was paid from.
    pub payment_account_id: Option<AccountId>,
    /// Posting entry once approved.
    pub entry_id: Option<EntryId>,
    /// Reversing entry once voided.
    pub void_entry_id: Option<EntryId>,
    /// Day it was fully paid or voided (aging skips it from then on).
    pub settled_on: Option<NaiveDate>,
    /// Who drafted it.
    pub created_by: Actor,
    /// Who approved it.
    pub approved_by: Option<UserId>,
    /// When it was approved (ms).
    pub approved_at: Option<i64>,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
}

impl Document {
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

    /// Like [`Document::permits`], with what stands in the way in words.
    pub fn check(&self, action: DocumentAction) -> Result<(), DomainError> {
        if self.permits(action) {
            return Ok(());
        }
        let (noun, number, status) = (self.kind.as_str(), &self.number, self.status.as_str());
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

    /// Whether the holder of `permissions` may take `action` now.
    pub fn allows(&self, action: DocumentAction, permissions: PermissionSet) -> bool {
        self.permits(action) && permissions.contains(action.permission(self.kind))
    }

    /// The actions the holder of `permissions` may take now, in the order pages offer them.
    pub fn allowed_actions(&self, permissions: PermissionSet) -> Vec<DocumentAction> {
        DocumentAction::ALL
            .into_iter()
            .filter(|a| self.allows(*a, permissions))
            .collect()
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

    /// Its totals.
    pub fn totals(&self) -> Totals {
        Totals {
            subtotal: self.subtotal,
            tax: self.tax,
            total: self.total,
        }
    }

    /// The memo of the entry it posts: its number and reference.
    pub fn entry_memo(&self) -> String {
        format!("{} {}", self.number, self.reference)
            .trim()
            .to_owned()
    }

    /// The balanced entry lines it posts when approved (see [`posting_lines`]).
    pub fn posting_lines(&self, accounts: &PostingAccounts) -> Result<BalancedLines, DomainError> {
        posting_lines(
            self.kind,
            &self.lines,
            self.totals(),
            accounts,
            self.contact_id.as_ref(),
            &self.entry_memo(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn doc(kind: DocumentKind, status: DocumentStatus, total: i64, paid: i64) -> Document {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        Document {
            id: DocumentId::parse(&format!("{}01abc", kind.id_prefix())).unwrap(),
            company_id: CompanyId::from_suffix("co"),
            kind,
            number: "INV-0001".into(),
            status,
            contact_id: None,
            issue_date: day,
            due_date: day,
            reference: String::new(),
            currency: eur(),
            lines: Vec::new(),
            subtotal: total,
            tax: 0,
            total,
            amount_paid: paid,
            payment_account_id: None,
            entry_id: None,
            void_entry_id: None,
            settled_on: None,
            created_by: Actor::System,
            approved_by: None,
            approved_at: None,
            created_at: 0,
            updated_at: 0,
            version: 1,
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
    fn allows_needs_the_state_and_the_permission() {
        use DocumentAction::*;
        let payer = PermissionSet::parse("payments:record").unwrap();
        let approved = doc(DocumentKind::Invoice, DocumentStatus::Approved, 1200, 200);
        assert!(approved.allows(RecordPayment, payer));
        assert!(!approved.allows(Void, payer), "no approve permission");
        let all = PermissionSet::parse("invoices:approve payments:record").unwrap();
        assert!(!approved.allows(Void, all), "payments are allocated");
        let paid = doc(DocumentKind::Invoice, DocumentStatus::Paid, 1200, 1200);
        assert!(!paid.allows(RecordPayment, all));
    }

    #[test]
    fn it_posts_its_lines_under_its_number_and_reference() {
        let (lines, totals) = compute_lines(
            vec![LineInput {
                description: "Work".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::ONE_HUNDRED,
                account_id: AccountId::from_suffix("rev"),
                tax_rate: Decimal::new(20, 0),
            }],
            eur(),
        )
        .unwrap();
        let d = Document {
            lines,
            subtotal: totals.subtotal,
            tax: totals.tax,
            total: totals.total,
            reference: "PO 7".into(),
            ..doc(DocumentKind::Invoice, DocumentStatus::Draft, 0, 0)
        };
        assert_eq!(d.totals(), totals);
        assert_eq!(d.entry_memo(), "INV-0001 PO 7");
        let accounts = PostingAccounts {
            counter: AccountId::from_suffix("ar"),
            tax: AccountId::from_suffix("tax"),
        };
        let posted = d.posting_lines(&accounts).unwrap();
        assert_eq!(posted.total(), 12000);
        assert_eq!(posted.lines()[0].description, "INV-0001 PO 7");
        assert_eq!(posted.lines()[0].account_id, accounts.counter);
        // Without a reference the memo is the number alone.
        let bare = Document {
            reference: String::new(),
            ..d
        };
        assert_eq!(bare.entry_memo(), "INV-0001");
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
}
