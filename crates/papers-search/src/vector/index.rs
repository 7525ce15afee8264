//! The [`VectorIndex`] trait and its exact backend [`Int8ScanIndex`]: a
//! sign-bit prefilter, an int8 scan and f32 rescoring.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use rayon::prelude::*;

use super::VectorSet;
use super::kernels::{
    QueryPlanes, asym_score, dot_f32, dot_i8, encode_signs, hamming_all, quantize, score_rows,
};
use crate::error::SearchError;

/// A set of vectors searchable by similarity. An HNSW backend (e.g.
/// `usearch`) can implement this to replace the exact scan at scale.
pub trait VectorIndex: Send + Sync {
    fn dim(&self) -> usize;
    /// Adds or replaces the vector of `id`.
    fn upsert(&mut self, id: &str, vector: &[f32]) -> Result<(), SearchError>;
    /// Removes the vector of `id`; returns whether it was there.
    fn remove(&mut self, id: &str) -> bool;
    /// The `k` most similar vectors, best first, as `(id, score)`.
    fn search(&self, query: &[f32], k: usize) -> Vec<(String, f32)>;
    /// Like `search`, keeping only ids for which `keep` is true.
    fn search_filtered(
        &self,
        query: &[f32],
        k: usize,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Vec<(String, f32)> {
        self.search(query, self.len())
            .into_iter()
            .filter(|(id, _)| keep(id))
            .take(k)
            .collect()
    }
    /// The stored vector of `id`.
    fn get(&self, id: &str) -> Option<Vec<f32>>;
    /// Every id, in no particular order.
    fn ids(&self) -> Vec<String>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Scores are compared as f32, NaN last.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Scored(f32, u32);

impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// The exact scan: every vector is kept as f32 (for rescoring and `get`)
/// and as int8 with one scale per vector (`scale = max|x| / 127`). A search
/// computes i32 dot products with the int8 query over all vectors, keeps the
/// best `rescore` candidates, and ranks those by their f32 dot product.
///
/// The int8 loop is plain Rust over `chunks_exact(32)` that LLVM
/// vectorises; `pulp` dispatches it at run time to the widest instruction
/// set the CPU has (AVX2/AVX-512), without any `unsafe` here.
///
/// Past [`PREFILTER_MIN`] vectors a prefilter narrows the int8 scan. Each
/// vector also keeps one sign bit per dimension (48 bytes at 384
/// dimensions, so 104k papers' codes stay in cache). The Hamming distance to
/// the query's signs keeps the nearest 2.5%; a finer estimate, the query's
/// 4-bit values against those sign bits (`QueryPlanes`), keeps the best
/// 0.5% (at least 500); only those are scored in int8, and the best 200 of
/// them in f32.
/// The f32 rescoring ranks exactly, so the bits only have to keep the true
/// top-k among the candidates: recall@10 is measured on real MiniLM vectors
/// and queries by the `bench_vector` example (`--vectors`), see
/// `BENCHMARKS.md`. The scan reads 5 MB instead of 40 MB a query.
///
/// Build with `popcnt` (x86-64-v2, set in `.cargo/config.toml`): without
/// it the bit counts fall back to a software loop several times slower.
#[derive(Clone, Debug)]
pub struct Int8ScanIndex {
    dim: usize,
    ids: Vec<String>,
    slots: HashMap<String, usize>,
    data: Vec<f32>,
    codes: Vec<i8>,
    scales: Vec<f32>,
    /// Sign codes, `words` u64 per vector.
    bits: Vec<u64>,
    words: usize,
    rescore: usize,
    prefilter: Prefilter,
}

/// Which vectors the int8 stage scores.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Prefilter {
    /// All of them.
    Off,
    /// The nearest 0.5% by sign bits (at least 500), from
    /// [`PREFILTER_MIN`] vectors on; all of them below.
    #[default]
    Auto,
    /// The nearest by sign bits: this share of the corpus, at least `min`,
    /// chosen by bit planes among `widen` times as many nearest by Hamming
    /// distance.
    Share {
        share: f64,
        min: usize,
        widen: usize,
    },
}

/// Candidates rescored in f32 by default.
pub const DEFAULT_RESCORE: usize = 200;
/// [`Prefilter::Auto`]'s settings (see `BENCHMARKS.md` for the recall
/// they give on real vectors).
const AUTO_SHARE: f64 = 0.005;
const AUTO_MIN: usize = 500;
const AUTO_WIDEN: usize = 5;
/// Below this many vectors the int8 scan covers them all.
pub const PREFILTER_MIN: usize = 20_000;
const PARALLEL_MIN: usize = 16_384;
const CHUNK: usize = 8_192;

/// Keeps the `keep` best of `scored` (`(score, slot)` pairs) that `filter`
/// accepts in `heap` (the filter is asked only of those good enough).
fn keep_best(
    scored: impl Iterator<Item = (f32, usize)>,
    keep: usize,
    filter: Option<&(dyn Fn(usize) -> bool + Sync)>,
    heap: &mut BinaryHeap<Reverse<Scored>>,
) {
    for (score, slot) in scored {
        let full = heap.len() >= keep;
        if full && heap.peek().is_some_and(|Reverse(min)| score <= min.0) {
            continue;
        }
        if filter.is_some_and(|f| !f(slot)) {
            continue;
        }
        if full {
            heap.pop();
        }
        heap.push(Reverse(Scored(score, slot as u32)));
    }
}

impl Int8ScanIndex {
    pub fn new(dim: usize) -> Self {
        Int8ScanIndex {
            dim,
            ids: Vec::new(),
            slots: HashMap::new(),
            data: Vec::new(),
            codes: Vec::new(),
            scales: Vec::new(),
            bits: Vec::new(),
            words: dim.div_ceil(64),
            rescore: DEFAULT_RESCORE,
            prefilter: Prefilter::default(),
        }
    }

    /// Sets the sign-bit first stage ([`Prefilter::Off`]: score every
    /// vector in int8).
    pub fn with_prefilter(mut self, prefilter: Prefilter) -> Self {
        self.prefilter = prefilter;
        self
    }

    /// How many vectors the int8 stage scores for a top-`keep` search:
    /// `None` for all of them.
    pub fn prefilter_size(&self, keep: usize) -> Option<usize> {
        let n = self.ids.len();
        let (share, min) = match self.prefilter {
            Prefilter::Off => return None,
            Prefilter::Auto if n < PREFILTER_MIN => return None,
            Prefilter::Auto => (AUTO_SHARE, AUTO_MIN),
            Prefilter::Share { share, min, .. } => (share, min),
        };
        let size = ((n as f64 * share) as usize).max(min).max(keep);
        (size < n).then_some(size)
    }

    fn widen(&self) -> usize {
        match self.prefilter {
            Prefilter::Share { widen, .. } => widen.max(1),
            _ => AUTO_WIDEN,
        }
    }

    /// The `want` slots nearest to `query` by sign bits that `filter`
    /// accepts (fewer only when fewer pass), in slot order. Two steps: the
    /// Hamming distance to the query's signs keeps `widen × want` codes (a
    /// histogram of distances gives the radius; with a filter each pass asks
    /// for more until enough pass it), then the asymmetric bit-plane score of
    /// [`QueryPlanes`] picks the `want` best of those.
    fn nearest_by_bits(
        &self,
        query: &[f32],
        want: usize,
        filter: Option<&(dyn Fn(usize) -> bool + Sync)>,
    ) -> Vec<usize> {
        let mut signs = vec![0u64; self.words];
        encode_signs(query, &mut signs);
        let mut dist = Vec::with_capacity(self.ids.len());
        let mut hist = vec![0usize; self.words * 64 + 1];
        hamming_all(&self.bits, self.words, &signs, &mut dist, &mut hist);
        let wide = want.saturating_mul(self.widen());
        let mut picked = Vec::with_capacity(wide.min(dist.len()) + 64);
        let (mut lo, mut factor) = (0usize, 1usize);
        while picked.len() < wide && lo <= self.dim {
            let need = (wide - picked.len()).saturating_mul(factor);
            let (mut hi, mut count) = (lo, hist[lo]);
            while count < need && hi < self.dim {
                hi += 1;
                count += hist[hi];
            }
            // Without a filter, the boundary distance takes only what fills
            // the quota (one distance can hold thousands of codes).
            let mut boundary_quota = match filter {
                None => need.saturating_sub(count - hist[hi]),
                Some(_) => usize::MAX,
            };
            for (slot, &d) in dist.iter().enumerate() {
                let d = d as usize;
                if d < lo || d > hi || !filter.is_none_or(|f| f(slot)) {
                    continue;
                }
                if d == hi {
                    if boundary_quota == 0 {
                        continue;
                    }
                    boundary_quota -= 1;
                }
                picked.push(slot);
            }
            lo = hi + 1;
            factor = factor.saturating_mul(4);
        }
        if picked.len() > want {
            let planes = QueryPlanes::new(query, self.words);
            let w = self.words;
            let mut scored: Vec<(i32, usize)> = picked
                .iter()
                .map(|&s| (asym_score(&self.bits[s * w..(s + 1) * w], &planes), s))
                .collect();
            scored.select_nth_unstable_by(want - 1, |a, b| b.cmp(a));
            picked = scored[..want].iter().map(|&(_, s)| s).collect();
        }
        picked.sort_unstable();
        picked
    }

    /// How many int8 candidates are rescored in f32 (at least `k`).
    pub fn with_rescore(mut self, rescore: usize) -> Self {
        self.rescore = rescore.max(1);
        self
    }

    /// Builds an index over a vector set (its model id is the caller's to check).
    pub fn from_set(set: &VectorSet) -> Result<Self, SearchError> {
        let mut index = Int8ScanIndex::new(set.dim);
        index.reserve(set.len());
        for (i, id) in set.ids.iter().enumerate() {
            index.upsert(id, set.vector(i))?;
        }
        Ok(index)
    }

    /// The vectors as a [`VectorSet`] of `model_id`, for persisting.
    pub fn to_set(&self, model_id: &str) -> VectorSet {
        VectorSet {
            model_id: model_id.to_string(),
            dim: self.dim,
            ids: self.ids.clone(),
            data: self.data.clone(),
        }
    }

    pub fn reserve(&mut self, additional: usize) {
        self.ids.reserve(additional);
        self.slots.reserve(additional);
        self.data.reserve(additional * self.dim);
        self.codes.reserve(additional * self.dim);
        self.scales.reserve(additional);
        self.bits.reserve(additional * self.words);
    }

    fn candidates(
        &self,
        query: &[f32],
        keep: usize,
        filter: Option<&(dyn Fn(usize) -> bool + Sync)>,
    ) -> Vec<Scored> {
        let mut q = vec![0i8; self.dim];
        quantize(query, &mut q);
        let arch = pulp::Arch::new();
        let dim = self.dim;
        let heaps: Vec<BinaryHeap<Reverse<Scored>>> = if let Some(size) = self.prefilter_size(keep)
        {
            // The prefilter already applied `filter`.
            let slots = self.nearest_by_bits(query, size, filter);
            let mut scores = vec![0.0f32; slots.len()];
            arch.dispatch(
                #[inline(always)]
                || {
                    for (o, &s) in scores.iter_mut().zip(&slots) {
                        let row = &self.codes[s * dim..(s + 1) * dim];
                        *o = dot_i8(row, &q) as f32 * self.scales[s];
                    }
                },
            );
            let mut heap = BinaryHeap::with_capacity(keep + 1);
            keep_best(scores.into_iter().zip(slots), keep, None, &mut heap);
            vec![heap]
        } else {
            let scan = |start: usize, codes: &[i8], scales: &[f32]| {
                let mut heap = BinaryHeap::with_capacity(keep + 1);
                let mut scores = vec![0.0f32; scales.len()];
                arch.dispatch(
                    #[inline(always)]
                    || score_rows(codes, scales, dim, &q, &mut scores),
                );
                keep_best(scores.into_iter().zip(start..), keep, filter, &mut heap);
                heap
            };
            if self.ids.len() >= PARALLEL_MIN {
                self.codes
                    .par_chunks(CHUNK * dim)
                    .zip(self.scales.par_chunks(CHUNK))
                    .enumerate()
                    .map(|(i, (codes, scales))| scan(i * CHUNK, codes, scales))
                    .collect()
            } else {
                vec![scan(0, &self.codes, &self.scales)]
            }
        };
        let mut all: Vec<Scored> = heaps
            .into_iter()
            .flat_map(|h| h.into_iter().map(|Reverse(s)| s))
            .collect();
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(keep);
        all
    }

    fn search_slots(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<&(dyn Fn(usize) -> bool + Sync)>,
    ) -> Vec<(String, f32)> {
        if k == 0 || self.ids.is_empty() || query.len() != self.dim {
            return Vec::new();
        }
        let candidates = self.candidates(query, self.rescore.max(k), filter);
        let mut rescored: Vec<Scored> = candidates
            .into_iter()
            .map(|Scored(_, slot)| {
                let s = slot as usize;
                Scored(
                    dot_f32(&self.data[s * self.dim..(s + 1) * self.dim], query),
                    slot,
                )
            })
            .collect();
        rescored.sort_unstable_by(|a, b| b.cmp(a));
        rescored
            .into_iter()
            .take(k)
            .map(|Scored(score, slot)| (self.ids[slot as usize].clone(), score))
            .collect()
    }
}

impl VectorIndex for Int8ScanIndex {
    fn dim(&self) -> usize {
        self.dim
    }

    fn upsert(&mut self, id: &str, vector: &[f32]) -> Result<(), SearchError> {
        if vector.len() != self.dim {
            return Err(SearchError::Dimension {
                expected: self.dim,
                actual: vector.len(),
            });
        }
        let slot = match self.slots.get(id) {
            Some(&slot) => slot,
            None => {
                let slot = self.ids.len();
                self.ids.push(id.to_string());
                self.slots.insert(id.to_string(), slot);
                self.data.resize((slot + 1) * self.dim, 0.0);
                self.codes.resize((slot + 1) * self.dim, 0);
                self.scales.push(0.0);
                self.bits.resize((slot + 1) * self.words, 0);
                slot
            }
        };
        let range = slot * self.dim..(slot + 1) * self.dim;
        self.data[range.clone()].copy_from_slice(vector);
        self.scales[slot] = quantize(vector, &mut self.codes[range]);
        let w = self.words;
        encode_signs(vector, &mut self.bits[slot * w..(slot + 1) * w]);
        Ok(())
    }

    fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.slots.remove(id) else {
            return false;
        };
        let last = self.ids.len() - 1;
        let d = self.dim;
        if slot != last {
            self.data.copy_within(last * d..(last + 1) * d, slot * d);
            self.codes.copy_within(last * d..(last + 1) * d, slot * d);
            self.scales[slot] = self.scales[last];
            let w = self.words;
            self.bits.copy_within(last * w..(last + 1) * w, slot * w);
            self.ids.swap(slot, last);
            self.slots.insert(self.ids[slot].clone(), slot);
        }
        self.ids.pop();
        self.scales.pop();
        self.data.truncate(last * d);
        self.codes.truncate(last * d);
        self.bits.truncate(last * self.words);
        true
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<(String, f32)> {
        self.search_slots(query, k, None)
    }

    fn search_filtered(
        &self,
        query: &[f32],
        k: usize,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Vec<(String, f32)> {
        let by_slot = |slot: usize| keep(&self.ids[slot]);
        self.search_slots(query, k, Some(&by_slot))
    }

    fn get(&self, id: &str) -> Option<Vec<f32>> {
        let slot = *self.slots.get(id)?;
        Some(self.data[slot * self.dim..(slot + 1) * self.dim].to_vec())
    }

    fn ids(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// The exact f32 ranking of `set` for `query`: the ground truth for recall.
pub fn exact_top_k(set: &VectorSet, query: &[f32], k: usize) -> Vec<(String, f32)> {
    let mut scored: Vec<Scored> = (0..set.len())
        .map(|i| Scored(dot_f32(set.vector(i), query), i as u32))
        .collect();
    let k = k.min(scored.len());
    if k == 0 {
        return Vec::new();
    }
    scored.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
    scored.truncate(k);
    scored.sort_unstable_by(|a, b| b.cmp(a));
    scored
        .into_iter()
        .map(|Scored(s, i)| (set.ids[i as usize].clone(), s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::vector_recall_at_k;
    use crate::vector::testdata::{clustered, unit};

    #[test]
    fn upsert_replace_remove_and_search() {
        let mut index = Int8ScanIndex::new(3);
        index.upsert("a", &unit(&[1.0, 0.0, 0.0])).unwrap();
        index.upsert("b", &unit(&[0.0, 1.0, 0.0])).unwrap();
        index.upsert("c", &unit(&[1.0, 1.0, 0.0])).unwrap();
        let top = index.search(&unit(&[1.0, 0.1, 0.0]), 2);
        assert_eq!(top[0].0, "a");
        assert_eq!(top[1].0, "c");
        index.upsert("a", &unit(&[0.0, 0.0, 1.0])).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(index.search(&unit(&[1.0, 0.1, 0.0]), 1)[0].0, "c");
        assert!(index.remove("c"));
        assert!(!index.remove("c"));
        assert_eq!(index.len(), 2);
        assert_eq!(index.get("b"), Some(unit(&[0.0, 1.0, 0.0])));
        assert_eq!(index.search(&unit(&[1.0, 0.1, 0.0]), 1)[0].0, "b");
        let filtered = index.search_filtered(&unit(&[0.0, 1.0, 0.0]), 5, &|id| id != "b");
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered[0].0, "a");
        assert!(matches!(
            index.upsert("d", &[1.0]),
            Err(SearchError::Dimension {
                expected: 3,
                actual: 1
            })
        ));
        assert!(index.search(&[1.0], 3).is_empty());
    }

    /// An index over `n` clustered vectors, and 40 queries from the same
    /// clusters that are not in it.
    fn clustered_index(
        n: usize,
        prefilter: Prefilter,
    ) -> (Int8ScanIndex, VectorSet, Vec<Vec<f32>>) {
        let mut all = clustered(n + 40, 384, 42);
        let queries = all.split_off(n);
        let mut set = VectorSet::new("m", 384);
        for (i, v) in all.iter().enumerate() {
            set.push(format!("p{i}"), v).unwrap();
        }
        let index = Int8ScanIndex::from_set(&set)
            .unwrap()
            .with_prefilter(prefilter);
        (index, set, queries)
    }

    #[test]
    fn the_sign_bit_stage_keeps_recall_and_exact_scores() {
        let (index, set, queries) = clustered_index(PREFILTER_MIN + 5_000, Prefilter::Auto);
        assert_eq!(index.prefilter_size(200), Some(500));
        let recall = vector_recall_at_k(&index, &set, &queries, 10);
        assert!(recall >= 0.99, "recall@10 {recall}");
        let truth = exact_top_k(&set, &queries[0], 10);
        let got = index.search(&queries[0], 10);
        assert_eq!(got.len(), 10);
        for ((a, sa), (b, sb)) in got.iter().zip(&truth) {
            assert_eq!(a, b);
            assert_eq!(sa, sb, "an f32 score, not an estimate");
        }
        let small = Int8ScanIndex::from_set(&VectorSet::new("m", 384)).unwrap();
        assert_eq!(
            small.prefilter_size(10),
            None,
            "small corpora scan everything"
        );
    }

    #[test]
    fn a_selective_filter_widens_the_sign_bit_radius() {
        let tight = Prefilter::Share {
            share: 0.001,
            min: 50,
            widen: 10,
        };
        let (index, set, _) = clustered_index(5_000, tight);
        assert_eq!(index.prefilter_size(10), Some(50));
        // Only 1 paper in 100 passes: the radius must widen to find 10.
        let keep = |id: &str| id[1..].parse::<usize>().unwrap() % 100 == 0;
        let got = index.search_filtered(set.vector(1), 10, &keep);
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|(id, _)| keep(id)));
        assert!(got.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
