//! Group commit of refresh token rotations. Every rotation is a write, and writes queue on one
//! writer (SQLite) or pay a commit each (PostgreSQL); under load most of a rotation's cost is
//! the hand-off to the writer and the commit, not the row. Rotations waiting at the same moment
//! are therefore taken together and inserted by one statement (one round trip, one commit),
//! each row with its own conditions, so the answer of each is what it would have been alone.
//! An idle server sends batches of one.

use super::oauth::{REFRESH_COLUMNS, refresh};
use super::source::Source;
use crate::records::RefreshTokenRecord;
use crate::{StoreError, StoreResult};
use newledger_domain::ids::OAuthClientId;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// Most rotations in one statement (6 parameters each, far below either database's limit).
const MAX_BATCH: usize = 64;

/// One rotation: see `OAuthStore::rotate_refresh_token_directly`.
pub(crate) struct Rotation {
    pub old_hash: String,
    pub successor_hash: String,
    pub client: OAuthClientId,
    pub now: i64,
    pub issued_after: i64,
    pub family_after: i64,
}

type Reply = oneshot::Sender<StoreResult<Option<RefreshTokenRecord>>>;

/// The queue in front of the batching task.
pub(crate) struct Rotations(mpsc::Sender<(Rotation, Reply)>);

impl Rotations {
    /// Starts the task that writes batches through `write` (a pool, never a transaction).
    pub(crate) fn start(write: Source) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(write, rx));
        Self(tx)
    }

    /// Rotates within the next batch.
    pub(crate) async fn rotate(&self, r: Rotation) -> StoreResult<Option<RefreshTokenRecord>> {
        let (reply, answer) = oneshot::channel();
        self.0.send((r, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Other(anyhow::anyhow!("the refresh rotation writer stopped"))
}

async fn run(write: Source, mut rx: mpsc::Receiver<(Rotation, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let rows: Vec<&Rotation> = jobs.iter().map(|(r, _)| r).collect();
        match insert(&write, &rows).await {
            Ok(mut inserted) => {
                for (r, reply) in jobs {
                    // Two rotations of one token in a batch name one successor: the first
                    // gets it, the other reads and finds a rotation to retry.
                    let _ = reply.send(Ok(inserted.remove(&r.successor_hash)));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for (_, reply) in jobs {
                    let _ = reply.send(Err(StoreError::Other(anyhow::anyhow!("{msg}"))));
                }
            }
        }
    }
}

/// One INSERT … SELECT for the whole batch: each row's conditions are its own (the token, its
/// client, its idle and absolute limits); rows that fail them, and successors that exist
/// already, are simply not inserted.
pub(crate) async fn insert(
    write: &Source,
    rows: &[&Rotation],
) -> StoreResult<HashMap<String, RefreshTokenRecord>> {
    let values = (0..rows.len())
        .map(|i| {
            let p = i * 6;
            format!(
                "(${},${},${},${},${},${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "WITH v (old_hash, new_hash, client_id, now, issued_after, family_after) AS (VALUES {values})
         INSERT INTO oauth_refresh_tokens ({REFRESH_COLUMNS})
         SELECT v.new_hash, t.family_id, t.connection_id, t.client_id, t.scope, t.surfaces,
                t.family_started_at, v.now, t.scope, t.surfaces
         FROM v JOIN oauth_refresh_tokens t ON t.token_hash = v.old_hash
         WHERE t.client_id = v.client_id AND t.revoked_at IS NULL
           AND t.created_at >= v.issued_after AND t.family_started_at >= v.family_after
         ON CONFLICT (token_hash) DO NOTHING
         RETURNING {REFRESH_COLUMNS}, revoked_at"
    );
    let mut q = sqlx::query(&sql);
    for r in rows {
        q = q
            .bind(r.old_hash.as_str())
            .bind(r.successor_hash.as_str())
            .bind(r.client.as_str())
            .bind(r.now)
            .bind(r.issued_after)
            .bind(r.family_after);
    }
    let found = q.fetch_all(write).await?;
    let mut out = HashMap::with_capacity(found.len());
    for row in &found {
        let t = refresh(row)?;
        out.insert(t.token_hash.clone(), t);
    }
    Ok(out)
}
