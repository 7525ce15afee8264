//! The links in mails: confirming a subscription, managing them, and
//! unsubscribing. No sign-in: the link's token is the proof.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use papers_app::AppError;
use serde::Deserialize;

use super::label;
use crate::error::{PageError, fault_status};
use crate::state::AppState;
use crate::view::{Layout, no_store, render};

struct SubRow {
    id: i64,
    label: String,
    status: String,
}

#[derive(Template)]
#[template(path = "manage.html")]
struct ManagePage {
    layout: Layout,
    email: String,
    token: String,
    subs: Vec<SubRow>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    layout: Layout,
    heading: String,
    message: String,
    action: Option<String>,
    button: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    id: Option<i64>,
}

/// A page with a heading, a message and maybe one button (a form posting
/// to `action`).
async fn message(
    state: &AppState,
    status: StatusCode,
    heading: &str,
    message: String,
    button: Option<(String, &str)>,
) -> Result<Response, PageError> {
    let (action, button) = button.map_or((None, ""), |(a, b)| (Some(a), b));
    let page = MessagePage {
        layout: Layout::load(state, None).await?,
        heading: heading.to_string(),
        message,
        action,
        button: button.to_string(),
    };
    Ok(no_store(status, render(&page)))
}

/// A refused link (expired, unknown) says so; other failures are ours.
async fn link_failed(state: &AppState, e: AppError) -> Result<Response, PageError> {
    match e {
        AppError::Refused {
            fault, message: m, ..
        } => message(state, fault_status(fault), "Link not valid", m, None).await,
        e => Err(e.into()),
    }
}

/// The link in a confirmation mail lands here: a page with one button.
/// Following the link confirms nothing, so mail scanners and link
/// previewers that open every link cannot subscribe anyone.
pub(super) async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let action = format!(
        "/subscriptions/confirm?token={}",
        crate::view::encode_query(q.token.trim())
    );
    message(
        &state,
        StatusCode::OK,
        "Confirm your subscription",
        "Press the button to start receiving the mails you (or someone with your address) asked for. Nothing is sent until you do.".to_string(),
        Some((action, "Confirm the subscription")),
    )
    .await
}

/// The button on [`confirm_page`]: confirms the subscription.
pub(super) async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    match state.community.confirm_subscription(&q.token).await {
        Ok(s) => {
            let msg = format!(
                "{} will get {}. Every mail has a link to manage or end it.",
                s.email,
                label(&s)
            );
            message(&state, StatusCode::OK, "You are subscribed", msg, None).await
        }
        Err(e) => link_failed(&state, e).await,
    }
}

async fn manage_page(
    state: &AppState,
    token: &str,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let (sub, all) = match state.community.manage(token).await {
        Ok(found) => found,
        Err(e) => return link_failed(state, e).await,
    };
    let page = ManagePage {
        layout: Layout::load(state, None).await?,
        email: sub.email.clone(),
        token: token.to_string(),
        subs: all
            .iter()
            .map(|s| SubRow {
                id: s.id,
                label: label(s),
                status: s.status.to_string(),
            })
            .collect(),
        notice,
    };
    Ok(no_store(StatusCode::OK, render(&page)))
}

pub(super) async fn manage(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    manage_page(&state, &q.token, None).await
}

/// The unsubscribe link opened in a browser: one button, so that mail
/// scanners that follow links do not unsubscribe anyone.
pub(super) async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    match state.community.manage(&q.token).await {
        Ok((sub, _)) => {
            let action = format!("/unsubscribe?token={}", q.token);
            let msg = format!("Stop sending {} to {}?", label(&sub), sub.email);
            let button = Some((action, "Unsubscribe"));
            message(&state, StatusCode::OK, "Unsubscribe", msg, button).await
        }
        Err(e) => link_failed(&state, e).await,
    }
}

/// `POST /unsubscribe?token=…` — the button, the manage page, and RFC 8058
/// one-click (`List-Unsubscribe=One-Click` in the body) all land here.
pub(super) async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    match state.community.unsubscribe(&q.token, q.id).await {
        Ok(s) => {
            let notice = format!(
                "Unsubscribed: {}. Nothing more of it will be sent.",
                label(&s)
            );
            manage_page(&state, &q.token, Some(notice)).await
        }
        Err(e) => link_failed(&state, e).await,
    }
}
