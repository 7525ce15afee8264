//! Server-rendered HTML pages. Templates live in `templates/` and are compiled
//! by askama with HTML escaping on, so titles, authors and abstracts (which
//! hold `<`, `&` and LaTeX) can never inject markup.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;
use papers_core::{ArxivId, DateWindow, today_in_new_york};
use papers_store::{ListedPaper, ListingQuery, ListingSort, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::session::{Viewer, viewer};

const PAGE_SIZE: u64 = 30;
const ABSTRACT_PREVIEW_CHARS: usize = 280;

/// What the shared layout needs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub week_path: String,
    pub month_path: String,
    /// The signed-in user's name.
    pub viewer: Option<String>,
    pub is_admin: bool,
    /// The token every form on the page carries.
    pub csrf: String,
    /// The list's path, whose `/feed.atom` and `/feed.rss` are its feeds.
    pub feed_path: Option<String>,
}

impl Layout {
    pub(crate) fn around(day: Date) -> Self {
        Layout {
            week_path: DateWindow::week_of(day).path(),
            month_path: DateWindow::month_of(day).path(),
            viewer: None,
            is_admin: false,
            csrf: String::new(),
            feed_path: None,
        }
    }

    pub(crate) fn for_viewer(day: Date, viewer: Option<&Viewer>) -> Self {
        let mut l = Layout::around(day);
        if let Some(v) = viewer {
            l.viewer = Some(v.user.username.clone());
            l.is_admin = v.user.is_admin();
            l.csrf = v.csrf.clone();
        }
        l
    }
}

/// One row of a list, ready to print.
#[derive(Debug)]
pub(crate) struct ItemView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) abstract_short: String,
    pub(crate) abstract_full: String,
    pub(crate) truncated: bool,
    pub(crate) authors_label: String,
    pub(crate) date_iso: String,
    pub(crate) date_label: String,
    pub(crate) upvotes: i64,
    pub(crate) num_comments: i64,
    pub(crate) submitter: Option<String>,
    pub(crate) github_repo: Option<String>,
    pub(crate) github_stars: Option<i64>,
}

fn short_date(d: Date) -> String {
    format!(
        "{} {}, {}",
        &papers_core::window::month_name(d.month())[..3],
        d.day(),
        d.year()
    )
}

/// Cuts `text` to about `max` characters at a word boundary.
fn preview(text: &str, max: usize) -> (String, bool) {
    if text.chars().count() <= max {
        return (text.to_string(), false);
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(pos) if pos > max / 2 => cut[..pos].to_string(),
        _ => cut,
    };
    (cut.trim_end().to_string(), true)
}

impl ItemView {
    pub(crate) fn from_listed(lp: &ListedPaper) -> Self {
        let p = &lp.paper;
        let (abstract_short, truncated) = preview(&p.abstract_text, ABSTRACT_PREVIEW_CHARS);
        let date = p
            .published_at
            .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
            .or(lp.listing.as_ref().map(|l| l.day));
        let n = p.authors.len();
        ItemView {
            id: p.id.base().to_string(),
            title: p.title.clone(),
            abstract_short,
            abstract_full: p.abstract_text.clone(),
            truncated,
            authors_label: format!("{n} author{}", if n == 1 { "" } else { "s" }),
            date_iso: date.map(|d| d.to_string()).unwrap_or_default(),
            date_label: date
                .map(|d| format!("Published on {}", short_date(d)))
                .unwrap_or_default(),
            upvotes: lp.upvotes,
            num_comments: lp.num_comments,
            submitter: lp
                .listing
                .as_ref()
                .and_then(|l| l.submitter.as_ref())
                .map(|s| s.name.clone()),
            github_repo: p.github_repo.clone(),
            github_stars: p.github_stars,
        }
    }
}

#[derive(Template)]
#[template(path = "feed.html")]
struct FeedPage {
    layout: Layout,
    heading: String,
    kind: &'static str,
    day_path: String,
    week_path: String,
    month_path: String,
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
    total: u64,
    items: Vec<ItemView>,
    more_path: Option<String>,
    less_path: Option<String>,
}

#[derive(Debug)]
struct PaperView {
    id: String,
    title: String,
    authors: Vec<String>,
    abstract_text: String,
    abs_url: String,
    pdf_url: String,
    upvotes: i64,
    github_repo: Option<String>,
    github_stars: Option<i64>,
    project_page: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    submitter: Option<String>,
    listed_on: Option<String>,
    categories: Vec<String>,
    journal_ref: Option<String>,
    doi: Option<String>,
    comments: Option<String>,
    ai_summary: Option<String>,
    keywords: Vec<String>,
}

/// A comment and whether the viewer wrote it.
#[derive(Debug)]
struct CommentRow {
    date: String,
    c: papers_app::CommentView,
    mine: bool,
}

#[derive(Template)]
#[template(path = "paper.html")]
struct PaperPage {
    layout: Layout,
    p: PaperView,
    voted: bool,
    comments: Vec<CommentRow>,
    /// (id, title) of papers near this one by meaning.
    similar: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

/// A page failure, shown as a real HTML error page.
#[derive(Debug)]
pub(crate) enum PageError {
    BadRequest(String),
    NotFound(String),
    Forbidden(String),
    TooMany(u64),
    Status(StatusCode, String),
    Internal(StoreError),
    App(papers_app::AppError),
}

impl From<papers_app::AppError> for PageError {
    fn from(e: papers_app::AppError) -> Self {
        match e {
            papers_app::AppError::Refused { fault, message, .. } => {
                PageError::Status(crate::api::fault_status(fault), message)
            }
            other => PageError::App(other),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Internal(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            PageError::Status(s, m) => (s, m),
            PageError::TooMany(wait) => {
                let page = ErrorPage {
                    layout: Layout::around(today_in_new_york(jiff::Timestamp::now())),
                    status: 429,
                    message: format!(
                        "Too many requests. Please wait {wait} seconds and try again."
                    ),
                };
                let mut resp = (StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response();
                if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return resp;
            }
            PageError::App(e) => {
                tracing::error!(error = %e, "internal error rendering a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.".to_string(),
                )
            }
            PageError::Internal(e) => {
                tracing::error!(error = %e, "internal error rendering a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.".to_string(),
                )
            }
        };
        let page = ErrorPage {
            layout: Layout::around(today_in_new_york(jiff::Timestamp::now())),
            status: status.as_u16(),
            message,
        };
        (status, render(&page)).into_response()
    }
}

pub(crate) fn render(t: &impl Template) -> Html<String> {
    match t.render() {
        Ok(s) => Html(s),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            Html("<!doctype html><title>Error</title><p>Rendering failed.</p>".to_string())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageParams {
    p: Option<String>,
}

/// Serves `key` from the cache, or renders it with `build` and caches a 200.
/// Pages for a signed-in viewer are personal: never cached.
async fn cached_html<F>(state: &AppState, key: String, personal: bool, build: F) -> Response
where
    F: Future<Output = Result<Html<String>, PageError>>,
{
    if personal {
        return match build.await {
            Ok(html) => ([(header::CACHE_CONTROL, "private, no-store")], html).into_response(),
            Err(e) => e.into_response(),
        };
    }
    state
        .cache
        .respond(key, "text/html; charset=utf-8", async {
            let Html(body) = build.await?;
            Ok::<_, PageError>(body)
        })
        .await
}

pub(crate) async fn latest_day(state: &AppState) -> Result<Date, PageError> {
    Ok(state
        .store
        .latest_listing_day()
        .await?
        .unwrap_or_else(|| today_in_new_york(state.clock.now())))
}

fn page_number(params: &PageParams) -> Result<u64, PageError> {
    match &params.p {
        None => Ok(0),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= 100_000)
            .ok_or_else(|| PageError::BadRequest(format!("Page {s:?} is not a page number."))),
    }
}

async fn feed_page(
    state: &AppState,
    window: DateWindow,
    page: u64,
    who: Option<&Viewer>,
) -> Result<Html<String>, PageError> {
    let (from, to) = window.bounds();
    let latest = latest_day(state).await?;
    let q = ListingQuery {
        from,
        to,
        submitter: None,
        sort: ListingSort::Upvotes,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let result = state.store.listings(&q).await?;
    let (prev, next) = match window {
        DateWindow::Day(day) => {
            let (p, n) = state.store.neighbour_listing_days(day).await?;
            (
                p.map(|d| (DateWindow::Day(d).path(), short_date(d))),
                n.map(|d| (DateWindow::Day(d).path(), short_date(d))),
            )
        }
        _ => {
            let p = window.previous();
            let n = window.next();
            (
                Some((p.path(), p.to_string())),
                (n.bounds().0 <= latest).then(|| (n.path(), n.to_string())),
            )
        }
    };
    let anchor = match window {
        DateWindow::Day(d) => d,
        _ => to.min(latest).max(from),
    };
    let path = window.path();
    let more_path =
        ((page + 1) * PAGE_SIZE < result.total).then(|| format!("{path}?p={}", page + 1));
    let less_path = (page > 0).then(|| {
        if page == 1 {
            path.clone()
        } else {
            format!("{path}?p={}", page - 1)
        }
    });
    let heading = window.title();
    let mut layout = Layout::for_viewer(latest, who);
    layout.feed_path = Some(window.path());
    let view = FeedPage {
        layout,
        heading,
        kind: window.kind(),
        day_path: DateWindow::Day(anchor).path(),
        week_path: DateWindow::week_of(anchor).path(),
        month_path: DateWindow::month_of(anchor).path(),
        prev,
        next,
        total: result.total,
        items: result.items.iter().map(ItemView::from_listed).collect(),
        more_path,
        less_path,
    };
    Ok(render(&view))
}

pub(crate) async fn home(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Query(params): Query<PageParams>,
) -> Response {
    let who = viewer(&state, &headers).await;
    let st = state.clone();
    cached_html(&state, format!("page:{uri}"), who.is_some(), async move {
        let page = page_number(&params)?;
        let day = latest_day(&st).await?;
        feed_page(&st, DateWindow::Day(day), page, who.as_ref()).await
    })
    .await
}

async fn window_page(
    state: AppState,
    uri: Uri,
    headers: HeaderMap,
    params: PageParams,
    parsed: Result<DateWindow, papers_core::WindowError>,
) -> Response {
    let who = viewer(&state, &headers).await;
    let st = state.clone();
    cached_html(&state, format!("page:{uri}"), who.is_some(), async move {
        let window = parsed.map_err(|e| PageError::BadRequest(e.to_string()))?;
        let page = page_number(&params)?;
        feed_page(&st, window, page, who.as_ref()).await
    })
    .await
}

pub(crate) async fn day(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(date): Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    window_page(state, uri, headers, params, DateWindow::parse_day(&date)).await
}

pub(crate) async fn week(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(week): Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    window_page(state, uri, headers, params, DateWindow::parse_week(&week)).await
}

pub(crate) async fn month(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(month): Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    window_page(state, uri, headers, params, DateWindow::parse_month(&month)).await
}

fn day_of(ts: jiff::Timestamp) -> String {
    short_date(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

async fn paper_page(
    state: &AppState,
    raw: &str,
    who: Option<&Viewer>,
) -> Result<Html<String>, PageError> {
    let id = ArxivId::parse(raw).map_err(|_| {
        PageError::NotFound(format!(
            "“{raw}” is not an arXiv id, so there is no such paper here."
        ))
    })?;
    let lp = state
        .store
        .paper(&id)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("We have no paper {}.", id.base())))?;
    let latest = latest_day(state).await?;
    let p = &lp.paper;
    let view = PaperView {
        id: p.id.base().to_string(),
        title: p.title.clone(),
        authors: p
            .authors
            .iter()
            .filter(|a| !a.hidden)
            .map(|a| a.name.clone())
            .collect(),
        abstract_text: p.abstract_text.clone(),
        abs_url: p.id.abs_url(),
        pdf_url: p.id.pdf_url(),
        upvotes: lp.upvotes,
        github_repo: p.github_repo.clone(),
        github_stars: p.github_stars,
        project_page: p.project_page.clone(),
        published: p.published_at.map(day_of),
        updated: p
            .updated_at
            .filter(|u| Some(*u) != p.published_at)
            .map(day_of),
        submitter: lp
            .listing
            .as_ref()
            .and_then(|l| l.submitter.as_ref())
            .map(|s| s.name.clone()),
        listed_on: lp.listing.as_ref().map(|l| l.day.to_string()),
        categories: p.categories.clone(),
        journal_ref: p.journal_ref.clone(),
        doi: p.doi.clone(),
        comments: p.comments.clone(),
        ai_summary: p.ai_summary.clone(),
        keywords: p.ai_keywords.clone().unwrap_or_default(),
    };
    let voted = match who {
        Some(v) => state.store.voted(v.user.id, &lp.paper.id).await?,
        None => false,
    };
    let comments = state.community.comment_thread(lp.paper.id.base()).await?;
    let me = who.map(|v| v.user.username.clone());
    let comments = comments
        .into_iter()
        .map(|c| {
            let mine = me.is_some() && c.author == me;
            let date = c.created_at.chars().take(10).collect();
            CommentRow { date, c, mine }
        })
        .collect();
    let similar = crate::search::similar_papers(state, &lp.paper.id, 5)
        .await
        .into_iter()
        .map(|(p, _)| (p.paper.id.base().to_string(), p.paper.title))
        .collect();
    Ok(render(&PaperPage {
        layout: Layout::for_viewer(latest, who),
        p: view,
        voted,
        comments,
        similar,
    }))
}

pub(crate) async fn paper(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let who = viewer(&state, &headers).await;
    let st = state.clone();
    cached_html(&state, format!("page:{uri}"), who.is_some(), async move {
        paper_page(&st, &id, who.as_ref()).await
    })
    .await
}

pub(crate) async fn old_style_paper(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((archive, num)): Path<(String, String)>,
) -> Response {
    let who = viewer(&state, &headers).await;
    let st = state.clone();
    cached_html(&state, format!("page:{uri}"), who.is_some(), async move {
        paper_page(&st, &format!("{archive}/{num}"), who.as_ref()).await
    })
    .await
}

pub(crate) async fn not_found() -> Response {
    PageError::NotFound("There is no page at this address.".to_string()).into_response()
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_cut_at_word_boundaries() {
        let (s, cut) = preview("short", 10);
        assert_eq!((s.as_str(), cut), ("short", false));
        let (s, cut) = preview("alpha beta gamma delta", 12);
        assert_eq!((s.as_str(), cut), ("alpha beta", true));
        let (s, cut) = preview("ééééééééééé", 5);
        assert_eq!((s.as_str(), cut), ("ééééé", true));
    }
}
