//! Per-IP and per-user rate limits on sign-in and writes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
}
