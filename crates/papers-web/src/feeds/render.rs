//! A list of papers as an Atom or RSS document, with its validators.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use papers_app::ListedPaper;
use papers_feeds::{
    FeedEntry, FeedMeta, etag_for, etag_matches, http_date, last_modified, render_atom, render_rss,
};

use crate::state::AppState;
use crate::view::visible_authors;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Atom,
    Rss,
}

impl Format {
    pub(crate) fn from_file(name: &str) -> Option<Format> {
        match name {
            "feed.atom" => Some(Format::Atom),
            "feed.rss" => Some(Format::Rss),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
        }
    }

    pub(crate) fn file(self) -> &'static str {
        match self {
            Format::Atom => "feed.atom",
            Format::Rss => "feed.rss",
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

/// Answers 304 when the request's validators match, else the feed.
pub(super) fn conditional(req: &HeaderMap, headers: HeaderMap, body: Bytes) -> Response {
    let etag = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let last_mod = headers
        .get(header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fresh = match req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(inm) => etag_matches(inm, etag),
        None => req
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ims| !last_mod.is_empty() && ims == last_mod),
    };
    if fresh {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::ETAG, header::LAST_MODIFIED, header::CACHE_CONTROL] {
            if let Some(v) = headers.get(&name) {
                resp.headers_mut().insert(name, v.clone());
            }
        }
        resp
    } else {
        (headers, body).into_response()
    }
}
