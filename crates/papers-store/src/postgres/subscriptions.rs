//! Subscriptions and digests on the PostgreSQL backend.

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{Cadence, SubscriptionStatus};

use super::PgStore;
use crate::subscriptions::{
    DigestRecord, NewSubscription, SUB_COLS, SubscribeOutcome, Subscription, dedup_key,
    sub_from_row,
};
use crate::{ListedPaper, Result, format_timestamp, rows};

impl PgStore {
    /// Stores a pending subscription, or finds the same one again. The
    /// existing row is locked while it is looked at; two first requests for
    /// the same subscription race on the unique `dedup_key`, and the loser
    /// goes round again and finds the winner's row.
    pub async fn subscribe(&self, n: &NewSubscription, now: Timestamp) -> Result<SubscribeOutcome> {
        let key = dedup_key(n);
        let cats = (!n.categories.is_empty())
            .then(|| serde_json::to_string(&n.categories).unwrap_or_else(|_| "[]".into()));
        loop {
            let mut tx = self.pool.begin().await?;
            let sql =
                format!("SELECT {SUB_COLS} FROM subscriptions WHERE dedup_key = $1 FOR UPDATE");
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
                    .bind(&n.manage_token)
                    .bind(sub.id)
                    .execute(&mut *tx)
                    .await?;
                    SubscribeOutcome::StillPending(Subscription {
                        status: SubscriptionStatus::Pending,
                        manage_token: n.manage_token.clone(),
                        ..sub
                    })
                }
            } else {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO subscriptions (email, cadence, query, categories, dedup_key, status,
                        confirm_token_hash, confirm_expires_at, manage_token, user_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10)
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
                .bind(&n.manage_token)
                .bind(n.user_id)
                .bind(format_timestamp(now))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = id else {
                    // Another request created it in between: look again.
                    tx.rollback().await?;
                    continue;
                };
                SubscribeOutcome::Created(Subscription {
                    id,
                    email: n.email.clone(),
                    cadence: n.cadence,
                    query: n.query.clone(),
                    categories: n.categories.clone(),
                    status: SubscriptionStatus::Pending,
                    hard_bounces: 0,
                    manage_token: n.manage_token.clone(),
                })
            };
            tx.commit().await?;
            return Ok(outcome);
        }
    }

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
        .bind(token_hash)
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

    pub async fn subscription_by_manage_token(&self, token: &str) -> Result<Option<Subscription>> {
        let sql = format!("SELECT {SUB_COLS} FROM subscriptions WHERE manage_token = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(sub_from_row).transpose()
    }

    pub async fn subscriptions_of(&self, email: &str) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUB_COLS} FROM subscriptions WHERE lower(email) = lower($1) ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email)
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
            .bind(period)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(sub_from_row).collect()
    }

    pub async fn already_sent(
        &self,
        subscription_id: i64,
        papers: &[String],
    ) -> Result<Vec<String>> {
        if papers.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(
            "SELECT paper_id FROM subscription_papers
             WHERE subscription_id = $1 AND paper_id = ANY($2)",
        )
        .bind(subscription_id)
        .bind(papers)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Claims a period for a subscription: true for exactly one caller.
    /// The primary key decides; a racing insert waits for the winner's
    /// commit and then does nothing.
    pub async fn claim_digest(
        &self,
        subscription_id: i64,
        period: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let claimed: Option<i32> = sqlx::query_scalar(
            "INSERT INTO digest_sends (subscription_id, period, status, attempts, papers, updated_at)
             VALUES ($1, $2, 'sending', 0, 0, $3)
             ON CONFLICT DO NOTHING
             RETURNING 1",
        )
        .bind(subscription_id)
        .bind(period)
        .bind(format_timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(claimed.is_some())
    }

    pub async fn record_digest(&self, r: &DigestRecord<'_>, now: Timestamp) -> Result<()> {
        let DigestRecord {
            subscription_id,
            period,
            status,
            papers,
            attempts,
            error,
        } = *r;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO digest_sends (subscription_id, period, status, attempts, papers, error, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (subscription_id, period) DO UPDATE SET status = EXCLUDED.status,
                attempts = EXCLUDED.attempts, papers = EXCLUDED.papers, error = EXCLUDED.error,
                updated_at = EXCLUDED.updated_at",
        )
        .bind(subscription_id)
        .bind(period)
        .bind(status)
        .bind(attempts)
        .bind(papers.len() as i64)
        .bind(error)
        .bind(format_timestamp(now))
        .execute(&mut *tx)
        .await?;
        if status == "sent" && !papers.is_empty() {
            sqlx::query(
                "INSERT INTO subscription_papers (subscription_id, paper_id, period)
                 SELECT $1, p, $2 FROM UNNEST($3::text[]) AS p
                 ON CONFLICT DO NOTHING",
            )
            .bind(subscription_id)
            .bind(period)
            .bind(papers)
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

    pub async fn release_digest(&self, subscription_id: i64, period: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM digest_sends WHERE subscription_id = $1 AND period = $2 AND status = 'sending'",
        )
        .bind(subscription_id)
        .bind(period)
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
               AND (cardinality($3::text[]) = 0 OR p.categories::jsonb ?| $3::text[])
             ORDER BY (p.upvotes_baseline + p.local_votes) DESC, p.published_at DESC NULLS LAST, p.id
             LIMIT $4",
            cols = rows::LISTED_COLUMNS
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(categories)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::listed_from_row).collect()
    }
}
