//! The SQLite backend: one file in WAL mode, `synchronous=FULL` so a committed
//! batch survives power loss, migrations embedded in the binary. Its queries
//! are the shared ones (see `dialect.rs`); this file opens, backs up and
//! closes the database.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::dialect::{Dialect, embedded_migrations, migrator};
use crate::{Result, StoreError};

const MIGRATIONS: &[(i64, &str, &str)] = embedded_migrations!("sqlite");

/// The SQLite implementation of the store contract.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// A shared lock on `papers.db.in-use`, held while the store is open, so
    /// that a restore can tell the store is in use.
    _in_use: std::sync::Arc<std::fs::File>,
}

impl SqliteStore {
    pub(crate) const DIALECT: Dialect = Dialect::Sqlite;

    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            let _ = std::fs::create_dir_all(dir);
        }
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 6 MB of page cache a connection, 48 MB for the pool at most:
            // the server's memory budget (≤ 600 MB with every vector loaded)
            // has no room for 8 × 16 MB; the OS page cache holds the rest.
            .pragma("cache_size", "-6000")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await?;
        // SQLite has no migration lock of its own: two processes opening a new
        // database at once (a server and an import) would both apply the same
        // migration. An OS file lock beside the database serialises them.
        let lock_path = path.with_extension("migrate.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Io(format!("{}: {e}", lock_path.display())))?;
        let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
            .await
            .map_err(|e| StoreError::Io(e.to_string()))?
            .map_err(|e| StoreError::Io(format!("{}: {e}", lock_path.display())))?;
        let result = migrator(MIGRATIONS).run(&pool).await;
        drop(lock);
        result?;
        let in_use = crate::backup::in_use_lock_file(path)?;
        let in_use = tokio::task::spawn_blocking(move || in_use.lock_shared().map(|()| in_use))
            .await
            .map_err(|e| StoreError::Io(e.to_string()))?
            .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        Ok(SqliteStore {
            pool,
            _in_use: std::sync::Arc::new(in_use),
        })
    }

    /// A consistent copy of the database at `dest` (`VACUUM INTO`), taken
    /// while others keep reading and writing.
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        crate::backup::vacuum_into(&self.pool, dest).await
    }

    pub async fn close(&self) {
        // PASSIVE never waits for other connections (a server may be reading).
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}
