//! Follows and notifications. Pages: "Following" (`/following`: what is
//! new from followed authors, categories and saved searches, and the list
//! of follows), the Follow buttons (`POST /follow`, on author pages, the
//! category view and search results), notifications (`/notifications`),
//! and the interests form (`/settings/interests`: topics and seed papers,
//! where a new account lands). API: `/api/follows`, `/api/feed/following`,
//! `/api/notifications`.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use papers_app::SavedSearch;
use papers_core::{Follow, FollowKind, Notification, NotificationKind};
use serde::Deserialize;

use crate::auth::safe_next;
use crate::error::{ApiError, PageError};
use crate::extract::ApiQuery;
use crate::guard::{ApiReader, ApiUser, JsonBody, SignedIn, SignedInForm, csrf_form};
use crate::state::AppState;
use crate::view::{ItemView, Layout, author_path, day_of, encode_query, private, render};
use crate::wire::{
    FollowJson, FollowedJson, FollowingItemJson, MarkedReadJson, NotificationsJson, follow_json,
    following_item_json, notification_json, notification_text,
};

/// Notifications a page or an API answer lists at most.
const NOTIFICATIONS_SHOWN: u64 = 100;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_follows,
    api_follow,
    api_unfollow,
    api_following,
    api_notifications,
    api_mark_read
))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/following", get(following_page))
        .route("/follow", post(follow_form))
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(read_form))
        .route(
            "/settings/interests",
            get(interests_page).post(interests_form),
        )
        .route(
            "/api/follows",
            get(api_follows).post(api_follow).delete(api_unfollow),
        )
        .route("/api/feed/following", get(api_following))
        .route("/api/notifications", get(api_notifications))
        .route("/api/notifications/read", post(api_mark_read))
}

/// Where a follow's own page is: an author's page, the category's view, a
/// search, a paper.
pub(crate) fn follow_href(f: &Follow) -> String {
    match f.kind {
        FollowKind::Author => author_path(&f.label),
        FollowKind::Category => format!("/papers/category/{}", encode_query(&f.target)),
        FollowKind::Search => format!("/papers?q={}", encode_query(&f.target)),
        FollowKind::Paper => format!("/papers/{}", f.target),
    }
}

/// A follow, ready to print.
struct FollowRow {
    kind: &'static str,
    target: String,
    label: String,
    href: String,
}

fn follow_row(f: &Follow) -> FollowRow {
    FollowRow {
        kind: f.kind.as_str(),
        target: f.target.clone(),
        label: f.label.clone(),
        href: follow_href(f),
    }
}

/// The words that say why a paper is on "Following".
fn because_text(f: &Follow) -> String {
    match f.kind {
        FollowKind::Author => format!("By {}", f.label),
        FollowKind::Category => format!("In {}", f.label),
        FollowKind::Search => format!("Matches “{}”", f.label),
        FollowKind::Paper => format!("Like “{}”", f.label),
    }
}

struct FollowingRow {
    item: ItemView,
    because: String,
    href: String,
}

#[derive(Template)]
#[template(path = "following.html")]
struct FollowingPage {
    layout: Layout,
    follows: Vec<FollowRow>,
    rows: Vec<FollowingRow>,
    days: i64,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FollowingParams {
    /// Listing days to look back, up to the latest (1–365, default 7).
    #[param(minimum = 1, maximum = 365)]
    days: Option<i64>,
}

fn saved_search(state: &AppState) -> Option<&dyn SavedSearch> {
    state.search.as_deref().map(|s| s as &dyn SavedSearch)
}

async fn following_page(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    q: Result<Query<FollowingParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let days = q.ok().and_then(|q| q.0.days).unwrap_or(7);
    let f = state
        .community
        .following(saved_search(&state), &who.user, days)
        .await?;
    let rows = f
        .items
        .iter()
        .map(|i| FollowingRow {
            item: ItemView::from_listed(&i.paper),
            because: because_text(&i.because),
            href: follow_href(&i.because),
        })
        .collect();
    Ok(private(render(&FollowingPage {
        layout: Layout::load(&state, Some(&who)).await?,
        follows: f.follows.iter().map(follow_row).collect(),
        rows,
        days: f.days,
    })))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FollowForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    /// `unfollow` to stop following; anything else follows.
    #[serde(default)]
    action: Option<String>,
    /// The page to go back to.
    #[serde(default)]
    back: Option<String>,
}

csrf_form!(FollowForm, |f| safe_next(f.back.as_deref()));

fn follow_kind(kind: &str) -> Result<FollowKind, papers_app::AppError> {
    FollowKind::parse(kind).ok_or_else(|| {
        papers_app::AppError::refused(
            papers_app::Fault::BadInput,
            "invalid_kind",
            "Follow an author, a category or a search (or a paper as a seed).",
        )
    })
}

/// A Follow or Unfollow button: then back to the page it was on.
async fn follow_form(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<FollowForm>,
) -> Result<Response, PageError> {
    let kind = follow_kind(&f.kind)?;
    if f.action.as_deref() == Some("unfollow") {
        state.community.unfollow(&who.user, kind, &f.target).await?;
    } else {
        state.community.follow(&who.user, kind, &f.target).await?;
    }
    Ok(Redirect::to(&safe_next(f.back.as_deref().or(Some("/following")))).into_response())
}

struct NotificationRow {
    text: String,
    href: String,
    date: String,
    read: bool,
}

fn notification_row(n: &Notification) -> NotificationRow {
    let href = match n.kind {
        NotificationKind::Reply => format!("/papers/{}#c{}", n.paper_id, n.detail),
        NotificationKind::AuthorPaper | NotificationKind::Code => {
            format!("/papers/{}", n.paper_id)
        }
    };
    NotificationRow {
        text: notification_text(n),
        href,
        date: day_of(n.created_at),
        read: n.read,
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    rows: Vec<NotificationRow>,
    unread: usize,
}

async fn notifications_page(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Response, PageError> {
    let list = state
        .community
        .notifications(&who.user, NOTIFICATIONS_SHOWN)
        .await?;
    Ok(private(render(&NotificationsPage {
        layout: Layout::load(&state, Some(&who)).await?,
        unread: list.iter().filter(|n| !n.read).count(),
        rows: list.iter().map(notification_row).collect(),
    })))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReadForm {
    #[serde(default)]
    csrf: Option<String>,
    /// The newest notification the page showed: later ones stay unread.
    #[serde(default)]
    up_to: Option<i64>,
}

csrf_form!(ReadForm, |_f| "/notifications".to_string());

async fn read_form(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<ReadForm>,
) -> Result<Response, PageError> {
    state
        .community
        .mark_notifications_read(&who.user, f.up_to)
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}

#[derive(Template)]
#[template(path = "interests.html")]
struct InterestsPage {
    layout: Layout,
    welcome: bool,
    categories: String,
    papers: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct InterestsParams {
    #[serde(default)]
    welcome: Option<String>,
}

async fn interests_page(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    q: Result<Query<InterestsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let follows = state.community.follows(&who.user).await?;
    let of = |kind: FollowKind, sep: &str| {
        follows
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.target.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    };
    Ok(private(render(&InterestsPage {
        layout: Layout::load(&state, Some(&who)).await?,
        welcome: q.ok().is_some_and(|q| q.0.welcome.is_some()),
        categories: of(FollowKind::Category, ", "),
        papers: of(FollowKind::Paper, "\n"),
        error: None,
    })))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct InterestsForm {
    #[serde(default)]
    csrf: Option<String>,
    /// arXiv categories, separated by commas or spaces.
    #[serde(default)]
    categories: String,
    /// arXiv ids or links, one a line (or separated by spaces or commas).
    #[serde(default)]
    papers: String,
}

csrf_form!(InterestsForm, |_f| "/settings/interests".to_string());

/// An arXiv id from what a reader pastes: an id, or an arXiv or Hugging
/// Face link to the paper.
fn pasted_id(s: &str) -> &str {
    let s = s.trim().trim_end_matches('/');
    let s = s.strip_suffix(".pdf").unwrap_or(s);
    ["/abs/", "/pdf/", "/papers/"]
        .iter()
        .find_map(|m| s.rsplit_once(m).map(|(_, id)| id))
        .unwrap_or(s)
}

async fn interests_form(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<InterestsForm>,
) -> Result<Response, PageError> {
    let categories: Vec<String> = f
        .categories
        .split([',', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let papers: Vec<String> = f
        .papers
        .split([',', ' ', '\n', '\r', '\t'])
        .map(pasted_id)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    match state
        .community
        .set_interests(&who.user, &categories, &papers)
        .await
    {
        Ok(()) => Ok(Redirect::to("/papers/for-you").into_response()),
        Err(e) => {
            let message = match &e {
                papers_app::AppError::Refused { message, .. } => message.clone(),
                _ => return Err(e.into()),
            };
            let page = render(&InterestsPage {
                layout: Layout::load(&state, Some(&who)).await?,
                welcome: false,
                categories: f.categories,
                papers: f.papers,
                error: Some(message),
            });
            Ok((StatusCode::BAD_REQUEST, private(page)).into_response())
        }
    }
}

/// What `POST` and `DELETE /api/follows` name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct FollowBody {
    /// `author`, `category`, `search`, or `paper` (a seed of your taste).
    #[schema(pattern = "^(author|category|search|paper)$")]
    kind: String,
    /// An author's name (any spelling of it), a category such as `cs.CL`,
    /// a query, a paper's arXiv id.
    #[schema(pattern = r"\S", max_length = 250)]
    target: String,
}

#[utoipa::path(
    get,
    path = "/api/follows",
    tag = "community",
    operation_id = "listFollows",
    summary = "What you follow: authors, categories, saved searches and seed papers",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Oldest first", body = Vec<crate::wire::FollowJson>),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_follows(
    State(state): State<AppState>,
    reader: ApiReader,
) -> Result<Json<Vec<FollowJson>>, ApiError> {
    let user = reader.required()?;
    let follows = state.community.follows(&user).await?;
    Ok(Json(follows.iter().map(follow_json).collect()))
}

#[utoipa::path(
    post,
    path = "/api/follows",
    tag = "community",
    operation_id = "follow",
    summary = "Follow an author, a category or a search, or choose a seed paper",
    request_body = FollowBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Followed", body = crate::wire::FollowedJson),
        (status = 200, description = "You followed it already", body = crate::wire::FollowedJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned)", body = crate::wire::RefusalJson),
        (status = 404, description = "No such author or paper", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit, or you follow as many things as you may", body = crate::wire::RefusalJson),
    )
)]
async fn api_follow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<FollowBody>,
) -> Result<(StatusCode, Json<FollowedJson>), ApiError> {
    let kind = follow_kind(&b.kind)?;
    let (follow, new) = state.community.follow(&user, kind, &b.target).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(FollowedJson {
            follow: follow_json(&follow),
            new,
        }),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/follows",
    tag = "community",
    operation_id = "unfollow",
    summary = "Stop following",
    request_body = FollowBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not followed any more"),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned)", body = crate::wire::RefusalJson),
        (status = 404, description = "You did not follow it", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_unfollow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<FollowBody>,
) -> Result<StatusCode, ApiError> {
    let kind = follow_kind(&b.kind)?;
    if state.community.unfollow(&user, kind, &b.target).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("you do not follow that".into()))
    }
}

#[utoipa::path(
    get,
    path = "/api/feed/following",
    tag = "papers",
    operation_id = "following",
    summary = "New papers by the authors, in the categories and matching the searches you follow",
    params(FollowingParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Daily items, newest first, each with the follow that put it there", body = Vec<crate::wire::FollowingItemJson>),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_following(
    State(state): State<AppState>,
    reader: ApiReader,
    ApiQuery(q): ApiQuery<FollowingParams>,
) -> Result<Json<Vec<FollowingItemJson>>, ApiError> {
    let user = reader.required()?;
    let f = state
        .community
        .following(saved_search(&state), &user, q.days.unwrap_or(7))
        .await?;
    Ok(Json(f.items.iter().map(following_item_json).collect()))
}

#[utoipa::path(
    get,
    path = "/api/notifications",
    tag = "community",
    operation_id = "listNotifications",
    summary = "Your notifications: replies, new papers by authors you follow, code on papers you saved",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first, with the unread count", body = crate::wire::NotificationsJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_notifications(
    State(state): State<AppState>,
    reader: ApiReader,
) -> Result<Json<NotificationsJson>, ApiError> {
    let user = reader.required()?;
    let (list, unread) = tokio::try_join!(
        state.community.notifications(&user, NOTIFICATIONS_SHOWN),
        state.community.unread_notifications(&user),
    )?;
    Ok(Json(NotificationsJson {
        unread,
        notifications: list.iter().map(notification_json).collect(),
    }))
}

/// `POST /api/notifications/read`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct MarkReadBody {
    /// Mark those up to this id (the newest you have seen); all when absent.
    #[schema(value_type = Option<i64>)]
    up_to: Option<serde_json::Number>,
}

impl MarkReadBody {
    /// The id, read as JSON Schema reads an integer (`3.0` is 3).
    fn up_to(&self) -> Result<Option<i64>, ApiError> {
        let Some(n) = &self.up_to else {
            return Ok(None);
        };
        let whole = |f: &f64| f.fract() == 0.0 && *f > i64::MIN as f64 && *f < i64::MAX as f64;
        n.as_i64()
            .or_else(|| n.as_f64().filter(whole).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad(
                    "invalid_up_to",
                    "upTo is a notification id: a 64-bit whole number.",
                )
            })
    }
}

#[utoipa::path(
    post,
    path = "/api/notifications/read",
    tag = "community",
    operation_id = "markNotificationsRead",
    summary = "Mark your notifications read",
    request_body = MarkReadBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many were marked", body = crate::wire::MarkedReadJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned)", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_mark_read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<MarkReadBody>,
) -> Result<Json<MarkedReadJson>, ApiError> {
    let marked = state
        .community
        .mark_notifications_read(&user, b.up_to()?)
        .await?;
    Ok(Json(MarkedReadJson { marked }))
}

/// A Follow (or Unfollow) button, as `follow_button.html` prints it; to
/// a signed-out viewer, a link to sign in and come back.
pub(crate) struct FollowButton {
    pub kind: &'static str,
    /// What the form sends (a name, a category, a query).
    pub target: String,
    pub following: bool,
    pub signed_in: bool,
    /// The page the button is on.
    pub back: String,
    /// The sign-in link that comes back here.
    pub sign_in: String,
}

impl FollowButton {
    /// The button for `target` of `kind` on the page `back`.
    pub(crate) async fn load(
        state: &AppState,
        who: Option<&crate::session::Viewer>,
        kind: FollowKind,
        target: &str,
        back: String,
    ) -> Result<FollowButton, PageError> {
        let key = papers_app::follow_key(kind, target);
        let following = match who {
            Some(who) => state
                .community
                .follows(&who.user)
                .await?
                .iter()
                .any(|f| f.kind == kind && f.target == key),
            None => false,
        };
        Ok(FollowButton {
            kind: kind.as_str(),
            target: target.to_string(),
            following,
            signed_in: who.is_some(),
            sign_in: format!("/signin?next={}", encode_query(&back)),
            back,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_links_become_ids() {
        for (pasted, id) in [
            ("2408.01234", "2408.01234"),
            (" https://arxiv.org/abs/2408.01234v2 ", "2408.01234v2"),
            ("https://arxiv.org/pdf/2408.01234.pdf", "2408.01234"),
            ("https://huggingface.co/papers/2408.01234", "2408.01234"),
            ("http://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ] {
            assert_eq!(pasted_id(pasted), id, "{pasted}");
        }
    }
}
