//! Payments received from customers and made to suppliers, allocated to invoices and bills:
//! the [`Payment`] aggregate, the allocation rules and the entry a payment posts.

use crate::DomainError;
use crate::actor::Actor;
use crate::document::DocumentKind;
use crate::ids::{AccountId, CompanyId, ContactId, DocumentId, EntryId, PaymentId};
use crate::journal::{BalancedLines, Line};
use crate::money::Currency;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Direction of a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// From a customer, against invoices.
    Received,
    /// To a supplier, against bills.
    Made,
}

impl PaymentKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Received => "received",
            PaymentKind::Made => "made",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "received" => Ok(PaymentKind::Received),
            "made" => Ok(PaymentKind::Made),
            _ => Err(DomainError::invalid("kind", "must be received or made")),
        }
    }

    /// The kind of document it settles: invoices are paid to us, bills by us.
    pub fn settles(self) -> DocumentKind {
        match self {
            PaymentKind::Received => DocumentKind::Invoice,
            PaymentKind::Made => DocumentKind::Bill,
        }
    }

    /// The payment that settles a document of `kind`; none for an expense (paid when spent).
    pub fn settling(kind: DocumentKind) -> Option<PaymentKind> {
        match kind {
            DocumentKind::Invoice => Some(PaymentKind::Received),
            DocumentKind::Bill => Some(PaymentKind::Made),
            DocumentKind::Expense => None,
        }
    }
}

/// A payment with its allocations: money received from a customer or paid to a supplier
/// through a bank or card account, posted as one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// Id.
    pub id: PaymentId,
    /// Company.
    pub company_id: CompanyId,
    /// Received or made.
    pub kind: PaymentKind,
    /// Human number.
    pub number: String,
    /// Customer or supplier.
    pub contact_id: ContactId,
    /// Bank or card account.
    pub bank_account_id: AccountId,
    /// Date of the payment.
    pub date: NaiveDate,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency.
    pub currency: Currency,
    /// Free reference.
    pub reference: String,
    /// Its posting entry.
    pub entry_id: EntryId,
    /// Documents it pays, with amounts.
    pub allocations: Vec<(DocumentId, i64)>,
    /// Who recorded it.
    pub created_by: Actor,
    /// Created (ms).
    pub created_at: i64,
}

impl Payment {
    /// The part of it allocated to `document` (minor units; zero if none).
    pub fn allocated_to(&self, document: &DocumentId) -> i64 {
        self.allocations
            .iter()
            .filter(|(d, _)| d == document)
            .map(|(_, a)| *a)
            .sum()
    }
}

/// Part of a payment applied to one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The invoice or bill.
    pub document_id: DocumentId,
    /// Amount applied, minor units.
    pub amount: i64,
    /// What is still due on the document before this allocation.
    pub outstanding: i64,
}

/// Checks allocations against the payment amount and each document's outstanding balance.
pub fn validate_allocations(amount: i64, allocations: &[Allocation]) -> Result<(), DomainError> {
    if amount <= 0 {
        return Err(DomainError::invalid("amount", "must be greater than zero"));
    }
    if allocations.is_empty() {
        return Err(DomainError::invalid(
            "allocations",
            "allocate the payment to at least one document",
        ));
    }
    let mut sum = 0i64;
    for (i, a) in allocations.iter().enumerate() {
        if a.amount <= 0 {
            return Err(DomainError::invalid(
                format!("allocations[{i}].amount"),
                "must be greater than zero",
            ));
        }
        if a.amount > a.outstanding {
            return Err(DomainError::invalid(
                format!("allocations[{i}].amount"),
                "is more than the document's outstanding balance",
            ));
        }
        sum = sum.checked_add(a.amount).ok_or(DomainError::Overflow)?;
    }
    if sum != amount {
        return Err(DomainError::invalid(
            "allocations",
            "must add up to the payment amount",
        ));
    }
    Ok(())
}

/// The entry a payment posts: received Dr bank / Cr receivable; made Dr payable / Cr bank.
pub fn payment_lines(
    kind: PaymentKind,
    amount: i64,
    bank: &AccountId,
    control: &AccountId,
    contact: &ContactId,
    memo: &str,
) -> Result<BalancedLines, DomainError> {
    let line = |account: &AccountId, debit: i64, credit: i64| Line {
        account_id: account.clone(),
        description: memo.to_owned(),
        contact_id: Some(contact.clone()),
        debit,
        credit,
    };
    let (dr, cr) = match kind {
        PaymentKind::Received => (bank, control),
        PaymentKind::Made => (control, bank),
    };
    BalancedLines::new(vec![line(dr, amount, 0), line(cr, 0, amount)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments_settle_invoices_and_bills_only() {
        for kind in [PaymentKind::Received, PaymentKind::Made] {
            assert_eq!(PaymentKind::settling(kind.settles()), Some(kind));
        }
        assert_eq!(PaymentKind::settling(DocumentKind::Expense), None);
    }

    #[test]
    fn allocated_to_sums_the_document_s_part() {
        let doc = |s: &str| DocumentId::parse(&format!("inv_{s}")).unwrap();
        let p = Payment {
            id: PaymentId::from_suffix("p1"),
            company_id: CompanyId::from_suffix("co"),
            kind: PaymentKind::Received,
            number: "PAY-0001".into(),
            contact_id: ContactId::from_suffix("c1"),
            bank_account_id: AccountId::from_suffix("bank"),
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            amount: 700,
            currency: Currency::parse("EUR").unwrap(),
            reference: String::new(),
            entry_id: EntryId::from_suffix("e1"),
            allocations: vec![(doc("a"), 500), (doc("b"), 200)],
            created_by: Actor::System,
            created_at: 0,
        };
        assert_eq!(p.allocated_to(&doc("a")), 500);
        assert_eq!(p.allocated_to(&doc("b")), 200);
        assert_eq!(p.allocated_to(&doc("c")), 0);
    }
}
