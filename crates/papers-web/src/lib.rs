//! `papers-web` is the HTTP face of Daily Papers: server-rendered HTML pages
//! (auto-escaped askama templates), the Hugging Face-compatible JSON API and
//! static assets. It only translates between HTTP and the store; it owns no
//! business rules and no SQL.

mod api;
mod cache;
mod community_api;
mod community_pages;
mod feeds;
mod notify;
mod pages;
mod search;
mod session;
mod subscriptions;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use papers_app::{Community, CommunitySettings, MailContext};
use papers_core::{Clock, TrendingParams};
use papers_ingest::harvest::{ArxivApiClient, HarvestConfig, HttpFetcher};
use papers_store::Store;
use tokio::net::TcpListener;

pub use cache::ResponseCache;
pub use session::RateLimiter;

/// Settings the web layer needs.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// How long a rendered page or API answer may be served from memory.
    pub cache_ttl: Duration,
    pub trending: TrendingParams,
    /// Mark cookies `Secure` (the site is served over https).
    pub secure_cookies: bool,
    /// Per-IP and per-user rate limits on sign-in and writes.
    pub rate_limits: bool,
    /// The site's public address, for feeds and mails.
    pub base_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cache_ttl: Duration::from_secs(2),
            trending: TrendingParams::default(),
            secure_cookies: false,
            rate_limits: true,
            base_url: "http://127.0.0.1:8080".to_string(),
        }
    }
}

/// Everything a handler can reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub community: Community,
    pub config: Arc<WebConfig>,
    pub cache: ResponseCache,
    pub limiter: RateLimiter,
    /// The mailer and what mails link to.
    pub mail: MailContext,
    /// The search engine; without it, search answers 500 and pages show no
    /// similar papers.
    pub search: Option<Arc<papers_app::SearchService>>,
}

impl AppState {
    /// State around the community use cases (which carry the store, the
    /// clock and the arXiv client).
    pub fn with_community(community: Community, config: WebConfig, mail: MailContext) -> Self {
        let cache = ResponseCache::new(config.cache_ttl, 2048);
        let limiter = RateLimiter::new(config.rate_limits);
        AppState {
            store: community.store.clone(),
            clock: community.clock.clone(),
            community,
            config: Arc::new(config),
            cache,
            limiter,
            mail,
            search: None,
        }
    }

    /// Adds the search engine.
    pub fn with_search(mut self, search: Arc<papers_app::SearchService>) -> Self {
        self.search = Some(search);
        self
    }

    /// State with default community settings and the public arXiv API.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: WebConfig,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let mail = memory_mail(&config.base_url)?;
        let arxiv = ArxivApiClient::new(
            ArxivApiClient::DEFAULT_BASE,
            HttpFetcher::new(HarvestConfig::default())?,
        );
        let settings = CommunitySettings {
            trending: config.trending,
            ..CommunitySettings::default()
        };
        Ok(AppState::with_community(
            Community::new(store, clock, arxiv, settings),
            config,
            mail,
        ))
    }
}

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
        .route("/", get(pages::home))
        .route("/papers/date/{date}", get(pages::day))
        .route("/papers/week/{week}", get(pages::week))
        .route("/papers/month/{month}", get(pages::month))
        .route("/papers/{archive}/{num}", get(pages::old_style_paper))
        .route("/papers", get(search::page))
        .route("/papers/{file}", get(paper_or_search_feed))
        .route("/api/papers/search", get(search::api))
        .route("/api/papers/{id}/similar", get(search::similar))
        .route(
            "/api/papers/{archive}/{num}/similar",
            get(search::similar_old),
        )
        .route("/papers/trending", get(community_pages::trending))
        .route("/papers/trending/{file}", get(feeds::trending))
        .route("/papers/date/{date}/{file}", get(feeds::day))
        .route("/papers/week/{week}/{file}", get(feeds::week))
        .route("/papers/month/{month}/{file}", get(feeds::month))
        .route("/papers/category/{cat}", get(subscriptions::category_page))
        .route("/papers/category/{cat}/{file}", get(feeds::category))
        .route(
            "/subscribe",
            get(subscriptions::subscribe_form).post(subscriptions::subscribe),
        )
        .route("/subscriptions/confirm", get(subscriptions::confirm))
        .route("/subscriptions/manage", get(subscriptions::manage))
        .route(
            "/unsubscribe",
            get(subscriptions::unsubscribe_page).post(subscriptions::unsubscribe),
        )
        .route("/api/subscriptions", post(subscriptions::api_subscribe))
        .route(
            "/signup",
            get(community_pages::sign_up_form).post(community_pages::sign_up),
        )
        .route(
            "/signin",
            get(community_pages::sign_in_form).post(community_pages::sign_in),
        )
        .route("/signout", post(community_pages::sign_out))
        .route(
            "/reset",
            get(community_pages::reset_form).post(community_pages::reset),
        )
        .route("/settings", get(community_pages::settings))
        .route("/settings/tokens", post(community_pages::create_token))
        .route(
            "/settings/tokens/revoke",
            post(community_pages::revoke_token),
        )
        .route(
            "/submit",
            get(community_pages::submit_form).post(community_pages::submit),
        )
        .route("/vote", post(community_pages::vote))
        .route("/comment", post(community_pages::comment))
        .route("/comment/edit", post(community_pages::edit_comment))
        .route("/comment/delete", post(community_pages::delete_comment))
        .route("/admin/hide-paper", post(community_pages::hide_paper))
        .route("/admin/hide-comment", post(community_pages::hide_comment))
        .route("/admin/ban", post(community_pages::ban))
        .route("/api/daily_papers", get(api::daily_papers))
        .route("/api/auth/signup", post(community_api::sign_up))
        .route("/api/auth/token", post(community_api::token))
        .route("/api/papers/submit", post(community_api::submit))
        .route("/api/papers/{id}", get(api::paper))
        .route("/api/papers/{archive}/{num}", get(api::old_style_paper))
        .route(
            "/api/papers/{id}/upvote",
            post(community_api::upvote).delete(community_api::unvote),
        )
        .route(
            "/api/papers/{archive}/{num}/upvote",
            post(community_api::upvote_old).delete(community_api::unvote_old),
        )
        .route(
            "/api/papers/{id}/comments",
            get(community_api::comments).post(community_api::add_comment),
        )
        .route(
            "/api/papers/{archive}/{num}/comments",
            get(community_api::comments_old).post(community_api::add_comment_old),
        )
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(pages::not_found)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// `/papers/feed.atom?q=` is a search feed; any other `/papers/{id}` a paper.
async fn paper_or_search_feed(
    state: axum::extract::State<AppState>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    path: axum::extract::Path<String>,
    query: axum::extract::Query<search::SearchParams>,
) -> axum::response::Response {
    if path.0 == "feed.atom" || path.0 == "feed.rss" {
        search::feed(state, uri, headers, path, query).await
    } else {
        pages::paper(state, uri, headers, path).await
    }
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
