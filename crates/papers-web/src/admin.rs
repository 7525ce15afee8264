//! Admins: moderation (hiding a paper, banning a user; hiding a comment is
//! with the comments), authorship claims to verify or reject, and the
//! scheduled jobs page.

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
use crate::view::{Layout, author_path, day_of, private, profile_path, render};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/hide-paper", post(hide_paper))
        .route("/admin/ban", post(ban))
        .route("/admin/jobs", get(jobs))
        .route("/admin/claims", get(claims).post(decide_claim))
}

/// A claim waiting for an admin, ready to print.
struct ClaimRow {
    id: i64,
    username: String,
    profile: String,
    paper_id: String,
    author: String,
    author_href: String,
    date: String,
}

#[derive(Template)]
#[template(path = "admin_claims.html")]
struct ClaimsPage {
    layout: Layout,
    claims: Vec<ClaimRow>,
}

/// The authorship claims waiting for an admin, oldest first.
async fn claims(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Response, PageError> {
    if !who.user.is_admin() {
        return Err(PageError::NotFound("no such page".into()));
    }
    let claims = state
        .community
        .pending_claims(&who.user)
        .await?
        .into_iter()
        .map(|c| ClaimRow {
            id: c.id,
            profile: profile_path(&c.username),
            username: c.username,
            author_href: author_path(&c.author_name),
            author: c.author_name,
            date: day_of(c.created_at),
            paper_id: c.paper_id,
        })
        .collect();
    Ok(private(render(&ClaimsPage {
        layout: Layout::load(&state, Some(&who)).await?,
        claims,
    })))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    decision: String,
}

csrf_form!(DecisionForm);

/// Verifies or rejects a claim, then back to the list.
async fn decide_claim(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<DecisionForm>,
) -> Result<Response, PageError> {
    let id: i64 = form
        .id
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest(format!("{:?} is not a claim id.", form.id)))?;
    let verify = match form.decision.as_str() {
        "verify" => true,
        "reject" => false,
        other => {
            return Err(PageError::BadRequest(format!(
                "{other:?} is neither verify nor reject."
            )));
        }
    };
    state.community.decide_claim(&who.user, id, verify).await?;
    state.cache.invalidate();
    Ok(Redirect::to("/admin/claims").into_response())
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
