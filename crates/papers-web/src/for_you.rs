//! "For you": the reader's own feed (`/papers/for-you`, and
//! `GET /api/feed/for-you` with a Bearer token or the session), ranked by
//! their model blended with trending; each paper says why it is there.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use papers_app::{ForYouRequest, Reason};
use serde::Deserialize;

use crate::error::{ApiError, PageError};
use crate::extract::ApiQuery;
use crate::guard::{ApiReader, HeavyReading, IpQuota, PageQuota, SignedIn};
use crate::state::AppState;
use crate::view::{ItemView, Layout, private, render};
use crate::wire::{ForYouItemJson, for_you_item_json, reason_text};

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_for_you))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/papers/for-you", get(page))
        .route("/api/feed/for-you", get(api_for_you))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ForYouParams {
    /// Papers to answer (1–100, default 30).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<usize>,
    /// Days of listings to rank, up to the latest listing day (1–365,
    /// default 7); older papers near your taste follow.
    #[param(minimum = 1, maximum = 365)]
    days: Option<i64>,
    /// How much the community's trending rank weighs against your model,
    /// 0–1 (default: the site's setting).
    #[param(minimum = 0, maximum = 1)]
    blend: Option<f32>,
}

impl ForYouParams {
    fn request(&self) -> ForYouRequest {
        let d = ForYouRequest::default();
        ForYouRequest {
            limit: self.limit.unwrap_or(d.limit),
            days: self.days.unwrap_or(d.days),
            trending_weight: self.blend,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/feed/for-you",
    tag = "papers",
    operation_id = "forYou",
    summary = "Your feed: recent papers ranked by your upvotes, saves and \"not interested\", blended with trending",
    params(ForYouParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Daily items, best first, each with its reason", body = Vec<crate::wire::ForYouItemJson>),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_for_you(
    State(state): State<AppState>,
    _: IpQuota<HeavyReading>,
    reader: ApiReader,
    ApiQuery(q): ApiQuery<ForYouParams>,
) -> Result<Json<Vec<ForYouItemJson>>, ApiError> {
    let user = reader.required()?;
    let feed = state
        .community
        .for_you(state.search.as_deref(), &user, q.request())
        .await?;
    Ok(Json(feed.items.iter().map(for_you_item_json).collect()))
}

struct Row {
    item: ItemView,
    reason: String,
    /// The liked paper named in the reason.
    because: Option<String>,
}

#[derive(Template)]
#[template(path = "for_you.html")]
struct ForYouPage {
    layout: Layout,
    rows: Vec<Row>,
    personal: bool,
    liked: usize,
    days: i64,
    /// The blend as a percentage of trending.
    trending_percent: u32,
}

async fn page(
    State(state): State<AppState>,
    _: PageQuota<HeavyReading>,
    SignedIn(who): SignedIn,
    q: Result<axum::extract::Query<ForYouParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let q = q.map(|q| q.0).unwrap_or_default();
    let req = q.request();
    let feed = state
        .community
        .for_you(state.search.as_deref(), &who.user, req)
        .await?;
    let rows = feed
        .items
        .iter()
        .map(|i| Row {
            item: ItemView::from_listed(&i.paper),
            reason: reason_text(&i.reason),
            because: match &i.reason {
                Reason::Because { paper_id, .. } => Some(paper_id.clone()),
                Reason::Follows { .. } | Reason::Author { .. } | Reason::Trending => None,
            },
        })
        .collect();
    Ok(private(render(&ForYouPage {
        layout: Layout::load(&state, Some(&who)).await?,
        rows,
        personal: feed.personal,
        liked: feed.liked,
        days: req.days,
        trending_percent: (feed.trending_weight * 100.0).round() as u32,
    })))
}
