//! Settings → Members (add an existing person by e-mail, change roles, remove; changes need
//! `members:manage`, checked by the service). The activity log is in `activity.rs`.

use super::confirm;
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, capitalise, field_label, redirect_with_notice, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use newledger_domain::ids::UserId;
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_service::people::signin;
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

#[derive(Template)]
#[template(path = "pages/members.html")]
struct MembersPage {
    layout: Layout,
    rows: Vec<MemberRow>,
    can_manage: bool,
    roles: Vec<&'static str>,
    add_email: String,
    add_role: String,
    errors: Vec<String>,
}

async fn members_view(
    s: &AppState,
    ctx: &Ctx,
    form: Option<&PageForm>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let members = company::members(&s.svc, &ctx.access).await?;
    let owners = members.iter().filter(|m| m.role == Role::Owner).count();
    let rows = members
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
        .collect();
    Ok(render_status(
        status,
        &MembersPage {
            layout: ctx.layout("Members", "members"),
            rows,
            can_manage: ctx.can(Permission::MembersManage),
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            add_email: form.map(|f| f.get("email").to_owned()).unwrap_or_default(),
            add_role: form
                .and_then(|f| f.opt("role").map(str::to_owned))
                .unwrap_or_else(|| "viewer".into()),
            errors,
        },
    ))
}

/// `GET /app/{company_id}/settings/members`.
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    members_view(&s, &ctx, None, Vec::new(), StatusCode::OK).await
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
    match r {
        Ok(notice) => Ok(redirect_with_notice(&ctx.url("/settings/members"), &notice)),
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {reason}", field_label(&field));
            members_view(
                s,
                ctx,
                Some(form),
                vec![msg],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Conflict(m)) => {
            members_view(
                s,
                ctx,
                Some(form),
                vec![capitalise(&m) + "."],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
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

/// `POST /app/{company_id}/settings/members/{user_id}/{role|unlock|remove}` (unlocking: owners).
pub async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, user, action)): Path<(String, String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(Permission::MembersManage)?;
    let user = UserId::parse(&user).map_err(|_| PageError::Service(Error::NotFound("member")))?;
    let member = company::members(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or(PageError::Service(Error::NotFound("member")))?;
    // Unlocking takes nothing away: it needs no confirmation step.
    if action != "unlock" && !confirm::confirmed(&form) {
        let c = match action.as_str() {
            "role" => confirm::Confirm {
                title: format!("Change the role of {}?", member.name),
                message: format!(
                    "{} ({}) goes from {} to {}: what they can see and do here changes at their next request, and so do the permissions of apps they own.",
                    member.name,
                    member.email,
                    member.role.as_str(),
                    form.get("role")
                ),
                button: "Change role".into(),
                back: ctx.url("/settings/members"),
            },
            "remove" => confirm::Confirm {
                title: format!("Remove {} from {}?", member.name, ctx.access.company.name),
                message: format!(
                    "{} ({}) loses access to this company at once, and apps they own stop working until someone else owns them.",
                    member.name, member.email
                ),
                button: "Remove member".into(),
                back: ctx.url("/settings/members"),
            },
            _ => return Err(PageError::Service(Error::NotFound("action"))),
        };
        let to = ctx.url(&format!("/settings/members/{user}/{action}"));
        return confirm::page(&ctx, to, &form, c);
    }
    let r = match action.as_str() {
        "role" => {
            async {
                let role = role_of(&form)?;
                company::set_member(&s.svc, &ctx.access, &member.email, role).await?;
                Ok(format!(
                    "{} now has the role {}.",
                    member.email,
                    role.as_str()
                ))
            }
            .await
        }
        "unlock" => signin::unlock_member(&s.svc, &ctx.access, &user)
            .await
            .map(|()| format!("{} can sign in again.", member.email)),
        "remove" => company::remove_member(&s.svc, &ctx.access, &user)
            .await
            .map(|()| format!("{} was removed from this company.", member.email)),
        _ => return Err(PageError::Service(Error::NotFound("action"))),
    };
    or_message(&s, &ctx, &form, r).await
}
