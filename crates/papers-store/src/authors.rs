//! Authors and authorship claims, on both backends: `paper_authors`, one
//! row per author of a paper under its [`author_key`] (rewritten by the
//! ingest batch in its transaction, filled in for older papers when the
//! store opens), an author's papers, co-authors and upvotes, and the claims
//! readers make and admins verify or reject. A verified claim shows on the
//! paper's author entry as it is read ([`Author::claimed_by`]).

use std::collections::HashMap;

use jiff::Timestamp;
use papers_core::{ArxivId, Author, AuthorshipClaim, ClaimStatus, VerifiedAuthor, author_key};
use sqlx::Row;

use crate::community::Refusal;
use crate::dialect::{HasDb, for_both_backends, json_list};
use crate::rows::{self, Cols, nul_free};
use crate::{ListedPaper, Page, Result, StoreError, format_timestamp};

/// An author, as their page introduces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorSummary {
    /// The name as most of their papers write it.
    pub name: String,
    /// Visible papers.
    pub papers: u64,
    /// The upvotes of those papers, together.
    pub upvotes: i64,
}

/// Someone who wrote papers with an author.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coauthor {
    pub name: String,
    /// Visible papers written together.
    pub papers: u64,
}

/// `paper_authors` rows one statement inserts at most (4 values a row).
const AUTHOR_ROWS_PER_STATEMENT: usize = 1000;

/// An author's latest papers their co-authors are counted over.
const COAUTHOR_PAPERS: i64 = 500;

/// Papers with more authors than this (collaborations) make no co-authors.
const COAUTHOR_MAX_AUTHORS: i64 = 100;

/// Papers one transaction of the backfill covers.
const BACKFILL_PAPERS: i64 = 2000;

const CLAIM_COLS: &str = "c.id, c.user_id, u.username, c.paper_id, c.author_name, c.status,
    c.created_at, c.decided_at";

/// The `paper_authors` rows of one paper: (position, key, name).
fn author_rows(authors_json: &str) -> Vec<(i64, String, String)> {
    let authors: Vec<Author> = serde_json::from_str(authors_json).unwrap_or_default();
    authors
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let name = nul_free(&a.name);
            (i as i64, author_key(&name), name)
        })
        .collect()
}

fn claim_from_row(row: &impl Cols) -> Result<AuthorshipClaim> {
    let corrupt = |detail: String| StoreError::Corrupt {
        what: "authorship claim".into(),
        detail,
    };
    let status = row.text("status")?;
    Ok(AuthorshipClaim {
        id: row.int("id")?,
        user_id: row.int("user_id")?,
        username: row.text("username")?,
        paper_id: row.text("paper_id")?,
        author_name: row.text("author_name")?,
        status: ClaimStatus::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        created_at: row
            .text("created_at")?
            .parse()
            .map_err(|e| corrupt(format!("created_at: {e}")))?,
        decided_at: row.opt_text("decided_at")?.and_then(|t| t.parse().ok()),
    })
}

/// Marks the authors of `papers` that a verified claim names:
/// `verified` is (paper id, author key, username, when).
pub(crate) fn mark_verified(
    papers: &mut [ListedPaper],
    verified: &[(String, String, String, String)],
) {
    for lp in papers {
        let id = lp.paper.id.base().to_string();
        let mut claims = verified.iter().filter(|c| c.0 == id).peekable();
        if claims.peek().is_none() {
            continue;
        }
        let claims: Vec<_> = claims.collect();
        for a in &mut lp.paper.authors {
            let key = author_key(&a.name);
            if let Some(c) = claims.iter().find(|c| c.1 == key) {
                a.claimed_by = Some(VerifiedAuthor {
                    username: c.2.clone(),
                    verified_at: c.3.parse().unwrap_or(Timestamp::UNIX_EPOCH),
                });
            }
        }
    }
}

for_both_backends! {
    /// Brings the `paper_authors` rows of the papers `ids` in line with
    /// their stored authors (after the merge rules chose them), inside the
    /// caller's write transaction. Papers whose rows already match are left
    /// alone, so a re-import writes nothing here.
    pub(crate) async fn write_paper_authors(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        ids: &[&str],
    ) -> Result<()> {
        let d = Self::DIALECT;
        let list = json_list(ids);
        let stored: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, authors FROM papers WHERE id IN (SELECT k.value FROM {ids})",
            ids = d.json_values("$1", "k")
        )))
        .bind(&list)
        .fetch_all(&mut **tx)
        .await?;
        let existing: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT paper_id, name FROM paper_authors
             WHERE paper_id IN (SELECT k.value FROM {ids}) ORDER BY paper_id, position",
            ids = d.json_values("$1", "k")
        )))
        .bind(&list)
        .fetch_all(&mut **tx)
        .await?;
        let mut had: HashMap<&str, Vec<&str>> = HashMap::new();
        for (id, name) in &existing {
            had.entry(id.as_str()).or_default().push(name.as_str());
        }
        let mut changed: Vec<&str> = Vec::new();
        let mut rows: Vec<(String, i64, String, String)> = Vec::new();
        for (id, authors) in &stored {
            let want = author_rows(authors);
            let before = had.get(id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let same = before
                .iter()
                .copied()
                .eq(want.iter().map(|(_, _, name)| name.as_str()));
            if same {
                continue;
            }
            changed.push(id);
            rows.extend(want.into_iter().map(|(i, key, name)| (id.clone(), i, key, name)));
        }
        if changed.is_empty() {
            return Ok(());
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM paper_authors WHERE paper_id IN (SELECT k.value FROM {ids})",
            ids = d.json_values("$1", "k")
        )))
        .bind(json_list(&changed))
        .execute(&mut **tx)
        .await?;
        for chunk in rows.chunks(AUTHOR_ROWS_PER_STATEMENT) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO paper_authors (paper_id, position, name_key, name) ",
            );
            q.push_values(chunk, |mut b, (id, i, key, name)| {
                b.push_bind(id.clone())
                    .push_bind(*i)
                    .push_bind(key.clone())
                    .push_bind(name.clone());
            });
            q.build().execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Fills `paper_authors` in for papers that have authors and no rows
    /// there (those stored before migration 0011): runs when the store
    /// opens, in batches, each under the ingest batch lock; a no-op once
    /// done (one indexed anti-join), and safe on two nodes at once.
    pub(crate) async fn backfill_paper_authors(&self) -> Result<u64> {
        let d = Self::DIALECT;
        let mut filled = 0;
        let mut after = String::new();
        loop {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT p.id FROM papers p
                 WHERE p.id > $1 AND p.author_count > 0
                   AND NOT EXISTS (SELECT 1 FROM paper_authors a WHERE a.paper_id = p.id)
                 ORDER BY p.id LIMIT $2",
            )
            .bind(&after)
            .bind(BACKFILL_PAPERS)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = ids.last() else {
                break;
            };
            after = last.clone();
            let mut tx = self.pool.begin_with(d.begin_write()).await?;
            if let Some(lock) = d.batch_lock() {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            Self::write_paper_authors(&mut tx, &refs).await?;
            tx.commit().await?;
            filled += ids.len() as u64;
        }
        Ok(filled)
    }

    /// Sets [`Author::claimed_by`] on the authors of `papers` that a
    /// verified claim names (one query for all of them).
    pub(crate) async fn with_verified_authors(&self, papers: &mut [ListedPaper]) -> Result<()> {
        if papers.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = papers.iter().map(|p| p.paper.id.base()).collect();
        let verified: Vec<(String, String, String, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.paper_id, c.name_key, u.username, COALESCE(c.decided_at, c.created_at)
                 FROM authorship_claims c JOIN users u ON u.id = c.user_id
                 WHERE c.status = 'verified' AND c.paper_id IN (SELECT k.value FROM {ids})",
                ids = Self::DIALECT.json_values("$1", "k")
            )))
            .bind(json_list(&ids))
            .fetch_all(&self.pool)
            .await?;
        mark_verified(papers, &verified);
        Ok(())
    }

    /// The author whose key is `key`, with their visible papers and
    /// upvotes; `None` when no visible paper has them.
    pub async fn author_summary(&self, key: &str) -> Result<Option<AuthorSummary>> {
        if key.is_empty() {
            return Ok(None);
        }
        let name: Option<String> = sqlx::query_scalar(
            "SELECT a.name FROM paper_authors a JOIN papers p ON p.id = a.paper_id
             WHERE a.name_key = $1 AND NOT p.hidden
             GROUP BY a.name ORDER BY COUNT(*) DESC, a.name LIMIT 1",
        )
        .bind(nul_free(key))
        .fetch_optional(&self.pool)
        .await?;
        let Some(name) = name else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT COUNT(*) AS papers,
                    CAST(COALESCE(SUM(p.upvotes_baseline + p.local_votes), 0) AS BIGINT) AS upvotes
             FROM papers p
             WHERE NOT p.hidden
               AND p.id IN (SELECT a.paper_id FROM paper_authors a WHERE a.name_key = $1)",
        )
        .bind(nul_free(key))
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(AuthorSummary {
            name,
            papers: row.try_get::<i64, _>("papers")?.max(0) as u64,
            upvotes: row.try_get("upvotes")?,
        }))
    }

    /// An author's visible papers, newest first, with paging.
    pub async fn author_papers(&self, key: &str, offset: u64, limit: u64) -> Result<Page<ListedPaper>> {
        let of_author = "NOT p.hidden
               AND p.id IN (SELECT a.paper_id FROM paper_authors a WHERE a.name_key = $1)";
        let count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM papers p WHERE {of_author}"
        )))
        .bind(nul_free(key))
        .fetch_one(&self.pool);
        let page = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {cols} FROM {from} WHERE {of_author}
             ORDER BY p.published_at DESC NULLS LAST, p.id DESC LIMIT $2 OFFSET $3",
            cols = rows::LISTED_COLUMNS,
            from = rows::PAPERS_WITH_LATEST_LISTING
        )))
        .bind(nul_free(key))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool);
        let (total, rows) = tokio::try_join!(count, page)?;
        let mut items = rows
            .iter()
            .map(rows::listed_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.with_verified_authors(&mut items).await?;
        Ok(Page {
            items,
            total: total.max(0) as u64,
        })
    }

    /// The people an author wrote most visible papers with, most first
    /// (ties by key), `limit` at most: counted over their latest
    /// [`COAUTHOR_PAPERS`] papers with at most [`COAUTHOR_MAX_AUTHORS`]
    /// authors, so that the work is bounded for the most prolific authors
    /// and a collaboration's thousand names are not co-authors.
    pub async fn coauthors(&self, key: &str, limit: u64) -> Result<Vec<Coauthor>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT b.name_key, MIN(b.name), COUNT(DISTINCT b.paper_id) AS n
             FROM (SELECT p.id FROM papers p
                   WHERE NOT p.hidden AND p.author_count <= $3
                     AND p.id IN (SELECT a.paper_id FROM paper_authors a WHERE a.name_key = $1)
                   ORDER BY p.published_at DESC NULLS LAST, p.id DESC LIMIT $4) mine
             JOIN paper_authors b ON b.paper_id = mine.id
             WHERE b.name_key <> $1 AND b.name_key <> ''
             GROUP BY b.name_key ORDER BY n DESC, b.name_key LIMIT $2",
        )
        .bind(nul_free(key))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(COAUTHOR_MAX_AUTHORS)
        .bind(COAUTHOR_PAPERS)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(_, name, n)| Coauthor {
                name,
                papers: n.max(0) as u64,
            })
            .collect())
    }

    /// A reader claims to be the author `author` of a paper. Refused when
    /// the paper is unknown or hidden, no author of it has that name (in
    /// any spelling with the same key), that author's claim is verified
    /// for someone already, or the reader has a claim on the paper.
    pub async fn claim_authorship(
        &self,
        user_id: i64,
        paper: &ArxivId,
        author: &str,
        now: Timestamp,
    ) -> Result<std::result::Result<AuthorshipClaim, Refusal>> {
        let key = author_key(&nul_free(author));
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        let visible: Option<bool> =
            sqlx::query_scalar("SELECT TRUE FROM papers WHERE id = $1 AND NOT hidden")
                .bind(paper.base())
                .fetch_optional(&mut *tx)
                .await?;
        if visible.is_none() {
            return Ok(Err(Refusal::NoSuchPaper));
        }
        let name: Option<String> = sqlx::query_scalar(
            "SELECT name FROM paper_authors WHERE paper_id = $1 AND name_key = $2
             ORDER BY position LIMIT 1",
        )
        .bind(paper.base())
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name.filter(|_| !key.is_empty()) else {
            return Ok(Err(Refusal::NoSuchAuthor));
        };
        let taken: Option<bool> = sqlx::query_scalar(
            "SELECT TRUE FROM authorship_claims
             WHERE paper_id = $1 AND name_key = $2 AND status = 'verified'",
        )
        .bind(paper.base())
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Ok(Err(Refusal::AuthorClaimed));
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO authorship_claims (user_id, paper_id, author_name, name_key, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(user_id)
        .bind(paper.base())
        .bind(&name)
        .bind(&key)
        .bind(format_timestamp(now))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(id) = id else {
            return Ok(Err(Refusal::ClaimExists));
        };
        Ok(self.claim(id).await?.ok_or(Refusal::NoSuchClaim))
    }

    pub async fn claim(&self, id: i64) -> Result<Option<AuthorshipClaim>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLAIM_COLS} FROM authorship_claims c JOIN users u ON u.id = c.user_id
             WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(claim_from_row).transpose()
    }

    /// An admin verifies (`verify`) or rejects a claim; deciding again
    /// changes the decision. Refused when there is no such claim, or when
    /// verifying it would make two verified claims on one author.
    pub async fn decide_claim(
        &self,
        id: i64,
        verify: bool,
        now: Timestamp,
    ) -> Result<std::result::Result<AuthorshipClaim, Refusal>> {
        let status = if verify {
            ClaimStatus::Verified
        } else {
            ClaimStatus::Rejected
        };
        let done = sqlx::query(
            "UPDATE authorship_claims SET status = $1, decided_at = $2
             WHERE id = $3 AND status <> $1",
        )
        .bind(status.as_str())
        .bind(format_timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(Err(Refusal::AuthorClaimed));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(self.claim(id).await?.ok_or(Refusal::NoSuchClaim))
    }

    /// Every claim a user made, oldest first.
    pub async fn claims_of(&self, user_id: i64) -> Result<Vec<AuthorshipClaim>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLAIM_COLS} FROM authorship_claims c JOIN users u ON u.id = c.user_id
             WHERE c.user_id = $1 ORDER BY c.id"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(claim_from_row).collect()
    }

    /// Claims waiting for an admin, oldest first, `limit` at most.
    pub async fn pending_claims(&self, limit: u64) -> Result<Vec<AuthorshipClaim>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CLAIM_COLS} FROM authorship_claims c JOIN users u ON u.id = c.user_id
             WHERE c.status = 'pending' ORDER BY c.id LIMIT $1"
        )))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(claim_from_row).collect()
    }

    /// The account with this username, in any case.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<papers_core::User>> {
        let sql = format!(
            "SELECT {cols} FROM users u WHERE {name}",
            cols = crate::community::USER_COLS,
            name = Self::DIALECT.ci_eq("u.username", "$1")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(username))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::user_from_row).transpose()
    }
}
