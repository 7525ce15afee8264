//! The subscribe form (`/subscribe`), prefilled from the header's email box.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use papers_app::{AppError, Wanted};
use serde::Deserialize;

use crate::error::{PageError, fault_status};
use crate::guard::{Checked, csrf_form, form_csrf, page_limit, remember_csrf};
use crate::limits::Action;
use crate::session::viewer;
use crate::state::AppState;
use crate::view::{Layout, no_store, render};

#[derive(Template)]
#[template(path = "subscribe.html")]
struct SubscribePage {
    layout: Layout,
    csrf: String,
    email: String,
    cadence: String,
    query: String,
    categories: String,
    /// The "For you" box is ticked.
    for_you: bool,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SubscribeForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    cadence: Option<String>,
    #[serde(default)]
    query: String,
    #[serde(default)]
    categories: String,
    /// A checkbox (signed in only): the reader's "For you" feed.
    #[serde(default)]
    for_you: Option<String>,
}

csrf_form!(SubscribeForm);

fn split_categories(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

async fn subscribe_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    form: &SubscribeForm,
    said: (Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let who = viewer(state, headers).await;
    let (csrf, fresh) = form_csrf(state, who.as_ref(), headers)?;
    let layout = Layout::load(state, who.as_ref()).await?;
    let email = if form.email.is_empty() {
        who.as_ref()
            .map(|v| v.user.email.clone())
            .unwrap_or_default()
    } else {
        form.email.clone()
    };
    let (error, notice) = said;
    let page = SubscribePage {
        layout,
        csrf: csrf.clone(),
        email,
        cadence: form.cadence.clone().unwrap_or_else(|| "daily".into()),
        query: form.query.clone(),
        categories: form.categories.clone(),
        for_you: form.for_you.is_some(),
        error,
        notice,
    };
    Ok(remember_csrf(
        state,
        no_store(status, render(&page)),
        &csrf,
        fresh,
    ))
}

/// The form, prefilled from the header's email box (`GET /subscribe?email=`).
pub(super) async fn subscribe_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<SubscribeForm>,
) -> Result<Response, PageError> {
    subscribe_page(&state, &headers, StatusCode::OK, &form, (None, None)).await
}

pub(super) async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Checked { who, form, client }: Checked<SubscribeForm>,
) -> Result<Response, PageError> {
    page_limit(
        &state,
        Action::Write,
        client,
        who.as_ref().map(|v| v.user.id),
    )?;
    let query = (!form.query.trim().is_empty()).then_some(form.query.as_str());
    let cats = split_categories(&form.categories);
    let cadence = form.cadence.clone().unwrap_or_else(|| "daily".into());
    let done = state
        .community
        .subscribe(
            &state.mail,
            &form.email,
            &cadence,
            Wanted {
                query,
                categories: &cats,
                for_you: form.for_you.is_some(),
            },
            who.as_ref().map(|v| &v.user),
        )
        .await;
    match done {
        Ok(r) => {
            let notice = if r.confirmation_sent {
                format!(
                    "Almost done: we sent a confirmation link to {}. Nothing else is sent until you click it.",
                    r.subscription.email
                )
            } else {
                format!("{} is already subscribed to this.", r.subscription.email)
            };
            let blank = SubscribeForm::default();
            subscribe_page(
                &state,
                &headers,
                StatusCode::OK,
                &blank,
                (None, Some(notice)),
            )
            .await
        }
        Err(AppError::Refused { fault, message, .. }) => {
            let status = fault_status(fault);
            subscribe_page(&state, &headers, status, &form, (Some(message), None)).await
        }
        Err(e) => Err(e.into()),
    }
}
