//! Writing a new draft invoice, bill or expense, and editing a draft before approving it (the
//! person's side of "programs draft, people post"). The service validates and writes with the
//! version the person reviewed, so a program and a person cannot overwrite each other. *Add
//! line* is a submit button that re-renders the form with one more row (no JavaScript needed);
//! `app.js` adds the row in place and keeps the totals live, and the server recomputes
//! everything on save.

use super::books::{Opt, kind_info, kind_of_segment, parse_doc_id};
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, field_label, money, redirect_with_notice, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use newledger_domain::document::{DocumentAction, DocumentKind, LineInput};
use newledger_domain::ids::{AccountId, ContactId};
use newledger_service::Error;
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::books::{accounts, contacts};
use newledger_service::views::{DocumentRecord, ListQuery};
use rust_decimal::Decimal;

/// Empty line rows offered below the existing ones.
const SPARE_LINES: usize = 2;
/// Rows of a new document's form.
const NEW_LINES: usize = 3;
/// Most rows a form may hold.
const MAX_LINES: usize = 200;

struct LineForm {
    index: usize,
    description: String,
    quantity: String,
    unit_price: String,
    tax_rate: String,
    accounts: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "pages/document_edit.html")]
struct EditPage {
    layout: Layout,
    noun: &'static str,
    /// Empty for a new document.
    number: String,
    action_url: String,
    subtotal: String,
    tax: String,
    total: String,
    currency: String,
    back_url: String,
    is_expense: bool,
    contact_required: bool,
    contacts: Vec<Opt>,
    payment_accounts: Vec<Opt>,
    issue_date: String,
    due_date: String,
    reference: String,
    version: i64,
    lines: Vec<LineForm>,
    errors: Vec<String>,
}

/// What the form holds, as typed.
struct Typed {
    contact: String,
    payment_account: String,
    issue_date: String,
    due_date: String,
    reference: String,
    lines: Vec<[String; 5]>,
}

impl Typed {
    fn of_document(d: &DocumentRecord) -> Self {
        Typed {
            contact: d
                .contact_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            payment_account: d
                .payment_account_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            issue_date: d.issue_date.to_string(),
            due_date: d.due_date.to_string(),
            reference: d.reference.clone(),
            lines: d
                .lines
                .iter()
                .map(|l| {
                    [
                        l.input.description.clone(),
                        l.input.quantity.normalize().to_string(),
                        l.input.unit_price.to_string(),
                        l.input.account_id.to_string(),
                        l.input.tax_rate.normalize().to_string(),
                    ]
                })
                .collect(),
        }
    }

    fn of_form(f: &PageForm) -> Self {
        let count = f
            .get("line_count")
            .parse::<usize>()
            .unwrap_or(0)
            .min(MAX_LINES);
        Typed {
            contact: f.get("contact").to_owned(),
            payment_account: f.get("payment_account").to_owned(),
            issue_date: f.get("issue_date").to_owned(),
            due_date: f.get("due_date").to_owned(),
            reference: f.get("reference").to_owned(),
            lines: (0..count)
                .map(|i| {
                    [
                        "description",
                        "quantity",
                        "unit_price",
                        "account",
                        "tax_rate",
                    ]
                    .map(|k| f.get(&format!("{k}_{i}")).to_owned())
                })
                .collect(),
        }
    }
}

/// Net, tax and total of the rows as typed (rows that do not parse count as zero); the
/// service computes the stored amounts.
fn typed_totals(t: &Typed) -> (Decimal, Decimal) {
    let num = |v: &str, default: Decimal| {
        if v.trim().is_empty() {
            default
        } else {
            v.trim().parse::<Decimal>().unwrap_or(Decimal::ZERO)
        }
    };
    t.lines
        .iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(n, x), [_, q, p, _, r]| {
            let net = (num(q, Decimal::ONE) * num(p, Decimal::ZERO))
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            let tax = (net * num(r, Decimal::ZERO) / Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            (n + net, x + tax)
        })
}

/// The form of a new document (`d` is `None`) or of a draft being edited.
#[allow(clippy::too_many_arguments)]
async fn page(
    s: &AppState,
    ctx: &Ctx,
    kind: DocumentKind,
    d: Option<&DocumentRecord>,
    typed: &Typed,
    spare: usize,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let (segment, _, noun) = kind_info(kind);
    let chart = accounts::list(&s.svc, &ctx.access).await?;
    let all_contacts = contacts::list(
        &s.svc,
        &ctx.access,
        ListQuery {
            limit: 1000,
            ..Default::default()
        },
    )
    .await?
    .data;
    let mut contact_choices: Vec<Opt> = all_contacts
        .into_iter()
        .filter(|c| match kind {
            DocumentKind::Invoice => c.is_customer,
            DocumentKind::Bill => c.is_supplier,
            DocumentKind::Expense => true,
        })
        .map(|c| Opt {
            selected: c.id.as_str() == typed.contact,
            value: c.id.to_string(),
            label: c.name,
        })
        .collect();
    contact_choices.sort_by(|a, b| a.label.cmp(&b.label));
    let line_accounts = |selected: &str| {
        chart
            .iter()
            .filter(|a| !a.archived && !a.role.is_control() && !a.role.is_money())
            .map(|a| Opt {
                value: a.id.to_string(),
                label: format!("{} {}", a.code, a.name),
                selected: a.id.as_str() == selected,
            })
            .collect::<Vec<_>>()
    };
    let mut rows: Vec<[String; 5]> = typed.lines.clone();
    let spare = spare.min(MAX_LINES.saturating_sub(rows.len()));
    rows.extend((0..spare).map(|_| Default::default()));
    let (net, tax) = typed_totals(typed);
    let cur = ctx.currency();
    let amount = |v: Decimal| {
        let minor = (v * Decimal::ONE_HUNDRED)
            .trunc()
            .to_string()
            .parse::<i64>()
            .unwrap_or(0);
        money(minor, cur)
    };
    let (title, action_url, back_url, number, version) = match d {
        Some(d) => (
            format!("Edit {noun} {}", d.number),
            ctx.url(&format!("/{segment}/{}/edit", d.id)),
            ctx.url(&format!("/{segment}/{}", d.id)),
            d.number.clone(),
            d.version,
        ),
        None => (
            format!("New {}", noun.to_lowercase()),
            ctx.url(&format!("/{segment}")),
            ctx.url(&format!("/{segment}")),
            String::new(),
            0,
        ),
    };
    Ok(render_status(
        status,
        &EditPage {
            layout: ctx.layout(title, segment),
            noun,
            number,
            action_url,
            back_url,
            subtotal: amount(net),
            tax: amount(tax),
            total: amount(net + tax),
            currency: cur.to_string(),
            is_expense: kind == DocumentKind::Expense,
            contact_required: kind != DocumentKind::Expense,
            contacts: contact_choices,
            payment_accounts: chart
                .iter()
                .filter(|a| a.role.is_money() && !a.archived)
                .map(|a| Opt {
                    value: a.id.to_string(),
                    label: format!("{} {}", a.code, a.name),
                    selected: a.id.as_str() == typed.payment_account,
                })
                .collect(),
            issue_date: typed.issue_date.clone(),
            due_date: typed.due_date.clone(),
            reference: typed.reference.clone(),
            version,
            lines: rows
                .into_iter()
                .enumerate()
                .map(
                    |(index, [description, quantity, unit_price, account, tax_rate])| LineForm {
                        index,
                        accounts: line_accounts(&account),
                        description,
                        quantity,
                        unit_price,
                        tax_rate,
                    },
                )
                .collect(),
            errors,
        },
    ))
}

async fn editable(
    s: &AppState,
    ctx: &Ctx,
    segment: &str,
    id: &str,
) -> Result<DocumentRecord, PageError> {
    let kind = kind_of_segment(segment)?;
    ctx.access.require(kind.info().draft)?;
    let d = documents::get(&s.svc, &ctx.access, kind, &parse_doc_id(kind, id)?).await?;
    d.lifecycle()
        .check(DocumentAction::Edit)
        .map_err(Error::from)?;
    Ok(d)
}

/// `GET /app/{company_id}/{invoices|bills|expenses}/{id}/edit`.
pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, segment, id, action)): Path<(String, String, String, String)>,
) -> PageResult {
    if action != "edit" {
        return Err(PageError::Service(Error::NotFound("page")));
    }
    let d = editable(&s, &ctx, &segment, &id).await?;
    page(
        &s,
        &ctx,
        d.kind,
        Some(&d),
        &Typed::of_document(&d),
        SPARE_LINES,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn new_kind(s: &AppState, ctx: &Ctx, kind: DocumentKind) -> PageResult {
    ctx.access.require(kind.info().draft)?;
    let typed = Typed {
        contact: String::new(),
        payment_account: String::new(),
        issue_date: s.svc.clock.today().to_string(),
        due_date: String::new(),
        reference: String::new(),
        lines: Vec::new(),
    };
    page(
        s,
        ctx,
        kind,
        None,
        &typed,
        NEW_LINES,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `GET /app/{company_id}/invoices/new`.
pub async fn new_invoice(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    new_kind(&s, &ctx, DocumentKind::Invoice).await
}

/// `GET /app/{company_id}/bills/new`.
pub async fn new_bill(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    new_kind(&s, &ctx, DocumentKind::Bill).await
}

/// `GET /app/{company_id}/expenses/new`.
pub async fn new_expense(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    new_kind(&s, &ctx, DocumentKind::Expense).await
}

/// `POST /app/{company_id}/invoices`.
pub async fn create_invoice(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    create(&s, &ctx, DocumentKind::Invoice, &form).await
}

/// `POST /app/{company_id}/bills`.
pub async fn create_bill(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    create(&s, &ctx, DocumentKind::Bill, &form).await
}

/// `POST /app/{company_id}/expenses`.
pub async fn create_expense(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    create(&s, &ctx, DocumentKind::Expense, &form).await
}

/// A new draft (or, with `add_line`, the same form with one more row).
async fn create(s: &AppState, ctx: &Ctx, kind: DocumentKind, form: &PageForm) -> PageResult {
    ctx.check_csrf(form)?;
    ctx.access.require(kind.info().draft)?;
    let typed = Typed::of_form(form);
    if !form.get("add_line").is_empty() {
        return page(s, ctx, kind, None, &typed, 1, Vec::new(), StatusCode::OK).await;
    }
    let input = match parse_input(kind, &typed) {
        Ok(i) => i,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(s, ctx, kind, None, &typed, 0, errors, status).await;
        }
    };
    match documents::create_draft(&s.svc, &ctx.access, kind, input).await {
        Ok(d) => {
            let (segment, _, noun) = kind_info(d.kind);
            Ok(redirect_with_notice(
                &ctx.url(&format!("/{segment}/{}", d.id)),
                &format!(
                    "{noun} {} saved as a draft. Check it, then approve it to post it.",
                    d.number
                ),
            ))
        }
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {reason}", field_label(&field));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(s, ctx, kind, None, &typed, 0, vec![msg], status).await
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_input(kind: DocumentKind, t: &Typed) -> Result<DocumentInput, Vec<String>> {
    let mut errors = Vec::new();
    let date = |field: &str, v: &str, errors: &mut Vec<String>| -> Option<NaiveDate> {
        match super::view::parse_date(field, v) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                None
            }
        }
    };
    let issue = date("issue_date", &t.issue_date, &mut errors);
    if issue.is_none() && errors.is_empty() {
        errors.push("Date: required".into());
    }
    let due = if kind == DocumentKind::Expense {
        None
    } else {
        date("due_date", &t.due_date, &mut errors)
    };
    let dec = |label: &str, n: usize, v: &str, errors: &mut Vec<String>| -> Decimal {
        v.trim().parse::<Decimal>().unwrap_or_else(|_| {
            errors.push(format!("Line {n}: {label} must be a number such as 12.50"));
            Decimal::ZERO
        })
    };
    let mut lines = Vec::new();
    for (i, [description, quantity, unit_price, account, tax_rate]) in t.lines.iter().enumerate() {
        if description.trim().is_empty() && unit_price.trim().is_empty() {
            continue; // an unused row
        }
        let n = i + 1;
        let account_id = match AccountId::parse(account) {
            Ok(a) => a,
            Err(_) => {
                errors.push(format!("Line {n}: choose an account"));
                continue;
            }
        };
        lines.push(LineInput {
            description: description.trim().to_owned(),
            quantity: if quantity.trim().is_empty() {
                Decimal::ONE
            } else {
                dec("quantity", n, quantity, &mut errors)
            },
            unit_price: dec("unit price", n, unit_price, &mut errors),
            account_id,
            tax_rate: if tax_rate.trim().is_empty() {
                Decimal::ZERO
            } else {
                dec("tax rate", n, tax_rate, &mut errors)
            },
        });
    }
    if lines.is_empty() {
        errors.push("Lines: add at least one line".into());
    }
    let contact_id = if t.contact.is_empty() {
        None
    } else {
        ContactId::parse(&t.contact).ok()
    };
    let payment_account_id = if kind == DocumentKind::Expense {
        AccountId::parse(&t.payment_account).ok()
    } else {
        None
    };
    match (errors.is_empty(), issue) {
        (true, Some(issue_date)) => Ok(DocumentInput {
            contact_id,
            issue_date,
            due_date: due,
            reference: t.reference.clone(),
            payment_account_id,
            lines,
        }),
        _ => Err(errors),
    }
}

/// `POST /app/{company_id}/{invoices|bills|expenses}/{id}/{action}`: `edit` saves the form
/// here; the lifecycle actions (approve, discard, void) are `books::document_action`.
pub async fn document_post(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(p): Path<(String, String, String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    if p.3 == "edit" {
        return save(&s, &ctx, &p.1, &p.2, &form).await;
    }
    super::books::document_action(State(s), ctx, Path(p), form).await
}

/// `POST /app/{company_id}/{invoices|bills|expenses}/{id}/edit` (CSRF already checked).
async fn save(s: &AppState, ctx: &Ctx, segment: &str, id: &str, form: &PageForm) -> PageResult {
    let d = editable(s, ctx, segment, id).await?;
    let typed = Typed::of_form(form);
    if !form.get("add_line").is_empty() {
        return page(
            s,
            ctx,
            d.kind,
            Some(&d),
            &typed,
            1,
            Vec::new(),
            StatusCode::OK,
        )
        .await;
    }
    let version = form.get("version").parse().ok();
    let input = match parse_input(d.kind, &typed) {
        Ok(i) => i,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(s, ctx, d.kind, Some(&d), &typed, 0, errors, status).await;
        }
    };
    match documents::update_draft(&s.svc, &ctx.access, d.kind, &d.id, version, input).await {
        Ok(saved) => {
            let (segment, _, noun) = kind_info(saved.kind);
            Ok(redirect_with_notice(
                &ctx.url(&format!("/{segment}/{}", saved.id)),
                &format!("{noun} {} saved. It is still a draft.", saved.number),
            ))
        }
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {reason}", field_label(&field));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(s, ctx, d.kind, Some(&d), &typed, 0, vec![msg], status).await
        }
        Err(e) => Err(e.into()),
    }
}
