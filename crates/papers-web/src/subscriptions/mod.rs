//! Subscribing to mails, confirming (double opt-in), managing and
//! unsubscribing (no sign-in: the link's token is the proof; RFC 8058
//! one-click POST), and the JSON `POST /api/subscriptions`.

mod api;
mod links;
mod pages;

use axum::Router;
use axum::routing::{get, post};
use papers_app::Subscription;

use crate::state::AppState;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::subscribe))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/subscribe",
            get(pages::subscribe_form).post(pages::subscribe),
        )
        .route(
            "/subscriptions/confirm",
            get(links::confirm_page).post(links::confirm),
        )
        .route("/subscriptions/manage", get(links::manage))
        .route(
            "/unsubscribe",
            get(links::unsubscribe_page).post(links::unsubscribe),
        )
        .route("/api/subscriptions", post(api::subscribe))
}

/// What a subscription sends, in words.
fn label(s: &Subscription) -> String {
    let what = if s.for_you {
        "Papers for you".to_string()
    } else if let Some(q) = &s.query {
        format!("Papers matching “{q}”")
    } else if !s.categories.is_empty() {
        format!("New papers in {}", s.categories.join(", "))
    } else {
        "Trending papers".to_string()
    };
    format!("{what} ({})", s.cadence)
}
