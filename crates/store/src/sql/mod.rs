//! The SQL implementation of every store role, shared by SQLite and PostgreSQL.

mod accounts;
mod activity;
mod apps;
mod books;
mod companies;
mod contacts;
mod idempotency;
mod lists;
mod oauth;
mod payments;
mod people;
mod reports;
mod rotations;
mod rows;
mod sessions;
mod source;
mod users;
mod views;

use crate::{Backend, StoreError, StoreResult, StoreTx};
use async_trait::async_trait;
use source::Source;
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use std::sync::Arc;

/// The store over sqlx `Any` pools — or, opened with [`crate::Store::begin`], over one
/// transaction (see `source.rs`).
#[derive(Clone)]
pub struct SqlStore {
    read: Source,
    write: Source,
    backend: Backend,
    url: String,
    /// Batches refresh rotations (None inside a unit of work: its statements are its own).
    rotations: Option<Arc<rotations::Rotations>>,
}

impl SqlStore {
    /// Connects (creating the SQLite file when missing); does not migrate.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let (read, write) = match backend {
            Backend::Sqlite => crate::sqlite::connect(url).await?,
            Backend::Postgres => {
                let pool = crate::postgres::connect(url, 16).await?;
                (pool.clone(), pool)
            }
        };
        let write = Source::Pool(write);
        Ok(Self {
            read: Source::Pool(read),
            rotations: Some(Arc::new(rotations::Rotations::start(write.clone()))),
            write,
            backend,
            url: url.to_owned(),
        })
    }

    /// Applies pending migrations of this backend.
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let pool = self.write.pool().ok_or_else(in_unit_of_work)?;
        migrator
            .run(pool)
            .await
            .map_err(|e| StoreError::Other(e.into()))
    }

    /// The database URL this store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the pools (nothing inside a unit of work).
    pub async fn close(&self) {
        for s in [&self.read, &self.write] {
            if let Some(p) = s.pool() {
                p.close().await;
            }
        }
    }
}

fn in_unit_of_work() -> StoreError {
    StoreError::Other(anyhow::anyhow!(
        "not available inside a unit of work: use the store it was begun from"
    ))
}

impl crate::Roles for SqlStore {}

#[async_trait]
impl crate::Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>> {
        let pool = self.write.pool().ok_or_else(in_unit_of_work)?;
        let tx = match self.backend {
            Backend::Sqlite => pool.begin_with(crate::sqlite::BEGIN_WRITE).await?,
            Backend::Postgres => pool.begin().await?,
        };
        let tx = Source::Tx(Arc::new(tokio::sync::Mutex::new(tx)));
        Ok(Box::new(SqlStore {
            read: tx.clone(),
            write: tx,
            backend: self.backend,
            url: self.url.clone(),
            rotations: None,
        }))
    }
}

#[async_trait]
impl StoreTx for SqlStore {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        take_tx(*self)?.commit().await?;
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        take_tx(*self)?.rollback().await?;
        Ok(())
    }
}

/// The transaction of a store opened with `begin`, once no statement holds it any more.
fn take_tx(s: SqlStore) -> StoreResult<sqlx::Transaction<'static, Any>> {
    let SqlStore { read, write, .. } = s;
    drop(read);
    match write {
        Source::Tx(t) => Arc::try_unwrap(t)
            .map(tokio::sync::Mutex::into_inner)
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the unit of work is still in use"))),
        Source::Pool(_) => Err(StoreError::Other(anyhow::anyhow!(
            "commit or rollback of a store that is not a unit of work"
        ))),
    }
}

/// A bind value for dynamically built queries.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// Text (or NULL).
    S(Option<String>),
    /// Integer (or NULL).
    I(Option<i64>),
}

/// Builds a query with `$n` placeholders (sqlx's `QueryBuilder` would emit `?` for `Any`,
/// which PostgreSQL rejects).
#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    vals: Vec<Val>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            vals: Vec::new(),
        }
    }

    /// Appends text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub(crate) fn bind(&mut self, v: Val) -> &mut Self {
        self.vals.push(v);
        self.text.push_str(&format!("${}", self.vals.len()));
        self
    }

    pub(crate) fn s(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Val::S(Some(v.into())))
    }

    pub(crate) fn i(&mut self, v: i64) -> &mut Self {
        self.bind(Val::I(Some(v)))
    }

    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for v in &self.vals {
            q = match v {
                Val::S(s) => q.bind(s.clone()),
                Val::I(i) => q.bind(*i),
            };
        }
        q
    }
}

/// Fails with `Conflict` unless exactly one row was affected.
pub(crate) fn one_row(affected: u64, what: &str) -> StoreResult<()> {
    if affected == 1 {
        Ok(())
    } else {
        Err(StoreError::conflict(what))
    }
}
