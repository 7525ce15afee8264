//! [`HashEmbedder`]: a deterministic stand-in for the model in tests. Only
//! built for this crate's tests and with the `test-util` feature, which
//! other crates enable through their dev-dependencies.

use super::{Embedder, normalize};
use crate::error::SearchError;

/// Feature hashing of lower-cased word unigrams and bigrams into 64
/// dimensions, L2-normalised: deterministic, instant, and just semantic
/// enough (shared words) for unit tests.
#[derive(Clone, Debug, Default)]
pub struct HashEmbedder;

impl HashEmbedder {
    pub const DIM: usize = 64;

    fn bucket(feature: &str) -> (usize, f32) {
        // FNV-1a: stable across platforms and releases, unlike std's hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in feature.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let sign = if (h >> 63) == 0 { 1.0 } else { -1.0 };
        ((h % Self::DIM as u64) as usize, sign)
    }
}

impl Embedder for HashEmbedder {
    fn model_id(&self) -> &str {
        "hash-64"
    }

    fn dim(&self) -> usize {
        Self::DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        Ok(texts
            .iter()
            .map(|text| {
                let words: Vec<String> = text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect();
                let mut v = vec![0.0f32; Self::DIM];
                for w in &words {
                    let (i, s) = Self::bucket(w);
                    v[i] += s;
                }
                for pair in words.windows(2) {
                    let (i, s) = Self::bucket(&format!("{} {}", pair[0], pair[1]));
                    v[i] += 0.5 * s;
                }
                normalize(&mut v);
                v
            })
            .collect())
    }
}
