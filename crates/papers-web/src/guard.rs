//! Who may do what: CSRF checks on forms (the session's token, or a
//! double-submit cookie before sign-in), sign-in for personal pages and
//! writes, Bearer tokens for the API, and the rate limits — as extractors,
//! so a handler only runs for a request that passed them.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use papers_app::random_token;
use papers_core::User;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, PageError};
use crate::limits::{Action, client_ip};
use crate::session::{
    Viewer, bearer, cookie, csrf_cookie, same_secret, set_cookie, viewer, with_cookie,
};
use crate::state::AppState;
use crate::view::encode_path;

/// A form that carries a CSRF token.
pub(crate) trait CsrfForm: DeserializeOwned + Send {
    fn csrf(&self) -> Option<&str>;

    /// Where to come back to after signing in.
    fn back(&self) -> String {
        "/".to_string()
    }
}

/// Implements [`CsrfForm`] for forms with a `csrf: Option<String>` field,
/// optionally with the page to come back to.
macro_rules! csrf_form {
    ($form:ty) => {
        impl $crate::guard::CsrfForm for $form {
            fn csrf(&self) -> Option<&str> {
                self.csrf.as_deref()
            }
        }
    };
    ($form:ty, |$f:ident| $back:expr) => {
        impl $crate::guard::CsrfForm for $form {
            fn csrf(&self) -> Option<&str> {
                self.csrf.as_deref()
            }
            fn back(&self) -> String {
                let $f = self;
                $back
            }
        }
    };
}
pub(crate) use csrf_form;

/// The anonymous double-submit CSRF token: the `dp_csrf` cookie's value, or a
/// fresh one to set (`true`).
pub(crate) fn anonymous_csrf(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, bool), PageError> {
    match cookie(headers, csrf_cookie(state)) {
        Some(v) if v.len() >= 32 => Ok((v, false)),
        _ => Ok((random_token("")?, true)),
    }
}

/// The token the forms of a page carry: the session's when signed in, else
/// the anonymous one (`true` when it is new and its cookie must be set).
pub(crate) fn form_csrf(
    state: &AppState,
    who: Option<&Viewer>,
    headers: &HeaderMap,
) -> Result<(String, bool), PageError> {
    match who {
        Some(v) => Ok((v.csrf.clone(), false)),
        None => anonymous_csrf(state, headers),
    }
}

/// `resp` with the anonymous CSRF cookie set when its token is `fresh`.
pub(crate) fn remember_csrf(state: &AppState, resp: Response, csrf: &str, fresh: bool) -> Response {
    if fresh {
        with_cookie(
            resp,
            set_cookie(state, csrf_cookie(state), csrf, 60 * 60 * 24),
        )
    } else {
        resp
    }
}

/// Checks the form's CSRF token: against the session when signed in, else
/// against the `dp_csrf` cookie. Answers the viewer, if any.
async fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    sent: Option<&str>,
) -> Result<Option<Viewer>, PageError> {
    let sent = sent.unwrap_or("");
    let who = viewer(state, headers).await;
    let expected = match &who {
        Some(v) => Some(v.csrf.clone()),
        None => cookie(headers, csrf_cookie(state)),
    };
    match expected {
        Some(e) if !sent.is_empty() && same_secret(&e, sent) => Ok(who),
        _ => Err(PageError::Forbidden(
            "This form has expired or did not come from this site (CSRF check failed). Reload the page and try again.".into(),
        )),
    }
}

/// Counts one `action` from the client (and `user`) against the limits.
pub(crate) fn page_limit(
    state: &AppState,
    action: Action,
    client: IpAddr,
    user: Option<i64>,
) -> Result<(), PageError> {
    state
        .limiter
        .check(action, client, user)
        .map_err(PageError::TooMany)
}

/// The way to the sign-in page, coming back to `next`.
fn sign_in_first(next: &str) -> Response {
    Redirect::to(&format!("/signin?next={}", encode_path(next))).into_response()
}

/// The client's address: the peer, or what a trusted proxy says it saw.
async fn client(parts: &mut Parts, state: &AppState) -> IpAddr {
    let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
        .await
        .ok()
        .map(|ConnectInfo(p)| p);
    client_ip(peer, &parts.headers, &state.config.trusted_proxies)
}

/// A form whose CSRF token checked out, from a viewer who may be signed in,
/// and the client's address.
#[derive(Debug)]
pub(crate) struct Checked<T> {
    pub who: Option<Viewer>,
    pub form: T,
    pub client: IpAddr,
}

impl<T: CsrfForm> FromRequest<AppState> for Checked<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let client = client(&mut parts, state).await;
        let headers = parts.headers.clone();
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let who = check_csrf(state, &headers, form.csrf())
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Checked { who, form, client })
    }
}

/// A form to sign up, in or reset a password: its CSRF token checked, and
/// within the per-address limit on sign-in attempts.
#[derive(Debug)]
pub(crate) struct SignInForm<T>(pub T);

impl<T: CsrfForm> FromRequest<AppState> for SignInForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let Checked { form, client, .. } = Checked::<T>::from_request(req, state).await?;
        page_limit(state, Action::SignIn, client, None).map_err(IntoResponse::into_response)?;
        Ok(SignInForm(form))
    }
}

/// A signed-in viewer, for a personal page; otherwise the way to sign in
/// and back to this page.
#[derive(Debug)]
pub(crate) struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match viewer(state, &parts.headers).await {
            Some(v) => Ok(SignedIn(v)),
            None => Err(sign_in_first(parts.uri.path())),
        }
    }
}

/// A form post that changes state for a signed-in viewer: its CSRF token
/// checked, the viewer signed in (else sent to sign in and back to the
/// form's page), and within the write limits.
#[derive(Debug)]
pub(crate) struct SignedInForm<T> {
    pub who: Viewer,
    pub form: T,
}

impl<T: CsrfForm> FromRequest<AppState> for SignedInForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let Checked { who, form, client } = Checked::<T>::from_request(req, state).await?;
        let who = who.ok_or_else(|| sign_in_first(&form.back()))?;
        page_limit(state, Action::Write, client, Some(who.user.id))
            .map_err(IntoResponse::into_response)?;
        Ok(SignedInForm { who, form })
    }
}

/// The user behind an API request's Bearer token (401 without a valid
/// one), within the write limits.
#[derive(Debug)]
pub(crate) struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::Unauthorized(
                "send `Authorization: Bearer <token>`; get one from POST /api/auth/token".into(),
            )
        })?;
        let user = state
            .community
            .bearer_user(token)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("this token is invalid or revoked".into()))?;
        api_limit(parts, state, Action::Write, Some(user.id)).await?;
        Ok(ApiUser(user))
    }
}

/// The caller of the JSON API by Bearer token, or else by the session
/// cookie (the site's own links and scripts); `None` when neither. A token
/// that is invalid or revoked is a 401, never an anonymous read.
#[derive(Debug)]
pub(crate) struct ApiReader(pub Option<User>);

impl ApiReader {
    /// The caller, or a 401 saying how to be one.
    pub(crate) fn required(self) -> Result<User, ApiError> {
        self.0.ok_or_else(|| {
            ApiError::Unauthorized(
                "sign in, or send `Authorization: Bearer <token>` (POST /api/auth/token)".into(),
            )
        })
    }
}

impl FromRequestParts<AppState> for ApiReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match bearer(&parts.headers) {
            Some(token) => match state.community.bearer_user(token).await? {
                Some(user) => Ok(ApiReader(Some(user))),
                None => Err(ApiError::Unauthorized(
                    "this token is invalid or revoked".into(),
                )),
            },
            None => Ok(ApiReader(
                crate::session::viewer(state, &parts.headers)
                    .await
                    .map(|v| v.user),
            )),
        }
    }
}

async fn api_limit(
    parts: &mut Parts,
    state: &AppState,
    action: Action,
    user: Option<i64>,
) -> Result<(), ApiError> {
    let client = client(parts, state).await;
    state
        .limiter
        .check(action, client, user)
        .map_err(ApiError::TooMany)
}

/// What an anonymous API request is counted as.
pub(crate) trait Counted {
    const ACTION: Action;
}

/// Signing in or up.
#[derive(Debug)]
pub(crate) struct SigningIn;

impl Counted for SigningIn {
    const ACTION: Action = Action::SignIn;
}

/// Writing without an account.
#[derive(Debug)]
pub(crate) struct Writing;

impl Counted for Writing {
    const ACTION: Action = Action::Write;
}

/// A search (a new query runs the embedding model).
#[derive(Debug)]
pub(crate) struct Searching;

impl Counted for Searching {
    const ACTION: Action = Action::Search;
}

/// A read that loads more than one page's worth (trending, comment lists).
#[derive(Debug)]
pub(crate) struct HeavyReading;

impl Counted for HeavyReading {
    const ACTION: Action = Action::HeavyRead;
}

/// A page request within the per-IP limit of its kind.
#[derive(Debug)]
pub(crate) struct PageQuota<K>(PhantomData<K>);

impl<K: Counted> FromRequestParts<AppState> for PageQuota<K> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let client = client(parts, state).await;
        page_limit(state, K::ACTION, client, None)?;
        Ok(PageQuota(PhantomData))
    }
}

/// An anonymous API request within the per-IP limit of its kind.
#[derive(Debug)]
pub(crate) struct IpQuota<K>(PhantomData<K>);

impl<K: Counted> FromRequestParts<AppState> for IpQuota<K> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        api_limit(parts, state, K::ACTION, None).await?;
        Ok(IpQuota(PhantomData))
    }
}

/// A JSON request body; a malformed one is a 400 `invalid_json`.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(b)| JsonBody(b))
            .map_err(|e: JsonRejection| ApiError::bad("invalid_json", e.body_text()))
    }
}
