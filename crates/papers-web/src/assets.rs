//! The stylesheet, the health check, and the page for unknown addresses.

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::PageError;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/style.css", get(stylesheet))
        .route("/static/vote.js", get(vote_script))
        .route("/healthz", get(|| async { "ok" }))
}

pub(crate) async fn not_found() -> PageError {
    PageError::NotFound("There is no page at this address.".to_string())
}

/// Upvote in place (a separate file, so the Content-Security-Policy allows
/// no inline script).
async fn vote_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/vote.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}
