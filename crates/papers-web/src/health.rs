//! `/readyz`: whether this node can serve, for load balancers (`/healthz`,
//! the process is alive, is with the assets). 200 when the store answers
//! and the node's search index has been built; 503 with the reason when
//! not. The body also tells how far the index has applied the store's
//! change feed.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/readyz", get(readyz))
}

async fn readyz(State(state): State<AppState>) -> Response {
    let r = state.catalog.readiness(state.search.as_deref()).await;
    let status = if r.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(r)).into_response()
}
