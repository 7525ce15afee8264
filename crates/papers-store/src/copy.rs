//! Moving a site: every row of one store into another, empty one, whatever
//! the backends (SQLite to PostgreSQL, back, or to the same kind), keeping
//! ids so that every reference stays valid (`papers store copy`).
//!
//! - **What is copied**: every table of the schema ([`TABLES`], in an order
//!   where each row's references are copied before it), each in key order
//!   in batches. Before anything is copied both schemas are compared with
//!   that list, so a table or column added by a later migration and not
//!   named here stops the copy instead of being left behind.
//! - **A consistent source**: the source is read in one snapshot
//!   transaction ([`Dialect::begin_snapshot`]), so a copy taken while the
//!   site runs is the store as it was at one instant.
//! - **Resumable**: each batch is written in one transaction on the target
//!   together with the key of its last row (`store_copy_progress`), so a
//!   rerun after an interruption continues after the last committed batch;
//!   rows are inserted with `ON CONFLICT DO NOTHING` besides.
//! - **Only into an empty store, or its own unfinished copy**: the target's
//!   `store_copy` row names the source it copies from. A target with rows
//!   and no such row, a copy of another source, or a finished copy is
//!   refused.
//! - **Checked**: at the end every table's rows are counted and digested
//!   (an order-free hash of every value) on both sides, and the copy is
//!   marked finished only when all agree.
//! - **Identity sequences**: on a PostgreSQL target they are set past the
//!   largest copied id ([`Dialect::reset_identity`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use jiff::Timestamp;

use crate::{Backend, Result, Store, StoreError, format_timestamp};

/// The type of a column, as the copy reads and binds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    /// SQLite's 0/1 integer, PostgreSQL's boolean.
    Flag,
    Bytes,
}

use Kind::{Bytes, Flag, Int, Text};

/// A copied table: its columns, the first `key` of which are its primary
/// key (the copy's order).
struct Table {
    name: &'static str,
    key: usize,
    columns: &'static [(&'static str, Kind)],
}

/// Every table of the schema, each after the tables it references.
const TABLES: &[Table] = &[
    Table {
        name: "users",
        key: 1,
        columns: &[
            ("id", Int),
            ("username", Text),
            ("email", Text),
            ("password_hash", Text),
            ("role", Text),
            ("banned", Flag),
            ("created_at", Text),
        ],
    },
    Table {
        name: "papers",
        key: 1,
        columns: &[
            ("id", Text),
            ("version", Int),
            ("title", Text),
            ("abstract", Text),
            ("authors", Text),
            ("author_count", Int),
            ("categories", Text),
            ("primary_category", Text),
            ("published_at", Text),
            ("updated_at", Text),
            ("github_repo", Text),
            ("github_stars", Int),
            ("project_page", Text),
            ("ai_summary", Text),
            ("ai_keywords", Text),
            ("doi", Text),
            ("journal_ref", Text),
            ("arxiv_comments", Text),
            ("discussion_id", Text),
            ("organization", Text),
            ("upvotes_baseline", Int),
            ("comments_baseline", Int),
            ("local_votes", Int),
            ("local_comments", Int),
            ("hidden", Flag),
            ("created_at", Text),
        ],
    },
    Table {
        name: "daily_listings",
        key: 2,
        columns: &[
            ("day", Text),
            ("paper_id", Text),
            ("position", Int),
            ("submitted_at", Text),
            ("item_published_at", Text),
            ("submitter_name", Text),
            ("submitter", Text),
            ("submitter_user_id", Int),
            ("comment", Text),
            ("thumbnail", Text),
            ("is_author_participating", Flag),
        ],
    },
    // Derived from `papers.authors`, but copied like any table: the
    // target's rows then match without a rebuild.
    Table {
        name: "paper_authors",
        key: 2,
        columns: &[
            ("paper_id", Text),
            ("position", Int),
            ("name_key", Text),
            ("name", Text),
        ],
    },
    Table {
        name: "authorship_claims",
        key: 1,
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("paper_id", Text),
            ("author_name", Text),
            ("name_key", Text),
            ("status", Text),
            ("created_at", Text),
            ("decided_at", Text),
        ],
    },
    Table {
        name: "sessions",
        key: 1,
        columns: &[
            ("id_hash", Text),
            ("user_id", Int),
            ("csrf_token", Text),
            ("created_at", Text),
            ("expires_at", Text),
        ],
    },
    Table {
        name: "api_tokens",
        key: 1,
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("token_hash", Text),
            ("created_at", Text),
            ("last_used_at", Text),
            ("revoked_at", Text),
        ],
    },
    Table {
        name: "password_resets",
        key: 1,
        columns: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("created_at", Text),
            ("expires_at", Text),
            ("used_at", Text),
        ],
    },
    Table {
        name: "votes",
        key: 2,
        columns: &[("user_id", Int), ("paper_id", Text), ("created_at", Text)],
    },
    Table {
        name: "not_interested",
        key: 2,
        columns: &[("user_id", Int), ("paper_id", Text), ("created_at", Text)],
    },
    Table {
        name: "collections",
        key: 1,
        columns: &[
            ("id", Text),
            ("owner_id", Int),
            ("title", Text),
            ("description", Text),
            ("private", Flag),
            ("created_at", Text),
            ("updated_at", Text),
        ],
    },
    Table {
        name: "collection_items",
        key: 2,
        columns: &[
            ("collection_id", Text),
            ("paper_id", Text),
            ("item_id", Text),
            ("position", Int),
            ("note", Text),
            ("added_at", Text),
        ],
    },
    Table {
        name: "follows",
        key: 3,
        columns: &[
            ("user_id", Int),
            ("kind", Text),
            ("target", Text),
            ("label", Text),
            ("created_at", Text),
        ],
    },
    Table {
        name: "notifications",
        key: 1,
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("paper_id", Text),
            ("detail", Text),
            ("actor", Text),
            ("created_at", Text),
            ("read_at", Text),
        ],
    },
    // In id order a reply comes after its parent (a parent exists before
    // anyone answers it).
    Table {
        name: "comments",
        key: 1,
        columns: &[
            ("id", Int),
            ("paper_id", Text),
            ("user_id", Int),
            ("parent_id", Int),
            ("body", Text),
            ("created_at", Text),
            ("edited_at", Text),
            ("deleted_at", Text),
            ("hidden", Flag),
        ],
    },
    Table {
        name: "subscriptions",
        key: 1,
        columns: &[
            ("id", Int),
            ("email", Text),
            ("cadence", Text),
            ("query", Text),
            ("categories", Text),
            ("dedup_key", Text),
            ("status", Text),
            ("confirm_token_hash", Text),
            ("confirm_expires_at", Text),
            ("manage_token", Text),
            ("user_id", Int),
            ("hard_bounces", Int),
            ("created_at", Text),
            ("confirmed_at", Text),
            ("for_you", Flag),
        ],
    },
    // The links in every mail ever sent keep working on the new store.
    Table {
        name: "manage_tokens",
        key: 1,
        columns: &[
            ("token_hash", Text),
            ("subscription_id", Int),
            ("created_at", Text),
        ],
    },
    Table {
        name: "digest_sends",
        key: 2,
        columns: &[
            ("subscription_id", Int),
            ("period", Text),
            ("status", Text),
            ("attempts", Int),
            ("papers", Int),
            ("error", Text),
            ("updated_at", Text),
        ],
    },
    Table {
        name: "subscription_papers",
        key: 2,
        columns: &[
            ("subscription_id", Int),
            ("paper_id", Text),
            ("period", Text),
        ],
    },
    Table {
        name: "paper_vectors",
        key: 2,
        columns: &[
            ("paper_id", Text),
            ("model_id", Text),
            ("dim", Int),
            ("vector", Bytes),
        ],
    },
    Table {
        name: "harvest_cursors",
        key: 1,
        columns: &[("name", Text), ("value", Text), ("updated_at", Text)],
    },
    // The throttles move too, so that a limit in force stays in force.
    Table {
        name: "mail_throttle",
        key: 2,
        columns: &[("recipient", Text), ("kind", Text), ("last_sent_at", Text)],
    },
    Table {
        name: "rate_counters",
        key: 1,
        columns: &[("key", Text), ("window_start", Text), ("hits", Int)],
    },
];

/// Not copied: the copy's own bookkeeping, and the state of the nodes
/// (the change feed the target's triggers write afresh as rows arrive, job
/// leases and embedding claims, which start empty on a new site).
const NOT_COPIED: &[&str] = &[
    "_sqlx_migrations",
    "store_copy",
    "store_copy_progress",
    "changes",
    "jobs",
    "embed_claims",
];

/// Columns the database fills itself: PostgreSQL's insertion order.
const GENERATED: &[(&str, &str)] = &[("papers", "seq")];

/// Tables whose `id` is an identity column on PostgreSQL.
const IDENTITIES: &[&str] = &[
    "users",
    "api_tokens",
    "comments",
    "subscriptions",
    "authorship_claims",
    "notifications",
];

/// Rows per batch (one target transaction) unless told otherwise.
pub const DEFAULT_BATCH_ROWS: u64 = 1000;

/// Values bound in one INSERT at most (SQLite allows 32,766, PostgreSQL
/// 65,535).
const MAX_BINDS: usize = 10_000;

/// One value of a row, as its column's kind reads it.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Flag(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

impl Value {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(v) => serde_json::json!(v),
            Value::Int(v) => serde_json::json!(v),
            Value::Flag(v) => serde_json::json!(v),
            Value::Bytes(_) => serde_json::Value::Null,
        }
    }

    fn from_json(kind: Kind, v: &serde_json::Value) -> Option<Value> {
        Some(match kind {
            Text => Value::Text(Some(v.as_str()?.to_string())),
            Int => Value::Int(Some(v.as_i64()?)),
            Flag => Value::Flag(Some(v.as_bool()?)),
            Bytes => return None,
        })
    }

    /// Feeds the value, with its kind and length, to a digest.
    fn digest_into(&self, h: &mut Fnv) {
        fn opt<T>(h: &mut Fnv, tag: u8, v: &Option<T>, bytes: impl Fn(&T, &mut Fnv)) {
            match v {
                None => h.write(&[tag, 0]),
                Some(x) => {
                    h.write(&[tag, 1]);
                    bytes(x, h);
                }
            }
        }
        let sized = |b: &[u8], h: &mut Fnv| {
            h.write(&(b.len() as u64).to_le_bytes());
            h.write(b);
        };
        match self {
            Value::Text(v) => opt(h, 1, v, |s, h| sized(s.as_bytes(), h)),
            Value::Int(v) => opt(h, 2, v, |i, h| h.write(&i.to_le_bytes())),
            Value::Flag(v) => opt(h, 3, v, |b, h| h.write(&[u8::from(*b)])),
            Value::Bytes(v) => opt(h, 4, v, |b, h| sized(b, h)),
        }
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms, unlike std's hasher.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash, mixed (splitmix64's finaliser) so that summing the hashes
    /// of rows that differ a little does not cancel out.
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn row_hash(row: &[Value]) -> u64 {
    let mut h = Fnv::new();
    for v in row {
        v.digest_into(&mut h);
    }
    h.finish()
}

/// What a table holds: its rows, and a digest of their contents that does
/// not depend on their order (the wrapping sum of a hash of each row), so
/// that two stores on different backends can be compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSummary {
    pub table: &'static str,
    pub rows: u64,
    pub digest: u64,
}

/// One table after a copy: the source's summary and the target's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableCheck {
    pub source: TableSummary,
    pub target: TableSummary,
}

impl TableCheck {
    pub fn table(&self) -> &'static str {
        self.source.table
    }

    /// Same rows, same contents.
    pub fn matches(&self) -> bool {
        self.source.rows == self.target.rows && self.source.digest == self.target.digest
    }
}

/// What a copy did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyReport {
    /// It continued an interrupted copy.
    pub resumed: bool,
    /// Rows this run wrote (a resumed run: those left to copy).
    pub copied: u64,
    /// Every table, checked on both sides.
    pub tables: Vec<TableCheck>,
}

impl CopyReport {
    /// Every table agrees: the copy is finished.
    pub fn matches(&self) -> bool {
        self.tables.iter().all(TableCheck::matches)
    }
}

/// How a copy is run.
#[derive(Clone, Debug)]
pub struct CopyOptions {
    /// The source as the target records it (its URL without a password):
    /// a rerun resumes only a copy of the same source.
    pub source: String,
    /// When the copy starts or finishes (the injected clock).
    pub now: Timestamp,
    /// Rows per batch, each one transaction on the target.
    pub batch_rows: u64,
}

/// What a copy reports as it goes; the callback answers whether to go on
/// (`ControlFlow::Break` stops the copy between two batches, and a rerun
/// continues it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyEvent<'a> {
    /// The copy begins: rows in the source, and how many an earlier run of
    /// this copy already wrote.
    Started {
        total: u64,
        already: u64,
        resumed: bool,
    },
    /// A batch of a table was written.
    Copied { table: &'a str, rows: u64 },
    /// Every row is copied; the tables are being compared.
    Checking { table: &'a str },
}

/// Stamps the database access of the copy for each backend: the same code
/// on a concrete connection type, as `for_both_backends!` does for the
/// store's methods.
macro_rules! copy_io {
    ($($module:ident: $db:ty, $dialect:expr;)*) => {$(
        mod $module {
            use sqlx::Row;

            use super::{Kind, Table, Value};
            use crate::Result;
            use crate::dialect::Dialect;

            pub(super) type Conn = <$db as sqlx::Database>::Connection;
            pub(super) type Pool = sqlx::Pool<$db>;
            type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>;
            pub(super) const DIALECT: Dialect = $dialect;

            fn bind<'q>(q: Query<'q>, v: &Value) -> Query<'q> {
                match v {
                    Value::Text(x) => q.bind(x.clone()),
                    Value::Int(x) => q.bind(*x),
                    Value::Flag(x) => q.bind(*x),
                    Value::Bytes(x) => q.bind(x.clone()),
                }
            }

            pub(super) async fn schema(conn: &mut Conn) -> Result<Vec<(String, String)>> {
                Ok(sqlx::query_as(DIALECT.schema_columns()).fetch_all(&mut *conn).await?)
            }

            pub(super) async fn count(conn: &mut Conn, t: &Table) -> Result<u64> {
                let sql = format!("SELECT COUNT(*) FROM {}", t.name);
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            /// Up to `limit` rows after the key `after`, in key order.
            pub(super) async fn read(
                conn: &mut Conn,
                t: &Table,
                after: Option<&[Value]>,
                limit: u64,
            ) -> Result<Vec<Vec<Value>>> {
                let mut q: Query<'_> = sqlx::query(sqlx::AssertSqlSafe(t.select_sql(after.is_some())));
                for v in after.unwrap_or_default() {
                    q = bind(q, v);
                }
                let rows = q
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&mut *conn)
                    .await?;
                rows.iter()
                    .map(|r| {
                        t.columns
                            .iter()
                            .enumerate()
                            .map(|(i, (_, kind))| {
                                Ok(match kind {
                                    Kind::Text => Value::Text(r.try_get(i)?),
                                    Kind::Int => Value::Int(r.try_get(i)?),
                                    Kind::Flag => Value::Flag(r.try_get(i)?),
                                    Kind::Bytes => Value::Bytes(r.try_get(i)?),
                                })
                            })
                            .collect::<Result<Vec<_>>>()
                    })
                    .collect()
            }

            /// The target's copy record: (source, finished_at).
            pub(super) async fn marker(conn: &mut Conn) -> Result<Option<(String, Option<String>)>> {
                Ok(sqlx::query_as("SELECT source, finished_at FROM store_copy WHERE id = 1")
                    .fetch_optional(&mut *conn)
                    .await?)
            }

            pub(super) async fn start(conn: &mut Conn, source: &str, now: &str) -> Result<()> {
                sqlx::query("INSERT INTO store_copy (id, source, started_at) VALUES (1, $1, $2)")
                    .bind(source)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }

            /// (table, last key as JSON, rows copied) of every table begun.
            pub(super) async fn progress(conn: &mut Conn) -> Result<Vec<(String, String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT table_name, last_key, copied_rows FROM store_copy_progress",
                )
                .fetch_all(&mut *conn)
                .await?)
            }

            /// Writes one batch and where the table got to, in one transaction.
            pub(super) async fn write_batch(
                pool: &Pool,
                t: &Table,
                rows: &[Vec<Value>],
                last_key: &str,
                copied_rows: u64,
            ) -> Result<()> {
                let mut tx = pool.begin_with(DIALECT.begin_write()).await?;
                let per_insert = (super::MAX_BINDS / t.columns.len()).max(1);
                for chunk in rows.chunks(per_insert) {
                    let mut q: Query<'_> =
                        sqlx::query(sqlx::AssertSqlSafe(t.insert_sql(chunk.len())));
                    for row in chunk {
                        for v in row {
                            q = bind(q, v);
                        }
                    }
                    q.execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO store_copy_progress (table_name, last_key, copied_rows)
                     VALUES ($1, $2, $3)
                     ON CONFLICT (table_name) DO UPDATE SET last_key = excluded.last_key,
                        copied_rows = excluded.copied_rows",
                )
                .bind(t.name)
                .bind(last_key)
                .bind(i64::try_from(copied_rows).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(super) async fn reset_identities(conn: &mut Conn) -> Result<()> {
                for table in super::IDENTITIES {
                    if let Some(sql) = DIALECT.reset_identity(table) {
                        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            }

            pub(super) async fn finish(conn: &mut Conn, now: &str) -> Result<()> {
                sqlx::query("UPDATE store_copy SET finished_at = $1 WHERE id = 1")
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }
        }
    )*};
}

copy_io! {
    sqlite_io: sqlx::Sqlite, Dialect::Sqlite;
    pg_io: sqlx::Postgres, Dialect::Postgres;
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_columns(&self) -> &'static [(&'static str, Kind)] {
        self.columns.get(..self.key).unwrap_or(self.columns)
    }

    /// Rows in key order, after a key (`$1…$k`) or from the start, with the
    /// limit as the last parameter.
    fn select_sql(&self, after: bool) -> String {
        let key: Vec<&str> = self.key_columns().iter().map(|(c, _)| *c).collect();
        let (filter, limit) = if after {
            let params: Vec<String> = (1..=key.len()).map(|i| format!("${i}")).collect();
            (
                format!("WHERE ({}) > ({})", key.join(", "), params.join(", ")),
                key.len() + 1,
            )
        } else {
            (String::new(), 1)
        };
        format!(
            "SELECT {cols} FROM {table} {filter} ORDER BY {order} LIMIT ${limit}",
            cols = self.column_list(),
            table = self.name,
            order = key.join(", ")
        )
    }

    /// An insert of `rows` rows that leaves a row already there alone.
    fn insert_sql(&self, rows: usize) -> String {
        let n = self.columns.len();
        let values: Vec<String> = (0..rows)
            .map(|r| {
                let params: Vec<String> = (1..=n).map(|c| format!("${}", r * n + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT DO NOTHING",
            table = self.name,
            cols = self.column_list(),
            values = values.join(", ")
        )
    }

    fn key_json(&self, row: &[Value]) -> String {
        let key: Vec<serde_json::Value> = row.iter().take(self.key).map(Value::to_json).collect();
        serde_json::Value::Array(key).to_string()
    }

    fn key_from_json(&self, json: &str) -> Result<Vec<Value>> {
        let corrupt = || StoreError::Corrupt {
            what: format!("store_copy_progress for {}", self.name),
            detail: format!("last_key {json:?}"),
        };
        let parsed: Vec<serde_json::Value> = serde_json::from_str(json).map_err(|_| corrupt())?;
        if parsed.len() != self.key {
            return Err(corrupt());
        }
        self.key_columns()
            .iter()
            .zip(&parsed)
            .map(|((_, kind), v)| Value::from_json(*kind, v).ok_or_else(corrupt))
            .collect()
    }
}

/// Compares a schema with [`TABLES`]: a table or column the copy does not
/// know would be left behind, and one it knows but the store lacks means
/// the two binaries differ.
fn check_schema(which: &str, columns: &[(String, String)]) -> Result<()> {
    let found: BTreeSet<(&str, &str)> = columns
        .iter()
        .map(|(t, c)| (t.as_str(), c.as_str()))
        .filter(|(t, _)| !NOT_COPIED.contains(t))
        .filter(|tc| !GENERATED.contains(tc))
        .collect();
    let known: BTreeSet<(&str, &str)> = TABLES
        .iter()
        .flat_map(|t| t.columns.iter().map(move |(c, _)| (t.name, *c)))
        .collect();
    let describe = |set: Vec<&(&str, &str)>| {
        set.iter()
            .map(|(t, c)| format!("{t}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unknown: Vec<_> = found.difference(&known).collect();
    if !unknown.is_empty() {
        return Err(StoreError::CopyRefused(format!(
            "the {which} has tables or columns the copy does not know ({}); was it made by a \
             newer `papers`?",
            describe(unknown)
        )));
    }
    let missing: Vec<_> = known.difference(&found).collect();
    if !missing.is_empty() {
        return Err(StoreError::CopyRefused(format!(
            "the {which} lacks columns the copy expects ({})",
            describe(missing)
        )));
    }
    Ok(())
}

/// The source, read in one snapshot transaction.
enum Snapshot {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Calls the same function of `sqlite_io` or `pg_io` on whichever
/// connection `$conn` is.
macro_rules! on_conn {
    ($side:expr, $io:ident, $c:ident => $call:expr) => {
        match $side {
            Conn::Sqlite($c) => {
                use sqlite_io as $io;
                $call
            }
            Conn::Postgres($c) => {
                use pg_io as $io;
                $call
            }
        }
    };
}

/// A connection of either backend.
enum Conn<'a> {
    Sqlite(&'a mut sqlite_io::Conn),
    Postgres(&'a mut pg_io::Conn),
}

impl Snapshot {
    async fn begin(store: &Store) -> Result<Snapshot> {
        Ok(match &store.backend {
            Backend::Sqlite(s) => Snapshot::Sqlite(
                s.pool
                    .begin_with(sqlite_io::DIALECT.begin_snapshot())
                    .await?,
            ),
            Backend::Postgres(s) => {
                Snapshot::Postgres(s.pool.begin_with(pg_io::DIALECT.begin_snapshot()).await?)
            }
        })
    }

    fn conn(&mut self) -> Conn<'_> {
        match self {
            Snapshot::Sqlite(tx) => Conn::Sqlite(tx),
            Snapshot::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    async fn end(self) -> Result<()> {
        match self {
            Snapshot::Sqlite(tx) => tx.rollback().await?,
            Snapshot::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// A connection from a store's pool.
enum Pooled {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl Pooled {
    async fn acquire(store: &Store) -> Result<Pooled> {
        Ok(match &store.backend {
            Backend::Sqlite(s) => Pooled::Sqlite(s.pool.acquire().await?),
            Backend::Postgres(s) => Pooled::Postgres(s.pool.acquire().await?),
        })
    }

    fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(c),
            Pooled::Postgres(c) => Conn::Postgres(c),
        }
    }
}

async fn schema(conn: Conn<'_>) -> Result<Vec<(String, String)>> {
    on_conn!(conn, io, c => io::schema(c).await)
}

async fn count(conn: Conn<'_>, t: &Table) -> Result<u64> {
    on_conn!(conn, io, c => io::count(c, t).await)
}

async fn read(
    conn: Conn<'_>,
    t: &Table,
    after: Option<&[Value]>,
    limit: u64,
) -> Result<Vec<Vec<Value>>> {
    on_conn!(conn, io, c => io::read(c, t, after, limit).await)
}

/// Rows per read when a table is summarised.
const SUMMARY_BATCH: u64 = 2000;

/// Reads a whole table in key order and summarises it.
async fn summarize(mut conn: Conn<'_>, t: &Table) -> Result<TableSummary> {
    let mut summary = TableSummary {
        table: t.name,
        rows: 0,
        digest: 0,
    };
    let mut after: Option<Vec<Value>> = None;
    loop {
        let rows = read(conn.again(), t, after.as_deref(), SUMMARY_BATCH).await?;
        for row in &rows {
            summary.rows += 1;
            summary.digest = summary.digest.wrapping_add(row_hash(row));
        }
        match rows.last() {
            Some(last) if rows.len() as u64 == SUMMARY_BATCH => {
                after = Some(last.iter().take(t.key).cloned().collect());
            }
            _ => return Ok(summary),
        }
    }
}

impl Conn<'_> {
    /// The same connection, borrowed again for one call.
    fn again(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Store {
    /// Per table of the site's data: its rows and an order-free digest of
    /// their contents, comparable between backends (what a copy checks).
    pub async fn table_summaries(&self) -> Result<Vec<TableSummary>> {
        let mut snapshot = Snapshot::begin(self).await?;
        let mut out = Vec::with_capacity(TABLES.len());
        for t in TABLES {
            out.push(summarize(snapshot.conn(), t).await?);
        }
        snapshot.end().await?;
        Ok(out)
    }

    /// Copies every row of this store into `target`, which must be empty or
    /// hold an unfinished copy of the same source (`options.source`), which
    /// this run then continues. Ids are kept; on PostgreSQL the identity
    /// sequences are set past them. At the end both sides are summarised
    /// table by table ([`Store::table_summaries`]); only when all agree is
    /// the copy marked finished. `on_event` hears the progress and may stop
    /// the copy between two batches ([`StoreError::CopyStopped`]).
    pub async fn copy_into<F>(
        &self,
        target: &Store,
        options: &CopyOptions,
        mut on_event: F,
    ) -> Result<CopyReport>
    where
        F: FnMut(CopyEvent<'_>) -> ControlFlow<()>,
    {
        let now = format_timestamp(options.now);
        let batch_rows = options.batch_rows.max(1);
        let mut source = Snapshot::begin(self).await?;
        let mut sink = Pooled::acquire(target).await?;
        check_schema("source store", &schema(source.conn()).await?)?;
        check_schema("target store", &schema(sink.conn()).await?)?;

        let resumed = claim_target(sink.conn(), &options.source, &now).await?;
        let progress = read_progress(sink.conn()).await?;
        let mut totals = Vec::with_capacity(TABLES.len());
        for t in TABLES {
            totals.push(count(source.conn(), t).await?);
        }
        let already: u64 = progress.values().map(|(_, rows)| *rows).sum();
        if on_event(CopyEvent::Started {
            total: totals.iter().sum(),
            already,
            resumed,
        })
        .is_break()
        {
            return Err(StoreError::CopyStopped);
        }

        let mut copied = 0;
        for t in TABLES {
            let (mut after, mut done) = match progress.get(t.name) {
                Some((key, rows)) => (Some(t.key_from_json(key)?), *rows),
                None => (None, 0),
            };
            loop {
                let rows = read(source.conn(), t, after.as_deref(), batch_rows).await?;
                let Some(last) = rows.last() else {
                    break;
                };
                let last_key = t.key_json(last);
                done += rows.len() as u64;
                match &target.backend {
                    Backend::Sqlite(s) => {
                        sqlite_io::write_batch(&s.pool, t, &rows, &last_key, done).await?
                    }
                    Backend::Postgres(s) => {
                        pg_io::write_batch(&s.pool, t, &rows, &last_key, done).await?
                    }
                }
                copied += rows.len() as u64;
                let flow = on_event(CopyEvent::Copied {
                    table: t.name,
                    rows: rows.len() as u64,
                });
                if flow.is_break() {
                    return Err(StoreError::CopyStopped);
                }
                if (rows.len() as u64) < batch_rows {
                    break;
                }
                after = Some(last.iter().take(t.key).cloned().collect());
            }
        }
        on_conn!(sink.conn(), io, c => io::reset_identities(c).await)?;

        let mut tables = Vec::with_capacity(TABLES.len());
        for t in TABLES {
            let _ = on_event(CopyEvent::Checking { table: t.name });
            tables.push(TableCheck {
                source: summarize(source.conn(), t).await?,
                target: summarize(sink.conn(), t).await?,
            });
        }
        source.end().await?;
        let report = CopyReport {
            resumed,
            copied,
            tables,
        };
        if report.matches() {
            on_conn!(sink.conn(), io, c => io::finish(c, &now).await)?;
        }
        Ok(report)
    }
}

/// Makes sure the target may be copied into: an empty store is claimed for
/// this copy (its `store_copy` row), an unfinished copy of the same source
/// is resumed (answers true); anything else is refused.
async fn claim_target(mut conn: Conn<'_>, source: &str, now: &str) -> Result<bool> {
    let marker = on_conn!(conn.again(), io, c => io::marker(c).await)?;
    match marker {
        Some((from, None)) if from == source => return Ok(true),
        Some((from, None)) => {
            return Err(StoreError::CopyRefused(format!(
                "the target holds an unfinished copy of another store ({from}); copy into a new, \
                 empty database"
            )));
        }
        Some((from, Some(at))) => {
            return Err(StoreError::CopyRefused(format!(
                "the target already holds a finished copy of {from} (finished {at})"
            )));
        }
        None => {}
    }
    let mut held = Vec::new();
    for t in TABLES {
        let n = count(conn.again(), t).await?;
        if n > 0 {
            held.push(format!("{n} {}", t.name));
        }
    }
    if !held.is_empty() {
        return Err(StoreError::CopyRefused(format!(
            "the target is not empty ({}); copy into a new, empty database",
            held.join(", ")
        )));
    }
    on_conn!(conn, io, c => io::start(c, source, now).await)?;
    Ok(false)
}

/// Where each table's copy got to: table → (last key as JSON, rows).
async fn read_progress(conn: Conn<'_>) -> Result<BTreeMap<String, (String, u64)>> {
    let rows = on_conn!(conn, io, c => io::progress(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(t, key, n)| (t, (key, u64::try_from(n).unwrap_or(0))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyset_sql_reads_after_the_last_key() {
        let votes = TABLES.iter().find(|t| t.name == "votes").unwrap();
        assert_eq!(
            votes.select_sql(true),
            "SELECT user_id, paper_id, created_at FROM votes WHERE (user_id, paper_id) > ($1, $2) \
             ORDER BY user_id, paper_id LIMIT $3"
        );
        assert_eq!(
            votes.insert_sql(2),
            "INSERT INTO votes (user_id, paper_id, created_at) VALUES ($1, $2, $3), ($4, $5, $6) \
             ON CONFLICT DO NOTHING"
        );
        let row = vec![
            Value::Int(Some(7)),
            Value::Text(Some("2608.00001".into())),
            Value::Text(Some("t".into())),
        ];
        let key = votes.key_json(&row);
        assert_eq!(key, r#"[7,"2608.00001"]"#);
        assert_eq!(votes.key_from_json(&key).unwrap(), row[..2].to_vec());
        assert!(votes.key_from_json("[7]").is_err());
    }

    #[test]
    fn every_table_comes_after_those_it_references() {
        let order: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        let before = |a: &str, b: &str| {
            order.iter().position(|t| *t == a) < order.iter().position(|t| *t == b)
        };
        for (table, refs) in [
            ("daily_listings", &["papers", "users"][..]),
            ("sessions", &["users"]),
            ("votes", &["users", "papers"]),
            ("comments", &["users", "papers"]),
            ("subscriptions", &["users"]),
            ("digest_sends", &["subscriptions"]),
            ("subscription_papers", &["subscriptions", "papers"]),
            ("paper_vectors", &["papers"]),
        ] {
            for r in refs {
                assert!(before(r, table), "{r} before {table}");
            }
        }
    }

    #[test]
    fn digests_see_every_value_and_its_kind() {
        let a = [
            Value::Text(Some("ab".into())),
            Value::Text(Some("c".into())),
        ];
        let b = [
            Value::Text(Some("a".into())),
            Value::Text(Some("bc".into())),
        ];
        assert_ne!(row_hash(&a), row_hash(&b));
        assert_ne!(
            row_hash(&[Value::Int(None)]),
            row_hash(&[Value::Text(None)])
        );
        assert_ne!(
            row_hash(&[Value::Flag(Some(false))]),
            row_hash(&[Value::Flag(None)])
        );
    }
}
