//! The query layer both backends share: every statement and every method
//! body of the store is written once, in `catalog.rs`, `community.rs`,
//! `subscriptions.rs` and `search_data.rs`, and [`for_both_backends!`]
//! stamps it into `impl SqliteStore` and `impl PgStore`. What really differs
//! between SQLite and PostgreSQL is named here, in [`Dialect`], and nowhere
//! else; opening, migrating, backing up and closing stay in `sqlite.rs` and
//! `postgres.rs`.
//!
//! The SQL is written so that both accept it: `$1, $2…` placeholders (sqlx's
//! SQLite driver binds `$N` by number, as PostgreSQL does), `ON CONFLICT DO
//! NOTHING` rather than `INSERT OR IGNORE`, `RETURNING id` rather than
//! `last_insert_rowid()`, `NOT hidden` and `SELECT TRUE` decoded as `bool`
//! (sqlx decodes SQLite's 0/1 integers as booleans), lists bound as one JSON
//! array, no `::` casts (sqlx declares each parameter's type to PostgreSQL,
//! so `$3 IS NULL` needs none).
//!
//! Why a macro and not functions generic over `sqlx::Database`: a generic
//! body needs, on every function, a `where` clause naming each bound and
//! decoded type (`for<'q> i64: Encode<'q, DB> + Type<DB>`, …) and the
//! executor bounds of both the pool and a transaction's connection, which
//! Rust does not imply from one trait; those higher-ranked bounds also make
//! the `async fn` futures hard to prove `Send`. Expanded by the macro, each
//! body is plain code on a concrete pool, type-checked and compiled as a
//! hand-written backend is (the compiler builds the same two copies it built
//! when there were two backends in the source), while the source holds it
//! once. `rustfmt` does not format inside the macro's braces: keep the
//! bodies in its layout (format them as an `impl` block, then put the macro
//! back).

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// Expands the methods inside it into `impl SqliteStore` and `impl PgStore`.
/// A body reads its backend's differences from `Self::DIALECT`.
macro_rules! for_both_backends {
    ($($methods:tt)*) => {
        impl $crate::sqlite::SqliteStore {
            $($methods)*
        }
        impl $crate::postgres::PgStore {
            $($methods)*
        }
    };
}
pub(crate) use for_both_backends;

/// The sqlx database of a backend, for helpers written once in
/// [`for_both_backends!`] that take a transaction.
pub(crate) trait HasDb {
    type Db: sqlx::Database;
}

impl HasDb for crate::sqlite::SqliteStore {
    type Db = sqlx::Sqlite;
}

impl HasDb for crate::postgres::PgStore {
    type Db = sqlx::Postgres;
}

/// The points where SQLite and PostgreSQL need different words. Each
/// backend names its own as `DIALECT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// How a transaction that writes begins. SQLite: `IMMEDIATE` takes the
    /// write lock up front (a deferred transaction that reads first and
    /// writes later fails with SQLITE_BUSY, without waiting, when another
    /// connection wrote in between), and it serialises every writer, so the
    /// reads in it decide. PostgreSQL: READ COMMITTED; each rule that must
    /// hold under concurrent writers is one deciding statement or a
    /// [`Dialect::row_lock`].
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// A statement that makes ingest batches run one at a time, as SQLite's
    /// write lock already makes them: two imports merging overlapping papers
    /// in different orders would deadlock, and a batch counts its new rows by
    /// looking before it writes. On PostgreSQL a transaction-scoped advisory
    /// lock (released at commit or rollback) on the key "PAPERS".
    pub fn batch_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            // 88241449816659 = 0x5041_5045_5253, "PAPERS".
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(88241449816659)"),
        }
    }

    /// What follows a `SELECT` of a row the transaction goes on to change,
    /// so that a concurrent writer waits: PostgreSQL's `FOR UPDATE`. SQLite
    /// needs none (its writers are serialised by [`Dialect::begin_write`]).
    pub fn row_lock(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// `col` equals `param` in any (ASCII) case. SQLite compares with
    /// `NOCASE`, which the case-insensitive columns and indexes are declared
    /// with; PostgreSQL compares `lower()` on both sides, which its
    /// expression indexes (`lower(username)`, `lower(email)`, …) serve.
    pub fn ci_eq(self, col: &str, param: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{col} = {param} COLLATE NOCASE"),
            Dialect::Postgres => format!("lower({col}) = lower({param})"),
        }
    }

    /// The larger of two non-NULL values: SQLite's two-argument `MAX`,
    /// PostgreSQL's `GREATEST`.
    pub fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// The smaller of two non-NULL values: `MIN`, `LEAST`.
    pub fn least(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MIN",
            Dialect::Postgres => "LEAST",
        }
    }

    /// A table of the elements of a JSON array of strings (`json`, a column
    /// or a parameter holding JSON text) with one column, `{alias}.value`:
    /// how a list is bound as one parameter on both backends.
    pub fn json_values(self, json: &str, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_each({json}) AS {alias}"),
            Dialect::Postgres => {
                format!("jsonb_array_elements_text(({json})::jsonb) AS {alias}(value)")
            }
        }
    }

    /// The column that numbers papers in insertion order: SQLite's `rowid`,
    /// the `seq` identity column on PostgreSQL.
    pub fn insertion_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "seq",
        }
    }

    /// How a transaction that reads a consistent snapshot of the whole
    /// store begins (`papers store copy` reads its source in one). SQLite:
    /// a deferred transaction's first read fixes its snapshot (WAL readers
    /// never block the writer). PostgreSQL: REPEATABLE READ, whose snapshot
    /// is taken at the first statement, read only.
    pub fn begin_snapshot(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        }
    }

    /// Every (table, column) of the schema, in table and column order.
    pub fn schema_columns(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                 ORDER BY m.name, c.cid"
            }
            Dialect::Postgres => {
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT)
                 FROM information_schema.columns WHERE table_schema = current_schema()
                 ORDER BY table_name, ordinal_position"
            }
        }
    }

    /// A statement that sets the identity sequence of `table.id` past the
    /// largest id, so that rows added after ids were copied in explicitly do
    /// not collide. SQLite needs none: an `INTEGER PRIMARY KEY` takes the
    /// largest rowid plus one.
    pub fn reset_identity(self, table: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), \
                 MAX(id) IS NOT NULL) FROM {table}"
            )),
        }
    }
}

/// A list bound as one parameter: a JSON array (see [`Dialect::json_values`]).
pub(crate) fn json_list<T: serde::Serialize + ?Sized>(items: &T) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// The migrations of the backend whose folder under `migrations/` is `$dir`:
/// (version, description, SQL), the same list for both backends.
macro_rules! embedded_migrations {
    ($dir:literal) => {
        &[
            (
                1,
                "init",
                include_str!(concat!("../migrations/", $dir, "/0001_init.sql")),
            ),
            (
                2,
                "community",
                include_str!(concat!("../migrations/", $dir, "/0002_community.sql")),
            ),
            (
                3,
                "subscriptions",
                include_str!(concat!("../migrations/", $dir, "/0003_subscriptions.sql")),
            ),
            (
                4,
                "search",
                include_str!(concat!("../migrations/", $dir, "/0004_search.sql")),
            ),
            (
                5,
                "limits",
                include_str!(concat!("../migrations/", $dir, "/0005_limits.sql")),
            ),
            (
                6,
                "copy",
                include_str!(concat!("../migrations/", $dir, "/0006_copy.sql")),
            ),
            (
                7,
                "nodes",
                include_str!(concat!("../migrations/", $dir, "/0007_nodes.sql")),
            ),
            (
                8,
                "manage tokens",
                include_str!(concat!("../migrations/", $dir, "/0008_manage_tokens.sql")),
            ),
            (
                9,
                "reader",
                include_str!(concat!("../migrations/", $dir, "/0009_reader.sql")),
            ),
            (
                10,
                "collections",
                include_str!(concat!("../migrations/", $dir, "/0010_collections.sql")),
            ),
            (
                11,
                "authors",
                include_str!(concat!("../migrations/", $dir, "/0011_authors.sql")),
            ),
            (
                12,
                "follows",
                include_str!(concat!("../migrations/", $dir, "/0012_follows.sql")),
            ),
        ]
    };
}
pub(crate) use embedded_migrations;

/// The migrator for a backend's embedded migrations: (version, description,
/// SQL), in order.
pub(crate) fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    (*d).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}
