//! One journal entry: lines with account and contact names, who made and posted it, and what
//! the reader may do next (edit, post, discard, reverse), as the entry's lifecycle allows.

use super::Entry;
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{PageResult, date, money, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use newledger_domain::journal::EntryAction;
use newledger_domain::money::Currency;
use newledger_service::views::journal::{self, EntryDetail};

/// `GET /app/{company_id}/journal/{id}`.
pub async fn page(State(s): State<AppState>, ctx: Ctx, entry: Entry) -> PageResult {
    let detail = journal::detail(&s.svc, &ctx.access, &entry.0).await?;
    Ok(render(&entry_page(&ctx, detail)))
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
    created_at: crate::pages::when::Moment,
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

fn entry_page(ctx: &Ctx, d: EntryDetail) -> EntryPage {
    let e = &d.entry;
    let held = ctx.access.permissions;
    let link = |id: &dyn std::fmt::Display| ctx.url(&format!("/journal/{id}"));
    EntryPage {
        layout: ctx.layout(format!("Journal entry {}", e.number), "journal"),
        action_url: link(&e.id),
        number: e.number.clone(),
        id: e.id.to_string(),
        date: date(e.date),
        memo: e.memo.clone(),
        status: e.status().as_str(),
        source: e.source.as_str(),
        created_by: d.created_by_label.clone(),
        by_program: e.created_by.is_program(),
        created_at: ctx.when.relative(e.created_at),
        posted: match (&d.posted_by_label, e.posted_at) {
            (Some(who), Some(at)) => Some(format!("{who} on {}", ctx.when.text(at))),
            _ => None,
        },
        lines: lines(&d, ctx.currency()),
        total: money(e.total(), ctx.currency()),
        reverses: e.reverses_id.as_ref().map(|r| link(r)),
        reversed_by: e.reversed_by_id.as_ref().map(|r| link(r)),
        version: e.version,
        can_post: e.allows(EntryAction::Post, held),
        can_change: e.allows(EntryAction::Edit, held),
        can_reverse: e.allows(EntryAction::Reverse, held),
    }
}

fn lines(d: &EntryDetail, cur: Currency) -> Vec<JLine> {
    let side = |minor: i64| {
        if minor != 0 {
            money(minor, cur)
        } else {
            String::new()
        }
    };
    d.entry
        .lines()
        .iter()
        .map(|l| JLine {
            account: d
                .account_labels
                .get(l.account_id.as_str())
                .cloned()
                .unwrap_or_else(|| l.account_id.to_string()),
            description: l.description.clone(),
            contact: l
                .contact_id
                .as_ref()
                .and_then(|c| d.contact_names.get(c.as_str()).cloned())
                .unwrap_or_default(),
            debit: side(l.debit),
            credit: side(l.credit),
        })
        .collect()
}
