//! The activity log as people read it: who may read it, the filters (all applied in the query,
//! before the page's limit, so a filtered page is never short), and the pages.

use crate::{Access, Error, Result, Services};
use chrono::{Days, NaiveDate};
use newledger_domain::ids::AppId;
use newledger_domain::permission::Permission;
use newledger_store::{ActivityFilter, ActivityRecord, ActorSeen};

/// Rows per page of the log.
pub const PAGE_SIZE: i64 = 100;
/// Most rows in one export.
pub const EXPORT_MAX: i64 = 10_000;
/// Rows of an app's own activity shown on its page.
pub const APP_ROWS: usize = 50;

/// The activity log holds security events: owners and admins (any of the people-only
/// management permissions) read it.
pub fn may_read(access: &Access) -> bool {
    [
        Permission::MembersManage,
        Permission::AppConnectManage,
        Permission::SettingsManage,
    ]
    .into_iter()
    .any(|p| access.permissions.contains(p))
}

/// Filters of the log; empty strings mean "any".
#[derive(Clone, Debug, Default)]
pub struct ActivityQuery {
    /// `user`, `app`, `connection`, `system`, `anonymous`.
    pub actor_kind: Option<String>,
    /// One actor's id.
    pub actor_id: Option<String>,
    /// Action prefix (`app.` matches every app action).
    pub action_prefix: Option<String>,
    /// `success` or `failure`.
    pub outcome: Option<String>,
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// Only rows older than this row id (the next page).
    pub before: Option<i64>,
}

/// A page of the log, newest first.
#[derive(Clone, Debug)]
pub struct ActivityPage {
    /// The rows.
    pub rows: Vec<ActivityRecord>,
    /// Pass as `before` for the next page; None on the last page.
    pub next_before: Option<i64>,
}

fn ms_of(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

fn filter(q: &ActivityQuery, limit: i64) -> ActivityFilter {
    let some = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    ActivityFilter {
        actor_kind: some(&q.actor_kind),
        actor_id: some(&q.actor_id),
        action_prefix: some(&q.action_prefix),
        outcome: some(&q.outcome),
        from: q.from.map(ms_of),
        // `to` is a whole day: up to the end of it.
        to: q
            .to
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .map(ms_of),
        before_id: q.before,
        limit,
        ..Default::default()
    }
}

/// Every action the log records, as people read it. An action missing here reads as its
/// dotted name with the dots and underscores turned into spaces, so a new event is never hidden.
const ACTIONS: &[(&str, &str)] = &[
    ("account.created", "Account created"),
    ("app.confirmation_failed", "Confirmation code refused"),
    ("app.created", "App created"),
    ("app.deleted", "App deleted"),
    ("app.restored", "App restored"),
    ("app.revoked", "App revoked"),
    ("app.secret_rotated", "Secret rotated"),
    ("bill.approved", "Bill approved"),
    ("bill.discarded", "Bill draft discarded"),
    ("bill.drafted", "Bill drafted"),
    ("bill.updated", "Bill draft edited"),
    ("bill.voided", "Bill voided"),
    ("company.settings_changed", "Company settings changed"),
    ("contact.created", "Contact created"),
    ("contact.deleted", "Contact deleted"),
    ("contact.updated", "Contact edited"),
    ("expense.approved", "Expense approved"),
    ("expense.discarded", "Expense draft discarded"),
    ("expense.drafted", "Expense drafted"),
    ("expense.updated", "Expense draft edited"),
    ("expense.voided", "Expense voided"),
    ("invoice.approved", "Invoice approved"),
    ("invoice.discarded", "Invoice draft discarded"),
    ("invoice.drafted", "Invoice drafted"),
    ("invoice.updated", "Invoice draft edited"),
    ("invoice.voided", "Invoice voided"),
    ("journal.discarded", "Journal draft discarded"),
    ("journal.drafted", "Journal entry drafted"),
    ("journal.posted", "Journal entry posted"),
    ("journal.reversed", "Journal entry reversed"),
    ("journal.updated", "Journal draft edited"),
    ("ledger.exported", "Ledger exported"),
    ("mcp.tool_called", "AI assistant used a tool"),
    ("member.added", "Member added"),
    ("member.removed", "Member removed"),
    ("member.role_changed", "Member's role changed"),
    ("oauth.client_deleted", "OAuth app deleted"),
    (
        "oauth.client_metadata_failed",
        "OAuth client metadata refused",
    ),
    ("oauth.client_registered", "OAuth app registered"),
    ("oauth.client_secret_rotated", "OAuth app secret rotated"),
    ("oauth.code_issued", "Authorization code issued"),
    ("oauth.code_replayed", "Authorization code reused (refused)"),
    ("oauth.connection_deleted", "OAuth connection deleted"),
    ("oauth.consent_denied", "Access denied at consent"),
    ("oauth.consent_granted", "Access approved at consent"),
    ("oauth.refresh_reused", "Refresh token reused (refused)"),
    ("oauth.token_failed", "OAuth token request refused"),
    ("oauth.token_revoked", "OAuth token revoked"),
    ("oauth.tokens_issued", "OAuth tokens issued"),
    ("payment.recorded", "Payment recorded"),
    ("signin.failed", "Sign-in failed"),
    ("signin.locked", "Sign-in locked"),
    ("signin.refused", "Sign-in refused"),
    ("signin.succeeded", "Signed in"),
    ("signin.unlocked", "Sign-in unlocked"),
    ("token.failed", "Token request refused"),
    ("totp.enrolled", "Authenticator set up"),
];

/// An action as people read it: `token.failed` → "Token request refused".
pub fn action_label(action: &str) -> String {
    match ACTIONS.iter().find(|(a, _)| *a == action) {
        Some((_, label)) => (*label).to_owned(),
        None => {
            let plain = action.replace(['.', '_'], " ");
            let mut c = plain.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// What a row says happened: the action's label, with the reason of a failure after a colon
/// ("Token request refused: wrong secret").
pub fn describe(row: &newledger_store::NewActivity) -> String {
    let label = action_label(&row.action);
    if row.outcome == "failure" && !row.reason.is_empty() {
        format!("{label}: {}", row.reason)
    } else {
        label
    }
}

/// The people, apps and connections seen in the company's log, to pick one as a filter.
pub async fn actors(svc: &Services, access: &Access) -> Result<Vec<ActorSeen>> {
    if !may_read(access) {
        return Err(Error::missing(Permission::MembersManage));
    }
    Ok(svc.store.activity_actors(&access.company.id).await?)
}

/// Up to `limit` rows (at most [`EXPORT_MAX`]) of the company's log matching `q`, newest first.
pub async fn list(
    svc: &Services,
    access: &Access,
    q: &ActivityQuery,
    limit: i64,
) -> Result<ActivityPage> {
    if !may_read(access) {
        return Err(Error::missing(Permission::MembersManage));
    }
    let limit = limit.clamp(1, EXPORT_MAX);
    let rows = svc
        .store
        .list_activity(&access.company.id, &filter(q, limit))
        .await?;
    let full = i64::try_from(rows.len()).unwrap_or(0) >= limit;
    Ok(ActivityPage {
        next_before: rows.last().filter(|_| full).map(|r| r.id),
        rows,
    })
}

/// An app's activity: its own requests (as actor) and what people did to it (as target),
/// newest first, at most [`APP_ROWS`]. The caller has checked that the reader manages apps.
pub(crate) async fn of_app(
    svc: &Services,
    access: &Access,
    app: &AppId,
) -> Result<Vec<ActivityRecord>> {
    of_principal(svc, access, app.as_str()).await
}

/// The activity of an app, an OAuth connection or an OAuth client (by id): what it did (as
/// actor) and what was done to it (as target), newest first, at most [`APP_ROWS`]. The caller
/// has checked that the reader manages App Connect.
pub(crate) async fn of_principal(
    svc: &Services,
    access: &Access,
    id: &str,
) -> Result<Vec<ActivityRecord>> {
    let limit = i64::try_from(APP_ROWS).unwrap_or(50);
    let mut rows = svc
        .store
        .list_activity(
            &access.company.id,
            &ActivityFilter {
                actor_id: Some(id.to_owned()),
                limit,
                ..Default::default()
            },
        )
        .await?;
    rows.extend(
        svc.store
            .list_activity(
                &access.company.id,
                &ActivityFilter {
                    target_id: Some(id.to_owned()),
                    limit,
                    ..Default::default()
                },
            )
            .await?,
    );
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    rows.dedup_by_key(|r| r.id);
    rows.truncate(APP_ROWS);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_words() {
        assert_eq!(action_label("app.secret_rotated"), "Secret rotated");
        assert_eq!(action_label("widget.was_frobbed"), "Widget was frobbed");
        let row = newledger_store::NewActivity {
            action: "token.failed".into(),
            outcome: "failure".into(),
            reason: "wrong secret".into(),
            ..Default::default()
        };
        assert_eq!(describe(&row), "Token request refused: wrong secret");
    }

    #[test]
    fn every_action_has_one_label() {
        let mut names: Vec<_> = ACTIONS.iter().map(|(a, _)| *a).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
    }
}
