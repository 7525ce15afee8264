//! A list of papers as an Atom, RSS or JSON Feed document, with its
//! validators.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use jiff::Timestamp;
use papers_app::ListedPaper;
use papers_feeds::{
    FeedEntry, FeedMeta, JSON_FEED_MEDIA_TYPE, etag_for, http_date, last_modified, render_atom,
    render_json_feed, render_rss,
};

use crate::state::AppState;
use crate::view::visible_authors;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    pub(crate) fn from_file(name: &str) -> Option<Format> {
        match name {
            "feed.atom" => Some(Format::Atom),
            "feed.rss" => Some(Format::Rss),
            "feed.json" => Some(Format::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => JSON_FEED_MEDIA_TYPE,
        }
    }

    pub(crate) fn file(self) -> &'static str {
        match self {
            Format::Atom => "feed.atom",
            Format::Rss => "feed.rss",
            Format::Json => "feed.json",
        }
    }
}

fn day_start(d: jiff::civil::Date) -> Timestamp {
    d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A feed entry for a paper: stable id, title, authors, escaped abstract,
/// the paper page link, and its dates.
fn entry(base: &str, lp: &ListedPaper) -> FeedEntry {
    let p = &lp.paper;
    let listed = lp
        .listing
        .as_ref()
        .map(|l| l.submitted_at.unwrap_or_else(|| day_start(l.day)));
    let published = p.published_at.or(listed).unwrap_or(Timestamp::UNIX_EPOCH);
    let updated = [listed, p.updated_at, p.published_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(published);
    FeedEntry {
        id: format!("tag:dailypapers,2024:paper/{}", p.id.base()),
        title: p.title.clone(),
        authors: visible_authors(p),
        abstract_text: p.abstract_text.clone(),
        link: format!("{base}/papers/{}", p.id.base()),
        published,
        updated,
        categories: p.categories.clone(),
    }
}

/// Renders a feed: its headers (type, ETag, Last-Modified) and body.
pub(crate) fn render_feed(
    state: &AppState,
    format: Format,
    title: String,
    html_path: &str,
    feed_path: &str,
    papers: &[ListedPaper],
) -> (HeaderMap, Bytes) {
    let base = state.config.base_url.trim_end_matches('/');
    let entries: Vec<FeedEntry> = papers.iter().map(|p| entry(base, p)).collect();
    let updated = last_modified(&entries).unwrap_or(Timestamp::UNIX_EPOCH);
    let meta = FeedMeta {
        title: format!("{title} · Daily Papers"),
        subtitle: "Daily Papers — by the research community".to_string(),
        self_url: format!("{base}{feed_path}"),
        alternate_url: format!("{base}{html_path}"),
        updated,
    };
    let body = match format {
        Format::Atom => render_atom(&meta, &entries),
        Format::Rss => render_rss(&meta, &entries),
        Format::Json => render_json_feed(&meta, &entries),
    };
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&etag_for(&entries, &meta)) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(updated)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    (h, Bytes::from(body))
}
