//! Extractors for what many handlers read from a request: the viewer, a
//! paper's id in either arXiv style, a window of days, a page number, and a
//! feed's file name.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use papers_core::DateWindow;
use serde::Deserialize;

use crate::error::{ApiError, PageError};
use crate::session::{Viewer, viewer};
use crate::state::AppState;

/// The signed-in viewer behind the session cookie, if any.
#[derive(Debug)]
pub(crate) struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(MaybeViewer(viewer(state, &parts.headers).await))
    }
}

/// The path's parameters by name.
async fn path_params(
    parts: &mut Parts,
    state: &AppState,
) -> Result<HashMap<String, String>, Response> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map(|Path(p)| p)
        .map_err(IntoResponse::into_response)
}

/// A paper's id as the path gives it: new-style `{id}` (`2410.12345`) or
/// old-style `{archive}/{num}` (`hep-th/9901001`, two segments), not yet
/// parsed (pages and the API word a bad id differently).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub(crate) struct PaperId(
    /// An arXiv id: new style (`2407.21783`, a version suffix and an
    /// `arXiv:` prefix allowed) or old style (`hep-th/9901001`). An id we do
    /// not hold is a 404.
    #[param(
        pattern = r"^([aA][rR][xX][iI][vV]:)?((1[5-9]|[2-8][0-9])(0[1-9]|1[0-2])\.[0-9]{5}|(0[0-9]|1[0-4]|9[0-9])(0[1-9]|1[0-2])\.[0-9]{4}|[a-zA-Z-]+(\.[a-zA-Z]{1,2})?/[0-9]{2}(0[1-9]|1[0-2])[0-9]{3})([vV][1-9][0-9]{0,3})?$",
        example = "2407.21783"
    )]
    pub String,
);

impl FromRequestParts<AppState> for PaperId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let mut p = path_params(parts, state).await?;
        let id = match (p.remove("archive"), p.remove("num"), p.remove("id")) {
            (Some(archive), Some(num), _) => format!("{archive}/{num}"),
            (_, _, Some(id)) => id,
            _ => String::new(),
        };
        Ok(PaperId(id))
    }
}

/// Routes `handler` at `{prefix}/{id}{suffix}` for both styles of arXiv id:
/// `{id}` and the two segments `{archive}/{num}` (read by [`PaperId`]).
pub(crate) fn at_paper(
    router: Router<AppState>,
    prefix: &str,
    suffix: &str,
    handler: MethodRouter<AppState>,
) -> Router<AppState> {
    router
        .route(&format!("{prefix}/{{id}}{suffix}"), handler.clone())
        .route(&format!("{prefix}/{{archive}}/{{num}}{suffix}"), handler)
}

/// A window of days from the path's `{date}`, `{week}` or `{month}`; a
/// malformed one is a 400 page.
#[derive(Debug)]
pub(crate) struct Window(pub DateWindow);

impl FromRequestParts<AppState> for Window {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let p = path_params(parts, state).await?;
        let parsed = if let Some(d) = p.get("date") {
            DateWindow::parse_day(d)
        } else if let Some(w) = p.get("week") {
            DateWindow::parse_week(w)
        } else if let Some(m) = p.get("month") {
            DateWindow::parse_month(m)
        } else {
            return Err(PageError::NotFound("No window of days here.".into()).into_response());
        };
        parsed
            .map(Window)
            .map_err(|e| PageError::BadRequest(e.to_string()).into_response())
    }
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    p: Option<String>,
}

/// The page number of a list (`?p=`, from 0); anything else is a 400 page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging(pub u64);

impl FromRequestParts<AppState> for Paging {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Query(params) = Query::<PageParams>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match params.p {
            None => Ok(Paging(0)),
            Some(s) => s
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= 100_000)
                .map(Paging)
                .ok_or_else(|| {
                    PageError::BadRequest(format!("Page {s:?} is not a page number."))
                        .into_response()
                }),
        }
    }
}

/// The query string of a JSON endpoint: like axum's `Query`, but a string
/// that does not parse (a parameter given twice, say) is a JSON 400 in the
/// API's error shape, not a plain-text one.
#[derive(Debug, Clone)]
pub(crate) struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| ApiQuery(t))
            .map_err(|e| ApiError::bad("invalid_query_string", e.body_text()))
    }
}
