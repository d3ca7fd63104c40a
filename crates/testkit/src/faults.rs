//! Faults injected into a test database, to prove that a use case's writes commit or roll back
//! together: a trigger makes chosen statements fail as if the database had refused them, while
//! the server and the store run unchanged (no production flag, no wrapper). The same on SQLite
//! (`RAISE(ABORT, …)`) and PostgreSQL (a PL/pgSQL function that raises).

use sqlx::{AnyConnection, Connection, Executor};

/// A statement that will fail.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Trigger name (also how [`clear`] finds it).
    pub name: &'static str,
    /// Table.
    pub table: &'static str,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub event: &'static str,
    /// Condition on the row (`NEW.…` or `OLD.…`), in SQL both databases read; None: every row.
    pub when: Option<String>,
}

impl Fault {
    /// Appending an activity row with this action fails (the use case's last write).
    pub fn activity_insert(action: &str) -> Self {
        Self {
            name: "nl_fault_activity",
            table: "activity",
            event: "INSERT",
            when: Some(format!("NEW.action = '{}'", action.replace('\'', "''"))),
        }
    }

    /// Storing the response of an idempotency key fails.
    pub fn idempotency_response() -> Self {
        Self {
            name: "nl_fault_idem_update",
            table: "idempotency_keys",
            event: "UPDATE",
            when: Some("NEW.status_code IS NOT NULL".into()),
        }
    }

    /// Releasing an idempotency key fails.
    pub fn idempotency_release() -> Self {
        Self {
            name: "nl_fault_idem_delete",
            table: "idempotency_keys",
            event: "DELETE",
            when: None,
        }
    }
}

async fn connect(url: &str) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url)
        .await
        .expect("connect for a fault")
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres")
}

/// Makes the statements `f` describes fail on the database at `url`.
pub async fn inject(url: &str, f: &Fault) {
    let mut c = connect(url).await;
    let when = f
        .when
        .as_ref()
        .map(|w| format!("WHEN ({w})"))
        .unwrap_or_default();
    let sql = if is_postgres(url) {
        format!(
            "CREATE OR REPLACE FUNCTION nl_injected_fault() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'injected fault: %', TG_NAME; END $$;
             CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {when}
             EXECUTE FUNCTION nl_injected_fault();",
            name = f.name,
            event = f.event,
            table = f.table,
        )
    } else {
        format!(
            "CREATE TRIGGER {name} BEFORE {event} ON {table} {when}
             BEGIN SELECT RAISE(ABORT, 'injected fault: {name}'); END;",
            name = f.name,
            event = f.event,
            table = f.table,
        )
    };
    c.execute(sqlx::raw_sql(&sql))
        .await
        .expect("inject a fault");
    c.close().await.expect("close");
}

/// Removes a fault injected with [`inject`].
pub async fn clear(url: &str, f: &Fault) {
    let mut c = connect(url).await;
    let sql = if is_postgres(url) {
        format!("DROP TRIGGER {} ON {}", f.name, f.table)
    } else {
        format!("DROP TRIGGER {}", f.name)
    };
    c.execute(sqlx::raw_sql(&sql)).await.expect("clear a fault");
    c.close().await.expect("close");
}
