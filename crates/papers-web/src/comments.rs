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
async fn api_comments(
    State(state): State<AppState>,
    _: IpQuota<HeavyReading>,
    id: PaperId,
) -> Result<Json<Vec<CommentView>>, ApiError> {
    let pid = id.parse()?;
    if state.catalog.paper(&pid).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "paper {} not found",
            pid.base()
        )));
    }
    Ok(Json(state.community.comment_thread(&id.0).await?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommentBody {
    body: String,
    #[serde(default)]
    parent: Option<i64>,
}

/// `POST /api/papers/{id}/comments` → 201 with the comment's id.
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
