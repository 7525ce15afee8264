//! `POST /api/auth/signup` and `POST /api/auth/token`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use papers_core::Role;
use serde::Deserialize;

use crate::error::ApiError;
use crate::guard::{IpQuota, JsonBody, SigningIn};
use crate::state::AppState;
use crate::wire::{SignedUpJson, TokenJson};

#[derive(Debug, Deserialize)]
pub(super) struct SignUpBody {
    username: String,
    email: String,
    password: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct TokenBody {
    username: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

pub(super) async fn sign_up(
    State(state): State<AppState>,
    _: IpQuota<SigningIn>,
    JsonBody(b): JsonBody<SignUpBody>,
) -> Result<(StatusCode, Json<SignedUpJson>), ApiError> {
    let user = state
        .community
        .sign_up(&b.username, &b.email, &b.password, Role::User)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedUpJson {
            id: user.id,
            username: user.username,
        }),
    ))
}

pub(super) async fn token(
    State(state): State<AppState>,
    _: IpQuota<SigningIn>,
    JsonBody(b): JsonBody<TokenBody>,
) -> Result<Json<TokenJson>, ApiError> {
    let user = state
        .community
        .check_credentials(&b.username, &b.password)
        .await?;
    let (id, token) = state
        .community
        .create_api_token(&user, b.name.as_deref().unwrap_or("api"))
        .await?;
    Ok(Json(TokenJson { id, token }))
}
