//! Search: the results page (`/papers?q=`), the Hugging Face-compatible
//! `GET /api/papers/search`, similar papers, and a feed for any search.

mod api;
mod page;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use papers_app::ListedPaper;
use papers_app::{AppError, Finder};
use papers_app::{SearchMode, SearchRequest};
use papers_core::{ArxivId, DateWindow};
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::at_paper;
use crate::feeds::{Format, cached_feed, render_feed};
use crate::state::AppState;
use crate::view::encode_query;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::search, api::similar))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/papers", get(page::page))
        .route("/papers/feed.atom", feed_route(Format::Atom))
        .route("/papers/feed.rss", feed_route(Format::Rss))
        .route("/papers/feed.json", feed_route(Format::Json))
        .route("/api/papers/search", get(api::search));
    at_paper(r, "/api/papers", "/similar", get(api::similar))
}

/// The longest query, in characters.
const MAX_QUERY: usize = 250;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The query: words, `"a phrase"`, `-excluded`, or a description of the
    /// idea.
    #[serde(default)]
    #[param(required = true, min_length = 1, max_length = 250, pattern = r"\S")]
    q: Option<String>,
    /// `hybrid` (default), `semantic` or `keyword`.
    #[serde(default)]
    #[param(pattern = "^(hybrid|semantic|keyword)?$")]
    mode: Option<String>,
    /// Published on or after this day.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Published on or before this day.
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// The page, from 0 (the search page only).
    #[serde(default)]
    #[param(ignore)]
    p: Option<String>,
    /// Results (default 50).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 120)]
    limit: Option<String>,
    /// `true`: say how each result ranked.
    #[serde(default)]
    #[param(value_type = Option<bool>)]
    explain: Option<String>,
}

impl SearchParams {
    /// The query, trimmed.
    fn query(&self) -> String {
        self.q.clone().unwrap_or_default().trim().to_string()
    }

    /// The `from` and `to` days, or a message naming the bad one.
    fn days(&self) -> Result<(Option<jiff::civil::Date>, Option<jiff::civil::Date>), String> {
        Ok((
            parse_day("from", self.from.as_deref())?,
            parse_day("to", self.to.as_deref())?,
        ))
    }
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

/// The search engine, or a 500: not every server has one.
fn finder(state: &AppState) -> Result<Finder, AppError> {
    state
        .finder()
        .ok_or_else(|| AppError::internal("search is not set up on this server"))
}

/// Nearest neighbours of a paper by meaning (empty without vectors, or
/// when the search fails: that is logged).
pub(crate) async fn similar_papers(
    state: &AppState,
    id: &ArxivId,
    k: usize,
) -> Vec<(ListedPaper, f32)> {
    let Some(finder) = state.finder() else {
        return Vec::new();
    };
    finder.similar(id, k).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, paper = %id.base(), "similar papers could not be found");
        Vec::new()
    })
}

/// `?q=…`, with `&from=…` and `&to=…` when set: what follows a search
/// feed's file name.
pub(super) fn feed_query(
    q: &str,
    from: Option<jiff::civil::Date>,
    to: Option<jiff::civil::Date>,
) -> String {
    let mut query = format!("?q={}", encode_query(q));
    for (name, day) in [("from", from), ("to", to)] {
        if let Some(d) = day {
            query.push_str(&format!("&{name}={d}"));
        }
    }
    query
}

/// `/papers/feed.atom?q=…`, `/papers/feed.rss?q=…` and
/// `/papers/feed.json?q=…`: the search's feed in `format`. These fixed
/// routes take precedence over the paper route (`/papers/{id}`).
fn feed_route(format: Format) -> MethodRouter<AppState> {
    get(
        move |State(state): State<AppState>,
              uri: Uri,
              headers: HeaderMap,
              query: Result<Query<SearchParams>, QueryRejection>| async move {
            match query {
                Ok(Query(params)) => feed_in(&state, &uri, &headers, format, params).await,
                Err(e) => e.into_response(),
            }
        },
    )
}

/// A search's feed in `format`: its 50 best results; a 400 without `q`.
async fn feed_in(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    format: Format,
    params: SearchParams,
) -> Response {
    let q = params.query();
    if q.is_empty() || q.chars().count() > MAX_QUERY {
        return PageError::BadRequest("A search feed needs `q` (at most 250 characters).".into())
            .into_response();
    }
    cached_feed(state, uri, headers, async {
        let finder = finder(state)?;
        let (from, to) = params.days().map_err(PageError::BadRequest)?;
        let mut req = SearchRequest::new(q.clone()).limit(50);
        (req.from, req.to) = (from, to);
        let found = finder.search(req).await?;
        let papers: Vec<ListedPaper> = found.items.into_iter().map(|(p, _)| p).collect();
        let query = feed_query(&q, from, to);
        let html = format!("/papers{query}");
        let feed_path = format!("/papers/{}{query}", format.file());
        Ok(render_feed(
            state,
            format,
            format!("Search: {q}"),
            &html,
            &feed_path,
            &papers,
        ))
    })
    .await
}
