//! Atom and RSS 2.0 for every list: a day, a week, a month, trending, an
//! arXiv category, and a search. Feeds send `ETag` and `Last-Modified` and
//! answer conditional requests with 304.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{Timestamp, ToSpan};
use papers_core::{DateWindow, today_in_new_york};
use papers_feeds::{
    FeedEntry, FeedMeta, etag_for, etag_matches, http_date, last_modified, render_atom, render_rss,
};
use papers_store::{ListedPaper, ListingQuery, ListingSort};

use crate::AppState;
use crate::pages::{PageError, latest_day};

/// Papers a feed carries at most.
const FEED_SIZE: u64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Atom,
    Rss,
}

impl Format {
    fn from_file(name: &str) -> Option<Format> {
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

    fn file(self) -> &'static str {
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

/// Renders a feed with conditional-request handling.
pub(crate) fn respond(
    state: &AppState,
    headers: &HeaderMap,
    format: Format,
    title: String,
    html_path: &str,
    feed_path: &str,
    papers: &[ListedPaper],
) -> Response {
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
    let etag = etag_for(&entries, &meta);
    let last_mod = http_date(updated);
    let fresh = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(inm) => etag_matches(inm, &etag),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ims| ims == last_mod),
    };
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = match format {
            Format::Atom => render_atom(&meta, &entries),
            Format::Rss => render_rss(&meta, &entries),
        };
        ([(header::CONTENT_TYPE, format.content_type())], body).into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_mod) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

fn not_found() -> Response {
    PageError::NotFound(
        "There is no feed at this address. Feeds end in feed.atom or feed.rss.".into(),
    )
    .into_response()
}

async fn window_feed(
    state: &AppState,
    headers: &HeaderMap,
    window: DateWindow,
    format: Format,
) -> Response {
    let (from, to) = window.bounds();
    let q = ListingQuery {
        from,
        to,
        submitter: None,
        sort: ListingSort::Upvotes,
        offset: 0,
        limit: FEED_SIZE,
    };
    match state.store.listings(&q).await {
        Ok(page) => {
            let path = window.path();
            let feed_path = format!("{path}/{}", format.file());
            respond(
                state,
                headers,
                format,
                window.title(),
                &path,
                &feed_path,
                &page.items,
            )
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn day(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((date, file)): Path<(String, String)>,
) -> Response {
    let (Some(format), Ok(w)) = (Format::from_file(&file), DateWindow::parse_day(&date)) else {
        return not_found();
    };
    window_feed(&state, &headers, w, format).await
}

pub(crate) async fn week(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((week, file)): Path<(String, String)>,
) -> Response {
    let (Some(format), Ok(w)) = (Format::from_file(&file), DateWindow::parse_week(&week)) else {
        return not_found();
    };
    window_feed(&state, &headers, w, format).await
}

pub(crate) async fn month(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((month, file)): Path<(String, String)>,
) -> Response {
    let (Some(format), Ok(w)) = (Format::from_file(&file), DateWindow::parse_month(&month)) else {
        return not_found();
    };
    window_feed(&state, &headers, w, format).await
}

pub(crate) async fn trending(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some(format) = Format::from_file(&file) else {
        return not_found();
    };
    match state.community.trending(FEED_SIZE as usize).await {
        Ok(items) => {
            let papers: Vec<ListedPaper> = items.into_iter().map(|t| t.paper).collect();
            let feed_path = format!("/papers/trending/{}", format.file());
            respond(
                &state,
                &headers,
                format,
                "Trending papers".into(),
                "/papers/trending",
                &feed_path,
                &papers,
            )
        }
        Err(e) => PageError::from(e).into_response(),
    }
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
    headers: HeaderMap,
    Path((cat, file)): Path<(String, String)>,
) -> Response {
    let Some(format) = Format::from_file(&file) else {
        return not_found();
    };
    match category_papers(&state, &cat).await {
        Ok(papers) => {
            let path = format!("/papers/category/{cat}");
            let feed_path = format!("{path}/{}", format.file());
            respond(
                &state,
                &headers,
                format,
                format!("Recent papers in {cat}"),
                &path,
                &feed_path,
                &papers,
            )
        }
        Err(e) => e.into_response(),
    }
}
