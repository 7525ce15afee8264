//! `papers-web` is the HTTP face of Daily Papers: server-rendered HTML pages
//! (auto-escaped askama templates), the Hugging Face-compatible JSON API and
//! static assets. It only translates between HTTP and the use cases of
//! `papers-app`; it owns no business rules, no SQL, and never reads the
//! store itself.
//!
//! One module per resource, each with its pages, its JSON and its routes;
//! the pieces they share (errors, extractors, guards, views, the cache,
//! the wire format) sit beside them and import none of them.

mod admin;
mod assets;
mod auth;
mod authors;
mod cache;
mod category;
mod collections;
mod comments;
mod daily;
mod error;
mod extract;
mod feeds;
mod follows;
mod for_you;
mod guard;
mod hardening;
mod health;
mod limits;
mod mcp;
mod notify;
mod openapi;
mod papers;
mod search;
mod session;
mod state;
mod submit;
mod subscriptions;
mod trending;
mod view;
mod votes;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use papers_app::MailContext;
use tokio::net::TcpListener;

pub use cache::ResponseCache;
pub use limits::{IpPrefix, RateLimiter};
pub use state::{AppState, WebConfig};

/// A mail context that keeps mails in memory (tests; a site without SMTP
/// uses an outbox directory instead).
pub fn memory_mail(base_url: &str) -> Result<MailContext, papers_mail::ComposeError> {
    Ok(MailContext {
        mailer: papers_mail::Mailer::memory(papers_mail::MemoryMailbox::new()),
        settings: papers_mail::MailSettings::new("Daily Papers <papers@localhost>", base_url)?,
        retry: papers_app::default_retry(),
    })
}

/// The whole site: pages, API and assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(daily::routes())
        .merge(trending::routes())
        .merge(papers::routes())
        .merge(search::routes())
        .merge(feeds::routes())
        .merge(category::routes())
        .merge(subscriptions::routes())
        .merge(auth::routes())
        .merge(submit::routes())
        .merge(votes::routes())
        .merge(comments::routes())
        .merge(collections::routes())
        .merge(for_you::routes())
        .merge(follows::routes())
        .merge(admin::routes())
        .merge(authors::routes())
        .merge(health::routes())
        .merge(assets::routes())
        .merge(mcp::routes(state.clone()))
        .merge(openapi::routes())
        .fallback(assets::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::primary_for_writers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            view::error_pages,
        ))
        // Every GET answer's coding (gzip, brotli), ETag and 304.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::deliver,
        ))
        .layer(axum::middleware::from_fn(hardening::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            hardening::panic_response,
        ))
        .with_state(state)
}

/// Serves the site on an already-bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
