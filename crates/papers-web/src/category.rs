//! `/papers/category/{cat}`: recent papers of an arXiv category, as a page
//! and as feeds.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, Response};
use axum::routing::get;
use papers_core::FollowKind;

use crate::error::PageError;
use crate::extract::MaybeViewer;
use crate::feeds::{FEED_SIZE, Format, cached_feed, not_found, render_feed};
use crate::follows::FollowButton;
use crate::state::AppState;
use crate::view::{ItemView, Layout, render};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/papers/category/{cat}", get(page))
        .route("/papers/category/{cat}/{file}", get(feed))
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    subtitle: String,
    feed_base: String,
    items: Vec<ItemView>,
    follow: FollowButton,
}

/// The page: listed or published in the last 30 days, most upvoted first.
async fn page(
    State(state): State<AppState>,
    MaybeViewer(who): MaybeViewer,
    Path(cat): Path<String>,
) -> Result<Html<String>, PageError> {
    let papers = state.catalog.category(&cat, FEED_SIZE).await?;
    let mut layout = Layout::load(&state, who.as_ref()).await?;
    let path = format!("/papers/category/{cat}");
    layout.feed_path = Some(path.clone());
    let follow = FollowButton::load(
        &state,
        who.as_ref(),
        FollowKind::Category,
        &cat,
        path.clone(),
    )
    .await?;
    Ok(render(&ListPage {
        layout,
        heading: format!("Recent papers in {cat}"),
        subtitle: "Listed or published in the last 30 days, most upvoted first".into(),
        feed_base: path,
        items: ItemView::list(&papers),
        follow,
    }))
}

async fn feed(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((cat, file)): Path<(String, String)>,
) -> Response {
    let Some(format) = Format::from_file(&file) else {
        return not_found();
    };
    cached_feed(&state, &uri, &headers, async {
        let papers = state.catalog.category(&cat, FEED_SIZE).await?;
        let path = format!("/papers/category/{cat}");
        let feed_path = format!("{path}/{}", format.file());
        Ok(render_feed(
            &state,
            format,
            format!("Recent papers in {cat}"),
            &path,
            &feed_path,
            &papers,
        ))
    })
    .await
}
