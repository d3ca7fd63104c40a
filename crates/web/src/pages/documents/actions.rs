//! The people-only actions on an invoice, bill or expense: approve (posts it), discard a draft,
//! void (posts a reversing entry), record a (part) payment. Discard and void ask first.

use super::Doc;
use crate::pages::confirm::{self, Confirm};
use crate::pages::lists::{back_to, version_of};
use crate::pages::session::Ctx;
use crate::pages::view::{PageForm, PageResult, money, parse_date, redirect_with_notice};
use crate::state::AppState;
use axum::extract::State;
use newledger_domain::document::Document;
use newledger_domain::document::DocumentKind;
use newledger_domain::ids::AccountId;
use newledger_service::Error;
use newledger_service::books::documents;
use newledger_service::books::payments::{self, DocumentPayment};

/// `POST …/{id}/approve`: posts the draft to the ledger.
pub async fn approve(State(s): State<AppState>, ctx: Ctx, doc: Doc, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let d = documents::approve(&s.svc, &ctx.access, doc.kind, &doc.id, version_of(&form)).await?;
    let notice = format!(
        "{} {} approved and posted to the ledger.",
        doc.noun(),
        d.number
    );
    Ok(redirect_with_notice(
        &back_to(&ctx, &form, doc.url(&ctx, "")),
        &notice,
    ))
}

/// `POST …/{id}/discard`: asks, then drops the draft (nothing was posted).
pub async fn discard(State(s): State<AppState>, ctx: Ctx, doc: Doc, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let d = documents::get(&s.svc, &ctx.access, doc.kind, &doc.id).await?;
    if !confirm::confirmed(&form) {
        let question = discard_question(&ctx, &doc, &d, &form);
        return confirm::page(&ctx, doc.url(&ctx, "/discard"), &form, question);
    }
    documents::discard(&s.svc, &ctx.access, doc.kind, &doc.id, version_of(&form)).await?;
    let notice = format!("{} {} discarded.", doc.noun(), d.number);
    Ok(redirect_with_notice(
        &back_to(&ctx, &form, doc.url(&ctx, "")),
        &notice,
    ))
}

/// `POST …/{id}/void`: asks, then posts a reversing entry dated today.
pub async fn void(State(s): State<AppState>, ctx: Ctx, doc: Doc, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    if !confirm::confirmed(&form) {
        let d = documents::get(&s.svc, &ctx.access, doc.kind, &doc.id).await?;
        return confirm::page(
            &ctx,
            doc.url(&ctx, "/void"),
            &form,
            void_question(&ctx, &doc, &d),
        );
    }
    let d = documents::void(&s.svc, &ctx.access, doc.kind, &doc.id, version_of(&form)).await?;
    let notice = format!(
        "{} {} voided; a reversing entry was posted today.",
        doc.noun(),
        d.number
    );
    Ok(redirect_with_notice(&doc.url(&ctx, ""), &notice))
}

/// `POST …/{id}/pay`: records a (part) payment of an approved invoice or bill.
pub async fn pay(State(s): State<AppState>, ctx: Ctx, doc: Doc, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let input = payment_of(&form)?;
    let (p, d) = payments::pay_document(&s.svc, &ctx.access, doc.kind, &doc.id, input).await?;
    let what = if doc.kind == DocumentKind::Invoice {
        "received"
    } else {
        "made"
    };
    let notice = format!(
        "Payment {} {what}: {} against {} {}.",
        p.number,
        money(p.amount, ctx.currency()),
        doc.noun(),
        d.number
    );
    Ok(redirect_with_notice(&doc.url(&ctx, ""), &notice))
}

/// The payment form's fields, read.
fn payment_of(form: &PageForm) -> Result<DocumentPayment, Error> {
    let bank_account_id = AccountId::parse(form.get("bank_account"))
        .map_err(|_| Error::invalid("bank_account", "choose the account the money went through"))?;
    let date = parse_date("date", form.get("date"))
        .map_err(|e| Error::invalid("date", e))?
        .ok_or_else(|| Error::invalid("date", "required"))?;
    Ok(DocumentPayment {
        bank_account_id,
        date,
        amount: form.get("amount").to_owned(),
        reference: form.get("reference").to_owned(),
    })
}

fn void_question(ctx: &Ctx, doc: &Doc, d: &Document) -> Confirm {
    let noun = doc.noun().to_lowercase();
    Confirm {
        title: format!("Void {noun} {}?", d.number),
        message: format!(
            "Voiding posts a reversing entry dated today for {}; the {noun} stays in the books, marked void. This cannot be undone.",
            money(d.total, ctx.currency()),
        ),
        button: format!("Void {noun}"),
        back: doc.url(ctx, ""),
    }
}

fn discard_question(ctx: &Ctx, doc: &Doc, d: &Document, form: &PageForm) -> Confirm {
    Confirm {
        title: format!("Discard draft {} {}?", doc.noun().to_lowercase(), d.number),
        message: format!(
            "The draft of {} disappears from Drafts to review and from the lists; nothing was posted, so the ledger does not change.",
            money(d.total, ctx.currency())
        ),
        button: "Discard draft".into(),
        back: back_to(ctx, form, doc.url(ctx, "")),
    }
}
