//! Validators for conditional requests: a strong ETag over everything a feed
//! renders, the entries' last modification time, and the comparisons the web
//! layer makes against `If-None-Match` and `If-Modified-Since` before answering
//! `304 Not Modified`.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::{FeedEntry, FeedMeta};

/// Bumped whenever the rendering changes, so cached copies are not reused.
const FORMAT_VERSION: &[u8] = b"papers-feeds/1";

/// A strong ETag, quoted (`"…"`), ready for the header.
///
/// It hashes (SHA-256, 128 bits kept) every field the feed renders: the
/// entries' ids and `updated` times, and also their titles, authors, abstracts,
/// links, dates and categories, and the feed's own metadata; so any change that
/// changes the bytes changes the tag, and equal tags mean equal feeds. Given
/// each format its own `self_url` (as the web layer does), the Atom, RSS and
/// JSON Feed forms of one list get different tags. The web layer adds the
/// content coding to the tag of a compressed body (`"…-gzip"`, `"…-br"`).
pub fn etag_for(entries: &[FeedEntry], meta: &FeedMeta) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(FORMAT_VERSION);
    field(meta.title.as_bytes());
    field(meta.subtitle.as_bytes());
    field(meta.self_url.as_bytes());
    field(meta.alternate_url.as_bytes());
    field(&time_bytes(meta.updated));
    field(&(entries.len() as u64).to_le_bytes());
    for e in entries {
        field(e.id.as_bytes());
        field(&time_bytes(e.updated));
        field(&time_bytes(e.published));
        field(e.title.as_bytes());
        field(e.abstract_text.as_bytes());
        field(e.link.as_bytes());
        field(&(e.authors.len() as u64).to_le_bytes());
        for a in &e.authors {
            field(a.as_bytes());
        }
        field(&(e.categories.len() as u64).to_le_bytes());
        for c in &e.categories {
            field(c.as_bytes());
        }
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(34);
    out.push('"');
    for b in &digest[..16] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out.push('"');
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn time_bytes(ts: Timestamp) -> [u8; 16] {
    ts.as_nanosecond().to_le_bytes()
}

/// The latest `updated` among the entries; `None` for an empty list.
pub fn last_modified(entries: &[FeedEntry]) -> Option<Timestamp> {
    entries.iter().map(|e| e.updated).max()
}

/// True when an `If-None-Match` header value matches `etag` (as made by
/// [`etag_for`]): `*`, or any listed tag equal to it under the weak comparison
/// RFC 9110 prescribes for `If-None-Match` (a `W/` prefix is ignored).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let want = etag.trim().trim_start_matches("W/");
    let mut rest = if_none_match.trim();
    if rest == "*" {
        return true;
    }
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            return false;
        }
        rest = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(body) = rest.strip_prefix('"') else {
            return false;
        };
        let Some(end) = body.find('"') else {
            return false;
        };
        if &rest[..end + 2] == want {
            return true;
        }
        rest = &body[end + 1..];
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate) for `Last-Modified`:
/// `Fri, 21 Aug 2026 06:00:00 GMT`.
pub fn http_date(ts: Timestamp) -> String {
    ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// An RFC 2822 date in UTC, as RSS wants: `Fri, 21 Aug 2026 06:00:00 +0000`.
pub(crate) fn rfc2822(ts: Timestamp) -> String {
    ts.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_if_none_match_lists() {
        let tag = "\"abc123\"";
        assert!(etag_matches("\"abc123\"", tag));
        assert!(etag_matches("W/\"abc123\"", tag));
        assert!(etag_matches("\"x\", \"abc123\"", tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"abc12\"", tag));
        assert!(!etag_matches("abc123", tag));
        assert!(!etag_matches("\"abc123", tag));
        assert!(!etag_matches("", tag));
    }

    #[test]
    fn formats_dates() {
        let ts: Timestamp = "2026-08-21T06:00:00.5Z".parse().unwrap();
        assert_eq!(http_date(ts), "Fri, 21 Aug 2026 06:00:00 GMT");
        assert_eq!(rfc2822(ts), "Fri, 21 Aug 2026 06:00:00 +0000");
    }
}
