//! The last step of every `GET` and `HEAD` answer: the body in the coding
//! the client prefers, validators, and `304 Not Modified`.
//!
//! - HTML, JSON, feeds, CSS, JavaScript and other text go out gzip- or
//!   brotli-compressed by `Accept-Encoding`, with `Vary: Accept-Encoding`. A
//!   body from the response cache carries its [`EncodedBody`], whose
//!   compressed forms are made once and shared by every later hit; any other
//!   body of a known length is compressed here, fast.
//! - Nothing personal is compressed: a page that holds a CSRF token beside
//!   text a third party chose would let the compressed length tell the token
//!   (BREACH). An answer marked `private` or `no-store`, one that sets a
//!   cookie, or one made outside the response cache for a request that
//!   carries the session or the CSRF cookie goes out as it is. A body from
//!   the response cache is the same for everyone, so it holds no one's secret.
//! - A JSON answer without an ETag gets one, a hash of its body; so does any
//!   other answer compressed here (pages, CSS): a validator costs one hash
//!   where the body is compressed anyway, and for a cached body both are made
//!   once.
//! - An ETag names one representation: a compressed body's tag is the
//!   identity tag with the coding added (`"…-gzip"`, `"…-br"`).
//! - `If-None-Match` (weak comparison, as RFC 9110 prescribes for it) or,
//!   without it, `If-Modified-Since` answers `304` with the validators,
//!   `Cache-Control` and `Vary`, and no body.

use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use papers_feeds::etag_matches;

use super::encoding::{Coding, Effort, EncodedBody, preferred};
use crate::session::{cookie, csrf_cookie, session_cookie};
use crate::state::AppState;

/// Bodies longer than this are passed through as they are, never buffered.
const MAX_BUFFERED: u64 = 16 << 20;

/// Response headers a `304` repeats (RFC 9110 §15.4.5).
const KEPT_BY_304: [header::HeaderName; 6] = [
    header::ETAG,
    header::LAST_MODIFIED,
    header::CACHE_CONTROL,
    header::VARY,
    header::EXPIRES,
    header::CONTENT_LOCATION,
];

/// The body a handler answered with, already kept with its compressed
/// forms (the response cache attaches it as a response extension).
#[derive(Clone, Debug)]
pub(crate) struct Encoded(pub Arc<EncodedBody>);

/// The layer: see the module documentation.
pub(crate) async fn deliver(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let asked = Asked::from(req.headers());
    let with_secrets = [session_cookie(&state), csrf_cookie(&state)]
        .into_iter()
        .any(|name| cookie(req.headers(), name).is_some());
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || resp.headers().contains_key(header::CONTENT_ENCODING) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let kept = parts.extensions.remove::<Encoded>();
    let mut kind = Kind::of(&parts.headers);
    if kept.is_none() && (with_secrets || parts.headers.contains_key(header::SET_COOKIE)) {
        kind.compressible = false;
    }
    let needs_tag = (kind.json || kind.compressible) && !parts.headers.contains_key(header::ETAG);
    let encoded = match kept {
        Some(Encoded(e)) => e,
        None if kind.compressible || needs_tag => {
            let known_len = HttpBody::size_hint(&body).exact();
            if known_len.is_none_or(|n| n > MAX_BUFFERED) {
                return finish(Response::from_parts(parts, body), &asked);
            }
            match axum::body::to_bytes(body, usize::MAX).await {
                Ok(bytes) => Arc::new(EncodedBody::new(bytes, Effort::Once)),
                Err(e) => {
                    tracing::error!(error = %e, "a response body could not be read");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            }
        }
        None => return finish(Response::from_parts(parts, body), &asked),
    };
    if needs_tag && let Ok(v) = HeaderValue::from_str(encoded.etag()) {
        parts.headers.insert(header::ETAG, v);
    }
    let mut coding = Coding::Identity;
    let mut bytes = encoded.identity().clone();
    if kind.compressible {
        let varies = parts
            .headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"));
        if !varies {
            parts
                .headers
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if let Some(packed) = encoded.encoded(asked.coding) {
            coding = asked.coding;
            bytes = packed;
        }
    }
    if let Some(token) = coding.token() {
        parts
            .headers
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
        parts.headers.remove(header::CONTENT_LENGTH);
        tag_for_coding(&mut parts.headers, token);
    }
    finish(Response::from_parts(parts, Body::from(bytes)), &asked)
}

/// What the request asked for.
struct Asked {
    coding: Coding,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

impl From<&HeaderMap> for Asked {
    fn from(h: &HeaderMap) -> Self {
        let text = |name| {
            h.get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        // Several Accept-Encoding lines are one list.
        let accept: Vec<&str> = h
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Asked {
            coding: preferred(&accept.join(",")),
            if_none_match: text(header::IF_NONE_MATCH),
            if_modified_since: text(header::IF_MODIFIED_SINCE),
        }
    }
}

/// What the answer's headers say about it: text worth compressing (and
/// not marked personal), JSON.
struct Kind {
    compressible: bool,
    json: bool,
}

impl Kind {
    fn of(h: &HeaderMap) -> Kind {
        let essence = h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let json = essence == "application/json" || essence.ends_with("+json");
        let text = (essence.starts_with("text/") && essence != "text/event-stream")
            || json
            || essence == "application/xml"
            || essence.ends_with("+xml")
            || essence == "application/javascript";
        let personal = h
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|d| {
                let d = d.trim().to_ascii_lowercase();
                d.starts_with("private") || d == "no-store"
            });
        Kind {
            compressible: text && !personal,
            json,
        }
    }
}

/// `"abc"` → `"abc-br"` (and `W/"abc"` → `W/"abc-br"`). A tag that is not
/// quoted is dropped rather than shared between codings.
fn tag_for_coding(h: &mut HeaderMap, token: &str) {
    let Some(tag) = h.get(header::ETAG).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let coded = tag
        .strip_suffix('"')
        .filter(|t| t.contains('"'))
        .map(|t| format!("{t}-{token}\""))
        .and_then(|t| HeaderValue::from_str(&t).ok());
    match coded {
        Some(v) => h.insert(header::ETAG, v),
        None => h.remove(header::ETAG),
    };
}

/// The answer, or `304` when the request's validators match it.
fn finish(resp: Response, asked: &Asked) -> Response {
    if !is_fresh(resp.headers(), asked) {
        return resp;
    }
    let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
    for name in KEPT_BY_304 {
        for v in resp.headers().get_all(&name) {
            not_modified.headers_mut().append(name.clone(), v.clone());
        }
    }
    not_modified
}

fn is_fresh(h: &HeaderMap, asked: &Asked) -> bool {
    let value = |name| h.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if let Some(inm) = &asked.if_none_match {
        return value(header::ETAG).is_some_and(|tag| etag_matches(inm, tag));
    }
    match (&asked.if_modified_since, value(header::LAST_MODIFIED)) {
        (Some(since), Some(modified)) => match (http_date(since), http_date(modified)) {
            (Some(since), Some(modified)) => modified <= since,
            _ => false,
        },
        _ => false,
    }
}

/// An HTTP date (IMF-fixdate, `Fri, 21 Aug 2026 06:00:00 GMT`).
fn http_date(s: &str) -> Option<jiff::Timestamp> {
    let dt = jiff::fmt::strtime::parse("%a, %d %b %Y %H:%M:%S GMT", s.trim())
        .ok()?
        .to_datetime()
        .ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(dt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_coding() {
        let mut h = HeaderMap::new();
        h.insert(header::ETAG, HeaderValue::from_static("\"abc\""));
        tag_for_coding(&mut h, "br");
        assert_eq!(h[header::ETAG], "\"abc-br\"");
        h.insert(header::ETAG, HeaderValue::from_static("W/\"abc\""));
        tag_for_coding(&mut h, "gzip");
        assert_eq!(h[header::ETAG], "W/\"abc-gzip\"");
        h.insert(header::ETAG, HeaderValue::from_static("abc"));
        tag_for_coding(&mut h, "gzip");
        assert!(h.get(header::ETAG).is_none());
    }

    #[test]
    fn reads_http_dates() {
        let t = http_date("Fri, 21 Aug 2026 06:00:00 GMT").unwrap();
        assert_eq!(t, "2026-08-21T06:00:00Z".parse().unwrap());
        assert!(http_date("2026-08-21").is_none());
    }

    #[test]
    fn tells_what_to_compress() {
        let kind = |ct: &str, cc: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            if let Some(cc) = cc {
                h.insert(header::CACHE_CONTROL, HeaderValue::from_str(cc).unwrap());
            }
            let k = Kind::of(&h);
            (k.compressible, k.json)
        };
        assert_eq!(kind("text/html; charset=utf-8", None), (true, false));
        assert_eq!(kind("application/json", None), (true, true));
        assert_eq!(kind("application/feed+json", None), (true, true));
        assert_eq!(
            kind("application/atom+xml; charset=utf-8", None),
            (true, false)
        );
        assert_eq!(kind("text/css", Some("public, max-age=60")), (true, false));
        assert_eq!(kind("text/html", Some("private, no-store")), (false, false));
        assert_eq!(kind("text/html", Some("no-store")), (false, false));
        assert_eq!(kind("application/json", Some("private")), (false, true));
        assert_eq!(kind("text/event-stream", None), (false, false));
        assert_eq!(kind("image/png", None), (false, false));
    }
}
