//! `GET /api/papers/{id}[?field=comments]`, `GET /api/papers?cursor=&limit=`
//! and `POST /api/papers/index`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{not_found, parse_paper_id};
use crate::error::ApiError;
use crate::extract::{ApiQuery, PaperId};
use crate::guard::{ApiUser, JsonBody};
use crate::state::AppState;
use crate::view::encode_query;
use crate::wire::{EmptyJson, PaperWithCommentsJson, paper_json};

/// The longest cursor: a paper id, with room to spare.
const MAX_CURSOR: usize = 64;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PaperParams {
    /// `comments`: the paper's discussion too (empty: the paper alone).
    #[serde(default)]
    #[param(pattern = "^(comments)?$")]
    field: Option<String>,
}

/// `GET /api/papers/{id}`: the paper in Hugging Face's shape; with
/// `?field=comments`, its discussion too.
#[utoipa::path(
    get,
    path = "/api/papers/{id}",
    tag = "papers",
    operation_id = "getPaper",
    summary = "One paper",
    params(crate::extract::PaperId, PaperParams),
    responses(
        (status = 200, description = "The paper (with `comments` when asked)", body = crate::wire::PaperWithCommentsJson),
        (status = 400, description = "A parameter is malformed", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper here", body = crate::wire::RefusalJson),
    )
)]
pub(super) async fn paper(
    State(state): State<AppState>,
    PaperId(raw): PaperId,
    ApiQuery(params): ApiQuery<PaperParams>,
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
    let comments = if with_comments {
        Some(state.community.comment_thread(id.base()).await?)
    } else {
        None
    };
    Ok(Json(PaperWithCommentsJson { paper, comments }).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Where the previous page ended (from its `Link` header).
    #[serde(default)]
    #[param(max_length = 64)]
    cursor: Option<String>,
    /// Papers per page (default 50).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// `GET /api/papers?cursor=&limit=`: every paper, `limit` (1–100, 50 by
/// default) at a time, in a stable order (by id), with
/// `Link: <…?cursor=LAST&limit=L>; rel="next"` while more may follow.
#[utoipa::path(
    get,
    path = "/api/papers",
    tag = "papers",
    operation_id = "listPapers",
    summary = "Every paper, in a stable order",
    params(ListParams),
    responses(
        (status = 200, description = "One page; `Link: <…>; rel=\"next\"` while more may follow", body = [crate::wire::PaperJson],
            headers(("Link" = String, description = "The next page"))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "A parameter is malformed", body = crate::wire::RefusalJson),
    )
)]
pub(super) async fn list(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(params): ApiQuery<ListParams>,
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct IndexBody {
    /// The arXiv id.
    #[serde(rename = "arxivId")]
    #[schema(
        pattern = r"^([aA][rR][xX][iI][vV]:)?((1[5-9]|[2-8][0-9])(0[1-9]|1[0-2])\.[0-9]{5}|(0[0-9]|1[0-4]|9[0-9])(0[1-9]|1[0-2])\.[0-9]{4}|[a-zA-Z-]+(\.[a-zA-Z]{1,2})?/[0-9]{2}(0[1-9]|1[0-2])[0-9]{3})([vV][1-9][0-9]{0,3})?$"
    )]
    arxiv_id: String,
}

/// `POST /api/papers/index {"arxivId"}` (Bearer token): gives any arXiv
/// paper a page, without putting it on the daily list. 201 `{}` when it was
/// fetched, 200 `{}` when it was here already.
#[utoipa::path(
    post,
    path = "/api/papers/index",
    tag = "community",
    operation_id = "indexPaper",
    summary = "Give any arXiv paper a page (not on the daily list)",
    request_body = IndexBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The paper was here already", body = crate::wire::EmptyJson),
        (status = 201, description = "Fetched from arXiv", body = crate::wire::EmptyJson),
        (status = 400, description = "A parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned, hidden paper)", body = crate::wire::RefusalJson),
        (status = 404, description = "arXiv has no such paper", body = crate::wire::RefusalJson),
        (status = 429, description = "Over the daily fetch quota", body = crate::wire::RefusalJson),
    )
)]
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
