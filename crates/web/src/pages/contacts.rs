//! Contacts (list with search, detail with their documents, forms to add and edit one) and the chart
//! of accounts with balances.

use super::confirm;
use super::documents::kind_info;
use super::lists::{Opt, PAGE_SIZE, next_href};
use super::session::{Ctx, Layout};
use super::view::{
    PageError, PageForm, PageResult, date, field_label, money, redirect_with_notice, render,
    render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use newledger_domain::account::Account;
use newledger_domain::contact::Contact;
use newledger_domain::document::Document;
use newledger_domain::ids::ContactId;
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::contacts::ContactInput;
use newledger_service::books::{accounts, contacts};
use newledger_service::reports;
use newledger_service::views::{self, ListQuery, Page};
use serde::Deserialize;
use std::collections::HashMap;

/// Filters of the contact list.
#[derive(Debug, Default, Deserialize)]
pub struct ContactFilter {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    cursor: String,
}

struct ContactRow {
    href: String,
    name: String,
    email: String,
    customer: bool,
    supplier: bool,
}

#[derive(Template)]
#[template(path = "pages/contacts.html")]
struct ContactsPage {
    layout: Layout,
    rows: Vec<ContactRow>,
    q: String,
    kinds: Vec<Opt>,
    can_write: bool,
    next: Option<String>,
}

/// `GET /app/{company_id}/contacts`.
pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<ContactFilter>,
) -> PageResult {
    let page = contacts::list(
        &s.svc,
        &ctx.access,
        ListQuery {
            limit: PAGE_SIZE,
            search: Some(f.q.trim().to_owned()).filter(|q| !q.is_empty()),
            status: ["customer", "supplier"]
                .contains(&f.kind.as_str())
                .then(|| f.kind.clone()),
            after: Some(f.cursor.clone()).filter(|c| !c.is_empty()),
            ..Default::default()
        },
    )
    .await?;
    Ok(render(&list_page(&ctx, f, page)))
}

fn list_page(ctx: &Ctx, f: ContactFilter, page: Page<Contact>) -> ContactsPage {
    let mut rows: Vec<ContactRow> = page
        .data
        .into_iter()
        .map(|c| ContactRow {
            href: ctx.url(&format!("/contacts/{}", c.id)),
            name: c.name,
            email: c.email.unwrap_or_default(),
            customer: c.is_customer,
            supplier: c.is_supplier,
        })
        .collect();
    rows.sort_by_key(|r| r.name.to_lowercase());
    let kinds = [
        ("", "Customers and suppliers"),
        ("customer", "Customers"),
        ("supplier", "Suppliers"),
    ]
    .into_iter()
    .map(|(v, l)| Opt {
        value: v.into(),
        label: l.into(),
        selected: v == f.kind,
    })
    .collect();
    let next = page
        .next_cursor
        .map(|c| next_href(&ctx.url("/contacts"), &[("q", &f.q), ("kind", &f.kind)], &c));
    ContactsPage {
        layout: ctx.layout("Contacts", "contacts"),
        rows,
        q: f.q,
        kinds,
        can_write: ctx.can(Permission::ContactsWrite),
        next,
    }
}

struct DocLink {
    href: String,
    label: String,
    number: String,
    status: &'static str,
    date: String,
    total: String,
}

#[derive(Template)]
#[template(path = "pages/contact.html")]
struct ContactPage {
    layout: Layout,
    name: String,
    email: String,
    tax_number: String,
    address: String,
    roles: String,
    id: String,
    documents: Vec<DocLink>,
    can_edit: bool,
    deletable: bool,
    kept_because: Option<String>,
}

fn contact_id(id: &str) -> Result<ContactId, PageError> {
    ContactId::parse(id).map_err(|_| PageError::Service(Error::NotFound("contact")))
}

/// `GET /app/{company_id}/contacts/{id}`.
pub async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    let v = views::contacts::detail(&s.svc, &ctx.access, &contact_id(&id)?).await?;
    Ok(render(&contact_page(&ctx, v)))
}

fn doc_link(ctx: &Ctx, d: Document) -> DocLink {
    let (segment, _, noun) = kind_info(d.kind);
    DocLink {
        href: ctx.url(&format!("/{segment}/{}", d.id)),
        label: noun.into(),
        number: d.number,
        status: d.status.as_str(),
        date: date(d.issue_date),
        total: money(d.total, ctx.currency()),
    }
}

fn contact_page(ctx: &Ctx, v: views::contacts::ContactView) -> ContactPage {
    let c = v.contact;
    let roles = match (c.is_customer, c.is_supplier) {
        (true, true) => "Customer and supplier",
        (true, false) => "Customer",
        (false, true) => "Supplier",
        (false, false) => "Neither customer nor supplier",
    };
    ContactPage {
        layout: ctx.layout(c.name.clone(), "contacts"),
        name: c.name,
        email: c.email.unwrap_or_default(),
        tax_number: c.tax_number.unwrap_or_default(),
        address: c.address.unwrap_or_default(),
        roles: roles.into(),
        id: c.id.to_string(),
        documents: v.documents.into_iter().map(|d| doc_link(ctx, d)).collect(),
        can_edit: ctx.can(Permission::ContactsWrite),
        deletable: v.deletable,
        kept_because: v.kept_because,
    }
}

/// What the confirmation page says before a contact is deleted.
fn ask_delete(ctx: &Ctx, c: &Contact) -> confirm::Confirm {
    confirm::Confirm {
        title: format!("Delete {}?", c.name),
        message: format!(
            "{} disappears from your contacts. Nothing in the books refers to it, so no document or entry changes. This cannot be undone.",
            c.name
        ),
        button: "Delete contact".into(),
        back: ctx.url(&format!("/contacts/{}", c.id)),
    }
}

/// `POST /app/{company_id}/contacts/{id}/delete`: asks first, then deletes a contact that
/// nothing refers to (the service refuses one in use, with the reason).
pub async fn delete(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let c = editable(&s, &ctx, &id).await?;
    if !confirm::confirmed(&form) {
        let action = ctx.url(&format!("/contacts/{}/delete", c.id));
        return confirm::page(&ctx, action, &form, ask_delete(&ctx, &c));
    }
    let gone = contacts::delete(&s.svc, &ctx.access, &c.id).await?;
    Ok(redirect_with_notice(
        &ctx.url("/contacts"),
        &format!("Contact {} deleted.", gone.name),
    ))
}

#[derive(Template)]
#[template(path = "pages/contact_form.html")]
struct ContactFormPage {
    layout: Layout,
    t: FormTarget,
    name: String,
    email: String,
    tax_number: String,
    address: String,
    customer: bool,
    supplier: bool,
    errors: Vec<String>,
}

/// What the form shows: a new contact, or the one being edited.
struct FormTarget {
    heading: String,
    crumb: &'static str,
    action_url: String,
    back_url: String,
    submit_label: &'static str,
    version: Option<i64>,
}

fn new_target(ctx: &Ctx) -> FormTarget {
    FormTarget {
        heading: "Add a contact".into(),
        crumb: "New",
        action_url: ctx.url("/contacts"),
        back_url: ctx.url("/contacts"),
        submit_label: "Add contact",
        version: None,
    }
}

fn edit_target(ctx: &Ctx, c: &Contact) -> FormTarget {
    let detail = ctx.url(&format!("/contacts/{}", c.id));
    FormTarget {
        heading: format!("Edit {}", c.name),
        crumb: "Edit",
        action_url: format!("{detail}/edit"),
        back_url: detail,
        submit_label: "Save contact",
        version: Some(c.version),
    }
}

fn form_page(
    ctx: &Ctx,
    t: FormTarget,
    values: ContactInput,
    errors: Vec<String>,
) -> ContactFormPage {
    ContactFormPage {
        layout: ctx.layout(t.heading.clone(), "contacts"),
        t,
        name: values.name,
        email: values.email.unwrap_or_default(),
        tax_number: values.tax_number.unwrap_or_default(),
        address: values.address.unwrap_or_default(),
        customer: values.is_customer,
        supplier: values.is_supplier,
        errors,
    }
}

/// The form's fields as the service's input.
fn input_of(form: &PageForm) -> ContactInput {
    let opt = |k: &str| form.opt(k).map(str::to_owned);
    ContactInput {
        name: form.get("name").to_owned(),
        email: opt("email"),
        is_customer: form.get("is_customer") == "on",
        is_supplier: form.get("is_supplier") == "on",
        tax_number: opt("tax_number"),
        address: opt("address"),
    }
}

/// Redirects to the saved contact, or shows the form again with what was typed and why not.
fn saved_or_refused(
    ctx: &Ctx,
    t: FormTarget,
    form: &PageForm,
    saved: Result<Contact, Error>,
    notice: &str,
) -> PageResult {
    match saved {
        Ok(c) => Ok(redirect_with_notice(
            &ctx.url(&format!("/contacts/{}", c.id)),
            &format!("Contact {} {notice}.", c.name),
        )),
        Err(Error::Invalid { field, reason }) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(
                ctx,
                t,
                input_of(form),
                vec![format!("{}: {reason}", field_label(&field))],
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /app/{company_id}/contacts/new`.
pub async fn new_form(ctx: Ctx) -> PageResult {
    ctx.access.require(Permission::ContactsWrite)?;
    let blank = ContactInput {
        is_customer: true,
        ..Default::default()
    };
    Ok(render(&form_page(
        &ctx,
        new_target(&ctx),
        blank,
        Vec::new(),
    )))
}

/// `POST /app/{company_id}/contacts`.
pub async fn create(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let saved = contacts::create(&s.svc, &ctx.access, input_of(&form)).await;
    saved_or_refused(&ctx, new_target(&ctx), &form, saved, "added")
}

async fn editable(s: &AppState, ctx: &Ctx, id: &str) -> Result<Contact, PageError> {
    ctx.access.require(Permission::ContactsWrite)?;
    Ok(contacts::get(&s.svc, &ctx.access, &contact_id(id)?).await?)
}

/// `GET /app/{company_id}/contacts/{id}/edit`.
pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> PageResult {
    let c = editable(&s, &ctx, &id).await?;
    Ok(render(&form_page(
        &ctx,
        edit_target(&ctx, &c),
        ContactInput::from(&c),
        Vec::new(),
    )))
}

/// `POST /app/{company_id}/contacts/{id}/edit`: saves with the version the person saw.
pub async fn save(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    form: PageForm,
) -> PageResult {
    ctx.check_csrf(&form)?;
    let c = editable(&s, &ctx, &id).await?;
    let version = form.get("version").parse().ok();
    let saved = contacts::update(&s.svc, &ctx.access, &c.id, version, input_of(&form)).await;
    saved_or_refused(&ctx, edit_target(&ctx, &c), &form, saved, "saved")
}

struct AccountRow {
    id: String,
    code: String,
    name: String,
    role: &'static str,
    archived: bool,
    balance: String,
}

struct AccountGroup {
    title: &'static str,
    rows: Vec<AccountRow>,
}

#[derive(Template)]
#[template(path = "pages/accounts.html")]
struct AccountsPage {
    layout: Layout,
    groups: Vec<AccountGroup>,
    with_balances: bool,
    as_of: String,
}

/// `GET /app/{company_id}/accounts`: the chart, grouped by class, with balances today.
pub async fn accounts_list(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    let list = accounts::list(&s.svc, &ctx.access).await?;
    let today = ctx.access.today(s.svc.clock.as_ref());
    let balances: HashMap<String, i64> = if ctx.can(Permission::ReportsRead) {
        reports::trial_balance(&s.svc, &ctx.access, today)
            .await?
            .rows
            .into_iter()
            .map(|r| (r.account_id.to_string(), r.debit.minor - r.credit.minor))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(render(&accounts_page(&ctx, &list, &balances, today)))
}

/// The chart grouped by class, each account with its balance on its natural side.
fn accounts_page(
    ctx: &Ctx,
    list: &[Account],
    balances: &HashMap<String, i64>,
    today: chrono::NaiveDate,
) -> AccountsPage {
    use newledger_domain::account::AccountClass;
    let cur = ctx.currency();
    let classes = [
        (AccountClass::Asset, "Assets"),
        (AccountClass::Liability, "Liabilities"),
        (AccountClass::Equity, "Equity"),
        (AccountClass::Revenue, "Revenue"),
        (AccountClass::Expense, "Expenses"),
    ];
    let groups = classes
        .into_iter()
        .map(|(class, title)| AccountGroup {
            title,
            rows: list
                .iter()
                .filter(|a| a.class == class)
                .map(|a| {
                    let dr_minus_cr = balances.get(a.id.as_str()).copied().unwrap_or(0);
                    let natural = if class.debit_normal() {
                        dr_minus_cr
                    } else {
                        -dr_minus_cr
                    };
                    AccountRow {
                        id: a.id.to_string(),
                        code: a.code.clone(),
                        name: a.name.clone(),
                        role: a.role.as_str(),
                        archived: a.archived,
                        balance: money(natural, cur),
                    }
                })
                .collect(),
        })
        .collect();
    AccountsPage {
        layout: ctx.layout("Chart of accounts", "accounts"),
        groups,
        with_balances: ctx.can(Permission::ReportsRead),
        as_of: date(today),
    }
}
