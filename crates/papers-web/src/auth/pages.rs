//! Sign-up, sign-in, sign-out and password resets. Every form carries a
//! CSRF token; before sign-in it is the double-submit `dp_csrf` cookie's.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use papers_app::AppError;
use papers_core::{Role, User};
use serde::Deserialize;

use super::safe_next;
use crate::error::{PageError, fault_status};
use crate::guard::{Checked, SignInForm, csrf_form, form_csrf, remember_csrf};
use crate::session::{cookie, session_cookie, set_cookie, viewer, with_cookie};
use crate::state::AppState;
use crate::view::{Layout, no_store, render};

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

/// What an account form shows: which form, and what to fill back in.
#[derive(Debug, Default)]
struct AuthView<'a> {
    /// `signup`, `signin`, `reset-request` or `reset`.
    mode: &'static str,
    status: StatusCode,
    next: &'a str,
    username: &'a str,
    email: &'a str,
    token: &'a str,
    error: Option<String>,
    notice: Option<String>,
}

impl<'a> AuthView<'a> {
    fn new(mode: &'static str, next: &'a str) -> Self {
        AuthView {
            mode,
            next,
            ..AuthView::default()
        }
    }

    /// The same form again, with the refusal's status and message.
    fn refused(mut self, status: StatusCode, message: String) -> Self {
        self.status = status;
        self.error = Some(message);
        self
    }
}

async fn auth_page(
    state: &AppState,
    headers: &HeaderMap,
    v: AuthView<'_>,
) -> Result<Response, PageError> {
    // Signed in, the session's token is the one the form check expects.
    let who = viewer(state, headers).await;
    let (csrf, fresh) = form_csrf(state, who.as_ref(), headers)?;
    let layout = Layout::load(state, None).await?;
    let (heading, action, button) = match v.mode {
        "signup" => ("Create your account", "/signup", "Sign up"),
        "reset-request" => ("Reset your password", "/reset", "Email me a reset link"),
        "reset" => ("Choose a new password", "/reset", "Set password"),
        _ => ("Sign in", "/signin", "Sign in"),
    };
    let page = AuthPage {
        layout,
        heading,
        mode: v.mode,
        action,
        button,
        csrf: csrf.clone(),
        next: v.next.to_string(),
        username: v.username.to_string(),
        email: v.email.to_string(),
        token: v.token.to_string(),
        min_password: state.community.settings.min_password_len,
        error: v.error,
        notice: v.notice,
    };
    Ok(remember_csrf(
        state,
        no_store(v.status, render(&page)),
        &csrf,
        fresh,
    ))
}

/// The form again when the use case refused (with its status and message);
/// any other failure is ours.
async fn again_or_fail(
    state: &AppState,
    headers: &HeaderMap,
    e: AppError,
    v: AuthView<'_>,
) -> Result<Response, PageError> {
    match e {
        AppError::Refused { fault, message, .. } => {
            auth_page(state, headers, v.refused(fault_status(fault), message)).await
        }
        e => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
    token: Option<String>,
}

/// The sign-up (`SIGN_UP`) or sign-in form.
pub(super) async fn entry_form<const SIGN_UP: bool>(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(q.next.as_deref());
    let mode = if SIGN_UP { "signup" } else { "signin" };
    auth_page(&state, &headers, AuthView::new(mode, &next)).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AuthForm {
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

csrf_form!(AuthForm);

async fn start_session(state: &AppState, user: &User, next: &str) -> Result<Response, PageError> {
    let s = state.community.open_session(user).await?;
    let max_age = (s.expires.as_second() - state.clock.now().as_second()).max(0);
    Ok(with_cookie(
        Redirect::to(next).into_response(),
        set_cookie(state, session_cookie(state), &s.cookie_value, max_age),
    ))
}

/// Signs up (`SIGN_UP`) or in, and opens a session; a refusal shows the
/// form again with what was typed (but the password).
pub(super) async fn enter<const SIGN_UP: bool>(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignInForm(f): SignInForm<AuthForm>,
) -> Result<Response, PageError> {
    let next = safe_next(f.next.as_deref());
    let c = &state.community;
    let done = if SIGN_UP {
        c.sign_up(&f.username, &f.email, &f.password, Role::User)
            .await
    } else {
        c.check_credentials(&f.username, &f.password).await
    };
    match done {
        // A new account with nowhere else to go chooses its interests.
        Ok(user) if SIGN_UP && next == "/" => {
            start_session(&state, &user, "/settings/interests?welcome=1").await
        }
        Ok(user) => start_session(&state, &user, &next).await,
        Err(e) => {
            let mut v = AuthView::new(if SIGN_UP { "signup" } else { "signin" }, &next);
            v.username = &f.username;
            if SIGN_UP {
                v.email = &f.email;
            }
            again_or_fail(&state, &headers, e, v).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: Option<String>,
}

csrf_form!(CsrfOnly);

pub(super) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: Checked<CsrfOnly>,
) -> Result<Response, PageError> {
    if let Some(value) = cookie(&headers, session_cookie(&state)) {
        state.community.sign_out(&value).await?;
    }
    Ok(with_cookie(
        Redirect::to("/").into_response(),
        set_cookie(&state, session_cookie(&state), "", 0),
    ))
}

pub(super) async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let v = match &q.token {
        Some(t) => AuthView {
            token: t,
            ..AuthView::new("reset", "/")
        },
        None => AuthView::new("reset-request", "/"),
    };
    auth_page(&state, &headers, v).await
}

pub(super) async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignInForm(f): SignInForm<AuthForm>,
) -> Result<Response, PageError> {
    if !f.token.is_empty() {
        return match state.community.reset_password(&f.token, &f.password).await {
            Ok(()) => {
                let notice = "Your password was changed. Sign in with the new one.";
                let v = AuthView {
                    notice: Some(notice.into()),
                    ..AuthView::new("signin", "/")
                };
                auth_page(&state, &headers, v).await
            }
            Err(e) => {
                let v = AuthView {
                    token: &f.token,
                    ..AuthView::new("reset", "/")
                };
                again_or_fail(&state, &headers, e, v).await
            }
        };
    }
    // Queued: whether an account has the address (a look-up, a hash and a
    // mail) never shows in the time the answer takes.
    let queued = state.clone();
    state.background.spawn(async move {
        // One mail for each account the address has, naming it: addresses
        // are not unique, and a link resets only the account it names.
        match queued.community.request_password_reset(&f.email).await {
            Ok(links) => {
                for (user, token) in links {
                    crate::notify::password_reset(&queued, &user, &token).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "a password reset request failed"),
        }
    });
    let msg =
        "If an account uses that address, a reset link is on its way. It works once, for an hour.";
    let v = AuthView {
        notice: Some(msg.into()),
        ..AuthView::new("reset-request", "/")
    };
    auth_page(&state, &headers, v).await
}
