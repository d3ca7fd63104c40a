//! SQLite specifics: file creation, WAL, foreign keys and busy handling, and one writer
//! connection so that in-process writers queue instead of failing with `SQLITE_BUSY`.

use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// Per-connection settings. WAL lets readers run beside the writer; `busy_timeout` makes a
/// second process (the CLI) wait for the lock rather than fail; `synchronous=NORMAL` is
/// durable across application crashes in WAL mode and much faster than FULL.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

/// How a unit of work begins: taking the write lock at once. A deferred `BEGIN` that reads
/// before it writes fails with `SQLITE_BUSY` (without waiting) when another process — the CLI —
/// wrote in between; `IMMEDIATE` waits for the lock (`busy_timeout`) instead.
pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Adds `mode=rwc` so that the file is created when missing.
pub fn normalize_url(url: &str) -> String {
    if url.contains('?') || url.contains(":memory:") {
        url.to_owned()
    } else {
        format!("{url}?mode=rwc")
    }
}

async fn setup(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute(PRAGMAS).await?;
    Ok(())
}

/// The database file of a `sqlite://FILE[?…]` URL (none for in-memory databases).
fn database_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.into())
}

/// The database and its `-wal` / `-shm` files hold password hashes and second-factor secrets:
/// readable by the server's user only (0600). The file is created so before SQLite opens it
/// (SQLite gives the `-wal` and `-shm` files the database file's mode), and files left by an
/// earlier version are narrowed.
pub fn restrict_files(url: &str) -> std::io::Result<()> {
    let Some(db) = database_file(url) else {
        return Ok(());
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !db.exists() {
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&db);
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut f = db.clone().into_os_string();
            f.push(suffix);
            let f = std::path::PathBuf::from(f);
            if f.exists() {
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

/// Opens the reader pool and the single-connection writer pool.
pub async fn connect(url: &str) -> Result<(AnyPool, AnyPool), sqlx::Error> {
    restrict_files(url)?;
    let url = normalize_url(url);
    let write = AnyPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|c, _| Box::pin(setup(c)))
        .connect(&url)
        .await?;
    // No ping before each acquire (sqlx's default): a SQLite connection is a file handle that
    // cannot go stale like a network connection, and with sqlx each ping is a round trip to the
    // connection's worker thread, which on the read path costs about as much as the query.
    let read = AnyPoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .test_before_acquire(false)
        .after_connect(|c, _| Box::pin(setup(c)))
        .connect(&url)
        .await?;
    restrict_files(&url)?;
    Ok((read, write))
}
