//! Posting, discarding and reversing journal entries (people only for posting and reversing).
//! Discard and reverse ask first.

use super::Entry;
use crate::pages::confirm::{self, Confirm};
use crate::pages::lists::{back_to, version_of};
use crate::pages::session::Ctx;
use crate::pages::view::{PageForm, PageResult, redirect_with_notice};
use crate::state::AppState;
use axum::extract::State;
use newledger_service::books::journal;

/// `POST /app/{company_id}/journal/{id}/post`.
pub async fn post(State(s): State<AppState>, ctx: Ctx, entry: Entry, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let e = journal::post(&s.svc, &ctx.access, &entry.0, version_of(&form)).await?;
    let notice = format!("Journal entry {} posted to the ledger.", e.number);
    Ok(redirect_with_notice(
        &back_to(&ctx, &form, entry.url(&ctx, "")),
        &notice,
    ))
}

/// `POST /app/{company_id}/journal/{id}/discard`: asks, then drops the draft.
pub async fn discard(
    State(s): State<AppState>,
    ctx: Ctx,
    entry: Entry,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let e = journal::get(&s.svc, &ctx.access, &entry.0).await?;
    if !confirm::confirmed(&form) {
        let question = Confirm {
            title: format!("Discard draft journal entry {}?", e.number),
            message: "The draft disappears from Drafts to review; nothing was posted, so the ledger does not change.".into(),
            button: "Discard draft".into(),
            back: back_to(&ctx, &form, entry.url(&ctx, "")),
        };
        return confirm::page(&ctx, entry.url(&ctx, "/discard"), &form, question);
    }
    journal::discard(&s.svc, &ctx.access, &entry.0, version_of(&form)).await?;
    let notice = format!("Journal entry {} discarded.", e.number);
    Ok(redirect_with_notice(
        &back_to(&ctx, &form, entry.url(&ctx, "")),
        &notice,
    ))
}

/// `POST /app/{company_id}/journal/{id}/reverse`: asks, then posts the mirror entry today.
pub async fn reverse(
    State(s): State<AppState>,
    ctx: Ctx,
    entry: Entry,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    if !confirm::confirmed(&form) {
        let e = journal::get(&s.svc, &ctx.access, &entry.0).await?;
        let question = Confirm {
            title: format!("Reverse journal entry {}?", e.number),
            message: "Reversing posts a new entry dated today with every debit and credit swapped; the original stays in the books. This cannot be undone.".into(),
            button: "Reverse entry".into(),
            back: entry.url(&ctx, ""),
        };
        return confirm::page(&ctx, entry.url(&ctx, "/reverse"), &form, question);
    }
    let r = journal::reverse(&s.svc, &ctx.access, &entry.0, None).await?;
    let notice = format!("Reversed by journal entry {}, dated today.", r.number);
    Ok(redirect_with_notice(
        &ctx.url(&format!("/journal/{}", r.id)),
        &notice,
    ))
}
