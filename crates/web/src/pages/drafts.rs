//! Drafts to review: every invoice, bill, expense and manual journal entry not yet posted,
//! whoever drafted it (a person, an app, an OAuth connection), with approve/post and discard
//! right in the list. The buttons follow the person's permissions; the service checks again.

use super::session::{Ctx, Layout};
use super::view::{PageResult, date, money, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use newledger_service::books::drafts::{self, DraftItem, DraftKind, Review};
use serde::Deserialize;

struct DraftRow {
    kind: &'static str,
    href: String,
    action_url: String,
    number: String,
    date: String,
    description: String,
    total: String,
    drafted_by: String,
    by_program: bool,
    drafted_at: super::when::Moment,
    version: i64,
    can_approve: bool,
    approve_label: &'static str,
    /// Edit and discard: both need the kind's draft permission.
    can_change: bool,
}

/// A kind with more drafts than the page shows, and where to see them all.
struct Partial {
    label: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "pages/drafts.html")]
struct DraftsPage {
    layout: Layout,
    rows: Vec<DraftRow>,
    total: usize,
    from_programs: usize,
    filter: String,
    partial: Vec<Partial>,
    max_per_kind: i64,
}

/// Filter of the drafts page.
#[derive(Debug, Default, Deserialize)]
pub struct DraftsFilter {
    /// `programs`, `people` or empty.
    #[serde(default)]
    by: String,
}

/// `GET /app/{company_id}/drafts`.
pub async fn drafts(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<DraftsFilter>,
) -> PageResult {
    let review = drafts::to_review(&s.svc, &ctx.access).await?;
    Ok(render(&drafts_page(&ctx, review, f)))
}

fn drafts_page(ctx: &Ctx, review: Review, f: DraftsFilter) -> DraftsPage {
    let partial = review.partial.iter().map(|k| partial_of(ctx, *k)).collect();
    let all = review.items;
    let total = all.len();
    let from_programs = all.iter().filter(|d| d.created_by.is_program()).count();
    let rows = all
        .into_iter()
        .filter(|d| match f.by.as_str() {
            "programs" => d.created_by.is_program(),
            "people" => !d.created_by.is_program(),
            _ => true,
        })
        .map(|d| draft_row(ctx, d))
        .collect();
    DraftsPage {
        layout: ctx.layout("Drafts to review", "drafts"),
        rows,
        total,
        from_programs,
        filter: f.by,
        partial,
        max_per_kind: drafts::MAX_PER_KIND,
    }
}

fn partial_of(ctx: &Ctx, k: DraftKind) -> Partial {
    let (label, list) = match k {
        DraftKind::Invoice => ("invoices", "/invoices?status=draft"),
        DraftKind::Bill => ("bills", "/bills?status=draft"),
        DraftKind::Expense => ("expenses", "/expenses?status=draft"),
        DraftKind::Journal => (
            "journal entries",
            "/journal?status=draft&source=manual&from=",
        ),
    };
    Partial {
        label,
        href: ctx.url(list),
    }
}

fn draft_row(ctx: &Ctx, d: DraftItem) -> DraftRow {
    let href = ctx.url(&format!("/{}/{}", d.kind.segment(), d.id));
    DraftRow {
        kind: d.kind.label(),
        action_url: href.clone(),
        href,
        number: d.number,
        date: date(d.date),
        description: d.description,
        total: money(d.total, ctx.currency()),
        drafted_by: d.created_by_label,
        by_program: d.created_by.is_program(),
        drafted_at: ctx.when.relative(d.created_at),
        version: d.version,
        can_approve: ctx.can(d.kind.approve_permission()),
        approve_label: if d.kind == DraftKind::Journal {
            "Post"
        } else {
            "Approve"
        },
        can_change: ctx.can(d.kind.draft_permission()),
    }
}
