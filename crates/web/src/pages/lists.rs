//! Pieces every list and form page shares: select options, next-page links, the names printed
//! beside ids, and where to go back to after an action.

use super::session::Ctx;
use super::view::PageForm;
use crate::state::AppState;
use newledger_service::Error;
use newledger_service::books::accounts;
use newledger_service::views;
use std::collections::HashMap;

/// Rows per list page.
pub const PAGE_SIZE: i64 = 200;

/// One option of a select.
pub struct Opt {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// The options of a filter select: "any" (the empty value), then each of `all`, capitalised.
pub fn opts(current: &str, any: &str, all: &[&str]) -> Vec<Opt> {
    std::iter::once(("", any))
        .chain(all.iter().map(|s| (*s, *s)))
        .map(|(v, l)| Opt {
            value: v.to_owned(),
            label: super::view::capitalise(l),
            selected: v == current,
        })
        .collect()
}

/// Options from `(id, label)` pairs, `current` selected.
pub fn choices(pairs: &[(String, String)], current: &str) -> Vec<Opt> {
    pairs
        .iter()
        .map(|(id, label)| Opt {
            value: id.clone(),
            label: label.clone(),
            selected: id == current,
        })
        .collect()
}

/// The query string of a list with a new cursor.
pub fn next_href(path: &str, pairs: &[(&str, &str)], cursor: &str) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    ser.append_pair("cursor", cursor);
    format!("{path}?{}", ser.finish())
}

/// Contact names by id (empty when the person may not read contacts).
pub async fn contact_names(s: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>, Error> {
    Ok(views::contact_choices(&s.svc, &ctx.access)
        .await?
        .iter()
        .cloned()
        .collect())
}

/// Account labels (`4000 Sales`) by id.
pub async fn account_names(s: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>, Error> {
    Ok(accounts::list(&s.svc, &ctx.access)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name)))
        .collect())
}

/// Where to go after an action: back to the drafts list when the form came from there.
pub fn back_to(ctx: &Ctx, form: &PageForm, default: String) -> String {
    match form.get("return") {
        "drafts" => ctx.url("/drafts"),
        _ => default,
    }
}

/// The version of the record the person saw, as the form carries it.
pub fn version_of(form: &PageForm) -> Option<i64> {
    form.get("version").parse().ok()
}
