//! Search: the results page (`/papers?q=`), the Hugging Face-compatible
//! `GET /api/papers/search`, similar papers, and a feed for any search.
//! The engine's work is CPU-bound and runs on the blocking pool.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use papers_app::SearchService;
use papers_core::{ArxivId, DateWindow};
use papers_search::{SearchMode, SearchRequest, SearchResult};
use papers_store::ListedPaper;
use serde::Deserialize;

use crate::AppState;
use crate::api::ApiError;
use crate::community_pages::layout_for;
use crate::pages::{ItemView, Layout, PageError, render};
use crate::session::viewer;
use crate::wire::daily_item_json;

const PAGE_SIZE: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    p: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    explain: Option<String>,
}

fn parse_mode(m: Option<&str>) -> Result<SearchMode, String> {
    match m.unwrap_or("hybrid") {
        "" | "hybrid" => Ok(SearchMode::Hybrid),
        "keyword" => Ok(SearchMode::Keyword),
        "semantic" => Ok(SearchMode::Semantic),
        other => Err(format!(
            "`mode` must be keyword, semantic or hybrid, got {other:?}"
        )),
    }
}

fn mode_name(m: SearchMode) -> &'static str {
    match m {
        SearchMode::Keyword => "keyword",
        SearchMode::Semantic => "semantic",
        SearchMode::Hybrid => "hybrid",
    }
}

fn parse_day(field: &str, v: Option<&str>) -> Result<Option<jiff::civil::Date>, String> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateWindow::parse_day(s)
            .map(|w| Some(w.bounds().0))
            .map_err(|_| format!("`{field}` must be a date YYYY-MM-DD, got {s:?}")),
    }
}

/// Runs a search on the blocking pool and loads the papers it found.
async fn run(
    state: &AppState,
    service: Arc<SearchService>,
    request: SearchRequest,
) -> Result<(Vec<(ListedPaper, SearchResult)>, bool), papers_app::AppError> {
    let response = tokio::task::spawn_blocking(move || service.search(&request))
        .await
        .map_err(|e| papers_app::AppError::Internal(e.to_string()))??;
    let ids: Vec<String> = response
        .results
        .iter()
        .map(|r| r.paper_id.clone())
        .collect();
    let mut papers = state
        .store
        .papers_by_ids(&ids)
        .await?
        .into_iter()
        .peekable();
    // The store answers in the order asked, leaving out what it no longer
    // shows (hidden since the index was built).
    let mut out = Vec::with_capacity(ids.len());
    for r in response.results {
        if papers
            .peek()
            .is_some_and(|p| p.paper.id.base() == r.paper_id)
            && let Some(p) = papers.next()
        {
            out.push((p, r));
        }
    }
    Ok((out, response.degraded))
}

fn unavailable() -> papers_app::AppError {
    papers_app::AppError::Internal("search is not set up on this server".into())
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    mode: &'static str,
    from: String,
    to: String,
    notice: Option<String>,
    shown: usize,
    items: Vec<ItemView>,
    more_path: Option<String>,
    less_path: Option<String>,
}

/// Percent-encodes a query value (all but RFC 3986 unreserved bytes).
fn encode(s: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// `/papers?q=…&mode=…&from=…&to=…&p=…`
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Response {
    let who = viewer(&state, &headers).await;
    let result: Result<_, PageError> = async {
        let mut layout = layout_for(&state, who.as_ref()).await?;
        let q = params.q.clone().unwrap_or_default().trim().to_string();
        let mode = parse_mode(params.mode.as_deref()).map_err(PageError::BadRequest)?;
        let from = parse_day("from", params.from.as_deref()).map_err(PageError::BadRequest)?;
        let to = parse_day("to", params.to.as_deref()).map_err(PageError::BadRequest)?;
        let page: usize = params
            .p
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
            .min(50);
        if q.chars().count() > 250 {
            return Err(PageError::BadRequest(
                "A query has at most 250 characters.".into(),
            ));
        }
        let mut notice = None;
        let mut items = Vec::new();
        let mut has_more = false;
        if !q.is_empty() {
            let service = state.search.clone().ok_or_else(unavailable)?;
            if !service.engine().semantic_available() && mode != SearchMode::Keyword {
                notice = Some(format!(
                    "Semantic search is off ({}); these are keyword results.",
                    service
                        .semantic_off_reason
                        .clone()
                        .unwrap_or_else(|| "no model".into())
                ));
            }
            let mut req = SearchRequest::new(q.clone())
                .mode(mode)
                .limit(PAGE_SIZE + 1);
            req.offset = page * PAGE_SIZE;
            req.from = from;
            req.to = to;
            let (found, _) = run(&state, service, req).await?;
            has_more = found.len() > PAGE_SIZE;
            items = found
                .iter()
                .take(PAGE_SIZE)
                .map(|(p, _)| ItemView::from_listed(p))
                .collect();
        }
        let base = format!(
            "/papers?q={}&mode={}&from={}&to={}",
            encode(&q),
            mode_name(mode),
            from.map(|d| d.to_string()).unwrap_or_default(),
            to.map(|d| d.to_string()).unwrap_or_default()
        );
        if !q.is_empty() {
            layout.feed_path = Some(format!("/papers/feed.atom?q={}", encode(&q)));
        }
        Ok(SearchPage {
            layout,
            shown: items.len() + page * PAGE_SIZE,
            q,
            mode: mode_name(mode),
            from: from.map(|d| d.to_string()).unwrap_or_default(),
            to: to.map(|d| d.to_string()).unwrap_or_default(),
            notice,
            items,
            more_path: has_more.then(|| format!("{base}&p={}", page + 1)),
            less_path: (page > 0).then(|| format!("{base}&p={}", page - 1)),
        })
    }
    .await;
    match result {
        Ok(p) => render(&p).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/papers/search?q=&limit=&mode=&explain=`: a list of items shaped
/// like the daily ones; with `explain=true` each tells how it ranked. Like
/// every read endpoint, an answer is kept for the response cache's TTL
/// (2 s by default; writes through this server clear it).
pub(crate) async fn api(
    State(state): State<AppState>,
    uri: Uri,
    Query(params): Query<SearchParams>,
) -> Response {
    state
        .cache
        .respond(
            format!("search:{uri}"),
            "application/json",
            api_uncached(&state, &params),
        )
        .await
}

async fn api_uncached(state: &AppState, params: &SearchParams) -> Result<Vec<u8>, ApiError> {
    let bad = |code, message: String| ApiError::BadRequest { code, message };
    let q = params.q.clone().unwrap_or_default().trim().to_string();
    if q.is_empty() {
        return Err(bad(
            "invalid_query",
            "`q` is required and must not be empty".into(),
        ));
    }
    if q.chars().count() > 250 {
        return Err(bad(
            "invalid_query",
            "`q` has at most 250 characters".into(),
        ));
    }
    let limit = match params.limit.as_deref() {
        None => 50,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=120).contains(&n) => n,
            _ => {
                return Err(bad(
                    "invalid_limit",
                    format!("`limit` must be a whole number from 1 to 120, got {s:?}"),
                ));
            }
        },
    };
    let mode = parse_mode(params.mode.as_deref()).map_err(|m| bad("invalid_mode", m))?;
    let explain = matches!(params.explain.as_deref(), Some("true" | "1"));
    let mut req = SearchRequest::new(q).mode(mode).limit(limit);
    req.from = parse_day("from", params.from.as_deref()).map_err(|m| bad("invalid_date", m))?;
    req.to = parse_day("to", params.to.as_deref()).map_err(|m| bad("invalid_date", m))?;
    let service = state.search.clone().ok_or_else(unavailable)?;
    let (found, degraded) = run(state, service, req).await?;
    let fail = |e: serde_json::Error| ApiError::from(papers_app::AppError::Internal(e.to_string()));
    if !explain {
        // The common case, serialised straight from the items.
        let items: Vec<_> = found.iter().map(|(p, _)| daily_item_json(p)).collect();
        return serde_json::to_vec(&items).map_err(fail);
    }
    let items: Vec<serde_json::Value> = found
        .iter()
        .map(|(p, r)| {
            let mut v = serde_json::to_value(daily_item_json(p)).unwrap_or_default();
            v["explain"] = serde_json::json!({
                "mode": mode_name(mode),
                "degradedToKeyword": degraded,
                "keywordRank": r.explain.keyword_rank,
                "keywordScore": r.explain.keyword_score,
                "semanticRank": r.explain.semantic_rank,
                "semanticScore": r.explain.semantic_score,
                "fusedScore": r.explain.fused_score,
            });
            v
        })
        .collect();
    serde_json::to_vec(&items).map_err(fail)
}

/// Makes a just-submitted paper searchable now rather than at the next
/// minute's upkeep: indexes it and embeds it, in the background.
pub(crate) fn index_soon(state: &AppState) {
    if let Some(service) = state.search.clone() {
        let store = state.store.clone();
        tokio::spawn(async move {
            if let Err(e) = service.refresh(&store).await {
                tracing::warn!(error = %e, "indexing a submitted paper failed; the next upkeep retries");
            }
        });
    }
}

/// Nearest neighbours of a paper by meaning (empty without vectors).
pub(crate) async fn similar_papers(
    state: &AppState,
    id: &ArxivId,
    k: usize,
) -> Vec<(ListedPaper, f32)> {
    let Some(service) = state.search.clone() else {
        return Vec::new();
    };
    let pid = id.base().to_string();
    let found = tokio::task::spawn_blocking(move || service.similar(&pid, k))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let ids: Vec<String> = found.iter().map(|r| r.paper_id.clone()).collect();
    let scores: std::collections::HashMap<&str, f32> = found
        .iter()
        .map(|r| (r.paper_id.as_str(), r.score))
        .collect();
    state
        .store
        .papers_by_ids(&ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let score = scores.get(p.paper.id.base()).copied().unwrap_or(0.0);
            (p, score)
        })
        .collect()
}

async fn similar_api(state: &AppState, raw: &str) -> Result<Response, ApiError> {
    let id = ArxivId::parse(raw).map_err(|e| ApiError::BadRequest {
        code: "invalid_id",
        message: e.to_string(),
    })?;
    if state.store.paper(&id).await?.is_none() {
        return Err(ApiError::NotFound(format!("paper {} not found", id.base())));
    }
    let items: Vec<serde_json::Value> = similar_papers(state, &id, 10)
        .await
        .iter()
        .map(|(p, score)| {
            let mut v = serde_json::to_value(daily_item_json(p)).unwrap_or_default();
            v["similarity"] = serde_json::json!(score);
            v
        })
        .collect();
    Ok(Json(items).into_response())
}

pub(crate) async fn similar(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    similar_api(&state, &id).await
}

pub(crate) async fn similar_old(
    State(state): State<AppState>,
    Path((a, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    similar_api(&state, &format!("{a}/{n}")).await
}

/// `/papers/feed.atom?q=…` and `/papers/feed.rss?q=…`.
pub(crate) async fn feed(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(params): Query<SearchParams>,
) -> Response {
    let Some(format) = crate::feeds::Format::from_file(&file) else {
        return PageError::NotFound("Feeds end in feed.atom or feed.rss.".into()).into_response();
    };
    let q = params.q.clone().unwrap_or_default().trim().to_string();
    if q.is_empty() || q.chars().count() > 250 {
        return PageError::BadRequest("A search feed needs `q` (at most 250 characters).".into())
            .into_response();
    }
    let st = state.clone();
    crate::feeds::cached_feed(&state, &uri, &headers, async move {
        let service = st.search.clone().ok_or_else(unavailable)?;
        let mut req = SearchRequest::new(q.clone()).limit(50);
        req.from = parse_day("from", params.from.as_deref()).map_err(PageError::BadRequest)?;
        req.to = parse_day("to", params.to.as_deref()).map_err(PageError::BadRequest)?;
        let (found, _) = run(&st, service, req).await?;
        let papers: Vec<ListedPaper> = found.into_iter().map(|(p, _)| p).collect();
        let html = format!("/papers?q={}", encode(&q));
        let feed_path = format!("/papers/{}?q={}", format.file(), encode(&q));
        Ok(crate::feeds::render_feed(
            &st,
            format,
            format!("Search: {q}"),
            &html,
            &feed_path,
            &papers,
        ))
    })
    .await
}
