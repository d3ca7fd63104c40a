//! SQLite only: the database file and its `-wal` / `-shm` hold password hashes and second-factor
//! secrets, so they are readable by the server's user alone (0600), new or left by an older
//! version.

#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    use newledger_store::SqlStore;
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("newledger-files-{}", crate::fixtures::uid()));
    std::fs::create_dir_all(&dir).unwrap();
    let mode = |name: &str| {
        std::fs::metadata(dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // A new database.
    let url = format!("sqlite://{}", dir.join("new.db").display());
    let store = SqlStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    for f in ["new.db", "new.db-wal", "new.db-shm"] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    drop(store);
    // A database an older version left world-readable.
    std::fs::write(dir.join("old.db"), b"").unwrap();
    std::fs::set_permissions(dir.join("old.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let url = format!("sqlite://{}", dir.join("old.db").display());
    let store = SqlStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    for f in ["old.db", "old.db-wal", "old.db-shm"] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
