//! Hybrid ranking: merging a keyword and a semantic candidate list, by
//! reciprocal rank fusion or by a convex combination of min-max-normalised
//! scores, with an [`Explain`] for every result.

use std::collections::HashMap;

use serde::Serialize;

/// How keyword and semantic candidates are merged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Fusion {
    /// Reciprocal rank fusion: `Σ 1 / (k + rank)`, ranks from 1.
    Rrf { k: f32 },
    /// `alpha × semantic + (1 − alpha) × keyword`, each min-max normalised
    /// over its candidates; a side where a paper is absent counts 0.
    Convex { alpha: f32 },
}

impl Fusion {
    /// The shipped constant: 10, chosen on SciFact (train) and CACM
    /// together with `papers eval` (BENCHMARKS.md); the customary 60 gave
    /// lower nDCG@10 on both. A small k lets a paper ranked first by one
    /// side count for clearly more than one ranked fifth.
    pub const DEFAULT_RRF_K: f32 = 10.0;
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion::Rrf {
            k: Fusion::DEFAULT_RRF_K,
        }
    }
}

/// Why a result is where it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explain {
    /// 1-based rank among the keyword candidates, if it was one.
    pub keyword_rank: Option<usize>,
    /// BM25 score.
    pub keyword_score: Option<f32>,
    /// 1-based rank among the semantic candidates, if it was one.
    pub semantic_rank: Option<usize>,
    /// Cosine similarity to the query.
    pub semantic_score: Option<f32>,
    /// The score the result is ranked by.
    pub fused_score: f32,
}

/// Merges two ranked candidate lists (best first, `(id, score)`); returns
/// every candidate, best first. Ties go to the better keyword rank, then id.
pub fn fuse(
    keyword: &[(String, f32)],
    semantic: &[(String, f32)],
    fusion: Fusion,
) -> Vec<(String, Explain)> {
    let mut merged: HashMap<&str, Explain> = HashMap::new();
    for (rank, (id, score)) in keyword.iter().enumerate() {
        let e = merged.entry(id).or_default();
        if e.keyword_rank.is_none() {
            e.keyword_rank = Some(rank + 1);
            e.keyword_score = Some(*score);
        }
    }
    for (rank, (id, score)) in semantic.iter().enumerate() {
        let e = merged.entry(id).or_default();
        if e.semantic_rank.is_none() {
            e.semantic_rank = Some(rank + 1);
            e.semantic_score = Some(*score);
        }
    }
    let normaliser = |list: &[(String, f32)]| {
        let min = list.iter().map(|(_, s)| *s).fold(f32::INFINITY, f32::min);
        let max = list
            .iter()
            .map(|(_, s)| *s)
            .fold(f32::NEG_INFINITY, f32::max);
        move |s: f32| {
            if max > min {
                (s - min) / (max - min)
            } else {
                1.0
            }
        }
    };
    let (norm_k, norm_s) = (normaliser(keyword), normaliser(semantic));
    for e in merged.values_mut() {
        e.fused_score = match fusion {
            Fusion::Rrf { k } => {
                let part = |rank: Option<usize>| rank.map_or(0.0, |r| 1.0 / (k + r as f32));
                part(e.keyword_rank) + part(e.semantic_rank)
            }
            Fusion::Convex { alpha } => {
                alpha * e.semantic_score.map_or(0.0, &norm_s)
                    + (1.0 - alpha) * e.keyword_score.map_or(0.0, &norm_k)
            }
        };
    }
    let mut out: Vec<(String, Explain)> = merged
        .into_iter()
        .map(|(id, e)| (id.to_string(), e))
        .collect();
    out.sort_by(|(ia, a), (ib, b)| {
        b.fused_score
            .total_cmp(&a.fused_score)
            .then_with(|| {
                a.keyword_rank
                    .unwrap_or(usize::MAX)
                    .cmp(&b.keyword_rank.unwrap_or(usize::MAX))
            })
            .then_with(|| ia.cmp(ib))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, f32)]) -> Vec<(String, f32)> {
        items.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    #[test]
    fn rrf_rewards_agreement_and_explains_itself() {
        let keyword = list(&[("a", 12.0), ("b", 8.0), ("c", 1.0)]);
        let semantic = list(&[("b", 0.9), ("d", 0.8), ("a", 0.1)]);
        let fused = fuse(&keyword, &semantic, Fusion::Rrf { k: 60.0 });
        let ids: Vec<&str> = fused.iter().map(|(id, _)| id.as_str()).collect();
        // b: 1/62 + 1/61; a: 1/61 + 1/63; d: 1/62; c: 1/63.
        assert_eq!(ids, ["b", "a", "d", "c"]);
        let b = &fused[0].1;
        assert_eq!(b.keyword_rank, Some(2));
        assert_eq!(b.semantic_rank, Some(1));
        assert_eq!(b.semantic_score, Some(0.9));
        assert!((b.fused_score - (1.0 / 62.0 + 1.0 / 61.0)).abs() < 1e-7);
        let d = &fused[2].1;
        assert_eq!((d.keyword_rank, d.keyword_score), (None, None));
        let json = serde_json::to_value(b).unwrap();
        assert_eq!(json["keyword_rank"], 2);
    }

    #[test]
    fn convex_combination_weighs_normalised_scores() {
        let keyword = list(&[("a", 10.0), ("b", 5.0), ("c", 0.0)]);
        let semantic = list(&[("c", 0.9), ("b", 0.5), ("a", 0.1)]);
        let at = |alpha: f32| {
            fuse(&keyword, &semantic, Fusion::Convex { alpha })
                .into_iter()
                .map(|(id, e)| (id, e.fused_score))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(0.0)[0].0, "a");
        assert_eq!(at(1.0)[0].0, "c");
        let half = at(0.5);
        // a: .5×0 + .5×1 = .5; b: .5×.5 + .5×.5 = .5; c: .5. All tie: keyword rank decides.
        assert_eq!(
            half.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert!(half.iter().all(|(_, s)| (s - 0.5).abs() < 1e-6));
    }

    #[test]
    fn empty_sides_are_fine() {
        assert!(fuse(&[], &[], Fusion::default()).is_empty());
        let only = fuse(&list(&[("a", 1.0)]), &[], Fusion::Convex { alpha: 0.3 });
        assert_eq!(only.len(), 1);
        assert!((only[0].1.fused_score - 0.7).abs() < 1e-6);
    }
}
