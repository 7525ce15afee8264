//! Subscriptions and digests, on both backends: double opt-in, manage and
//! unsubscribe tokens, the per-period send record, and the papers each
//! subscription has already been sent.

use crate::dialect::{HasDb, for_both_backends, json_list};
use crate::rows::{Cols, nul_free, opt_nul_free};
use crate::{ListedPaper, Result, StoreError, format_timestamp, rows};
use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{Cadence, SubscriptionStatus, sha256_hex};

/// A subscription as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    pub id: i64,
    pub email: String,
    pub cadence: Cadence,
    pub query: Option<String>,
    pub categories: Vec<String>,
    pub status: SubscriptionStatus,
    pub hard_bounces: i64,
    /// The account that made it while signed in.
    pub user_id: Option<i64>,
    /// A "For you" digest: that account's own feed.
    pub for_you: bool,
}

/// The outcome of one digest for one subscription and period.
#[derive(Clone, Copy, Debug)]
pub struct DigestRecord<'a> {
    pub subscription_id: i64,
    pub period: &'a str,
    /// `sent`, `failed` or `empty`.
    pub status: &'a str,
    pub papers: &'a [String],
    pub attempts: i64,
    pub error: Option<&'a str>,
}

/// What a subscription asks for, before it is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSubscription {
    pub email: String,
    pub cadence: Cadence,
    pub query: Option<String>,
    pub categories: Vec<String>,
    pub user_id: Option<i64>,
    /// A "For you" digest of `user_id`'s feed.
    pub for_you: bool,
    pub confirm_token_hash: String,
    pub confirm_expires_at: Timestamp,
    /// The SHA-256 (hex) of the first token of the manage and unsubscribe
    /// links; every mail adds one of its own ([`Store::add_manage_token`]).
    ///
    /// [`Store::add_manage_token`]: crate::Store::add_manage_token
    pub manage_token_hash: String,
}

/// How a subscribe request ended.
#[derive(Clone, Debug, PartialEq)]
pub enum SubscribeOutcome {
    /// A new pending subscription: send the confirmation.
    Created(Subscription),
    /// The same subscription exists and is still pending: a fresh confirmation
    /// token was set, send it again.
    StillPending(Subscription),
    /// The same subscription is already active: nothing to do.
    AlreadyActive(Subscription),
}

pub(crate) fn sub_from_row(row: &impl Cols) -> Result<Subscription> {
    let cats = row.opt_text("categories")?;
    Ok(Subscription {
        id: row.int("id")?,
        email: row.text("email")?,
        cadence: word(row, "cadence", Cadence::parse)?,
        query: row.opt_text("query")?,
        categories: cats
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(|e| StoreError::Corrupt {
                what: "subscription".into(),
                detail: e.to_string(),
            })?
            .unwrap_or_default(),
        status: word(row, "status", SubscriptionStatus::parse)?,
        hard_bounces: row.int("hard_bounces")?,
        user_id: row.opt_int("user_id")?,
        for_you: row.flag("for_you")?,
    })
}

/// A column holding one of a fixed set of words.
fn word<T>(row: &impl Cols, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let text = row.text(col)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt {
        what: "subscription".into(),
        detail: format!("{col} {text:?}"),
    })
}

pub(crate) const SUB_COLS: &str =
    "id, email, cadence, query, categories, status, hard_bounces, user_id, for_you";

/// How `subscriptions.manage_token` marks a hash (migration 0008); a value
/// without it is a token stored in the clear by an earlier version.
const HASHED: &str = "sha256:";

pub(crate) fn dedup_key(n: &NewSubscription) -> String {
    let mut cats = n.categories.clone();
    cats.sort();
    let key = format!(
        "{}|{}|{}|{}",
        n.email.to_ascii_lowercase(),
        n.cadence,
        n.query.as_deref().unwrap_or("").trim().to_lowercase(),
        cats.join(",")
    );
    // A "For you" digest is its reader's: one per account and cadence
    // (older keys, without it, stay as they were).
    match (n.for_you, n.user_id) {
        (true, Some(user)) => format!("{key}|for-you:{user}"),
        _ => key,
    }
}

for_both_backends! {
    /// Stores a pending subscription, or finds the same one again. The
    /// existing row is locked while it is looked at (SQLite: the write lock);
    /// on PostgreSQL two first requests for the same subscription race on the
    /// unique `dedup_key`, and the loser goes round again and finds the
    /// winner's row.
    pub async fn subscribe(&self, n: &NewSubscription, now: Timestamp) -> Result<SubscribeOutcome> {
        // Stored and compared without NULs, as every text (`rows::nul_free`).
        let n = &NewSubscription {
            email: nul_free(&n.email),
            query: opt_nul_free(n.query.as_deref()),
            confirm_token_hash: nul_free(&n.confirm_token_hash),
            manage_token_hash: nul_free(&n.manage_token_hash),
            ..n.clone()
        };
        let key = dedup_key(n);
        let cats = (!n.categories.is_empty()).then(|| json_list(&n.categories));
        loop {
            let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
            let sql = format!(
                "SELECT {SUB_COLS} FROM subscriptions WHERE dedup_key = $1{lock}",
                lock = Self::DIALECT.row_lock()
            );
            let existing = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            let outcome = if let Some(row) = existing {
                let sub = sub_from_row(&row)?;
                if sub.status == SubscriptionStatus::Active {
                    SubscribeOutcome::AlreadyActive(sub)
                } else {
                    // Pending, paused or unsubscribed: confirm again from scratch.
                    sqlx::query(
                        "UPDATE subscriptions SET status = 'pending', confirm_token_hash = $1,
                            confirm_expires_at = $2, manage_token = $3 WHERE id = $4",
                    )
                    .bind(&n.confirm_token_hash)
                    .bind(format_timestamp(n.confirm_expires_at))
                    .bind(format!("{HASHED}{}", n.manage_token_hash))
                    .bind(sub.id)
                    .execute(&mut *tx)
                    .await?;
                    Self::add_token(&mut tx, sub.id, &n.manage_token_hash, now).await?;
                    SubscribeOutcome::StillPending(Subscription {
                        status: SubscriptionStatus::Pending,
                        ..sub
                    })
                }
            } else {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO subscriptions (email, cadence, query, categories, dedup_key, status,
                        confirm_token_hash, confirm_expires_at, manage_token, user_id, created_at, for_you)
                     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (dedup_key) DO NOTHING
                     RETURNING id",
                )
                .bind(&n.email)
                .bind(n.cadence.as_str())
                .bind(&n.query)
                .bind(&cats)
                .bind(&key)
                .bind(&n.confirm_token_hash)
                .bind(format_timestamp(n.confirm_expires_at))
                .bind(format!("{HASHED}{}", n.manage_token_hash))
                .bind(n.user_id)
                .bind(format_timestamp(now))
                .bind(n.for_you)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = id else {
                    // Another request created it in between: look again.
                    tx.rollback().await?;
                    continue;
                };
                Self::add_token(&mut tx, id, &n.manage_token_hash, now).await?;
                SubscribeOutcome::Created(Subscription {
                    id,
                    email: n.email.clone(),
                    cadence: n.cadence,
                    query: n.query.clone(),
                    categories: n.categories.clone(),
                    status: SubscriptionStatus::Pending,
                    hard_bounces: 0,
                    user_id: n.user_id,
                    for_you: n.for_you,
                })
            };
            tx.commit().await?;
            return Ok(outcome);
        }
    }

    /// Confirms with a single-use, unexpired token.
    pub async fn confirm_subscription(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Subscription>> {
        let now = format_timestamp(now);
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE subscriptions SET status = 'active', confirmed_at = $1, confirm_token_hash = NULL
             WHERE confirm_token_hash = $2 AND status = 'pending' AND confirm_expires_at > $1
             RETURNING id",
        )
        .bind(&now)
        .bind(nul_free(token_hash))
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.subscription(id).await,
            None => Ok(None),
        }
    }

    pub async fn subscription(&self, id: i64) -> Result<Option<Subscription>> {
        let sql = format!("SELECT {SUB_COLS} FROM subscriptions WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(sub_from_row).transpose()
    }

    /// The subscription whose manage/unsubscribe token hashes to
    /// `token_hash` (SHA-256, hex), from any mail it was ever sent.
    pub async fn subscription_by_manage_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<Subscription>> {
        let sql = format!(
            "SELECT {SUB_COLS} FROM subscriptions
             WHERE id = (SELECT subscription_id FROM manage_tokens WHERE token_hash = $1)"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(token_hash))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(sub_from_row).transpose()
    }

    /// Keeps one more manage token (its SHA-256, hex) for a subscription:
    /// the one in the mail about to be sent.
    pub async fn add_manage_token(
        &self,
        subscription_id: i64,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::add_token(&mut tx, subscription_id, &nul_free(token_hash), now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_token(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        subscription_id: i64,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO manage_tokens (token_hash, subscription_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(token_hash)
        .bind(subscription_id)
        .bind(format_timestamp(now))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Hashes the manage tokens that versions before migration 0008 stored
    /// in the clear, so the links in mails already sent keep working and no
    /// token is readable in the database. Runs when the store opens; a no-op
    /// once done, and safe to run on two nodes at once.
    pub(crate) async fn hash_legacy_manage_tokens(&self) -> Result<u64> {
        let legacy: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, manage_token, created_at FROM subscriptions WHERE manage_token NOT LIKE 'sha256:%'",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut moved = 0;
        for (id, token, created_at) in legacy {
            let hash = sha256_hex(&token);
            let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
            let done = sqlx::query(
                "UPDATE subscriptions SET manage_token = $1 WHERE id = $2 AND manage_token = $3",
            )
            .bind(format!("{HASHED}{hash}"))
            .bind(id)
            .bind(&token)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                sqlx::query(
                    "INSERT INTO manage_tokens (token_hash, subscription_id, created_at)
                     VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO NOTHING",
                )
                .bind(&hash)
                .bind(id)
                .bind(&created_at)
                .execute(&mut *tx)
                .await?;
                moved += 1;
            }
            tx.commit().await?;
        }
        Ok(moved)
    }

    /// The subscriptions a signed-in user made, oldest first.
    pub async fn subscriptions_of_user(&self, user_id: i64) -> Result<Vec<Subscription>> {
        let sql = format!("SELECT {SUB_COLS} FROM subscriptions WHERE user_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(sub_from_row).collect()
    }

    /// Every subscription of an address, in any case (for the manage page).
    pub async fn subscriptions_of(&self, email: &str) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUB_COLS} FROM subscriptions WHERE {email} ORDER BY id",
            email = Self::DIALECT.ci_eq("email", "$1")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(email))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(sub_from_row).collect()
    }

    pub async fn set_subscription_status(
        &self,
        id: i64,
        status: SubscriptionStatus,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE subscriptions SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Active subscriptions of a cadence that have no record for `period` yet.
    pub async fn due_subscriptions(
        &self,
        cadence: Cadence,
        period: &str,
    ) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUB_COLS} FROM subscriptions s WHERE status = 'active' AND cadence = $1
               AND NOT EXISTS (SELECT 1 FROM digest_sends d WHERE d.subscription_id = s.id AND d.period = $2)
             ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(cadence.as_str())
            .bind(nul_free(period))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(sub_from_row).collect()
    }

    /// Which of `papers` were already sent to the subscription.
    pub async fn already_sent(
        &self,
        subscription_id: i64,
        papers: &[String],
    ) -> Result<Vec<String>> {
        if papers.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT paper_id FROM subscription_papers
             WHERE subscription_id = $1 AND paper_id IN (SELECT k.value FROM {papers})
             ORDER BY paper_id",
            papers = Self::DIALECT.json_values("$2", "k")
        );
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(subscription_id)
            .bind(json_list(papers))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Claims a period for a subscription: true for exactly one caller, false
    /// when a run already claimed or recorded it. The primary key decides; a
    /// racing insert waits for the winner's commit and then does nothing.
    pub async fn claim_digest(
        &self,
        subscription_id: i64,
        period: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let claimed: Option<bool> = sqlx::query_scalar(
            "INSERT INTO digest_sends (subscription_id, period, status, attempts, papers, updated_at)
             VALUES ($1, $2, 'sending', 0, 0, $3)
             ON CONFLICT DO NOTHING
             RETURNING TRUE",
        )
        .bind(subscription_id)
        .bind(nul_free(period))
        .bind(format_timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(claimed.is_some())
    }

    /// Records a digest's outcome for a period, and (when sent) its papers,
    /// in one transaction.
    pub async fn record_digest(&self, r: &DigestRecord<'_>, now: Timestamp) -> Result<()> {
        let DigestRecord {
            subscription_id,
            period,
            status,
            papers,
            attempts,
            error,
        } = *r;
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        sqlx::query(
            "INSERT INTO digest_sends (subscription_id, period, status, attempts, papers, error, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (subscription_id, period) DO UPDATE SET status = EXCLUDED.status,
                attempts = EXCLUDED.attempts, papers = EXCLUDED.papers, error = EXCLUDED.error,
                updated_at = EXCLUDED.updated_at",
        )
        .bind(subscription_id)
        .bind(nul_free(period))
        .bind(nul_free(status))
        .bind(attempts)
        .bind(papers.len() as i64)
        .bind(opt_nul_free(error))
        .bind(format_timestamp(now))
        .execute(&mut *tx)
        .await?;
        if status == "sent" && !papers.is_empty() {
            // `WHERE TRUE`: SQLite's parser needs a WHERE before ON CONFLICT
            // in an INSERT … SELECT.
            let sql = format!(
                "INSERT INTO subscription_papers (subscription_id, paper_id, period)
                 SELECT $1, k.value, $2 FROM {papers} WHERE TRUE
                 ON CONFLICT DO NOTHING",
                papers = Self::DIALECT.json_values("$3", "k")
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(subscription_id)
                .bind(nul_free(period))
                .bind(json_list(papers))
                .execute(&mut *tx)
                .await?;
        }
        if status == "failed" {
            sqlx::query(
                "UPDATE subscriptions SET hard_bounces = hard_bounces + 1,
                    status = CASE WHEN hard_bounces + 1 >= 3 THEN 'paused' ELSE status END
                 WHERE id = $1",
            )
            .bind(subscription_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets a claimed-but-unsent digest so a later run retries it.
    pub async fn release_digest(&self, subscription_id: i64, period: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM digest_sends WHERE subscription_id = $1 AND period = $2 AND status = 'sending'",
        )
        .bind(subscription_id)
        .bind(nul_free(period))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Papers listed or published in `[from, to]`, optionally in any of
    /// `categories`, most upvoted first.
    pub async fn papers_between(
        &self,
        from: Date,
        to: Date,
        categories: &[String],
        limit: u64,
    ) -> Result<Vec<ListedPaper>> {
        let sql = format!(
            "SELECT {cols} FROM papers p
             LEFT JOIN daily_listings l ON l.paper_id = p.id
               AND l.day = (SELECT MAX(day) FROM daily_listings
                            WHERE paper_id = p.id AND day BETWEEN $1 AND $2)
             WHERE NOT p.hidden
               AND (l.day IS NOT NULL OR substr(p.published_at, 1, 10) BETWEEN $1 AND $2)
               AND ($3 = '[]' OR EXISTS (SELECT 1 FROM {has} WHERE c.value IN
                                           (SELECT w.value FROM {wanted})))
             ORDER BY (p.upvotes_baseline + p.local_votes) DESC, p.published_at DESC NULLS LAST, p.id
             LIMIT $4",
            cols = rows::LISTED_COLUMNS,
            has = Self::DIALECT.json_values("p.categories", "c"),
            wanted = Self::DIALECT.json_values("$3", "w")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(json_list(categories))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::listed_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

    /// A subscription made before migration 0008 kept its manage token in
    /// the clear. Opening the store hashes it: the link in the mails already
    /// sent still works, and the token is no longer in the database.
    #[tokio::test]
    async fn tokens_stored_in_the_clear_are_hashed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("papers.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let token = "ab".repeat(32);
        sqlx::query(
            "INSERT INTO subscriptions (email, cadence, dedup_key, status, manage_token, created_at)
             VALUES ('old@example.org', 'daily', 'old', 'active', $1, '2026-01-01T00:00:00Z')",
        )
        .bind(&token)
        .execute(&store.pool)
        .await
        .unwrap();
        assert_eq!(store.hash_legacy_manage_tokens().await.unwrap(), 1);
        assert_eq!(store.hash_legacy_manage_tokens().await.unwrap(), 0);
        let found = store
            .subscription_by_manage_token(&sha256_hex(&token))
            .await
            .unwrap();
        assert_eq!(found.map(|s| s.email).as_deref(), Some("old@example.org"));
        assert!(
            store
                .subscription_by_manage_token(&token)
                .await
                .unwrap()
                .is_none()
        );
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT manage_token FROM subscriptions UNION ALL SELECT token_hash FROM manage_tokens",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert!(!stored.is_empty());
        assert!(stored.iter().all(|s| !s.contains(&token)), "{stored:?}");
    }
}
