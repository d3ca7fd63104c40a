//! Writing a manual journal in the web app: a new draft, or changes to a draft an app, a
//! connection or a colleague left for review. Saving never posts; posting stays a separate,
//! permission-checked step on the entry's page. The version the person reviewed travels
//! with the form, so a program and a person cannot overwrite each other.

use super::Entry;
use crate::pages::lists::{Opt, contact_names, version_of};
use crate::pages::session::{Ctx, Layout};
use crate::pages::view::{
    PageError, PageForm, PageResult, field_label, redirect_with_notice, render_status,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use newledger_domain::account::Account;
use newledger_domain::ids::{AccountId, ContactId, EntryId};
use newledger_domain::journal::{self as ledger, EntryAction, MAX_LINES};
use newledger_domain::money::Currency;
use newledger_domain::permission::Permission;
use newledger_service::Error;
use newledger_service::books::accounts;
use newledger_service::books::journal::{self, JournalInput, JournalLineInput};

/// Empty rows offered below the typed ones.
const SPARE_LINES: usize = 2;
/// Rows of a new entry's form.
const NEW_ENTRY_LINES: usize = 4;

struct LineRow {
    index: usize,
    description: String,
    debit: String,
    credit: String,
    accounts: Vec<Opt>,
    contacts: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "pages/journal_edit.html")]
struct EditPage {
    layout: Layout,
    heading: String,
    action_url: String,
    back_url: String,
    back_label: String,
    submit_label: &'static str,
    date: String,
    memo: String,
    version: Option<i64>,
    lines: Vec<LineRow>,
    debits: String,
    credits: String,
    errors: Vec<String>,
}

/// One line as typed: account, description, contact, debit, credit.
type TypedLine = [String; 5];

/// What the form holds, as typed.
struct Typed {
    date: String,
    memo: String,
    lines: Vec<TypedLine>,
}

const LINE_FIELDS: [&str; 5] = ["account", "description", "contact", "debit", "credit"];

impl Typed {
    fn of_entry(e: &ledger::Entry, cur: Currency) -> Self {
        // Plain decimals (`1234.50`) that the form can send back unchanged.
        let amount = |minor: i64| {
            if minor == 0 {
                String::new()
            } else {
                cur.format(minor)
            }
        };
        Typed {
            date: e.date.to_string(),
            memo: e.memo.clone(),
            lines: e
                .lines()
                .iter()
                .map(|l| {
                    [
                        l.account_id.to_string(),
                        l.description.clone(),
                        l.contact_id
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        amount(l.debit),
                        amount(l.credit),
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
            .min(MAX_LINES + SPARE_LINES);
        Typed {
            date: f.get("date").to_owned(),
            memo: f.get("memo").to_owned(),
            lines: (0..count)
                .map(|i| LINE_FIELDS.map(|k| f.get(&format!("{k}_{i}")).to_owned()))
                .collect(),
        }
    }
}

fn is_blank(l: &TypedLine) -> bool {
    l.iter().all(|v| v.trim().is_empty())
}

/// The typed form as the service's input, or what a person must fix, in their words.
/// Blank rows are dropped; `rows` maps each kept line to its row number on the form.
fn parse_input(t: &Typed) -> Result<(JournalInput, Vec<usize>), Vec<String>> {
    let mut errors = Vec::new();
    let date = match crate::pages::view::parse_date("date", &t.date) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.push("Date: required".to_owned());
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for (i, l) in t.lines.iter().enumerate() {
        if is_blank(l) {
            continue;
        }
        let [account, description, contact, debit, credit] = l;
        let n = i + 1;
        let Ok(account_id) = AccountId::parse(account.trim()) else {
            errors.push(format!("Line {n}: choose an account"));
            continue;
        };
        let contact_id = match contact.trim() {
            "" => None,
            c => match ContactId::parse(c) {
                Ok(c) => Some(c),
                Err(_) => {
                    errors.push(format!("Line {n}: choose a contact from the list"));
                    continue;
                }
            },
        };
        let amount = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        lines.push(JournalLineInput {
            account_id,
            description: description.trim().to_owned(),
            contact_id,
            debit: amount(debit),
            credit: amount(credit),
        });
        rows.push(n);
    }
    if lines.len() < 2 && errors.is_empty() {
        errors.push("Lines: an entry needs at least two lines, debits equal to credits".into());
    }
    match (errors.is_empty(), date) {
        (true, Some(date)) => Ok((
            JournalInput {
                date,
                memo: t.memo.clone(),
                lines,
            },
            rows,
        )),
        _ => Err(errors),
    }
}

/// A service validation error in the words of the form: `lines[2].debit` is the third kept
/// line, which may be row 5 on the page.
fn explain(field: &str, reason: &str, rows: &[usize]) -> String {
    let Some(rest) = field.strip_prefix("lines[") else {
        return format!("{}: {reason}", field_label(field));
    };
    let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
    let row = index
        .parse::<usize>()
        .ok()
        .and_then(|i| rows.get(i).copied());
    let what = match tail.trim_start_matches('.') {
        "" => String::new(),
        "account_id" => " account".to_owned(),
        "contact_id" => " contact".to_owned(),
        other => format!(" {}", other.replace('_', " ")),
    };
    match row {
        Some(n) => format!("Line {n}{what}: {reason}"),
        None => format!("Lines: {reason}"),
    }
}

/// Sums of the typed amounts, to show next to an unbalanced entry.
fn typed_totals(ctx: &Ctx, t: &Typed) -> (String, String) {
    let cur = ctx.currency();
    let sum = |col: usize| {
        t.lines
            .iter()
            .filter_map(|l| cur.parse_amount(l[col].trim()).ok())
            .fold(0i64, i64::saturating_add)
    };
    (
        crate::pages::view::money(sum(3), cur),
        crate::pages::view::money(sum(4), cur),
    )
}

struct Target {
    heading: String,
    action_url: String,
    back_url: String,
    back_label: String,
    submit_label: &'static str,
    version: Option<i64>,
}

/// What each line's account and contact menus offer.
struct Choices {
    chart: Vec<Account>,
    contacts: Vec<(String, String)>,
}

impl Choices {
    async fn load(s: &AppState, ctx: &Ctx) -> Result<Self, PageError> {
        let chart = accounts::list(&s.svc, &ctx.access).await?;
        let mut contacts: Vec<(String, String)> =
            contact_names(s, ctx).await?.into_iter().collect();
        contacts.sort_by_key(|a| a.1.to_lowercase());
        Ok(Choices { chart, contacts })
    }

    /// Open accounts a manual line may use, and the one already chosen even if archived.
    fn accounts(&self, selected: &str) -> Vec<Opt> {
        self.chart
            .iter()
            .filter(|a| (!a.archived && !a.role.is_control()) || a.id.as_str() == selected)
            .map(|a| Opt {
                value: a.id.to_string(),
                label: format!("{} {}", a.code, a.name),
                selected: a.id.as_str() == selected,
            })
            .collect()
    }

    fn contacts(&self, selected: &str) -> Vec<Opt> {
        self.contacts
            .iter()
            .map(|(id, name)| Opt {
                value: id.clone(),
                label: name.clone(),
                selected: id == selected,
            })
            .collect()
    }

    /// The form's rows: the typed ones without blanks, then spare empty rows.
    fn rows(&self, typed: &Typed) -> Vec<LineRow> {
        let mut rows = typed.lines.clone();
        rows.retain(|l| !is_blank(l));
        let wanted = rows.len().max(NEW_ENTRY_LINES - SPARE_LINES) + SPARE_LINES;
        rows.resize_with(wanted, Default::default);
        rows.into_iter()
            .enumerate()
            .map(
                |(index, [account, description, contact, debit, credit])| LineRow {
                    index,
                    accounts: self.accounts(&account),
                    contacts: self.contacts(&contact),
                    description,
                    debit,
                    credit,
                },
            )
            .collect()
    }
}

async fn page(
    s: &AppState,
    ctx: &Ctx,
    target: Target,
    typed: &Typed,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let lines = Choices::load(s, ctx).await?.rows(typed);
    let (debits, credits) = typed_totals(ctx, typed);
    let page = EditPage {
        layout: ctx.layout(target.heading.clone(), "journal"),
        heading: target.heading,
        action_url: target.action_url,
        back_url: target.back_url,
        back_label: target.back_label,
        submit_label: target.submit_label,
        date: typed.date.clone(),
        memo: typed.memo.clone(),
        version: target.version,
        lines,
        debits,
        credits,
        errors,
    };
    Ok(render_status(status, &page))
}

fn new_target(ctx: &Ctx) -> Target {
    Target {
        heading: "New journal entry".into(),
        action_url: ctx.url("/journal"),
        back_url: ctx.url("/journal"),
        back_label: "Journal entries".into(),
        submit_label: "Save as draft",
        version: None,
    }
}

fn edit_target(ctx: &Ctx, e: &ledger::Entry) -> Target {
    let detail = ctx.url(&format!("/journal/{}", e.id));
    Target {
        heading: format!("Edit draft journal entry {}", e.number),
        action_url: format!("{detail}/edit"),
        back_url: detail,
        back_label: format!("Journal entry {}", e.number),
        submit_label: "Save draft",
        version: Some(e.version),
    }
}

/// `GET /app/{company_id}/journal/new`.
pub async fn new(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.access.require(Permission::JournalDraft)?;
    let typed = Typed {
        date: ctx.access.today(s.svc.clock.as_ref()).to_string(),
        memo: String::new(),
        lines: Vec::new(),
    };
    page(
        &s,
        &ctx,
        new_target(&ctx),
        &typed,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Reads the form, hands it to `write` and redirects to the saved entry with `notice`; bad
/// input re-renders the form with what was typed and the problems in words (422).
async fn submit<F, Fut>(
    s: &AppState,
    ctx: &Ctx,
    target: Target,
    form: &PageForm,
    write: F,
    notice: fn(&ledger::Entry) -> String,
) -> PageResult
where
    F: FnOnce(JournalInput) -> Fut,
    Fut: std::future::Future<Output = Result<ledger::Entry, Error>>,
{
    let typed = Typed::of_form(form);
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let (input, rows) = match parse_input(&typed) {
        Ok(v) => v,
        Err(errors) => return page(s, ctx, target, &typed, errors, refused).await,
    };
    match write(input).await {
        Ok(e) => Ok(redirect_with_notice(
            &ctx.url(&format!("/journal/{}", e.id)),
            &notice(&e),
        )),
        Err(Error::Invalid { field, reason }) => {
            let errors = vec![explain(&field, &reason, &rows)];
            page(s, ctx, target, &typed, errors, refused).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /app/{company_id}/journal`: saves a new draft.
pub async fn create(State(s): State<AppState>, ctx: Ctx, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.access.require(Permission::JournalDraft)?;
    submit(
        &s,
        &ctx,
        new_target(&ctx),
        &form,
        |input| journal::create_draft(&s.svc, &ctx.access, input),
        |e| {
            format!(
                "Journal entry {} saved as a draft. Post it when it is right.",
                e.number
            )
        },
    )
    .await
}

/// The entry, if it is a manual draft the person may change.
async fn editable(s: &AppState, ctx: &Ctx, id: &EntryId) -> Result<ledger::Entry, PageError> {
    ctx.access.require(Permission::JournalDraft)?;
    let e = journal::get(&s.svc, &ctx.access, id).await?;
    e.check(EntryAction::Edit).map_err(Error::from)?;
    Ok(e)
}

/// `GET /app/{company_id}/journal/{id}/edit`.
pub async fn edit(State(s): State<AppState>, ctx: Ctx, entry: Entry) -> PageResult {
    let e = editable(&s, &ctx, &entry.0).await?;
    page(
        &s,
        &ctx,
        edit_target(&ctx, &e),
        &Typed::of_entry(&e, ctx.currency()),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /app/{company_id}/journal/{id}/edit`: saves the draft (it stays a draft).
pub async fn save(State(s): State<AppState>, ctx: Ctx, entry: Entry, form: PageForm) -> PageResult {
    ctx.check_csrf(&form)?;
    let e = editable(&s, &ctx, &entry.0).await?;
    let version = version_of(&form);
    submit(
        &s,
        &ctx,
        edit_target(&ctx, &e),
        &form,
        |input| journal::update_draft(&s.svc, &ctx.access, &e.id, version, input),
        |saved| format!("Journal entry {} saved. It is still a draft.", saved.number),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(account: &str, debit: &str, credit: &str) -> TypedLine {
        [
            account.into(),
            "x".into(),
            String::new(),
            debit.into(),
            credit.into(),
        ]
    }

    #[test]
    fn blank_rows_are_dropped_and_rows_remembered() {
        let t = Typed {
            date: "2026-03-01".into(),
            memo: "m".into(),
            lines: vec![
                line("acc_a", "10", ""),
                Default::default(),
                line("acc_b", "", "10"),
            ],
        };
        let (input, rows) = parse_input(&t).unwrap();
        assert_eq!(input.lines.len(), 2);
        assert_eq!(rows, vec![1, 3]);
        assert_eq!(
            explain("lines[1].debit", "not a number", &rows),
            "Line 3 debit: not a number"
        );
        assert_eq!(explain("lines", "unbalanced", &rows), "Lines: unbalanced");
    }

    #[test]
    fn missing_account_and_date_are_reported_in_words() {
        let t = Typed {
            date: String::new(),
            memo: String::new(),
            lines: vec![line("", "10", ""), line("acc_b", "", "10")],
        };
        let errors = parse_input(&t).unwrap_err();
        assert!(errors.contains(&"Date: required".to_owned()), "{errors:?}");
        assert!(errors.contains(&"Line 1: choose an account".to_owned()));
    }
}
