//! `papers-feeds` owns the syndication formats of Daily Papers: any list of
//! papers (a day, a week, a search, a saved query) rendered as Atom 1.0
//! ([`render_atom`]), RSS 2.0 ([`render_rss`]) or JSON Feed 1.1
//! ([`render_json_feed`]), plus the validators the web layer needs to answer
//! conditional requests with `304 Not Modified` ([`etag_for`],
//! [`last_modified`], [`etag_matches`]). It is pure: data in, XML or JSON out;
//! no I/O, no clock, no HTTP types.
//!
//! Text is always escaped: Atom titles and summaries are `type="text"`, and an
//! RSS description (which readers treat as HTML) holds the abstract
//! HTML-escaped, so an abstract with `<script>`, `&` or `$\alpha < \beta$` shows
//! as written and can never become markup; a JSON Feed item carries the
//! abstract as `content_text`, plain text. Characters XML 1.0 forbids (most
//! control characters) are dropped, from the JSON Feed too.

mod atom;
mod conditional;
mod json;
mod rss;
mod text;

use jiff::Timestamp;

pub use crate::atom::render_atom;
pub use crate::conditional::{etag_for, etag_matches, http_date, last_modified};
pub use crate::json::{JSON_FEED_MEDIA_TYPE, JSON_FEED_VERSION, render_json_feed};
pub use crate::rss::render_rss;

/// The product name written in each feed's `generator`.
pub const GENERATOR: &str = "Daily Papers";

/// What a feed says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedMeta {
    pub title: String,
    pub subtitle: String,
    /// The URL of the document being rendered (`rel="self"`; also the Atom
    /// feed's id; the JSON Feed's `feed_url`), so the Atom, RSS and JSON
    /// Feed renderings each get their own.
    pub self_url: String,
    /// The HTML page the feed mirrors (`rel="alternate"`).
    pub alternate_url: String,
    /// When the feed last changed; [`last_modified`] of the entries is the
    /// usual choice, so that it does not move on every request.
    pub updated: Timestamp,
}

/// One paper in a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEntry {
    /// A stable id that never changes for this paper, e.g.
    /// `tag:dailypapers,2024:paper/2410.12345` or the paper page's URL.
    pub id: String,
    pub title: String,
    /// Author names, in the paper's order.
    pub authors: Vec<String>,
    /// Plain text (LaTeX and all); escaped on the way out.
    pub abstract_text: String,
    /// The paper page's URL.
    pub link: String,
    pub published: Timestamp,
    pub updated: Timestamp,
    /// arXiv categories, primary first.
    pub categories: Vec<String>,
}
