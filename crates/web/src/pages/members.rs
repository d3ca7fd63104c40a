//! Settings → Members: the members with their roles (change, remove, unlock sign-in, reset
//! two-factor), the pending invitations (resend, revoke) and the invitation form. Changes need
//! `members:manage`, checked again by the service; adding a person is an invitation they
//! accept, and no answer here tells whether an e-mail has an account.

use super::confirm;
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, capitalise, field_label, no_store, redirect_with_notice,
    render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use newledger_domain::ids::{InvitationId, UserId};
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_service::people::MemberRecord;
use newledger_service::people::invitations::{self, Delivery, Sent};
use newledger_service::people::{recovery, signin};
use newledger_service::{Error, company};

struct MemberRow {
    user_id: String,
    name: String,
    email: String,
    role: &'static str,
    since: super::when::Moment,
    is_me: bool,
    /// The only owner: neither removed nor demoted (the service refuses both).
    last_owner: bool,
}

struct InvitationRow {
    id: String,
    email: String,
    role: &'static str,
    invited_by: String,
    sent: String,
    expires: String,
    expired: bool,
}

/// A link to pass on by hand (mail off or failing), shown this once.
struct LinkBox {
    email: String,
    url: String,
    why: String,
}

#[derive(Template)]
#[template(path = "pages/members.html")]
struct MembersPage {
    layout: Layout,
    rows: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    can_manage: bool,
    is_owner: bool,
    roles: Vec<&'static str>,
    add_email: String,
    add_role: String,
    errors: Vec<String>,
    link: Option<LinkBox>,
}

/// What a re-rendered page carries besides the lists.
#[derive(Default)]
struct Extra<'a> {
    form: Option<&'a PageForm>,
    errors: Vec<String>,
    link: Option<LinkBox>,
}

fn member_rows(ctx: &Ctx, members: Vec<MemberRecord>) -> Vec<MemberRow> {
    let owners = members.iter().filter(|m| m.role == Role::Owner).count();
    members
        .into_iter()
        .map(|m| MemberRow {
            last_owner: m.role == Role::Owner && owners == 1,
            is_me: m.user_id == ctx.signed.user.id,
            user_id: m.user_id.to_string(),
            name: m.name,
            email: m.email,
            role: m.role.as_str(),
            since: ctx.when.relative(m.created_at),
        })
        .collect()
}

async fn invitation_rows(s: &AppState, ctx: &Ctx) -> Result<Vec<InvitationRow>, PageError> {
    if !ctx.can(Permission::MembersManage) {
        return Ok(Vec::new());
    }
    let now = s.svc.clock.now_ms();
    let pending = invitations::pending(&s.svc, &ctx.access).await?;
    Ok(pending
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id.to_string(),
            email: i.email,
            role: i.role.as_str(),
            invited_by: i.invited_by_label,
            sent: ctx.when.text(i.sent_at),
            expires: ctx.when.text(i.expires_at),
            expired: i.expires_at <= now,
        })
        .collect())
}

async fn members_view(s: &AppState, ctx: &Ctx, extra: Extra<'_>, status: StatusCode) -> PageResult {
    let members = company::members(&s.svc, &ctx.access).await?;
    let form = extra.form;
    let page = MembersPage {
        layout: ctx.layout("Members", "members"),
        rows: member_rows(ctx, members),
        invitations: invitation_rows(s, ctx).await?,
        can_manage: ctx.can(Permission::MembersManage),
        is_owner: ctx.role == Role::Owner,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        add_email: form.map(|f| f.get("email").to_owned()).unwrap_or_default(),
        add_role: form
            .and_then(|f| f.opt("role").map(str::to_owned))
            .unwrap_or_else(|| "viewer".into()),
        errors: extra.errors,
        link: extra.link,
    };
    Ok(no_store(render_status(status, &page)))
}

/// `GET /app/{company_id}/settings/members`.
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    members_view(&s, &ctx, Extra::default(), StatusCode::OK).await
}

fn role_of(form: &PageForm) -> Result<Role, Error> {
    Role::parse(form.get("role")).map_err(|_| Error::invalid("role", "choose a role from the list"))
}

/// Re-renders the page with a validation or conflict message; other errors propagate.
async fn or_message(
    s: &AppState,
    ctx: &Ctx,
    form: &PageForm,
    r: Result<String, Error>,
) -> PageResult {
    let (status, msg) = match r {
        Ok(notice) => return Ok(redirect_with_notice(&ctx.url("/settings/members"), &notice)),
        Err(Error::Invalid { field, reason }) if field == "totp" => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Authenticator code: {reason}"),
        ),
        Err(Error::Invalid { field, reason }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {reason}", field_label(&field)),
        ),
        Err(Error::Conflict(m)) => (StatusCode::CONFLICT, capitalise(&m) + "."),
        Err(e) => return Err(e.into()),
    };
    let extra = Extra {
        form: Some(form),
        errors: vec![msg],
        link: None,
    };
    members_view(s, ctx, extra, status).await
}

/// `POST /app/{company_id}/settings/members`: changes a member's role; anyone else gets the
/// same neutral answer (see [`company::NOT_A_MEMBER`]).
pub async fn add(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(Permission::MembersManage)?;
    let email = form.get("email").to_owned();
    let r = async {
        let role = role_of(&form)?;
        company::set_member(&s.svc, &ctx.access, &email, role).await?;
        Ok(format!(
            "{email} is now a member with the role {}.",
            role.as_str()
        ))
    }
    .await;
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
            let link = Some(LinkBox {
                email,
                url,
                why: capitalise(&why.to_string()),
            });
            members_view(
                s,
                ctx,
                Extra {
                    link,
                    ..Extra::default()
                },
                StatusCode::OK,
            )
            .await
        }
    }
}

/// `POST /app/{company_id}/settings/members/invitations`: invites an e-mail with a role.
pub async fn invite(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let r = match role_of(&form) {
        Ok(role) => invitations::invite(&s.svc, &ctx.access, form.get("email"), role).await,
        Err(e) => Err(e),
    };
    sent(&s, &ctx, &form, r).await
}

/// `POST /app/{company_id}/settings/members/invitations/{id}/{resend|revoke}`.
pub async fn invitation_action(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id, action)): Path<(String, String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let id = InvitationId::parse(&id).map_err(|_| Error::NotFound("invitation"))?;
    match action.as_str() {
        "resend" => {
            let r = invitations::resend(&s.svc, &ctx.access, &id).await;
            sent(&s, &ctx, &form, r).await
        }
        "revoke" => {
            let inv = invitations::revoke(&s.svc, &ctx.access, &id).await;
            let r = inv.map(|i| {
                format!(
                    "The invitation of {} was revoked: its link no longer works.",
                    i.email
                )
            });
            or_message(&s, &ctx, &form, r).await
        }
        _ => Err(PageError::Service(Error::NotFound("action"))),
    }
}

/// What the confirmation step says before a role change or a removal.
fn confirmation(
    ctx: &Ctx,
    m: &MemberRecord,
    action: &str,
    form: &PageForm,
) -> Option<confirm::Confirm> {
    let back = ctx.url("/settings/members");
    match action {
        "role" => Some(confirm::Confirm {
            title: format!("Change the role of {}?", m.name),
            message: format!(
                "{} ({}) goes from {} to {}: what they can see and do here changes at their next request, and so do the permissions of apps they own.",
                m.name,
                m.email,
                m.role.as_str(),
                form.get("role")
            ),
            button: "Change role".into(),
            back,
        }),
        "remove" => Some(confirm::Confirm {
            title: format!("Remove {} from {}?", m.name, ctx.access.company.name),
            message: format!(
                "{} ({}) loses access to this company at once, and apps they own stop working until someone else owns them.",
                m.name, m.email
            ),
            button: "Remove member".into(),
            back,
        }),
        _ => None,
    }
}

/// Does a confirmed (or confirmation-free) action on a member; the notice on success.
async fn apply(
    s: &AppState,
    ctx: &Ctx,
    m: &MemberRecord,
    action: &str,
    form: &PageForm,
) -> Result<String, Error> {
    let (svc, access, user) = (&s.svc, &ctx.access, &m.user_id);
    match action {
        "role" => {
            let role = role_of(form)?;
            company::set_member(svc, access, &m.email, role).await?;
            Ok(format!("{} now has the role {}.", m.email, role.as_str()))
        }
        "unlock" => signin::unlock_member(svc, access, user)
            .await
            .map(|()| format!("{} can sign in again.", m.email)),
        "reset-2fa" => recovery::reset_second_factor(svc, access, user, form.opt("totp"))
            .await
            .map(|_| format!("{} sets up two-factor authentication again at their next sign-in; their sessions were signed out.", m.email)),
        "remove" => company::remove_member(svc, access, user)
            .await
            .map(|()| format!("{} was removed from this company.", m.email)),
        _ => Err(Error::NotFound("action")),
    }
}

/// `POST /app/{company_id}/settings/members/{user_id}/{role|unlock|reset-2fa|remove}`
/// (unlocking and resetting two-factor: owners; the latter confirmed by their TOTP code).
pub async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, user, action)): Path<(String, String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(Permission::MembersManage)?;
    let user = UserId::parse(&user).map_err(|_| Error::NotFound("member"))?;
    let members = company::members(&s.svc, &ctx.access).await?;
    let member = members
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or(Error::NotFound("member"))?;
    if let Some(c) =
        confirmation(&ctx, &member, &action, &form).filter(|_| !confirm::confirmed(&form))
    {
        let to = ctx.url(&format!("/settings/members/{user}/{action}"));
        return confirm::page(&ctx, to, &form, c);
    }
    let r = apply(&s, &ctx, &member, &action, &form).await;
    or_message(&s, &ctx, &form, r).await
}
