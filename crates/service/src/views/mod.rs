//! Read models: the page-ready shapes every surface shows — the REST API, the web pages and
//! the MCP tools call these same functions, so a list, a detail or a report reads the same
//! rows, applies the same permission checks and words the same names wherever it is shown.
//! Names shown beside rows (contacts, authors) are looked up in the list's own query, never
//! row by row; results that do not depend on who asks are cached per node ([`cache`]) until
//! the books change.
//!
//! Surfaces take the store's row types they render from here (re-exported below), never from
//! the store itself; the aggregates (documents, entries, payments, contacts, apps) they take
//! from the domain.

pub mod activity;
pub mod apps;
pub mod cache;
pub mod contacts;
pub mod dashboard;
pub mod documents;
pub mod journal;

use newledger_domain::actor::Actor;

pub use crate::books::Page;
pub use newledger_store::{ActivityRecord, ActorSeen, ListQuery, NewActivity};

/// A read model's result in the shape one surface answers with (the REST API's serialized
/// body, say), cached per node exactly like the read models it is made from (see [`cache`]):
/// `permission` is checked first, on every call; `what` names the shape and its parameters
/// (the company is added here); `weight` is the number of rows it holds. The shape must not
/// depend on who asks beyond the permission, since everyone holding it gets the same result.
pub async fn shaped<T, Fut>(
    svc: &crate::Services,
    access: &crate::Access,
    permission: newledger_domain::permission::Permission,
    what: String,
    weight: usize,
    fill: impl FnOnce() -> Fut,
) -> crate::Result<std::sync::Arc<T>>
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = crate::Result<T>>,
{
    access.require(permission)?;
    let key = format!("{}/shape/{what}", access.company.id);
    svc.views.get_or_fill(svc, key, |_| weight, fill).await
}

/// How an author is shown: the label the store found (a person's or an app's name, or
/// `client (connected by person)`), or what to say when the author is gone.
pub fn actor_label(actor: &Actor, found: Option<String>) -> String {
    match (actor, found) {
        (Actor::System, _) => "NewLedger (system)".to_owned(),
        (_, Some(l)) => l,
        (Actor::User(_), None) => "a former member".to_owned(),
        (Actor::App(a), None) => format!("app {a} (deleted)"),
        (Actor::Connection(c), None) => format!("OAuth connection {c} (deleted)"),
    }
}

/// A bank or card account with its balance on a day.
#[derive(Clone, Debug)]
pub struct BankBalance {
    /// The account.
    pub account: newledger_domain::account::Account,
    /// Debits less credits up to and including `as_of` (minor units).
    pub balance: i64,
    /// The day.
    pub as_of: chrono::NaiveDate,
}

/// The company's bank and card accounts with their balance today (`bank:read`).
pub async fn bank_accounts(
    svc: &crate::Services,
    access: &crate::Access,
) -> crate::Result<Vec<BankBalance>> {
    access.require(newledger_domain::permission::Permission::BankRead)?;
    let today = access.today(svc.clock.as_ref());
    let key = format!("{}/bank-accounts/{today}", access.company.id);
    svc.views
        .get_or_fill(svc, key, Vec::len, || async {
            let totals = svc
                .store
                .account_totals(&access.company.id, None, today)
                .await?;
            let chart = svc.store.accounts(&access.company.id).await?;
            Ok(chart
                .into_iter()
                .filter(|a| a.role.is_money())
                .map(|a| {
                    let (d, c) = totals
                        .iter()
                        .find(|t| t.0 == a.id)
                        .map_or((0, 0), |t| (t.1, t.2));
                    BankBalance {
                        account: a,
                        balance: d - c,
                        as_of: today,
                    }
                })
                .collect())
        })
        .await
        .map(std::sync::Arc::unwrap_or_clone)
}

/// Every contact as `(id, name)` by name, for a list's contact filter (empty when the reader
/// may not read contacts).
pub async fn contact_choices(
    svc: &crate::Services,
    access: &crate::Access,
) -> crate::Result<std::sync::Arc<Vec<(String, String)>>> {
    if !access
        .permissions
        .contains(newledger_domain::permission::Permission::ContactsRead)
    {
        return Ok(std::sync::Arc::default());
    }
    let key = format!("{}/contact-choices", access.company.id);
    svc.views
        .get_or_fill(svc, key, Vec::len, || async {
            let mut out: Vec<(String, String)> = every_contact(svc, access)
                .await?
                .into_iter()
                .map(|c| (c.id.to_string(), c.name))
                .collect();
            out.sort_by(|a, b| a.1.cmp(&b.1));
            Ok(out)
        })
        .await
}

/// Every contact of the company, page by page (`contacts:read`).
pub async fn every_contact(
    svc: &crate::Services,
    access: &crate::Access,
) -> crate::Result<Vec<newledger_domain::contact::Contact>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let q = ListQuery {
            limit: crate::books::MAX_LIMIT,
            after: after.take(),
            ..Default::default()
        };
        let page = crate::books::contacts::list(svc, access, q).await?;
        out.extend(page.data);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return Ok(out),
        }
    }
}
