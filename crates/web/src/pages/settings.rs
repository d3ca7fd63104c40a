//! Settings → Company: name, time zone, lock date and fiscal year start. Everyone who can
//! open the company reads them; changing them needs `settings:manage` (checked by the service).

use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, date, parse_date, redirect_with_notice, render, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_domain::company::{Company, TimeZone};
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::company::{self, SettingsChange};

#[derive(Template)]
#[template(path = "pages/settings.html")]
struct SettingsPage {
    layout: Layout,
    can_change: bool,
    name: String,
    time_zone: String,
    lock_date: String,
    lock_date_text: String,
    fy_month: u32,
    fy_day: u32,
    months: Vec<(u32, &'static str)>,
    zones: Vec<&'static str>,
    now_there: String,
    errors: Vec<String>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn settings_page(ctx: &Ctx, c: &Company, errors: Vec<String>) -> SettingsPage {
    SettingsPage {
        layout: ctx.layout("Company settings", "settings"),
        can_change: ctx.can(Permission::SettingsManage),
        name: c.name.clone(),
        time_zone: c.time_zone.name().to_owned(),
        lock_date: c.lock_date.map(|d| d.to_string()).unwrap_or_default(),
        lock_date_text: c.lock_date.map_or_else(|| "none".into(), date),
        fy_month: c.fiscal_year_start_month,
        fy_day: c.fiscal_year_start_day,
        months: (1..=12).zip(MONTHS).collect(),
        zones: TimeZone::all_names().collect(),
        now_there: ctx.when.text(ctx.when.now_ms()),
        errors,
    }
}

/// `GET /app/{company_id}/settings/company`.
pub async fn show(ctx: Ctx) -> PageResult {
    Ok(render(&settings_page(
        &ctx,
        &ctx.access.company,
        Vec::new(),
    )))
}

/// What the form asks to change; a field that cannot be read is a message, not a change.
fn change_of(form: &PageForm) -> Result<(Option<chrono::NaiveDate>, (u32, u32)), String> {
    let lock = parse_date("lock_date", form.get("lock_date"))?;
    let month = form
        .get("fy_month")
        .parse()
        .map_err(|_| "Fiscal year start: pick a month".to_owned())?;
    let day = form
        .get("fy_day")
        .parse()
        .map_err(|_| "Fiscal year start: enter a day of the month".to_owned())?;
    Ok((lock, (month, day)))
}

/// `POST /app/{company_id}/settings/company`.
pub async fn save(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let refused = |m: String| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &settings_page(&ctx, &ctx.access.company, vec![m]),
        )
    };
    let (lock, fy) = match change_of(&form) {
        Ok(v) => v,
        Err(m) => return Ok(refused(m)),
    };
    let change = SettingsChange {
        name: Some(form.get("name")),
        lock_date: Some(lock),
        fiscal_year_start: Some(fy),
        time_zone: Some(form.get("time_zone")),
    };
    match company::change_settings(&s.svc, &ctx.access, change).await {
        Ok(_) => Ok(redirect_with_notice(
            &ctx.url("/settings/company"),
            "Company settings saved.",
        )),
        Err(Error::Invalid { field, reason }) => Ok(refused(format!(
            "{}: {reason}",
            super::view::field_label(&field)
        ))),
        Err(e) => Err(PageError::Service(e)),
    }
}
