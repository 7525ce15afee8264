//! Upvotes: the pages' vote button (`POST /vote`, answering JSON to the
//! page's script) and `POST|DELETE /api/papers/{id}/upvote`; and "not
//! interested" (`POST|DELETE /api/papers/{id}/not-interested`), the other
//! signal a reader gives about a paper.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::auth::safe_next;
use crate::error::{ApiError, PageError};
use crate::extract::{PaperId, at_paper};
use crate::guard::{ApiUser, SignedInForm, csrf_form};
use crate::state::AppState;
use crate::wire::{NotInterestedJson, UpvotesJson, VoteJson};

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_vote, api_not_interested))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/vote", post(vote))
        .route("/not-interested", post(not_interested));
    let r = at_paper(r, "/api/papers", "/upvote", post(api_vote).delete(api_vote));
    at_paper(
        r,
        "/api/papers",
        "/not-interested",
        post(api_not_interested).delete(api_not_interested),
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct VoteForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: String,
    #[serde(default)]
    action: Option<String>,
}

csrf_form!(VoteForm, |f| format!("/papers/{}", f.paper));

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The page the request came from when it is on this site, else `fallback`.
fn back_to(headers: &HeaderMap, fallback: &str) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            let rest = r.split_once("://")?.1;
            let path = rest.strip_prefix(host)?;
            Some(safe_next(Some(path)))
        })
        .unwrap_or_else(|| fallback.to_string())
}

async fn vote(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedInForm { who, form: f }: SignedInForm<VoteForm>,
) -> Result<Response, PageError> {
    let up = f.action.as_deref() != Some("down");
    let total = state.community.vote(&who.user, &f.paper, up).await?;
    state.cache.invalidate();
    Ok(if wants_json(&headers) {
        Json(VoteJson {
            upvotes: total,
            voted: up,
        })
        .into_response()
    } else {
        Redirect::to(&back_to(&headers, &format!("/papers/{}", f.paper))).into_response()
    })
}

/// A paper row's "Not interested" button (`action=on`) and its undo
/// (`action=off`): JSON to the page's script, else back to the page.
async fn not_interested(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedInForm { who, form: f }: SignedInForm<VoteForm>,
) -> Result<Response, PageError> {
    let on = f.action.as_deref() != Some("off");
    let marked = state
        .community
        .not_interested(&who.user, &f.paper, on)
        .await?;
    Ok(if wants_json(&headers) {
        Json(NotInterestedJson {
            not_interested: marked,
        })
        .into_response()
    } else {
        Redirect::to(&back_to(&headers, &format!("/papers/{}", f.paper))).into_response()
    })
}

#[utoipa::path(
    method(post, delete),
    path = "/api/papers/{id}/upvote",
    tag = "community",
    operation_id = "vote",
    summary = "Upvote a paper (POST) or take the vote back (DELETE)",
    params(crate::extract::PaperId),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The paper's upvotes now", body = crate::wire::UpvotesJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned, hidden, not yours)", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper or comment", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_vote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    PaperId(id): PaperId,
    method: Method,
) -> Result<Json<UpvotesJson>, ApiError> {
    // POST casts the vote, DELETE takes it back.
    let up = method == Method::POST;
    let total = state.community.vote(&user, &id, up).await?;
    state.cache.invalidate();
    Ok(Json(UpvotesJson { upvotes: total }))
}

#[utoipa::path(
    method(post, delete),
    path = "/api/papers/{id}/not-interested",
    tag = "community",
    operation_id = "notInterested",
    summary = "Mark a paper \"not interested\" (POST) or take that back (DELETE)",
    params(crate::extract::PaperId),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether the paper is now marked", body = crate::wire::NotInterestedJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper or comment", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_not_interested(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    PaperId(id): PaperId,
    method: Method,
) -> Result<Json<NotInterestedJson>, ApiError> {
    let on = method == Method::POST;
    let marked = state.community.not_interested(&user, &id, on).await?;
    Ok(Json(NotInterestedJson {
        not_interested: marked,
    }))
}
