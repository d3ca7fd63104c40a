//! Settings → Members (add an existing person by e-mail, change roles, remove; changes need
//! `members:manage`, checked by the service) and the activity log with filters and CSV export.

use super::confirm;
use super::csv::CsvWriter;
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, capitalise, field_label, instant, parse_date,
    redirect_with_notice, render, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use newledger_domain::ids::UserId;
use newledger_domain::permission::Permission;
use newledger_domain::role::Role;
use newledger_service::people::signin;
use newledger_service::views::{ActivityRecord, activity};
use newledger_service::{Error, company};
use serde::Deserialize;

struct MemberRow {
    user_id: String,
    name: String,
    email: String,
    role: &'static str,
    since: String,
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
            since: instant(m.created_at),
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

/// Filters of the activity log.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityQuery {
    #[serde(default)]
    actor_kind: String,
    #[serde(default)]
    actor_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

struct ActivityRow {
    at: String,
    actor_kind: String,
    actor_label: String,
    actor_href: Option<String>,
    action: String,
    target: String,
    outcome: String,
    reason: String,
    ip: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "pages/activity.html")]
struct ActivityPage {
    layout: Layout,
    rows: Vec<ActivityRow>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    outcomes: Vec<(&'static str, &'static str, bool)>,
    actor_id: String,
    action: String,
    from: String,
    to: String,
    errors: Vec<String>,
    csv_href: String,
    next: Option<String>,
}

fn query_of(q: &ActivityQuery) -> (activity::ActivityQuery, Vec<String>) {
    let mut errors = Vec::new();
    let mut day = |field, v: &str| {
        parse_date(field, v).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let some = |v: &str| Some(v.to_owned());
    let query = activity::ActivityQuery {
        actor_kind: some(&q.actor_kind),
        actor_id: some(&q.actor_id),
        action_prefix: some(&q.action),
        outcome: some(&q.outcome),
        from: day("from", &q.from),
        to: day("to", &q.to),
        before: q.before.parse().ok(),
    };
    (query, errors)
}

async fn activity_rows(
    s: &AppState,
    ctx: &Ctx,
    q: &ActivityQuery,
    limit: i64,
) -> Result<(activity::ActivityPage, Vec<String>), PageError> {
    let (query, errors) = query_of(q);
    let page = activity::list(&s.svc, &ctx.access, &query, limit).await?;
    Ok((page, errors))
}

fn query_string(q: &ActivityQuery, before: Option<i64>) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor_kind", &q.actor_kind),
        ("actor_id", &q.actor_id),
        ("action", &q.action),
        ("outcome", &q.outcome),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if !v.is_empty() {
            ser.append_pair(k, v);
        }
    }
    if let Some(b) = before {
        ser.append_pair("before", &b.to_string());
    }
    ser.finish()
}

/// `GET /app/{company_id}/activity`.
pub async fn activity(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ActivityQuery>,
) -> PageResult {
    let (page, errors) = activity_rows(&s, &ctx, &q, activity::PAGE_SIZE).await?;
    Ok(render(&activity_page(&ctx, q, page, errors)))
}

fn activity_page(
    ctx: &Ctx,
    q: ActivityQuery,
    page: activity::ActivityPage,
    errors: Vec<String>,
) -> ActivityPage {
    let choices = |all: &[(&'static str, &'static str)], current: &str| {
        all.iter()
            .map(|(v, l)| (*v, *l, *v == current))
            .collect::<Vec<_>>()
    };
    ActivityPage {
        layout: ctx.layout("Activity log", "activity"),
        rows: page
            .rows
            .into_iter()
            .map(|r| activity_row(ctx, r))
            .collect(),
        kinds: choices(&ACTOR_KINDS, &q.actor_kind),
        outcomes: choices(&OUTCOMES, &q.outcome),
        csv_href: format!("{}?{}", ctx.url("/activity.csv"), query_string(&q, None)),
        next: page
            .next_before
            .map(|b| format!("{}?{}", ctx.url("/activity"), query_string(&q, Some(b)))),
        actor_id: q.actor_id,
        action: q.action,
        from: q.from,
        to: q.to,
        errors,
    }
}

/// The actor kinds the log can be filtered by, with their labels.
const ACTOR_KINDS: [(&str, &str); 6] = [
    ("", "Anyone"),
    ("user", "People"),
    ("app", "Apps"),
    ("connection", "OAuth connections"),
    ("system", "System"),
    ("anonymous", "Unknown (failed sign-ins)"),
];

/// The outcomes the log can be filtered by, with their labels.
const OUTCOMES: [(&str, &str); 3] = [
    ("", "Any outcome"),
    ("success", "Success"),
    ("failure", "Failure"),
];

fn activity_row(ctx: &Ctx, r: ActivityRecord) -> ActivityRow {
    let a = r.row;
    ActivityRow {
        at: instant(a.at),
        actor_href: (a.actor_kind == "app")
            .then(|| ctx.url(&format!("/settings/app-connect/apps/{}", a.actor_id)))
            .filter(|_| ctx.can(Permission::AppConnectManage)),
        actor_kind: a.actor_kind,
        actor_label: a.actor_label,
        action: a.action,
        target: if a.target_id.is_empty() {
            a.target_kind
        } else {
            format!("{} {}", a.target_kind, a.target_id)
        },
        outcome: a.outcome,
        reason: a.reason,
        ip: a.ip,
        count: a.count,
    }
}

/// `GET /app/{company_id}/activity.csv`: the filtered log (newest first, at most 10,000 rows).
pub async fn activity_csv(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ActivityQuery>,
) -> PageResult {
    let (page, errors) = activity_rows(&s, &ctx, &q, activity::EXPORT_MAX).await?;
    if let Some(e) = errors.into_iter().next() {
        return Err(PageError::BadRequest(e));
    }
    let w = activity_csv_of(page.rows);
    let name = format!("activity-{}.csv", ctx.access.company.id);
    Ok(w.into_response(&name))
}

/// The rows of the log as CSV (the columns of the stored rows).
fn activity_csv_of(rows: Vec<ActivityRecord>) -> CsvWriter {
    let mut w = CsvWriter::new(&[
        "id",
        "at",
        "actor_kind",
        "actor_id",
        "actor_label",
        "action",
        "target_kind",
        "target_id",
        "outcome",
        "reason",
        "ip",
        "count",
    ]);
    for r in rows {
        let a = r.row;
        w.row(&[
            &r.id.to_string(),
            &instant(a.at),
            &a.actor_kind,
            &a.actor_id,
            &a.actor_label,
            &a.action,
            &a.target_kind,
            &a.target_id,
            &a.outcome,
            &a.reason,
            &a.ip,
            &a.count.to_string(),
        ]);
    }
    w
}
