//! Atom and RSS 2.0 for every list: a day, a week, a month, trending, an
//! arXiv category, and a search. Feeds send `ETag` and `Last-Modified` and
//! answer conditional requests with 304.

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jiff::{Timestamp, ToSpan};
use papers_core::{DateWindow, today_in_new_york};
use papers_feeds::{
    FeedEntry, FeedMeta, etag_for, etag_matches, http_date, last_modified, render_atom, render_rss,
};
use papers_store::{ListedPaper, ListingQuery, ListingSort};

use crate::AppState;
use crate::cache::CachedResponse;
use crate::pages::{PageError, latest_day};

/// Papers a feed carries at most.
const FEED_SIZE: u64 = 100;

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
pub(crate) fn entry(base: &str, lp: &ListedPaper) -> FeedEntry {
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
        authors: p
            .authors
            .iter()
            .filter(|a| !a.hidden)
            .map(|a| a.name.clone())
            .collect(),
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
fn conditional(req: &HeaderMap, headers: HeaderMap, body: Bytes) -> Response {
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

/// Serves a feed from the response cache, or builds and caches it; then
/// answers conditional requests.
pub(crate) async fn cached_feed<F>(
    state: &AppState,
    uri: &Uri,
    req: &HeaderMap,
    build: F,
) -> Response
where
    F: Future<Output = Result<(HeaderMap, Bytes), PageError>>,
{
    let made = state
        .cache
        .get_or_build(format!("feed:{uri}"), async {
            let (headers, body) = build.await?;
            Ok::<_, PageError>(CachedResponse { headers, body })
        })
        .await;
    match made {
        Ok(r) => conditional(req, r.headers, r.body),
        Err(e) => e.into_response(),
    }
}

fn not_found() -> Response {
    PageError::NotFound(
        "There is no feed at this address. Feeds end in feed.atom or feed.rss.".into(),
    )
    .into_response()
}

async fn window_feed(
    state: &AppState,
    uri: &Uri,
    req: &HeaderMap,
    window: DateWindow,
    format: Format,
) -> Response {
    cached_feed(state, uri, req, async {
        let (from, to) = window.bounds();
        let q = ListingQuery {
            from,
            to,
            submitter: None,
            sort: ListingSort::Upvotes,
            offset: 0,
            limit: FEED_SIZE,
        };
        let page = state.store.listings(&q).await?;
        let path = window.path();
        let feed_path = format!("{path}/{}", format.file());
        Ok(render_feed(
            state,
            format,
            window.title(),
            &path,
            &feed_path,
            &page.items,
        ))
    })
    .await
}

pub(crate) async fn day(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((date, file)): Path<(String, String)>,
) -> Response {
    let (Some(format), Ok(w)) = (Format::from_file(&file), DateWindow::parse_day(&date)) else {
        return not_found();
    };
    window_feed(&state, &uri, &headers, w, format).await
}

pub(crate) async fn week(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((week, file)): Path<(String, String)>,
) -> Response {
    let (Some(format), Ok(w)) = (Format::from_file(&file), DateWindow::parse_week(&week)) else {
        return not_found();
    };
    window_feed(&state, &uri, &headers, w, format).await
}

pub(crate) async fn month(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((month, file)): Path<(String, String)>,
) -> Response {
    let (Some(format), Ok(w)) = (Format::from_file(&file), DateWindow::parse_month(&month)) else {
        return not_found();
    };
    window_feed(&state, &uri, &headers, w, format).await
}

pub(crate) async fn trending(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some(format) = Format::from_file(&file) else {
        return not_found();
    };
    cached_feed(&state, &uri, &headers, async {
        let items = state.community.trending(FEED_SIZE as usize).await?;
        let papers: Vec<ListedPaper> = items.into_iter().map(|t| t.paper).collect();
        let feed_path = format!("/papers/trending/{}", format.file());
        Ok(render_feed(
            &state,
            format,
            "Trending papers".into(),
            "/papers/trending",
            &feed_path,
            &papers,
        ))
    })
    .await
}

/// Recent papers of an arXiv category: listed or published from 30 days
/// before the latest listing day until today, most upvoted first.
pub(crate) async fn category_papers(
    state: &AppState,
    cat: &str,
) -> Result<Vec<ListedPaper>, PageError> {
    if !papers_app::is_known_category(cat) {
        return Err(PageError::NotFound(format!(
            "{cat:?} is not an arXiv category."
        )));
    }
    let latest = latest_day(state).await?;
    // Anchored on the feed's latest day (a site fed by an old archive still
    // shows its categories), up to today.
    let today = today_in_new_york(state.clock.now()).max(latest);
    let from = latest.saturating_sub(30.days());
    Ok(state
        .store
        .papers_between(from, today, &[cat.to_string()], FEED_SIZE)
        .await?)
}

pub(crate) async fn category(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((cat, file)): Path<(String, String)>,
) -> Response {
    let Some(format) = Format::from_file(&file) else {
        return not_found();
    };
    cached_feed(&state, &uri, &headers, async {
        let papers = category_papers(&state, &cat).await?;
        let path = format!("/papers/category/{cat}");
        let feed_path = format!("{path}/{}", format.file());
        Ok(render_feed(
            &state,
            format,
            format!("Recent papers in {cat}"),
            &path,
            &feed_path,
            &papers,
        ))
    })
    .await
}
