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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct SignUpBody {
    /// 2 to 39 letters, digits, `-` and `_`, starting with a letter or digit.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{1,38}$")]
    username: String,
    #[schema(
        pattern = r"^[A-Za-z0-9%+_-]+(\.[A-Za-z0-9%+_-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
        max_length = 254
    )]
    email: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 256)]
    password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct TokenBody {
    #[schema(min_length = 1, max_length = 39)]
    username: String,
    #[schema(min_length = 1, max_length = 256)]
    password: String,
    /// A name to tell tokens apart in settings (default `api`).
    #[serde(default)]
    #[schema(max_length = 100)]
    name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/auth/signup",
    tag = "accounts",
    operation_id = "signUp",
    summary = "Create an account",
    request_body = SignUpBody,
    responses(
        (status = 201, description = "Created", body = crate::wire::SignedUpJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 409, description = "Conflicts with what exists", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/auth/token",
    tag = "accounts",
    operation_id = "createToken",
    summary = "Trade a username and password for an API token",
    request_body = TokenBody,
    responses(
        (status = 200, description = "The token (shown once)", body = crate::wire::TokenJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned, hidden, not yours)", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
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
