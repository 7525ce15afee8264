//! `GET /api/papers/search` and `GET /api/papers/{id}/similar`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use papers_app::SearchRequest;
use serde_json::Value;

use super::{MAX_QUERY, SearchParams, finder, mode_name, parse_mode, similar_papers};
use crate::error::ApiError;
use crate::extract::PaperId;
use crate::guard::{IpQuota, Searching};
use crate::state::AppState;
use crate::wire::{ExplainJson, daily_item_json, item_with};

/// `GET /api/papers/search?q=&limit=&mode=&explain=`: a list of items shaped
/// like the daily ones; with `explain=true` each tells how it ranked. Like
/// every read endpoint, an answer is kept for the response cache's TTL
/// (2 s by default; writes through this server clear it).
pub(super) async fn search(
    State(state): State<AppState>,
    _: IpQuota<Searching>,
    uri: Uri,
    Query(params): Query<SearchParams>,
) -> Response {
    state
        .cache
        .respond(
            format!("search:{uri}"),
            "application/json",
            search_uncached(&state, &params),
        )
        .await
}

fn parse_limit(limit: Option<&str>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(50),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=120).contains(n))
            .ok_or_else(|| {
                ApiError::bad(
                    "invalid_limit",
                    format!("`limit` must be a whole number from 1 to 120, got {s:?}"),
                )
            }),
    }
}

async fn search_uncached(state: &AppState, params: &SearchParams) -> Result<Vec<u8>, ApiError> {
    let q = params.query();
    if q.is_empty() {
        return Err(ApiError::bad(
            "invalid_query",
            "`q` is required and must not be empty",
        ));
    }
    if q.chars().count() > MAX_QUERY {
        return Err(ApiError::bad(
            "invalid_query",
            "`q` has at most 250 characters",
        ));
    }
    let limit = parse_limit(params.limit.as_deref())?;
    let mode = parse_mode(params.mode.as_deref()).map_err(|m| ApiError::bad("invalid_mode", m))?;
    let explain = matches!(params.explain.as_deref(), Some("true" | "1"));
    let mut req = SearchRequest::new(q).mode(mode).limit(limit);
    (req.from, req.to) = params
        .days()
        .map_err(|m| ApiError::bad("invalid_date", m))?;
    let found = finder(state)?.search(req).await?;
    if !explain {
        // The common case, serialised straight from the items.
        let items: Vec<_> = found
            .items
            .iter()
            .map(|(p, _)| daily_item_json(p))
            .collect();
        return serde_json::to_vec(&items).map_err(ApiError::internal);
    }
    let items = found
        .items
        .iter()
        .map(|(p, r)| {
            let x = ExplainJson::new(mode_name(mode), found.degraded, &r.explain);
            item_with(daily_item_json(p), "explain", &x)
        })
        .collect::<Result<Vec<Value>, _>>()
        .map_err(ApiError::internal)?;
    serde_json::to_vec(&items).map_err(ApiError::internal)
}

/// `GET /api/papers/{id}/similar`: the ten papers nearest by meaning, each
/// with its `similarity`.
pub(super) async fn similar(
    State(state): State<AppState>,
    _: IpQuota<Searching>,
    id: PaperId,
) -> Result<Json<Vec<Value>>, ApiError> {
    let id = id.parse()?;
    if state.catalog.paper(&id).await?.is_none() {
        return Err(ApiError::NotFound(format!("paper {} not found", id.base())));
    }
    let items = similar_papers(&state, &id, 10)
        .await
        .iter()
        .map(|(p, score)| item_with(daily_item_json(p), "similarity", score))
        .collect::<Result<Vec<Value>, _>>()
        .map_err(ApiError::internal)?;
    Ok(Json(items))
}
