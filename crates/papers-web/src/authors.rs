//! Authors and the people behind them: an author's page (`/authors/{name}`:
//! their papers, co-authors and upvotes), claiming authorship of a paper
//! (the paper page's form, `POST /claim`, and `POST /api/papers/{id}/claim`),
//! and a reader's profile (`/users/{username}`) with the papers verified as
//! theirs. Admins decide claims in `admin.rs`.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use papers_app::{Coauthor, format_timestamp};
use papers_core::{AuthorshipClaim, ClaimStatus, FollowKind};
use serde::Deserialize;

use crate::error::{ApiError, PageError};
use crate::extract::{MaybeViewer, Paging, PaperId, at_paper};
use crate::follows::FollowButton;
use crate::guard::{ApiUser, JsonBody, SignedInForm, csrf_form};
use crate::state::AppState;
use crate::view::{
    ItemView, Layout, author_path, cached_html, day_of, private, profile_path, render,
};
use crate::wire::ClaimJson;

/// Papers an author's page lists at a time.
const PAGE_SIZE: u64 = 30;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_claim))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/authors/{name}", get(author))
        .route("/users/{username}", get(profile))
        .route("/claim", post(claim));
    at_paper(r, "/api/papers", "/claim", post(api_claim))
}

/// A co-author, linked to their page.
struct CoauthorView {
    name: String,
    href: String,
    papers: u64,
}

#[derive(Template)]
#[template(path = "author.html")]
struct AuthorPage {
    layout: Layout,
    name: String,
    papers: u64,
    upvotes: i64,
    coauthors: Vec<CoauthorView>,
    items: Vec<ItemView>,
    more_path: Option<String>,
    less_path: Option<String>,
    follow: FollowButton,
}

/// `/authors/{name}`: every spelling of the name with the same key is the
/// same page (links use the name as the paper writes it).
async fn author(
    State(state): State<AppState>,
    uri: Uri,
    MaybeViewer(who): MaybeViewer,
    Path(name): Path<String>,
    Paging(page): Paging,
) -> Response {
    cached_html(&state, &uri, who.is_some(), async {
        let found = state
            .catalog
            .author(&name, page * PAGE_SIZE, PAGE_SIZE)
            .await?
            .ok_or_else(|| PageError::NotFound(format!("We have no papers by “{name}”.")))?;
        let path = author_path(&name);
        let follow = FollowButton::load(
            &state,
            who.as_ref(),
            FollowKind::Author,
            &found.name,
            path.clone(),
        )
        .await?;
        let total = found.papers.total;
        let more_path = ((page + 1) * PAGE_SIZE < total).then(|| format!("{path}?p={}", page + 1));
        let less_path = (page > 0).then(|| match page {
            1 => path.clone(),
            n => format!("{path}?p={}", n - 1),
        });
        Ok::<Html<String>, PageError>(render(&AuthorPage {
            layout: Layout::load(&state, who.as_ref()).await?,
            name: found.name,
            papers: total,
            upvotes: found.upvotes,
            coauthors: found.coauthors.into_iter().map(coauthor_view).collect(),
            items: ItemView::list(&found.papers.items),
            more_path,
            less_path,
            follow,
        }))
    })
    .await
}

fn coauthor_view(c: Coauthor) -> CoauthorView {
    CoauthorView {
        href: author_path(&c.name),
        name: c.name,
        papers: c.papers,
    }
}

/// One of the viewer's own claims, on their profile.
struct ClaimRow {
    paper_id: String,
    author: String,
    status: &'static str,
    date: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    username: String,
    joined: String,
    items: Vec<ItemView>,
    /// The viewer's claims that are not verified yet or were rejected
    /// (on their own profile only).
    claims: Vec<ClaimRow>,
    own: bool,
}

/// `/users/{username}`: the papers verified as theirs; to its owner, their
/// other claims too.
async fn profile(
    State(state): State<AppState>,
    uri: Uri,
    MaybeViewer(who): MaybeViewer,
    Path(username): Path<String>,
) -> Response {
    let own = who
        .as_ref()
        .is_some_and(|v| v.user.username.eq_ignore_ascii_case(&username));
    let build = async {
        let p = state
            .community
            .profile(&username)
            .await?
            .ok_or_else(|| PageError::NotFound(format!("There is no reader “{username}”.")))?;
        let claims = if own {
            p.claims
                .iter()
                .filter(|c| c.status != ClaimStatus::Verified)
                .map(claim_row)
                .collect()
        } else {
            Vec::new()
        };
        Ok::<Html<String>, PageError>(render(&ProfilePage {
            layout: Layout::load(&state, who.as_ref()).await?,
            username: p.username,
            joined: day_of(p.joined),
            items: ItemView::list(&p.papers),
            claims,
            own,
        }))
    };
    if own {
        return match build.await {
            Ok(html) => private(html),
            Err(e) => e.into_response(),
        };
    }
    cached_html(&state, &uri, who.is_some(), build).await
}

fn claim_row(c: &AuthorshipClaim) -> ClaimRow {
    ClaimRow {
        paper_id: c.paper_id.clone(),
        author: c.author_name.clone(),
        status: match c.status {
            ClaimStatus::Pending => "waiting for an admin",
            ClaimStatus::Verified => "verified",
            ClaimStatus::Rejected => "rejected",
        },
        date: format_timestamp(c.created_at).chars().take(10).collect(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ClaimForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: String,
    #[serde(default)]
    author: String,
}

csrf_form!(ClaimForm, |f| format!("/papers/{}", f.paper));

/// The paper page's claim form: then to the claimant's profile, which
/// lists the claim while it waits.
async fn claim(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<ClaimForm>,
) -> Result<Response, PageError> {
    state
        .community
        .claim_authorship(&who.user, &f.paper, &f.author)
        .await?;
    Ok(Redirect::to(&profile_path(&who.user.username)).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ClaimBody {
    /// The author you are, as the paper names them (case, accents and
    /// spacing aside).
    #[schema(pattern = r"\S", max_length = 1000)]
    author: String,
}

/// `POST /api/papers/{id}/claim` → 201 with the pending claim.
#[utoipa::path(
    post,
    path = "/api/papers/{id}/claim",
    tag = "community",
    operation_id = "claimAuthorship",
    summary = "Claim to be one of a paper's authors (an admin verifies it)",
    params(crate::extract::PaperId),
    request_body = ClaimBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Claimed; waiting for an admin", body = crate::wire::ClaimJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned)", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper, or no author of it by that name", body = crate::wire::RefusalJson),
        (status = 409, description = "You claimed this paper already, or that author is verified as someone else", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_claim(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    PaperId(id): PaperId,
    JsonBody(b): JsonBody<ClaimBody>,
) -> Result<(StatusCode, Json<ClaimJson>), ApiError> {
    let c = state
        .community
        .claim_authorship(&user, &id, &b.author)
        .await?;
    Ok((StatusCode::CREATED, Json(ClaimJson::of(&c))))
}
