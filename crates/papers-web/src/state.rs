//! What the handlers share: the site's settings and its state.

use std::sync::Arc;
use std::time::Duration;

use papers_app::{Catalog, Community, Finder, MailContext, SearchService};
use papers_core::{Clock, TrendingParams};

use crate::cache::ResponseCache;
use crate::limits::{IpPrefix, RateLimiter};
use tokio_util::task::TaskTracker;

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
    /// Reverse proxies whose `X-Forwarded-For` is believed (none by default:
    /// the socket peer is the client).
    pub trusted_proxies: Vec<IpPrefix>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            cache_ttl: Duration::from_secs(2),
            trending: TrendingParams::default(),
            secure_cookies: false,
            rate_limits: true,
            base_url: "http://127.0.0.1:8080".to_string(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Everything a handler can reach: the use cases, never the store. Cheap
/// to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Reading papers: the feed, trending, a paper, a category.
    pub(crate) catalog: Catalog,
    pub(crate) clock: Arc<dyn Clock>,
    pub community: Community,
    pub config: Arc<WebConfig>,
    pub cache: ResponseCache,
    pub limiter: RateLimiter,
    /// The mailer and what mails link to.
    pub mail: MailContext,
    /// The search engine; without it, search answers 500 and pages show no
    /// similar papers.
    pub search: Option<Arc<SearchService>>,
    /// Work a request starts and does not wait for (a reset mail, indexing
    /// a submitted paper): the server closes and awaits it at shutdown.
    pub background: TaskTracker,
}

impl AppState {
    /// State around the community use cases (which carry the store, the
    /// clock and the arXiv client).
    pub fn with_community(community: Community, config: WebConfig, mail: MailContext) -> Self {
        let cache = ResponseCache::new(config.cache_ttl, 2048);
        let limiter = RateLimiter::new(config.rate_limits);
        let catalog = community.catalog(config.trending);
        AppState {
            catalog,
            clock: community.clock.clone(),
            community,
            config: Arc::new(config),
            cache,
            limiter,
            mail,
            search: None,
            background: TaskTracker::new(),
        }
    }

    /// Adds the search engine.
    pub fn with_search(mut self, search: Arc<SearchService>) -> Self {
        self.search = Some(search);
        self
    }

    /// Search joined to the catalogue, when the server has an engine.
    pub(crate) fn finder(&self) -> Option<Finder> {
        let service = self.search.clone()?;
        Some(Finder::new(service, self.catalog.clone()))
    }
}
