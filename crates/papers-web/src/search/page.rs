//! `/papers?q=…&mode=…&from=…&to=…&p=…`: the results page.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use papers_app::{SearchMode, SearchRequest};
use papers_core::FollowKind;

use super::{MAX_QUERY, SearchParams, feed_query, finder, mode_name, parse_mode};
use crate::error::PageError;
use crate::extract::MaybeViewer;
use crate::follows::FollowButton;
use crate::guard::{PageQuota, Searching};
use crate::state::AppState;
use crate::view::{ItemView, Layout, encode_query, render};

const PAGE_SIZE: usize = 20;

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
    /// "Follow this search", under a query.
    follow: Option<FollowButton>,
}

/// The results of page `page`, and whether more follow; a notice when
/// semantic search was asked for but is off.
async fn results(
    state: &AppState,
    mut req: SearchRequest,
    page: usize,
) -> Result<(Vec<ItemView>, bool, Option<String>), PageError> {
    let finder = finder(state)?;
    let notice = finder
        .semantic_off()
        .filter(|_| req.mode != SearchMode::Keyword)
        .map(|why| format!("Semantic search is off ({why}); these are keyword results."));
    req = req.limit(PAGE_SIZE + 1);
    req.offset = page * PAGE_SIZE;
    let found = finder.search(req).await?;
    let has_more = found.items.len() > PAGE_SIZE;
    let items = found
        .items
        .iter()
        .take(PAGE_SIZE)
        .map(|(p, _)| ItemView::from_listed(p))
        .collect();
    Ok((items, has_more, notice))
}

pub(super) async fn page(
    State(state): State<AppState>,
    _: PageQuota<Searching>,
    MaybeViewer(who): MaybeViewer,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, PageError> {
    let mut layout = Layout::load(&state, who.as_ref()).await?;
    let q = params.query();
    let mode = parse_mode(params.mode.as_deref()).map_err(PageError::BadRequest)?;
    let (from, to) = params.days().map_err(PageError::BadRequest)?;
    let page: usize = params
        .p
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
        .min(50);
    if q.chars().count() > MAX_QUERY {
        return Err(PageError::BadRequest(
            "A query has at most 250 characters.".into(),
        ));
    }
    let (items, has_more, notice) = if q.is_empty() {
        (Vec::new(), false, None)
    } else {
        let mut req = SearchRequest::new(q.clone()).mode(mode);
        (req.from, req.to) = (from, to);
        results(&state, req, page).await?
    };
    let day = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let base = format!(
        "/papers?q={}&mode={}&from={}&to={}",
        encode_query(&q),
        mode_name(mode),
        day(from),
        day(to)
    );
    if !q.is_empty() {
        // `/papers/feed.atom?q=…` and its siblings, with the page's days.
        layout.feed_path = Some("/papers".into());
        layout.feed_query = feed_query(&q, from, to);
    }
    let follow = if q.is_empty() {
        None
    } else {
        let back = format!("/papers?q={}", encode_query(&q));
        Some(FollowButton::load(&state, who.as_ref(), FollowKind::Search, &q, back).await?)
    };
    Ok(render(&SearchPage {
        layout,
        follow,
        shown: items.len() + page * PAGE_SIZE,
        q,
        mode: mode_name(mode),
        from: day(from),
        to: day(to),
        notice,
        items,
        more_path: has_more.then(|| format!("{base}&p={}", page + 1)),
        less_path: (page > 0).then(|| format!("{base}&p={}", page - 1)),
    }))
}
