//! Who is asking: the session cookie (pages) or a Bearer token (API), and
//! the cookies the site sets.

use axum::http::{HeaderMap, HeaderValue, header};
use papers_core::User;

use crate::state::AppState;

/// The session cookie's name: with the `__Host-` prefix over https, so the
/// browser only accepts it Secure, for the whole site, from this host (no
/// sibling subdomain can set or shadow it).
pub(crate) fn session_cookie(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-dp_session"
    } else {
        "dp_session"
    }
}

/// The double-submit CSRF cookie's name (before sign-in), prefixed likewise.
pub(crate) fn csrf_cookie(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-dp_csrf"
    } else {
        "dp_csrf"
    }
}

/// Requests from clients that write (a session cookie, a Bearer token, or
/// any write) read the store's primary, so they see their own writes at
/// once; the others may be answered from a read replica, when one is
/// configured.
pub(crate) async fn primary_for_writers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let h = req.headers();
    let writer = req.method() != axum::http::Method::GET
        || h.contains_key(header::AUTHORIZATION)
        || cookie(h, session_cookie(&state)).is_some();
    if writer {
        papers_app::on_primary(next.run(req)).await
    } else {
        next.run(req).await
    }
}

/// Reads one cookie from the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A `Set-Cookie` value with the site's flags: HttpOnly, SameSite=Lax, and
/// Secure when the site is served over https.
pub(crate) fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_secs: i64,
) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let v =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// `resp` with one more `Set-Cookie`.
pub(crate) fn with_cookie(
    mut resp: axum::response::Response,
    value: HeaderValue,
) -> axum::response::Response {
    resp.headers_mut().append(header::SET_COOKIE, value);
    resp
}

/// The signed-in viewer of a page, with the session's CSRF token.
#[derive(Clone, Debug)]
pub(crate) struct Viewer {
    pub user: User,
    pub csrf: String,
    /// Unread notifications, for the header's badge.
    pub unread: u64,
}

/// The viewer behind the session cookie, if any.
pub(crate) async fn viewer(state: &AppState, headers: &HeaderMap) -> Option<Viewer> {
    let value = cookie(headers, session_cookie(state))?;
    match state.community.session(&value).await {
        Ok(Some((user, csrf))) => {
            let unread = state
                .community
                .unread_notifications(&user)
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "unread notifications lookup failed");
                    0
                });
            Some(Viewer { user, csrf, unread })
        }
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// The Bearer token of an API request.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_compares_secrets() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; dp_session=abc123; b=2"),
        );
        assert_eq!(cookie(&h, "dp_session").as_deref(), Some("abc123"));
        assert_eq!(cookie(&h, "missing"), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
