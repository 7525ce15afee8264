//! The harvesting clients against a local server replaying recorded and
//! hand-written responses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::date;
use papers_core::ArxivId;
use papers_ingest::Event;
use papers_ingest::harvest::{
    ArxivApiClient, HarvestConfig, HarvestError, HfDailyClient, HttpFetcher, OaiClient,
};

const UA: &str = "DailyPapersTest/1.0 (+https://example.org)";

/// (path, query, user agent) of one request.
type Request = (String, HashMap<String, String>, String);

#[derive(Default)]
struct Seen {
    /// (path, query, user agent) of every request, in order.
    requests: Mutex<Vec<Request>>,
    flaky_calls: Mutex<u32>,
    oai_first_calls: Mutex<u32>,
}

impl Seen {
    fn log(&self, path: &str, q: &HashMap<String, String>, headers: &HeaderMap) {
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        self.requests
            .lock()
            .unwrap()
            .push((path.to_string(), q.clone(), ua));
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

type S = State<Arc<Seen>>;
type Q = Query<HashMap<String, String>>;

fn file(path: &str, content_type: &str) -> Response {
    (
        [(header::CONTENT_TYPE, content_type.to_string())],
        std::fs::read(path).unwrap(),
    )
        .into_response()
}

async fn daily(State(seen): S, Query(q): Q, headers: HeaderMap) -> Response {
    seen.log("/api/daily_papers", &q, &headers);
    match q.get("date").map(String::as_str) {
        Some("2026-08-21") => file(data!("hf_daily/2026-08-21.json"), "application/json"),
        Some("2024-05-27") => file(data!("hf_daily/2024-05-27.json"), "application/json"),
        _ => (StatusCode::OK, "[]").into_response(),
    }
}

async fn oai(State(seen): S, Query(q): Q, headers: HeaderMap) -> Response {
    seen.log("/oai", &q, &headers);
    let xml = "text/xml";
    match q.get("resumptionToken").map(String::as_str) {
        Some("tok1") => return file(data!("oai_pmh/paging/page2.xml"), xml),
        Some(_) => return file(data!("oai_pmh/paging/bad_token.xml"), xml),
        None => {}
    }
    if q.get("from").map(String::as_str) == Some("2099-01-01") {
        return file(data!("oai_pmh/paging/no_records.xml"), xml);
    }
    let mut calls = seen.oai_first_calls.lock().unwrap();
    *calls += 1;
    if *calls == 1 {
        // arXiv's flow control: come back later.
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "busy",
        )
            .into_response();
    }
    file(data!("oai_pmh/paging/page1.xml"), xml)
}

async fn arxiv_query(State(seen): S, Query(q): Q, headers: HeaderMap) -> Response {
    seen.log("/api/query", &q, &headers);
    let atom = "application/atom+xml";
    match q.get("id_list").map(String::as_str) {
        Some("astro-ph/0601001") => file(
            data!("arxiv_atom/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"),
            atom,
        ),
        Some("1111.2011v2") => file(data!("arxiv_atom/legacy2016_id_list=1111.2011v2.xml"), atom),
        _ => file(data!("arxiv_atom/id_abc_s0_m100_b79c8dcf6bc3.xml"), atom),
    }
}

async fn flaky(State(seen): S, Query(q): Q, headers: HeaderMap) -> Response {
    seen.log("/flaky", &q, &headers);
    let mut calls = seen.flaky_calls.lock().unwrap();
    *calls += 1;
    if *calls == 1 {
        (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response()
    } else {
        (StatusCode::OK, "fine now").into_response()
    }
}

async fn missing(State(seen): S, Query(q): Q, headers: HeaderMap) -> Response {
    seen.log("/missing", &q, &headers);
    (StatusCode::NOT_FOUND, "no").into_response()
}

async fn always_busy(State(seen): S, Query(q): Q, headers: HeaderMap) -> Response {
    seen.log("/busy", &q, &headers);
    (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
}

async fn serve() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/api/daily_papers", get(daily))
        .route("/oai", get(oai))
        .route("/api/query", get(arxiv_query))
        .route("/flaky", get(flaky))
        .route("/missing", get(missing))
        .route("/busy", get(always_busy))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), seen)
}

fn config() -> HarvestConfig {
    HarvestConfig {
        user_agent: UA.to_string(),
        timeout: Duration::from_secs(5),
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        min_interval: Duration::ZERO,
    }
}

fn fetcher() -> HttpFetcher {
    HttpFetcher::new(config()).unwrap()
}

fn records(events: &[Event]) -> Vec<&papers_core::IngestRecord> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Record(r, _) => Some(&**r),
            _ => None,
        })
        .collect()
}

#[test]
fn default_config_is_polite() {
    let c = HarvestConfig::default();
    assert_eq!(
        c.user_agent,
        "DailyPapers/0.1 (+https://github.com/daily-papers)"
    );
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.max_retries, 5);
    assert_eq!(c.base_delay, Duration::from_secs(1));
    assert_eq!(c.max_delay, Duration::from_secs(60));
    assert_eq!(c.min_interval, Duration::from_secs(3));
}

#[tokio::test]
async fn hf_daily_day_is_fetched_and_parsed() {
    let (base, seen) = serve().await;
    let client = HfDailyClient::new(format!("{base}/"), fetcher());
    let events = client.fetch_day(date(2026, 8, 21)).await.unwrap();
    let recs = records(&events);
    assert_eq!(recs.len(), 17);
    assert_eq!(recs[0].paper.id.to_string(), "2608.19880");
    assert_eq!(recs[0].paper.authors.len(), 17);
    assert_eq!(recs[0].paper.github_stars, Some(8));
    assert_eq!(
        recs[0]
            .listing
            .as_ref()
            .unwrap()
            .submitter
            .as_ref()
            .unwrap()
            .name,
        "taesiri"
    );
    let url = format!("{base}/api/daily_papers?date=2026-08-21&limit=100");
    match events.last().unwrap() {
        Event::SourceDone { source, bytes } => {
            assert_eq!(source, &url);
            assert_eq!(
                *bytes,
                std::fs::metadata(data!("hf_daily/2026-08-21.json"))
                    .unwrap()
                    .len()
            );
        }
        other => panic!("expected SourceDone, got {other:?}"),
    }
    match &events[0] {
        Event::Record(_, loc) => assert_eq!(loc.to_string(), format!("{url} entry 0")),
        other => panic!("{other:?}"),
    }

    // The oldest schema has no submittedOnDailyAt: the requested day is used.
    let events = client.fetch_day(date(2024, 5, 27)).await.unwrap();
    let recs = records(&events);
    assert_eq!(recs.len(), 13);
    assert!(
        recs.iter()
            .all(|r| r.listing.as_ref().unwrap().day == date(2024, 5, 27))
    );

    let requests = seen.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].1["date"], "2026-08-21");
    assert_eq!(requests[0].1["limit"], "100");
    assert!(requests.iter().all(|(_, _, ua)| ua == UA));
}

#[tokio::test]
async fn oai_pages_through_with_tokens_after_a_503() {
    let (base, seen) = serve().await;
    let client = OaiClient::new(format!("{base}/oai"), fetcher());
    let started = Instant::now();
    let page1 = client
        .list_records(
            Some(date(2025, 3, 1)),
            Some(date(2025, 3, 2)),
            Some("cs"),
            None,
        )
        .await
        .unwrap();
    let waited = started.elapsed();
    // Retry-After: 1 is honoured but capped at max_delay (50 ms).
    assert!(waited >= Duration::from_millis(50), "{waited:?}");
    assert!(waited < Duration::from_millis(900), "{waited:?}");
    assert_eq!(page1.resumption_token.as_deref(), Some("tok1"));
    assert_eq!(page1.complete_list_size, Some(4));
    let ids: Vec<String> = page1
        .records
        .iter()
        .map(|r| r.as_ref().unwrap().paper.id.to_string())
        .collect();
    assert_eq!(ids, ["2503.00001", "2503.00002"]);

    let page2 = client
        .list_records(None, None, None, page1.resumption_token.as_deref())
        .await
        .unwrap();
    assert_eq!(page2.resumption_token, None);
    assert_eq!(page2.deleted, 1);
    let ids: Vec<String> = page2
        .records
        .iter()
        .map(|r| r.as_ref().unwrap().paper.id.to_string())
        .collect();
    assert_eq!(ids, ["2503.00003", "math/0309136"]);

    let requests = seen.requests();
    assert_eq!(requests.len(), 3, "503, page 1, page 2");
    for (_, q, ua) in &requests[..2] {
        assert_eq!(ua, UA);
        let mut keys: Vec<_> = q.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["from", "metadataPrefix", "set", "until", "verb"]);
        assert_eq!(
            (q["verb"].as_str(), q["metadataPrefix"].as_str()),
            ("ListRecords", "arXiv")
        );
        assert_eq!(
            (q["from"].as_str(), q["until"].as_str(), q["set"].as_str()),
            ("2025-03-01", "2025-03-02", "cs")
        );
    }
    // With a token, only the verb and the token (OAI-PMH 2.0, 3.5).
    let mut keys: Vec<_> = requests[2].1.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["resumptionToken", "verb"]);
    assert_eq!(requests[2].1["resumptionToken"], "tok1");
}

#[tokio::test]
async fn oai_no_records_is_empty_and_other_errors_fail() {
    let (base, _seen) = serve().await;
    let client = OaiClient::new(format!("{base}/oai"), fetcher());
    let page = client
        .list_records(Some(date(2099, 1, 1)), None, None, None)
        .await
        .unwrap();
    assert!(page.records.is_empty());
    assert_eq!(page.resumption_token, None);

    let err = client
        .list_records(None, None, None, Some("stale|token"))
        .await
        .unwrap_err();
    match &err {
        HarvestError::Oai { url, code, .. } => {
            assert_eq!(code, "badResumptionToken");
            assert!(
                url.ends_with("?verb=ListRecords&resumptionToken=stale%7Ctoken"),
                "{url}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("resumptionToken=stale%7Ctoken"));
}

#[tokio::test]
async fn arxiv_api_id_lookups() {
    let (base, seen) = serve().await;
    let client = ArxivApiClient::new(base.clone(), fetcher());
    let events = client
        .fetch_ids(&[ArxivId::parse("astro-ph/0601001").unwrap()])
        .await
        .unwrap();
    let recs = records(&events);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].paper.id.to_string(), "astro-ph/0601001v1");
    assert_eq!(recs[0].paper.authors.len(), 4);
    assert_eq!(
        recs[0].paper.journal_ref.as_deref(),
        Some("ActaAstron.56:1-50,2006")
    );

    let events = client
        .fetch_ids(&[ArxivId::parse("1111.2011v2").unwrap()])
        .await
        .unwrap();
    let recs = records(&events);
    assert_eq!(
        recs[0].paper.doi.as_deref(),
        Some("10.1103/PhysRevB.85.115117")
    );
    assert_eq!(
        recs[0].paper.categories,
        ["cond-mat.str-el", "cond-mat.stat-mech"]
    );

    // An error entry in the feed is a reject, never a paper.
    let events = client
        .fetch_ids(&[
            ArxivId::parse("2501.00001").unwrap(),
            ArxivId::parse("2501.00002").unwrap(),
        ])
        .await
        .unwrap();
    assert!(records(&events).is_empty());
    assert!(
        matches!(&events[0], Event::Reject(r) if r.message == "arXiv API error: incorrect id format for abc")
    );

    let requests = seen.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].1["id_list"], "astro-ph/0601001");
    assert_eq!(requests[0].1["max_results"], "1");
    assert_eq!(requests[2].1["id_list"], "2501.00001,2501.00002");
    assert_eq!(requests[2].1["max_results"], "2");
    assert_eq!(
        client.id_list_url(&[ArxivId::parse("astro-ph/0601001").unwrap()]),
        format!("{base}/api/query?id_list=astro-ph%2F0601001&max_results=1")
    );
}

#[tokio::test]
async fn retries_a_500_then_succeeds() {
    let (base, seen) = serve().await;
    let body = fetcher().get(&format!("{base}/flaky")).await.unwrap();
    assert_eq!(body, b"fine now");
    assert_eq!(seen.requests().len(), 2);
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let (base, seen) = serve().await;
    let url = format!("{base}/missing");
    let err = fetcher().get(&url).await.unwrap_err();
    assert!(
        matches!(&err, HarvestError::Status { url: u, status: 404 } if *u == url),
        "{err:?}"
    );
    assert_eq!(err.to_string(), format!("GET {url}: HTTP 404"));
    assert_eq!(seen.requests().len(), 1);
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let (base, seen) = serve().await;
    let url = format!("{base}/busy");
    let started = Instant::now();
    let err = fetcher().get(&url).await.unwrap_err();
    assert!(
        matches!(err, HarvestError::Status { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(seen.requests().len(), 4, "one try and three retries");
    // Back-off 10 + 20 + 40 ms.
    assert!(started.elapsed() >= Duration::from_millis(70));
}

#[tokio::test]
async fn connection_errors_are_retried_then_name_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gone", listener.local_addr().unwrap());
    drop(listener);
    let err = fetcher().get(&url).await.unwrap_err();
    assert!(
        matches!(&err, HarvestError::Transport { url: u, .. } if *u == url),
        "{err:?}"
    );
    assert!(err.to_string().contains(&url));
}

#[tokio::test]
async fn requests_are_spaced_by_min_interval() {
    let (base, seen) = serve().await;
    let fetcher = HttpFetcher::new(HarvestConfig {
        min_interval: Duration::from_millis(150),
        ..config()
    })
    .unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        fetcher.get(&format!("{base}/flaky")).await.unwrap();
    }
    // Four requests (the first 500 is retried): three intervals at least.
    assert_eq!(seen.requests().len(), 4);
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
}
