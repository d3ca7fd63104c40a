//! Settings → Members: the members with their roles (change, remove, unlock sign-in, reset
//! two-factor), the pending invitations (resend, revoke) and the invitation form. Changes need
//! `members:manage`, checked again by the service; adding a person is an invitation they
//! accept, and no answer here tells whether an e-mail has an account.
//!
//! Each action is a named route of [`routes`]: the member actions in `actions.rs`, the
//! invitation actions in `invitations.rs`; this module renders the page they come back to.

mod actions;
mod invitations;

use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, capitalise, field_label, no_store, path_id,
    redirect_with_notice, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use newledger_domain::ids::{InvitationId, UserId};
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_service::people::MemberRecord;
use newledger_service::{Error, company};

/// Every route of Settings → Members, one per action.
pub fn routes() -> Router<AppState> {
    let base = "/app/{company_id}/settings/members";
    let member = format!("{base}/{{user_id}}");
    let invitation = format!("{base}/invitations/{{id}}");
    Router::new()
        .route(base, get(list).post(add))
        .route(&format!("{member}/role"), post(actions::role))
        .route(&format!("{member}/unlock"), post(actions::unlock))
        .route(&format!("{member}/reset-2fa"), post(actions::reset_2fa))
        .route(&format!("{member}/remove"), post(actions::remove))
        .route(&format!("{base}/invitations"), post(invitations::invite))
        .route(&format!("{invitation}/resend"), post(invitations::resend))
        .route(&format!("{invitation}/revoke"), post(invitations::revoke))
}

/// The member a route names (by user id).
pub struct Member(pub UserId);

impl<S: Send + Sync> FromRequestParts<S> for Member {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        path_id(parts, state, "member", |id| UserId::parse(id).ok())
            .await
            .map(Member)
    }
}

/// The invitation a route names.
pub struct Invitation(pub InvitationId);

impl<S: Send + Sync> FromRequestParts<S> for Invitation {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        path_id(parts, state, "invitation", |id| {
            InvitationId::parse(id).ok()
        })
        .await
        .map(Invitation)
    }
}

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
    let pending = newledger_service::people::invitations::pending(&s.svc, &ctx.access).await?;
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
