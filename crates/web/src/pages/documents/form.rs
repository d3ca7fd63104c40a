//! Writing a new draft invoice, bill or expense, and editing a draft before approving it (the
//! person's side of "programs draft, people post"). The service validates and writes with the
//! version the person reviewed, so a program and a person cannot overwrite each other. *Add
//! line* is a submit button that re-renders the form with one more row (no JavaScript needed);
//! `app.js` adds the row in place and keeps the totals live, and the server recomputes
//! everything on save.

use super::{Doc, kind_info};
use crate::pages::lists::{Opt, choices, version_of};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{
    PageError, PageForm, PageResult, field_label, money, redirect_with_notice, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use newledger_domain::account::Account;
use newledger_domain::document::Document;
use newledger_domain::document::{DocumentAction, DocumentKind, LineInput};
use newledger_domain::ids::{AccountId, ContactId};
use newledger_service::books::documents::{self, DocumentInput};
use newledger_service::views;
use newledger_service::views::documents::FormChoices;
use newledger_service::{Error, Result as ServiceResult};
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
    fn blank(today: NaiveDate) -> Self {
        Typed {
            contact: String::new(),
            payment_account: String::new(),
            issue_date: today.to_string(),
            due_date: String::new(),
            reference: String::new(),
            lines: Vec::new(),
        }
    }

    fn of_document(d: &Document) -> Self {
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

/// `GET /app/{company_id}/{invoices|bills|expenses}/new`.
pub async fn new(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(kind): Extension<DocumentKind>,
) -> PageResult {
    ctx.access.require(kind.info().draft)?;
    let typed = Typed::blank(ctx.access.today(s.svc.clock.as_ref()));
    Form::new(kind, None, &typed, NEW_LINES)
        .render(&s, &ctx)
        .await
}

/// `POST /app/{company_id}/{invoices|bills|expenses}`: a new draft (or, with `add_line`, the
/// same form with one more row).
pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(kind): Extension<DocumentKind>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(kind.info().draft)?;
    let typed = Typed::of_form(&form);
    let write = async |input| documents::create_draft(&s.svc, &ctx.access, kind, input).await;
    let saved = |d: &Document| {
        let (segment, noun) = (kind.info().segment, kind.info().title);
        let notice = format!(
            "{noun} {} saved as a draft. Check it, then approve it to post it.",
            d.number
        );
        redirect_with_notice(&ctx.url(&format!("/{segment}/{}", d.id)), &notice)
    };
    submit(
        &s,
        &ctx,
        Form::new(kind, None, &typed, 0),
        &form,
        write,
        saved,
    )
    .await
}

/// `GET …/{id}/edit`.
pub async fn edit(State(s): State<AppState>, ctx: Ctx, doc: Doc) -> PageResult {
    let d = editable(&s, &ctx, &doc).await?;
    let typed = Typed::of_document(&d);
    Form::new(doc.kind, Some(&d), &typed, SPARE_LINES)
        .render(&s, &ctx)
        .await
}

/// `POST …/{id}/edit`: saves the draft (it stays a draft).
pub async fn save(State(s): State<AppState>, ctx: Ctx, doc: Doc, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let d = editable(&s, &ctx, &doc).await?;
    let (typed, version) = (Typed::of_form(&form), version_of(&form));
    let write = async |input| {
        documents::update_draft(&s.svc, &ctx.access, doc.kind, &doc.id, version, input).await
    };
    let saved = |d: &Document| {
        let notice = format!("{} {} saved. It is still a draft.", doc.noun(), d.number);
        redirect_with_notice(&doc.url(&ctx, ""), &notice)
    };
    submit(
        &s,
        &ctx,
        Form::new(doc.kind, Some(&d), &typed, 0),
        &form,
        write,
        saved,
    )
    .await
}

/// Reads the submitted form and writes it with `write`, then answers with `saved`; or answers
/// with the form again: one more row (`add_line`), or what was wrong.
async fn submit(
    s: &AppState,
    ctx: &Ctx,
    again: Form<'_>,
    form: &PageForm,
    write: impl AsyncFnOnce(DocumentInput) -> ServiceResult<Document>,
    saved: impl FnOnce(&Document) -> Response,
) -> PageResult {
    if !form.get("add_line").is_empty() {
        return again.spare(1).render(s, ctx).await;
    }
    let input = match parse_input(again.kind, again.typed) {
        Ok(i) => i,
        Err(errors) => return again.refused(errors).render(s, ctx).await,
    };
    match write(input).await {
        Ok(d) => Ok(saved(&d)),
        Err(Error::Invalid { field, reason }) => {
            let msg = format!("{}: {reason}", field_label(&field));
            again.refused(vec![msg]).render(s, ctx).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The draft a person may edit: they may draft this kind and it is still a draft.
async fn editable(s: &AppState, ctx: &Ctx, doc: &Doc) -> Result<Document, PageError> {
    ctx.access.require(doc.kind.info().draft)?;
    let d = documents::get(&s.svc, &ctx.access, doc.kind, &doc.id).await?;
    d.check(DocumentAction::Edit).map_err(Error::from)?;
    Ok(d)
}

/// The form page to show: a new document (`draft` is `None`) or a draft being edited, with
/// what was typed, spare rows and what was wrong.
struct Form<'a> {
    kind: DocumentKind,
    draft: Option<&'a Document>,
    typed: &'a Typed,
    spare: usize,
    errors: Vec<String>,
    status: StatusCode,
}

impl<'a> Form<'a> {
    fn new(
        kind: DocumentKind,
        draft: Option<&'a Document>,
        typed: &'a Typed,
        spare: usize,
    ) -> Self {
        Form {
            kind,
            draft,
            typed,
            spare,
            errors: Vec::new(),
            status: StatusCode::OK,
        }
    }

    fn spare(mut self, spare: usize) -> Self {
        self.spare = spare;
        self
    }

    fn refused(mut self, errors: Vec<String>) -> Self {
        self.errors = errors;
        self.status = StatusCode::UNPROCESSABLE_ENTITY;
        self
    }

    async fn render(self, s: &AppState, ctx: &Ctx) -> PageResult {
        let choices = views::documents::form_choices(&s.svc, &ctx.access, self.kind).await?;
        let status = self.status;
        Ok(render_status(status, &self.page(ctx, &choices)))
    }

    fn page(self, ctx: &Ctx, offered: &FormChoices) -> EditPage {
        let (segment, _, noun) = kind_info(self.kind);
        let typed = self.typed;
        let mut rows: Vec<[String; 5]> = typed.lines.clone();
        let spare = self.spare.min(MAX_LINES.saturating_sub(rows.len()));
        rows.extend((0..spare).map(|_| Default::default()));
        let (net, tax) = typed_totals(typed);
        let amount = |v: Decimal| money(minor_units(v), ctx.currency());
        let (title, action_url, back_url, number, version) = match self.draft {
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
        EditPage {
            layout: ctx.layout(title, segment),
            noun,
            number,
            action_url,
            back_url,
            subtotal: amount(net),
            tax: amount(tax),
            total: amount(net + tax),
            currency: ctx.currency().to_string(),
            is_expense: self.kind == DocumentKind::Expense,
            contact_required: self.kind != DocumentKind::Expense,
            contacts: choices(&offered.contacts, &typed.contact),
            payment_accounts: account_opts(&offered.accounts, &typed.payment_account, |a| {
                a.role.is_money()
            }),
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
                        accounts: account_opts(&offered.accounts, &account, |a| {
                            !a.role.is_control() && !a.role.is_money()
                        }),
                        description,
                        quantity,
                        unit_price,
                        tax_rate,
                    },
                )
                .collect(),
            errors: self.errors,
        }
    }
}

/// The unarchived accounts `fit` allows, `selected` chosen.
fn account_opts(chart: &[Account], selected: &str, fit: impl Fn(&Account) -> bool) -> Vec<Opt> {
    chart
        .iter()
        .filter(|a| !a.archived && fit(a))
        .map(|a| Opt {
            value: a.id.to_string(),
            label: format!("{} {}", a.code, a.name),
            selected: a.id.as_str() == selected,
        })
        .collect()
}

/// A decimal amount as minor units (cents), cut toward zero.
fn minor_units(v: Decimal) -> i64 {
    (v * Decimal::ONE_HUNDRED)
        .trunc()
        .to_string()
        .parse::<i64>()
        .unwrap_or(0)
}

fn parse_input(kind: DocumentKind, t: &Typed) -> Result<DocumentInput, Vec<String>> {
    let mut errors = Vec::new();
    let date = |field: &str, v: &str, errors: &mut Vec<String>| -> Option<NaiveDate> {
        match crate::pages::view::parse_date(field, v) {
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
