//! What several app nodes on one store share beyond the site's data, on
//! both backends (`migrations/*/0007_nodes.sql`):
//!
//! - **The change feed** (`changes`): a numbered row for every change to
//!   what the search indexes are built from (a paper's text, its hidden
//!   flag, a listing, a vector), written by triggers and numbered in commit
//!   order, so a node that has applied every change up to N only ever needs
//!   the rows after N ([`Store::changes_after`]). On PostgreSQL every change
//!   also notifies `papers_changes` ([`ChangeListener`]).
//! - **Job leases** (`jobs`): a job that must run on one node at a time is
//!   run by whoever takes its lease when it is due; the lease lapses unless
//!   renewed, so another node takes over from a dead one.
//! - **Embedding claims** (`embed_claims`): nodes embed disjoint batches of
//!   the papers that lack vectors.
//!
//! Every rule is one deciding statement (an `UPDATE … WHERE` that only one
//! of two racing nodes can satisfy, an `INSERT … ON CONFLICT … DO UPDATE …
//! WHERE`), which holds on PostgreSQL's READ COMMITTED (the loser re-checks
//! the `WHERE` on the winner's row) and under SQLite's write lock.

use jiff::Timestamp;

use crate::dialect::{for_both_backends, json_list};
use crate::rows::Cols;
use crate::search_data::vector_row;
use crate::{ListedPaper, Result, Store, StoreError, format_timestamp, rows};

/// The notification channel of the change feed (PostgreSQL).
pub const CHANGES_CHANNEL: &str = "papers_changes";

/// What a change row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A paper's searchable text, hidden flag or listing.
    Paper,
    /// A paper's vector for one model.
    Vector,
}

/// One row of the change feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub kind: ChangeKind,
    pub paper_id: String,
    /// The model of a [`ChangeKind::Vector`] change.
    pub model_id: Option<String>,
}

/// A job's lease and the record of its runs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JobRecord {
    pub name: String,
    /// Its schedule, as the nodes that registered it run it.
    pub every: Option<String>,
    /// The node running it now (while its lease is live).
    pub holder: Option<String>,
    pub lease_until: Option<String>,
    pub next_run: Option<String>,
    pub last_started: Option<String>,
    pub last_finished: Option<String>,
    /// `ok` or `failed`.
    pub last_status: Option<String>,
    pub last_message: Option<String>,
    pub last_node: Option<String>,
}

fn limit_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

for_both_backends! {
    /// The oldest and newest change numbers kept (0 and 0 when none).
    pub async fn change_horizon(&self) -> Result<(i64, i64)> {
        Ok(sqlx::query_as("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM changes")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Up to `limit` changes numbered after `after`, in order.
    pub async fn changes_after(&self, after: i64, limit: u64) -> Result<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT seq, kind, paper_id, model_id FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit_i64(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind = match r.text("kind")?.as_str() {
                    "paper" => ChangeKind::Paper,
                    "vector" => ChangeKind::Vector,
                    other => {
                        return Err(StoreError::Corrupt {
                            what: "changes.kind".into(),
                            detail: other.into(),
                        });
                    }
                };
                Ok(Change {
                    seq: r.int("seq")?,
                    kind,
                    paper_id: r.text("paper_id")?,
                    model_id: r.opt_text("model_id")?,
                })
            })
            .collect()
    }

    /// Deletes all but the newest `keep` changes; answers how many went. A
    /// node whose last applied change is older than what is kept compares
    /// its indexes with the store in full instead.
    pub async fn prune_changes(&self, keep: u64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM changes WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM changes) - $1",
        )
        .bind(limit_i64(keep))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Papers by id with their hidden flag (ids not stored are left out):
    /// what a node needs to apply changes to its indexes.
    pub async fn papers_for_index(&self, ids: &[String]) -> Result<Vec<(ListedPaper, bool)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {cols}, p.hidden AS hidden FROM {from}
             WHERE p.id IN (SELECT k.value FROM {ids})",
            cols = rows::LISTED_COLUMNS,
            from = rows::PAPERS_WITH_LATEST_LISTING,
            ids = Self::DIALECT.json_values("$1", "k")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(json_list(ids))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((rows::listed_from_row(r)?, r.flag("hidden")?)))
            .collect()
    }

    /// The stored vectors of `model_id` for those of `ids` that are visible.
    pub async fn vectors_of(&self, model_id: &str, ids: &[String]) -> Result<Vec<(String, Vec<f32>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT v.paper_id, v.vector FROM paper_vectors v JOIN papers p ON p.id = v.paper_id
             WHERE v.model_id = $1 AND NOT p.hidden AND v.paper_id IN (SELECT k.value FROM {ids})",
            ids = Self::DIALECT.json_values("$2", "k")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(model_id)
            .bind(json_list(ids))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(vector_row).collect()
    }

    /// Makes `name` a job run `every` (its description) and due at
    /// `next_run` at the latest: a new job is added; a known one keeps an
    /// earlier due time (so a restart never postpones a run), and takes this
    /// one when it was due later.
    pub async fn schedule_job(&self, name: &str, every: &str, next_run: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO jobs (name, every, next_run) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET every = excluded.every,
                next_run = CASE WHEN jobs.next_run IS NULL OR jobs.next_run > excluded.next_run
                                THEN excluded.next_run ELSE jobs.next_run END",
        )
        .bind(name)
        .bind(every)
        .bind(format_timestamp(next_run))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the lease of a due job for `holder` until `until`: true for
    /// exactly one of any number of nodes asking at once, and only when the
    /// job is due and nobody holds a live lease on it.
    pub async fn take_due_job(&self, name: &str, holder: &str, now: Timestamp, until: Timestamp) -> Result<bool> {
        let now = format_timestamp(now);
        let done = sqlx::query(
            "UPDATE jobs SET holder = $2, lease_until = $4, last_started = $3, last_node = $2
             WHERE name = $1 AND next_run <= $3
               AND (holder IS NULL OR lease_until IS NULL OR lease_until < $3)",
        )
        .bind(name)
        .bind(holder)
        .bind(&now)
        .bind(format_timestamp(until))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends a lease `holder` still has; false when it lapsed and another
    /// node took the job over (the run must stop).
    pub async fn renew_job_lease(&self, name: &str, holder: &str, until: Timestamp) -> Result<bool> {
        let done = sqlx::query("UPDATE jobs SET lease_until = $3 WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .bind(format_timestamp(until))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the end of a run by `holder`, gives the lease back and sets
    /// the next due time; false when the lease had passed to another node.
    pub async fn finish_job(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ok: bool,
        message: &str,
        next_run: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET holder = NULL, lease_until = NULL, last_finished = $3,
                last_status = $4, last_message = $5, next_run = $6
             WHERE name = $1 AND holder = $2",
        )
        .bind(name)
        .bind(holder)
        .bind(format_timestamp(now))
        .bind(if ok { "ok" } else { "failed" })
        .bind(crate::rows::nul_free(message))
        .bind(format_timestamp(next_run))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Makes a known job due now (`papers jobs run NAME`); false when there
    /// is no such job.
    pub async fn run_job_soon(&self, name: &str, now: Timestamp) -> Result<bool> {
        let done = sqlx::query("UPDATE jobs SET next_run = $2 WHERE name = $1")
            .bind(name)
            .bind(format_timestamp(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every job, by name.
    pub async fn jobs(&self) -> Result<Vec<JobRecord>> {
        let rows = sqlx::query(
            "SELECT name, every, holder, lease_until, next_run, last_started, last_finished,
                    last_status, last_message, last_node
             FROM jobs ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobRecord {
                    name: r.text("name")?,
                    every: r.opt_text("every")?,
                    holder: r.opt_text("holder")?,
                    lease_until: r.opt_text("lease_until")?,
                    next_run: r.opt_text("next_run")?,
                    last_started: r.opt_text("last_started")?,
                    last_finished: r.opt_text("last_finished")?,
                    last_status: r.opt_text("last_status")?,
                    last_message: r.opt_text("last_message")?,
                    last_node: r.opt_text("last_node")?,
                })
            })
            .collect()
    }

    /// Claims up to `limit` visible papers without a vector for `model_id`
    /// for `holder` until `until`, skipping papers another node has a live
    /// claim on, and answers them: nodes embedding at once get disjoint
    /// batches. A claim lapses at `until` (a node that died), and
    /// [`Store::put_vectors`] clears the claims of what it stores.
    pub async fn claim_papers_to_embed(
        &self,
        model_id: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
        limit: u64,
    ) -> Result<Vec<ListedPaper>> {
        // On PostgreSQL nodes claiming at once see the same candidates and
        // the later ones lose the conflicts (their claims are skipped, not
        // taken): such a node asks again, past the winners' claims. Its own
        // claims are answered again each time, so the last answer is whole.
        let (mut ids, mut tries) = (Vec::<String>::new(), 0);
        loop {
            let before = ids.len();
            ids = sqlx::query_scalar(
                "INSERT INTO embed_claims (paper_id, model_id, holder, until)
                 SELECT p.id, $1, $2, $4 FROM papers p
                 WHERE NOT p.hidden
                   AND NOT EXISTS (SELECT 1 FROM paper_vectors v WHERE v.paper_id = p.id AND v.model_id = $1)
                   AND NOT EXISTS (SELECT 1 FROM embed_claims c
                                   WHERE c.paper_id = p.id AND c.model_id = $1 AND c.until >= $3 AND c.holder <> $2)
                 ORDER BY p.id LIMIT $5
                 ON CONFLICT (paper_id, model_id) DO UPDATE SET holder = excluded.holder, until = excluded.until
                 WHERE embed_claims.until < $3 OR embed_claims.holder = excluded.holder
                 RETURNING paper_id",
            )
            .bind(model_id)
            .bind(holder)
            .bind(format_timestamp(now))
            .bind(format_timestamp(until))
            .bind(limit_i64(limit))
            .fetch_all(&self.pool)
            .await?;
            tries += 1;
            if ids.len() as u64 >= limit || tries >= 4 || (tries > 1 && ids.len() == before) {
                break;
            }
        }
        // On PostgreSQL the statement above reads one snapshot: a node that
        // stored its vectors (and so dropped its claims) after that snapshot
        // but before this insert leaves papers that look unembedded and
        // unclaimed. A new statement sees those vectors: such claims are
        // given back, and those papers are not embedded twice.
        let done: Vec<String> = sqlx::query_scalar(
            "DELETE FROM embed_claims
             WHERE model_id = $1 AND holder = $2
               AND EXISTS (SELECT 1 FROM paper_vectors v
                           WHERE v.paper_id = embed_claims.paper_id AND v.model_id = $1)
             RETURNING paper_id",
        )
        .bind(model_id)
        .bind(holder)
        .fetch_all(&self.pool)
        .await?;
        ids.retain(|id| !done.contains(id));
        ids.sort();
        self.papers_by_ids(&ids).await
    }
}

/// A wake-up from the change feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Papers, listings or vectors changed: indexes have changes to apply,
    /// and pages may show something new.
    Catalog,
    /// Votes or comments changed: pages show other counts.
    Community,
    /// The connection dropped and was made again: anything may have changed
    /// meanwhile.
    Reconnected,
}

/// Notifications of the change feed from the other nodes (and this one):
/// PostgreSQL's `LISTEN papers_changes` on a connection of its own, made
/// again when it drops.
pub struct ChangeListener {
    listener: sqlx::postgres::PgListener,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeListener")
    }
}

impl ChangeListener {
    /// The next notification. An error means the database could not be
    /// reached; the next call tries again.
    pub async fn next(&mut self) -> Result<Notice> {
        Ok(match self.listener.try_recv().await? {
            Some(n) if n.payload() == "community" => Notice::Community,
            Some(_) => Notice::Catalog,
            None => Notice::Reconnected,
        })
    }
}

impl Store {
    /// Listens to the change feed's notifications: PostgreSQL only (on
    /// SQLite, `None`: the one node polls the change feed).
    pub async fn listen(&self) -> Result<Option<ChangeListener>> {
        match &self.backend {
            crate::Backend::Sqlite(_) => Ok(None),
            crate::Backend::Postgres(pg) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(&pg.pool).await?;
                listener.listen(CHANGES_CHANNEL).await?;
                Ok(Some(ChangeListener { listener }))
            }
        }
    }
}
