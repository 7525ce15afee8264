//! The PostgreSQL backend: the same contract as the SQLite one, for several
//! app nodes (or processes) sharing one database. Same tables and column
//! names (migrations embedded from `migrations/postgres/`), text timestamps
//! in the same format, so [`crate::rows`] maps rows for both and the queries
//! are the shared ones (see `dialect.rs`); this file opens and closes the
//! database.
//!
//! Concurrency is PostgreSQL's: transactions run at READ COMMITTED and every
//! rule that must hold under concurrent writers is one statement that
//! decides (`INSERT … ON CONFLICT … RETURNING`, `UPDATE … RETURNING`) or a
//! row lock (`SELECT … FOR UPDATE`), never a read followed by a blind write.
//! Ingest batches take a transaction-scoped advisory lock so that two
//! imports merge one after the other, as SQLite's write lock makes them.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::dialect::{Dialect, embedded_migrations, migrator};
use crate::{Result, StoreError};

const MIGRATIONS: &[(i64, &str, &str)] = embedded_migrations!("postgres");

/// A pool of up to 8 connections to `url`, named `application_name` in
/// `pg_stat_activity`.
async fn pool(url: &str, application_name: &str) -> Result<PgPool> {
    let opts: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(8)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts.application_name(application_name))
        .await?)
}

/// The PostgreSQL implementation of the store contract.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    pub(crate) const DIALECT: Dialect = Dialect::Postgres;

    /// Connects to `url` (`postgres://` or `postgresql://`) and applies the
    /// migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let pool = pool(url, "daily-papers").await?;
        // Two processes opening a new database at once (a server and an
        // import, two app nodes) must not both apply a migration. sqlx's
        // Migrator serialises them on PostgreSQL: before it creates or reads
        // `_sqlx_migrations` it takes `pg_advisory_lock` on a key derived from
        // the database name and holds it until every migration is applied
        // (sqlx-postgres `migrate.rs`, `lock`/`unlock`; `locking` defaults
        // to true). The SQLite backend needs its own file lock for this.
        migrator(MIGRATIONS).run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// Connects to a streaming replica (a hot standby: read only, never
    /// migrated; its schema is the primary's).
    pub(crate) async fn connect_replica(url: &str) -> Result<Self> {
        Ok(PgStore {
            pool: pool(url, "daily-papers-reader").await?,
        })
    }

    /// A PostgreSQL store is backed up with PostgreSQL's own tools.
    pub async fn backup(&self, dest: &std::path::Path) -> Result<()> {
        Err(StoreError::Io(format!(
            "{}: `papers backup` copies SQLite stores only; back up a PostgreSQL store with \
             pg_dump (e.g. `pg_dump --format=custom --file=papers.dump DATABASE_URL`) and put it \
             back with pg_restore",
            dest.display()
        )))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
