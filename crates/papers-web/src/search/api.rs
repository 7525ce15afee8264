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
use crate::papers;
use crate::state::AppState;
use crate::wire::{ExplainJson, daily_item_json, item_with, search_item_json};

/// `GET /api/papers/search?q=&limit=&mode=&explain=`: a list of items shaped
/// like the daily ones, with the title and abstract cut where the query's
/// words are (`highlightedTitle`, `highlightedSummary`, as Hugging Face
/// answers); with `explain=true` each tells how it ranked. Like
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
    let mut req = SearchRequest::new(q.clone()).mode(mode).limit(limit);
    (req.from, req.to) = params
        .days()
        .map_err(|m| ApiError::bad("invalid_date", m))?;
    let finder = finder(state)?;
    let found = finder.search(req).await?;
    let marks = finder
        .highlight(&q, found.items.iter().map(|(p, _)| p))
        .await?;
    let items = found
        .items
        .iter()
        .zip(&marks)
        .map(|((p, _), h)| search_item_json(daily_item_json(p), h));
    if !explain {
        // The common case, serialised straight from the items.
        let items: Vec<_> = items.collect();
        return serde_json::to_vec(&items).map_err(ApiError::internal);
    }
    let items = items
        .zip(&found.items)
        .map(|(item, (_, r))| {
            let x = ExplainJson::new(mode_name(mode), found.degraded, &r.explain);
            item_with(item, "explain", &x)
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
    PaperId(raw): PaperId,
) -> Result<Json<Vec<Value>>, ApiError> {
    // 404 for any id-shaped string we do not hold, 400 for anything else.
    let id = papers::parse_paper_id(&raw)?;
    if state.catalog.paper(&id).await?.is_none() {
        return Err(papers::not_found(id.base()));
    }
    let items = similar_papers(&state, &id, 10)
        .await
        .iter()
        .map(|(p, score)| item_with(daily_item_json(p), "similarity", score))
        .collect::<Result<Vec<Value>, _>>()
        .map_err(ApiError::internal)?;
    Ok(Json(items))
}
