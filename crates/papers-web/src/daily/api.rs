//! `GET /api/daily_papers?date=|week=|month=&p=&limit=&sort=&submitter=`:
//! one page of the feed in Hugging Face's item shape, with a
//! `Link: <…&p=P+1>; rel="next"` header when more items remain. Without a
//! window it is the latest day, or, with `submitter`, that user's papers
//! across every day, newest first.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::Response;
use papers_app::ListedPaper;
use papers_app::{FeedOrder, FeedRequest};
use papers_core::{DateWindow, TrendingScore};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::wire::daily_item_json;

/// Query parameters of `GET /api/daily_papers`, all as sent; validated below.
/// Give at most one of `date`, `week` and `month`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DailyParams {
    /// One day of the feed (default: the latest day with papers).
    #[param(value_type = Option<String>, format = Date, example = "2026-08-21")]
    date: Option<String>,
    /// An ISO week.
    #[param(pattern = r"^[0-9]{4}-W[0-9]{2}$", example = "2026-W34")]
    week: Option<String>,
    /// A month.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$", example = "2026-08")]
    month: Option<String>,
    /// The page, from 0.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 100000)]
    p: Option<String>,
    /// Items per page (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `publishedAt` (newest arXiv date first) or `trending` (upvotes with a
    /// time decay, each item with its score); default: most upvoted first.
    #[param(value_type = Option<String>, pattern = "^(publishedAt|trending)?$")]
    sort: Option<String>,
    /// Only papers this Hugging Face user put on the feed; without a
    /// window, across every day, newest first.
    #[param(max_length = 100)]
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

fn parse_window(params: &DailyParams) -> Result<Option<DateWindow>, ApiError> {
    let given = [&params.date, &params.week, &params.month]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given > 1 {
        return Err(ApiError::bad(
            "invalid_parameter",
            "give at most one of `date`, `week` and `month`",
        ));
    }
    let parsed = if let Some(d) = &params.date {
        DateWindow::parse_day(d).map_err(|e| ("invalid_date", e))
    } else if let Some(w) = &params.week {
        DateWindow::parse_week(w).map_err(|e| ("invalid_week", e))
    } else if let Some(m) = &params.month {
        DateWindow::parse_month(m).map_err(|e| ("invalid_month", e))
    } else {
        return Ok(None);
    };
    parsed
        .map(Some)
        .map_err(|(code, e)| ApiError::bad(code, e.to_string()))
}

/// A whole number in `range`, `default` when absent, else 400 `code`.
fn number(
    v: Option<&String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    code: &'static str,
    what: &str,
) -> Result<u64, ApiError> {
    match v {
        None => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ApiError::bad(code, format!("{what}, got {s:?}"))),
    }
}

fn parse_daily(params: &DailyParams) -> Result<DailyRequest, ApiError> {
    let window = parse_window(params)?;
    let limit = number(
        params.limit.as_ref(),
        50,
        1..=100,
        "invalid_limit",
        "`limit` must be a whole number from 1 to 100",
    )?;
    let page = number(
        params.p.as_ref(),
        0,
        0..=100_000,
        "invalid_page",
        "`p` must be a page number from 0",
    )?;
    let sort = match params.sort.as_deref() {
        None | Some("") => ApiSort::Feed,
        Some("publishedAt") => ApiSort::PublishedAt,
        Some("trending") => ApiSort::Trending,
        Some(other) => {
            return Err(ApiError::bad(
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
        return Err(ApiError::bad(
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

#[utoipa::path(
    get,
    path = "/api/daily_papers",
    tag = "papers",
    operation_id = "listDailyPapers",
    summary = "The daily feed: a day, week or month of papers",
    params(DailyParams),
    responses(
        (status = 200, description = "One page of items; `Link: <…>; rel=\"next\"` when more remain", body = [crate::wire::DailyItemJson],
            headers(("Link" = String, description = "The next page"), ("ETag" = String))),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "A parameter is malformed", body = crate::wire::ErrorJson),
    )
)]
pub(crate) async fn daily_papers(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(params): ApiQuery<DailyParams>,
) -> Response {
    state
        .cache
        .respond_with(
            format!("api:{uri}"),
            daily_papers_uncached(&state, &uri, &params),
        )
        .await
}

/// The papers of a request's page, each with its trending score when
/// ranked by it, and the total that matched.
async fn papers(
    state: &AppState,
    req: &DailyRequest,
) -> Result<(Vec<(ListedPaper, Option<TrendingScore>)>, u64), ApiError> {
    let offset = req.page * req.limit;
    // A submitter without a window: their papers across every day, newest
    // first unless sorted otherwise (as Hugging Face answers).
    let across_days = req.window.is_none() && req.submitter.is_some();
    let (from, to) = match req.window {
        Some(w) => w.bounds(),
        None if across_days => {
            let all = FeedRequest::all_days(None, 0, 0);
            (all.from, all.to)
        }
        None if req.sort == ApiSort::Trending => state.catalog.trending_days().await?,
        None => {
            let latest = state.catalog.latest_day().await?;
            (latest, latest)
        }
    };
    let feed = FeedRequest {
        from,
        to,
        submitter: req.submitter.clone(),
        offset,
        limit: req.limit,
    };
    Ok(match req.sort {
        ApiSort::Trending => {
            let page = state.catalog.trending(feed).await?;
            let items = page.items.into_iter();
            (
                items.map(|t| (t.paper, Some(t.score))).collect(),
                page.total,
            )
        }
        ApiSort::Feed | ApiSort::PublishedAt => {
            let order = match req.sort {
                ApiSort::PublishedAt => FeedOrder::PublishedAt,
                _ if across_days => FeedOrder::Newest,
                _ => FeedOrder::Upvotes,
            };
            let page = state.catalog.feed(feed, order).await?;
            (
                page.items.into_iter().map(|p| (p, None)).collect(),
                page.total,
            )
        }
    })
}

async fn daily_papers_uncached(
    state: &AppState,
    uri: &Uri,
    params: &DailyParams,
) -> Result<(HeaderMap, Vec<u8>), ApiError> {
    let req = parse_daily(params)?;
    let (items, total) = papers(state, &req).await?;
    let json: Vec<_> = items
        .iter()
        .map(|(p, score)| {
            let mut item = daily_item_json(p);
            item.trending = *score;
            item
        })
        .collect();
    let body = serde_json::to_vec(&json).map_err(ApiError::internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if req.page * req.limit + req.limit < total {
        let next = next_page_url(&state.config.base_url, uri, req.page + 1);
        if let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            headers.insert(header::LINK, v);
        }
    }
    Ok((headers, body))
}

/// The same request with `p` set to `page`, as an absolute URL on the
/// configured `base_url`: never on the request's `Host`, which a client
/// chooses, while the answer is cached for every client.
fn next_page_url(base_url: &str, uri: &Uri, page: u64) -> String {
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
    format!(
        "{}{}?{}",
        base_url.trim_end_matches('/'),
        uri.path(),
        query.join("&")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tiny parser for tests: `a=b&c=d`.
    fn params(q: &str) -> DailyParams {
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
