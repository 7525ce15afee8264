//! The SQLite backend: one file in WAL mode, `synchronous=FULL` so a committed
//! batch survives power loss, migrations embedded in the binary.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, SqlSafeStr};

use papers_core::{ArxivId, IngestRecord};

use crate::StoreError;
use crate::rows::{self, PaperColumns};
use crate::{
    ListedPaper, ListingQuery, ListingSort, Page, Result, Stats, UpsertStats, format_timestamp,
};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "community",
        include_str!("../migrations/sqlite/0002_community.sql"),
    ),
    (
        3,
        "subscriptions",
        include_str!("../migrations/sqlite/0003_subscriptions.sql"),
    ),
    (
        4,
        "search",
        include_str!("../migrations/sqlite/0004_search.sql"),
    ),
    (
        5,
        "limits",
        include_str!("../migrations/sqlite/0005_limits.sql"),
    ),
];

/// The SQLite implementation of the store contract.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// A shared lock on `papers.db.in-use`, held while the store is open, so
    /// that a restore can tell the store is in use.
    _in_use: std::sync::Arc<std::fs::File>,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            let _ = std::fs::create_dir_all(dir);
        }
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 6 MB of page cache a connection, 48 MB for the pool at most:
            // the server's memory budget (≤ 600 MB with every vector loaded)
            // has no room for 8 × 16 MB; the OS page cache holds the rest.
            .pragma("cache_size", "-6000")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await?;
        let migrations = MIGRATIONS
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
            .collect();
        // SQLite has no migration lock of its own: two processes opening a new
        // database at once (a server and an import) would both apply the same
        // migration. An OS file lock beside the database serialises them.
        let lock_path = path.with_extension("migrate.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Io(format!("{}: {e}", lock_path.display())))?;
        let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
            .await
            .map_err(|e| StoreError::Io(e.to_string()))?
            .map_err(|e| StoreError::Io(format!("{}: {e}", lock_path.display())))?;
        let result = Migrator::with_migrations(migrations).run(&pool).await;
        drop(lock);
        result?;
        let in_use = crate::backup::in_use_lock_file(path)?;
        let in_use = tokio::task::spawn_blocking(move || in_use.lock_shared().map(|()| in_use))
            .await
            .map_err(|e| StoreError::Io(e.to_string()))?
            .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        Ok(SqliteStore {
            pool,
            _in_use: std::sync::Arc::new(in_use),
        })
    }

    /// A consistent copy of the database at `dest` (`VACUUM INTO`), taken
    /// while others keep reading and writing.
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        crate::backup::vacuum_into(&self.pool, dest).await
    }

    pub async fn close(&self) {
        // PASSIVE never waits for other connections (a server may be reading).
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    pub async fn upsert_batch(
        &self,
        records: &[IngestRecord],
        now: Timestamp,
    ) -> Result<UpsertStats> {
        let now = format_timestamp(now);
        // IMMEDIATE takes the write lock up front: a deferred transaction that
        // reads first and writes later fails with SQLITE_BUSY (no waiting)
        // when another connection wrote in between.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let before_papers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM papers")
            .fetch_one(&mut *tx)
            .await?;
        let before_listings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_listings")
            .fetch_one(&mut *tx)
            .await?;
        for rec in records {
            let c = PaperColumns::from_paper(&rec.paper);
            sqlx::query(UPSERT_PAPER)
                .bind(&c.id)
                .bind(c.version)
                .bind(&c.title)
                .bind(&c.abstract_text)
                .bind(&c.authors)
                .bind(c.author_count)
                .bind(&c.categories)
                .bind(&c.primary_category)
                .bind(&c.published_at)
                .bind(&c.updated_at)
                .bind(&c.github_repo)
                .bind(c.github_stars)
                .bind(&c.project_page)
                .bind(&c.ai_summary)
                .bind(&c.ai_keywords)
                .bind(&c.doi)
                .bind(&c.journal_ref)
                .bind(&c.arxiv_comments)
                .bind(&c.discussion_id)
                .bind(&c.organization)
                .bind(c.upvotes)
                .bind(c.num_comments)
                .bind(&now)
                .bind(c.has_hf_authors)
                .execute(&mut *tx)
                .await?;
            if let Some(l) = &rec.listing {
                let l = rows::ListingColumns::from_listing(l);
                sqlx::query(UPSERT_LISTING)
                    .bind(&l.day)
                    .bind(&l.paper_id)
                    .bind(l.position)
                    .bind(&l.submitted_at)
                    .bind(&l.item_published_at)
                    .bind(&l.submitter_name)
                    .bind(&l.submitter)
                    .bind(&l.comment)
                    .bind(&l.thumbnail)
                    .bind(l.is_author_participating)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let after_papers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM papers")
            .fetch_one(&mut *tx)
            .await?;
        let after_listings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_listings")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(UpsertStats {
            papers_new: (after_papers - before_papers).max(0) as u64,
            listings_new: (after_listings - before_listings).max(0) as u64,
            records: records.len() as u64,
        })
    }

    pub async fn stats(&self) -> Result<Stats> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM papers) AS papers,
                    (SELECT COUNT(DISTINCT day) FROM daily_listings) AS listing_days,
                    (SELECT COUNT(*) FROM daily_listings) AS listings,
                    (SELECT COUNT(*) FROM users) AS users,
                    (SELECT COUNT(*) FROM votes) AS votes,
                    (SELECT COUNT(*) FROM comments) AS comments",
        )
        .fetch_one(&self.pool)
        .await?;
        let n = |c: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(c)?.max(0) as u64) };
        Ok(Stats {
            papers: n("papers")?,
            listing_days: n("listing_days")?,
            listings: n("listings")?,
            users: n("users")?,
            votes: n("votes")?,
            comments: n("comments")?,
        })
    }

    pub async fn latest_listing_day(&self) -> Result<Option<Date>> {
        let day: Option<String> = sqlx::query_scalar(
            "SELECT l.day FROM daily_listings l JOIN papers p ON p.id = l.paper_id
             WHERE p.hidden = 0 ORDER BY l.day DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(day.and_then(|d| d.parse().ok()))
    }

    pub async fn neighbour_listing_days(&self, day: Date) -> Result<(Option<Date>, Option<Date>)> {
        let d = day.to_string();
        let prev: Option<String> =
            sqlx::query_scalar("SELECT MAX(day) FROM daily_listings WHERE day < ?")
                .bind(&d)
                .fetch_one(&self.pool)
                .await?;
        let next: Option<String> =
            sqlx::query_scalar("SELECT MIN(day) FROM daily_listings WHERE day > ?")
                .bind(&d)
                .fetch_one(&self.pool)
                .await?;
        Ok((
            prev.and_then(|d| d.parse().ok()),
            next.and_then(|d| d.parse().ok()),
        ))
    }

    pub async fn listings(&self, q: &ListingQuery) -> Result<Page<ListedPaper>> {
        let from = q.from.to_string();
        let to = q.to.to_string();
        let submitter = q.submitter.as_deref();
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM daily_listings l JOIN papers p ON p.id = l.paper_id
             WHERE l.day BETWEEN ?1 AND ?2 AND p.hidden = 0
               AND (?3 IS NULL OR l.submitter_name = ?3 COLLATE NOCASE)",
        )
        .bind(&from)
        .bind(&to)
        .bind(submitter)
        .fetch_one(&self.pool)
        .await?;
        let order = match q.sort {
            ListingSort::Upvotes => {
                "(p.upvotes_baseline + p.local_votes) DESC, l.day DESC, l.position ASC"
            }
            ListingSort::PublishedAt => "p.published_at DESC, l.day DESC, l.position ASC",
        };
        let sql = format!(
            "SELECT {cols} FROM daily_listings l JOIN papers p ON p.id = l.paper_id
             WHERE l.day BETWEEN ?1 AND ?2 AND p.hidden = 0
               AND (?3 IS NULL OR l.submitter_name = ?3 COLLATE NOCASE)
             ORDER BY {order} LIMIT ?4 OFFSET ?5",
            cols = rows::LISTED_COLUMNS
        );
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&from)
            .bind(&to)
            .bind(submitter)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(rows::listed_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: total.max(0) as u64,
        })
    }

    pub async fn paper(&self, id: &ArxivId) -> Result<Option<ListedPaper>> {
        let sql = format!(
            "SELECT {cols} FROM {from}
             WHERE p.id = ? AND p.hidden = 0",
            cols = rows::LISTED_COLUMNS,
            from = rows::PAPERS_WITH_LATEST_LISTING
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.base())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::listed_from_row).transpose()
    }

    pub async fn cursor(&self, name: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM harvest_cursors WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_cursor(&self, name: &str, value: Option<&str>, now: Timestamp) -> Result<()> {
        match value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO harvest_cursors (name, value, updated_at) VALUES (?, ?, ?)
                     ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(v)
                .bind(format_timestamp(now))
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM harvest_cursors WHERE name = ?")
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Merge rules: text fields take the newest non-empty value; optional fields
/// never go back to NULL; counts imported as baselines only grow (sources
/// snapshot them at different times); `published_at` keeps the earliest date
/// and `updated_at` the latest; authors keep Hugging Face's richer records
/// unless the incoming ones have them too.
const UPSERT_PAPER: &str = "
INSERT INTO papers (id, version, title, abstract, authors, author_count, categories, primary_category,
    published_at, updated_at, github_repo, github_stars, project_page, ai_summary, ai_keywords,
    doi, journal_ref, arxiv_comments, discussion_id, organization, upvotes_baseline,
    comments_baseline, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
    COALESCE(?21, 0), COALESCE(?22, 0), ?23)
ON CONFLICT(id) DO UPDATE SET
    version = MAX(COALESCE(papers.version, 0), COALESCE(excluded.version, 0)),
    title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE papers.title END,
    abstract = CASE WHEN excluded.abstract <> '' THEN excluded.abstract ELSE papers.abstract END,
    authors = CASE WHEN excluded.author_count > 0
                    AND (?24 OR papers.authors NOT LIKE '%\"hf_id\"%')
                   THEN excluded.authors ELSE papers.authors END,
    author_count = CASE WHEN excluded.author_count > 0
                    AND (?24 OR papers.authors NOT LIKE '%\"hf_id\"%')
                   THEN excluded.author_count ELSE papers.author_count END,
    categories = CASE WHEN excluded.primary_category IS NOT NULL THEN excluded.categories ELSE papers.categories END,
    primary_category = COALESCE(excluded.primary_category, papers.primary_category),
    published_at = CASE WHEN papers.published_at IS NULL THEN excluded.published_at
                        WHEN excluded.published_at IS NULL THEN papers.published_at
                        ELSE MIN(papers.published_at, excluded.published_at) END,
    updated_at = CASE WHEN papers.updated_at IS NULL THEN excluded.updated_at
                      WHEN excluded.updated_at IS NULL THEN papers.updated_at
                      ELSE MAX(papers.updated_at, excluded.updated_at) END,
    github_repo = COALESCE(excluded.github_repo, papers.github_repo),
    github_stars = COALESCE(excluded.github_stars, papers.github_stars),
    project_page = COALESCE(excluded.project_page, papers.project_page),
    ai_summary = COALESCE(excluded.ai_summary, papers.ai_summary),
    ai_keywords = COALESCE(excluded.ai_keywords, papers.ai_keywords),
    doi = COALESCE(excluded.doi, papers.doi),
    journal_ref = COALESCE(excluded.journal_ref, papers.journal_ref),
    arxiv_comments = COALESCE(excluded.arxiv_comments, papers.arxiv_comments),
    discussion_id = COALESCE(excluded.discussion_id, papers.discussion_id),
    organization = COALESCE(excluded.organization, papers.organization),
    upvotes_baseline = MAX(papers.upvotes_baseline, excluded.upvotes_baseline),
    comments_baseline = MAX(papers.comments_baseline, excluded.comments_baseline)
";

const UPSERT_LISTING: &str = "
INSERT INTO daily_listings (day, paper_id, position, submitted_at, item_published_at,
    submitter_name, submitter, comment, thumbnail, is_author_participating)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT(day, paper_id) DO UPDATE SET
    position = excluded.position,
    submitted_at = COALESCE(excluded.submitted_at, daily_listings.submitted_at),
    item_published_at = COALESCE(excluded.item_published_at, daily_listings.item_published_at),
    submitter_name = COALESCE(excluded.submitter_name, daily_listings.submitter_name),
    submitter = COALESCE(excluded.submitter, daily_listings.submitter),
    comment = COALESCE(excluded.comment, daily_listings.comment),
    thumbnail = COALESCE(excluded.thumbnail, daily_listings.thumbnail),
    is_author_participating = COALESCE(excluded.is_author_participating, daily_listings.is_author_participating)
";
