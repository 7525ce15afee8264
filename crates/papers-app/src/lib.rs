//! `papers-app` holds the community's use cases, joining the store, the
//! harvesting clients and the rules: accounts and sessions, API tokens,
//! upvotes, paper submissions (with their quota and duplicate rules),
//! authors' pages and authorship claims, follows and notifications,
//! threaded Markdown comments, moderation, password resets, and the trending
//! ranking. It knows nothing of HTTP: the web layer maps [`AppError`] to
//! status codes.

mod account;
mod auth;
mod authors;
mod collections;
mod comments;
mod community;
mod finder;
mod follows;
mod for_you;
mod jobs;
mod markdown;
mod papers;
mod search;
mod subscriptions;

use std::sync::Arc;

use papers_core::Clock;
use papers_ingest::harvest::ArxivApiClient;
use papers_store::{Store, StoreError};

pub use account::UserExport;
pub use auth::{NewSession, hash_password, random_token, sha256_hex, verify_password};
pub use authors::{AuthorPage, Profile};
pub use collections::{
    CollectionView, MAX_COLLECTION_ITEMS, MAX_COLLECTIONS, collection_id_of, collection_slug,
};
pub use comments::CommentView;
pub use community::{Indexed, Submission, TrendingItem, rank_trending};
pub use finder::{Finder, Found, Highlights};
pub use follows::{FollowedPaper, Following, MAX_FOLLOWS, follow_key};
pub use for_you::{ForYou, ForYouItem, ForYouRequest, Liked, Reason};
pub use jobs::{Every, Job, JobFn, JobOutcome, Readiness, Scheduler, SchedulerConfig};
pub use markdown::render_markdown;
pub use papers::{Catalog, FeedOrder, FeedRequest, FeedView, PapersPage};
pub use search::{SearchService, SyncReport, index_dir, load_embedder, search_doc};
// What the web layer needs of the layers below: papers-app is its one door.
pub use papers_search::{Explain, SearchMode, SearchRequest, SearchResult, Segment};
pub use papers_store::{
    Coauthor, Collection, CollectionEdit, CollectionItem, DELETED_USERNAME, DeletedUser, JobRecord,
    ListedPaper, Subscription, format_timestamp, on_primary,
};
pub use subscriptions::{
    DIGEST_SIZE, DigestReport, MailContext, Period, SavedSearch, SubscribeResult, Wanted,
    default_period, default_retry, is_known_category,
};

/// What kind of refusal an [`AppError::Refused`] is; the web layer maps each
/// to a status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Malformed input (400).
    BadInput,
    /// Not signed in, or bad credentials (401).
    Unauthorized,
    /// Signed in but not allowed (403).
    Forbidden,
    /// No such thing (404).
    NotFound,
    /// Conflicts with what exists (409).
    Conflict,
    /// A quota is used up (429).
    TooMany,
}

/// Errors of the use cases: the user's fault (with a message meant for them
/// and a stable code), or ours.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Refused {
        fault: Fault,
        code: &'static str,
        message: String,
        /// A related page, e.g. where an already-submitted paper is listed.
        link: Option<String>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("arXiv could not be reached: {0}")]
    Upstream(String),
    /// Ours: what failed, and the error that made it fail (kept as the
    /// source, so logs show the whole chain).
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AppError {
    /// Ours, with no underlying error.
    pub fn internal(context: impl Into<String>) -> Self {
        AppError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// Ours: `context` failed because of `source`.
    pub fn caused(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        AppError::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    pub fn refused(fault: Fault, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Refused {
            fault,
            code,
            message: message.into(),
            link: None,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A refusal of malformed input (400), with its code and message.
pub(crate) fn bad(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::refused(Fault::BadInput, code, message)
}

/// A paper's arXiv id as a reader wrote it, or `invalid_id` (400).
pub(crate) fn paper_id(raw: &str) -> AppResult<papers_core::ArxivId> {
    papers_core::ArxivId::parse(raw).map_err(|e| bad("invalid_id", e.to_string()))
}

/// Tunables of the community rules, from the configuration.
#[derive(Clone, Debug)]
pub struct CommunitySettings {
    /// Papers one user may submit per day.
    pub daily_submission_quota: u64,
    pub min_password_len: usize,
    pub session_days: i64,
    pub reset_token_minutes: i64,
    /// Days back in which a paper already on the feed cannot be submitted again.
    pub duplicate_window_days: i64,
    pub trending: papers_core::TrendingParams,
    /// Sign-in attempts one account may take in 15 minutes, counted in the
    /// store (so the limit holds across processes and app nodes); `None`
    /// with rate limits off.
    pub sign_in_attempts: Option<u64>,
    /// How much "For you" weighs the community's trending rank against the
    /// reader's own model (0 = only the model, 1 = only trending).
    pub for_you_trending_weight: f32,
}

impl Default for CommunitySettings {
    fn default() -> Self {
        CommunitySettings {
            daily_submission_quota: 5,
            min_password_len: 10,
            session_days: 30,
            reset_token_minutes: 60,
            duplicate_window_days: 7,
            trending: papers_core::TrendingParams::default(),
            sign_in_attempts: Some(10),
            for_you_trending_weight: 0.3,
        }
    }
}

/// The community use cases. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Community {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub arxiv: Arc<ArxivApiClient>,
    pub settings: Arc<CommunitySettings>,
    /// Users with an arXiv fetch in flight: each may have one at a time, so
    /// no account can fill the polite client's queue (3 s between requests).
    fetching: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl Community {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        arxiv: ArxivApiClient,
        settings: CommunitySettings,
    ) -> Self {
        Community {
            store,
            clock,
            arxiv: Arc::new(arxiv),
            settings: Arc::new(settings),
            fetching: Arc::default(),
        }
    }
}
