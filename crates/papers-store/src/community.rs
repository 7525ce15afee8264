//! Accounts, sessions, API tokens, votes, comments, submissions and
//! moderation, on both backends.

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{ArxivId, Comment, IngestRecord, Role, User};
use sqlx::Row;

use crate::dialect::{HasDb, for_both_backends};
use crate::rows::{comment_from_row, nul_free, user_from_row};
use crate::{Result, format_timestamp};

/// What deleting an account took back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeletedUser {
    /// Votes taken back.
    pub votes: u64,
    /// Comments left in their threads as "[deleted]".
    pub comments: u64,
}

/// A user's mark on a paper: a row `(user_id, paper_id, created_at)` in
/// its own table.
#[derive(Clone, Copy, Debug)]
enum Mark {
    Vote,
    NotInterested,
}

impl Mark {
    fn table(self) -> &'static str {
        match self {
            Mark::Vote => "votes",
            Mark::NotInterested => "not_interested",
        }
    }
}

/// The placeholder account that deleted accounts' comments belong to.
pub const DELETED_USERNAME: &str = "[deleted]";

/// Why a community write did not happen (the user's fault, not ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UsernameTaken,
    NoSuchPaper,
    NoSuchComment,
    NotYours,
    Deleted,
    BadParent,
    /// No collection with that id belongs to the user.
    NoSuchCollection,
    /// The collection holds as many papers as it may.
    CollectionFull,
    /// No author of the paper has that name.
    NoSuchAuthor,
    /// That author of the paper is verified as someone already.
    AuthorClaimed,
    /// The reader has claimed authorship of this paper already.
    ClaimExists,
    NoSuchClaim,
    /// The reader follows as many things as they may.
    TooManyFollows,
}

pub(crate) const USER_COLS: &str = "u.id, u.username, u.email, u.role, u.banned, u.created_at";

/// The most accounts one address finds (a password reset mails each).
const MAX_ACCOUNTS_PER_EMAIL: u32 = 10;

for_both_backends! {
    pub async fn create_user(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
        role: Role,
        now: Timestamp,
    ) -> Result<std::result::Result<User, Refusal>> {
        // A name taken in any case is refused: SQLite's column is unique
        // NOCASE, PostgreSQL has a unique index on lower(username).
        let res: std::result::Result<i64, _> = sqlx::query_scalar(
            "INSERT INTO users (username, email, password_hash, role, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(nul_free(username))
        .bind(nul_free(email))
        .bind(nul_free(password_hash))
        .bind(role.as_str())
        .bind(format_timestamp(now))
        .fetch_one(&self.pool)
        .await;
        match res {
            Ok(id) => Ok(self.user_by_id(id).await?.ok_or(Refusal::UsernameTaken)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Ok(Err(Refusal::UsernameTaken))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user and their password hash, by username (any case).
    pub async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {USER_COLS}, u.password_hash FROM users u WHERE {name}",
            name = Self::DIALECT.ci_eq("u.username", "$1")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(username))
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    /// Every account with this address, in any case, oldest first (at most
    /// `MAX_ACCOUNTS_PER_EMAIL`; addresses are not unique, see the threat
    /// model in ARCHITECTURE.md).
    pub async fn users_by_email(&self, email: &str) -> Result<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users u WHERE {email} ORDER BY u.id LIMIT {MAX_ACCOUNTS_PER_EMAIL}",
            email = Self::DIALECT.ci_eq("u.email", "$1")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(email))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user `from` (a FROM clause with `users u`, and its WHERE) finds,
    /// with `$1` bound to `value`.
    async fn user_from(&self, from: &str, value: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM {from}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(value))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// A password reset: the new hash, and everything a leaked credential
    /// could still use is revoked in the same transaction: sessions, API
    /// tokens and the user's other reset links.
    pub async fn reset_password(
        &self,
        user_id: i64,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        let now = format_timestamp(now);
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(nul_free(password_hash))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(&now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims the right to send a `kind` of mail to `recipient` now: true
    /// when none went in the last `min_gap`, and the send is then recorded.
    /// One statement decides: a racing claim waits on the row's lock and then
    /// sees the winner's `last_sent_at`, so two processes never both claim.
    /// Addresses are stored lower-cased (SQLite's column is also NOCASE).
    pub async fn claim_mail_slot(
        &self,
        recipient: &str,
        kind: &str,
        now: Timestamp,
        min_gap: jiff::SignedDuration,
    ) -> Result<bool> {
        let cutoff = format_timestamp(now.checked_sub(min_gap).unwrap_or(now));
        let claimed: Option<bool> = sqlx::query_scalar(
            "INSERT INTO mail_throttle (recipient, kind, last_sent_at) VALUES (lower($1), $2, $3)
             ON CONFLICT (recipient, kind) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
             WHERE mail_throttle.last_sent_at <= $4
             RETURNING TRUE",
        )
        .bind(nul_free(recipient.trim()))
        .bind(nul_free(kind))
        .bind(format_timestamp(now))
        .bind(cutoff)
        .fetch_optional(&self.pool)
        .await?;
        Ok(claimed.is_some())
    }

    /// Counts one hit on `key` in a fixed window of `window` and answers the
    /// hits in the current window (this one included). One statement, so
    /// concurrent hits from several processes are all counted.
    pub async fn hit_counter(
        &self,
        key: &str,
        now: Timestamp,
        window: jiff::SignedDuration,
    ) -> Result<u64> {
        let cutoff = format_timestamp(now.checked_sub(window).unwrap_or(now));
        let hits: i64 = sqlx::query_scalar(
            "INSERT INTO rate_counters (key, window_start, hits) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END,
               window_start = CASE WHEN rate_counters.window_start <= $3 THEN EXCLUDED.window_start
                                   ELSE rate_counters.window_start END
             RETURNING hits",
        )
        .bind(nul_free(key))
        .bind(format_timestamp(now))
        .bind(cutoff)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(hits).unwrap_or(0))
    }

    /// Deletes expired sessions and reset links (used or not); answers how
    /// many of each went.
    pub async fn purge_expired(&self, now: Timestamp) -> Result<(u64, u64)> {
        let now = format_timestamp(now);
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(&now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let resets = sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
            .bind(&now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok((sessions, resets))
    }

    pub async fn set_banned(&self, user_id: i64, banned: bool) -> Result<bool> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        let done = sqlx::query("UPDATE users SET banned = $1 WHERE id = $2")
            .bind(banned)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if banned {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(nul_free(id_hash))
        .bind(user_id)
        .bind(nul_free(csrf))
        .bind(format_timestamp(now))
        .bind(format_timestamp(expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The signed-in user and the session's CSRF token, if the session is
    /// live and the user not banned.
    pub async fn session_user(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {USER_COLS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.banned"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(nul_free(id_hash))
            .bind(format_timestamp(now))
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("csrf_token")?))),
            None => Ok(None),
        }
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(nul_free(id_hash))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(nul_free(name))
        .bind(nul_free(token_hash))
        .bind(format_timestamp(now))
        .fetch_one(&self.pool)
        .await?)
    }

    /// (id, name, created_at, revoked) of a user's tokens.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<(i64, String, String, bool)>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("created_at")?,
                    r.try_get::<Option<String>, _>("revoked_at")?.is_some(),
                ))
            })
            .collect()
    }

    pub async fn revoke_api_token(
        &self,
        user_id: i64,
        token_id: i64,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(format_timestamp(now))
        .bind(token_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>> {
        self.user_from(
            "api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.banned",
            token_hash,
        )
        .await
    }

    /// Casts or takes back a vote, exactly once per user and paper. The
    /// insert (or delete) says whether anything changed — a racing twin
    /// waits on the unique key and then finds the row there (or gone) — and
    /// only then is the paper's count moved, under its row lock (SQLite: the
    /// write lock), in the same transaction: `local_votes` stays equal to
    /// `COUNT(votes)`.
    pub async fn set_vote(
        &self,
        user_id: i64,
        paper: &ArxivId,
        up: bool,
        now: Timestamp,
    ) -> Result<std::result::Result<i64, Refusal>> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if !Self::paper_visible(&mut tx, paper).await? {
            return Ok(Err(Refusal::NoSuchPaper));
        }
        let changed = Self::set_mark(&mut tx, Mark::Vote, user_id, paper, up, now).await?;
        let total: i64 = if changed {
            let delta: i64 = if up { 1 } else { -1 };
            sqlx::query_scalar(
                "UPDATE papers SET local_votes = local_votes + $1 WHERE id = $2
                 RETURNING upvotes_baseline + local_votes",
            )
            .bind(delta)
            .bind(paper.base())
            .fetch_one(&mut *tx)
            .await?
        } else {
            sqlx::query_scalar("SELECT upvotes_baseline + local_votes FROM papers WHERE id = $1")
                .bind(paper.base())
                .fetch_one(&mut *tx)
                .await?
        };
        tx.commit().await?;
        Ok(Ok(total))
    }

    /// Marks a paper "not interested" for a user (`on`), or takes that back:
    /// whether anything changed. An unknown or hidden paper is refused.
    pub async fn set_not_interested(
        &self,
        user_id: i64,
        paper: &ArxivId,
        on: bool,
        now: Timestamp,
    ) -> Result<std::result::Result<bool, Refusal>> {
        let mut tx = self.pool.begin().await?;
        if !Self::paper_visible(&mut tx, paper).await? {
            return Ok(Err(Refusal::NoSuchPaper));
        }
        let changed =
            Self::set_mark(&mut tx, Mark::NotInterested, user_id, paper, on, now).await?;
        tx.commit().await?;
        Ok(Ok(changed))
    }

    /// Sets (`on`) or clears a user's mark on a paper: whether it changed.
    async fn set_mark(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        mark: Mark,
        user_id: i64,
        paper: &ArxivId,
        on: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let table = mark.table();
        let done = if on {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} (user_id, paper_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING"
            )))
            .bind(user_id)
            .bind(paper.base())
            .bind(format_timestamp(now))
            .execute(&mut **tx)
            .await?
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE user_id = $1 AND paper_id = $2"
            )))
            .bind(user_id)
            .bind(paper.base())
            .execute(&mut **tx)
            .await?
        };
        Ok(done.rows_affected() > 0)
    }

    /// Whether the paper exists and is not hidden (what a reader may act on).
    pub(crate) async fn paper_visible(
        tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>,
        paper: &ArxivId,
    ) -> Result<bool> {
        let exists: Option<bool> =
            sqlx::query_scalar("SELECT TRUE FROM papers WHERE id = $1 AND NOT hidden")
                .bind(paper.base())
                .fetch_optional(&mut **tx)
                .await?;
        Ok(exists.is_some())
    }

    /// The papers a user is not interested in: (paper id, when), oldest first.
    pub async fn not_interested_of(&self, user_id: i64) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT paper_id, created_at FROM not_interested WHERE user_id = $1
             ORDER BY created_at, paper_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether the user has upvoted the paper.
    pub async fn voted(&self, user_id: i64, paper: &ArxivId) -> Result<bool> {
        let v: Option<bool> =
            sqlx::query_scalar("SELECT TRUE FROM votes WHERE user_id = $1 AND paper_id = $2")
                .bind(user_id)
                .bind(paper.base())
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.is_some())
    }

    pub async fn add_comment(
        &self,
        paper: &ArxivId,
        user_id: i64,
        parent: Option<i64>,
        body: &str,
        now: Timestamp,
    ) -> Result<std::result::Result<i64, Refusal>> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        let exists: Option<bool> =
            sqlx::query_scalar("SELECT TRUE FROM papers WHERE id = $1 AND NOT hidden")
                .bind(paper.base())
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Ok(Err(Refusal::NoSuchPaper));
        }
        if let Some(parent) = parent {
            let ok: Option<bool> =
                sqlx::query_scalar("SELECT TRUE FROM comments WHERE id = $1 AND paper_id = $2")
                    .bind(parent)
                    .bind(paper.base())
                    .fetch_optional(&mut *tx)
                    .await?;
            if ok.is_none() {
                return Ok(Err(Refusal::BadParent));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (paper_id, user_id, parent_id, body, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(paper.base())
        .bind(user_id)
        .bind(parent)
        .bind(nul_free(body))
        .bind(format_timestamp(now))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE papers SET local_comments = local_comments + 1 WHERE id = $1")
            .bind(paper.base())
            .execute(&mut *tx)
            .await?;
        if let Some(parent) = parent {
            Self::notify_reply(&mut tx, paper, parent, id, user_id, &format_timestamp(now)).await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn comment(&self, id: i64) -> Result<Option<Comment>> {
        let row = sqlx::query(
            "SELECT c.*, u.username FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(comment_from_row).transpose()
    }

    /// A paper's comments in thread order of creation (the caller nests them).
    /// Every vote of a user: (paper id, when), oldest first.
    pub async fn votes_of(&self, user_id: i64) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT paper_id, created_at FROM votes WHERE user_id = $1 ORDER BY created_at, paper_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every comment a user wrote, deleted and hidden ones too, oldest first.
    pub async fn comments_of(&self, user_id: i64) -> Result<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT c.*, u.username FROM comments c JOIN users u ON u.id = c.user_id
             WHERE c.user_id = $1 ORDER BY c.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment_from_row).collect()
    }

    /// Deletes an account, in one transaction: its votes are taken back
    /// (each paper's count exactly), its comments stay in their threads as
    /// "[deleted]" (body emptied, written by the `[deleted]` placeholder
    /// account), its submissions stay listed without a submitter, and its
    /// sessions, API tokens, reset links, subscriptions (with their digest
    /// records and manage tokens), authorship claims, throttles and
    /// counters go. `None` when
    /// there is no such user.
    pub async fn delete_user(&self, user_id: i64, now: Timestamp) -> Result<Option<DeletedUser>> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        let sql = format!(
            "SELECT username, email FROM users WHERE id = $1{lock}",
            lock = Self::DIALECT.row_lock()
        );
        let Some((username, email)): Option<(String, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(None);
        };
        let now = format_timestamp(now);
        // The placeholder author of deleted accounts' comments: a name no
        // sign-up can take (brackets), no password, banned.
        sqlx::query(
            "INSERT INTO users (username, email, password_hash, role, banned, created_at)
             VALUES ($1, '', '!', 'user', TRUE, $2) ON CONFLICT DO NOTHING",
        )
        .bind(DELETED_USERNAME)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let ghost: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(DELETED_USERNAME)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE papers SET local_votes = local_votes - 1
             WHERE id IN (SELECT paper_id FROM votes WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let votes = sqlx::query("DELETE FROM votes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Visible comments leave their papers' counts, as a deletion does.
        let visible: Vec<(String, i64)> = sqlx::query_as(
            "SELECT paper_id, COUNT(*) FROM comments
             WHERE user_id = $1 AND deleted_at IS NULL AND NOT hidden GROUP BY paper_id",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        let sql = format!(
            "UPDATE papers SET local_comments = {greatest}(local_comments - $1, 0) WHERE id = $2",
            greatest = Self::DIALECT.greatest()
        );
        for (paper, n) in &visible {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(n)
                .bind(paper)
                .execute(&mut *tx)
                .await?;
        }
        let comments = sqlx::query(
            "UPDATE comments SET user_id = $1, body = '', edited_at = NULL,
                 deleted_at = COALESCE(deleted_at, $2)
             WHERE user_id = $3",
        )
        .bind(ghost)
        .bind(&now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE daily_listings SET submitter_user_id = NULL, submitter_name = NULL, submitter = NULL
             WHERE submitter_user_id = $1",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        for sql in [
            "DELETE FROM manage_tokens WHERE subscription_id IN (SELECT id FROM subscriptions WHERE user_id = $1)",
            "DELETE FROM digest_sends WHERE subscription_id IN (SELECT id FROM subscriptions WHERE user_id = $1)",
            "DELETE FROM subscription_papers WHERE subscription_id IN (SELECT id FROM subscriptions WHERE user_id = $1)",
            "DELETE FROM subscriptions WHERE user_id = $1",
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM api_tokens WHERE user_id = $1",
            "DELETE FROM password_resets WHERE user_id = $1",
            "DELETE FROM not_interested WHERE user_id = $1",
            "DELETE FROM collection_items WHERE collection_id IN (SELECT id FROM collections WHERE owner_id = $1)",
            "DELETE FROM collections WHERE owner_id = $1",
            "DELETE FROM authorship_claims WHERE user_id = $1",
            "DELETE FROM follows WHERE user_id = $1",
            "DELETE FROM notifications WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
        }
        for key in [
            format!("signin:{}", username.to_lowercase()),
            format!("arxiv-fetch:{user_id}"),
        ] {
            sqlx::query("DELETE FROM rate_counters WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        // The address's mail throttle, unless another account uses it.
        let sql = format!(
            "DELETE FROM mail_throttle WHERE {recipient}
               AND NOT EXISTS (SELECT 1 FROM users WHERE id <> $2 AND {email})",
            recipient = Self::DIALECT.ci_eq("recipient", "$1"),
            email = Self::DIALECT.ci_eq("email", "$1"),
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&email)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(DeletedUser { votes, comments }))
    }

    pub async fn comments(&self, paper: &ArxivId) -> Result<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT c.*, u.username FROM comments c JOIN users u ON u.id = c.user_id
             WHERE c.paper_id = $1 ORDER BY c.id",
        )
        .bind(paper.base())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment_from_row).collect()
    }

    /// Edits a comment's body; only its author may, and not once deleted.
    /// The checks and the write are one statement, so a concurrent removal
    /// is never undone by an edit.
    pub async fn edit_comment(
        &self,
        id: i64,
        user_id: i64,
        body: &str,
        now: Timestamp,
    ) -> Result<std::result::Result<(), Refusal>> {
        let done = sqlx::query(
            "UPDATE comments SET body = $1, edited_at = $2
             WHERE id = $3 AND user_id = $4 AND deleted_at IS NULL AND NOT hidden",
        )
        .bind(nul_free(body))
        .bind(format_timestamp(now))
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(Ok(()));
        }
        // Nothing changed: say why.
        let Some(c) = self.comment(id).await? else {
            return Ok(Err(Refusal::NoSuchComment));
        };
        if c.author_id != user_id {
            return Ok(Err(Refusal::NotYours));
        }
        Ok(Err(Refusal::Deleted))
    }

    /// Marks a comment deleted (its author) or hidden (an admin). The row
    /// stays, so the thread keeps its shape; the visible count drops by one,
    /// once: the comment is read under its row lock (SQLite: the write lock),
    /// so two removals never both count it down.
    pub async fn remove_comment(
        &self,
        id: i64,
        user_id: i64,
        as_admin: bool,
        now: Timestamp,
    ) -> Result<std::result::Result<(), Refusal>> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        let sql = format!(
            "SELECT user_id, paper_id, deleted_at, hidden FROM comments WHERE id = $1{lock}",
            lock = Self::DIALECT.row_lock()
        );
        let row: Option<(i64, String, Option<String>, bool)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((author, paper_id, deleted_at, hidden)) = row else {
            return Ok(Err(Refusal::NoSuchComment));
        };
        if !as_admin && author != user_id {
            return Ok(Err(Refusal::NotYours));
        }
        let was_visible = deleted_at.is_none() && !hidden;
        if as_admin {
            sqlx::query("UPDATE comments SET hidden = TRUE WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE comments SET deleted_at = COALESCE(deleted_at, $1) WHERE id = $2")
                .bind(format_timestamp(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if was_visible {
            let sql = format!(
                "UPDATE papers SET local_comments = {greatest}(local_comments - 1, 0) WHERE id = $1",
                greatest = Self::DIALECT.greatest()
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(paper_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Hiding is a change of the change feed: the batch lock comes before
    /// the row's (as in an ingest batch, so the two never deadlock).
    pub async fn set_paper_hidden(&self, paper: &ArxivId, hidden: bool) -> Result<bool> {
        let mut tx = self.pool.begin_with(Self::DIALECT.begin_write()).await?;
        if let Some(lock) = Self::DIALECT.batch_lock() {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let done = sqlx::query("UPDATE papers SET hidden = $1 WHERE id = $2")
            .bind(hidden)
            .bind(paper.base())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// How many papers `user_id` put on the feed of `day`.
    pub async fn submissions_on(&self, user_id: i64, day: Date) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM daily_listings WHERE submitter_user_id = $1 AND day = $2",
        )
        .bind(user_id)
        .bind(day.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(n.max(0) as u64)
    }

    /// The most recent day in `[from, to]` the paper was listed on.
    pub async fn listed_between(
        &self,
        paper: &ArxivId,
        from: Date,
        to: Date,
    ) -> Result<Option<Date>> {
        let d: Option<String> = sqlx::query_scalar(
            "SELECT MAX(day) FROM daily_listings WHERE paper_id = $1 AND day BETWEEN $2 AND $3",
        )
        .bind(paper.base())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(d.and_then(|d| d.parse().ok()))
    }

    /// Stores a submitted paper and its listing on the feed, by `user`.
    pub async fn record_submission(
        &self,
        record: &IngestRecord,
        user: &User,
        now: Timestamp,
    ) -> Result<()> {
        self.upsert_batch(std::slice::from_ref(record), now).await?;
        if let Some(l) = &record.listing {
            sqlx::query(
                "UPDATE daily_listings SET submitter_user_id = $1,
                    position = (SELECT COALESCE(MAX(position), -1) + 1 FROM daily_listings
                                WHERE day = $2 AND paper_id <> $3)
                 WHERE day = $2 AND paper_id = $3",
            )
            .bind(user.id)
            .bind(l.day.to_string())
            .bind(l.paper_id.base())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: i64,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(nul_free(token_hash))
        .bind(user_id)
        .bind(format_timestamp(now))
        .bind(format_timestamp(expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Uses a reset token once: returns its user if it was live.
    pub async fn consume_password_reset(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<i64>> {
        let now = format_timestamp(now);
        Ok(sqlx::query_scalar(
            "UPDATE password_resets SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING user_id",
        )
        .bind(&now)
        .bind(nul_free(token_hash))
        .fetch_optional(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;
    use crate::subscriptions::NewSubscription;

    /// Issue 14: after `delete_user`, no row of any table holds the user's
    /// name, address or id-derived keys; the vote counts are exact and the
    /// comment is still there, empty and deleted.
    #[tokio::test]
    async fn a_deleted_user_leaves_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("papers.db"))
            .await
            .unwrap();
        let now: Timestamp = "2026-08-21T12:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-08-22T12:00:00Z".parse().unwrap();
        sqlx::query(
            "INSERT INTO papers (id, title, abstract, authors, author_count, categories, upvotes_baseline, created_at)
             VALUES ('2608.00001', 't', 'a', '[]', 0, '[]', 3, '2026-08-21T00:00:00Z')",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let paper = ArxivId::parse("2608.00001").unwrap();
        let mut ids = Vec::new();
        for name in ["Zanzibar", "other"] {
            let u = store
                .create_user(name, &format!("{name}@Example.org"), "h", Role::User, now)
                .await
                .unwrap()
                .unwrap();
            store
                .set_vote(u.id, &paper, true, now)
                .await
                .unwrap()
                .unwrap();
            ids.push(u.id);
        }
        let me = ids[0];
        let comment = store
            .add_comment(&paper, me, None, "secret words", now)
            .await
            .unwrap()
            .unwrap();
        store
            .create_session("sess-hash", me, "csrf", now, later)
            .await
            .unwrap();
        store
            .create_api_token(me, "tok", "tok-hash", now)
            .await
            .unwrap();
        store
            .create_password_reset("reset-hash", me, now, later)
            .await
            .unwrap();
        store
            .hit_counter("signin:zanzibar", now, jiff::SignedDuration::from_hours(1))
            .await
            .unwrap();
        store
            .claim_mail_slot(
                "zanzibar@example.org",
                "confirm",
                now,
                jiff::SignedDuration::from_hours(1),
            )
            .await
            .unwrap();
        store
            .subscribe(
                &NewSubscription {
                    email: "zanzibar@example.org".into(),
                    cadence: papers_core::Cadence::Daily,
                    query: Some("zanzibar's topic".into()),
                    categories: vec![],
                    user_id: Some(me),
                    for_you: false,
                    confirm_token_hash: "confirm-hash".into(),
                    confirm_expires_at: later,
                    manage_token_hash: "manage-hash".into(),
                },
                now,
            )
            .await
            .unwrap();
        store
            .set_not_interested(me, &paper, true, now)
            .await
            .unwrap()
            .unwrap();
        store
            .create_collection("c0ffee", me, "Zanzibar's reading", "mine", true, now)
            .await
            .unwrap();
        store
            .add_collection_item(
                "c0ffee",
                me,
                crate::NewCollectionItem {
                    item_id: "item-1",
                    paper: &paper,
                    note: "zanzibar notes",
                },
                10,
                now,
            )
            .await
            .unwrap()
            .unwrap();
        store
            .follow(
                me,
                papers_core::FollowKind::Search,
                "zanzibar's search",
                "zanzibar's search",
                200,
                now,
            )
            .await
            .unwrap()
            .unwrap();
        store
            .add_comment(&paper, ids[1], Some(comment), "an answer", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.unread_notifications(me).await.unwrap(), 1);

        let gone = store.delete_user(me, later).await.unwrap().unwrap();
        assert_eq!(
            gone,
            DeletedUser {
                votes: 1,
                comments: 1
            }
        );
        assert!(store.delete_user(me, later).await.unwrap().is_none());
        let votes: i64 = sqlx::query_scalar("SELECT local_votes FROM papers")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(votes, 1, "the other user's vote stays");
        let c = store.comment(comment).await.unwrap().unwrap();
        assert!(
            c.deleted && c.body.is_empty() && c.author == DELETED_USERNAME,
            "{c:?}"
        );

        // Every text in every table, searched for the user.
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let mut found = Vec::new();
        for t in tables {
            let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{t}')"
            )))
            .fetch_all(&store.pool)
            .await
            .unwrap();
            for c in cols {
                let hits: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT CAST(\"{c}\" AS TEXT) FROM \"{t}\" WHERE lower(CAST(\"{c}\" AS TEXT)) LIKE '%zanzibar%'
                       OR CAST(\"{c}\" AS TEXT) IN ('sess-hash', 'tok-hash', 'reset-hash', 'manage-hash', 'secret words', 'c0ffee', 'item-1')"
                )))
                .fetch_all(&store.pool)
                .await
                .unwrap();
                found.extend(hits.into_iter().map(|h| format!("{t}.{c}: {h}")));
            }
        }
        assert!(found.is_empty(), "{found:?}");
        let kept: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM notifications WHERE user_id = $1)
                  + (SELECT COUNT(*) FROM follows WHERE user_id = $1)",
        )
        .bind(me)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(kept, 0, "the reply's notification and the follows went too");
    }
}
