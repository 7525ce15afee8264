//! Follows and notifications, on both backends. A reader follows authors
//! (by [`papers_core::author_key`]), arXiv categories, saved searches and
//! seed papers; notifications are written where their cause is: a reply in
//! [`add_comment`](crate::Store::add_comment)'s transaction, a followed
//! author's new paper and code appearing on a saved paper in the ingest
//! batch's ([`write_batch_notifications`]). Each notification exists once
//! (`UNIQUE (user_id, kind, paper_id, detail)`), so re-running an ingest
//! notifies nobody twice.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{ArxivId, Follow, FollowKind, Notification, NotificationKind};

use crate::dialect::{HasDb, for_both_backends, json_list};
use crate::rows::{self, Cols, nul_free};
use crate::{ListedPaper, Refusal, Result, StoreError, format_timestamp};

/// How recent (by arXiv date) a newly stored paper must be for its
/// followed authors to hear of it: a bulk import of old papers is not news.
const NEWS_DAYS: i64 = 30;

/// Read notifications one reader keeps: marking them read forgets the
/// older ones.
const KEEP_READ: i64 = 500;

/// The error of a row of `what` whose column does not read.
fn corrupt(what: &'static str) -> impl Fn(String) -> StoreError {
    move |detail| StoreError::Corrupt {
        what: what.into(),
        detail,
    }
}

/// A row's `created_at`.
fn created_at(row: &impl Cols, what: &'static str) -> Result<Timestamp> {
    row.text("created_at")?
        .parse()
        .map_err(|e| corrupt(what)(format!("created_at: {e}")))
}

fn follow_from_row(row: &impl Cols) -> Result<Follow> {
    let kind = row.text("kind")?;
    Ok(Follow {
        kind: FollowKind::parse(&kind).ok_or_else(|| corrupt("follow")(format!("kind {kind}")))?,
        target: row.text("target")?,
        label: row.text("label")?,
        created_at: created_at(row, "follow")?,
    })
}

fn notification_from_row(row: &impl Cols) -> Result<Notification> {
    let kind = row.text("kind")?;
    Ok(Notification {
        id: row.int("id")?,
        kind: NotificationKind::parse(&kind)
            .ok_or_else(|| corrupt("notification")(format!("kind {kind}")))?,
        paper_id: row.text("paper_id")?,
        paper_title: row.text("title")?,
        detail: row.text("detail")?,
        actor: row.text("actor")?,
        created_at: created_at(row, "notification")?,
        read: row.opt_text("read_at")?.is_some(),
    })
}

for_both_backends! {
    /// Follows `target` for `user_id`: `Ok(true)` when new, `Ok(false)`
    /// when it was followed already (its label is brought up to date).
    /// Refused when the reader follows `max` things already, and for a
    /// paper that is unknown or hidden. Counted under the user's row lock,
    /// so two follows at once cannot pass the limit together.
    pub async fn follow(
        &self,
        user_id: i64,
        kind: FollowKind,
        target: &str,
        label: &str,
        max: u32,
        now: Timestamp,
    ) -> Result<std::result::Result<bool, Refusal>> {
        let d = Self::DIALECT;
        let mut tx = self.pool.begin_with(d.begin_write()).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM users WHERE id = $1{}",
            d.row_lock()
        )))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if kind == FollowKind::Paper {
            let visible: Option<bool> =
                sqlx::query_scalar("SELECT TRUE FROM papers WHERE id = $1 AND NOT hidden")
                    .bind(nul_free(target))
                    .fetch_optional(&mut *tx)
                    .await?;
            if visible.is_none() {
                return Ok(Err(Refusal::NoSuchPaper));
            }
        }
        let updated = sqlx::query(
            "UPDATE follows SET label = $4 WHERE user_id = $1 AND kind = $2 AND target = $3",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(nul_free(target))
        .bind(nul_free(label))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() > 0 {
            tx.commit().await?;
            return Ok(Ok(false));
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= i64::from(max) {
            return Ok(Err(Refusal::TooManyFollows));
        }
        sqlx::query(
            "INSERT INTO follows (user_id, kind, target, label, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(nul_free(target))
        .bind(nul_free(label))
        .bind(format_timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(true))
    }

    /// Stops following: whether there was such a follow.
    pub async fn unfollow(&self, user_id: i64, kind: FollowKind, target: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM follows WHERE user_id = $1 AND kind = $2 AND target = $3")
            .bind(user_id)
            .bind(kind.as_str())
            .bind(nul_free(target))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Everything a reader follows, oldest first.
    pub async fn follows_of(&self, user_id: i64) -> Result<Vec<Follow>> {
        let rows = sqlx::query(
            "SELECT kind, target, label, created_at FROM follows WHERE user_id = $1
             ORDER BY created_at, kind, target",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(follow_from_row).collect()
    }

    /// Visible papers by any of the authors `keys`, listed or published in
    /// `[from, to]`, newest first, each with the key of a followed author
    /// of it (a paper by two of them comes once).
    pub async fn papers_of_authors_between(
        &self,
        keys: &[String],
        from: Date,
        to: Date,
        limit: u64,
    ) -> Result<Vec<(ListedPaper, String)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {cols}, (SELECT MIN(a.name_key) FROM paper_authors a
                             WHERE a.paper_id = p.id
                               AND a.name_key IN (SELECT k.value FROM {keys})) AS followed
             FROM papers p
             LEFT JOIN daily_listings l ON l.paper_id = p.id
               AND l.day = (SELECT MAX(day) FROM daily_listings
                            WHERE paper_id = p.id AND day BETWEEN $2 AND $3)
             WHERE NOT p.hidden
               AND p.id IN (SELECT a.paper_id FROM paper_authors a
                            WHERE a.name_key IN (SELECT k.value FROM {keys}))
               AND (l.day IS NOT NULL OR substr(p.published_at, 1, 10) BETWEEN $2 AND $3)
             ORDER BY COALESCE(l.day, substr(p.published_at, 1, 10)) DESC, p.id DESC
             LIMIT $4",
            cols = rows::LISTED_COLUMNS,
            keys = Self::DIALECT.json_values("$1", "k"),
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(json_list(keys))
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        found
            .iter()
            .map(|r| Ok((rows::listed_from_row(r)?, r.text("followed")?)))
            .collect()
    }

    /// A reader's notifications, newest first.
    pub async fn notifications_of(&self, user_id: i64, limit: u64) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT n.id, n.kind, n.paper_id, p.title, n.detail, n.actor, n.created_at, n.read_at
             FROM notifications n JOIN papers p ON p.id = n.paper_id
             WHERE n.user_id = $1 AND NOT p.hidden
             ORDER BY n.id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// How many of a reader's notifications are unread.
    pub async fn unread_notifications(&self, user_id: i64) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n.max(0) as u64)
    }

    /// Marks a reader's notifications up to `up_to` (an id; all when
    /// `None`) read: how many changed. Read ones beyond the newest
    /// [`KEEP_READ`] are forgotten.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        up_to: Option<i64>,
        now: Timestamp,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $2
             WHERE user_id = $1 AND read_at IS NULL AND ($3 IS NULL OR id <= $3)",
        )
        .bind(user_id)
        .bind(format_timestamp(now))
        .bind(up_to)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "DELETE FROM notifications WHERE user_id = $1 AND read_at IS NOT NULL
               AND id < COALESCE((SELECT id FROM notifications WHERE user_id = $1
                                  ORDER BY id DESC LIMIT 1 OFFSET $2), -1)",
        )
        .bind(user_id)
        .bind(KEEP_READ)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The reply notification of comment `reply` (on `paper`, by
    /// `replier`, answering `parent`), inside add_comment's transaction:
    /// none when one answers oneself or the parent's author is gone.
    pub(crate) async fn notify_reply(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        paper: &ArxivId,
        parent: i64,
        reply: i64,
        replier: i64,
        now: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, paper_id, detail, actor, created_at)
             SELECT c.user_id, 'reply', $2, $3, u.username, $5
             FROM comments c, users u
             WHERE c.id = $1 AND u.id = $4 AND c.user_id <> $4
               AND c.user_id IN (SELECT id FROM users WHERE username <> $6)
             ON CONFLICT DO NOTHING",
        )
        .bind(parent)
        .bind(paper.base())
        .bind(reply.to_string())
        .bind(replier)
        .bind(now)
        .bind(crate::DELETED_USERNAME)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The notifications an ingest batch causes, inside its transaction:
    /// `new` papers (stored by this batch) tell the readers who follow one
    /// of their authors, when the paper is at most [`NEWS_DAYS`] old;
    /// papers of `had_no_code` that now link a repository tell the readers
    /// who saved them to a collection.
    pub(crate) async fn write_batch_notifications(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        new: &BTreeSet<&str>,
        had_no_code: &BTreeSet<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let d = Self::DIALECT;
        let stamp = format_timestamp(now);
        if !new.is_empty() {
            let since = now
                .checked_sub(jiff::SignedDuration::from_hours(24 * NEWS_DAYS))
                .unwrap_or(now);
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO notifications (user_id, kind, paper_id, detail, actor, created_at)
                 SELECT f.user_id, 'author_paper', a.paper_id, a.name_key, MIN(a.name), $2
                 FROM paper_authors a
                 JOIN follows f ON f.kind = 'author' AND f.target = a.name_key
                 JOIN papers p ON p.id = a.paper_id
                 WHERE a.paper_id IN (SELECT k.value FROM {ids}) AND NOT p.hidden
                   AND COALESCE(p.published_at, $2) >= $3
                 GROUP BY f.user_id, a.paper_id, a.name_key
                 ON CONFLICT DO NOTHING",
                ids = d.json_values("$1", "k")
            )))
            .bind(json_list(new))
            .bind(&stamp)
            .bind(format_timestamp(since))
            .execute(&mut **tx)
            .await?;
        }
        if !had_no_code.is_empty() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO notifications (user_id, kind, paper_id, detail, actor, created_at)
                 SELECT DISTINCT c.owner_id, 'code', p.id, p.github_repo, '', $2
                 FROM papers p
                 JOIN collection_items i ON i.paper_id = p.id
                 JOIN collections c ON c.id = i.collection_id
                 WHERE p.id IN (SELECT k.value FROM {ids}) AND NOT p.hidden
                   AND p.github_repo IS NOT NULL AND p.github_repo <> ''
                 ON CONFLICT DO NOTHING",
                ids = d.json_values("$1", "k")
            )))
            .bind(json_list(had_no_code))
            .bind(&stamp)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}
