//! Vectors by paper id: the [`VectorIndex`] trait and its exact backend
//! [`Int8ScanIndex`] (a sign-bit prefilter, a scan over int8 copies of the
//! vectors, then f32 rescoring of the best candidates) in `index.rs`; the
//! bit and SIMD kernels it runs in `kernels.rs`; and [`VectorSet`], the
//! persistable form of a model's vectors, with its file format, in `set.rs`.
//!
//! All vectors are unit length, so the score is the dot product (cosine).
//! Recall against the exact ranking ([`exact_top_k`]) is measured with
//! [`crate::eval::vector_recall_at_k`].

mod index;
mod kernels;
mod set;

pub use index::{
    DEFAULT_RESCORE, Int8ScanIndex, PREFILTER_MIN, Prefilter, VectorIndex, exact_top_k,
};
pub use set::VectorSet;

/// Vectors shaped like real embeddings, for the unit tests.
#[cfg(test)]
mod testdata {
    pub(super) fn unit(v: &[f32]) -> Vec<f32> {
        let mut v = v.to_vec();
        crate::embed::normalize(&mut v);
        v
    }

    /// Unit vectors around a few cluster centres (xorshift), as real
    /// embeddings cluster by topic.
    pub(super) fn clustered(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut s = seed;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..64)
            .map(|_| (0..dim).map(|_| next()).collect())
            .collect();
        (0..n)
            .map(|i| {
                let c = &centres[i % centres.len()];
                unit(&c.iter().map(|x| x + 0.6 * next()).collect::<Vec<_>>())
            })
            .collect()
    }
}
