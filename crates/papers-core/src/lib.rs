//! `papers-core` owns the domain vocabulary of Daily Papers: arXiv identifiers
//! ([`ArxivId`]), papers and their authors ([`Paper`], [`Author`]), a paper's
//! appearance on the daily feed ([`DailyListing`]), and the calendar windows the
//! feed is browsed by ([`DateWindow`]). It is pure: no I/O, no async, no HTTP.

pub mod clock;
pub mod id;
pub mod paper;
pub mod trending;
pub mod user;
pub mod window;

pub use clock::{Clock, FixedClock, SystemClock};
pub use id::{ArxivId, IdError};
pub use paper::{Author, DailyListing, IngestRecord, Paper, Submitter};
pub use trending::{TrendingParams, TrendingScore};
pub use user::{Comment, Role, User};
pub use window::{DateWindow, WindowError, today_in_new_york};
