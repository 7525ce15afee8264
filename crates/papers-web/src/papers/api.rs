//! `GET /api/papers/{id}[?field=comments]`, `GET /api/papers?cursor=&limit=`
//! and `POST /api/papers/index`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{not_found, parse_paper_id};
use crate::error::ApiError;
use crate::extract::PaperId;
use crate::guard::{ApiUser, JsonBody};
use crate::state::AppState;
use crate::view::encode_query;
use crate::wire::{EmptyJson, PaperWithCommentsJson, paper_json};

/// The longest cursor: a paper id, with room to spare.
const MAX_CURSOR: usize = 64;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PaperParams {
    #[serde(default)]
    field: Option<String>,
}

/// `GET /api/papers/{id}`: the paper in Hugging Face's shape; with
/// `?field=comments`, its discussion too.
pub(super) async fn paper(
    State(state): State<AppState>,
    PaperId(raw): PaperId,
    Query(params): Query<PaperParams>,
) -> Result<Response, ApiError> {
    let with_comments = match params.field.as_deref().map(str::trim) {
        None | Some("") => false,
        Some("comments") => true,
        Some(other) => {
            return Err(ApiError::bad(
                "invalid_parameter",
                format!("`field` can only be `comments`, got {other:?}"),
            ));
        }
    };
    let id = parse_paper_id(&raw)?;
    let Some(lp) = state.catalog.paper(&id).await? else {
        return Err(not_found(id.base()));
    };
    let paper = paper_json(&lp);
    if !with_comments {
        return Ok(Json(paper).into_response());
    }
    let comments = state.community.comment_thread(id.base()).await?;
    Ok(Json(PaperWithCommentsJson { paper, comments }).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

/// `GET /api/papers?cursor=&limit=`: every paper, `limit` (1–100, 50 by
/// default) at a time, in a stable order (by id), with
/// `Link: <…?cursor=LAST&limit=L>; rel="next"` while more may follow.
pub(super) async fn list(
    State(state): State<AppState>,
    uri: Uri,
    Query(params): Query<ListParams>,
) -> Response {
    state
        .cache
        .respond_with(format!("api:{uri}"), list_uncached(&state, params))
        .await
}

async fn list_uncached(
    state: &AppState,
    params: ListParams,
) -> Result<(HeaderMap, Vec<u8>), ApiError> {
    let limit = match params.limit.as_deref() {
        None => 50,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                ApiError::bad(
                    "invalid_limit",
                    format!("`limit` must be a whole number from 1 to 100, got {s:?}"),
                )
            })?,
    };
    let cursor = params.cursor.unwrap_or_default();
    if cursor.chars().count() > MAX_CURSOR {
        return Err(ApiError::bad(
            "invalid_cursor",
            format!(
                "`cursor` is a paper id from a `Link` header (at most {MAX_CURSOR} characters)"
            ),
        ));
    }
    let page = state.catalog.papers_page(&cursor, limit).await?;
    let items: Vec<_> = page.items.iter().map(paper_json).collect();
    let body = serde_json::to_vec(&items).map_err(ApiError::internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(next) = page.next {
        // On the configured base URL, never the request's `Host` (the
        // answer is cached for everyone).
        let url = format!(
            "{}/api/papers?cursor={}&limit={limit}",
            state.config.base_url.trim_end_matches('/'),
            encode_query(&next)
        );
        if let Ok(v) = HeaderValue::from_str(&format!("<{url}>; rel=\"next\"")) {
            headers.insert(header::LINK, v);
        }
    }
    Ok((headers, body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct IndexBody {
    #[serde(rename = "arxivId")]
    arxiv_id: String,
}

/// `POST /api/papers/index {"arxivId"}` (Bearer token): gives any arXiv
/// paper a page, without putting it on the daily list. 201 `{}` when it was
/// fetched, 200 `{}` when it was here already.
pub(super) async fn index(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<IndexBody>,
) -> Result<(StatusCode, Json<EmptyJson>), ApiError> {
    let indexed = state.community.index_paper(&user, &b.arxiv_id).await?;
    if !indexed.created {
        return Ok((StatusCode::OK, Json(EmptyJson {})));
    }
    // Pages show it at once; search finds it soon.
    state.cache.invalidate();
    if let Some(finder) = state.finder() {
        state.background.spawn(finder.index_changes());
    }
    Ok((StatusCode::CREATED, Json(EmptyJson {})))
}
