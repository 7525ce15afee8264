//! Putting a paper on today's feed: the `/submit` form and
//! `POST /api/papers/submit`.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use papers_app::AppError;
use serde::Deserialize;

use crate::error::{ApiError, PageError, fault_status};
use crate::guard::{ApiUser, JsonBody, SignedIn, SignedInForm, csrf_form};
use crate::session::Viewer;
use crate::state::AppState;
use crate::view::{Layout, private, private_with, render};
use crate::wire::SubmittedJson;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_submit))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/submit", get(form).post(submit))
        .route("/api/papers/submit", post(api_submit))
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    layout: Layout,
    quota: u64,
    id: String,
    comment: String,
    error: Option<String>,
    link: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SubmitForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    comment: String,
}

csrf_form!(SubmitForm, |_f| "/submit".to_string());

/// The form, filled with `form` and a refusal's message and link.
async fn submit_page(
    state: &AppState,
    who: &Viewer,
    form: SubmitForm,
    error: Option<(String, Option<String>)>,
) -> Result<SubmitPage, PageError> {
    let (error, link) = error.map_or((None, None), |(e, l)| (Some(e), l));
    Ok(SubmitPage {
        layout: Layout::load(state, Some(who)).await?,
        quota: state.community.settings.daily_submission_quota,
        id: form.id,
        comment: form.comment,
        error,
        link,
    })
}

async fn form(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Response, PageError> {
    let page = submit_page(&state, &who, SubmitForm::default(), None).await?;
    Ok(private(render(&page)))
}

async fn submit(
    State(state): State<AppState>,
    SignedInForm { who, form: f }: SignedInForm<SubmitForm>,
) -> Result<Response, PageError> {
    let e = match state
        .community
        .submit(&who.user, &f.id, Some(&f.comment))
        .await
    {
        Ok(s) => {
            submitted(&state);
            let to = format!("/papers/{}", s.paper_id.base());
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e) => e,
    };
    let (status, refusal) = match e {
        AppError::Refused {
            fault,
            message,
            link,
            ..
        } => (fault_status(fault), (message, link)),
        AppError::Upstream(_) => (
            StatusCode::BAD_GATEWAY,
            (
                "arXiv could not be reached. Please try again in a minute.".to_string(),
                None,
            ),
        ),
        e => return Err(e.into()),
    };
    let page = submit_page(&state, &who, f, Some(refusal)).await?;
    Ok(private_with(status, render(&page)))
}

/// After a submission: pages show it at once, search soon.
fn submitted(state: &AppState) {
    state.cache.invalidate();
    if let Some(finder) = state.finder() {
        state.background.spawn(finder.index_changes());
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SubmitBody {
    /// An arXiv id (an abs or pdf URL works too).
    #[schema(
        pattern = r"^([aA][rR][xX][iI][vV]:)?((1[5-9]|[2-8][0-9])(0[1-9]|1[0-2])\.[0-9]{5}|(0[0-9]|1[0-4]|9[0-9])(0[1-9]|1[0-2])\.[0-9]{4}|[a-zA-Z-]+(\.[a-zA-Z]{1,2})?/[0-9]{2}(0[1-9]|1[0-2])[0-9]{3})([vV][1-9][0-9]{0,3})?$"
    )]
    id: String,
    /// Why it is worth reading.
    #[serde(default)]
    comment: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/papers/submit",
    tag = "community",
    operation_id = "submitPaper",
    summary = "Put a paper on today's daily list",
    request_body = SubmitBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "On the list", body = crate::wire::SubmittedJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned, hidden, not yours)", body = crate::wire::RefusalJson),
        (status = 404, description = "No such paper or comment", body = crate::wire::RefusalJson),
        (status = 409, description = "Conflicts with what exists", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_submit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<SubmitBody>,
) -> Result<(StatusCode, Json<SubmittedJson>), ApiError> {
    let s = state
        .community
        .submit(&user, &b.id, b.comment.as_deref())
        .await?;
    submitted(&state);
    Ok((
        StatusCode::CREATED,
        Json(SubmittedJson {
            id: s.paper_id.base().to_string(),
            submitted_on_daily_at: format!("{}T00:00:00.000Z", s.day),
            title: s.title,
            url: format!("/papers/{}", s.paper_id.base()),
        }),
    ))
}
