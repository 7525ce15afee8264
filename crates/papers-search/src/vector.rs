//! Vectors by paper id: the [`VectorIndex`] trait, its exact backend
//! [`Int8ScanIndex`] (a scan over int8 copies of the vectors, then f32
//! rescoring of the best candidates), and [`VectorSet`], the persistable
//! form of a model's vectors.
//!
//! All vectors are unit length, so the score is the dot product (cosine).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use rayon::prelude::*;

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

fn encode_signs(v: &[f32], out: &mut [u64]) {
    out.iter_mut().for_each(|w| *w = 0);
    for (i, x) in v.iter().enumerate() {
        if *x > 0.0 {
            out[i / 64] |= 1 << (i % 64);
        }
    }
}

/// The query as four bit planes of `u_i` in `0..=15`, with `q_i ≈ step·(u_i − z)`.
/// Then `q·sign(d) = step·(2·Σ u_i·b_i − 2z·|b| + const)` for a document's
/// sign bits `b`, and `Σ u_i·b_i = Σ_p 2^p·popcount(plane_p & b)`: the query
/// keeps 4 bits of precision against the documents' 1 (an asymmetric
/// estimate, far closer to the true dot product than a Hamming distance).
struct QueryPlanes {
    planes: [Vec<u64>; 4],
    z: u32,
}

impl QueryPlanes {
    fn new(q: &[f32], words: usize) -> Self {
        let mut planes: [Vec<u64>; 4] = std::array::from_fn(|_| vec![0u64; words]);
        let (min, max) = q
            .iter()
            .fold((0.0f32, 0.0f32), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        let range = max - min;
        if range.is_nan() || range <= 0.0 || !range.is_finite() {
            return QueryPlanes { planes, z: 0 };
        }
        let step = (max - min) / 15.0;
        let z = (-min / step).round().clamp(0.0, 15.0);
        for (i, x) in q.iter().enumerate() {
            let u = (x / step + z).round().clamp(0.0, 15.0) as u32;
            for (p, plane) in planes.iter_mut().enumerate() {
                if u & (1 << p) != 0 {
                    plane[i / 64] |= 1 << (i % 64);
                }
            }
        }
        QueryPlanes {
            planes,
            z: z as u32,
        }
    }
}

/// Hamming distances of every code to the query's signs, `words` words a
/// code (specialised for 384 dimensions so the loop unrolls), counted into
/// `hist` (one slot per possible distance) in the same pass.
fn hamming_all(bits: &[u64], words: usize, query: &[u64], out: &mut Vec<u16>, hist: &mut [usize]) {
    out.clear();
    let mut record = |d: u32| {
        hist[d as usize] += 1;
        d as u16
    };
    if let (6, Ok(q)) = (words, <[u64; 6]>::try_from(query)) {
        out.extend(bits.chunks_exact(6).map(|c| {
            record(
                (c[0] ^ q[0]).count_ones()
                    + (c[1] ^ q[1]).count_ones()
                    + (c[2] ^ q[2]).count_ones()
                    + (c[3] ^ q[3]).count_ones()
                    + (c[4] ^ q[4]).count_ones()
                    + (c[5] ^ q[5]).count_ones(),
            )
        }));
    } else {
        out.extend(
            bits.chunks_exact(words.max(1))
                .map(|c| record(c.iter().zip(query).map(|(a, b)| (a ^ b).count_ones()).sum())),
        );
    }
}

/// `Σ_p 2^p·popcount(plane_p & b) − z·popcount(b)` for one code: larger is
/// nearer (proportional to the query's dot product with the code's signs,
/// up to a constant).
fn asym_score(code: &[u64], q: &QueryPlanes) -> i32 {
    let [p0, p1, p2, p3] = &q.planes;
    let (mut dot, mut ones) = (0u32, 0u32);
    for ((((b, a0), a1), a2), a3) in code.iter().zip(p0).zip(p1).zip(p2).zip(p3) {
        dot += (a0 & b).count_ones()
            + 2 * (a1 & b).count_ones()
            + 4 * (a2 & b).count_ones()
            + 8 * (a3 & b).count_ones();
        ones += b.count_ones();
    }
    dot as i32 - q.z as i32 * ones as i32
}

fn quantize(v: &[f32], out: &mut [i8]) -> f32 {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max == 0.0 || !max.is_finite() {
        out.iter_mut().for_each(|c| *c = 0);
        return 0.0;
    }
    let scale = max / 127.0;
    for (c, x) in out.iter_mut().zip(v) {
        *c = (x / scale).round().clamp(-127.0, 127.0) as i8;
    }
    scale
}

/// i8·i8 → i32. Each product fits an i16, and 32 independent i32
/// accumulators let LLVM emit packed multiply-adds (`pmaddwd` and wider);
/// measured 2.5× faster than one i32 accumulator per 64-chunk.
#[inline(always)]
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; 32];
    let (a32, b32) = (a.chunks_exact(32), b.chunks_exact(32));
    let (ra, rb) = (a32.remainder(), b32.remainder());
    for (x, y) in a32.zip(b32) {
        for j in 0..32 {
            acc[j] += i32::from(i16::from(x[j]) * i16::from(y[j]));
        }
    }
    let tail: i32 = ra
        .iter()
        .zip(rb)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    acc.iter().sum::<i32>() + tail
}

fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (a16, b16) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (a16.remainder(), b16.remainder());
    for (x, y) in a16.zip(b16) {
        for j in 0..16 {
            acc[j] += x[j] * y[j];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// Approximate scores of a block of rows: a tight loop LLVM vectorises.
#[inline(always)]
fn score_rows(codes: &[i8], scales: &[f32], dim: usize, query: &[i8], out: &mut [f32]) {
    for ((row, scale), o) in codes.chunks_exact(dim).zip(scales).zip(out.iter_mut()) {
        *o = dot_i8(row, query) as f32 * scale;
    }
}

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

/// Recall@k of `index` against the exact f32 ranking of `set` (the same
/// vectors), averaged over `queries`: the share of the true top-k found.
pub fn recall_at_k(
    index: &dyn VectorIndex,
    set: &VectorSet,
    queries: &[Vec<f32>],
    k: usize,
) -> f64 {
    if queries.is_empty() || k == 0 {
        return 1.0;
    }
    let mut total = 0.0;
    for q in queries {
        let truth: std::collections::HashSet<String> = exact_top_k(set, q, k)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if truth.is_empty() {
            total += 1.0;
            continue;
        }
        let found = index
            .search(q, k)
            .into_iter()
            .filter(|(id, _)| truth.contains(id))
            .count();
        total += found as f64 / truth.len() as f64;
    }
    total / queries.len() as f64
}

/// One model's vectors, keyed by paper id, in a form a caller can persist.
///
/// Binary format (little-endian): magic `PSVECSET`, version `u32` (1),
/// model id (`u32` length + UTF-8), `dim: u32`, `count: u64`,
/// `count × dim` f32 values, `count` ids (`u32` length + UTF-8 each), and a
/// CRC-32 of everything before it.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorSet {
    pub model_id: String,
    pub dim: usize,
    pub ids: Vec<String>,
    /// `ids.len() × dim` values, row by row.
    pub data: Vec<f32>,
}

const MAGIC: &[u8; 8] = b"PSVECSET";
const FORMAT_VERSION: u32 = 1;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SearchError> {
        if self.bytes.len() < n {
            return Err(SearchError::VectorFormat("truncated".into()));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, SearchError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, SearchError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
    fn string(&mut self) -> Result<String, SearchError> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| SearchError::VectorFormat("a string is not UTF-8".into()))
    }
}

impl VectorSet {
    pub fn new(model_id: impl Into<String>, dim: usize) -> Self {
        VectorSet {
            model_id: model_id.into(),
            dim,
            ids: Vec::new(),
            data: Vec::new(),
        }
    }

    /// The model that made these vectors.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `i`-th vector.
    pub fn vector(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn push(&mut self, id: impl Into<String>, vector: &[f32]) -> Result<(), SearchError> {
        if vector.len() != self.dim {
            return Err(SearchError::Dimension {
                expected: self.dim,
                actual: vector.len(),
            });
        }
        self.ids.push(id.into());
        self.data.extend_from_slice(vector);
        Ok(())
    }

    /// Errs with [`SearchError::ModelMismatch`] unless these vectors were
    /// made by `model_id`, so the caller can offer a re-embed.
    pub fn check_model(&self, model_id: &str) -> Result<(), SearchError> {
        if self.model_id == model_id {
            Ok(())
        } else {
            Err(SearchError::ModelMismatch {
                stored: self.model_id.clone(),
                embedder: model_id.to_string(),
            })
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let ids_len: usize = self.ids.iter().map(|id| 4 + id.len()).sum();
        let mut out = Vec::with_capacity(40 + self.model_id.len() + self.data.len() * 4 + ids_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.model_id.len() as u32).to_le_bytes());
        out.extend_from_slice(self.model_id.as_bytes());
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        out.extend_from_slice(&(self.ids.len() as u64).to_le_bytes());
        for x in &self.data {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for id in &self.ids {
            out.extend_from_slice(&(id.len() as u32).to_le_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SearchError> {
        let format = |m: &str| SearchError::VectorFormat(m.to_string());
        if bytes.len() < MAGIC.len() + 8 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(format("not a vector set (bad magic)"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let mut reader = Reader {
            bytes: &body[MAGIC.len()..],
        };
        let version = reader.u32()?;
        if version != FORMAT_VERSION {
            return Err(SearchError::VectorFormat(format!(
                "version {version} is not supported (expected {FORMAT_VERSION})"
            )));
        }
        let mut crc_bytes = [0u8; 4];
        crc_bytes.copy_from_slice(crc);
        if crc32fast::hash(body) != u32::from_le_bytes(crc_bytes) {
            return Err(format("checksum mismatch (corrupt file)"));
        }
        let model_id = reader.string()?;
        let dim = reader.u32()? as usize;
        let count = usize::try_from(reader.u64()?).map_err(|_| format("count too large"))?;
        let values = count
            .checked_mul(dim)
            .and_then(|n| n.checked_mul(4))
            .ok_or_else(|| format("count too large"))?;
        let data = reader
            .take(values)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let ids = (0..count)
            .map(|_| reader.string())
            .collect::<Result<Vec<_>, _>>()?;
        if !reader.bytes.is_empty() {
            return Err(format("trailing bytes"));
        }
        Ok(VectorSet {
            model_id,
            dim,
            ids,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let mut v = v.to_vec();
        crate::embed::normalize(&mut v);
        v
    }

    #[test]
    fn int8_dot_matches_the_naive_sum_at_odd_lengths() {
        for len in [1, 63, 64, 65, 384, 130] {
            let a: Vec<i8> = (0..len).map(|i| ((i * 37) % 255) as i8).collect();
            let b: Vec<i8> = (0..len).map(|i| ((i * 91 + 7) % 255) as i8).collect();
            let naive: i32 = a.iter().zip(&b).map(|(x, y)| *x as i32 * *y as i32).sum();
            assert_eq!(dot_i8(&a, &b), naive, "len {len}");
        }
    }

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

    /// Unit vectors around a few cluster centres (xorshift), as real
    /// embeddings cluster by topic.
    fn clustered(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
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

    #[test]
    fn bit_scores_match_naive_sums_at_any_width() {
        for dim in [3, 64, 65, 384, 130] {
            let vs = clustered(5, dim, 9);
            let words = dim.div_ceil(64);
            let mut codes = vec![0u64; 5 * words];
            for (i, v) in vs.iter().enumerate() {
                encode_signs(v, &mut codes[i * words..(i + 1) * words]);
            }
            let mut d = Vec::new();
            let mut hist = vec![0usize; words * 64 + 1];
            hamming_all(&codes, words, &codes[..words], &mut d, &mut hist);
            assert_eq!(hist.iter().sum::<usize>(), vs.len());
            assert!(d.iter().all(|&x| hist[x as usize] > 0));
            let q = QueryPlanes::new(&vs[0], words);
            let u = |i: usize| -> i32 {
                (0..4)
                    .map(|p| i32::from(q.planes[p][i / 64] >> (i % 64) & 1 == 1) << p)
                    .sum()
            };
            for (n, v) in vs.iter().enumerate() {
                let differing = (0..dim)
                    .filter(|&i| (v[i] > 0.0) != (vs[0][i] > 0.0))
                    .count();
                assert_eq!(d[n] as usize, differing, "hamming, dim {dim}, vector {n}");
                let naive: i32 = (0..dim)
                    .filter(|&i| v[i] > 0.0)
                    .map(|i| u(i) - q.z as i32)
                    .sum();
                let code = &codes[n * words..(n + 1) * words];
                assert_eq!(
                    asym_score(code, &q),
                    naive,
                    "bit planes, dim {dim}, vector {n}"
                );
            }
        }
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
        let recall = recall_at_k(&index, &set, &queries, 10);
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

    #[test]
    fn vector_set_round_trips_and_detects_damage() {
        let mut set = VectorSet::new("hash-64", 2);
        set.push("2401.00001", &[0.6, 0.8]).unwrap();
        set.push("hep-th/9901001", &[-1.0, 0.0]).unwrap();
        let bytes = set.to_bytes();
        let back = VectorSet::from_bytes(&bytes).unwrap();
        assert_eq!(back, set);
        assert_eq!(back.model_id(), "hash-64");
        assert!(back.check_model("hash-64").is_ok());
        assert!(matches!(
            back.check_model("sentence-transformers/all-MiniLM-L6-v2"),
            Err(SearchError::ModelMismatch { .. })
        ));
        let mut corrupt = bytes.clone();
        corrupt[30] ^= 1;
        assert!(VectorSet::from_bytes(&corrupt).is_err());
        assert!(VectorSet::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(VectorSet::from_bytes(b"nonsense").is_err());
        let empty = VectorSet::new("m", 384);
        assert_eq!(VectorSet::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }
}
