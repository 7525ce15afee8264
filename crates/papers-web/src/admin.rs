//! Moderation by admins: hiding a paper and banning a user (hiding a
//! comment is with the comments).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::auth::IdForm;
use crate::error::PageError;
use crate::guard::{SignedInForm, csrf_form};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/hide-paper", post(hide_paper))
        .route("/admin/ban", post(ban))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PaperForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: String,
}

csrf_form!(PaperForm);

async fn hide_paper(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<PaperForm>,
) -> Result<Response, PageError> {
    let c = &state.community;
    c.hide_paper(&who.user, &form.paper, true).await?;
    state.cache.invalidate();
    Ok(Redirect::to("/").into_response())
}

async fn ban(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<IdForm>,
) -> Result<Response, PageError> {
    let username = form.username.as_deref().unwrap_or("");
    state.community.ban(&who.user, username, true).await?;
    Ok(Redirect::to("/settings").into_response())
}
