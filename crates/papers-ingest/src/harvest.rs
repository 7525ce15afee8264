//! Polite HTTP harvesting: Hugging Face daily papers, arXiv OAI-PMH and the
//! arXiv API.
//!
//! [`HttpFetcher`] does the politeness (a fixed User-Agent, a minimum interval
//! between requests, retries with capped exponential back-off that honour
//! `Retry-After`); the clients build URLs and hand the bodies to this
//! crate's parsers. Resumable cursors (OAI-PMH resumption tokens) are
//! returned to the caller, which stores them.

use std::time::Duration;

use jiff::civil::Date;
use papers_core::ArxivId;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::{Event, Format, OaiPage, collect_events, parse_oai_page};

pub mod wheels;

/// How the fetcher behaves.
#[derive(Clone, Debug)]
pub struct HarvestConfig {
    pub user_agent: String,
    /// Per-request timeout (connect plus body).
    pub timeout: Duration,
    /// Retries after the first attempt, for connection errors, timeouts,
    /// 429 and 5xx.
    pub max_retries: u32,
    /// The first back-off delay; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    /// The longest wait between attempts, `Retry-After` included.
    pub max_delay: Duration,
    /// The least time between the starts of two requests.
    pub min_interval: Duration,
}

impl Default for HarvestConfig {
    fn default() -> Self {
        HarvestConfig {
            user_agent: "DailyPapers/0.1 (+https://github.com/daily-papers)".to_string(),
            timeout: Duration::from_secs(30),
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            // arXiv asks for one request every 3 seconds.
            min_interval: Duration::from_secs(3),
        }
    }
}

/// Why a harvest request failed. Every variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    /// A non-success status: a 4xx at once, or a 429/5xx after the retries.
    #[error("GET {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    /// The connection failed or timed out (after the retries), or the
    /// request could not be sent.
    #[error("GET {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The body is not the document expected.
    #[error("GET {url}: unreadable response: {message}")]
    Parse { url: String, message: String },
    /// An OAI-PMH `<error>` other than `noRecordsMatch`.
    #[error("GET {url}: OAI-PMH error {code}: {message}")]
    Oai {
        url: String,
        code: String,
        message: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// A `reqwest::Client` with rate limiting and retries.
#[derive(Debug)]
pub struct HttpFetcher {
    client: reqwest::Client,
    config: HarvestConfig,
    last_request: Mutex<Option<Instant>>,
}

impl HttpFetcher {
    /// Builds the client. If no rustls crypto provider is installed for the
    /// process yet, installs `ring` (reqwest would panic without one).
    pub fn new(config: HarvestConfig) -> Result<Self, HarvestError> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race with another installer is fine: one is installed.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(HarvestError::Client)?;
        Ok(HttpFetcher {
            client,
            config,
            last_request: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &HarvestConfig {
        &self.config
    }

    /// GETs `url` and returns the body, retrying connection errors,
    /// timeouts, 429 and 5xx with doubling back-off (`base_delay`,
    /// `2 × base_delay`, … capped at `max_delay`), or after `Retry-After`
    /// seconds (capped at `max_delay`) when a 429/503 gives one. Other
    /// statuses fail at once.
    pub async fn get(&self, url: &str) -> Result<Vec<u8>, HarvestError> {
        self.get_as(url, None).await
    }

    /// [`HttpFetcher::get`] with an `Accept` header (content negotiation,
    /// as a package index's JSON API asks).
    pub async fn get_as(&self, url: &str, accept: Option<&str>) -> Result<Vec<u8>, HarvestError> {
        let mut attempt: u32 = 0;
        loop {
            self.pace().await;
            let mut request = self.client.get(url);
            if let Some(accept) = accept {
                request = request.header(reqwest::header::ACCEPT, accept);
            }
            let (error, retry_after) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    if status.is_success() {
                        match response.bytes().await {
                            Ok(body) => return Ok(body.to_vec()),
                            Err(source) if retryable(&source) => (
                                HarvestError::Transport {
                                    url: url.to_string(),
                                    source,
                                },
                                None,
                            ),
                            Err(source) => {
                                return Err(HarvestError::Transport {
                                    url: url.to_string(),
                                    source,
                                });
                            }
                        }
                    } else if status.as_u16() == 429 || status.is_server_error() {
                        let retry_after = if matches!(status.as_u16(), 429 | 503) {
                            retry_after_seconds(response.headers())
                        } else {
                            None
                        };
                        (
                            HarvestError::Status {
                                url: url.to_string(),
                                status: status.as_u16(),
                            },
                            retry_after,
                        )
                    } else {
                        return Err(HarvestError::Status {
                            url: url.to_string(),
                            status: status.as_u16(),
                        });
                    }
                }
                Err(source) if retryable(&source) => (
                    HarvestError::Transport {
                        url: url.to_string(),
                        source,
                    },
                    None,
                ),
                Err(source) => {
                    return Err(HarvestError::Transport {
                        url: url.to_string(),
                        source,
                    });
                }
            };
            if attempt >= self.config.max_retries {
                return Err(error);
            }
            let delay = match retry_after {
                Some(wait) => wait.min(self.config.max_delay),
                None => self.backoff(attempt),
            };
            attempt += 1;
            tracing::warn!(
                url,
                attempt,
                max_retries = self.config.max_retries,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "request failed, retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.config
            .base_delay
            .checked_mul(factor)
            .unwrap_or(self.config.max_delay)
            .min(self.config.max_delay)
    }

    /// Waits until `min_interval` has passed since the previous request began.
    async fn pace(&self) {
        let mut last = self.last_request.lock().await;
        if let Some(previous) = *last {
            let next = previous + self.config.min_interval;
            if next > Instant::now() {
                tokio::time::sleep_until(next).await;
            }
        }
        *last = Some(Instant::now());
    }
}

fn retryable(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()
}

fn retry_after_seconds(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// RFC 3986 unreserved bytes: all that a query value keeps unencoded.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query value (everything but RFC 3986 unreserved bytes).
pub fn encode_query_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

fn trim_base(base: impl Into<String>) -> String {
    let mut base = base.into();
    while base.ends_with('/') {
        base.pop();
    }
    base
}

/// Hugging Face's daily papers API.
#[derive(Debug)]
pub struct HfDailyClient {
    base: String,
    fetcher: HttpFetcher,
}

impl HfDailyClient {
    pub const DEFAULT_BASE: &'static str = "https://huggingface.co";

    pub fn new(base: impl Into<String>, fetcher: HttpFetcher) -> Self {
        HfDailyClient {
            base: trim_base(base),
            fetcher,
        }
    }

    pub fn fetcher(&self) -> &HttpFetcher {
        &self.fetcher
    }

    pub fn day_url(&self, date: Date) -> String {
        format!("{}/api/daily_papers?date={date}&limit=100", self.base)
    }

    /// The papers on the feed on `date`, as events whose source is the URL
    /// (ending with a `SourceDone`). Items without `submittedOnDailyAt` are
    /// listed on `date`.
    pub async fn fetch_day(&self, date: Date) -> Result<Vec<Event>, HarvestError> {
        let url = self.day_url(date);
        let body = self.fetcher.get(&url).await?;
        Ok(collect_events(Format::HfDaily, &url, &body, Some(date)))
    }
}

/// arXiv's OAI-PMH endpoint, `metadataPrefix=arXiv`.
#[derive(Debug)]
pub struct OaiClient {
    base: String,
    fetcher: HttpFetcher,
}

impl OaiClient {
    pub const DEFAULT_BASE: &'static str = "https://oaipmh.arxiv.org/oai";

    pub fn new(base: impl Into<String>, fetcher: HttpFetcher) -> Self {
        OaiClient {
            base: trim_base(base),
            fetcher,
        }
    }

    pub fn fetcher(&self) -> &HttpFetcher {
        &self.fetcher
    }

    /// The `ListRecords` URL: with a resumption token, the token alone (as
    /// OAI-PMH 2.0 requires); otherwise the selective-harvesting arguments.
    pub fn list_records_url(
        &self,
        from: Option<Date>,
        until: Option<Date>,
        set: Option<&str>,
        resumption_token: Option<&str>,
    ) -> String {
        let mut url = format!("{}?verb=ListRecords", self.base);
        if let Some(token) = resumption_token {
            url.push_str("&resumptionToken=");
            url.push_str(&encode_query_value(token));
            return url;
        }
        url.push_str("&metadataPrefix=arXiv");
        if let Some(from) = from {
            url.push_str(&format!("&from={from}"));
        }
        if let Some(until) = until {
            url.push_str(&format!("&until={until}"));
        }
        if let Some(set) = set {
            url.push_str("&set=");
            url.push_str(&encode_query_value(set));
        }
        url
    }

    /// One `ListRecords` page. Feed `resumption_token` back in (and nothing
    /// else) until it comes back `None`. `noRecordsMatch` is an empty page;
    /// other OAI-PMH errors are [`HarvestError::Oai`].
    pub async fn list_records(
        &self,
        from: Option<Date>,
        until: Option<Date>,
        set: Option<&str>,
        resumption_token: Option<&str>,
    ) -> Result<OaiPage, HarvestError> {
        let url = self.list_records_url(from, until, set, resumption_token);
        let body = self.fetcher.get(&url).await?;
        let page = parse_oai_page(&url, &body).map_err(|e| HarvestError::Parse {
            url: url.clone(),
            message: e.to_string(),
        })?;
        if let Some((code, message)) = page.error {
            return Err(HarvestError::Oai { url, code, message });
        }
        Ok(page)
    }
}

/// The arXiv API (`/api/query`, Atom).
#[derive(Debug)]
pub struct ArxivApiClient {
    base: String,
    fetcher: HttpFetcher,
}

impl ArxivApiClient {
    pub const DEFAULT_BASE: &'static str = "https://export.arxiv.org";
    /// Ids per request.
    pub const BATCH: usize = 100;

    pub fn new(base: impl Into<String>, fetcher: HttpFetcher) -> Self {
        ArxivApiClient {
            base: trim_base(base),
            fetcher,
        }
    }

    pub fn fetcher(&self) -> &HttpFetcher {
        &self.fetcher
    }

    pub fn id_list_url(&self, ids: &[ArxivId]) -> String {
        let list: Vec<String> = ids
            .iter()
            .map(|id| encode_query_value(&id.to_string()))
            .collect();
        format!(
            "{}/api/query?id_list={}&max_results={}",
            self.base,
            list.join(","),
            ids.len()
        )
    }

    /// Looks up `ids` (in batches of [`Self::BATCH`]); the events of each
    /// response end with a `SourceDone`. arXiv's error entries are rejects.
    pub async fn fetch_ids(&self, ids: &[ArxivId]) -> Result<Vec<Event>, HarvestError> {
        let mut events = Vec::new();
        for batch in ids.chunks(Self::BATCH) {
            let url = self.id_list_url(batch);
            let body = self.fetcher.get(&url).await?;
            events.extend(collect_events(Format::ArxivAtom, &url, &body, None));
        }
        Ok(events)
    }
}
