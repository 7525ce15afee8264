//! Atom, RSS 2.0 and JSON Feed 1.1 for every list: a day, a week, a month,
//! trending, an arXiv category (in `category`), and a search (in `search`).
//! Feeds send `ETag` and `Last-Modified`; the response layer
//! (`cache::deliver`) compresses them and answers conditional requests with
//! 304.

mod render;

use std::future::Future;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use papers_app::ListedPaper;
use papers_app::{FeedOrder, FeedRequest};

pub(crate) use render::{Format, render_feed};

use crate::error::PageError;
use crate::extract::Window;
use crate::state::AppState;

/// Papers a feed carries at most.
pub(crate) const FEED_SIZE: u64 = 100;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/papers/trending/{file}", get(trending))
        .route("/papers/date/{date}/{file}", get(window))
        .route("/papers/week/{week}/{file}", get(window))
        .route("/papers/month/{month}/{file}", get(window))
}

/// Serves a feed from the response cache, or builds and caches it. The
/// response layer answers conditional requests from its validators.
pub(crate) async fn cached_feed<F>(
    state: &AppState,
    uri: &Uri,
    _req: &HeaderMap,
    build: F,
) -> Response
where
    F: Future<Output = Result<(HeaderMap, Bytes), PageError>>,
{
    state.cache.respond_with(format!("feed:{uri}"), build).await
}

/// The answer for an address that is no feed.
pub(crate) fn not_found() -> Response {
    PageError::NotFound(
        "There is no feed at this address. Feeds end in feed.atom, feed.rss or feed.json.".into(),
    )
    .into_response()
}

/// The feed file named by the path's `{file}`.
fn format_of(params: &std::collections::HashMap<String, String>) -> Option<Format> {
    params.get("file").and_then(|f| Format::from_file(f))
}

/// `/papers/{date,week,month}/{…}/feed.{atom,rss,json}`.
async fn window(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(params): Path<std::collections::HashMap<String, String>>,
    window: Result<Window, Response>,
) -> Response {
    let (Some(format), Ok(Window(window))) = (format_of(&params), window) else {
        return not_found();
    };
    cached_feed(&state, &uri, &headers, async {
        let page = state
            .catalog
            .feed(
                FeedRequest::window(window, 0, FEED_SIZE),
                FeedOrder::Upvotes,
            )
            .await?;
        let path = window.path();
        let feed_path = format!("{path}/{}", format.file());
        Ok(render_feed(
            &state,
            format,
            window.title(),
            &path,
            &feed_path,
            &page.items,
        ))
    })
    .await
}

/// `/papers/trending/feed.{atom,rss,json}`.
async fn trending(
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
