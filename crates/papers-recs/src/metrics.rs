//! Ranking quality against a set of wanted items.

use std::collections::HashSet;
use std::hash::Hash;

/// The share of `wanted` found in the first `k` of `ranked` (0 when nothing
/// is wanted).
pub fn recall_at_k<T: Eq + Hash>(ranked: &[T], wanted: &HashSet<T>, k: usize) -> f64 {
    if wanted.is_empty() {
        return 0.0;
    }
    let hits = ranked.iter().take(k).filter(|x| wanted.contains(x)).count();
    hits as f64 / wanted.len() as f64
}

/// Normalised discounted cumulative gain at `k` with binary relevance: 1 when
/// every wanted item (up to `k` of them) leads the ranking.
pub fn ndcg_at_k<T: Eq + Hash>(ranked: &[T], wanted: &HashSet<T>, k: usize) -> f64 {
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, x)| wanted.contains(x))
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..wanted.len().min(k)).map(gain).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_counts_hits_in_the_top_k() {
        let wanted: HashSet<u32> = [1, 2, 3, 4].into();
        assert_eq!(recall_at_k(&[1, 9, 2, 3], &wanted, 2), 0.25);
        assert_eq!(recall_at_k(&[1, 9, 2, 3], &wanted, 4), 0.75);
        assert_eq!(recall_at_k(&[1], &HashSet::new(), 4), 0.0);
    }

    #[test]
    fn ndcg_is_one_for_a_perfect_ranking_and_falls_with_rank() {
        let wanted: HashSet<u32> = [1, 2].into();
        assert!((ndcg_at_k(&[1, 2, 3], &wanted, 3) - 1.0).abs() < 1e-12);
        assert!((ndcg_at_k(&[2, 1, 3], &wanted, 3) - 1.0).abs() < 1e-12);
        let late = ndcg_at_k(&[3, 1, 2], &wanted, 3);
        let expected = (1.0 / 3f64.log2() + 1.0 / 4f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((late - expected).abs() < 1e-12);
        assert_eq!(ndcg_at_k(&[3, 4], &wanted, 2), 0.0);
    }
}
