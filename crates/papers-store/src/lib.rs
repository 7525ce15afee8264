//! `papers-store` owns durable state: papers, daily listings, users, votes,
//! comments and harvest cursors. It defines the [`Store`] contract the rest of
//! the product uses and its two implementations, picked by the URL scheme:
//! SQLite (`sqlite://`, WAL mode, the embedded default) and PostgreSQL
//! (`postgres://`, `postgresql://`), each with its own embedded migrations.
//! All SQL in the product lives in this crate. [`Store::copy_into`] moves
//! every row of one store into another, of either kind (`papers store
//! copy`).

mod authors;
mod backup;
mod catalog;
mod collections;
mod community;
mod copy;
mod dialect;
mod follows;
mod nodes;
mod postgres;
mod rows;
mod search_data;
mod sqlite;
mod subscriptions;

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{
    ArxivId, AuthorshipClaim, Comment, DailyListing, Follow, FollowKind, IngestRecord,
    Notification, Paper, Role, User,
};

pub use authors::{AuthorSummary, Coauthor};
pub use backup::{RestoreReport, restore};
pub use collections::{Collection, CollectionEdit, CollectionItem, NewCollectionItem};
pub use community::{DELETED_USERNAME, DeletedUser, Refusal};
pub use copy::{CopyEvent, CopyOptions, CopyReport, DEFAULT_BATCH_ROWS, TableCheck, TableSummary};
pub use nodes::{CHANGES_CHANNEL, Change, ChangeKind, ChangeListener, JobRecord, Notice};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use subscriptions::{DigestRecord, NewSubscription, SubscribeOutcome, Subscription};

/// Errors from the store. `Database` is always our fault, never the user's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    #[error("database file: {0}")]
    Io(String),
    #[error("corrupt row for {what}: {detail}")]
    Corrupt { what: String, detail: String },
    /// `papers store copy` will not write into this target (it is not
    /// empty, or holds another copy), or the schemas differ.
    #[error("{0}")]
    CopyRefused(String),
    /// The copy was stopped between two batches; a rerun continues it.
    #[error("the copy was stopped; run it again to continue where it stopped")]
    CopyStopped,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A paper together with what the feed knows of it.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPaper {
    pub paper: Paper,
    /// The listing this row came from (a day view), or the latest listing of
    /// the paper (a paper page); `None` if it was never on the feed.
    pub listing: Option<DailyListing>,
    /// Imported baseline plus votes cast here.
    pub upvotes: i64,
    /// Imported baseline plus visible comments written here.
    pub num_comments: i64,
}

/// How a window of the feed is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ListingSort {
    /// Most upvoted first, then the source's position (the feed's default).
    #[default]
    Upvotes,
    /// Most recent arXiv date first.
    PublishedAt,
}

/// A query over the daily feed.
#[derive(Clone, Debug)]
pub struct ListingQuery {
    pub from: Date,
    pub to: Date,
    pub submitter: Option<String>,
    pub sort: ListingSort,
    pub offset: u64,
    pub limit: u64,
}

/// A feed page with what its page shows around it ([`Store::feed_view`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FeedView {
    /// The latest day with a visible paper listed.
    pub latest: Option<Date>,
    /// The nearest days with listings before and after the day asked.
    pub prev: Option<Date>,
    pub next: Option<Date>,
    pub page: Page<ListedPaper>,
}

/// One page of results and the total that matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// What one `upsert_batch` changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpsertStats {
    pub papers_new: u64,
    pub listings_new: u64,
    pub records: u64,
}

/// Counts for `papers stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub papers: u64,
    pub listing_days: u64,
    pub listings: u64,
    pub users: u64,
    pub votes: u64,
    pub comments: u64,
}

/// The store contract. Every method is one use of the data; the backend is
/// chosen when the store is opened.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// A streaming replica for the reads of lists and pages, when one is
    /// configured ([`Store::open_with_replica`]); writes, and every read
    /// inside [`on_primary`], go to `backend`.
    replica: Option<Backend>,
}

tokio::task_local! {
    /// Set while a request's reads must see its client's own writes.
    static PRIMARY_READS: ();
}

/// Runs `f` with every read of the store on the primary, even those that
/// would go to the read replica: the reads of a client that writes (a
/// signed-in reader sees their own vote at once).
pub async fn on_primary<F: std::future::Future>(f: F) -> F::Output {
    PRIMARY_READS.scope((), f).await
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Calls the same method on whichever backend the store has.
macro_rules! on_backend {
    ($self:ident, $s:ident => $call:expr) => {
        match &$self.backend {
            Backend::Sqlite($s) => $call,
            Backend::Postgres($s) => $call,
        }
    };
}

/// Like `on_backend!`, on the read replica when there is one and the
/// caller is not in [`on_primary`].
macro_rules! on_reader {
    ($self:ident, $s:ident => $call:expr) => {
        match $self.reader() {
            Backend::Sqlite($s) => $call,
            Backend::Postgres($s) => $call,
        }
    };
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    /// `sqlite://path/to/papers.db` is the embedded default;
    /// `postgres://` (or `postgresql://`) URLs open a PostgreSQL database,
    /// which must exist (the tables are created by the migrations).
    pub async fn open(url: &str) -> Result<Store> {
        let backend = if let Some(path) = url.strip_prefix("sqlite://") {
            Backend::Sqlite(SqliteStore::open(std::path::Path::new(path)).await?)
        } else if is_postgres(url) {
            Backend::Postgres(PgStore::open(url).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let store = Store {
            backend,
            replica: None,
        };
        let hashed = on_backend!(store, s => s.hash_legacy_manage_tokens().await)?;
        if hashed > 0 {
            tracing::info!(
                hashed,
                "manage tokens stored in the clear are now stored hashed"
            );
        }
        let filled = on_backend!(store, s => s.backfill_paper_authors().await)?;
        if filled > 0 {
            tracing::info!(
                filled,
                "papers stored before migration 0011 now have author rows"
            );
        }
        Ok(store)
    }

    /// [`Store::open`], with the reads of lists and pages sent to the
    /// streaming replica at `read_url` (PostgreSQL only: a hot standby of
    /// the primary; it is never migrated or written).
    pub async fn open_with_replica(url: &str, read_url: Option<&str>) -> Result<Store> {
        // Checked before anything is opened: a SQLite URL given a replica
        // must not leave a new database file behind.
        if let Some(read_url) = read_url
            && (!is_postgres(url) || !is_postgres(read_url))
        {
            return Err(StoreError::UnsupportedUrl(format!(
                "{read_url} (a read replica needs PostgreSQL for both the store and the replica)"
            )));
        }
        let mut store = Store::open(url).await?;
        if let Some(read_url) = read_url {
            store.replica = Some(Backend::Postgres(PgStore::connect_replica(read_url).await?));
        }
        Ok(store)
    }

    /// Opens the SQLite database file at `path`.
    pub async fn open_sqlite(path: &std::path::Path) -> Result<Store> {
        Ok(Store {
            backend: Backend::Sqlite(SqliteStore::open(path).await?),
            replica: None,
        })
    }

    /// Where the reads of lists and pages go now.
    fn reader(&self) -> &Backend {
        match &self.replica {
            Some(r) if PRIMARY_READS.try_with(|()| ()).is_err() => r,
            _ => &self.backend,
        }
    }

    /// Writes a consistent copy of the whole store to the new file `dest`
    /// while the store stays in use; `papers restore` puts one back.
    /// SQLite only: on PostgreSQL it answers an error that points to
    /// `pg_dump`.
    pub async fn backup(&self, dest: &std::path::Path) -> Result<()> {
        on_backend!(self, s => s.backup(dest).await)
    }

    /// Inserts or merges papers and their listings, all in one transaction.
    /// Idempotent: applying the same batch twice changes nothing the second
    /// time. Optional fields never erase what an earlier source knew.
    pub async fn upsert_batch(
        &self,
        records: &[IngestRecord],
        now: Timestamp,
    ) -> Result<UpsertStats> {
        on_backend!(self, s => s.upsert_batch(records, now).await)
    }

    pub async fn stats(&self) -> Result<Stats> {
        on_backend!(self, s => s.stats().await)
    }

    // The reads of lists and pages: on the read replica when there is one.

    /// The most recent day that has listings.
    pub async fn latest_listing_day(&self) -> Result<Option<Date>> {
        on_reader!(self, s => s.latest_listing_day().await)
    }

    /// The nearest days with listings strictly before and after `day`.
    pub async fn neighbour_listing_days(&self, day: Date) -> Result<(Option<Date>, Option<Date>)> {
        on_reader!(self, s => s.neighbour_listing_days(day).await)
    }

    /// Listings in a window of days, with paging (and their verified
    /// authors). On PostgreSQL one statement, [`Store::feed_view`]'s.
    pub async fn listings(&self, q: &ListingQuery) -> Result<Page<ListedPaper>> {
        match self.reader() {
            Backend::Postgres(s) => Ok(s.feed_view(q, None).await?.page),
            Backend::Sqlite(s) => {
                let mut page = s.listings(q).await?;
                s.with_verified_authors(&mut page.items).await?;
                Ok(page)
            }
        }
    }

    /// [`Store::listings`] (with verified authors), the latest listing day
    /// and the listing days either side of `around` (none without it): a
    /// feed page's reads. On PostgreSQL they are one statement (one round
    /// trip, where they were six: the day page went from 0.8 to 1.2 times
    /// SQLite's throughput); on SQLite, where a read is a call in this
    /// process, they run as separate reads at once, which measured faster
    /// there than the one statement (BENCHMARKS.md).
    pub async fn feed_view(&self, q: &ListingQuery, around: Option<Date>) -> Result<FeedView> {
        match self.reader() {
            Backend::Postgres(s) => s.feed_view(q, around).await,
            Backend::Sqlite(_) => {
                let days = async {
                    match around {
                        Some(d) => self.neighbour_listing_days(d).await,
                        None => Ok((None, None)),
                    }
                };
                let (latest, page, (prev, next)) =
                    tokio::try_join!(self.latest_listing_day(), self.listings(q), days)?;
                Ok(FeedView {
                    latest,
                    prev,
                    next,
                    page,
                })
            }
        }
    }

    /// The feed view of the latest listing day (the home page): its
    /// listings by upvotes, and the listing days before and after it. One
    /// statement on PostgreSQL; on SQLite the latest day, then
    /// [`Store::feed_view`].
    pub async fn latest_feed_view(&self, offset: u64, limit: u64) -> Result<FeedView> {
        match self.reader() {
            Backend::Postgres(s) => s.latest_feed_view(offset, limit).await,
            Backend::Sqlite(_) => match self.latest_listing_day().await? {
                Some(day) => {
                    let q = ListingQuery {
                        from: day,
                        to: day,
                        submitter: None,
                        sort: ListingSort::Upvotes,
                        offset,
                        limit,
                    };
                    self.feed_view(&q, Some(day)).await
                }
                None => Ok(FeedView {
                    latest: None,
                    prev: None,
                    next: None,
                    page: Page {
                        items: Vec::new(),
                        total: 0,
                    },
                }),
            },
        }
    }

    /// One paper, with its latest listing if it was ever featured. Hidden
    /// papers are not returned.
    pub async fn paper(&self, id: &ArxivId) -> Result<Option<ListedPaper>> {
        on_reader!(self, s => {
            let mut paper = s.paper(id).await?;
            s.with_verified_authors(paper.as_mut_slice()).await?;
            Ok(paper)
        })
    }

    /// Visible papers by id in one query, in the order asked (ids not found
    /// or hidden are left out): a search result page is one read.
    pub async fn papers_by_ids(&self, ids: &[String]) -> Result<Vec<ListedPaper>> {
        on_reader!(self, s => {
            let mut papers = s.papers_by_ids(ids).await?;
            s.with_verified_authors(&mut papers).await?;
            Ok(papers)
        })
    }

    /// Papers listed or published in a window, optionally in some categories.
    pub async fn papers_between(
        &self,
        from: Date,
        to: Date,
        categories: &[String],
        limit: u64,
    ) -> Result<Vec<ListedPaper>> {
        on_reader!(self, s => {
            let mut papers = s.papers_between(from, to, categories, limit).await?;
            s.with_verified_authors(&mut papers).await?;
            Ok(papers)
        })
    }

    /// An author's visible papers (by [`papers_core::author_key`]), newest
    /// first, with paging.
    pub async fn author_papers(
        &self,
        key: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Page<ListedPaper>> {
        on_reader!(self, s => s.author_papers(key, offset, limit).await)
    }

    /// An author's name as most papers write it, papers and upvotes;
    /// `None` when no visible paper has them.
    pub async fn author_summary(&self, key: &str) -> Result<Option<AuthorSummary>> {
        on_reader!(self, s => s.author_summary(key).await)
    }

    /// Visible papers by any of the authors `keys` (author keys), listed
    /// or published in `[from, to]`, newest first, each with the key of a
    /// followed author of it.
    pub async fn papers_of_authors_between(
        &self,
        keys: &[String],
        from: Date,
        to: Date,
        limit: u64,
    ) -> Result<Vec<(ListedPaper, String)>> {
        on_reader!(self, s => {
            let found = s.papers_of_authors_between(keys, from, to, limit).await?;
            let (mut papers, keys): (Vec<ListedPaper>, Vec<String>) = found.into_iter().unzip();
            s.with_verified_authors(&mut papers).await?;
            Ok(papers.into_iter().zip(keys).collect())
        })
    }

    /// Who an author wrote most papers with.
    pub async fn coauthors(&self, key: &str, limit: u64) -> Result<Vec<Coauthor>> {
        on_reader!(self, s => s.coauthors(key, limit).await)
    }

    /// Papers after an id, in id order, with their hidden flag (index
    /// builds and `GET /api/papers`).
    pub async fn papers_after(&self, after: &str, limit: u64) -> Result<Vec<(ListedPaper, bool)>> {
        on_backend!(self, s => {
            let rows = s.papers_after(after, limit).await?;
            let (mut papers, hidden): (Vec<ListedPaper>, Vec<bool>) = rows.into_iter().unzip();
            s.with_verified_authors(&mut papers).await?;
            Ok(papers.into_iter().zip(hidden).collect())
        })
    }

    /// Reads a harvest cursor.
    pub async fn cursor(&self, name: &str) -> Result<Option<String>> {
        on_backend!(self, s => s.cursor(name).await)
    }

    /// Saves (or, with `None`, clears) a harvest cursor.
    pub async fn set_cursor(&self, name: &str, value: Option<&str>, now: Timestamp) -> Result<()> {
        on_backend!(self, s => s.set_cursor(name, value, now).await)
    }

    /// Closes the pool (on SQLite, after checkpointing what it can of the
    /// write-ahead log).
    pub async fn close(&self) {
        if let Some(Backend::Postgres(r)) = &self.replica {
            r.close().await;
        }
        on_backend!(self, s => s.close().await)
    }
}

/// Forwards a `Store` method to the backend that implements it.
macro_rules! dispatch {
    ($(
        $(#[$doc:meta])*
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        impl Store {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    on_backend!(self, s => s.$name($($arg),*).await)
                }
            )*
        }
    };
}

/// A write that was refused for a reason the user can fix.
pub type Refused<T> = std::result::Result<T, Refusal>;

dispatch! {
    /// Creates an account; `Err(UsernameTaken)` when the name exists in any case.
    fn create_user(&self, username: &str, email: &str, password_hash: &str, role: Role, now: Timestamp) -> Result<Refused<User>>;
    fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    /// Every account with this address, in any case, oldest first (ten at most).
    fn users_by_email(&self, email: &str) -> Result<Vec<User>>;
    /// Marks a paper "not interested" for a user, or takes that back:
    /// whether anything changed.
    fn set_not_interested(&self, user_id: i64, paper: &ArxivId, on: bool, now: Timestamp) -> Result<Refused<bool>>;
    /// The papers a user is not interested in: (paper id, when).
    fn not_interested_of(&self, user_id: i64) -> Result<Vec<(String, String)>>;
    /// Makes a collection owned by `owner_id`, with the id the caller drew.
    fn create_collection(&self, id: &str, owner_id: i64, title: &str, description: &str, private: bool, now: Timestamp) -> Result<Collection>;
    /// One collection, private or not.
    fn collection(&self, id: &str) -> Result<Option<Collection>>;
    /// A user's collections, private ones too, the last changed first.
    fn collections_of(&self, owner_id: i64) -> Result<Vec<Collection>>;
    /// Public collections holding `paper` and owned by `owner`, where given.
    fn public_collections(&self, paper: Option<&ArxivId>, owner: Option<&str>, limit: u32) -> Result<Vec<Collection>>;
    /// Changes a collection of `owner_id`'s: false when there is none.
    fn update_collection(&self, id: &str, owner_id: i64, edit: CollectionEdit<'_>, now: Timestamp) -> Result<bool>;
    /// Deletes a collection of `owner_id`'s and its items: false when there is none.
    fn delete_collection(&self, id: &str, owner_id: i64) -> Result<bool>;
    /// The papers of a collection, in its order.
    fn collection_items(&self, id: &str) -> Result<Vec<CollectionItem>>;
    /// Adds a paper at the end of a collection: the item, and whether it is new.
    fn add_collection_item(&self, id: &str, owner_id: i64, item: NewCollectionItem<'_>, max_items: u32, now: Timestamp) -> Result<Refused<(CollectionItem, bool)>>;
    /// Changes an item's note or place: false when the owner's collection lacks it.
    fn update_collection_item(&self, id: &str, owner_id: i64, item_id: &str, note: Option<&str>, position: Option<usize>, now: Timestamp) -> Result<bool>;
    /// Takes an item out of a collection: false when the owner's collection lacks it.
    fn remove_collection_item(&self, id: &str, owner_id: i64, item_id: &str, now: Timestamp) -> Result<bool>;
    /// Every paper a user saved to a collection: (paper id, when first saved).
    fn saved_papers_of(&self, owner_id: i64) -> Result<Vec<(String, String)>>;
    /// A reader claims to be one of a paper's authors (by name, in any
    /// spelling with the same key).
    fn claim_authorship(&self, user_id: i64, paper: &ArxivId, author: &str, now: Timestamp) -> Result<Refused<AuthorshipClaim>>;
    fn claim(&self, id: i64) -> Result<Option<AuthorshipClaim>>;
    /// An admin verifies or rejects a claim (or changes the decision).
    fn decide_claim(&self, id: i64, verify: bool, now: Timestamp) -> Result<Refused<AuthorshipClaim>>;
    /// Every claim of a user, oldest first.
    fn claims_of(&self, user_id: i64) -> Result<Vec<AuthorshipClaim>>;
    /// Claims waiting for an admin, oldest first.
    fn pending_claims(&self, limit: u64) -> Result<Vec<AuthorshipClaim>>;
    /// Follows something for a reader: whether it is new (refused past
    /// `max` follows, or for an unknown paper).
    fn follow(&self, user_id: i64, kind: FollowKind, target: &str, label: &str, max: u32, now: Timestamp) -> Result<Refused<bool>>;
    /// Stops following: whether there was such a follow.
    fn unfollow(&self, user_id: i64, kind: FollowKind, target: &str) -> Result<bool>;
    /// Everything a reader follows, oldest first.
    fn follows_of(&self, user_id: i64) -> Result<Vec<Follow>>;
    /// A reader's notifications, newest first.
    fn notifications_of(&self, user_id: i64, limit: u64) -> Result<Vec<Notification>>;
    fn unread_notifications(&self, user_id: i64) -> Result<u64>;
    /// Marks notifications up to an id (all with `None`) read.
    fn mark_notifications_read(&self, user_id: i64, up_to: Option<i64>, now: Timestamp) -> Result<u64>;
    /// The account with this username, in any case.
    fn user_by_name(&self, username: &str) -> Result<Option<User>>;
    /// Every vote of a user: (paper id, when), oldest first.
    fn votes_of(&self, user_id: i64) -> Result<Vec<(String, String)>>;
    /// Every comment a user wrote, deleted and hidden ones too.
    fn comments_of(&self, user_id: i64) -> Result<Vec<Comment>>;
    /// Deletes an account (votes taken back exactly, comments left as
    /// "[deleted]"); `None` when there is no such user.
    fn delete_user(&self, user_id: i64, now: Timestamp) -> Result<Option<DeletedUser>>;
    /// The user and their password hash, for signing in.
    fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>>;
    /// A password reset: sets the hash and revokes the user's sessions, API
    /// tokens and other reset links, in one transaction.
    fn reset_password(&self, user_id: i64, password_hash: &str, now: Timestamp) -> Result<()>;
    /// True (and recorded) when no mail of `kind` went to `recipient` within
    /// `min_gap`: a per-recipient limit that holds across processes.
    fn claim_mail_slot(&self, recipient: &str, kind: &str, now: Timestamp, min_gap: jiff::SignedDuration) -> Result<bool>;
    /// Counts a hit on `key` in a fixed window and answers the window's hits
    /// so far: limits that hold across processes and nodes.
    fn hit_counter(&self, key: &str, now: Timestamp, window: jiff::SignedDuration) -> Result<u64>;
    /// Deletes expired sessions and reset links: (sessions, resets) removed.
    fn purge_expired(&self, now: Timestamp) -> Result<(u64, u64)>;
    /// Bans or unbans; a ban ends the user's sessions.
    fn set_banned(&self, user_id: i64, banned: bool) -> Result<bool>;
    fn create_session(&self, id_hash: &str, user_id: i64, csrf: &str, now: Timestamp, expires: Timestamp) -> Result<()>;
    /// The live session's user and CSRF token.
    fn session_user(&self, id_hash: &str, now: Timestamp) -> Result<Option<(User, String)>>;
    fn delete_session(&self, id_hash: &str) -> Result<()>;
    fn create_api_token(&self, user_id: i64, name: &str, token_hash: &str, now: Timestamp) -> Result<i64>;
    /// (id, name, created_at, revoked) of a user's tokens.
    fn api_tokens(&self, user_id: i64) -> Result<Vec<(i64, String, String, bool)>>;
    fn revoke_api_token(&self, user_id: i64, token_id: i64, now: Timestamp) -> Result<bool>;
    fn token_user(&self, token_hash: &str) -> Result<Option<User>>;
    /// Casts or takes back one vote; answers the paper's total upvotes.
    fn set_vote(&self, user_id: i64, paper: &ArxivId, up: bool, now: Timestamp) -> Result<Refused<i64>>;
    fn voted(&self, user_id: i64, paper: &ArxivId) -> Result<bool>;
    fn add_comment(&self, paper: &ArxivId, user_id: i64, parent: Option<i64>, body: &str, now: Timestamp) -> Result<Refused<i64>>;
    fn comment(&self, id: i64) -> Result<Option<Comment>>;
    fn comments(&self, paper: &ArxivId) -> Result<Vec<Comment>>;
    fn edit_comment(&self, id: i64, user_id: i64, body: &str, now: Timestamp) -> Result<Refused<()>>;
    /// Deletes (author) or hides (admin) a comment; its place in the thread stays.
    fn remove_comment(&self, id: i64, user_id: i64, as_admin: bool, now: Timestamp) -> Result<Refused<()>>;
    fn set_paper_hidden(&self, paper: &ArxivId, hidden: bool) -> Result<bool>;
    fn submissions_on(&self, user_id: i64, day: Date) -> Result<u64>;
    fn listed_between(&self, paper: &ArxivId, from: Date, to: Date) -> Result<Option<Date>>;
    fn record_submission(&self, record: &IngestRecord, user: &User, now: Timestamp) -> Result<()>;
    fn create_password_reset(&self, token_hash: &str, user_id: i64, now: Timestamp, expires: Timestamp) -> Result<()>;
    /// Uses a reset token once; answers its user if it was live.
    fn consume_password_reset(&self, token_hash: &str, now: Timestamp) -> Result<Option<i64>>;
    /// Stores a pending subscription, or finds the same one again.
    fn subscribe(&self, n: &NewSubscription, now: Timestamp) -> Result<SubscribeOutcome>;
    /// Activates a subscription with its single-use, unexpired token.
    fn confirm_subscription(&self, token_hash: &str, now: Timestamp) -> Result<Option<Subscription>>;
    fn subscription(&self, id: i64) -> Result<Option<Subscription>>;
    /// The subscription a manage token's SHA-256 (hex) belongs to.
    fn subscription_by_manage_token(&self, token_hash: &str) -> Result<Option<Subscription>>;
    /// Keeps the SHA-256 (hex) of one more manage token: a mail's own.
    fn add_manage_token(&self, subscription_id: i64, token_hash: &str, now: Timestamp) -> Result<()>;
    fn subscriptions_of(&self, email: &str) -> Result<Vec<Subscription>>;
    /// The subscriptions a signed-in user made.
    fn subscriptions_of_user(&self, user_id: i64) -> Result<Vec<Subscription>>;
    fn set_subscription_status(&self, id: i64, status: papers_core::SubscriptionStatus) -> Result<bool>;
    /// Active subscriptions of a cadence with nothing recorded for `period`.
    fn due_subscriptions(&self, cadence: papers_core::Cadence, period: &str) -> Result<Vec<Subscription>>;
    fn already_sent(&self, subscription_id: i64, papers: &[String]) -> Result<Vec<String>>;
    /// Records a digest's outcome (and its papers when sent); a failure counts
    /// as a hard bounce, and three pause the subscription.
    fn record_digest(&self, r: &DigestRecord<'_>, now: Timestamp) -> Result<()>;
    fn visible_paper_ids(&self) -> Result<Vec<String>>;
    /// A cheap fingerprint of the visible papers (how many, and the newest
    /// row): when it is unchanged, so is the set of ids, barring a hide and
    /// an unhide between two looks.
    fn papers_fingerprint(&self) -> Result<(u64, i64)>;
    /// Visible papers with no vector for `model_id` yet (resumable embedding).
    fn papers_without_vectors(&self, model_id: &str, limit: u64) -> Result<Vec<ListedPaper>>;
    fn put_vectors(&self, model_id: &str, vectors: &[(String, Vec<f32>)]) -> Result<()>;
    /// Stored vectors after an id, in id order, in chunks of `limit`.
    fn vectors_after(&self, model_id: &str, after: &str, limit: u64) -> Result<Vec<(String, Vec<f32>)>>;
    /// Model ids that have vectors, with their counts.
    fn vector_models(&self) -> Result<Vec<(String, u64)>>;
    /// Claims a period's digest for a subscription before it is sent: true
    /// for exactly one caller across processes, false when any run already
    /// claimed or recorded that period.
    fn claim_digest(&self, subscription_id: i64, period: &str, now: Timestamp) -> Result<bool>;
    /// Forgets a claimed-but-unsent digest so a later run retries it.
    fn release_digest(&self, subscription_id: i64, period: &str) -> Result<()>;
    /// The oldest and newest numbers of the change feed (0, 0 when empty).
    fn change_horizon(&self) -> Result<(i64, i64)>;
    /// Up to `limit` changes numbered after `after`, in commit order.
    fn changes_after(&self, after: i64, limit: u64) -> Result<Vec<Change>>;
    /// Keeps the newest `keep` changes; answers how many were deleted.
    fn prune_changes(&self, keep: u64) -> Result<u64>;
    /// Papers by id with their hidden flag (applying changes to an index).
    fn papers_for_index(&self, ids: &[String]) -> Result<Vec<(ListedPaper, bool)>>;
    /// Stored vectors of a model for those of `ids` that are visible.
    fn vectors_of(&self, model_id: &str, ids: &[String]) -> Result<Vec<(String, Vec<f32>)>>;
    /// Adds a job, or brings its due time forward to `next_run`.
    fn schedule_job(&self, name: &str, every: &str, next_run: Timestamp) -> Result<()>;
    /// Takes a due job's lease: true for exactly one node at a time.
    fn take_due_job(&self, name: &str, holder: &str, now: Timestamp, until: Timestamp) -> Result<bool>;
    /// Extends a held lease; false when another node took the job over.
    fn renew_job_lease(&self, name: &str, holder: &str, until: Timestamp) -> Result<bool>;
    /// Records a run's end, gives the lease back and sets the next due time.
    fn finish_job(&self, name: &str, holder: &str, now: Timestamp, ok: bool, message: &str, next_run: Timestamp) -> Result<bool>;
    /// Makes a job due now; false when there is no such job.
    fn run_job_soon(&self, name: &str, now: Timestamp) -> Result<bool>;
    /// Every job with its lease and last run.
    fn jobs(&self) -> Result<Vec<JobRecord>>;
    /// Claims a batch of papers to embed, disjoint from other nodes' claims.
    fn claim_papers_to_embed(&self, model_id: &str, holder: &str, now: Timestamp, until: Timestamp, limit: u64) -> Result<Vec<ListedPaper>>;
    /// Answers when the database answers (`/readyz`).
    fn ping(&self) -> Result<()>;
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Formats a timestamp the way the store and the HF API write it:
/// `2026-08-21T00:00:00.000Z`.
pub fn format_timestamp(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
