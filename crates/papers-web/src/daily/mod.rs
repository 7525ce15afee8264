//! The daily feed: the home page (the latest day), a day, a week or a month
//! as pages, and `GET /api/daily_papers`.

mod api;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, Response};
use axum::routing::get;
use jiff::civil::Date;
use papers_app::{FeedRequest, FeedView};
use papers_core::DateWindow;

use crate::error::PageError;
use crate::extract::{MaybeViewer, Paging, Window};
use crate::session::Viewer;
use crate::state::AppState;
use crate::view::{ItemView, Layout, cached_html, render, short_date};

const PAGE_SIZE: u64 = 30;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::daily_papers))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/papers/date/{date}", get(window))
        .route("/papers/week/{week}", get(window))
        .route("/papers/month/{month}", get(window))
        .route("/api/daily_papers", get(api::daily_papers))
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

/// A link to a neighbouring window: its path and its label.
type Link = Option<(String, String)>;

/// The windows before and after `window` that have papers: a day's
/// neighbours are the listing days either side (`prev`, `next`); a week's
/// or a month's are the windows themselves, the next one only when it has
/// begun by `latest`.
fn neighbours(
    window: DateWindow,
    latest: Date,
    prev: Option<Date>,
    next: Option<Date>,
) -> (Link, Link) {
    match window {
        DateWindow::Day(_) => {
            let link = |d: Date| (DateWindow::Day(d).path(), short_date(d));
            (prev.map(link), next.map(link))
        }
        _ => {
            let p = window.previous();
            let n = window.next();
            (
                Some((p.path(), p.to_string())),
                (n.bounds().0 <= latest).then(|| (n.path(), n.to_string())),
            )
        }
    }
}

/// The links to the next and the previous page of a list at `path`.
fn page_links(path: &str, page: u64, total: u64) -> (Option<String>, Option<String>) {
    let more = ((page + 1) * PAGE_SIZE < total).then(|| format!("{path}?p={}", page + 1));
    let less = (page > 0).then(|| {
        if page == 1 {
            path.to_string()
        } else {
            format!("{path}?p={}", page - 1)
        }
    });
    (more, less)
}

async fn feed_page(
    state: &AppState,
    window: DateWindow,
    page: u64,
    who: Option<&Viewer>,
) -> Result<Html<String>, PageError> {
    // One store read: on PostgreSQL (and a replica) a round trip.
    let around = match window {
        DateWindow::Day(d) => Some(d),
        _ => None,
    };
    let view = state
        .catalog
        .feed_view(
            FeedRequest::window(window, page * PAGE_SIZE, PAGE_SIZE),
            around,
        )
        .await?;
    Ok(render_feed(window, page, view, who))
}

/// The page of `window` from its [`FeedView`].
fn render_feed(
    window: DateWindow,
    page: u64,
    view: FeedView,
    who: Option<&Viewer>,
) -> Html<String> {
    let (from, to) = window.bounds();
    let (latest, result) = (view.latest, view.page);
    let (prev, next) = neighbours(window, latest, view.prev, view.next);
    let anchor = match window {
        DateWindow::Day(d) => d,
        _ => to.min(latest).max(from),
    };
    let path = window.path();
    let (more_path, less_path) = page_links(&path, page, result.total);
    let mut layout = Layout::for_viewer(latest, who);
    layout.feed_path = Some(path);
    render(&FeedPage {
        layout,
        heading: window.title(),
        kind: window.kind(),
        day_path: DateWindow::Day(anchor).path(),
        week_path: DateWindow::week_of(anchor).path(),
        month_path: DateWindow::month_of(anchor).path(),
        prev,
        next,
        total: result.total,
        items: ItemView::list(&result.items),
        more_path,
        less_path,
    })
}

/// `/`: the latest day.
async fn home(
    State(state): State<AppState>,
    uri: Uri,
    MaybeViewer(who): MaybeViewer,
    Paging(page): Paging,
) -> Response {
    cached_html(&state, &uri, who.is_some(), async {
        // The latest day and its papers in one store read.
        let view = state
            .catalog
            .latest_feed_view(page * PAGE_SIZE, PAGE_SIZE)
            .await?;
        Ok::<_, PageError>(render_feed(
            DateWindow::Day(view.latest),
            page,
            view,
            who.as_ref(),
        ))
    })
    .await
}

/// `/papers/date/{date}`, `/papers/week/{week}`, `/papers/month/{month}`.
async fn window(
    State(state): State<AppState>,
    uri: Uri,
    MaybeViewer(who): MaybeViewer,
    Window(window): Window,
    Paging(page): Paging,
) -> Response {
    cached_html(&state, &uri, who.is_some(), async {
        feed_page(&state, window, page, who.as_ref()).await
    })
    .await
}
