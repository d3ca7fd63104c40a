//! Where a store's statements run: the connection pools, or one open transaction.
//!
//! A [`SqlStore`](super::SqlStore) normally runs each call on a pooled connection. Opened with
//! [`Store::begin`](crate::Store::begin) it instead holds one transaction (a unit of work), and
//! every call of every role — reads included, so that a use case sees its own writes — runs on
//! that transaction until it is committed or rolled back. The queries themselves do not know
//! which: they run on `&self.read` / `&self.write` (a [`Source`], which is an sqlx executor) and
//! group their own statements with `self.write.begin()`, which inside a unit of work becomes a
//! savepoint.

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::{Any, AnyConnection, AnyPool, Describe, Either, Execute, Executor, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The transaction of a unit of work, shared by the store handle's read and write sources.
pub(crate) type SharedTx = Arc<Mutex<Transaction<'static, Any>>>;

/// Where statements run.
#[derive(Clone)]
pub(crate) enum Source {
    /// A pool: each statement (or [`Source::begin`] group) takes a connection of its own.
    Pool(AnyPool),
    /// One open transaction: statements run on it one after another.
    Tx(SharedTx),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Pool(p) => f.debug_tuple("Pool").field(p).finish(),
            Source::Tx(_) => f.write_str("Tx"),
        }
    }
}

impl Source {
    /// The pool, when this is not a transaction.
    pub(crate) fn pool(&self) -> Option<&AnyPool> {
        match self {
            Source::Pool(p) => Some(p),
            Source::Tx(_) => None,
        }
    }

    /// Groups statements atomically: a transaction of its own on a pool, a savepoint inside a
    /// unit of work.
    pub(crate) async fn begin(&self) -> Result<Scope<'static>, sqlx::Error> {
        match self {
            Source::Pool(p) => Ok(Scope::Own(p.begin().await?)),
            Source::Tx(t) => {
                let mut g = t.clone().lock_owned().await;
                (&mut **g).execute(SAVEPOINT).await?;
                Ok(Scope::Nested(g))
            }
        }
    }
}

const SAVEPOINT: &str = "SAVEPOINT nl_group";
const RELEASE: &str = "RELEASE SAVEPOINT nl_group";

/// Statements grouped by [`Source::begin`]; dereferences to the connection they run on.
pub(crate) enum Scope<'a> {
    /// A transaction of its own.
    Own(Transaction<'a, Any>),
    /// A savepoint in a unit of work (held locked until the group ends). Dropped without
    /// `commit` (an early return on error), its statements stay part of the unit, which the
    /// error then rolls back as a whole.
    Nested(OwnedMutexGuard<Transaction<'static, Any>>),
}

impl Scope<'_> {
    /// Makes the group's statements permanent (or part of the unit of work).
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Scope::Own(t) => t.commit().await,
            Scope::Nested(mut g) => (&mut **g).execute(RELEASE).await.map(drop),
        }
    }
}

impl Deref for Scope<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Scope::Own(t) => t,
            Scope::Nested(g) => g,
        }
    }
}

impl DerefMut for Scope<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Scope::Own(t) => t,
            Scope::Nested(g) => g,
        }
    }
}

/// A pool delegates to sqlx's own executor; a transaction is locked for the statement. Its rows
/// are collected before the lock is released (a streamed result would have to hold the lock
/// across the caller's awaits); results inside a unit of work are small.
impl<'c> Executor<'c> for &'c Source {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Source::Pool(p) => p.fetch_many(query),
            Source::Tx(t) => {
                let t = t.clone();
                Box::pin(
                    futures_util::stream::once(async move {
                        let mut g = t.lock_owned().await;
                        let all: Vec<_> = (&mut **g).fetch_many(query).collect().await;
                        futures_util::stream::iter(all)
                    })
                    .flatten(),
                )
            }
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Source::Pool(p) => p.fetch_optional(query),
            Source::Tx(t) => {
                let t = t.clone();
                Box::pin(async move { (&mut **t.lock_owned().await).fetch_optional(query).await })
            }
        }
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            Source::Pool(p) => p.prepare_with(sql, parameters),
            Source::Tx(t) => {
                let t = t.clone();
                Box::pin(async move {
                    (&mut **t.lock_owned().await)
                        .prepare_with(sql, parameters)
                        .await
                })
            }
        }
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            Source::Pool(p) => p.describe(sql),
            Source::Tx(t) => {
                let t = t.clone();
                Box::pin(async move { (&mut **t.lock_owned().await).describe(sql).await })
            }
        }
    }
}
