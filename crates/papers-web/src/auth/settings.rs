//! `/settings`: the account and its API tokens.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::PageError;
use crate::guard::{SignedIn, SignedInForm, csrf_form};
use crate::session::Viewer;
use crate::state::AppState;
use crate::view::{Layout, private, render};

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    username: String,
    email: String,
    tokens: Vec<(i64, String, String, bool)>,
    new_token: Option<String>,
}

async fn settings_page(
    state: &AppState,
    who: &Viewer,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let tokens = state
        .community
        .api_tokens(&who.user)
        .await?
        .into_iter()
        .map(|(id, name, created, revoked)| (id, name, created.chars().take(10).collect(), revoked))
        .collect();
    Ok(private(render(&SettingsPage {
        layout: Layout::load(state, Some(who)).await?,
        username: who.user.username.clone(),
        email: who.user.email.clone(),
        tokens,
        new_token,
    })))
}

pub(super) async fn settings(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Response, PageError> {
    settings_page(&state, &who, None).await
}

/// A form naming a token (by name to create, by id to revoke) or a user.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct IdForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    pub(crate) username: Option<String>,
}

csrf_form!(IdForm, |_f| "/settings".to_string());

pub(super) async fn create_token(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<IdForm>,
) -> Result<Response, PageError> {
    let (_, token) = state
        .community
        .create_api_token(&who.user, form.name.as_deref().unwrap_or(""))
        .await?;
    settings_page(&state, &who, Some(token)).await
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<IdForm>,
) -> Result<Response, PageError> {
    let id = form
        .id
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(-1);
    state.community.revoke_api_token(&who.user, id).await?;
    Ok(Redirect::to("/settings").into_response())
}
