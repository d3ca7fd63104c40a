//! The journal list: date, status and source filters, the last 90 days by default.

use crate::pages::lists::{Opt, PAGE_SIZE, next_href, opts};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, date, money, parse_date, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use chrono::{Days, NaiveDate};
use newledger_domain::permission::Permission;
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
pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<JournalFilter>,
) -> PageResult {
    let from_text = f.first_day(ctx.access.today(s.svc.clock.as_ref()));
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
        status: e.status().as_str(),
        total: money(e.total(), ctx.currency()),
        created_by: v.created_by_label.clone(),
        program: e.created_by.is_program(),
    }
}
