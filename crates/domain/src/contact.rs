//! Customers and suppliers: the contact aggregate, which documents it may stand on, and what
//! keeps it from being deleted. Field validation of a contact's input (e-mail syntax) stays
//! with the service, which owns the e-mail rules of people too.

use crate::DomainError;
use crate::actor::Actor;
use crate::document::DocumentKind;
use crate::ids::{CompanyId, ContactId};

/// A customer or supplier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// Company.
    pub company_id: CompanyId,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Sells to.
    pub is_customer: bool,
    /// Buys from.
    pub is_supplier: bool,
    /// VAT / tax number.
    pub tax_number: Option<String>,
    /// Postal address, free text.
    pub address: Option<String>,
    /// Who created it.
    pub created_by: Actor,
    /// Created (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// Optimistic-concurrency version (the ETag).
    pub version: i64,
}

impl Contact {
    /// Whether the contact may stand on a document of `kind`: invoices go to customers, bills
    /// come from suppliers, an expense may name anyone (as its payee).
    pub fn check_party(&self, kind: DocumentKind) -> Result<(), DomainError> {
        match kind {
            DocumentKind::Invoice if !self.is_customer => Err(DomainError::invalid(
                "contact_id",
                "this contact is not a customer",
            )),
            DocumentKind::Bill if !self.is_supplier => Err(DomainError::invalid(
                "contact_id",
                "this contact is not a supplier",
            )),
            _ => Ok(()),
        }
    }
}

/// What refers to a contact (it may be deleted only when nothing does: the books must still
/// say who was invoiced).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContactUsage {
    /// Invoices, bills and expenses, drafts included.
    pub documents: i64,
    /// Payments.
    pub payments: i64,
    /// Journal entries whose lines name it, drafts included.
    pub entries: i64,
}

impl ContactUsage {
    /// True when nothing refers to the contact.
    pub fn is_unused(&self) -> bool {
        self.documents == 0 && self.payments == 0 && self.entries == 0
    }

    /// Why the contact cannot be deleted ("it has 3 documents and 1 payment"), or None when it
    /// can.
    pub fn kept_because(&self) -> Option<String> {
        let count = |n: i64, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        let parts: Vec<String> = [
            count(
                self.documents,
                "invoice, bill or expense",
                "invoices, bills or expenses",
            ),
            count(self.payments, "payment", "payments"),
            count(self.entries, "journal entry", "journal entries"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match parts.as_slice() {
            [] => None,
            [one] => Some(format!("it has {one}")),
            [rest @ .., last] => Some(format!("it has {} and {last}", rest.join(", "))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(is_customer: bool, is_supplier: bool) -> Contact {
        Contact {
            id: ContactId::from_suffix("c1"),
            company_id: CompanyId::from_suffix("co"),
            name: "Acme".into(),
            email: None,
            is_customer,
            is_supplier,
            tax_number: None,
            address: None,
            created_by: Actor::System,
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }

    #[test]
    fn invoices_go_to_customers_and_bills_come_from_suppliers() {
        let customer = contact(true, false);
        let supplier = contact(false, true);
        assert!(customer.check_party(DocumentKind::Invoice).is_ok());
        assert_eq!(
            customer
                .check_party(DocumentKind::Bill)
                .unwrap_err()
                .to_string(),
            "contact_id: this contact is not a supplier"
        );
        assert_eq!(
            supplier
                .check_party(DocumentKind::Invoice)
                .unwrap_err()
                .to_string(),
            "contact_id: this contact is not a customer"
        );
        for c in [customer, supplier] {
            assert!(c.check_party(DocumentKind::Expense).is_ok());
        }
    }

    #[test]
    fn reasons_to_keep_a_contact_read_as_a_sentence() {
        let u = |documents, payments, entries| ContactUsage {
            documents,
            payments,
            entries,
        };
        assert!(u(0, 0, 0).is_unused());
        assert_eq!(u(0, 0, 0).kept_because(), None);
        assert!(!u(0, 1, 0).is_unused());
        assert_eq!(
            u(1, 0, 0).kept_because().as_deref(),
            Some("it has 1 invoice, bill or expense")
        );
        assert_eq!(
            u(3, 1, 2).kept_because().as_deref(),
            Some("it has 3 invoices, bills or expenses, 1 payment and 2 journal entries")
        );
    }
}
