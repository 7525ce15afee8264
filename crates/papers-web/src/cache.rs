//! A small in-memory cache of rendered responses, keyed by request URI, and
//! the layer that sends every answer in the coding the client prefers.
//!
//! Day pages are read far more often than the feed changes, so a rendered page
//! is served from memory for a short time (`cache_ttl`). Writes made through
//! this process call [`ResponseCache::invalidate`], so they show at once; writes
//! from another process (a CLI ingest) show within the TTL.
//!
//! A cached body keeps its gzip and brotli forms beside it ([`EncodedBody`]),
//! each compressed once, the first time a client asks for it, and then served
//! to every client that asks until the entry expires; [`deliver`] picks the
//! form, sets the validators and answers `304`.

mod delivery;
mod encoding;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

pub(crate) use delivery::{Encoded, deliver};
pub(crate) use encoding::{Effort, EncodedBody};

/// A rendered answer: its headers and its body with the body's compressed
/// forms.
#[derive(Clone, Debug)]
pub(crate) struct CachedResponse {
    pub headers: HeaderMap,
    pub body: Arc<EncodedBody>,
}

impl CachedResponse {
    /// The answer, with its [`EncodedBody`] attached for [`deliver`].
    pub(crate) fn into_response(self) -> Response {
        let mut resp = (self.headers, self.body.identity().clone()).into_response();
        resp.extensions_mut().insert(Encoded(self.body));
        resp
    }
}

#[derive(Debug)]
struct Inner {
    entries: HashMap<String, (Instant, u64, CachedResponse)>,
    generation: u64,
}

/// Shared, bounded, time-limited response cache.
#[derive(Clone, Debug)]
pub struct ResponseCache {
    ttl: Duration,
    capacity: usize,
    inner: Arc<Mutex<Inner>>,
}

impl ResponseCache {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        ResponseCache {
            ttl,
            capacity,
            inner: Arc::new(Mutex::new(Inner {
                entries: HashMap::new(),
                generation: 0,
            })),
        }
    }

    /// Forgets everything: called after a write.
    pub fn invalidate(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.generation += 1;
            inner.entries.clear();
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<CachedResponse> {
        if self.ttl.is_zero() {
            return None;
        }
        let inner = self.inner.lock().ok()?;
        let (at, generation, resp) = inner.entries.get(key)?;
        (*generation == inner.generation && at.elapsed() < self.ttl).then(|| resp.clone())
    }

    /// The current generation; pass it back to `put` so a response computed
    /// before an invalidation is not stored after it.
    pub(crate) fn generation(&self) -> u64 {
        self.inner.lock().map(|i| i.generation).unwrap_or(0)
    }

    pub(crate) fn put(&self, key: String, generation: u64, resp: CachedResponse) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut inner) = self.inner.lock() {
            if inner.generation != generation {
                return;
            }
            if inner.entries.len() >= self.capacity {
                let ttl = self.ttl;
                inner.entries.retain(|_, (at, _, _)| at.elapsed() < ttl);
                if inner.entries.len() >= self.capacity {
                    inner.entries.clear();
                }
            }
            inner
                .entries
                .insert(key, (Instant::now(), generation, resp));
        }
    }

    /// Answers from the cache, or with the body `build` makes (cached with
    /// its content type); an error answers as itself and is not cached.
    pub(crate) async fn respond<B, E, F>(
        &self,
        key: String,
        content_type: &'static str,
        build: F,
    ) -> Response
    where
        B: Into<Bytes>,
        E: IntoResponse,
        F: Future<Output = Result<B, E>>,
    {
        self.respond_with(key, async {
            let body = build.await?;
            let mut headers = HeaderMap::new();
            headers.insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static(content_type),
            );
            Ok::<_, E>((headers, body))
        })
        .await
    }

    /// Like [`ResponseCache::respond`], with the headers `build` sets.
    pub(crate) async fn respond_with<B, E, F>(&self, key: String, build: F) -> Response
    where
        B: Into<Bytes>,
        E: IntoResponse,
        F: Future<Output = Result<(HeaderMap, B), E>>,
    {
        match self.get_or_build(key, build).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        }
    }

    /// Serves `key` from the cache, or runs `build` and caches what it made.
    /// Errors are not cached.
    pub(crate) async fn get_or_build<B, E, F>(
        &self,
        key: String,
        build: F,
    ) -> Result<CachedResponse, E>
    where
        B: Into<Bytes>,
        F: Future<Output = Result<(HeaderMap, B), E>>,
    {
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let generation = self.generation();
        let (headers, body) = build.await?;
        // A body this cache will not keep is compressed for one answer.
        let effort = if self.ttl.is_zero() {
            Effort::Once
        } else {
            Effort::Kept
        };
        let made = CachedResponse {
            headers,
            body: Arc::new(EncodedBody::new(body.into(), effort)),
        };
        self.put(key, generation, made.clone());
        Ok(made)
    }
}
