//! The catalogue: ingest batches (the merge rules), the feed's listings, a
//! paper, counts and harvest cursors, on both backends.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{ArxivId, DailyListing, IngestRecord};
use sqlx::Row;

use crate::dialect::{Dialect, for_both_backends, json_list};
use crate::rows::{self, ListingColumns, PaperColumns, nul_free, opt_nul_free};
use crate::{
    FeedView, ListedPaper, ListingQuery, ListingSort, Page, Result, Stats, UpsertStats,
    format_timestamp,
};

for_both_backends! {
    pub async fn upsert_batch(
        &self,
        records: &[IngestRecord],
        now: Timestamp,
    ) -> Result<UpsertStats> {
        let d = Self::DIALECT;
        let now_ts = now;
        let now = format_timestamp(now);
        // What the batch touches, each once: its new rows are those not
        // there before it writes (nothing else inserts papers or listings,
        // and batches run one at a time). Listings are keyed "DAY PAPER_ID";
        // their paper ids let the index find the rows to compare.
        let papers: BTreeSet<&str> = records.iter().map(|r| r.paper.id.base()).collect();
        let listings: BTreeSet<(String, &str)> = records
            .iter()
            .filter_map(|r| r.listing.as_ref())
            .map(|l| (l.day.to_string(), l.paper_id.base()))
            .collect();
        let listing_papers: BTreeSet<&str> = listings.iter().map(|(_, p)| *p).collect();
        let listing_keys: Vec<String> = listings.iter().map(|(d, p)| format!("{d} {p}")).collect();
        let mut tx = self.pool.begin_with(d.begin_write()).await?;
        if let Some(lock) = d.batch_lock() {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        // The batch's papers stored before it, and whether each linked code.
        let before: Vec<(String, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, COALESCE(github_repo, '') <> '' FROM papers
             WHERE id IN (SELECT k.value FROM {ids})",
            ids = d.json_values("$1", "k")
        )))
        .bind(json_list(&papers))
        .fetch_all(&mut *tx)
        .await?;
        let known_papers = before.len() as i64;
        let known: BTreeSet<&str> = before.iter().map(|(id, _)| id.as_str()).collect();
        let new_papers: BTreeSet<&str> = papers.difference(&known).copied().collect();
        let had_no_code: BTreeSet<&str> = before
            .iter()
            .filter(|(_, code)| !code)
            .map(|(id, _)| id.as_str())
            .collect();
        let known_listings: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM daily_listings l
             WHERE l.paper_id IN (SELECT k.value FROM {ids})
               AND l.day || ' ' || l.paper_id IN (SELECT k.value FROM {keys})",
            ids = d.json_values("$1", "k"),
            keys = d.json_values("$2", "k")
        )))
        .bind(json_list(&listing_papers))
        .bind(json_list(&listing_keys))
        .fetch_one(&mut *tx)
        .await?;
        // Many rows a statement (one round trip for up to `ROWS_PER_STATEMENT`
        // records, the merge rules unchanged); a record whose key is already
        // in the statement starts the next one, so that it merges onto the
        // first as it would one after the other.
        let paper_tail = upsert_paper_tail(d);
        for chunk in chunks_of_distinct(records, |r| r.paper.id.base().to_string()) {
            let mut q = sqlx::QueryBuilder::new(PAPER_INSERT_HEAD);
            q.push_values(chunk, |mut b, rec| {
                let c = PaperColumns::from_paper(&rec.paper);
                b.push_bind(c.id)
                    .push_bind(c.version)
                    .push_bind(c.title)
                    .push_bind(c.abstract_text)
                    .push_bind(c.authors)
                    .push_bind(c.author_count)
                    .push_bind(c.categories)
                    .push_bind(c.primary_category)
                    .push_bind(c.published_at)
                    .push_bind(c.updated_at)
                    .push_bind(c.github_repo)
                    .push_bind(c.github_stars)
                    .push_bind(c.project_page)
                    .push_bind(c.ai_summary)
                    .push_bind(c.ai_keywords)
                    .push_bind(c.doi)
                    .push_bind(c.journal_ref)
                    .push_bind(c.arxiv_comments)
                    .push_bind(c.discussion_id)
                    .push_bind(c.organization)
                    .push_bind(c.upvotes.unwrap_or(0))
                    .push_bind(c.num_comments.unwrap_or(0))
                    .push_bind(now.clone());
            });
            q.push(&paper_tail);
            q.build().execute(&mut *tx).await?;
        }
        // The authors' index follows what the merge rules kept.
        let ids: Vec<&str> = papers.iter().copied().collect();
        Self::write_paper_authors(&mut tx, &ids).await?;
        Self::write_batch_notifications(&mut tx, &new_papers, &had_no_code, now_ts).await?;
        let listed: Vec<&DailyListing> = records.iter().filter_map(|r| r.listing.as_ref()).collect();
        for chunk in chunks_of_distinct(&listed, |l| format!("{} {}", l.day, l.paper_id.base())) {
            let mut q = sqlx::QueryBuilder::new(LISTING_INSERT_HEAD);
            q.push_values(chunk, |mut b, l| {
                let l = ListingColumns::from_listing(l);
                b.push_bind(l.day)
                    .push_bind(l.paper_id)
                    .push_bind(l.position)
                    .push_bind(l.submitted_at)
                    .push_bind(l.item_published_at)
                    .push_bind(l.submitter_name)
                    .push_bind(l.submitter)
                    .push_bind(l.comment)
                    .push_bind(l.thumbnail)
                    .push_bind(l.is_author_participating);
            });
            q.push(LISTING_UPSERT_TAIL);
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        let new = |all: usize, known: i64| (all as u64).saturating_sub(known.max(0) as u64);
        Ok(UpsertStats {
            papers_new: new(papers.len(), known_papers),
            listings_new: new(listings.len(), known_listings),
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
        let day: Option<String> = sqlx::query_scalar(LATEST_LISTING_DAY)
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
        let submitter = opt_nul_free(q.submitter.as_deref());
        let filter = listing_filter(Self::DIALECT, "$1", "$2");
        let order = listing_order(q.sort);
        let sql = format!(
            "SELECT {cols} {filter} ORDER BY {order} LIMIT $4 OFFSET $5",
            cols = rows::LISTED_COLUMNS
        );
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        // The count and the page at once, on two connections (a round trip
        // saved on PostgreSQL).
        let count_sql = format!("SELECT COUNT(*) {filter}");
        let count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql))
            .bind(&from)
            .bind(&to)
            .bind(submitter.as_deref())
            .fetch_one(&self.pool);
        let page = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&from)
            .bind(&to)
            .bind(submitter.as_deref())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool);
        let (total, rows) = tokio::try_join!(count, page)?;
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
                .bind(nul_free(name))
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_cursor(&self, name: &str, value: Option<&str>, now: Timestamp) -> Result<()> {
        match value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO harvest_cursors (name, value, updated_at) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(nul_free(name))
                .bind(nul_free(v))
                .bind(format_timestamp(now))
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM harvest_cursors WHERE name = $1")
                    .bind(nul_free(name))
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The latest day with a visible paper listed.
const LATEST_LISTING_DAY: &str =
    "SELECT l.day FROM daily_listings l JOIN papers p ON p.id = l.paper_id
     WHERE NOT p.hidden ORDER BY l.day DESC LIMIT 1";

/// The listings of days `lo` to `hi` (SQL expressions: `$1` and `$2` for
/// a window) of visible papers, of submitter `$3` (any case) when it is
/// not NULL.
fn listing_filter(d: Dialect, lo: &str, hi: &str) -> String {
    format!(
        "FROM daily_listings l JOIN papers p ON p.id = l.paper_id
         WHERE l.day BETWEEN {lo} AND {hi} AND NOT p.hidden
           AND ($3 IS NULL OR {by})",
        by = d.ci_eq("l.submitter_name", "$3")
    )
}

/// The order of a listing. The paper id last: a total order, the same on
/// both backends (ties are otherwise left to each engine's plan).
fn listing_order(sort: ListingSort) -> &'static str {
    match sort {
        ListingSort::Upvotes => {
            "(p.upvotes_baseline + p.local_votes) DESC, l.day DESC, l.position ASC, p.id ASC"
        }
        ListingSort::PublishedAt => {
            "p.published_at DESC NULLS LAST, l.day DESC, l.position ASC, p.id ASC"
        }
    }
}

impl crate::postgres::PgStore {
    /// A feed page in one statement ([`crate::Store::feed_view`]): the
    /// listings, their total, the verified authors of the page's papers,
    /// the latest listing day and the listing days either side of
    /// `around`; one round trip where the separate reads were six.
    pub async fn feed_view(&self, q: &ListingQuery, around: Option<Date>) -> Result<FeedView> {
        self.feed_view_of(Some(q), q.offset, q.limit, around).await
    }

    /// [`crate::Store::latest_feed_view`] in one statement.
    pub async fn latest_feed_view(&self, offset: u64, limit: u64) -> Result<FeedView> {
        self.feed_view_of(None, offset, limit, None).await
    }

    /// The feed view of `q`'s window, or (`None`) of the latest listing
    /// day and around it, by upvotes.
    async fn feed_view_of(
        &self,
        q: Option<&ListingQuery>,
        offset: u64,
        limit: u64,
        around: Option<Date>,
    ) -> Result<FeedView> {
        // The window's bounds and the day whose neighbours are asked: the
        // parameters, or the latest listing day where the window is not
        // given (then they are bound NULL). The two texts are two prepared
        // statements; the window's has the plain bounds its plan needs (a
        // join with a row of bounds measured 20% slower).
        let (lo, hi, around_day) = match q {
            Some(_) => ("$1", "$2", "$6"),
            None => (
                "COALESCE($1, (SELECT day FROM latest))",
                "COALESCE($2, (SELECT day FROM latest))",
                "COALESCE($6, (SELECT day FROM latest))",
            ),
        };
        let filter = listing_filter(Dialect::Postgres, lo, hi);
        let sql = format!(
            "WITH latest AS (SELECT ({latest}) AS day),
             page AS (
                SELECT {cols}, ROW_NUMBER() OVER (ORDER BY {order}) AS page_rank
                {filter} ORDER BY {order} LIMIT $4 OFFSET $5)
             SELECT h.latest_day, h.prev_day, h.next_day, h.total, page.*,
                    (SELECT CAST(json_agg(json_build_array(
                                c.name_key, u.username, COALESCE(c.decided_at, c.created_at)))
                              AS TEXT)
                     FROM authorship_claims c JOIN users u ON u.id = c.user_id
                     WHERE c.paper_id = page.id AND c.status = 'verified') AS verified_claims
             FROM (SELECT latest.day AS latest_day,
                          (SELECT MAX(day) FROM daily_listings WHERE day < {around_day}) AS prev_day,
                          (SELECT MIN(day) FROM daily_listings WHERE day > {around_day}) AS next_day,
                          (SELECT COUNT(*) {filter}) AS total
                   FROM latest) h
             LEFT JOIN page ON TRUE
             ORDER BY page.page_rank",
            cols = rows::LISTED_COLUMNS,
            order = listing_order(q.map_or(ListingSort::Upvotes, |q| q.sort)),
            latest = LATEST_LISTING_DAY,
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(q.map(|q| q.from.to_string()))
            .bind(q.map(|q| q.to.to_string()))
            .bind(q.and_then(|q| opt_nul_free(q.submitter.as_deref())))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .bind(around.map(|d| d.to_string()))
            .fetch_all(&self.pool)
            .await?;
        let day = |v: Option<String>| v.and_then(|d| d.parse::<Date>().ok());
        let Some(first) = rows.first() else {
            return Err(crate::StoreError::Corrupt {
                what: "the feed view".into(),
                detail: "no row".into(),
            });
        };
        let mut view = FeedView {
            latest: day(first.try_get("latest_day")?),
            prev: day(first.try_get("prev_day")?),
            next: day(first.try_get("next_day")?),
            page: Page {
                items: Vec::with_capacity(rows.len()),
                total: first.try_get::<i64, _>("total")?.max(0) as u64,
            },
        };
        let mut verified = Vec::new();
        for row in &rows {
            if row.try_get::<Option<String>, _>("id")?.is_none() {
                continue; // the header's row alone: an empty page
            }
            let paper = rows::listed_from_row(row)?;
            let claims: Option<String> = row.try_get("verified_claims")?;
            for (key, username, at) in rows::verified_claims(claims.as_deref())? {
                verified.push((paper.paper.id.base().to_string(), key, username, at));
            }
            view.page.items.push(paper);
        }
        crate::authors::mark_verified(&mut view.page.items, &verified);
        Ok(view)
    }
}

/// Merge rules: text fields take the newest non-empty value; optional fields
/// never go back to NULL; counts imported as baselines only grow (sources
/// snapshot them at different times); `published_at` keeps the earliest date
/// and `updated_at` the latest; authors keep Hugging Face's richer records
/// unless the incoming ones have them too. (`greatest`/`least` see only
/// non-NULL values here, where SQLite's `MAX`/`MIN` and PostgreSQL's
/// `GREATEST`/`LEAST` agree.)
fn upsert_paper_tail(d: Dialect) -> String {
    format!(
        "
ON CONFLICT (id) DO UPDATE SET
    version = {greatest}(COALESCE(papers.version, 0), COALESCE(excluded.version, 0)),
    title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE papers.title END,
    abstract = CASE WHEN excluded.abstract <> '' THEN excluded.abstract ELSE papers.abstract END,
    authors = CASE WHEN excluded.author_count > 0
                    AND (excluded.authors LIKE '%\"hf_id\"%' OR papers.authors NOT LIKE '%\"hf_id\"%')
                   THEN excluded.authors ELSE papers.authors END,
    author_count = CASE WHEN excluded.author_count > 0
                    AND (excluded.authors LIKE '%\"hf_id\"%' OR papers.authors NOT LIKE '%\"hf_id\"%')
                   THEN excluded.author_count ELSE papers.author_count END,
    categories = CASE WHEN excluded.primary_category IS NOT NULL THEN excluded.categories ELSE papers.categories END,
    primary_category = COALESCE(excluded.primary_category, papers.primary_category),
    published_at = CASE WHEN papers.published_at IS NULL THEN excluded.published_at
                        WHEN excluded.published_at IS NULL THEN papers.published_at
                        ELSE {least}(papers.published_at, excluded.published_at) END,
    updated_at = CASE WHEN papers.updated_at IS NULL THEN excluded.updated_at
                      WHEN excluded.updated_at IS NULL THEN papers.updated_at
                      ELSE {greatest}(papers.updated_at, excluded.updated_at) END,
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
    upvotes_baseline = {greatest}(papers.upvotes_baseline, excluded.upvotes_baseline),
    comments_baseline = {greatest}(papers.comments_baseline, excluded.comments_baseline)
",
        greatest = d.greatest(),
        least = d.least()
    )
}

/// Records a statement of the ingest batch holds at most (24 parameters a
/// paper: far under both backends' limits).
const ROWS_PER_STATEMENT: usize = 250;

/// Splits `items` in order into runs of at most [`ROWS_PER_STATEMENT`]
/// whose keys are distinct (an `INSERT … ON CONFLICT DO UPDATE` may not
/// touch a row twice).
fn chunks_of_distinct<T>(items: &[T], key: impl Fn(&T) -> String) -> Vec<&[T]> {
    let mut out = Vec::new();
    let (mut start, mut seen) = (0, std::collections::HashSet::new());
    for (i, item) in items.iter().enumerate() {
        let k = key(item);
        if i - start == ROWS_PER_STATEMENT || seen.contains(&k) {
            out.push(&items[start..i]);
            start = i;
            seen.clear();
        }
        seen.insert(k);
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

const PAPER_INSERT_HEAD: &str =
    "INSERT INTO papers (id, version, title, abstract, authors, author_count,
    categories, primary_category, published_at, updated_at, github_repo, github_stars, project_page,
    ai_summary, ai_keywords, doi, journal_ref, arxiv_comments, discussion_id, organization,
    upvotes_baseline, comments_baseline, created_at) ";

const LISTING_INSERT_HEAD: &str =
    "INSERT INTO daily_listings (day, paper_id, position, submitted_at,
    item_published_at, submitter_name, submitter, comment, thumbnail, is_author_participating) ";

const LISTING_UPSERT_TAIL: &str = "
ON CONFLICT (day, paper_id) DO UPDATE SET
    position = excluded.position,
    submitted_at = COALESCE(excluded.submitted_at, daily_listings.submitted_at),
    item_published_at = COALESCE(excluded.item_published_at, daily_listings.item_published_at),
    submitter_name = COALESCE(excluded.submitter_name, daily_listings.submitter_name),
    submitter = COALESCE(excluded.submitter, daily_listings.submitter),
    comment = COALESCE(excluded.comment, daily_listings.comment),
    thumbnail = COALESCE(excluded.thumbnail, daily_listings.thumbnail),
    is_author_participating = COALESCE(excluded.is_author_participating, daily_listings.is_author_participating)
";
