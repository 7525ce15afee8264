//! Comments: writing, editing and deleting them from the paper page, hiding
//! them (admins), and `GET|POST /api/papers/{id}/comments`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use papers_app::CommentView;
use serde::Deserialize;

use crate::error::{ApiError, PageError};
use crate::extract::{PaperId, at_paper};
use crate::guard::{ApiUser, HeavyReading, IpQuota, JsonBody, SignedInForm, csrf_form};
use crate::state::AppState;
use crate::wire::CreatedJson;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_comments, api_add_comment))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/comment", post(comment))
        .route("/comment/edit", post(act::<EDIT>))
        .route("/comment/delete", post(act::<DELETE>))
        .route("/admin/hide-comment", post(act::<HIDE>));
    at_paper(
        r,
        "/api/papers",
        "/comments",
        get(api_comments).post(api_add_comment),
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    body: String,
}

csrf_form!(CommentForm, |f| format!("/papers/{}", f.paper));

/// A form about a comment that exists: edit, delete, hide.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentActionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    body: String,
}

csrf_form!(CommentActionForm);

fn parse_id(s: Option<&str>) -> Result<Option<i64>, PageError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| PageError::BadRequest(format!("{v:?} is not a comment id."))),
    }
}

async fn comment(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<CommentForm>,
) -> Result<Response, PageError> {
    let parent = parse_id(f.parent.as_deref())?;
    let id = state
        .community
        .add_comment(&who.user, &f.paper, parent, &f.body)
        .await?;
    state.cache.invalidate();
    Ok(Redirect::to(&format!("/papers/{}#c{id}", f.paper)).into_response())
}

/// What a comment form asks for: edit or delete it (its author), hide it
/// (an admin).
const EDIT: u8 = 0;
const DELETE: u8 = 1;
const HIDE: u8 = 2;

/// Acts on a comment (`ACTION`), then goes back to it.
async fn act<const ACTION: u8>(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<CommentActionForm>,
) -> Result<Response, PageError> {
    let Some(id) = parse_id(f.id.as_deref())? else {
        return Err(PageError::BadRequest("Which comment?".into()));
    };
    let c = &state.community;
    match ACTION {
        EDIT => c.edit_comment(&who.user, id, &f.body).await?,
        DELETE => c.delete_comment(&who.user, id).await?,
        _ => c.hide_comment(&who.user, id).await?,
    }
    state.cache.invalidate();
    // Back to the comment on its paper's page.
    let back = match c.comment_paper(id).await {
        Ok(Some(paper)) => format!("/papers/{paper}#c{id}"),
        _ => "/".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

/// `GET /api/papers/{id}/comments`: the thread, oldest first.
#[utoipa::path(
    get,
    path = "/api/papers/{id}/comments",
    tag = "community",
    operation_id = "listComments",
    summary = "A paper's discussion, oldest first",
    params(crate::extract::PaperId),
    responses(
        (status = 200, description = "The comments (deleted ones keep their place as `[deleted]`)", body = [Object]),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper or comment", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_comments(
    State(state): State<AppState>,
    _: IpQuota<HeavyReading>,
    id: PaperId,
) -> Result<Json<Vec<CommentView>>, ApiError> {
    // 404 for any id-shaped string we do not hold, 400 for anything else.
    let pid = crate::papers::parse_paper_id(&id.0)?;
    if state.catalog.paper(&pid).await?.is_none() {
        return Err(crate::papers::not_found(pid.base()));
    }
    Ok(Json(state.community.comment_thread(&id.0).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CommentBody {
    /// Markdown, at most 10,000 characters.
    #[schema(pattern = r"\S", max_length = 10000)]
    body: String,
    /// The comment this one answers.
    #[serde(default, deserialize_with = "whole_number")]
    parent: Option<i64>,
}

/// An optional whole number, also when JSON writes it as `12.0` (JSON
/// Schema's `integer` allows that spelling).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!(
            "expected a whole number, got {n}"
        ))),
    }
}

/// `POST /api/papers/{id}/comments` → 201 with the comment's id.
#[utoipa::path(
    post,
    path = "/api/papers/{id}/comments",
    tag = "community",
    operation_id = "addComment",
    summary = "Comment on a paper, or answer a comment",
    params(crate::extract::PaperId),
    request_body = CommentBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = crate::wire::CreatedJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned, hidden, not yours)", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper or comment", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_add_comment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    PaperId(id): PaperId,
    JsonBody(b): JsonBody<CommentBody>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let cid = state
        .community
        .add_comment(&user, &id, b.parent, &b.body)
        .await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(CreatedJson { id: cid })))
}
