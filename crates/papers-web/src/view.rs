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
use crate::feeds::Format;
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
    /// The viewer's unread notifications.
    pub unread: u64,
    /// The list's path, whose `/feed.atom`, `/feed.rss` and `/feed.json`
    /// are its feeds.
    pub feed_path: Option<String>,
    /// What follows each feed's file name: empty, or a query such as
    /// `?q=diffusion` for a search's feeds (`/papers/feed.atom?q=diffusion`).
    pub feed_query: String,
}

impl Layout {
    pub(crate) fn around(day: Date) -> Self {
        Layout {
            week_path: DateWindow::week_of(day).path(),
            month_path: DateWindow::month_of(day).path(),
            viewer: None,
            is_admin: false,
            csrf: String::new(),
            unread: 0,
            feed_path: None,
            feed_query: String::new(),
        }
    }

    pub(crate) fn for_viewer(day: Date, viewer: Option<&Viewer>) -> Self {
        let mut l = Layout::around(day);
        if let Some(v) = viewer {
            l.viewer = Some(v.user.username.clone());
            l.is_admin = v.user.is_admin();
            l.csrf = v.csrf.clone();
            l.unread = v.unread;
        }
        l
    }

    /// The list's feeds, `{path}/feed.atom{query}` and its siblings; `None`
    /// for a page without feeds.
    pub(crate) fn feeds(&self) -> Option<FeedLinks> {
        let path = self.feed_path.as_deref()?;
        let url = |f: Format| format!("{path}/{}{}", f.file(), self.feed_query);
        Some(FeedLinks {
            atom: url(Format::Atom),
            rss: url(Format::Rss),
            json: url(Format::Json),
        })
    }

    /// The layout around the feed's latest day.
    pub(crate) async fn load(state: &AppState, who: Option<&Viewer>) -> Result<Self, PageError> {
        Ok(Layout::for_viewer(state.catalog.latest_day().await?, who))
    }
}

/// The addresses of a list's three feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FeedLinks {
    pub atom: String,
    pub rss: String,
    pub json: String,
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
    /// The first authors, linked to their pages.
    pub(crate) authors: Vec<AuthorLink>,
    /// Visible authors beyond those.
    pub(crate) more_authors: usize,
    pub(crate) date_iso: String,
    pub(crate) date_label: String,
    pub(crate) upvotes: i64,
    /// "2 comments": the visible comments written here; `None` when none.
    pub(crate) comments_here: Option<String>,
    /// Hugging Face's discussion, for papers that came from there.
    pub(crate) hf: Option<HfDiscussion>,
    pub(crate) submitter: Option<String>,
    pub(crate) github_repo: Option<String>,
    pub(crate) github_stars: Option<i64>,
}

/// A paper's discussion on Hugging Face: the comment count imported with
/// the paper (a baseline; comments made here are counted apart) and the
/// page where those comments are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HfDiscussion {
    pub(crate) comments: i64,
    pub(crate) url: String,
}

impl HfDiscussion {
    /// The discussion of a paper that came from Hugging Face (it has a
    /// discussion id or imported comments); `None` for any other. The store
    /// gives every paper a baseline, 0 for those that came from elsewhere.
    pub(crate) fn of(p: &papers_core::Paper) -> Option<Self> {
        let comments = p.num_comments.unwrap_or(0).max(0);
        if p.discussion_id.is_none() && comments == 0 {
            return None;
        }
        Some(HfDiscussion {
            comments,
            url: format!("https://huggingface.co/papers/{}", p.id.base()),
        })
    }

    /// "1 comment on Hugging Face".
    pub(crate) fn label(&self) -> String {
        format!("{} on Hugging Face", comment_count(self.comments))
    }
}

/// "1 comment", "2 comments".
pub(crate) fn comment_count(n: i64) -> String {
    format!("{n} comment{}", if n == 1 { "" } else { "s" })
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

/// An author's name, linked to their page, and the account here an admin
/// verified as them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorLink {
    pub(crate) name: String,
    pub(crate) href: String,
    pub(crate) verified_as: Option<String>,
}

/// The path of an author's page: `/authors/` and the name,
/// percent-encoded (a `/` in a name too). Every spelling with the same key
/// opens the same page.
pub(crate) fn author_path(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("/authors/{}", encode_query(&name))
}

/// The path of a reader's profile.
pub(crate) fn profile_path(username: &str) -> String {
    format!("/users/{}", encode_query(username))
}

/// The names of a paper's authors, leaving out hidden ones.
pub(crate) fn visible_authors(p: &papers_core::Paper) -> Vec<String> {
    p.authors
        .iter()
        .filter(|a| !a.hidden)
        .map(|a| a.name.clone())
        .collect()
}

/// A paper's authors, leaving out hidden ones, each linked to their page.
pub(crate) fn author_links(p: &papers_core::Paper) -> Vec<AuthorLink> {
    p.authors
        .iter()
        .filter(|a| !a.hidden)
        .map(|a| AuthorLink {
            name: a.name.clone(),
            href: author_path(&a.name),
            verified_as: a.claimed_by.as_ref().map(|c| c.username.clone()),
        })
        .collect()
}

/// Authors a row of a list names; the rest are "and N more".
const AUTHORS_IN_A_ROW: usize = 5;

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
        // `num_comments` is the imported baseline plus the comments made here.
        let here = lp.num_comments - p.num_comments.unwrap_or(0);
        let mut authors = author_links(p);
        let more_authors = authors.len().saturating_sub(AUTHORS_IN_A_ROW);
        authors.truncate(AUTHORS_IN_A_ROW);
        ItemView {
            id: p.id.base().to_string(),
            authors,
            more_authors,
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
            comments_here: (here > 0).then(|| comment_count(here)),
            hf: HfDiscussion::of(p),
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
    private_with(axum::http::StatusCode::OK, html)
}

/// [`private`] with a status other than 200 (a refused form, shown again).
pub(crate) fn private_with(status: axum::http::StatusCode, html: Html<String>) -> Response {
    (status, [(header::CACHE_CONTROL, "private, no-store")], html).into_response()
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
    use papers_core::{ArxivId, Paper};

    /// One row of a list, as the lists print it.
    #[derive(Template)]
    #[template(path = "item.html")]
    struct OneItem {
        layout: Layout,
        item: ItemView,
    }

    fn render_item(lp: &ListedPaper) -> String {
        OneItem {
            layout: Layout::around(Date::constant(2026, 8, 21)),
            item: ItemView::from_listed(lp),
        }
        .render()
        .unwrap()
    }

    /// The row's line of facts, tags dropped and spaces squeezed.
    fn meta_line(lp: &ListedPaper) -> String {
        let html = render_item(lp);
        let meta = html.split("<p class=\"meta\">").nth(1).unwrap();
        let meta = meta.split("</p>").next().unwrap();
        let mut text = String::new();
        let mut in_tag = false;
        for c in meta.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn listed(num_comments: Option<i64>, discussion: bool, here: i64) -> ListedPaper {
        let mut p = Paper::new(
            ArxivId::parse("2608.19880").unwrap(),
            "A title",
            "An abstract.",
        );
        p.authors = vec![papers_core::Author::named("Ada Lovelace")];
        p.published_at = Some("2026-08-19T17:00:00Z".parse().unwrap());
        p.num_comments = num_comments;
        p.discussion_id = discussion.then(|| "6a87afc589e517cbfd75dbe0".to_string());
        ListedPaper {
            listing: None,
            upvotes: 0,
            num_comments: num_comments.unwrap_or(0) + here,
            paper: p,
        }
    }

    #[test]
    fn comments_here_and_on_hugging_face_are_told_apart() {
        let hf = r#"<a class="hf-comments" href="https://huggingface.co/papers/2608.19880">"#;
        // Imported from Hugging Face with one comment there, none here.
        let lp = listed(Some(1), true, 0);
        assert_eq!(
            meta_line(&lp),
            "1 author · Published on Aug 19, 2026 · 1 comment on Hugging Face"
        );
        let html = render_item(&lp);
        assert!(
            html.contains(&format!("{hf}1 comment on Hugging Face</a>")),
            "{html}"
        );
        // Two made here beside three on Hugging Face.
        assert_eq!(
            meta_line(&listed(Some(3), true, 2)),
            "1 author · Published on Aug 19, 2026 · 2 comments · 3 comments on Hugging Face"
        );
        // From Hugging Face, no comments anywhere: nothing to say.
        assert_eq!(
            meta_line(&listed(Some(0), true, 0)),
            "1 author · Published on Aug 19, 2026"
        );
        // Submitted here: comments made here only, and no word of Hugging Face.
        assert_eq!(
            meta_line(&listed(None, false, 1)),
            "1 author · Published on Aug 19, 2026 · 1 comment"
        );
        assert_eq!(HfDiscussion::of(&listed(None, false, 1).paper), None);
        assert_eq!(HfDiscussion::of(&listed(Some(0), false, 1).paper), None);
        // A discussion id without a count is still Hugging Face's.
        assert_eq!(
            HfDiscussion::of(&listed(None, true, 0).paper).map(|d| d.label()),
            Some("0 comments on Hugging Face".to_string())
        );
    }

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
