//! `POST /api/subscriptions` → 202; the confirmation mail goes out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::error::ApiError;
use crate::guard::{IpQuota, JsonBody, Writing};
use crate::state::AppState;
use crate::wire::SubscribedJson;

#[derive(Debug, Deserialize)]
pub(super) struct SubscribeBody {
    email: String,
    #[serde(default)]
    cadence: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    categories: Option<Vec<String>>,
}

pub(super) async fn subscribe(
    State(state): State<AppState>,
    _: IpQuota<Writing>,
    JsonBody(b): JsonBody<SubscribeBody>,
) -> Result<(StatusCode, Json<SubscribedJson>), ApiError> {
    let r = state
        .community
        .subscribe(
            &state.mail,
            &b.email,
            b.cadence.as_deref().unwrap_or("daily"),
            b.query.as_deref(),
            b.categories.as_deref().unwrap_or(&[]),
            None,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SubscribedJson {
            confirmation_sent: r.confirmation_sent,
            id: r.subscription.id,
            status: r.subscription.status,
        }),
    ))
}
