//! How failures answer: [`PageError`] as a real HTML error page (laid out
//! by `view::error_pages`), [`ApiError`]
//! as a JSON error body. The user's faults get 4xx with a message; ours get
//! 500, are logged, and are never detailed to the client.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use papers_app::{AppError, Fault};

use crate::wire::{ErrorJson, RefusalJson};

/// The status a refusal of the use cases maps to.
pub(crate) fn fault_status(f: Fault) -> StatusCode {
    match f {
        Fault::BadInput => StatusCode::BAD_REQUEST,
        Fault::Unauthorized => StatusCode::UNAUTHORIZED,
        Fault::Forbidden => StatusCode::FORBIDDEN,
        Fault::NotFound => StatusCode::NOT_FOUND,
        Fault::Conflict => StatusCode::CONFLICT,
        Fault::TooMany => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// A `Retry-After` header on `resp`.
fn retry_after(mut resp: Response, wait: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// An API failure: the user's fault (4xx, with a message naming the
/// parameter) or ours (500, logged, never detailed to the client).
#[derive(Debug)]
pub(crate) enum ApiError {
    BadRequest {
        code: &'static str,
        message: String,
    },
    NotFound(String),
    Unauthorized(String),
    /// Over a rate limit: seconds to wait.
    TooMany(u64),
    App(AppError),
}

impl ApiError {
    pub(crate) fn bad(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// Ours: logged, answered as a bare 500.
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::App(AppError::internal(e.to_string()))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::BadRequest { code, message } => (StatusCode::BAD_REQUEST, code, message),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m),
            ApiError::TooMany(wait) => {
                let body = Json(ErrorJson {
                    error: "too many requests; slow down",
                    code: "rate_limited",
                });
                return retry_after((StatusCode::TOO_MANY_REQUESTS, body).into_response(), wait);
            }
            ApiError::App(AppError::Refused {
                fault,
                code,
                message,
                link,
            }) => {
                let body = RefusalJson {
                    code,
                    error: message,
                    link,
                };
                return (fault_status(fault), Json(body)).into_response();
            }
            ApiError::App(AppError::Upstream(e)) => {
                tracing::warn!(error = %e, "upstream failure");
                (
                    StatusCode::BAD_GATEWAY,
                    "upstream",
                    "arXiv could not be reached; try again later".to_string(),
                )
            }
            ApiError::App(e) => {
                tracing::error!(
                    error = &e as &dyn std::error::Error,
                    "internal error in API handler"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".to_string(),
                )
            }
        };
        let body = Json(ErrorJson {
            error: &message,
            code,
        });
        (status, body).into_response()
    }
}

/// A page failure, shown as a real HTML error page.
#[derive(Debug)]
pub(crate) enum PageError {
    BadRequest(String),
    NotFound(String),
    Forbidden(String),
    TooMany(u64),
    Status(StatusCode, String),
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Refused { fault, message, .. } => {
                PageError::Status(fault_status(fault), message)
            }
            other => PageError::App(other),
        }
    }
}

/// What an error page says; the page itself is laid out by
/// `view::error_pages`, which knows the site's clock.
#[derive(Clone, Debug)]
pub(crate) struct ErrorMessage(pub String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            PageError::Status(s, m) => (s, m),
            PageError::TooMany(wait) => {
                let message =
                    format!("Too many requests. Please wait {wait} seconds and try again.");
                let resp = (StatusCode::TOO_MANY_REQUESTS, ErrorMessage(message));
                return retry_after(resp.into_response(), wait);
            }
            PageError::App(e) => {
                tracing::error!(
                    error = &e as &dyn std::error::Error,
                    "internal error rendering a page"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.".to_string(),
                )
            }
        };
        (status, ErrorMessage(message)).into_response()
    }
}

impl IntoResponse for ErrorMessage {
    fn into_response(self) -> Response {
        let mut resp = Response::new(Body::empty());
        resp.extensions_mut().insert(self);
        resp
    }
}
