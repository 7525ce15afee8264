//! `papers-recs` learns what one reader wants from what they did: a linear
//! model over the papers' embeddings, trained in milliseconds on the
//! reader's positives (upvotes, saved papers) against their "not
//! interested" papers and sampled background papers, so that ranking the
//! corpus for them is one inner-product search with the model's weights as
//! the query. It also holds what the offline evaluation needs to compare
//! that model with arxiv-sanity-lite's method (tf-idf features and a linear
//! SVM) and with a plain embedding centroid: the tf-idf vectoriser, the
//! solver (shared by both), and recall and nDCG. Pure computation: no I/O,
//! no clock, randomness only from a caller's seed.

mod eval;
mod linear;
mod metrics;
mod model;
mod tfidf;

pub use eval::{
    EvalPaper, EvalParams, EvalReport, MethodReport, Reader, author_key, evaluate, readers,
};
pub use linear::{LinearSvm, Row, Sparse, SvmParams};
pub use metrics::{ndcg_at_k, recall_at_k};
pub use model::{Because, ReaderModel, ReaderSignals, centroid, sample_background};
pub use tfidf::{TfIdf, TfIdfParams};

/// The inner product of two vectors of the same length.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums, so that the compiler can keep them in one SIMD
    // register (a single sum must be added in order, one lane at a time).
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// A small, fast, seeded generator (xorshift64*): the same seed gives the
/// same samples and the same training order on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
