//! The dashboard: cash position and its trend, receivables and payables aging, and what
//! needs attention (drafts to review, overdue invoices, idle API credential apps). Each part
//! shows only when the person may read it.

use super::charts;
use super::session::Ctx;
use super::view::{PageResult, date, money, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use chrono::{Datelike, Months, NaiveDate};
use newledger_domain::document::DocumentKind;
use newledger_domain::permission::Permission;
use newledger_domain::report::Aging;
use newledger_service::app_connect::apps;
use newledger_service::books::{documents, drafts};
use newledger_service::reports;
use newledger_store::{AppStatus, ListQuery};
use std::collections::HashMap;

/// An app that has not been used for this long is flagged as idle.
const IDLE_MS: i64 = 30 * 24 * 3600 * 1000;

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
    last_used: String,
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

fn aging_view(
    a: &Aging,
    receivable: bool,
    cur: newledger_domain::money::Currency,
) -> Result<AgingView, newledger_service::Error> {
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
fn major_units(minor: i64, cur: newledger_domain::money::Currency) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let v = minor as f64;
    v / 10f64.powi(i32::from(cur.exponent()))
}

async fn cash_view(
    s: &AppState,
    ctx: &Ctx,
    today: NaiveDate,
) -> Result<CashView, newledger_service::Error> {
    let cur = ctx.currency();
    let first_of_month = today.with_day(1).unwrap_or(today);
    let from = first_of_month
        .checked_sub_months(Months::new(11))
        .unwrap_or(first_of_month);
    let cs = reports::cash_summary(&s.svc, &ctx.access, from, today).await?;
    let nets: HashMap<&str, i64> = cs
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.net.minor))
        .collect();
    let mut balance = cs.total_opening.minor;
    let mut labels = Vec::new();
    let mut values = Vec::new();
    let mut months = Vec::new();
    let mut m = from;
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
    let today = s.svc.clock.today();
    let cur = ctx.currency();
    let reports_ok = ctx.can(Permission::ReportsRead);
    let cash = if reports_ok {
        Some(cash_view(&s, &ctx, today).await?)
    } else {
        None
    };
    let (ar, ap) = if reports_ok {
        let ar = reports::aging(&s.svc, &ctx.access, DocumentKind::Invoice, today).await?;
        let ap = reports::aging(&s.svc, &ctx.access, DocumentKind::Bill, today).await?;
        (
            Some(aging_view(&ar, true, cur)?),
            Some(aging_view(&ap, false, cur)?),
        )
    } else {
        (None, None)
    };
    let drafts = match drafts::to_review(&s.svc, &ctx.access).await {
        Ok(d) => Some((
            d.items.len(),
            d.items.iter().filter(|x| x.created_by.is_program()).count(),
        )),
        Err(newledger_service::Error::Forbidden { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let overdue = if ctx.can(Permission::InvoicesRead) {
        let page = documents::list(
            &s.svc,
            &ctx.access,
            DocumentKind::Invoice,
            ListQuery {
                limit: 200,
                overdue_as_of: Some(today),
                ..Default::default()
            },
        )
        .await?;
        let names = super::books::contact_names(&s, &ctx).await?;
        let mut rows: Vec<_> = page.data;
        rows.sort_by_key(|d| d.due_date);
        Some(
            rows.into_iter()
                .take(8)
                .map(|d| OverdueRow {
                    href: ctx.url(&format!("/invoices/{}", d.id)),
                    number: d.number.clone(),
                    contact: d
                        .contact_id
                        .as_ref()
                        .and_then(|c| names.get(c.as_str()).cloned())
                        .unwrap_or_default(),
                    due: date(d.due_date),
                    outstanding: money(d.lifecycle().outstanding(), cur),
                })
                .collect(),
        )
    } else {
        None
    };
    let idle_apps = if ctx.can(Permission::AppConnectManage) {
        let now = s.svc.clock.now_ms();
        Some(
            apps::list(&s.svc, &ctx.access, false)
                .await?
                .into_iter()
                .filter(|a| a.status == AppStatus::Active)
                .filter(|a| now - a.last_used_at.unwrap_or(a.created_at) > IDLE_MS)
                .map(|a| IdleApp {
                    href: ctx.url(&format!("/settings/app-connect/apps/{}", a.id)),
                    name: a.name,
                    last_used: super::view::instant_or(a.last_used_at, "never used"),
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(render(&DashboardPage {
        layout: ctx.layout("Dashboard", "dashboard"),
        today: date(today),
        cash,
        ar,
        ap,
        drafts,
        overdue,
        idle_apps,
    }))
}
