//! Who is asking: the session cookie (pages) or a Bearer token (API), the
//! client's address, CSRF checks for forms, and per-IP / per-user rate limits.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use papers_core::User;

use crate::AppState;

pub(crate) const SESSION_COOKIE: &str = "dp_session";
pub(crate) const CSRF_COOKIE: &str = "dp_csrf";

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

/// The signed-in viewer of a page, with the session's CSRF token.
#[derive(Clone, Debug)]
pub(crate) struct Viewer {
    pub user: User,
    pub csrf: String,
}

/// The viewer behind the session cookie, if any.
pub(crate) async fn viewer(state: &AppState, headers: &HeaderMap) -> Option<Viewer> {
    let value = cookie(headers, SESSION_COOKIE)?;
    match state.community.session(&value).await {
        Ok(Some((user, csrf))) => Some(Viewer { user, csrf }),
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

/// The client address: the socket peer (a reverse proxy should be configured
/// to connect from loopback; we do not trust X-Forwarded-For by default).
pub(crate) fn client_ip(peer: Option<SocketAddr>) -> IpAddr {
    peer.map(|p| p.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    SignIn,
    Write,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Ip(Action, IpAddr),
    User(Action, i64),
}

/// Fixed-window rate limits kept in memory, per IP and per user.
///
/// Written by hand rather than with `tower_governor` because the limits depend
/// on who the user is, which is only known after the handler authenticates,
/// and differ per action.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    enabled: bool,
    window: Duration,
    inner: Arc<Mutex<HashMap<Key, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(enabled: bool) -> Self {
        RateLimiter {
            enabled,
            window: Duration::from_secs(60),
            inner: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn limit(key: &Key) -> u32 {
        match key {
            Key::Ip(Action::SignIn, _) => 10,
            Key::User(Action::SignIn, _) => 10,
            Key::Ip(Action::Write, _) => 120,
            Key::User(Action::Write, _) => 60,
        }
    }

    fn hit(&self, key: Key) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let Ok(mut map) = self.inner.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let limit = Self::limit(&key);
        let entry = map.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Counts one `action` from `ip` (and `user`); `Err(seconds)` to wait when over.
    pub(crate) fn check(&self, action: Action, ip: IpAddr, user: Option<i64>) -> Result<(), u64> {
        self.hit(Key::Ip(action, ip))?;
        if let Some(u) = user {
            self.hit(Key::User(action, u))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_window_and_can_be_off() {
        let rl = RateLimiter::new(true);
        let ip = IpAddr::from([127, 0, 0, 1]);
        for _ in 0..10 {
            assert!(rl.check(Action::SignIn, ip, None).is_ok());
        }
        let wait = rl.check(Action::SignIn, ip, None).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(
            rl.check(Action::SignIn, IpAddr::from([10, 0, 0, 2]), None)
                .is_ok()
        );
        let off = RateLimiter::new(false);
        for _ in 0..1000 {
            assert!(off.check(Action::SignIn, ip, None).is_ok());
        }
    }

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
