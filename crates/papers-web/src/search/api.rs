//! `GET /api/papers/search` and `GET /api/papers/{id}/similar`.

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use papers_app::SearchRequest;

use super::{MAX_QUERY, SearchParams, finder, mode_name, parse_mode, similar_papers};
use crate::error::ApiError;
use crate::extract::{ApiQuery, PaperId};
use crate::guard::{IpQuota, Searching};
use crate::papers;
use crate::state::AppState;
use crate::wire::{
    ExplainJson, SearchItemJson, SimilarItemJson, daily_item_json, search_item_json,
};

/// `GET /api/papers/search?q=&limit=&mode=&explain=`: a list of items shaped
/// like the daily ones, with the title and abstract cut where the query's
/// words are (`highlightedTitle`, `highlightedSummary`, as Hugging Face
/// answers); with `explain=true` each tells how it ranked. Like
/// every read endpoint, an answer is kept for the response cache's TTL
/// (2 s by default; writes through this server clear it).
#[utoipa::path(
    get,
    path = "/api/papers/search",
    tag = "search",
    operation_id = "searchPapers",
    summary = "Hybrid search: by meaning and by words",
    params(SearchParams),
    responses(
        (status = 200, description = "Items, best first, with the query's words marked", body = [crate::wire::SearchItemJson]),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "A parameter is malformed", body = crate::wire::RefusalJson),
        (status = 429, description = "Over the per-IP search limit; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
pub(super) async fn search(
    State(state): State<AppState>,
    _: IpQuota<Searching>,
    uri: Uri,
    ApiQuery(params): ApiQuery<SearchParams>,
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
    // The search page sends empty dates from its form; the API says them.
    for (name, v) in [("from", &params.from), ("to", &params.to)] {
        if v.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(ApiError::bad(
                "invalid_date",
                format!("`{name}` is a day, YYYY-MM-DD, when given"),
            ));
        }
    }
    let limit = parse_limit(params.limit.as_deref())?;
    let mode = parse_mode(params.mode.as_deref()).map_err(|m| ApiError::bad("invalid_mode", m))?;
    let explain = match params.explain.as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(ApiError::bad(
                "invalid_explain",
                format!("`explain` is true or false, got {other:?}"),
            ));
        }
    };
    let mut req = SearchRequest::new(q.clone()).mode(mode).limit(limit);
    (req.from, req.to) = params
        .days()
        .map_err(|m| ApiError::bad("invalid_date", m))?;
    let finder = finder(state)?;
    let found = finder.search(req).await?;
    let marks = finder
        .highlight(&q, found.items.iter().map(|(p, _)| p))
        .await?;
    let items: Vec<SearchItemJson> = found
        .items
        .iter()
        .zip(&marks)
        .map(|((p, r), h)| {
            let mut item = search_item_json(daily_item_json(p), h);
            if explain {
                item.explain = Some(ExplainJson::new(
                    mode_name(mode),
                    found.degraded,
                    &r.explain,
                ));
            }
            item
        })
        .collect();
    serde_json::to_vec(&items).map_err(ApiError::internal)
}

/// `GET /api/papers/{id}/similar`: the ten papers nearest by meaning, each
/// with its `similarity`.
#[utoipa::path(
    get,
    path = "/api/papers/{id}/similar",
    tag = "search",
    operation_id = "similarPapers",
    summary = "The ten papers nearest by meaning",
    params(crate::extract::PaperId),
    responses(
        (status = 200, description = "Items, most similar first", body = [crate::wire::SimilarItemJson]),
        (status = 400, description = "A parameter is malformed", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper here", body = crate::wire::RefusalJson),
        (status = 429, description = "Over the per-IP search limit; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
pub(super) async fn similar(
    State(state): State<AppState>,
    _: IpQuota<Searching>,
    PaperId(raw): PaperId,
) -> Result<Json<Vec<SimilarItemJson>>, ApiError> {
    // 404 for any id-shaped string we do not hold, 400 for anything else.
    let id = papers::parse_paper_id(&raw)?;
    if state.catalog.paper(&id).await?.is_none() {
        return Err(papers::not_found(id.base()));
    }
    let items = similar_papers(&state, &id, 10)
        .await
        .iter()
        .map(|(p, score)| SimilarItemJson {
            item: daily_item_json(p),
            similarity: *score,
        })
        .collect();
    Ok(Json(items))
}
