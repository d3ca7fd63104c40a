//! Payments received from customers and made to suppliers, allocated to invoices and bills.

use crate::DomainError;
use crate::ids::{AccountId, ContactId, DocumentId};
use crate::journal::{BalancedLines, Line};
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
