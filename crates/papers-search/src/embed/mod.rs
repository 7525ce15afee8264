//! Text embedders: the [`Embedder`] trait, the real model ([`MiniLmEmbedder`],
//! all-MiniLM-L6-v2 run in-process with candle; [`OnnxEmbedder`], the same
//! model with int8 weights on ONNX Runtime, several times faster on a CPU),
//! a tiny deterministic
//! `HashEmbedder` for tests (feature `test-util`), and a [`QueryEmbedder`] that caches the vectors
//! of repeated queries.

#[cfg(any(test, feature = "test-util"))]
mod hash;
mod minilm;
mod onnx;
mod onnx_graph;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[cfg(any(test, feature = "test-util"))]
pub use hash::HashEmbedder;
pub use minilm::{MiniLmEmbedder, MiniLmOptions};
pub use onnx::{
    ONNX_MODEL_FILE, ONNX_MODEL_SHA256, ONNX_RUNTIME_FILE, ONNX_RUNTIME_SHA256, OnnxEmbedder,
    OnnxOptions,
};
pub use onnx_graph::{Rewrite as OnnxRewrite, int8_compute as onnx_int8_compute};

use crate::error::SearchError;

/// Between a paper's title and its abstract in the text that is embedded.
pub const DOCUMENT_TEXT_SEPARATOR: &str = ". ";

/// The text embedded for a paper: `title + ". " + abstract`.
pub fn document_text(title: &str, abstract_text: &str) -> String {
    format!("{title}{DOCUMENT_TEXT_SEPARATOR}{abstract_text}")
}

/// Turns texts into unit-length vectors; vectors of one model are comparable
/// by dot product.
pub trait Embedder: Send + Sync {
    /// Names the model, so stored vectors can be checked against it.
    fn model_id(&self) -> &str;
    fn dim(&self) -> usize;
    /// One vector per text, in order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError>;
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Wraps an embedder for queries: one text at a time, with a small
/// least-recently-used cache, since the same queries come back often.
pub struct QueryEmbedder {
    inner: Arc<dyn Embedder>,
    capacity: usize,
    cache: Mutex<QueryCache>,
}

#[derive(Default)]
struct QueryCache {
    tick: u64,
    entries: HashMap<String, (u64, Arc<[f32]>)>,
}

impl QueryEmbedder {
    pub const DEFAULT_CAPACITY: usize = 1024;

    pub fn new(inner: Arc<dyn Embedder>) -> Self {
        Self::with_capacity(inner, Self::DEFAULT_CAPACITY)
    }

    pub fn with_capacity(inner: Arc<dyn Embedder>, capacity: usize) -> Self {
        QueryEmbedder {
            inner,
            capacity,
            cache: Mutex::new(QueryCache::default()),
        }
    }

    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.inner
    }

    pub fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    pub fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// How many queries are cached.
    pub fn cached(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueryCache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The vector of one query; whitespace is normalised before the cache
    /// lookup.
    pub fn embed_query(&self, query: &str) -> Result<Arc<[f32]>, SearchError> {
        let key = query.split_whitespace().collect::<Vec<_>>().join(" ");
        {
            let mut cache = self.lock();
            cache.tick += 1;
            let tick = cache.tick;
            if let Some(entry) = cache.entries.get_mut(&key) {
                entry.0 = tick;
                return Ok(entry.1.clone());
            }
        }
        let vector: Arc<[f32]> = self
            .inner
            .embed(&[&key])?
            .into_iter()
            .next()
            .ok_or_else(|| SearchError::Tokenizer("the embedder returned no vector".into()))?
            .into();
        if self.capacity > 0 {
            let mut cache = self.lock();
            if cache.entries.len() >= self.capacity {
                // Evicting by a scan is fine at this size (a cache miss costs
                // a model run, milliseconds).
                if let Some(oldest) = cache
                    .entries
                    .iter()
                    .min_by_key(|(_, (t, _))| *t)
                    .map(|(k, _)| k.clone())
                {
                    cache.entries.remove(&oldest);
                }
            }
            let tick = cache.tick;
            cache.entries.insert(key, (tick, vector.clone()));
        }
        Ok(vector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn hash_embedder_is_deterministic_normalised_and_word_sensitive() {
        let e = HashEmbedder;
        let v = e
            .embed(&[
                "Graph neural networks",
                "graph NEURAL networks!",
                "protein folding",
            ])
            .unwrap();
        assert_eq!(v[0].len(), 64);
        assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-5);
        assert_eq!(v[0], v[1]);
        assert!(dot(&v[0], &v[2]) < 0.9);
        assert_eq!(e.embed(&[""]).unwrap()[0], vec![0.0; 64]);
    }

    struct Counting(AtomicUsize);
    impl Embedder for Counting {
        fn model_id(&self) -> &str {
            "counting"
        }
        fn dim(&self) -> usize {
            1
        }
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
            self.0.fetch_add(texts.len(), Ordering::SeqCst);
            Ok(texts.iter().map(|t| vec![t.len() as f32]).collect())
        }
    }

    #[test]
    fn query_embedder_caches_and_evicts_the_least_recently_used() {
        let inner = Arc::new(Counting(AtomicUsize::new(0)));
        let q = QueryEmbedder::with_capacity(inner.clone(), 2);
        q.embed_query("a").unwrap();
        q.embed_query("  a ").unwrap();
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
        q.embed_query("bb").unwrap();
        q.embed_query("a").unwrap(); // a is now the most recent
        q.embed_query("ccc").unwrap(); // evicts bb
        assert_eq!(q.cached(), 2);
        q.embed_query("a").unwrap();
        assert_eq!(inner.0.load(Ordering::SeqCst), 3);
        q.embed_query("bb").unwrap();
        assert_eq!(inner.0.load(Ordering::SeqCst), 4);
    }
}
