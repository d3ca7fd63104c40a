//! The actions on a member, one named route each: change the role and remove (both asked
//! first), unlock sign-in, reset two-factor (owners; confirmed by their TOTP code). Each needs
//! `members:manage`, which the service checks again with its own rules (the last owner stays).

use super::{Member, or_message, role_of};
use crate::pages::confirm::{self, Confirm};
use crate::pages::session::Ctx;
use crate::pages::view::{PageError, PageForm, PageResult};
use crate::state::AppState;
use axum::extract::State;
use newledger_domain::ids::UserId;
use newledger_domain::permission::Permission;
use newledger_service::people::MemberRecord;
use newledger_service::people::{recovery, signin};
use newledger_service::{Error, company};

/// `POST /app/{company_id}/settings/members/{user_id}/role`: asks, then changes the role.
pub async fn role(
    State(s): State<AppState>,
    ctx: Ctx,
    Member(user): Member,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let m = member(&s, &ctx, &user).await?;
    if !confirm::confirmed(&form) {
        return confirm::page(
            &ctx,
            url(&ctx, &m, "role"),
            &form,
            role_question(&ctx, &m, &form),
        );
    }
    let r = async {
        let role = role_of(&form)?;
        company::set_member(&s.svc, &ctx.access, &m.email, role).await?;
        Ok(format!("{} now has the role {}.", m.email, role.as_str()))
    }
    .await;
    or_message(&s, &ctx, &form, r).await
}

/// `POST …/settings/members/{user_id}/unlock`: lets a locked-out member sign in again.
pub async fn unlock(
    State(s): State<AppState>,
    ctx: Ctx,
    Member(user): Member,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let m = member(&s, &ctx, &user).await?;
    let r = signin::unlock_member(&s.svc, &ctx.access, &m.user_id)
        .await
        .map(|()| format!("{} can sign in again.", m.email));
    or_message(&s, &ctx, &form, r).await
}

/// `POST …/settings/members/{user_id}/reset-2fa`: the member enrols an authenticator again.
pub async fn reset_2fa(
    State(s): State<AppState>,
    ctx: Ctx,
    Member(user): Member,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let m = member(&s, &ctx, &user).await?;
    let r = recovery::reset_second_factor(&s.svc, &ctx.access, &m.user_id, form.opt("totp"))
        .await
        .map(|_| format!("{} sets up two-factor authentication again at their next sign-in; their sessions were signed out.", m.email));
    or_message(&s, &ctx, &form, r).await
}

/// `POST …/settings/members/{user_id}/remove`: asks, then removes the member.
pub async fn remove(
    State(s): State<AppState>,
    ctx: Ctx,
    Member(user): Member,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let m = member(&s, &ctx, &user).await?;
    if !confirm::confirmed(&form) {
        return confirm::page(
            &ctx,
            url(&ctx, &m, "remove"),
            &form,
            remove_question(&ctx, &m),
        );
    }
    let r = company::remove_member(&s.svc, &ctx.access, &m.user_id)
        .await
        .map(|()| format!("{} was removed from this company.", m.email));
    or_message(&s, &ctx, &form, r).await
}

/// The member a route names, for a person who may manage members.
async fn member(s: &AppState, ctx: &Ctx, user: &UserId) -> Result<MemberRecord, PageError> {
    ctx.access.require(Permission::MembersManage)?;
    let members = company::members(&s.svc, &ctx.access).await?;
    members
        .into_iter()
        .find(|m| m.user_id == *user)
        .ok_or(PageError::Service(Error::NotFound("member")))
}

/// The route of `action` on the member.
fn url(ctx: &Ctx, m: &MemberRecord, action: &str) -> String {
    ctx.url(&format!("/settings/members/{}/{action}", m.user_id))
}

fn role_question(ctx: &Ctx, m: &MemberRecord, form: &PageForm) -> Confirm {
    Confirm {
        title: format!("Change the role of {}?", m.name),
        message: format!(
            "{} ({}) goes from {} to {}: what they can see and do here changes at their next request, and so do the permissions of apps they own.",
            m.name,
            m.email,
            m.role.as_str(),
            form.get("role")
        ),
        button: "Change role".into(),
        back: ctx.url("/settings/members"),
    }
}

fn remove_question(ctx: &Ctx, m: &MemberRecord) -> Confirm {
    Confirm {
        title: format!("Remove {} from {}?", m.name, ctx.access.company.name),
        message: format!(
            "{} ({}) loses access to this company at once, and apps they own stop working until someone else owns them.",
            m.name, m.email
        ),
        button: "Remove member".into(),
        back: ctx.url("/settings/members"),
    }
}
