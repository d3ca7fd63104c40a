//! The unit of work: a use case's writes, its activity rows and — for an API write with an
//! `Idempotency-Key` — the stored response go through one store transaction
//! ([`newledger_store::Store::begin`]) and commit or roll back together. So a failure anywhere
//! (the activity row, the response record) leaves nothing behind for a retry to duplicate, and a
//! crash can no longer fall between the write and its idempotency record.
//!
//! What must follow a commit — dropping cached documents or credentials on this node and on
//! every other — is noted during the work and done after the commit, so that no reader refills
//! a cache from rows the transaction had not made visible yet.
//!
//! Inside a unit of work, write only through [`Work::store`] and [`Work::log`]: on SQLite the
//! unit holds the single writer connection, and a write through `Services::store` would wait
//! for it. Reads may use either (through the unit they see its writes). Events that must stay
//! logged when the use case fails (a refused confirmation code) are logged before the unit
//! begins, with `ActivityLog::log`.

use crate::activity::{Event, Who};
use crate::{Access, Error, Result, Services};
use newledger_domain::ids::CompanyId;
use newledger_store::StoreTx;

/// One use case's transaction.
pub struct Work<'a> {
    svc: &'a Services,
    tx: Box<dyn StoreTx>,
    documents_changed: bool,
    credentials_changed: bool,
}

impl<'a> Work<'a> {
    /// Opens a unit of work.
    pub async fn begin(svc: &'a Services) -> Result<Self> {
        Ok(Self {
            svc,
            tx: svc.store.begin().await?,
            documents_changed: false,
            credentials_changed: false,
        })
    }

    /// The services (clock, ids, key, settings) the use case works with.
    pub fn svc(&self) -> &'a Services {
        self.svc
    }

    /// The store roles, on this unit's transaction.
    pub fn store(&self) -> &dyn StoreTx {
        &*self.tx
    }

    /// Logs an event done through `access`, as part of the unit.
    pub async fn log(&self, access: &Access, e: Event) -> Result<()> {
        let row = self.svc.activity.row_of(access, e);
        self.tx.append_activity(&[row]).await?;
        Ok(())
    }

    /// Logs an event with explicit actor columns, as part of the unit.
    pub async fn log_as(&self, company: Option<&CompanyId>, who: &Who, e: Event) -> Result<()> {
        let row = self.svc.activity.row_as(company, who, e);
        self.tx.append_activity(&[row]).await?;
        Ok(())
    }

    /// Notes that documents changed: cached copies are dropped everywhere after the commit.
    pub fn documents_changed(&mut self) {
        self.documents_changed = true;
    }

    /// Notes that credentials, memberships or companies changed: the validation cache is
    /// cleared everywhere after the commit.
    pub fn credentials_changed(&mut self) {
        self.credentials_changed = true;
    }

    /// Commits, then drops what caches hold of the changed rows.
    pub async fn commit(self) -> Result<()> {
        let Work {
            svc,
            tx,
            documents_changed,
            credentials_changed,
        } = self;
        tx.commit().await?;
        if documents_changed {
            crate::books::documents::documents_changed(svc).await;
        }
        if credentials_changed {
            svc.auth_cache.invalidate(svc).await?;
        }
        Ok(())
    }

    /// Undoes the unit (a failed rollback is logged: the database drops the transaction with
    /// its connection anyway).
    pub async fn rollback(self) {
        if let Err(e) = self.tx.rollback().await {
            tracing::warn!(error = %e, "rollback of a unit of work failed");
        }
    }
}

impl Services {
    /// Runs `f` as one unit of work: committed when it returns `Ok`, rolled back otherwise.
    pub async fn write<T, E>(
        &self,
        f: impl AsyncFnOnce(&mut Work<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        let mut w = Work::begin(self).await?;
        match f(&mut w).await {
            Ok(v) => {
                w.commit().await?;
                Ok(v)
            }
            Err(e) => {
                w.rollback().await;
                Err(e)
            }
        }
    }
}
