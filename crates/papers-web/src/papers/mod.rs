//! A paper: its page (`/papers/{id}`) and its JSON (`/api/papers/{id}`),
//! for new-style ids and old-style ones (`/papers/hep-th/9901001`).

mod page;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::extract::{PaperId, at_paper};
use crate::state::AppState;
use crate::wire::paper_json;

pub(crate) fn routes() -> Router<AppState> {
    let r = at_paper(Router::new(), "/papers", "", get(page::paper));
    at_paper(r, "/api/papers", "", get(api_paper))
}

/// `GET /api/papers/{id}`: the paper in Hugging Face's shape.
async fn api_paper(State(state): State<AppState>, id: PaperId) -> Result<Response, ApiError> {
    let id = id.parse()?;
    match state.catalog.paper(&id).await? {
        Some(lp) => Ok(Json(paper_json(&lp)).into_response()),
        None => Err(ApiError::NotFound(format!("paper {} not found", id.base()))),
    }
}
