//! The PostgreSQL backend: the same contract as the SQLite one, for several
//! app nodes (or processes) sharing one database. Same tables and column
//! names (migrations embedded from `migrations/postgres/`), text timestamps
//! in the same format, so [`crate::rows`] maps rows for both.
//!
//! Concurrency is PostgreSQL's: transactions run at READ COMMITTED and every
//! rule that must hold under concurrent writers is one statement that
//! decides (`INSERT … ON CONFLICT … RETURNING`, `UPDATE … RETURNING`) or a
//! row lock (`SELECT … FOR UPDATE`), never a read followed by a blind write.
//! Ingest batches take a transaction-scoped advisory lock so that two
//! imports merge one after the other, as SQLite's write lock makes them.

mod community;
mod search_data;
mod subscriptions;

use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Row, SqlSafeStr};

use papers_core::{ArxivId, IngestRecord};

use crate::rows::{self, PaperColumns};
use crate::{
    ListedPaper, ListingQuery, ListingSort, Page, Result, Stats, StoreError, UpsertStats,
    format_timestamp,
};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "community",
        include_str!("../../migrations/postgres/0002_community.sql"),
    ),
    (
        3,
        "subscriptions",
        include_str!("../../migrations/postgres/0003_subscriptions.sql"),
    ),
    (
        4,
        "search",
        include_str!("../../migrations/postgres/0004_search.sql"),
    ),
    (
        5,
        "limits",
        include_str!("../../migrations/postgres/0005_limits.sql"),
    ),
];

/// The key of the advisory lock that serialises ingest batches
/// (`pg_advisory_xact_lock`, released at commit or rollback).
const UPSERT_LOCK: i64 = 0x5041_5045_5253; // "PAPERS"

/// The PostgreSQL implementation of the store contract.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://` or `postgresql://`) and applies the
    /// migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let opts: PgConnectOptions = url.parse()?;
        let opts = opts.application_name("daily-papers");
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
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
        // Two processes opening a new database at once (a server and an
        // import, two app nodes) must not both apply a migration. sqlx's
        // Migrator serialises them on PostgreSQL: before it creates or reads
        // `_sqlx_migrations` it takes `pg_advisory_lock` on a key derived from
        // the database name and holds it until every migration is applied
        // (sqlx-postgres `migrate.rs`, `lock`/`unlock`; `locking` defaults
        // to true). The SQLite backend needs its own file lock for this.
        Migrator::with_migrations(migrations).run(&pool).await?;
        Ok(PgStore { pool })
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

    pub async fn upsert_batch(
        &self,
        records: &[IngestRecord],
        now: Timestamp,
    ) -> Result<UpsertStats> {
        let now = format_timestamp(now);
        let mut tx = self.pool.begin().await?;
        // One batch at a time, as SQLite's write lock has it: two imports
        // merging overlapping papers in different orders would deadlock.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(UPSERT_LOCK)
            .execute(&mut *tx)
            .await?;
        let (mut papers_new, mut listings_new) = (0u64, 0u64);
        for rec in records {
            let c = PaperColumns::from_paper(&rec.paper);
            // `xmax = 0` on the returned row: it was inserted, not updated.
            let inserted: bool = sqlx::query_scalar(UPSERT_PAPER)
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
                .fetch_one(&mut *tx)
                .await?;
            papers_new += u64::from(inserted);
            if let Some(l) = &rec.listing {
                let l = rows::ListingColumns::from_listing(l);
                let inserted: bool = sqlx::query_scalar(UPSERT_LISTING)
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
                    .fetch_one(&mut *tx)
                    .await?;
                listings_new += u64::from(inserted);
            }
        }
        tx.commit().await?;
        Ok(UpsertStats {
            papers_new,
            listings_new,
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
             WHERE NOT p.hidden ORDER BY l.day DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(day.and_then(|d| d.parse().ok()))
    }

    pub async fn neighbour_listing_days(&self, day: Date) -> Result<(Option<Date>, Option<Date>)> {
        let d = day.to_string();
        let prev: Option<String> =
            sqlx::query_scalar("SELECT MAX(day) FROM daily_listings WHERE day < $1")
                .bind(&d)
                .fetch_one(&self.pool)
                .await?;
        let next: Option<String> =
            sqlx::query_scalar("SELECT MIN(day) FROM daily_listings WHERE day > $1")
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
             WHERE l.day BETWEEN $1 AND $2 AND NOT p.hidden
               AND ($3::text IS NULL OR lower(l.submitter_name) = lower($3))",
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
            ListingSort::PublishedAt => {
                // SQLite sorts NULL first ascending, so last descending;
                // PostgreSQL's default is the opposite.
                "p.published_at DESC NULLS LAST, l.day DESC, l.position ASC"
            }
        };
        let sql = format!(
            "SELECT {cols} FROM daily_listings l JOIN papers p ON p.id = l.paper_id
             WHERE l.day BETWEEN $1 AND $2 AND NOT p.hidden
               AND ($3::text IS NULL OR lower(l.submitter_name) = lower($3))
             ORDER BY {order} LIMIT $4 OFFSET $5",
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
             WHERE p.id = $1 AND NOT p.hidden",
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
            sqlx::query_scalar("SELECT value FROM harvest_cursors WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_cursor(&self, name: &str, value: Option<&str>, now: Timestamp) -> Result<()> {
        match value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO harvest_cursors (name, value, updated_at) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
                )
                .bind(name)
                .bind(v)
                .bind(format_timestamp(now))
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM harvest_cursors WHERE name = $1")
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The merge rules of the SQLite backend's `UPSERT_PAPER`, in PostgreSQL's
/// words (`GREATEST`/`LEAST` for SQLite's two-argument `MAX`/`MIN`, which
/// ignore NULLs just as these do where it matters: both sides are non-NULL).
const UPSERT_PAPER: &str = "
INSERT INTO papers AS papers (id, version, title, abstract, authors, author_count, categories,
    primary_category, published_at, updated_at, github_repo, github_stars, project_page, ai_summary,
    ai_keywords, doi, journal_ref, arxiv_comments, discussion_id, organization, upvotes_baseline,
    comments_baseline, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
    COALESCE($21, 0), COALESCE($22, 0), $23)
ON CONFLICT (id) DO UPDATE SET
    version = GREATEST(COALESCE(papers.version, 0), COALESCE(EXCLUDED.version, 0)),
    title = CASE WHEN EXCLUDED.title <> '' THEN EXCLUDED.title ELSE papers.title END,
    abstract = CASE WHEN EXCLUDED.abstract <> '' THEN EXCLUDED.abstract ELSE papers.abstract END,
    authors = CASE WHEN EXCLUDED.author_count > 0
                    AND ($24 OR papers.authors NOT LIKE '%\"hf_id\"%')
                   THEN EXCLUDED.authors ELSE papers.authors END,
    author_count = CASE WHEN EXCLUDED.author_count > 0
                    AND ($24 OR papers.authors NOT LIKE '%\"hf_id\"%')
                   THEN EXCLUDED.author_count ELSE papers.author_count END,
    categories = CASE WHEN EXCLUDED.primary_category IS NOT NULL THEN EXCLUDED.categories ELSE papers.categories END,
    primary_category = COALESCE(EXCLUDED.primary_category, papers.primary_category),
    published_at = CASE WHEN papers.published_at IS NULL THEN EXCLUDED.published_at
                        WHEN EXCLUDED.published_at IS NULL THEN papers.published_at
                        ELSE LEAST(papers.published_at, EXCLUDED.published_at) END,
    updated_at = CASE WHEN papers.updated_at IS NULL THEN EXCLUDED.updated_at
                      WHEN EXCLUDED.updated_at IS NULL THEN papers.updated_at
                      ELSE GREATEST(papers.updated_at, EXCLUDED.updated_at) END,
    github_repo = COALESCE(EXCLUDED.github_repo, papers.github_repo),
    github_stars = COALESCE(EXCLUDED.github_stars, papers.github_stars),
    project_page = COALESCE(EXCLUDED.project_page, papers.project_page),
    ai_summary = COALESCE(EXCLUDED.ai_summary, papers.ai_summary),
    ai_keywords = COALESCE(EXCLUDED.ai_keywords, papers.ai_keywords),
    doi = COALESCE(EXCLUDED.doi, papers.doi),
    journal_ref = COALESCE(EXCLUDED.journal_ref, papers.journal_ref),
    arxiv_comments = COALESCE(EXCLUDED.arxiv_comments, papers.arxiv_comments),
    discussion_id = COALESCE(EXCLUDED.discussion_id, papers.discussion_id),
    organization = COALESCE(EXCLUDED.organization, papers.organization),
    upvotes_baseline = GREATEST(papers.upvotes_baseline, EXCLUDED.upvotes_baseline),
    comments_baseline = GREATEST(papers.comments_baseline, EXCLUDED.comments_baseline)
RETURNING (xmax = 0) AS inserted
";

const UPSERT_LISTING: &str = "
INSERT INTO daily_listings AS daily_listings (day, paper_id, position, submitted_at,
    item_published_at, submitter_name, submitter, comment, thumbnail, is_author_participating)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (day, paper_id) DO UPDATE SET
    position = EXCLUDED.position,
    submitted_at = COALESCE(EXCLUDED.submitted_at, daily_listings.submitted_at),
    item_published_at = COALESCE(EXCLUDED.item_published_at, daily_listings.item_published_at),
    submitter_name = COALESCE(EXCLUDED.submitter_name, daily_listings.submitter_name),
    submitter = COALESCE(EXCLUDED.submitter, daily_listings.submitter),
    comment = COALESCE(EXCLUDED.comment, daily_listings.comment),
    thumbnail = COALESCE(EXCLUDED.thumbnail, daily_listings.thumbnail),
    is_author_participating = COALESCE(EXCLUDED.is_author_participating, daily_listings.is_author_participating)
RETURNING (xmax = 0) AS inserted
";
