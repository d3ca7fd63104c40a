//! The SQL implementation of every store role, shared by SQLite and PostgreSQL.

mod apps;
mod books;
mod companies;
mod misc;
mod oauth;
mod reports;
mod rows;
mod users;
mod views;

use crate::{Backend, StoreError, StoreResult};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyPool};

/// The store over an sqlx `Any` pool.
#[derive(Clone)]
pub struct SqlStore {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    url: String,
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
        Ok(Self {
            read,
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
        migrator
            .run(&self.write)
            .await
            .map_err(|e| StoreError::Other(e.into()))
    }

    /// The database URL this store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

impl crate::Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
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
