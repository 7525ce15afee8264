//! A linear support vector machine, trained by dual coordinate descent
//! (Hsieh et al., 2008: liblinear's solver for the L2-regularised squared
//! hinge loss, the one scikit-learn's `LinearSVC` runs), over dense rows
//! (embeddings) or sparse ones (tf-idf). The bias is learned as the weight of
//! a constant feature, as liblinear does.

use crate::Rng;

/// One training example's features.
pub trait Row {
    /// `w · x` over the features (the bias is added by the caller).
    fn dot(&self, w: &[f32]) -> f32;
    /// `w += scale · x`.
    fn add_to(&self, scale: f32, w: &mut [f32]);
    /// `x · x`.
    fn norm2(&self) -> f32;
}

impl Row for &[f32] {
    fn dot(&self, w: &[f32]) -> f32 {
        crate::dot(self, w)
    }
    fn add_to(&self, scale: f32, w: &mut [f32]) {
        for (wi, xi) in w.iter_mut().zip(self.iter()) {
            *wi += scale * xi;
        }
    }
    fn norm2(&self) -> f32 {
        crate::dot(self, self)
    }
}

/// A sparse row: feature indices (each below the model's dimension) and
/// their values.
#[derive(Clone, Copy, Debug)]
pub struct Sparse<'a> {
    pub idx: &'a [u32],
    pub val: &'a [f32],
}

impl Row for Sparse<'_> {
    fn dot(&self, w: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(self.val)
            .map(|(i, v)| w.get(*i as usize).map_or(0.0, |wi| wi * v))
            .sum()
    }
    fn add_to(&self, scale: f32, w: &mut [f32]) {
        for (i, v) in self.idx.iter().zip(self.val) {
            if let Some(wi) = w.get_mut(*i as usize) {
                *wi += scale * v;
            }
        }
    }
    fn norm2(&self) -> f32 {
        self.val.iter().map(|v| v * v).sum()
    }
}

/// How the machine is trained.
#[derive(Clone, Debug)]
pub struct SvmParams {
    /// The cost of a margin violation (`C`); arxiv-sanity-lite uses 0.1.
    pub c: f32,
    /// Weigh each class by `n / (2 · n_class)` (`class_weight='balanced'`).
    pub balanced: bool,
    /// Stop when the projected gradient's range falls below this.
    pub tol: f32,
    /// At most this many passes over the examples.
    pub max_epochs: usize,
    /// The order of the examples in each pass comes from this seed.
    pub seed: u64,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            c: 0.1,
            balanced: true,
            tol: 0.01,
            max_epochs: 200,
            seed: 1,
        }
    }
}

/// A trained machine: `score(x) = w · x + bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearSvm {
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Passes the solver made.
    pub epochs: usize,
}

impl LinearSvm {
    /// Trains on `rows` with `positive[i]` saying which side row `i` is on.
    /// Without an example of each side the machine scores everything 0.
    pub fn train<R: Row>(rows: &[R], positive: &[bool], dim: usize, p: &SvmParams) -> Self {
        let n = rows.len().min(positive.len());
        let n_pos = positive.iter().take(n).filter(|x| **x).count();
        let n_neg = n - n_pos;
        let mut svm = LinearSvm {
            weights: vec![0.0; dim],
            bias: 0.0,
            epochs: 0,
        };
        if n_pos == 0 || n_neg == 0 {
            return svm;
        }
        let cost = |pos: bool| {
            let share = if pos { n_pos } else { n_neg };
            if p.balanced {
                p.c * n as f32 / (2.0 * share as f32)
            } else {
                p.c
            }
        };
        // The squared hinge's dual: a diagonal of 1 / (2C) and no upper bound.
        let diag: Vec<f32> = positive.iter().take(n).map(|y| 0.5 / cost(*y)).collect();
        let qd: Vec<f32> = rows
            .iter()
            .take(n)
            .zip(&diag)
            .map(|(x, d)| x.norm2() + 1.0 + d)
            .collect();
        let mut alpha = vec![0.0f32; n];
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = Rng::new(p.seed);
        for epoch in 0..p.max_epochs {
            rng.shuffle(&mut order);
            let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
            for &i in &order {
                let (Some(x), Some(&pos)) = (rows.get(i), positive.get(i)) else {
                    continue;
                };
                let y = if pos { 1.0 } else { -1.0 };
                let (a, d, q) = (alpha[i], diag[i], qd[i]);
                let g = y * (x.dot(&svm.weights) + svm.bias) - 1.0 + a * d;
                let pg = if a == 0.0 { g.min(0.0) } else { g };
                pg_max = pg_max.max(pg);
                pg_min = pg_min.min(pg);
                if pg.abs() > 1e-12 {
                    let next = (a - g / q).max(0.0);
                    alpha[i] = next;
                    let step = (next - a) * y;
                    x.add_to(step, &mut svm.weights);
                    svm.bias += step;
                }
            }
            svm.epochs = epoch + 1;
            if pg_max - pg_min <= p.tol {
                break;
            }
        }
        svm
    }

    pub fn score<R: Row>(&self, x: &R) -> f32 {
        x.dot(&self.weights) + self.bias
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_clusters_and_ranks_by_side() {
        let mut rng = Rng::new(7);
        let mut jitter = || (rng.below(1000) as f32 / 1000.0 - 0.5) * 0.4;
        let mut rows: Vec<Vec<f32>> = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60 {
            let pos = i % 3 == 0;
            let centre = if pos { [1.0, 0.2] } else { [-0.3, 1.0] };
            rows.push(vec![centre[0] + jitter(), centre[1] + jitter()]);
            labels.push(pos);
        }
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let svm = LinearSvm::train(&refs, &labels, 2, &SvmParams::default());
        for (x, pos) in refs.iter().zip(&labels) {
            assert_eq!(svm.score(x) > 0.0, *pos, "{x:?}");
        }
        assert!(svm.epochs >= 1);
    }

    #[test]
    fn sparse_and_dense_rows_train_the_same_machine() {
        let dense: Vec<Vec<f32>> = vec![
            vec![1.0, 0.0, 0.5],
            vec![0.0, 1.0, 0.0],
            vec![0.9, 0.1, 0.0],
            vec![0.0, 0.8, 0.3],
        ];
        let labels = [true, false, true, false];
        let refs: Vec<&[f32]> = dense.iter().map(Vec::as_slice).collect();
        let idx: Vec<Vec<u32>> = dense
            .iter()
            .map(|r| (0..3u32).filter(|i| r[*i as usize] != 0.0).collect())
            .collect();
        let val: Vec<Vec<f32>> = dense
            .iter()
            .map(|r| r.iter().copied().filter(|v| *v != 0.0).collect())
            .collect();
        let sparse: Vec<Sparse> = idx
            .iter()
            .zip(&val)
            .map(|(i, v)| Sparse { idx: i, val: v })
            .collect();
        let p = SvmParams::default();
        let a = LinearSvm::train(&refs, &labels, 3, &p);
        let b = LinearSvm::train(&sparse, &labels, 3, &p);
        assert_eq!(a, b);
    }

    #[test]
    fn one_sided_data_scores_nothing() {
        let rows: Vec<&[f32]> = vec![&[1.0, 0.0], &[0.5, 0.5]];
        let svm = LinearSvm::train(&rows, &[true, true], 2, &SvmParams::default());
        assert_eq!(svm.weights, vec![0.0, 0.0]);
        assert_eq!(svm.epochs, 0);
    }
}
