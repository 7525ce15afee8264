//! Accounts: sign-up, sign-in, sign-out and password resets as pages and
//! forms, the settings page with API tokens, and the JSON sign-up and token
//! endpoints.

mod api;
mod pages;
mod settings;

pub(crate) use settings::IdForm;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/signup",
            get(pages::entry_form::<true>).post(pages::enter::<true>),
        )
        .route(
            "/signin",
            get(pages::entry_form::<false>).post(pages::enter::<false>),
        )
        .route("/signout", post(pages::sign_out))
        .route("/reset", get(pages::reset_form).post(pages::reset))
        .route("/settings", get(settings::settings))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/revoke", post(settings::revoke_token))
        .route("/api/auth/signup", post(api::sign_up))
        .route("/api/auth/token", post(api::token))
}

/// Only same-site relative paths are followed after a form.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}
