//! `papers-web` is the HTTP face of Daily Papers: server-rendered HTML pages
//! (auto-escaped askama templates), the Hugging Face-compatible JSON API and
//! static assets. It only translates between HTTP and the store; it owns no
//! business rules and no SQL.

mod api;
mod cache;
mod pages;
pub mod wire;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use papers_core::{Clock, TrendingParams};
use papers_store::Store;
use tokio::net::TcpListener;

pub use cache::ResponseCache;

/// Settings the web layer needs.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// How long a rendered page or API answer may be served from memory.
    pub cache_ttl: Duration,
    pub trending: TrendingParams,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cache_ttl: Duration::from_secs(2),
            trending: TrendingParams::default(),
        }
    }
}

/// Everything a handler can reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    pub cache: ResponseCache,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let cache = ResponseCache::new(config.cache_ttl, 2048);
        AppState {
            store,
            clock,
            config: Arc::new(config),
            cache,
        }
    }
}

/// The whole site: pages, API and assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/papers/date/{date}", get(pages::day))
        .route("/papers/week/{week}", get(pages::week))
        .route("/papers/month/{month}", get(pages::month))
        .route("/papers/{id}", get(pages::paper))
        .route("/papers/{archive}/{num}", get(pages::old_style_paper))
        .route("/api/daily_papers", get(api::daily_papers))
        .route("/api/papers/{id}", get(api::paper))
        .route("/api/papers/{archive}/{num}", get(api::old_style_paper))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(pages::not_found)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the site on an already-bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
