//! Per-IP and per-user rate limits on sign-in, writes and expensive reads.
//!
//! These counters live in this process: each app node limits the clients it
//! sees. The limits that must hold across nodes (sign-in attempts per
//! account, mails per recipient) are counted in the store by papers-app.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// An address block, `10.0.0.0/8` or `2001:db8::/32` (a bare address is
/// the block of that one address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpPrefix {
    addr: IpAddr,
    len: u8,
}

impl IpPrefix {
    /// Parses `ADDR` or `ADDR/LEN`.
    pub fn parse(s: &str) -> Result<IpPrefix, String> {
        let (addr, len) = match s.trim().split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or ADDR/LEN block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            None => max,
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(IpPrefix { addr, len })
    }

    /// True when `ip` is inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(ip)) << 96,
                self.len,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(u128::from(net), u128::from(ip), self.len)
            }
            (IpAddr::V4(_), IpAddr::V6(ip)) => ip
                .to_ipv4_mapped()
                .is_some_and(|v4| self.contains(IpAddr::V4(v4))),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    a & mask == b & mask
}

/// The client address. The socket peer, unless the peer is one of the
/// `trusted` reverse proxies: then the nearest address in `X-Forwarded-For`
/// that is not itself a trusted proxy (each proxy appends the address it saw,
/// so what lies to the left of the last untrusted hop is the client's own
/// claim and is never believed).
pub(crate) fn client_ip(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &[IpPrefix],
) -> IpAddr {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.ip());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    SignIn,
    Write,
    /// A search (a new query runs the embedding model).
    Search,
    /// A read that costs more than a page from the cache: trending (its
    /// whole window), comment lists.
    HeavyRead,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Ip(Action, IpAddr),
    User(Action, i64),
}

/// One client's counter: IPv6 clients are counted per /64, the block one
/// household or host usually gets.
fn ip_key(action: Action, ip: IpAddr) -> Key {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        },
        v4 => v4,
    };
    Key::Ip(action, ip)
}

/// How many keys the limiter remembers at most.
const CAPACITY: usize = 100_000;

/// Fixed-window rate limits kept in memory, per IP and per user.
///
/// Written by hand rather than with `tower_governor` because the limits depend
/// on who the user is, which is only known after the handler authenticates,
/// and differ per action. The map is bounded: when it is full, expired
/// windows go first, then the oldest tenth, so one sweep pays for many
/// inserts.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    enabled: bool,
    window: Duration,
    capacity: usize,
    inner: Arc<Mutex<HashMap<Key, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(enabled: bool) -> Self {
        RateLimiter::with_capacity(enabled, CAPACITY)
    }

    fn with_capacity(enabled: bool, capacity: usize) -> Self {
        RateLimiter {
            enabled,
            window: Duration::from_secs(60),
            capacity: capacity.max(10),
            inner: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn limit(key: &Key) -> u32 {
        match key {
            Key::Ip(Action::SignIn, _) | Key::User(Action::SignIn, _) => 10,
            Key::Ip(Action::Write, _) => 120,
            Key::User(Action::Write, _) => 60,
            Key::Ip(Action::Search, _) | Key::User(Action::Search, _) => 120,
            Key::Ip(Action::HeavyRead, _) | Key::User(Action::HeavyRead, _) => 300,
        }
    }

    /// Makes room for one more key.
    fn evict(&self, map: &mut HashMap<Key, (Instant, u32)>, now: Instant) {
        let window = self.window;
        map.retain(|_, (start, _)| now.duration_since(*start) < window);
        if map.len() < self.capacity {
            return;
        }
        let mut starts: Vec<Instant> = map.values().map(|(s, _)| *s).collect();
        let cut = starts.len() / 10;
        let (_, oldest_kept, _) = starts.select_nth_unstable(cut);
        let oldest_kept = *oldest_kept;
        map.retain(|_, (start, _)| *start >= oldest_kept);
        if map.len() >= self.capacity {
            // Windows that all began at once: drop any tenth.
            let extra: Vec<Key> = map.keys().take(cut.max(1)).cloned().collect();
            for k in extra {
                map.remove(&k);
            }
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
        if map.len() >= self.capacity && !map.contains_key(&key) {
            self.evict(&mut map, now);
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
        self.hit(ip_key(action, ip))?;
        if let Some(u) = user {
            self.hit(Key::User(action, u))?;
        }
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|m| m.len()).unwrap_or(0)
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
    fn ipv6_clients_are_counted_per_64() {
        let rl = RateLimiter::new(true);
        for i in 0..10u16 {
            let ip: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            assert!(rl.check(Action::SignIn, ip, None).is_ok());
        }
        let same_64: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert!(rl.check(Action::SignIn, same_64, None).is_err());
        let next_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(rl.check(Action::SignIn, next_64, None).is_ok());
    }

    #[test]
    fn the_map_stays_bounded() {
        let rl = RateLimiter::with_capacity(true, 1000);
        for i in 0..20_000u32 {
            let ip = IpAddr::from(i.to_be_bytes());
            assert!(rl.check(Action::Write, ip, None).is_ok());
            assert!(rl.len() <= 1000);
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [
            IpPrefix::parse("10.0.0.0/8").unwrap(),
            IpPrefix::parse("::1").unwrap(),
        ];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "1.2.3.4, 203.0.113.9, 10.1.1.1".parse().unwrap(),
        );
        let proxy: SocketAddr = "10.0.0.5:443".parse().unwrap();
        let stranger: SocketAddr = "198.51.100.7:5000".parse().unwrap();
        // The last untrusted hop, not the client's own claim at the left.
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            IpAddr::from([203, 0, 113, 9])
        );
        assert_eq!(client_ip(Some(stranger), &h, &trusted), stranger.ip());
        assert_eq!(
            client_ip(Some(proxy), &HeaderMap::new(), &trusted),
            proxy.ip()
        );
        assert_eq!(client_ip(Some(proxy), &h, &[]), proxy.ip());
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(
            client_ip(Some(v6), &h, &trusted),
            IpAddr::from([203, 0, 113, 9])
        );
    }

    #[test]
    fn prefixes_parse_and_match() {
        let p = IpPrefix::parse("192.168.0.0/16").unwrap();
        assert!(p.contains("192.168.44.1".parse().unwrap()));
        assert!(!p.contains("192.169.0.1".parse().unwrap()));
        assert!(p.contains("::ffff:192.168.1.1".parse().unwrap()));
        assert!(
            IpPrefix::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            IpPrefix::parse("2001:db8::/32")
                .unwrap()
                .contains("2001:db8:ff::1".parse().unwrap())
        );
        for bad in ["", "10.0.0.0/33", "nope", "::/129", "1.2.3.4/x"] {
            assert!(IpPrefix::parse(bad).is_err(), "{bad:?}");
        }
    }
}
