//! The dashboard: cash position and its trend, receivables and payables aging, and what
//! needs attention (drafts to review, overdue invoices, idle API credential apps). Each part
//! shows only when the person may read it.

use super::charts;
use super::session::Ctx;
use super::view::{PageResult, date, money, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use chrono::{Months, NaiveDate};
use newledger_domain::money::Currency;
use newledger_domain::report::Aging;
use newledger_service::Error;
use newledger_service::reports::CashSummary;
use newledger_service::views::dashboard;
use newledger_service::views::documents::DocumentView;
use std::collections::HashMap;

struct CashView {
    total: String,
    accounts: Vec<(String, String)>,
    chart: String,
    months: Vec<(String, String)>,
}

struct AgingView {
    /// None when nothing is open (an empty chart says less than a sentence).
    chart: Option<String>,
    total: String,
    buckets: Vec<(&'static str, String)>,
}

struct OverdueRow {
    href: String,
    number: String,
    contact: String,
    due: String,
    outstanding: String,
}

struct IdleApp {
    href: String,
    name: String,
    last_used: super::when::MaybeMoment,
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct DashboardPage {
    layout: super::session::Layout,
    today: String,
    cash: Option<CashView>,
    ar: Option<AgingView>,
    ap: Option<AgingView>,
    drafts: Option<(usize, usize)>,
    overdue: Option<Vec<OverdueRow>>,
    idle_apps: Option<Vec<IdleApp>>,
}

fn aging_view(a: &Aging, receivable: bool, cur: Currency) -> Result<AgingView, Error> {
    let t = &a.total;
    let minor = [
        t.current.minor,
        t.days_1_30.minor,
        t.days_31_60.minor,
        t.days_61_90.minor,
        t.over_90.minor,
    ];
    let major = minor.map(|m| major_units(m, cur));
    Ok(AgingView {
        chart: if t.total.minor == 0 {
            None
        } else {
            Some(charts::aging_bars(&major, receivable)?)
        },
        total: money(t.total.minor, cur),
        buckets: [
            "Current",
            "1–30 days",
            "31–60 days",
            "61–90 days",
            "Over 90 days",
        ]
        .into_iter()
        .zip(minor.iter().map(|m| money(*m, cur)))
        .collect(),
    })
}

/// Minor units as a float in major units, for chart geometry only (never for sums).
fn major_units(minor: i64, cur: Currency) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let v = minor as f64;
    v / 10f64.powi(i32::from(cur.exponent()))
}

fn cash_view(cs: &CashSummary, today: NaiveDate, cur: Currency) -> Result<CashView, Error> {
    let nets: HashMap<&str, i64> = cs
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.net.minor))
        .collect();
    let mut balance = cs.total_opening.minor;
    let mut labels = Vec::new();
    let mut values = Vec::new();
    let mut months = Vec::new();
    let mut m = cs.from;
    while m <= today {
        let key = m.format("%Y-%m").to_string();
        balance += nets.get(key.as_str()).copied().unwrap_or(0);
        labels.push(m.format("%b").to_string());
        values.push(major_units(balance, cur));
        months.push((m.format("%b %Y").to_string(), money(balance, cur)));
        m = m
            .checked_add_months(Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    // The chart reads left to right; the table of its numbers starts with the latest month.
    months.reverse();
    Ok(CashView {
        total: money(cs.total_closing.minor, cur),
        accounts: cs
            .accounts
            .iter()
            .map(|a| {
                (
                    format!("{} {}", a.code, a.name),
                    money(a.closing.minor, cur),
                )
            })
            .collect(),
        chart: charts::cash_trend(&labels, &values)?,
        months,
    })
}

/// `GET /app/{company_id}`.
pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let f = dashboard::figures(&s.svc, &ctx.access).await?;
    Ok(render(&dashboard_page(&ctx, f)?))
}

fn dashboard_page(ctx: &Ctx, f: dashboard::Dashboard) -> Result<DashboardPage, Error> {
    let cur = ctx.currency();
    let aging = |a: &Option<Aging>, receivable| {
        a.as_ref()
            .map(|a| aging_view(a, receivable, cur))
            .transpose()
    };
    Ok(DashboardPage {
        layout: ctx.layout("Dashboard", "dashboard"),
        today: date(f.today),
        cash: f
            .cash
            .as_ref()
            .map(|c| cash_view(c, f.today, cur))
            .transpose()?,
        ar: aging(&f.ar, true)?,
        ap: aging(&f.ap, false)?,
        drafts: f.drafts,
        overdue: f
            .overdue
            .map(|rows| rows.iter().map(|v| overdue_row(ctx, v, cur)).collect()),
        idle_apps: f.idle_apps.map(|apps| {
            apps.into_iter()
                .map(|a| IdleApp {
                    href: ctx.url(&format!("/settings/app-connect/apps/{}", a.id)),
                    name: a.name,
                    last_used: ctx.when.relative_or(a.last_used_at, "never used"),
                })
                .collect()
        }),
    })
}

fn overdue_row(ctx: &Ctx, v: &DocumentView, cur: Currency) -> OverdueRow {
    let d = &v.doc;
    OverdueRow {
        href: ctx.url(&format!("/invoices/{}", d.id)),
        number: d.number.clone(),
        contact: v.contact_name.clone().unwrap_or_default(),
        due: date(d.due_date),
        outstanding: money(d.outstanding(), cur),
    }
}
