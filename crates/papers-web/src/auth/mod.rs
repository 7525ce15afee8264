//! Accounts: sign-up, sign-in, sign-out and password resets as pages and
//! forms, the settings page with API tokens, the JSON sign-up and token
//! endpoints, and your data: its export and the account's deletion.

mod api;
mod me;
mod pages;
mod settings;

pub(crate) use settings::IdForm;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::state::AppState;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::sign_up, api::token))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/signup",
            get(pages::entry_form::<true>).post(pages::enter::<true>),
        )
        .route(
            "/signin",
            get(pages::entry_form::<false>).post(pages::enter::<false>),
        )
        .route("/signout", post(pages::sign_out))
        .route("/reset", get(pages::reset_form).post(pages::reset))
        .route("/settings", get(settings::settings))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/revoke", post(settings::revoke_token))
        .route("/api/auth/signup", post(api::sign_up))
        .route("/api/auth/token", post(api::token))
        .route("/api/me/export", get(me::export))
        .route("/api/me", delete(me::delete))
        .route("/settings/delete", post(me::delete_form))
}

/// Only a local path is followed after a form: parsed as `/path?query`
/// (every character one a URL may hold as it is: no control characters,
/// spaces, backslashes or fragments, which browsers repair into another
/// host, as `/\t/evil.com` becomes `//evil.com`), and never `//`, which is
/// another host. Anything else goes to the home page.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_string();
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%".contains(c);
    let (path, query) = n.split_once('?').unwrap_or((n, ""));
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.split('/').any(|seg| seg == "..")
        && n.chars().all(allowed)
        && !query.contains('?');
    if !local {
        return "/".to_string();
    }
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        for good in [
            "/",
            "/papers/2410.12345",
            "/papers?q=llm&p=2",
            "/papers/hep-th/9901001",
        ] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.com",
            "/\t/evil.com",
            "/\\evil.com",
            "https://evil.com",
            "/%09/evil.com\u{0}",
            " /x",
            "/x y",
            "/a#frag",
            "evil.com",
            "/../x",
            "/\u{e9}",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
