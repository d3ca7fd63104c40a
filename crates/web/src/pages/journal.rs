//! Journal entries: list with date, status and source filters; detail with lines; posting,
//! discarding and reversing manual entries (posted entries are never edited; drafts are
//! written in `journal_edit`).

use super::books::{Opt, PAGE_SIZE, account_names, back_to, contact_names, next_href, opts};
use super::confirm;
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, date, money, parse_date, redirect_with_notice, render,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::{Days, NaiveDate};
use newledger_domain::ids::EntryId;
use newledger_domain::journal::{EntrySource, EntryStatus};
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::drafts::ActorLabels;
use newledger_service::books::journal;
use newledger_service::views::journal::EntryView;
use newledger_service::views::{self, ListQuery, Page};
use serde::Deserialize;

/// Where entries come from, as the source filter offers them.
const SOURCES: [&str; 6] = [
    "manual", "invoice", "bill", "expense", "payment", "reversal",
];

/// Filters of the journal list.
#[derive(Debug, Default, Deserialize)]
pub struct JournalFilter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

struct EntryRow {
    href: String,
    number: String,
    date: String,
    memo: String,
    source: &'static str,
    status: &'static str,
    total: String,
    created_by: String,
    program: bool,
}

#[derive(Template)]
#[template(path = "pages/journal.html")]
struct JournalPage {
    layout: Layout,
    rows: Vec<EntryRow>,
    statuses: Vec<Opt>,
    sources: Vec<Opt>,
    from: String,
    to: String,
    errors: Vec<String>,
    next: Option<String>,
    can_draft: bool,
}

/// Statuses the list can be filtered by.
const STATUSES: [&str; 3] = ["draft", "posted", "discarded"];

impl JournalFilter {
    /// The first day shown: the one asked for, else 90 days before `today`.
    fn first_day(&self, today: NaiveDate) -> String {
        self.from.clone().unwrap_or_else(|| {
            today
                .checked_sub_days(Days::new(90))
                .unwrap_or(today)
                .to_string()
        })
    }

    /// The service's query, and what could not be read (said on the page).
    fn query(&self, from_text: &str) -> (ListQuery, Vec<String>) {
        let mut errors = Vec::new();
        let mut day = |field, v: &str| {
            parse_date(field, v).unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        };
        let (from, to) = (day("from", from_text), day("to", &self.to));
        let q = ListQuery {
            limit: PAGE_SIZE,
            status: STATUSES
                .contains(&self.status.as_str())
                .then(|| self.status.clone()),
            from,
            to,
            after: Some(self.cursor.clone()).filter(|c| !c.is_empty()),
            // For journal entries the store reads `search` as the source.
            search: SOURCES
                .contains(&self.source.as_str())
                .then(|| self.source.clone()),
            ..Default::default()
        };
        (q, errors)
    }
}

/// `GET /app/{company_id}/journal` (default: the last 90 days, since ledgers grow large).
pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<JournalFilter>,
) -> PageResult {
    let from_text = f.first_day(s.svc.clock.today());
    let (q, errors) = f.query(&from_text);
    let page = views::journal::list(&s.svc, &ctx.access, q).await?;
    Ok(render(&journal_page(&ctx, f, from_text, &page, errors)))
}

fn journal_page(
    ctx: &Ctx,
    f: JournalFilter,
    from_text: String,
    page: &Page<EntryView>,
    errors: Vec<String>,
) -> JournalPage {
    let mut entries: Vec<&EntryView> = page.data.iter().collect();
    entries.sort_by(|a, b| {
        (b.entry.date.cmp(&a.entry.date)).then(b.entry.number.cmp(&a.entry.number))
    });
    let next = page.next_cursor.as_ref().map(|c| {
        let filters = [
            ("status", f.status.as_str()),
            ("source", &f.source),
            ("from", &from_text),
            ("to", &f.to),
        ];
        next_href(&ctx.url("/journal"), &filters, c)
    });
    JournalPage {
        layout: ctx.layout("Journal entries", "journal"),
        rows: entries.into_iter().map(|v| entry_row(ctx, v)).collect(),
        statuses: opts(&f.status, "Any status", &STATUSES),
        sources: opts(&f.source, "Any source", &SOURCES),
        from: from_text,
        to: f.to,
        errors,
        next,
        can_draft: ctx.can(Permission::JournalDraft),
    }
}

fn entry_row(ctx: &Ctx, v: &EntryView) -> EntryRow {
    let e = &v.entry;
    EntryRow {
        href: ctx.url(&format!("/journal/{}", e.id)),
        number: e.number.clone(),
        date: date(e.date),
        memo: e.memo.clone(),
        source: e.source.as_str(),
        status: e.status.as_str(),
        total: money(e.total, ctx.currency()),
        created_by: v.created_by_label.clone(),
        program: e.created_by.is_program(),
    }
}

struct JLine {
    account: String,
    description: String,
    contact: String,
    debit: String,
    credit: String,
}

#[derive(Template)]
#[template(path = "pages/journal_entry.html")]
struct EntryPage {
    layout: Layout,
    action_url: String,
    number: String,
    id: String,
    date: String,
    memo: String,
    status: &'static str,
    source: &'static str,
    created_by: String,
    by_program: bool,
    created_at: super::when::Moment,
    posted: Option<String>,
    lines: Vec<JLine>,
    total: String,
    reverses: Option<String>,
    reversed_by: Option<String>,
    version: i64,
    can_post: bool,
    /// Edit and discard: both need `journal:draft`.
    can_change: bool,
    can_reverse: bool,
}

/// A journal entry id from the path.
pub fn parse_entry_id(id: &str) -> Result<EntryId, PageError> {
    EntryId::parse(id).map_err(|_| PageError::Service(Error::NotFound("journal entry")))
}

/// `GET /app/{company_id}/journal/{id}`.
pub async fn entry(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    let cur = ctx.currency();
    let e = journal::get(&s.svc, &ctx.access, &parse_entry_id(&id)?).await?;
    let accounts = account_names(&s, &ctx).await?;
    let contacts = contact_names(&s, &ctx).await?;
    let mut labels = ActorLabels::default();
    let posted = match (&e.posted_by, e.posted_at) {
        (Some(a), Some(at)) => Some(format!(
            "{} on {}",
            labels.label(&s.svc, a).await?,
            ctx.when.text(at)
        )),
        _ => None,
    };
    let manual_draft = e.status == EntryStatus::Draft && e.source == EntrySource::Manual;
    Ok(render(&EntryPage {
        layout: ctx.layout(format!("Journal entry {}", e.number), "journal"),
        action_url: ctx.url(&format!("/journal/{}", e.id)),
        number: e.number.clone(),
        id: e.id.to_string(),
        date: date(e.date),
        memo: e.memo.clone(),
        status: e.status.as_str(),
        source: e.source.as_str(),
        created_by: labels.label(&s.svc, &e.created_by).await?,
        by_program: e.created_by.is_program(),
        created_at: ctx.when.relative(e.created_at),
        posted,
        lines: e
            .lines
            .iter()
            .map(|l| JLine {
                account: accounts
                    .get(l.account_id.as_str())
                    .cloned()
                    .unwrap_or_else(|| l.account_id.to_string()),
                description: l.description.clone(),
                contact: l
                    .contact_id
                    .as_ref()
                    .and_then(|c| contacts.get(c.as_str()).cloned())
                    .unwrap_or_default(),
                debit: if l.debit != 0 {
                    money(l.debit, cur)
                } else {
                    String::new()
                },
                credit: if l.credit != 0 {
                    money(l.credit, cur)
                } else {
                    String::new()
                },
            })
            .collect(),
        total: money(e.total, cur),
        reverses: e
            .reverses_id
            .as_ref()
            .map(|r| ctx.url(&format!("/journal/{r}"))),
        reversed_by: e
            .reversed_by_id
            .as_ref()
            .map(|r| ctx.url(&format!("/journal/{r}"))),
        version: e.version,
        can_post: manual_draft && ctx.can(Permission::JournalPost),
        can_change: manual_draft && ctx.can(Permission::JournalDraft),
        can_reverse: e.status == EntryStatus::Posted
            && e.source == EntrySource::Manual
            && e.reversed_by_id.is_none()
            && ctx.can(Permission::JournalPost),
    }))
}

/// `POST /app/{company_id}/journal/{id}/{post|discard|reverse}` (reached through
/// `journal_edit::entry_post`, which checks CSRF and keeps `edit` for itself).
pub async fn action(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id, action)): Path<(String, String, String)>,
    form: PageForm,
) -> PageResult {
    let id = parse_entry_id(&id)?;
    let version = form.get("version").parse().ok();
    let detail = ctx.url(&format!("/journal/{id}"));
    if matches!(action.as_str(), "discard" | "reverse") && !confirm::confirmed(&form) {
        let e = journal::get(&s.svc, &ctx.access, &id).await?;
        let c = if action == "reverse" {
            confirm::Confirm {
                title: format!("Reverse journal entry {}?", e.number),
                message: "Reversing posts a new entry dated today with every debit and credit swapped; the original stays in the books. This cannot be undone.".into(),
                button: "Reverse entry".into(),
                back: detail,
            }
        } else {
            confirm::Confirm {
                title: format!("Discard draft journal entry {}?", e.number),
                message: "The draft disappears from Drafts to review; nothing was posted, so the ledger does not change.".into(),
                button: "Discard draft".into(),
                back: back_to(&ctx, &form, detail),
            }
        };
        return confirm::page(&ctx, ctx.url(&format!("/journal/{id}/{action}")), &form, c);
    }
    let (notice, to) = match action.as_str() {
        "post" => {
            let e = journal::post(&s.svc, &ctx.access, &id, version).await?;
            (
                format!("Journal entry {} posted to the ledger.", e.number),
                back_to(&ctx, &form, detail),
            )
        }
        "discard" => {
            let e = journal::get(&s.svc, &ctx.access, &id).await?;
            journal::discard(&s.svc, &ctx.access, &id, version).await?;
            (
                format!("Journal entry {} discarded.", e.number),
                back_to(&ctx, &form, detail),
            )
        }
        "reverse" => {
            let r = journal::reverse(&s.svc, &ctx.access, &id, None).await?;
            (
                format!("Reversed by journal entry {}, dated today.", r.number),
                ctx.url(&format!("/journal/{}", r.id)),
            )
        }
        _ => return Err(PageError::Service(Error::NotFound("action"))),
    };
    Ok(redirect_with_notice(&to, &notice))
}
