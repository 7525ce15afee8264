//! The Hugging Face-compatible JSON API: `GET /api/daily_papers` and
//! `GET /api/papers/{id}`. Bad parameters answer 400 with a JSON error, unknown
//! papers 404, and internal failures 500 without leaking details.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use papers_core::{ArxivId, DateWindow, TrendingScore, today_in_new_york};
use papers_store::{ListedPaper, ListingQuery, ListingSort, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::wire::{ErrorJson, daily_item_json, paper_json};

/// An API failure: the user's fault (4xx, with a message naming the
/// parameter) or ours (500, logged, never detailed to the client).
#[derive(Debug)]
pub(crate) enum ApiError {
    BadRequest {
        code: &'static str,
        message: String,
    },
    NotFound(String),
    Unauthorized(String),
    /// Over a rate limit: seconds to wait.
    TooMany(u64),
    App(papers_app::AppError),
    Internal(StoreError),
}

impl From<papers_app::AppError> for ApiError {
    fn from(e: papers_app::AppError) -> Self {
        ApiError::App(e)
    }
}

/// The status a refusal of the use cases maps to.
pub(crate) fn fault_status(f: papers_app::Fault) -> StatusCode {
    use papers_app::Fault;
    match f {
        Fault::BadInput => StatusCode::BAD_REQUEST,
        Fault::Unauthorized => StatusCode::UNAUTHORIZED,
        Fault::Forbidden => StatusCode::FORBIDDEN,
        Fault::NotFound => StatusCode::NOT_FOUND,
        Fault::Conflict => StatusCode::CONFLICT,
        Fault::TooMany => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, *code, message.clone())
            }
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone()),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m.clone()),
            ApiError::TooMany(wait) => {
                let body = Json(ErrorJson {
                    error: "too many requests; slow down",
                    code: "rate_limited",
                });
                let mut resp = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
                if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return resp;
            }
            ApiError::App(papers_app::AppError::Refused {
                fault,
                code,
                message,
                link,
            }) => {
                let mut body = serde_json::json!({ "error": message, "code": code });
                if let Some(link) = link {
                    body["link"] = serde_json::Value::from(link.clone());
                }
                return (fault_status(*fault), Json(body)).into_response();
            }
            ApiError::App(papers_app::AppError::Upstream(e)) => {
                tracing::warn!(error = %e, "upstream failure");
                (
                    StatusCode::BAD_GATEWAY,
                    "upstream",
                    "arXiv could not be reached; try again later".to_string(),
                )
            }
            ApiError::App(e) => {
                tracing::error!(error = %e, "internal error in API handler");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".to_string(),
                )
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error in API handler");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".to_string(),
                )
            }
        };
        (
            status,
            Json(ErrorJson {
                error: &message,
                code,
            }),
        )
            .into_response()
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code,
        message: message.into(),
    }
}

/// Query parameters of `GET /api/daily_papers`, all as sent; validated below.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DailyParams {
    date: Option<String>,
    week: Option<String>,
    month: Option<String>,
    p: Option<String>,
    limit: Option<String>,
    sort: Option<String>,
    submitter: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ApiSort {
    Feed,
    PublishedAt,
    Trending,
}

/// A validated `/api/daily_papers` request.
#[derive(Debug)]
struct DailyRequest {
    window: Option<DateWindow>,
    page: u64,
    limit: u64,
    sort: ApiSort,
    submitter: Option<String>,
}

fn parse_daily(params: &DailyParams) -> Result<DailyRequest, ApiError> {
    let given = [&params.date, &params.week, &params.month]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given > 1 {
        return Err(bad(
            "invalid_parameter",
            "give at most one of `date`, `week` and `month`",
        ));
    }
    let window = if let Some(d) = &params.date {
        Some(DateWindow::parse_day(d).map_err(|e| bad("invalid_date", e.to_string()))?)
    } else if let Some(w) = &params.week {
        Some(DateWindow::parse_week(w).map_err(|e| bad("invalid_week", e.to_string()))?)
    } else if let Some(m) = &params.month {
        Some(DateWindow::parse_month(m).map_err(|e| bad("invalid_month", e.to_string()))?)
    } else {
        None
    };
    let limit = match &params.limit {
        None => 50,
        Some(s) => match s.parse::<u64>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(bad(
                    "invalid_limit",
                    format!("`limit` must be a whole number from 1 to 100, got {s:?}"),
                ));
            }
        },
    };
    let page = match &params.p {
        None => 0,
        Some(s) => match s.parse::<u64>() {
            Ok(n) if n <= 100_000 => n,
            _ => {
                return Err(bad(
                    "invalid_page",
                    format!("`p` must be a page number from 0, got {s:?}"),
                ));
            }
        },
    };
    let sort = match params.sort.as_deref() {
        None | Some("") => ApiSort::Feed,
        Some("publishedAt") => ApiSort::PublishedAt,
        Some("trending") => ApiSort::Trending,
        Some(other) => {
            return Err(bad(
                "invalid_sort",
                format!("`sort` must be `publishedAt` or `trending`, got {other:?}"),
            ));
        }
    };
    let submitter = params
        .submitter
        .as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if submitter.as_ref().is_some_and(|s| s.len() > 100) {
        return Err(bad(
            "invalid_submitter",
            "`submitter` is at most 100 characters",
        ));
    }
    Ok(DailyRequest {
        window,
        page,
        limit,
        sort,
        submitter,
    })
}

/// The day range a request covers when it names no window.
async fn default_range(state: &AppState, sort: ApiSort) -> Result<(Date, Date), ApiError> {
    let now = state.clock.now();
    let latest = state
        .store
        .latest_listing_day()
        .await?
        .unwrap_or_else(|| today_in_new_york(now));
    Ok(if sort == ApiSort::Trending {
        let days = i64::from(state.config.trending.window_days.max(1)) - 1;
        (latest.saturating_sub(days.days()), latest)
    } else {
        (latest, latest)
    })
}

pub(crate) async fn daily_papers(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Query(params): Query<DailyParams>,
) -> Response {
    state
        .cache
        .respond_with(
            format!("api:{uri}"),
            daily_papers_uncached(&state, &uri, &headers, &params),
        )
        .await
}

async fn daily_papers_uncached(
    state: &AppState,
    uri: &Uri,
    req_headers: &HeaderMap,
    params: &DailyParams,
) -> Result<(HeaderMap, Vec<u8>), ApiError> {
    let req = parse_daily(params)?;
    let (from, to) = match req.window {
        Some(w) => w.bounds(),
        None => default_range(state, req.sort).await?,
    };
    let offset = req.page * req.limit;
    let (items, total) = if req.sort == ApiSort::Trending {
        let q = ListingQuery {
            from,
            to,
            submitter: req.submitter.clone(),
            sort: ListingSort::Upvotes,
            offset: 0,
            limit: u64::MAX,
        };
        let all = state.store.listings(&q).await?;
        let ranked =
            papers_app::rank_trending(&state.config.trending, all.items, state.clock.now());
        let page: Vec<(ListedPaper, Option<TrendingScore>)> = ranked
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(req.limit).unwrap_or(usize::MAX))
            .map(|t| (t.paper, Some(t.score)))
            .collect();
        (page, all.total)
    } else {
        let q = ListingQuery {
            from,
            to,
            submitter: req.submitter.clone(),
            sort: if req.sort == ApiSort::PublishedAt {
                ListingSort::PublishedAt
            } else {
                ListingSort::Upvotes
            },
            offset,
            limit: req.limit,
        };
        let page = state.store.listings(&q).await?;
        (
            page.items.into_iter().map(|p| (p, None)).collect(),
            page.total,
        )
    };
    let json: Vec<_> = items
        .iter()
        .map(|(p, score)| {
            let mut item = daily_item_json(p);
            item.trending = *score;
            item
        })
        .collect();
    let body = serde_json::to_vec(&json).unwrap_or_else(|_| b"[]".to_vec());
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if offset + req.limit < total {
        let next = next_page_url(uri, req_headers, req.page + 1);
        if let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            headers.insert(header::LINK, v);
        }
    }
    Ok((headers, body))
}

/// The same request with `p` set to `page`, as an absolute URL when the
/// request named its host.
fn next_page_url(uri: &Uri, headers: &HeaderMap, page: u64) -> String {
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|kv| !kv.is_empty() && !kv.starts_with("p="))
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (k.to_string(), v.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.push(("p".to_string(), page.to_string()));
    let query: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let path = format!("{}?{}", uri.path(), query.join("&"));
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if host.bytes().all(|b| b.is_ascii_graphic()) => format!("http://{host}{path}"),
        _ => path,
    }
}

async fn paper_by_id(state: &AppState, raw: &str) -> Result<Response, ApiError> {
    let id = ArxivId::parse(raw).map_err(|e| bad("invalid_id", e.to_string()))?;
    match state.store.paper(&id).await? {
        Some(lp) => Ok(Json(paper_json(&lp)).into_response()),
        None => Err(ApiError::NotFound(format!("paper {} not found", id.base()))),
    }
}

pub(crate) async fn paper(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    paper_by_id(&state, &id)
        .await
        .unwrap_or_else(|e| e.into_response())
}

pub(crate) async fn old_style_paper(
    State(state): State<AppState>,
    Path((archive, num)): Path<(String, String)>,
) -> Response {
    paper_by_id(&state, &format!("{archive}/{num}"))
        .await
        .unwrap_or_else(|e| e.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> DailyParams {
        serde_urlencoded_like(q)
    }

    // Tiny parser for tests: `a=b&c=d`.
    fn serde_urlencoded_like(q: &str) -> DailyParams {
        let mut p = DailyParams::default();
        for kv in q.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap();
            let v = Some(v.to_string());
            match k {
                "date" => p.date = v,
                "week" => p.week = v,
                "month" => p.month = v,
                "p" => p.p = v,
                "limit" => p.limit = v,
                "sort" => p.sort = v,
                "submitter" => p.submitter = v,
                _ => panic!("unknown test param {k}"),
            }
        }
        p
    }

    fn check(q: &str, expected_error_code: Option<&str>) {
        match (parse_daily(&params(q)), expected_error_code) {
            (Ok(_), None) => {}
            (Err(ApiError::BadRequest { code, .. }), Some(want)) => assert_eq!(code, want, "{q}"),
            (other, want) => panic!("{q}: got {other:?}, wanted error {want:?}"),
        }
    }

    #[test]
    fn validates_parameters() {
        check("", None);
        check("date=2026-08-21&limit=100&p=2&sort=trending", None);
        check("week=2026-W34&sort=publishedAt", None);
        check("month=2026-08&submitter=taesiri", None);
        check("date=2026-08-21&week=2026-W34", Some("invalid_parameter"));
        check("date=yesterday", Some("invalid_date"));
        check("week=2026-34", Some("invalid_week"));
        check("month=2026-13", Some("invalid_month"));
        check("limit=0", Some("invalid_limit"));
        check("limit=101", Some("invalid_limit"));
        check("limit=ten", Some("invalid_limit"));
        check("p=-1", Some("invalid_page"));
        check("sort=upvotes", Some("invalid_sort"));
    }
}
