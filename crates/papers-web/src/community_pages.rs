//! The community's HTML pages and form posts: sign-up, sign-in, sign-out,
//! password reset, settings (API tokens), submitting, voting, commenting,
//! moderation and the trending page. Every form that changes state carries a
//! CSRF token; a post without a valid one gets a 403.

// Handlers return early with a ready `Response`; boxing it buys nothing here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use papers_app::{AppError, random_token};
use papers_core::Role;
use serde::Deserialize;

use crate::AppState;
use crate::pages::{ItemView, Layout, PageError, latest_day, render};
use crate::session::{
    Action, CSRF_COOKIE, SESSION_COOKIE, Viewer, client_ip, cookie, same_secret, set_cookie, viewer,
};

#[derive(Template)]
#[template(path = "auth.html")]
struct AuthPage {
    layout: Layout,
    heading: &'static str,
    mode: &'static str,
    action: &'static str,
    button: &'static str,
    csrf: String,
    next: String,
    username: String,
    email: String,
    token: String,
    min_password: usize,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    username: String,
    email: String,
    tokens: Vec<(i64, String, String, bool)>,
    new_token: Option<String>,
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    layout: Layout,
    quota: u64,
    id: String,
    comment: String,
    error: Option<String>,
    link: Option<String>,
}

struct TrendingRow {
    item: ItemView,
    votes: i64,
    age_hours: String,
    decay: String,
    score: String,
}

#[derive(Template)]
#[template(path = "trending.html")]
struct TrendingPage {
    layout: Layout,
    gravity: f64,
    offset_hours: f64,
    window_days: u32,
    items: Vec<TrendingRow>,
}

/// Only same-site relative paths are followed after a form.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub(crate) async fn layout_for(
    state: &AppState,
    who: Option<&Viewer>,
) -> Result<Layout, PageError> {
    Ok(Layout::for_viewer(latest_day(state).await?, who))
}

/// The anonymous double-submit CSRF token: the `dp_csrf` cookie's value, or a
/// fresh one to set.
pub(crate) fn anonymous_csrf(headers: &HeaderMap) -> Result<(String, bool), PageError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(v) if v.len() >= 32 => Ok((v, false)),
        _ => Ok((random_token("").map_err(PageError::from)?, true)),
    }
}

/// Checks the form's CSRF token: against the session when signed in, else
/// against the `dp_csrf` cookie. Answers the viewer, if any.
pub(crate) async fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    sent: Option<&str>,
) -> Result<Option<Viewer>, PageError> {
    let sent = sent.unwrap_or("");
    let who = viewer(state, headers).await;
    let expected = match &who {
        Some(v) => Some(v.csrf.clone()),
        None => cookie(headers, CSRF_COOKIE),
    };
    match expected {
        Some(e) if !sent.is_empty() && same_secret(&e, sent) => Ok(who),
        _ => Err(PageError::Forbidden(
            "This form has expired or did not come from this site (CSRF check failed). Reload the page and try again.".into(),
        )),
    }
}

fn limit(
    state: &AppState,
    action: Action,
    peer: SocketAddr,
    user: Option<i64>,
) -> Result<(), PageError> {
    state
        .limiter
        .check(action, client_ip(Some(peer)), user)
        .map_err(PageError::TooMany)
}

/// A signed-in viewer, or a redirect to the sign-in page.
fn require(who: Option<Viewer>, next: &str) -> Result<Viewer, Response> {
    who.ok_or_else(|| Redirect::to(&format!("/signin?next={}", urlencode(next))).into_response())
}

/// Percent-encodes a local path for a `next=` value (slashes kept).
fn urlencode(s: &str) -> String {
    const PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(s, PATH).to_string()
}

pub(crate) fn with_cookie(mut resp: Response, value: HeaderValue) -> Response {
    resp.headers_mut().append(header::SET_COOKIE, value);
    resp
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
    token: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn auth_page(
    state: &AppState,
    headers: &HeaderMap,
    mode: &'static str,
    status: StatusCode,
    next: &str,
    username: &str,
    email: &str,
    token: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    // Signed in, the session's token is the one `check_csrf` expects.
    let (csrf, fresh) = match viewer(state, headers).await {
        Some(v) => (v.csrf, false),
        None => match anonymous_csrf(headers) {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        },
    };
    let layout = match layout_for(state, None).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let (heading, action, button) = match mode {
        "signup" => ("Create your account", "/signup", "Sign up"),
        "reset-request" => ("Reset your password", "/reset", "Email me a reset link"),
        "reset" => ("Choose a new password", "/reset", "Set password"),
        _ => ("Sign in", "/signin", "Sign in"),
    };
    let page = AuthPage {
        layout,
        heading,
        mode,
        action,
        button,
        csrf: csrf.clone(),
        next: next.to_string(),
        username: username.to_string(),
        email: email.to_string(),
        token: token.to_string(),
        min_password: state.community.settings.min_password_len,
        error,
        notice,
    };
    let mut resp = (status, [(header::CACHE_CONTROL, "no-store")], render(&page)).into_response();
    if fresh {
        resp = with_cookie(resp, set_cookie(state, CSRF_COOKIE, &csrf, 60 * 60 * 24));
    }
    resp
}

fn refusal_text(e: &AppError) -> Option<(StatusCode, String)> {
    match e {
        AppError::Refused { fault, message, .. } => {
            Some((crate::api::fault_status(*fault), message.clone()))
        }
        _ => None,
    }
}

pub(crate) async fn sign_up_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    auth_page(
        &state,
        &headers,
        "signup",
        StatusCode::OK,
        &next,
        "",
        "",
        "",
        None,
        None,
    )
    .await
}

pub(crate) async fn sign_in_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    auth_page(
        &state,
        &headers,
        "signin",
        StatusCode::OK,
        &next,
        "",
        "",
        "",
        None,
        None,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
}

async fn start_session(state: &AppState, user: &papers_core::User, next: &str) -> Response {
    match state.community.open_session(user).await {
        Ok(s) => {
            let max_age = (s.expires.as_second() - state.clock.now().as_second()).max(0);
            with_cookie(
                Redirect::to(next).into_response(),
                set_cookie(state, SESSION_COOKIE, &s.cookie_value, max_age),
            )
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<AuthForm>,
) -> Response {
    if let Err(e) = check_csrf(&state, &headers, f.csrf.as_deref()).await {
        return e.into_response();
    }
    if let Err(e) = limit(&state, Action::SignIn, peer, None) {
        return e.into_response();
    }
    let next = safe_next(f.next.as_deref());
    match state
        .community
        .sign_up(&f.username, &f.email, &f.password, Role::User)
        .await
    {
        Ok(user) => start_session(&state, &user, &next).await,
        Err(e) => match refusal_text(&e) {
            Some((status, msg)) => {
                auth_page(
                    &state,
                    &headers,
                    "signup",
                    status,
                    &next,
                    &f.username,
                    &f.email,
                    "",
                    Some(msg),
                    None,
                )
                .await
            }
            None => PageError::from(e).into_response(),
        },
    }
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<AuthForm>,
) -> Response {
    if let Err(e) = check_csrf(&state, &headers, f.csrf.as_deref()).await {
        return e.into_response();
    }
    if let Err(e) = limit(&state, Action::SignIn, peer, None) {
        return e.into_response();
    }
    let next = safe_next(f.next.as_deref());
    match state
        .community
        .check_credentials(&f.username, &f.password)
        .await
    {
        Ok(user) => start_session(&state, &user, &next).await,
        Err(e) => match refusal_text(&e) {
            Some((status, msg)) => {
                auth_page(
                    &state,
                    &headers,
                    "signin",
                    status,
                    &next,
                    &f.username,
                    "",
                    "",
                    Some(msg),
                    None,
                )
                .await
            }
            None => PageError::from(e).into_response(),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = check_csrf(&state, &headers, f.csrf.as_deref()).await {
        return e.into_response();
    }
    if let Some(value) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.community.sign_out(&value).await
    {
        return PageError::from(e).into_response();
    }
    with_cookie(
        Redirect::to("/").into_response(),
        set_cookie(&state, SESSION_COOKIE, "", 0),
    )
}

pub(crate) async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    match q.token {
        Some(t) => {
            auth_page(
                &state,
                &headers,
                "reset",
                StatusCode::OK,
                "/",
                "",
                "",
                &t,
                None,
                None,
            )
            .await
        }
        None => {
            auth_page(
                &state,
                &headers,
                "reset-request",
                StatusCode::OK,
                "/",
                "",
                "",
                "",
                None,
                None,
            )
            .await
        }
    }
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<AuthForm>,
) -> Response {
    if let Err(e) = check_csrf(&state, &headers, f.csrf.as_deref()).await {
        return e.into_response();
    }
    if let Err(e) = limit(&state, Action::SignIn, peer, None) {
        return e.into_response();
    }
    if !f.token.is_empty() {
        return match state.community.reset_password(&f.token, &f.password).await {
            Ok(()) => {
                auth_page(
                    &state,
                    &headers,
                    "signin",
                    StatusCode::OK,
                    "/",
                    "",
                    "",
                    "",
                    None,
                    Some("Your password was changed. Sign in with the new one.".into()),
                )
                .await
            }
            Err(e) => match refusal_text(&e) {
                Some((status, msg)) => {
                    auth_page(
                        &state,
                        &headers,
                        "reset",
                        status,
                        "/",
                        "",
                        "",
                        &f.token,
                        Some(msg),
                        None,
                    )
                    .await
                }
                None => PageError::from(e).into_response(),
            },
        };
    }
    match state.community.request_password_reset(&f.email).await {
        Ok(found) => {
            if let Some((user, token)) = found {
                crate::notify::password_reset(
                    &state.mail,
                    &state.config.base_url,
                    &user,
                    &token,
                    state.clock.now(),
                )
                .await;
            }
            let msg = "If an account uses that address, a reset link is on its way. It works once, for an hour.";
            auth_page(
                &state,
                &headers,
                "reset-request",
                StatusCode::OK,
                "/",
                "",
                "",
                "",
                None,
                Some(msg.into()),
            )
            .await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

async fn settings_page(
    state: &AppState,
    who: &Viewer,
    new_token: Option<String>,
) -> Result<Html<String>, PageError> {
    let tokens = state
        .store
        .api_tokens(who.user.id)
        .await?
        .into_iter()
        .map(|(id, name, created, revoked)| (id, name, created.chars().take(10).collect(), revoked))
        .collect();
    Ok(render(&SettingsPage {
        layout: layout_for(state, Some(who)).await?,
        username: who.user.username.clone(),
        email: who.user.email.clone(),
        tokens,
        new_token,
    }))
}

pub(crate) async fn settings(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let who = match require(viewer(&state, &headers).await, "/settings") {
        Ok(v) => v,
        Err(r) => return r,
    };
    match settings_page(&state, &who, None).await {
        Ok(html) => ([(header::CACHE_CONTROL, "private, no-store")], html).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct IdForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
}

/// Common start of every signed-in form post: CSRF, sign-in, rate limit.
async fn signed_in_post(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    csrf: Option<&str>,
    back: &str,
) -> Result<Viewer, Response> {
    let who = check_csrf(state, headers, csrf)
        .await
        .map_err(IntoResponse::into_response)?;
    let who = require(who, back)?;
    limit(state, Action::Write, peer, Some(who.user.id)).map_err(IntoResponse::into_response)?;
    Ok(who)
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<IdForm>,
) -> Response {
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), "/settings").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .community
        .create_api_token(&who.user, f.name.as_deref().unwrap_or(""))
        .await
    {
        Ok((_, token)) => match settings_page(&state, &who, Some(token)).await {
            Ok(html) => ([(header::CACHE_CONTROL, "private, no-store")], html).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<IdForm>,
) -> Response {
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), "/settings").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = f.id.as_deref().and_then(|s| s.parse().ok()).unwrap_or(-1);
    match state.community.revoke_api_token(&who.user, id).await {
        Ok(()) => Redirect::to("/settings").into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn submit_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let who = match require(viewer(&state, &headers).await, "/submit") {
        Ok(v) => v,
        Err(r) => return r,
    };
    match layout_for(&state, Some(&who)).await {
        Ok(layout) => render(&SubmitPage {
            layout,
            quota: state.community.settings.daily_submission_quota,
            id: String::new(),
            comment: String::new(),
            error: None,
            link: None,
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SubmitForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    comment: String,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<SubmitForm>,
) -> Response {
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), "/submit").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .community
        .submit(&who.user, &f.id, Some(&f.comment))
        .await
    {
        Ok(s) => {
            state.cache.invalidate();
            crate::search::index_soon(&state);
            Redirect::to(&format!("/papers/{}", s.paper_id.base())).into_response()
        }
        Err(e) => {
            let (status, msg, link) = match &e {
                AppError::Refused {
                    fault,
                    message,
                    link,
                    ..
                } => (
                    crate::api::fault_status(*fault),
                    message.clone(),
                    link.clone(),
                ),
                AppError::Upstream(_) => (
                    StatusCode::BAD_GATEWAY,
                    "arXiv could not be reached. Please try again in a minute.".to_string(),
                    None,
                ),
                _ => return PageError::from(e).into_response(),
            };
            match layout_for(&state, Some(&who)).await {
                Ok(layout) => (
                    status,
                    render(&SubmitPage {
                        layout,
                        quota: state.community.settings.daily_submission_quota,
                        id: f.id.clone(),
                        comment: f.comment.clone(),
                        error: Some(msg),
                        link,
                    }),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct VoteForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: String,
    #[serde(default)]
    action: Option<String>,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn back_to(headers: &HeaderMap, fallback: &str) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            let rest = r.split_once("://")?.1;
            let path = rest.strip_prefix(host)?;
            Some(safe_next(Some(path)))
        })
        .unwrap_or_else(|| fallback.to_string())
}

pub(crate) async fn vote(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<VoteForm>,
) -> Response {
    let paper_path = format!("/papers/{}", f.paper);
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), &paper_path).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let up = f.action.as_deref() != Some("down");
    match state.community.vote(&who.user, &f.paper, up).await {
        Ok(total) => {
            state.cache.invalidate();
            if wants_json(&headers) {
                axum::Json(serde_json::json!({ "upvotes": total, "voted": up })).into_response()
            } else {
                Redirect::to(&back_to(&headers, &paper_path)).into_response()
            }
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    body: String,
}

fn parse_id(s: Option<&str>) -> Result<Option<i64>, PageError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| PageError::BadRequest(format!("{v:?} is not a comment id."))),
    }
}

pub(crate) async fn comment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Response {
    let paper_path = format!("/papers/{}", f.paper);
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), &paper_path).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let parent = match parse_id(f.parent.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match state
        .community
        .add_comment(&who.user, &f.paper, parent, &f.body)
        .await
    {
        Ok(id) => {
            state.cache.invalidate();
            Redirect::to(&format!("{paper_path}#c{id}")).into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// Finds the paper page a comment belongs to.
async fn comment_page(state: &AppState, id: i64) -> String {
    match state.store.comment(id).await {
        Ok(Some(c)) => format!("/papers/{}#c{id}", c.paper_id),
        _ => "/".to_string(),
    }
}

/// What a comment form asks for.
#[derive(Clone, Copy)]
enum CommentAction {
    Edit,
    Delete,
    Hide,
}

/// Edit, delete (its author) or hide (an admin) a comment, then go back to it.
async fn comment_action(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    f: CommentForm,
    action: CommentAction,
) -> Response {
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), "/").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = match parse_id(f.id.as_deref()) {
        Ok(Some(id)) => id,
        Ok(None) => return PageError::BadRequest("Which comment?".into()).into_response(),
        Err(e) => return e.into_response(),
    };
    let c = &state.community;
    let done = match action {
        CommentAction::Edit => c.edit_comment(&who.user, id, &f.body).await,
        CommentAction::Delete => c.delete_comment(&who.user, id).await,
        CommentAction::Hide => c.hide_comment(&who.user, id).await,
    };
    match done {
        Ok(()) => {
            state.cache.invalidate();
            Redirect::to(&comment_page(&state, id).await).into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn edit_comment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Response {
    comment_action(state, peer, headers, f, CommentAction::Edit).await
}

pub(crate) async fn delete_comment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Response {
    comment_action(state, peer, headers, f, CommentAction::Delete).await
}

pub(crate) async fn hide_comment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Response {
    comment_action(state, peer, headers, f, CommentAction::Hide).await
}

pub(crate) async fn hide_paper(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let who = match signed_in_post(
        &state,
        &headers,
        peer,
        f.get("csrf").map(String::as_str),
        "/",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let paper = f.get("paper").cloned().unwrap_or_default();
    match state.community.hide_paper(&who.user, &paper, true).await {
        Ok(()) => {
            state.cache.invalidate();
            Redirect::to("/").into_response()
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn ban(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<IdForm>,
) -> Response {
    let who = match signed_in_post(&state, &headers, peer, f.csrf.as_deref(), "/settings").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .community
        .ban(&who.user, f.username.as_deref().unwrap_or(""), true)
        .await
    {
        Ok(()) => Redirect::to("/settings").into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

pub(crate) async fn trending(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let who = viewer(&state, &headers).await;
    let result: Result<Html<String>, PageError> = async {
        let items = state.community.trending(60).await?;
        let params = state.community.settings.trending;
        let rows = items
            .iter()
            .map(|t| TrendingRow {
                item: ItemView::from_listed(&t.paper),
                votes: t.score.votes,
                age_hours: format!("{:.1}", t.score.age_hours),
                decay: format!("{:.1}", t.score.decay),
                score: format!("{:.4}", t.score.score),
            })
            .collect();
        let mut layout = layout_for(&state, who.as_ref()).await?;
        layout.feed_path = Some("/papers/trending".into());
        Ok(render(&TrendingPage {
            layout,
            gravity: params.gravity,
            offset_hours: params.offset_hours,
            window_days: params.window_days,
            items: rows,
        }))
    }
    .await;
    match result {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}
