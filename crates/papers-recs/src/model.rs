//! One reader's model: what they liked against what they did not, over
//! unit-length paper embeddings.

use crate::linear::{LinearSvm, SvmParams};
use crate::{Rng, dot};

/// What a reader did, as embeddings of the papers involved.
#[derive(Clone, Debug, Default)]
pub struct ReaderSignals<'a> {
    /// Upvoted or saved papers, and papers by followed authors.
    pub liked: Vec<&'a [f32]>,
    /// Papers marked "not interested".
    pub disliked: Vec<&'a [f32]>,
    /// Papers drawn at random from the corpus: the reader is assumed not to
    /// want most of them.
    pub background: Vec<&'a [f32]>,
}

/// A trained reader model. Scoring a paper is one inner product, so ranking
/// the corpus is an inner-product search with [`ReaderModel::query`].
#[derive(Clone, Debug)]
pub struct ReaderModel {
    svm: LinearSvm,
    /// The weights scaled to unit length: the query for a vector index.
    query: Vec<f32>,
}

impl ReaderModel {
    /// Trains on the signals: liked papers against disliked ones (counted
    /// twice: an explicit "no" says more than a random paper) and the
    /// background. `None` without a liked paper, or without anything to
    /// set it against.
    pub fn train(signals: &ReaderSignals<'_>, params: &SvmParams) -> Option<Self> {
        let dim = signals.liked.first()?.len();
        let mut rows: Vec<&[f32]> = Vec::new();
        let mut labels = Vec::new();
        rows.extend(&signals.liked);
        labels.extend(std::iter::repeat_n(true, signals.liked.len()));
        for _ in 0..2 {
            rows.extend(&signals.disliked);
            labels.extend(std::iter::repeat_n(false, signals.disliked.len()));
        }
        rows.extend(&signals.background);
        labels.extend(std::iter::repeat_n(false, signals.background.len()));
        if labels.iter().all(|l| *l) {
            return None;
        }
        let svm = LinearSvm::train(&rows, &labels, dim, params);
        let norm = dot(&svm.weights, &svm.weights).sqrt();
        if !norm.is_normal() {
            return None;
        }
        let query = svm.weights.iter().map(|w| w / norm).collect();
        Some(ReaderModel { svm, query })
    }

    /// How much the reader should want a paper (higher is better; the sign
    /// is the model's guess).
    pub fn score(&self, v: &[f32]) -> f32 {
        dot(&self.svm.weights, v) + self.svm.bias
    }

    /// The unit-length direction of the reader's taste: ranking papers by
    /// their inner product with it is ranking them by [`Self::score`].
    pub fn query(&self) -> &[f32] {
        &self.query
    }

    /// Passes the solver made.
    pub fn epochs(&self) -> usize {
        self.svm.epochs
    }
}

/// The unit-length mean of some vectors (the "plain centroid" a reader's
/// liked papers make); `None` for none.
pub fn centroid(vs: &[&[f32]]) -> Option<Vec<f32>> {
    let dim = vs.first()?.len();
    let mut sum = vec![0.0f32; dim];
    for v in vs {
        for (s, x) in sum.iter_mut().zip(v.iter()) {
            *s += x;
        }
    }
    let norm = dot(&sum, &sum).sqrt();
    norm.is_normal()
        .then(|| sum.iter().map(|s| s / norm).collect())
}

/// Why a paper is recommended: the liked paper nearest to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Because {
    /// Its index in [`ReaderSignals::liked`].
    pub liked: usize,
    /// Their cosine similarity (the vectors are unit length).
    pub similarity: f32,
}

impl Because {
    /// The liked paper nearest to `candidate`, if any.
    pub fn nearest(candidate: &[f32], liked: &[&[f32]]) -> Option<Because> {
        liked
            .iter()
            .enumerate()
            .map(|(i, v)| Because {
                liked: i,
                similarity: dot(candidate, v),
            })
            .max_by(|a, b| a.similarity.total_cmp(&b.similarity))
    }
}

/// `k` distinct indices below `n`, except those in `skip` (a background
/// sample); fewer when there are not that many.
pub fn sample_background(n: usize, k: usize, skip: &[usize], rng: &mut Rng) -> Vec<usize> {
    let skip: std::collections::HashSet<usize> = skip.iter().copied().collect();
    let available = n.saturating_sub(skip.len());
    let k = k.min(available);
    let mut chosen = std::collections::HashSet::with_capacity(k);
    // Rejection sampling while the sample is small against the corpus;
    // a shuffle otherwise.
    if k * 2 < available {
        while chosen.len() < k {
            let i = rng.below(n);
            if !skip.contains(&i) {
                chosen.insert(i);
            }
        }
        let mut out: Vec<usize> = chosen.into_iter().collect();
        out.sort_unstable();
        return out;
    }
    let mut all: Vec<usize> = (0..n).filter(|i| !skip.contains(i)).collect();
    rng.shuffle(&mut all);
    all.truncate(k);
    all.sort_unstable();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = dot(v, v).sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn the_model_prefers_papers_like_the_liked_ones() {
        let liked = [unit(&[1.0, 0.1, 0.0]), unit(&[0.9, 0.0, 0.2])];
        let disliked = [unit(&[0.0, 1.0, 0.0])];
        let background = [
            unit(&[0.0, 0.7, 0.7]),
            unit(&[0.1, 0.2, 1.0]),
            unit(&[-0.5, 0.5, 0.5]),
        ];
        let s = ReaderSignals {
            liked: liked.iter().map(Vec::as_slice).collect(),
            disliked: disliked.iter().map(Vec::as_slice).collect(),
            background: background.iter().map(Vec::as_slice).collect(),
        };
        let m = ReaderModel::train(&s, &SvmParams::default()).unwrap();
        let near = unit(&[0.95, 0.05, 0.1]);
        let far = unit(&[0.0, 0.9, 0.3]);
        assert!(m.score(&near) > m.score(&far));
        // The query ranks the same way, and is unit length.
        assert!(dot(m.query(), &near) > dot(m.query(), &far));
        assert!((dot(m.query(), m.query()) - 1.0).abs() < 1e-5);
        let why = Because::nearest(&near, &s.liked).unwrap();
        assert!(why.similarity > 0.9);
    }

    #[test]
    fn no_model_without_a_liked_paper_or_a_counterpart() {
        let v = unit(&[1.0, 0.0]);
        let only_liked = ReaderSignals {
            liked: vec![&v],
            ..Default::default()
        };
        assert!(ReaderModel::train(&only_liked, &SvmParams::default()).is_none());
        assert!(ReaderModel::train(&ReaderSignals::default(), &SvmParams::default()).is_none());
    }

    #[test]
    fn centroid_is_the_unit_mean() {
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let c = centroid(&[&a, &b]).unwrap();
        assert!((c[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert!((c[1] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert!(centroid(&[]).is_none());
    }

    #[test]
    fn background_samples_are_distinct_seeded_and_skip_the_reader() {
        let mut r1 = Rng::new(3);
        let mut r2 = Rng::new(3);
        let a = sample_background(1000, 50, &[1, 2, 3], &mut r1);
        let b = sample_background(1000, 50, &[1, 2, 3], &mut r2);
        assert_eq!(a, b);
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(!a.contains(&1) && !a.contains(&2) && !a.contains(&3));
        let all = sample_background(10, 50, &[0], &mut r1);
        assert_eq!(all, (1..10).collect::<Vec<_>>());
    }
}
