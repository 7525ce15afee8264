//! Backups and restores of the SQLite store.
//!
//! A backup is `VACUUM INTO`: one read transaction, so it is a consistent
//! snapshot of every commit before it began, taken while the server keeps
//! reading and writing (WAL readers never block writers). A restore checks
//! the copy (`PRAGMA integrity_check`, and that it is a Daily Papers store),
//! refuses while any process has the store open (each open store holds a
//! shared lock on `papers.db.in-use`), keeps the database it replaces beside
//! it, and moves the copy into place atomically.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use crate::{Result, StoreError};

fn io(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("{}: {e}", path.display()))
}

/// The lock file every open store holds shared, and a restore exclusively.
pub(crate) fn in_use_lock_path(db: &Path) -> PathBuf {
    db.with_extension("db.in-use")
}

/// Opens the in-use lock file of the database at `db`.
pub(crate) fn in_use_lock_file(db: &Path) -> Result<File> {
    let path = in_use_lock_path(db);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io(&path, e))
}

/// Writes a consistent copy of the database to `dest`, which must not exist.
pub(crate) async fn vacuum_into(pool: &sqlx::SqlitePool, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(io(dest, "already exists; choose a new backup file"));
    }
    if let Some(dir) = dest.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let target = dest
        .to_str()
        .ok_or_else(|| io(dest, "the path is not UTF-8"))?;
    sqlx::query("VACUUM INTO ?1")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    /// Where the database that was replaced now is, if there was one.
    pub previous: Option<PathBuf>,
}

/// Checks that `path` is an intact Daily Papers store.
async fn check_backup(path: &Path) -> Result<()> {
    let mut conn = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| io(path, format!("cannot open the backup: {e}")))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    if verdict != "ok" {
        return Err(io(path, format!("integrity check failed: {verdict}")));
    }
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('papers', 'daily_listings', '_sqlx_migrations')",
    )
    .fetch_one(&mut conn)
    .await?;
    if tables != 3 {
        return Err(io(path, "not a Daily Papers store (no papers tables)"));
    }
    Ok(())
}

/// Replaces the database at `db` with the backup at `src`. Refused while
/// any process (a server, an import) has the store open.
pub async fn restore(src: &Path, db: &Path, stamp: &str) -> Result<RestoreReport> {
    check_backup(src).await?;
    if let Some(dir) = db.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let lock = in_use_lock_file(db)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(io(
                db,
                "the store is in use (a server or another command has it open); stop it first",
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(&in_use_lock_path(db), e)),
    }
    // Copy beside the target first, so the final step is one rename.
    let incoming = db.with_extension("db.restoring");
    std::fs::copy(src, &incoming).map_err(|e| io(&incoming, e))?;
    File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&incoming, e))?;
    let previous = if db.exists() {
        let kept = db.with_extension(format!("db.before-restore-{stamp}"));
        std::fs::rename(db, &kept).map_err(|e| io(db, e))?;
        for suffix in ["db-wal", "db-shm"] {
            let side = db.with_extension(suffix);
            if side.exists() {
                let kept_side = db.with_extension(format!("{suffix}.before-restore-{stamp}"));
                std::fs::rename(&side, &kept_side).map_err(|e| io(&side, e))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, db).map_err(|e| io(db, e))?;
    drop(lock);
    Ok(RestoreReport { previous })
}
