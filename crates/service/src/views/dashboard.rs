//! The dashboard's figures: cash position over the last twelve months, receivables and
//! payables aging, drafts waiting, the most overdue invoices and idle apps. Each part is there
//! only when the reader may read it (None otherwise).

use super::documents::{self, DocumentView};
use crate::books::drafts;
use crate::reports::{self, CashSummary};
use crate::{Access, Error, Result, Services};
use chrono::{Datelike, Months, NaiveDate};
use newledger_domain::app::{App, AppStatus};
use newledger_domain::document::DocumentKind;
use newledger_domain::permission::Permission;
use newledger_domain::report::Aging;
use newledger_store::ListQuery;

/// An app that has not been used for this long is idle.
pub const IDLE_MS: i64 = 30 * 24 * 3600 * 1000;
/// Overdue invoices shown.
pub const OVERDUE_SHOWN: usize = 8;
/// Overdue invoices read to find the most overdue (in id order).
const OVERDUE_READ: i64 = 200;

/// What the dashboard shows.
#[derive(Clone, Debug)]
pub struct Dashboard {
    /// Today, the day the figures are as of.
    pub today: NaiveDate,
    /// Money accounts from the first day of the month eleven months ago to today.
    pub cash: Option<CashSummary>,
    /// Receivables aging today.
    pub ar: Option<Aging>,
    /// Payables aging today.
    pub ap: Option<Aging>,
    /// Drafts waiting for review: (all, drafted by programs).
    pub drafts: Option<(usize, usize)>,
    /// The most overdue invoices, earliest due first.
    pub overdue: Option<Vec<DocumentView>>,
    /// Active apps unused for [`IDLE_MS`].
    pub idle_apps: Option<Vec<App>>,
}

/// The dashboard of the reader's company.
pub async fn figures(svc: &Services, access: &Access) -> Result<Dashboard> {
    let today = access.today(svc.clock.as_ref());
    let can = |p| access.permissions.contains(p);
    let (cash, ar, ap) = if can(Permission::ReportsRead) {
        let first_of_month = today.with_day(1).unwrap_or(today);
        let from = first_of_month
            .checked_sub_months(Months::new(11))
            .unwrap_or(first_of_month);
        (
            Some(reports::cash_summary(svc, access, from, today).await?),
            Some(reports::aging(svc, access, DocumentKind::Invoice, today).await?),
            Some(reports::aging(svc, access, DocumentKind::Bill, today).await?),
        )
    } else {
        (None, None, None)
    };
    let drafts = match drafts::to_review(svc, access).await {
        Ok(d) => Some((
            d.items.len(),
            d.items.iter().filter(|x| x.created_by.is_program()).count(),
        )),
        Err(Error::Forbidden { .. }) => None,
        Err(e) => return Err(e),
    };
    let overdue = if can(Permission::InvoicesRead) {
        let q = ListQuery {
            limit: OVERDUE_READ,
            overdue_as_of: Some(today),
            ..Default::default()
        };
        let page = documents::list(svc, access, DocumentKind::Invoice, q).await?;
        let mut rows = page.data.clone();
        rows.sort_by_key(|d| d.doc.due_date);
        rows.truncate(OVERDUE_SHOWN);
        Some(rows)
    } else {
        None
    };
    let idle_apps = if can(Permission::AppConnectManage) {
        let now = svc.clock.now_ms();
        Some(
            crate::app_connect::apps::list(svc, access, false)
                .await?
                .into_iter()
                .filter(|a| a.status == AppStatus::Active)
                .filter(|a| now - a.last_used_at.unwrap_or(a.created_at) > IDLE_MS)
                .collect(),
        )
    } else {
        None
    };
    Ok(Dashboard {
        today,
        cash,
        ar,
        ap,
        drafts,
        overdue,
        idle_apps,
    })
}
