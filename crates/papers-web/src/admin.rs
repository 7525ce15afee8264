//! Admins: moderation (hiding a paper, banning a user; hiding a comment is
//! with the comments) and the scheduled jobs page.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use papers_app::JobRecord;
use serde::Deserialize;

use crate::auth::IdForm;
use crate::error::PageError;
use crate::guard::{SignedIn, SignedInForm, csrf_form};
use crate::state::AppState;
use crate::view::{Layout, private, render};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/hide-paper", post(hide_paper))
        .route("/admin/ban", post(ban))
        .route("/admin/jobs", get(jobs))
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    layout: Layout,
    jobs: Vec<JobRecord>,
}

/// The scheduled jobs: last run, outcome, next run, the node running one.
async fn jobs(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Response, PageError> {
    if !who.user.is_admin() {
        return Err(PageError::NotFound("no such page".into()));
    }
    let jobs = state.catalog.jobs().await?;
    Ok(private(render(&JobsPage {
        layout: Layout::load(&state, Some(&who)).await?,
        jobs,
    })))
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
