//! The activity log page with filters, and its CSV export.

use super::csv::CsvWriter;
use super::session::{Ctx, Layout};
use super::view::{PageError, PageResult, instant, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use newledger_domain::permission::Permission;
use newledger_service::views::{ActivityRecord, activity};
use serde::Deserialize;

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
