//! The activity log page and its CSV export: rows in words ("Secret rotated"), actors and
//! targets as links to what they name, filters picked rather than typed (the actor list is
//! the actors seen in the log, read by the service), times in the company's zone.

use super::csv::CsvWriter;
use super::session::{Ctx, Layout};
use super::view::{PageError, PageResult, parse_date, render};
use super::when::{Moment, plural};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use newledger_domain::permission::Permission;
use newledger_service::views::{ActivityRecord, ActorSeen, activity};
use serde::Deserialize;

/// Filters of the activity log, as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityQuery {
    /// `kind` or `kind:id` from the actor picker; wins over the two fields below.
    #[serde(default)]
    actor: String,
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

impl ActivityQuery {
    /// (kind, id) of the actor filter.
    fn actor(&self) -> (&str, &str) {
        if self.actor.is_empty() {
            (&self.actor_kind, &self.actor_id)
        } else {
            self.actor.split_once(':').unwrap_or((&self.actor, ""))
        }
    }

    /// The picker's value for the current filter.
    fn actor_value(&self) -> String {
        match self.actor() {
            (k, "") => k.to_owned(),
            (k, id) => format!("{k}:{id}"),
        }
    }
}

struct ActivityRow {
    at: Moment,
    actor_kind: String,
    actor_label: String,
    actor_href: Option<String>,
    what: String,
    action: String,
    target: String,
    target_href: Option<String>,
    outcome: String,
    reason: String,
    ip: String,
    times: Option<String>,
}

/// One option of a picker: (value, label, selected).
type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "pages/activity.html")]
struct ActivityPage {
    layout: Layout,
    rows: Vec<ActivityRow>,
    kinds: Vec<Choice>,
    people: Vec<Choice>,
    apps: Vec<Choice>,
    connections: Vec<Choice>,
    outcomes: Vec<Choice>,
    action: String,
    from: String,
    to: String,
    errors: Vec<String>,
    csv_href: String,
    next: Option<String>,
    shown: String,
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
    let (kind, id) = q.actor();
    let query = activity::ActivityQuery {
        actor_kind: some(kind),
        actor_id: some(id),
        action_prefix: some(&q.action),
        outcome: some(&q.outcome),
        from: day("from", &q.from),
        to: day("to", &q.to),
        before: q.before.parse().ok(),
    };
    (query, errors)
}

fn query_string(q: &ActivityQuery, before: Option<i64>) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    let actor = q.actor_value();
    for (k, v) in [
        ("actor", &actor),
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
pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ActivityQuery>,
) -> PageResult {
    let (query, errors) = query_of(&q);
    let page = activity::list(&s.svc, &ctx.access, &query, activity::PAGE_SIZE).await?;
    let actors = activity::actors(&s.svc, &ctx.access).await?;
    Ok(render(&activity_page(&ctx, q, page, actors, errors)))
}

/// The actor kinds the log can be filtered by, with their labels.
const ACTOR_KINDS: [(&str, &str); 6] = [
    ("", "Anyone"),
    ("user", "Every person"),
    ("app", "Every app"),
    ("connection", "Every OAuth connection"),
    ("system", "The system"),
    ("anonymous", "Unknown (failed sign-ins)"),
];

/// The outcomes the log can be filtered by, with their labels.
const OUTCOMES: [(&str, &str); 3] = [
    ("", "Any outcome"),
    ("success", "Success"),
    ("failure", "Failure"),
];

fn choices(all: &[(&str, &str)], current: &str) -> Vec<Choice> {
    all.iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned(), *v == current))
        .collect()
}

fn activity_page(
    ctx: &Ctx,
    q: ActivityQuery,
    page: activity::ActivityPage,
    actors: Vec<ActorSeen>,
    errors: Vec<String>,
) -> ActivityPage {
    let current = q.actor_value();
    let of_kind = |kind: &str| -> Vec<Choice> {
        actors
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| {
                let v = format!("{}:{}", a.kind, a.id);
                let selected = v == current;
                (v, a.label.clone(), selected)
            })
            .collect()
    };
    let n = page.rows.len();
    ActivityPage {
        layout: ctx.layout("Activity log", "activity"),
        kinds: choices(&ACTOR_KINDS, &current),
        people: of_kind("user"),
        apps: of_kind("app"),
        connections: of_kind("connection"),
        rows: page.rows.into_iter().map(|r| row(ctx, r)).collect(),
        outcomes: choices(&OUTCOMES, &q.outcome),
        csv_href: format!("{}?{}", ctx.url("/activity.csv"), query_string(&q, None)),
        next: page
            .next_before
            .map(|b| format!("{}?{}", ctx.url("/activity"), query_string(&q, Some(b)))),
        shown: format!("{} shown, newest first", plural_events(n)),
        action: q.action,
        from: q.from,
        to: q.to,
        errors,
    }
}

fn plural_events(n: usize) -> String {
    plural(i64::try_from(n).unwrap_or(i64::MAX), "event", "events")
}

/// Where an actor's name leads: a person to Members, an app to its page, a connection to
/// the OAuth connections (only for readers who may open those pages).
fn actor_href(ctx: &Ctx, kind: &str, id: &str) -> Option<String> {
    let manage = ctx.can(Permission::AppConnectManage);
    match kind {
        "user" if ctx.can(Permission::CompanyRead) => {
            Some(ctx.url(&format!("/settings/members#{id}")))
        }
        "app" if manage => Some(ctx.url(&format!("/settings/app-connect/apps/{id}"))),
        "connection" if manage => Some(ctx.url(&format!("/settings/app-connect/oauth#{id}"))),
        _ => None,
    }
}

/// Where a target leads: the record it names, when it has a page this reader may open.
fn target_href(ctx: &Ctx, kind: &str, id: &str) -> Option<String> {
    if id.is_empty() {
        return None;
    }
    let (path, permission) = match kind {
        "invoice" => ("invoices", Permission::InvoicesRead),
        "bill" => ("bills", Permission::BillsRead),
        "expense" => ("expenses", Permission::ExpensesRead),
        "journal" | "journal_entry" => ("journal", Permission::JournalRead),
        "contact" => ("contacts", Permission::ContactsRead),
        "account" => ("accounts", Permission::AccountsRead),
        "app" => ("settings/app-connect/apps", Permission::AppConnectManage),
        _ => return None,
    };
    ctx.can(permission)
        .then(|| ctx.url(&format!("/{path}/{id}")))
}

fn row(ctx: &Ctx, r: ActivityRecord) -> ActivityRow {
    let what = activity::describe(&r.row);
    let a = r.row;
    let failure = a.outcome == "failure";
    ActivityRow {
        at: ctx.when.exact(a.at),
        actor_href: actor_href(ctx, &a.actor_kind, &a.actor_id),
        actor_label: if a.actor_label.is_empty() {
            a.actor_id
        } else {
            a.actor_label
        },
        actor_kind: a.actor_kind,
        what,
        action: a.action,
        target_href: target_href(ctx, &a.target_kind, &a.target_id),
        target: if a.target_id.is_empty() {
            a.target_kind
        } else {
            format!("{} {}", a.target_kind, a.target_id)
        },
        // A failure's reason is already part of `what`.
        reason: if failure { String::new() } else { a.reason },
        outcome: a.outcome,
        ip: a.ip,
        times: (a.count > 1).then(|| plural(a.count, "time", "times")),
    }
}

/// `GET /app/{company_id}/activity.csv`: the filtered log (newest first, at most 10,000 rows).
pub async fn csv(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ActivityQuery>,
) -> PageResult {
    let (query, errors) = query_of(&q);
    if let Some(e) = errors.into_iter().next() {
        return Err(PageError::BadRequest(e));
    }
    let page = activity::list(&s.svc, &ctx.access, &query, activity::EXPORT_MAX).await?;
    let name = format!("activity-{}.csv", ctx.access.company.id);
    Ok(csv_of(&ctx, page.rows).into_response(&name))
}

/// The rows of the log as CSV: the stored columns (the instant in ISO 8601, UTC), then the
/// time in the company's zone and the action in words, so that existing readers keep working.
fn csv_of(ctx: &Ctx, rows: Vec<ActivityRecord>) -> CsvWriter {
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
        "at_local",
        "what",
    ]);
    for r in rows {
        let what = activity::describe(&r.row);
        let a = r.row;
        let iso = chrono::DateTime::from_timestamp_millis(a.at)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        w.row(&[
            &r.id.to_string(),
            &iso,
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
            &ctx.when.text(a.at),
            &what,
        ]);
    }
    w
}
