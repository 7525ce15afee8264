//! `papers-core` owns the domain vocabulary of Daily Papers: arXiv identifiers
//! ([`ArxivId`]), papers and their authors ([`Paper`], [`Author`], the
//! [`author_key`] that makes spellings of a name one author, and
//! [`AuthorshipClaim`]s), what a reader follows and is notified of
//! ([`Follow`], [`Notification`]), a paper's
//! appearance on the daily feed ([`DailyListing`]), and the calendar windows the
//! feed is browsed by ([`DateWindow`]), and the rule for links taken from data
//! ([`http_url`]). It is pure: no I/O, no async, no HTTP.
//!
//! Everything here parses untrusted input (URL paths, imported files), so
//! slicing that can panic is linted out: use `str::get`, `split_at_checked`,
//! `strip_prefix` or iterators instead of `s[a..b]` and `v[i]`.

#![warn(clippy::string_slice, clippy::indexing_slicing)]

pub mod author;
pub mod clock;
pub mod digest;
pub mod follow;
pub mod id;
pub mod link;
pub mod paper;
pub mod subscription;
pub mod trending;
pub mod user;
pub mod window;

pub use author::{AuthorshipClaim, ClaimStatus, VerifiedAuthor, author_key};
pub use clock::{Clock, FixedClock, SystemClock};
pub use digest::sha256_hex;
pub use follow::{Follow, FollowKind, Notification, NotificationKind};
pub use id::{ArxivId, IdError};
pub use link::{LinkError, http_url, parse_http_url};
pub use paper::{Author, DailyListing, IngestRecord, Paper, Submitter};
pub use subscription::{Cadence, SubscriptionStatus};
pub use trending::{TrendingParams, TrendingScore};
pub use user::{Comment, Role, User};
pub use window::{DateWindow, WindowError, today_in_new_york};
