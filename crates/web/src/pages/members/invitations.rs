//! Invitations from Settings → Members: invite an e-mail with a role, send an invitation again,
//! revoke it. The rules (who may invite, to which role, mail or a link to pass on) live in
//! `people::invitations`.

use super::{Extra, Invitation, LinkBox, members_view, or_message, role_of};
use crate::pages::session::Ctx;
use crate::pages::view::{PageForm, PageResult, capitalise, redirect_with_notice};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_service::Error;
use newledger_service::people::invitations::{self, Delivery, Sent};

/// `POST /app/{company_id}/settings/members/invitations`: invites an e-mail with a role.
pub async fn invite(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let r = match role_of(&form) {
        Ok(role) => invitations::invite(&s.svc, &ctx.access, form.get("email"), role).await,
        Err(e) => Err(e),
    };
    sent(&s, &ctx, &form, r).await
}

/// `POST …/settings/members/invitations/{id}/resend`: a fresh link, the old one dies.
pub async fn resend(
    State(s): State<AppState>,
    ctx: Ctx,
    Invitation(id): Invitation,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let r = invitations::resend(&s.svc, &ctx.access, &id).await;
    sent(&s, &ctx, &form, r).await
}

/// `POST …/settings/members/invitations/{id}/revoke`.
pub async fn revoke(
    State(s): State<AppState>,
    ctx: Ctx,
    Invitation(id): Invitation,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let r = invitations::revoke(&s.svc, &ctx.access, &id)
        .await
        .map(|i| {
            format!(
                "The invitation of {} was revoked: its link no longer works.",
                i.email
            )
        });
    or_message(&s, &ctx, &form, r).await
}

/// Answers an invitation made or sent again: a notice when mailed, else the page with the link
/// to pass on (shown this once; the page is not stored).
async fn sent(s: &AppState, ctx: &Ctx, form: &PageForm, r: Result<Sent, Error>) -> PageResult {
    let sent = match r {
        Ok(sent) => sent,
        Err(e) => return or_message(s, ctx, form, Err(e)).await,
    };
    let email = sent.invitation.email;
    match sent.delivery {
        Delivery::Mailed => Ok(redirect_with_notice(
            &ctx.url("/settings/members"),
            &format!("Invitation sent to {email}. The link works for 7 days."),
        )),
        Delivery::Link { url, why } => {
            let why = capitalise(&why.to_string());
            let link = Some(LinkBox { email, url, why });
            let extra = Extra {
                link,
                ..Extra::default()
            };
            members_view(s, ctx, extra, StatusCode::OK).await
        }
    }
}
