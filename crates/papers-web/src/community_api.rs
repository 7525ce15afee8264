//! The community's JSON API: sign-up, tokens, upvotes, submissions and
//! comments. Writes authenticate with `Authorization: Bearer <token>`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use papers_core::{Role, User};
use serde::Deserialize;

use crate::AppState;
use crate::api::ApiError;
use crate::session::{Action, bearer, client_ip};

#[derive(Debug, Deserialize)]
pub(crate) struct SignUpBody {
    username: String,
    email: String,
    password: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenBody {
    username: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SubmitBody {
    id: String,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommentBody {
    body: String,
    #[serde(default)]
    parent: Option<i64>,
}

fn limit(
    state: &AppState,
    action: Action,
    peer: Option<SocketAddr>,
    user: Option<i64>,
) -> Result<(), ApiError> {
    state
        .limiter
        .check(action, client_ip(peer), user)
        .map_err(ApiError::TooMany)
}

/// The user behind the Bearer token; 401 without one.
async fn api_user(state: &AppState, headers: &HeaderMap) -> Result<User, ApiError> {
    let token = bearer(headers).ok_or_else(|| {
        ApiError::Unauthorized(
            "send `Authorization: Bearer <token>`; get one from POST /api/auth/token".into(),
        )
    })?;
    state
        .community
        .bearer_user(token)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this token is invalid or revoked".into()))
}

fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: e.body_text(),
    })
}

pub(crate) async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<SignUpBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    limit(&state, Action::SignIn, Some(peer), None)?;
    let b = json_body(body)?;
    let user = state
        .community
        .sign_up(&b.username, &b.email, &b.password, Role::User)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": user.id, "username": user.username })),
    )
        .into_response())
}

pub(crate) async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<TokenBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    limit(&state, Action::SignIn, Some(peer), None)?;
    let b = json_body(body)?;
    let user = state
        .community
        .check_credentials(&b.username, &b.password)
        .await?;
    let (id, token) = state
        .community
        .create_api_token(&user, b.name.as_deref().unwrap_or("api"))
        .await?;
    Ok(Json(serde_json::json!({ "token": token, "id": id })).into_response())
}

async fn vote(
    state: AppState,
    headers: HeaderMap,
    peer: SocketAddr,
    id: String,
    up: bool,
) -> Result<Response, ApiError> {
    let user = api_user(&state, &headers).await?;
    limit(&state, Action::Write, Some(peer), Some(user.id))?;
    let total = state.community.vote(&user, &id, up).await?;
    state.cache.invalidate();
    Ok(Json(serde_json::json!({ "upvotes": total })).into_response())
}

pub(crate) async fn upvote(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    vote(state, headers, peer, id, true).await
}

pub(crate) async fn unvote(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    vote(state, headers, peer, id, false).await
}

pub(crate) async fn upvote_old(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((a, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    vote(state, headers, peer, format!("{a}/{n}"), true).await
}

pub(crate) async fn unvote_old(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((a, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    vote(state, headers, peer, format!("{a}/{n}"), false).await
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<SubmitBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let user = api_user(&state, &headers).await?;
    limit(&state, Action::Write, Some(peer), Some(user.id))?;
    let b = json_body(body)?;
    let s = state
        .community
        .submit(&user, &b.id, b.comment.as_deref())
        .await?;
    state.cache.invalidate();
    crate::search::index_soon(&state);
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": s.paper_id.base(),
            "title": s.title,
            "submittedOnDailyAt": format!("{}T00:00:00.000Z", s.day),
            "url": format!("/papers/{}", s.paper_id.base()),
        })),
    )
        .into_response())
}

async fn list_comments(state: &AppState, id: &str) -> Result<Response, ApiError> {
    let pid = papers_core::ArxivId::parse(id).map_err(|e| ApiError::BadRequest {
        code: "invalid_id",
        message: e.to_string(),
    })?;
    if state.store.paper(&pid).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "paper {} not found",
            pid.base()
        )));
    }
    let thread = state.community.comment_thread(id).await?;
    Ok(Json(thread).into_response())
}

async fn post_comment(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    id: &str,
    body: Result<Json<CommentBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let user = api_user(state, headers).await?;
    limit(state, Action::Write, Some(peer), Some(user.id))?;
    let b = json_body(body)?;
    let cid = state
        .community
        .add_comment(&user, id, b.parent, &b.body)
        .await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": cid }))).into_response())
}

pub(crate) async fn comments(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    list_comments(&state, &id).await
}

pub(crate) async fn comments_old(
    State(state): State<AppState>,
    Path((a, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_comments(&state, &format!("{a}/{n}")).await
}

pub(crate) async fn add_comment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<CommentBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    post_comment(&state, &headers, peer, &id, body).await
}

pub(crate) async fn add_comment_old(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((a, n)): Path<(String, String)>,
    body: Result<Json<CommentBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    post_comment(&state, &headers, peer, &format!("{a}/{n}"), body).await
}
