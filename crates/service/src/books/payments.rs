//! Payments received and made, allocated to invoices and bills (people with `payments:record`).

use super::accounts::{by_id_in, system_account};
use super::documents::new_posted_entry;
use super::{Page, normalize, page};
use crate::activity::Event;
use crate::work::Work;
use crate::{Access, Error, Result, Services};
use chrono::NaiveDate;
use newledger_domain::account::AccountRole;
use newledger_domain::dates;
use newledger_domain::document::{Document, DocumentAction, DocumentKind};
use newledger_domain::ids::{AccountId, ContactId, DocumentId, PaymentId};
use newledger_domain::journal::EntrySource;
use newledger_domain::payment::{
    Allocation, Payment, PaymentKind, payment_lines, validate_allocations,
};
use newledger_domain::permission::Permission;
use newledger_store::ListQuery;
use serde::Deserialize;

/// One allocation as a client sends it.
#[derive(Clone, Debug, Deserialize)]
pub struct AllocationInput {
    /// Invoice or bill.
    pub document_id: DocumentId,
    /// Decimal string.
    pub amount: String,
}

/// A payment as a client sends it.
#[derive(Clone, Debug, Deserialize)]
pub struct PaymentInput {
    /// `received` or `made`.
    pub kind: PaymentKind,
    /// Customer or supplier.
    pub contact_id: ContactId,
    /// Bank or card account.
    pub bank_account_id: AccountId,
    /// Date.
    pub date: NaiveDate,
    /// Decimal string.
    pub amount: String,
    /// Free reference.
    #[serde(default)]
    pub reference: String,
    /// Documents paid.
    pub allocations: Vec<AllocationInput>,
}

/// Records a payment and posts it.
pub async fn record(svc: &Services, access: &Access, input: PaymentInput) -> Result<Payment> {
    svc.write(async |w| record_in(w, access, input).await).await
}

async fn record_in(w: &mut Work<'_>, access: &Access, input: PaymentInput) -> Result<Payment> {
    access.require(Permission::PaymentsRecord)?;
    access.person()?;
    let cur = access.company.currency;
    let amount = cur
        .parse_amount(&input.amount)
        .map_err(|e| Error::invalid("amount", e.to_string()))?;
    dates::check("date", input.date)?;
    access.company.check_open(input.date)?;
    let accounts = by_id_in(w, access).await?;
    match accounts.get(&input.bank_account_id) {
        Some(a) if a.role.is_money() && !a.archived => {}
        _ => {
            return Err(Error::invalid(
                "bank_account_id",
                "must be a bank or card account of this company",
            ));
        }
    }
    w.store()
        .contact(&access.company.id, &input.contact_id)
        .await?
        .ok_or_else(|| Error::invalid("contact_id", "no such contact in this company"))?;
    let want_kind = input.kind.settles();
    let mut allocations = Vec::with_capacity(input.allocations.len());
    for (i, a) in input.allocations.iter().enumerate() {
        let field = format!("allocations[{i}]");
        let d = w
            .store()
            .document(&access.company.id, &a.document_id)
            .await?
            .ok_or_else(|| Error::invalid(format!("{field}.document_id"), "no such document"))?;
        if d.kind != want_kind
            || !d.permits(DocumentAction::RecordPayment)
            || d.contact_id.as_ref() != Some(&input.contact_id)
        {
            return Err(Error::invalid(
                format!("{field}.document_id"),
                format!(
                    "{} must be an approved, unpaid {} of this contact",
                    d.number,
                    want_kind.as_str()
                ),
            ));
        }
        let amt = cur
            .parse_amount(&a.amount)
            .map_err(|e| Error::invalid(format!("{field}.amount"), e.to_string()))?;
        allocations.push(Allocation {
            outstanding: d.outstanding(),
            document_id: d.id,
            amount: amt,
        });
    }
    validate_allocations(amount, &allocations)?;
    let control = system_account(
        &accounts,
        if input.kind == PaymentKind::Received {
            AccountRole::Receivable
        } else {
            AccountRole::Payable
        },
    )?;
    let n = w.store().next_number(&access.company.id, "payment").await?;
    let number = format!("PAY-{n:04}");
    let memo = format!("{number} {}", input.reference.trim())
        .trim()
        .to_owned();
    let lines = payment_lines(
        input.kind,
        amount,
        &input.bank_account_id,
        &control,
        &input.contact_id,
        &memo,
    )?;
    let now = w.svc().clock.now_ms();
    let id: PaymentId = w.svc().new_id(PaymentId::PREFIX);
    let entry = new_posted_entry(
        w,
        access,
        input.date,
        memo,
        EntrySource::Payment,
        Some(id.to_string()),
        lines,
        now,
    )
    .await?;
    let p = Payment {
        id,
        company_id: access.company.id.clone(),
        kind: input.kind,
        number,
        contact_id: input.contact_id,
        bank_account_id: input.bank_account_id,
        date: input.date,
        amount,
        currency: cur,
        reference: input.reference.trim().to_owned(),
        entry_id: entry.id.clone(),
        allocations: allocations
            .into_iter()
            .map(|a| (a.document_id, a.amount))
            .collect(),
        created_by: access.actor.clone(),
        created_at: now,
    };
    w.store()
        .record_payment(&p, &entry)
        .await
        .map_err(|e| match e {
            newledger_store::StoreError::Conflict { constraint } if constraint == "allocation" => {
                Error::Conflict(
                    "a document was paid or changed meanwhile; reload and try again".into(),
                )
            }
            e => e.into(),
        })?;
    // The allocations changed what the documents show as paid.
    w.documents_changed();
    w.log(
        access,
        Event::ok("payment.recorded", "payment", p.id.as_str()).reason(format!(
            "{} {} {}",
            p.number,
            cur.format(amount),
            cur
        )),
    )
    .await?;
    Ok(p)
}

/// One payment.
pub async fn get(svc: &Services, access: &Access, id: &PaymentId) -> Result<Payment> {
    access.require(Permission::BankRead)?;
    svc.store
        .payment(&access.company.id, id)
        .await?
        .ok_or(Error::NotFound("payment"))
}

/// Lists payments (`status` = `received` or `made` filters by kind).
pub async fn list(svc: &Services, access: &Access, q: ListQuery) -> Result<Page<Payment>> {
    access.require(Permission::BankRead)?;
    let q = normalize(q)?;
    let rows = svc.store.list_payments(&access.company.id, &q).await?;
    Ok(page(rows, q.limit, |p| p.id.to_string()))
}

/// Payments of one document.
pub async fn of_document(svc: &Services, access: &Access, id: &DocumentId) -> Result<Vec<Payment>> {
    Ok(svc
        .store
        .payments_of_document(id)
        .await?
        .into_iter()
        .filter(|p| p.company_id == access.company.id)
        .collect())
}

/// A payment of one invoice or bill as a person records it from the document's page.
#[derive(Clone, Debug)]
pub struct DocumentPayment {
    /// Bank or card account the money went through.
    pub bank_account_id: AccountId,
    /// Date.
    pub date: NaiveDate,
    /// Decimal string; less than what is due makes a part payment.
    pub amount: String,
    /// Free reference.
    pub reference: String,
}

/// Records a (part) payment of one invoice (received) or bill (made) from its contact,
/// allocated to it alone. Returns the payment and the document as it was before.
pub async fn pay_document(
    svc: &Services,
    access: &Access,
    kind: DocumentKind,
    id: &DocumentId,
    p: DocumentPayment,
) -> Result<(Payment, Document)> {
    let payment_kind = PaymentKind::settling(kind).ok_or(Error::NotFound("action"))?;
    let d = super::documents::get(svc, access, kind, id).await?;
    let contact_id = d
        .contact_id
        .clone()
        .ok_or_else(|| Error::invalid("contact", "the document has no contact"))?;
    let input = PaymentInput {
        kind: payment_kind,
        contact_id,
        bank_account_id: p.bank_account_id,
        date: p.date,
        amount: p.amount.clone(),
        reference: p.reference,
        allocations: vec![AllocationInput {
            document_id: d.id.clone(),
            amount: p.amount,
        }],
    };
    Ok((record(svc, access, input).await?, d))
}
