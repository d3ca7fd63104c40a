//! The confirmation step of destructive actions (void, discard, remove a member, change a
//! role), without JavaScript: the first POST, from the button on the page, answers with a page
//! that says what will happen and repeats the form with `confirmed=yes`; only that second POST
//! acts. A CSRF token travels with both, like every form.

use super::session::{Ctx, Layout};
use super::view::{PageForm, PageResult, render};
use askama::Template;

/// The form field that marks a confirmed action.
pub const CONFIRMED: &str = "confirmed";

/// What the confirmation page says.
pub struct Confirm {
    /// Page title and question ("Void invoice INV-0004?").
    pub title: String,
    /// What will happen, in a sentence or two.
    pub message: String,
    /// The button that acts ("Void invoice").
    pub button: String,
    /// Where "Cancel" goes.
    pub back: String,
}

#[derive(Template)]
#[template(path = "pages/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    message: String,
    button: String,
    back: String,
    action: String,
    fields: Vec<(String, String)>,
}

/// True when the form is the confirmed second step.
pub fn confirmed(form: &PageForm) -> bool {
    form.get(CONFIRMED) == "yes"
}

/// The confirmation page of `form`, posted back to `action`.
pub fn page(ctx: &Ctx, action: String, form: &PageForm, c: Confirm) -> PageResult {
    let fields = form
        .pairs()
        .iter()
        .filter(|(k, _)| k != CONFIRMED)
        .cloned()
        .collect();
    Ok(render(&ConfirmPage {
        layout: ctx.layout(c.title, ""),
        message: c.message,
        button: c.button,
        back: c.back,
        action,
        fields,
    }))
}
