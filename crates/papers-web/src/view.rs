//! What every page shares: the layout, a paper as a row of a list, the error
//! page, rendering, and the page cache. Templates live in `templates/` and
//! are compiled by askama with HTML escaping on, so titles, authors and
//! abstracts (which hold `<`, `&` and LaTeX) can never inject markup.

use std::future::Future;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;
use papers_app::ListedPaper;
use papers_core::{DateWindow, today_in_new_york};

use crate::error::{ErrorMessage, PageError};
use crate::session::Viewer;
use crate::state::AppState;

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

    /// The layout around the feed's latest day.
    pub(crate) async fn load(state: &AppState, who: Option<&Viewer>) -> Result<Self, PageError> {
        Ok(Layout::for_viewer(state.catalog.latest_day().await?, who))
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

/// What stays as it is in a query value: RFC 3986's unreserved bytes.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What stays as it is in a local path given as a `next=` value.
const PATH: &percent_encoding::AsciiSet = &UNRESERVED.add(b'~').remove(b'/');

/// Percent-encodes a query value (all but RFC 3986 unreserved bytes).
pub(crate) fn encode_query(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Percent-encodes a local path for a `next=` value (slashes kept).
pub(crate) fn encode_path(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH).to_string()
}

/// The names of a paper's authors, leaving out hidden ones.
pub(crate) fn visible_authors(p: &papers_core::Paper) -> Vec<String> {
    p.authors
        .iter()
        .filter(|a| !a.hidden)
        .map(|a| a.name.clone())
        .collect()
}

/// `Aug 19, 2026`.
pub(crate) fn short_date(d: Date) -> String {
    format!(
        "{} {}, {}",
        &papers_core::window::month_name(d.month())[..3],
        d.day(),
        d.year()
    )
}

/// The UTC day of a timestamp, as [`short_date`] writes it.
pub(crate) fn day_of(ts: jiff::Timestamp) -> String {
    short_date(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
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

/// The name of whoever put a paper on the feed.
pub(crate) fn submitter_name(lp: &ListedPaper) -> Option<String> {
    lp.listing
        .as_ref()
        .and_then(|l| l.submitter.as_ref())
        .map(|s| s.name.clone())
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
            submitter: submitter_name(lp),
            github_repo: p.github_repo.as_deref().and_then(papers_core::http_url),
            github_stars: p.github_stars,
        }
    }

    pub(crate) fn list(papers: &[ListedPaper]) -> Vec<Self> {
        papers.iter().map(ItemView::from_listed).collect()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
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

/// A page for one viewer: never stored by caches.
pub(crate) fn private(html: Html<String>) -> Response {
    ([(header::CACHE_CONTROL, "private, no-store")], html).into_response()
}

/// A page answered to a form: never stored.
pub(crate) fn no_store(status: axum::http::StatusCode, html: Html<String>) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], html).into_response()
}

/// Serves the page at `uri` from the cache, or renders it with `build` and
/// caches a 200. Pages for a signed-in viewer are personal: never cached.
pub(crate) async fn cached_html<F>(
    state: &AppState,
    uri: &axum::http::Uri,
    personal: bool,
    build: F,
) -> Response
where
    F: Future<Output = Result<Html<String>, PageError>>,
{
    if personal {
        return match build.await {
            Ok(html) => private(html),
            Err(e) => e.into_response(),
        };
    }
    state
        .cache
        .respond(format!("page:{uri}"), "text/html; charset=utf-8", async {
            let Html(body) = build.await?;
            Ok::<_, PageError>(body)
        })
        .await
}

/// Renders the error pages that handlers answered: the layout around
/// today by the site's clock, the message, the status.
pub(crate) async fn error_pages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let Some(ErrorMessage(message)) = resp.extensions_mut().remove::<ErrorMessage>() else {
        return resp;
    };
    let status = resp.status();
    let page = ErrorPage {
        layout: Layout::around(today_in_new_york(state.clock.now())),
        status: status.as_u16(),
        message,
    };
    let (mut parts, _) = resp.into_parts();
    let html = render(&page).into_response();
    let (html_parts, body) = html.into_parts();
    for (name, value) in &html_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, body)
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
