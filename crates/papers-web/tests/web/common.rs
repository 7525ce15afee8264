//! A real server on a loopback port per test, a tiny cookie-keeping browser,
//! and a loopback stand-in for the arXiv API that replays recorded responses.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use papers_app::{Community, CommunitySettings};
use papers_core::{
    ArxivId, Author, DailyListing, FixedClock, IngestRecord, Paper, Role, Submitter,
};
use papers_ingest::harvest::{ArxivApiClient, HarvestConfig, HttpFetcher};
use papers_store::Store;
use papers_web::{AppState, WebConfig, memory_mail};

pub const NOW: &str = "2026-08-21T15:00:00Z";

pub struct Site {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The store behind the site, for what tests set up or check directly.
    pub store: Store,
    pub clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub fn record(
    id: &str,
    title: &str,
    abstract_text: &str,
    day: &str,
    pos: i64,
    upvotes: i64,
) -> IngestRecord {
    let mut p = Paper::new(ArxivId::parse(id).unwrap(), title, abstract_text);
    p.authors = vec![
        Author::named("Ada Lovelace"),
        Author::named("Alan Turing"),
        Author::named("Grace Hopper"),
    ];
    p.upvotes = Some(upvotes);
    p.published_at = Some("2026-08-19T17:00:00Z".parse().unwrap());
    p.github_repo = Some(format!("https://github.com/example/{pos}"));
    p.github_stars = Some(42 + pos);
    IngestRecord {
        listing: Some(DailyListing {
            paper_id: p.id.clone(),
            day: day.parse().unwrap(),
            position: pos,
            submitted_at: Some(format!("{day}T01:02:03.456Z").parse().unwrap()),
            item_published_at: None,
            submitter: Some(Submitter {
                name: "taesiri".into(),
                profile: serde_json::json!({"_id": "6039478ab3ecf716b1a5fd4d", "name": "taesiri", "fullname": "taesiri", "type": "user"}),
            }),
            comment: None,
            thumbnail: None,
            is_author_participating: Some(false),
        }),
        paper: p,
    }
}

#[derive(Clone)]
pub struct Options {
    /// Attach a search engine with the tiny deterministic embedder.
    pub search: bool,
    pub rate_limits: bool,
    pub quota: u64,
    pub arxiv_base: String,
    pub cache_ttl: Duration,
    pub trusted_proxies: Vec<papers_web::IpPrefix>,
    /// Served as if over https (Secure, `__Host-` cookies).
    pub secure_cookies: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            search: false,
            rate_limits: false,
            quota: 5,
            arxiv_base: "http://127.0.0.1:9".into(),
            cache_ttl: Duration::from_secs(2),
            trusted_proxies: Vec::new(),
            secure_cookies: false,
        }
    }
}

pub async fn site(records: Vec<IngestRecord>) -> Site {
    site_with(records, Options::default()).await
}

pub async fn site_with(records: Vec<IngestRecord>, opts: Options) -> Site {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    // SQLite, or PostgreSQL with PAPERS_TEST_BACKEND=postgres (papers-testkit).
    let store = Store::open(&papers_testkit::store_url(&dir.path().join("p.db")))
        .await
        .unwrap();
    let now: Timestamp = NOW.parse().unwrap();
    store.upsert_batch(&records, now).await.unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let fetcher = HttpFetcher::new(HarvestConfig {
        max_retries: 0,
        min_interval: Duration::ZERO,
        ..HarvestConfig::default()
    })
    .unwrap();
    let community = Community::new(
        store.clone(),
        clock.clone(),
        ArxivApiClient::new(opts.arxiv_base.clone(), fetcher),
        CommunitySettings {
            daily_submission_quota: opts.quota,
            sign_in_attempts: opts.rate_limits.then_some(10),
            ..CommunitySettings::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::with_community(
        community,
        WebConfig {
            cache_ttl: opts.cache_ttl,
            rate_limits: opts.rate_limits,
            base_url: base.clone(),
            trusted_proxies: opts.trusted_proxies.clone(),
            secure_cookies: opts.secure_cookies,
            ..WebConfig::default()
        },
        memory_mail(&base).unwrap(),
    );
    let state = if opts.search {
        // The tiny deterministic embedder stands in for the real model here
        // (the real one is tested end to end in papers-search).
        let embedder: Arc<dyn papers_search::Embedder> = Arc::new(papers_search::HashEmbedder);
        let (service, _) =
            papers_app::SearchService::open(&store, &dir.path().join("index"), Ok(embedder))
                .await
                .unwrap();
        while service.embed_missing(&store, 100).await.unwrap() > 0 {}
        state.with_search(Arc::new(service))
    } else {
        state
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(papers_web::serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    Site {
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        state,
        store,
        clock,
        _dir: dir,
        stop: Some(tx),
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

async fn reply(r: reqwest::Response) -> Reply {
    Reply {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

impl Site {
    /// An account `name` (`name@example.org`, the password whose argon2
    /// `hash` is given) made through the use cases, not HTTP, so that many
    /// accounts cost one hash; and an API token.
    pub async fn account_with_token(&self, name: &str, hash: &str) -> String {
        let user = self
            .store
            .create_user(
                name,
                &format!("{name}@example.org"),
                hash,
                papers_core::Role::User,
                self.clock_now(),
            )
            .await
            .unwrap()
            .unwrap();
        let (_, token) = self
            .state
            .community
            .create_api_token(&user, "t")
            .await
            .unwrap();
        token
    }

    pub async fn get(&self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let r = reply(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await;
        (r.status, r.body, r.headers)
    }

    pub async fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let (s, body, h) = self.get(path).await;
        assert!(
            h.get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path} answered {h:?}"
        );
        (s, serde_json::from_str(&body).unwrap())
    }

    /// A JSON request with an optional Bearer token.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.unwrap()).await
    }

    /// Signs up through the API and returns a token.
    pub async fn user_with_token(&self, name: &str) -> String {
        let r = self
            .api(
                "POST",
                "/api/auth/signup",
                None,
                Some(serde_json::json!({"username": name, "email": format!("{name}@example.org"), "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = self
            .api(
                "POST",
                "/api/auth/token",
                None,
                Some(serde_json::json!({"username": name, "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }

    pub async fn make_admin(&self, name: &str) -> String {
        let c = &self.state.community;
        c.sign_up(
            name,
            &format!("{name}@example.org"),
            "correct horse battery",
            Role::Admin,
        )
        .await
        .unwrap();
        name.to_string()
    }

    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: self.client.clone(),
            cookies: HashMap::new(),
        }
    }
}

/// Keeps cookies between requests, like a browser, and follows no redirects.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &reqwest::header::HeaderMap) {
        for v in headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        let r = reply(r).await;
        self.keep_cookies(&r.headers);
        r
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        let r = reply(r).await;
        self.keep_cookies(&r.headers);
        r
    }

    /// The CSRF token of the forms on `path`.
    pub async fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        csrf_in(&page.body)
    }

    pub async fn sign_up(&mut self, name: &str) -> Reply {
        let csrf = self.csrf("/signup").await;
        let email = format!("{name}@example.org");
        self.post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("username", name),
                ("email", &email),
                ("password", "correct horse battery"),
                ("next", "/"),
            ],
        )
        .await
    }

    pub async fn sign_in(&mut self, name: &str, password: &str) -> Reply {
        let csrf = self.csrf("/signin").await;
        self.post(
            "/signin",
            &[
                ("csrf", &csrf),
                ("username", name),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A loopback stand-in for `export.arxiv.org/api/query`: answers `id_list`
/// lookups with recorded real responses from `tests/data/arxiv_atom`.
pub async fn arxiv_replay() -> String {
    use axum::extract::Query;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/arxiv_atom/");
    let app = axum::Router::new().route(
        "/api/query",
        axum::routing::get(move |Query(q): Query<HashMap<String, String>>| async move {
            let ids = q.get("id_list").cloned().unwrap_or_default();
            let file = match ids.as_str() {
                "2104.12255" | "2104.12255v1" => "id_2104.12255v1_s0_m100_6ae69987ffe1.xml",
                "astro-ph/0601001" => "id_astro-ph_0601001_s0_m100_3150dca9dc76.xml",
                _ => "id_0000.0000_s0_m100_8b51d9633a68.xml",
            };
            std::fs::read_to_string(format!("{dir}{file}")).unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The token that follows `marker` in a mail's text.
pub fn token_after(text: &str, marker: &str) -> String {
    text.split(marker)
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}
