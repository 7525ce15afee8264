//! Subscribing to mails, confirming (double opt-in), managing and
//! unsubscribing (no sign-in: the link's token is the proof; RFC 8058
//! one-click POST), the JSON `POST /api/subscriptions`, and category pages.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use papers_app::AppError;
use papers_store::Subscription;
use serde::Deserialize;

use crate::AppState;
use crate::api::{ApiError, fault_status};
use crate::community_pages::{anonymous_csrf, check_csrf, layout_for, with_cookie};
use crate::pages::{ItemView, Layout, PageError, render};
use crate::session::{Action, CSRF_COOKIE, client_ip, set_cookie, viewer};

#[derive(Template)]
#[template(path = "subscribe.html")]
struct SubscribePage {
    layout: Layout,
    csrf: String,
    email: String,
    cadence: String,
    query: String,
    categories: String,
    error: Option<String>,
    notice: Option<String>,
}

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

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    subtitle: String,
    feed_base: String,
    items: Vec<ItemView>,
}

fn label(s: &Subscription) -> String {
    let what = if let Some(q) = &s.query {
        format!("Papers matching “{q}”")
    } else if !s.categories.is_empty() {
        format!("New papers in {}", s.categories.join(", "))
    } else {
        "Trending papers".to_string()
    };
    format!("{what} ({})", s.cadence)
}

fn split_categories(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SubscribeForm {
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
}

async fn subscribe_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    form: &SubscribeForm,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let who = viewer(state, headers).await;
    let (csrf, fresh) = match &who {
        Some(v) => (v.csrf.clone(), false),
        None => match anonymous_csrf(headers) {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        },
    };
    let layout = match layout_for(state, who.as_ref()).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let email = if form.email.is_empty() {
        who.as_ref()
            .map(|v| v.user.email.clone())
            .unwrap_or_default()
    } else {
        form.email.clone()
    };
    let page = SubscribePage {
        layout,
        csrf: csrf.clone(),
        email,
        cadence: form.cadence.clone().unwrap_or_else(|| "daily".into()),
        query: form.query.clone(),
        categories: form.categories.clone(),
        error,
        notice,
    };
    let mut resp = (status, [(header::CACHE_CONTROL, "no-store")], render(&page)).into_response();
    if fresh {
        resp = with_cookie(resp, set_cookie(state, CSRF_COOKIE, &csrf, 60 * 60 * 24));
    }
    resp
}

/// The form, prefilled from the header's email box (`GET /subscribe?email=`).
pub(crate) async fn subscribe_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<SubscribeForm>,
) -> Response {
    subscribe_page(&state, &headers, StatusCode::OK, &form, None, None).await
}

pub(crate) async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SubscribeForm>,
) -> Response {
    let who = match check_csrf(&state, &headers, form.csrf.as_deref()).await {
        Ok(w) => w,
        Err(e) => return e.into_response(),
    };
    if let Err(wait) = state.limiter.check(
        Action::Write,
        client_ip(Some(peer)),
        who.as_ref().map(|v| v.user.id),
    ) {
        return PageError::TooMany(wait).into_response();
    }
    let query = (!form.query.trim().is_empty()).then_some(form.query.as_str());
    let cats = split_categories(&form.categories);
    let cadence = form.cadence.clone().unwrap_or_else(|| "daily".into());
    match state
        .community
        .subscribe(
            &state.mail,
            &form.email,
            &cadence,
            query,
            &cats,
            who.as_ref().map(|v| &v.user),
        )
        .await
    {
        Ok(r) => {
            let notice = if r.confirmation_sent {
                format!(
                    "Almost done: we sent a confirmation link to {}. Nothing else is sent until you click it.",
                    r.subscription.email
                )
            } else {
                format!("{} is already subscribed to this.", r.subscription.email)
            };
            subscribe_page(
                &state,
                &headers,
                StatusCode::OK,
                &SubscribeForm::default(),
                None,
                Some(notice),
            )
            .await
        }
        Err(AppError::Refused { fault, message, .. }) => {
            subscribe_page(
                &state,
                &headers,
                fault_status(fault),
                &form,
                Some(message),
                None,
            )
            .await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    id: Option<i64>,
}

async fn message(
    state: &AppState,
    status: StatusCode,
    heading: &str,
    message: String,
    action: Option<String>,
    button: &str,
) -> Response {
    match layout_for(state, None).await {
        Ok(layout) => (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            render(&MessagePage {
                layout,
                heading: heading.to_string(),
                message,
                action,
                button: button.to_string(),
            }),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    match state.community.confirm_subscription(&q.token).await {
        Ok(s) => {
            let msg = format!(
                "{} will get {}. Every mail has a link to manage or end it.",
                s.email,
                label(&s)
            );
            message(&state, StatusCode::OK, "You are subscribed", msg, None, "").await
        }
        Err(AppError::Refused {
            fault, message: m, ..
        }) => message(&state, fault_status(fault), "Link not valid", m, None, "").await,
        Err(e) => PageError::from(e).into_response(),
    }
}

async fn manage_page(state: &AppState, token: &str, notice: Option<String>) -> Response {
    match state.community.manage(token).await {
        Ok((sub, all)) => {
            let layout = match layout_for(state, None).await {
                Ok(l) => l,
                Err(e) => return e.into_response(),
            };
            let page = ManagePage {
                layout,
                email: sub.email.clone(),
                token: token.to_string(),
                subs: all
                    .iter()
                    .map(|s| SubRow {
                        id: s.id,
                        label: label(s),
                        status: s.status.clone(),
                    })
                    .collect(),
                notice,
            };
            ([(header::CACHE_CONTROL, "no-store")], render(&page)).into_response()
        }
        Err(AppError::Refused {
            fault, message: m, ..
        }) => message(state, fault_status(fault), "Link not valid", m, None, "").await,
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn manage(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    manage_page(&state, &q.token, None).await
}

/// The unsubscribe link opened in a browser: one button, so that mail
/// scanners that follow links do not unsubscribe anyone.
pub(crate) async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    match state.community.manage(&q.token).await {
        Ok((sub, _)) => {
            let action = format!("/unsubscribe?token={}", q.token);
            let msg = format!("Stop sending {} to {}?", label(&sub), sub.email);
            message(
                &state,
                StatusCode::OK,
                "Unsubscribe",
                msg,
                Some(action),
                "Unsubscribe",
            )
            .await
        }
        Err(AppError::Refused {
            fault, message: m, ..
        }) => message(&state, fault_status(fault), "Link not valid", m, None, "").await,
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `POST /unsubscribe?token=…` — the button, the manage page, and RFC 8058
/// one-click (`List-Unsubscribe=One-Click` in the body) all land here.
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    match state.community.unsubscribe(&q.token, q.id).await {
        Ok(s) => {
            let notice = format!(
                "Unsubscribed: {}. Nothing more of it will be sent.",
                label(&s)
            );
            manage_page(&state, &q.token, Some(notice)).await
        }
        Err(AppError::Refused {
            fault, message: m, ..
        }) => message(&state, fault_status(fault), "Link not valid", m, None, "").await,
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SubscribeBody {
    email: String,
    #[serde(default)]
    cadence: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    categories: Option<Vec<String>>,
}

/// `POST /api/subscriptions` → 202; the confirmation mail goes out.
pub(crate) async fn api_subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<SubscribeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    state
        .limiter
        .check(Action::Write, client_ip(Some(peer)), None)
        .map_err(ApiError::TooMany)?;
    let Json(b) = body.map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: e.body_text(),
    })?;
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
        Json(serde_json::json!({
            "id": r.subscription.id,
            "status": r.subscription.status,
            "confirmationSent": r.confirmation_sent,
        })),
    )
        .into_response())
}

/// `/papers/category/{cat}`: recent papers of an arXiv category.
pub(crate) async fn category_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(cat): Path<String>,
) -> Response {
    let who = viewer(&state, &headers).await;
    let result: Result<Html<String>, PageError> = async {
        let papers = crate::feeds::category_papers(&state, &cat).await?;
        let mut layout = layout_for(&state, who.as_ref()).await?;
        let path = format!("/papers/category/{cat}");
        layout.feed_path = Some(path.clone());
        Ok(render(&ListPage {
            layout,
            heading: format!("Recent papers in {cat}"),
            subtitle: "Listed or published in the last 30 days, most upvoted first".into(),
            feed_base: path,
            items: papers.iter().map(ItemView::from_listed).collect(),
        }))
    }
    .await;
    match result {
        Ok(h) => h.into_response(),
        Err(e) => e.into_response(),
    }
}
