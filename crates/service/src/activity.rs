//! The activity log: lifecycle and security events are written at once; repeated failures
//! (bad client secrets under attack) are folded in memory into one row per
//! (actor, address, reason) per minute, so an attack cannot flood the log.

use crate::clock::Clock;
use crate::{Access, Result};
use newledger_domain::ids::CompanyId;
use newledger_store::{NewActivity, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// (actor, address, reason, action) of a folded failure.
type FoldKey = (String, String, String, String);

/// Writer of the activity log.
pub struct ActivityLog {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    folded: Mutex<HashMap<FoldKey, (NewActivity, i64)>>,
}

/// An event about to be logged.
#[derive(Clone, Debug, Default)]
pub struct Event {
    /// Dotted action (`app.created`).
    pub action: &'static str,
    /// Target kind.
    pub target_kind: &'static str,
    /// Target id.
    pub target_id: String,
    /// Failure reason or change summary.
    pub reason: String,
    /// JSON details.
    pub details: serde_json::Value,
    /// False for failures.
    pub failed: bool,
}

impl Event {
    /// A successful event on a target.
    pub fn ok(
        action: &'static str,
        target_kind: &'static str,
        target_id: impl Into<String>,
    ) -> Self {
        Self {
            action,
            target_kind,
            target_id: target_id.into(),
            details: serde_json::json!({}),
            ..Default::default()
        }
    }

    /// A failed event on a target, with its reason.
    pub fn failed(
        action: &'static str,
        target_kind: &'static str,
        target_id: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            failed: true,
            reason: reason.into(),
            ..Self::ok(action, target_kind, target_id)
        }
    }

    /// Adds details.
    pub fn details(mut self, d: serde_json::Value) -> Self {
        self.details = d;
        self
    }

    /// Adds a reason or summary.
    pub fn reason(mut self, r: impl Into<String>) -> Self {
        self.reason = r.into();
        self
    }
}

/// The actor columns of a row when there is no [`Access`] (sign-in, token endpoint).
#[derive(Clone, Debug, Default)]
pub struct Who {
    /// `user`, `app`, `anonymous`, `system`.
    pub kind: String,
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Address.
    pub ip: String,
}

impl Who {
    /// The actor columns of `access`.
    pub fn of(access: &Access) -> Self {
        Self {
            kind: access.actor.kind().into(),
            id: access.actor.id().into(),
            label: access.label.clone(),
            ip: access.ip.clone(),
        }
    }
}

impl ActivityLog {
    /// A log writing to `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            folded: Mutex::new(HashMap::new()),
        }
    }

    fn row(&self, company: Option<&CompanyId>, who: &Who, e: Event) -> NewActivity {
        NewActivity {
            company_id: company.cloned(),
            at: self.clock.now_ms(),
            actor_kind: who.kind.clone(),
            actor_id: who.id.clone(),
            actor_label: who.label.clone(),
            action: e.action.to_owned(),
            target_kind: e.target_kind.to_owned(),
            target_id: e.target_id,
            outcome: if e.failed { "failure" } else { "success" }.to_owned(),
            reason: e.reason,
            ip: who.ip.clone(),
            details: e.details.to_string(),
            count: 1,
        }
    }

    /// The row of an event done through `access`.
    pub(crate) fn row_of(&self, access: &Access, e: Event) -> NewActivity {
        self.row(Some(&access.company.id), &Who::of(access), e)
    }

    /// Logs an event done through `access` that repeats often (an assistant's reads): folded
    /// like [`ActivityLog::log_folded`], one row per (actor, address, action, reason) per minute
    /// with its count, so that busy use never turns reads into writes.
    pub async fn log_repeated(&self, access: &Access, e: Event) -> Result<()> {
        self.log_folded(Some(&access.company.id), &Who::of(access), e)
            .await
    }

    /// The row of an event with explicit actor columns.
    pub(crate) fn row_as(&self, company: Option<&CompanyId>, who: &Who, e: Event) -> NewActivity {
        self.row(company, who, e)
    }

    /// Logs an event done through `access`, at once (outside any unit of work: for events that
    /// must stay logged when the use case fails, such as a refused confirmation code; a use
    /// case's own events go through [`crate::work::Work::log`]).
    pub async fn log(&self, access: &Access, e: Event) -> Result<()> {
        let row = self.row_of(access, e);
        self.store.append_activity(&[row]).await?;
        Ok(())
    }

    /// Logs an event with explicit actor columns, at once (see [`ActivityLog::log`]).
    pub async fn log_as(&self, company: Option<&CompanyId>, who: &Who, e: Event) -> Result<()> {
        let row = self.row(company, who, e);
        self.store.append_activity(&[row]).await?;
        Ok(())
    }

    /// Folds a repeated failure; written by [`ActivityLog::flush_folded`] at most once a minute
    /// per (actor, address, reason). The first occurrence in a window is written at once so
    /// that the log shows an attack as it starts.
    pub async fn log_folded(&self, company: Option<&CompanyId>, who: &Who, e: Event) -> Result<()> {
        let key = (
            who.id.clone(),
            who.ip.clone(),
            e.reason.clone(),
            e.action.to_owned(),
        );
        let row = self.row(company, who, e);
        let first = {
            let mut m = self.folded.lock().unwrap_or_else(|p| p.into_inner());
            match m.get_mut(&key) {
                Some((_, n)) => {
                    *n += 1;
                    false
                }
                None => {
                    m.insert(key, (row.clone(), 0));
                    true
                }
            }
        };
        if first {
            self.store.append_activity(&[row]).await?;
        }
        Ok(())
    }

    /// Writes folded repeats whose minute has passed (or all of them when `all`).
    pub async fn flush_folded(&self, all: bool) -> Result<()> {
        let now = self.clock.now_ms();
        let rows: Vec<NewActivity> = {
            let mut m = self.folded.lock().unwrap_or_else(|p| p.into_inner());
            let due: Vec<_> = m
                .iter()
                .filter(|(_, (r, _))| all || now - r.at >= 60_000)
                .map(|(k, _)| k.clone())
                .collect();
            due.into_iter()
                .filter_map(|k| m.remove(&k))
                .filter(|(_, repeats)| *repeats > 0)
                .map(|(mut r, repeats)| {
                    r.count = repeats;
                    r.reason = format!("{} (repeated {repeats}× within a minute)", r.reason);
                    r.at = now;
                    r
                })
                .collect()
        };
        self.store.append_activity(&rows).await?;
        Ok(())
    }
}
