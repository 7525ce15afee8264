//! `/papers/trending`: the ranking with how each score was made.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::error::PageError;
use crate::extract::MaybeViewer;
use crate::guard::{HeavyReading, PageQuota};
use crate::state::AppState;
use crate::view::{ItemView, Layout, render};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/papers/trending", get(page))
}

struct TrendingRow {
    item: ItemView,
    votes: i64,
    age_hours: String,
    decay: String,
    score: String,
}

#[derive(Template)]
#[template(path = "trending.html")]
struct TrendingPage {
    layout: Layout,
    gravity: f64,
    offset_hours: f64,
    window_days: u32,
    items: Vec<TrendingRow>,
}

async fn page(
    State(state): State<AppState>,
    _: PageQuota<HeavyReading>,
    MaybeViewer(who): MaybeViewer,
) -> Result<Html<String>, PageError> {
    let items = state.community.trending(60).await?;
    let params = state.community.settings.trending;
    let rows = items
        .iter()
        .map(|t| TrendingRow {
            item: ItemView::from_listed(&t.paper),
            votes: t.score.votes,
            age_hours: format!("{:.1}", t.score.age_hours),
            decay: format!("{:.1}", t.score.decay),
            score: format!("{:.4}", t.score.score),
        })
        .collect();
    let mut layout = Layout::load(&state, who.as_ref()).await?;
    layout.feed_path = Some("/papers/trending".into());
    Ok(render(&TrendingPage {
        layout,
        gravity: params.gravity,
        offset_hours: params.offset_hours,
        window_days: params.window_days,
        items: rows,
    }))
}
