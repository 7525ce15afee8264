//! tf-idf features as arxiv-sanity-lite computes them (scikit-learn's
//! `TfidfVectorizer` with its `compute.py` settings): lower-cased words of
//! two or more characters that start with a letter, English stop words
//! removed, unigrams and bigrams, document frequency between `min_df`
//! documents and a `max_df` share, the `max_features` most frequent terms,
//! sublinear tf, smooth idf and unit length. Accents are not folded: a word
//! with a non-ASCII letter is dropped (scikit-learn would fold it first).

use std::collections::HashMap;

/// The vectoriser's settings; the defaults are arxiv-sanity-lite's.
#[derive(Clone, Debug)]
pub struct TfIdfParams {
    pub max_features: usize,
    pub min_df: usize,
    pub max_df: f64,
}

impl Default for TfIdfParams {
    fn default() -> Self {
        TfIdfParams {
            max_features: 10_000,
            min_df: 5,
            max_df: 0.5,
        }
    }
}

/// A fitted vocabulary with its idf weights.
#[derive(Clone, Debug)]
pub struct TfIdf {
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
}

/// A common English stop list (function words carry no topic).
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "etc",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "neither",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "rather",
    "same",
    "she",
    "should",
    "since",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "therefore",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

fn is_stop(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The document's words, then its bigrams of adjacent kept words.
fn terms(doc: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for run in doc.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let mut chars = run.chars();
        let starts_right = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let rest_right = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if starts_right && rest_right && run.len() >= 2 {
            let w = run.to_ascii_lowercase();
            if !is_stop(&w) {
                words.push(w);
            }
        }
    }
    let bigrams: Vec<String> = words.windows(2).map(|p| p.join(" ")).collect();
    words.extend(bigrams);
    words
}

impl TfIdf {
    /// Learns the vocabulary and idf from a corpus.
    pub fn fit<'a>(docs: impl IntoIterator<Item = &'a str>, p: &TfIdfParams) -> Self {
        let mut df: HashMap<String, (u32, u64)> = HashMap::new();
        let mut n = 0usize;
        for doc in docs {
            n += 1;
            let mut counts: HashMap<String, u32> = HashMap::new();
            for t in terms(doc) {
                *counts.entry(t).or_default() += 1;
            }
            for (t, c) in counts {
                let e = df.entry(t).or_default();
                e.0 += 1;
                e.1 += u64::from(c);
            }
        }
        let max_df = (p.max_df * n as f64).floor() as u32;
        let mut kept: Vec<(String, u32, u64)> = df
            .into_iter()
            .filter(|(_, (d, _))| *d as usize >= p.min_df && *d <= max_df)
            .map(|(t, (d, tf))| (t, d, tf))
            .collect();
        // The most frequent terms over the corpus, ties by the term.
        kept.sort_unstable_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(p.max_features);
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let idf = kept
            .iter()
            .map(|(_, d, _)| (((1 + n) as f64 / (1 + *d) as f64).ln() + 1.0) as f32)
            .collect();
        let vocab = kept
            .into_iter()
            .enumerate()
            .map(|(i, (t, _, _))| (t, i as u32))
            .collect();
        TfIdf { vocab, idf }
    }

    /// How many features a vector has.
    pub fn dim(&self) -> usize {
        self.idf.len()
    }

    /// A document's unit-length features: (indices ascending, values).
    pub fn transform(&self, doc: &str) -> (Vec<u32>, Vec<f32>) {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for t in terms(doc) {
            if let Some(&i) = self.vocab.get(&t) {
                *counts.entry(i).or_default() += 1;
            }
        }
        let mut feats: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(i, c)| {
                let idf = self.idf.get(i as usize).copied().unwrap_or(0.0);
                (i, (1.0 + (c as f32).ln()) * idf)
            })
            .collect();
        feats.sort_unstable_by_key(|(i, _)| *i);
        let norm = feats.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            feats.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        feats.into_iter().unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_list_is_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn terms_follow_the_token_pattern_and_make_bigrams() {
        let t = terms("The 3D Vision-Transformer, x2 and GPT_4 for café!");
        assert_eq!(
            t,
            [
                "vision",
                "transformer",
                "x2",
                "gpt_4",
                "vision transformer",
                "transformer x2",
                "x2 gpt_4"
            ]
        );
    }

    #[test]
    fn vectors_are_unit_length_and_weigh_rare_terms_higher() {
        let mut docs: Vec<String> = (0..10)
            .map(|i| format!("graph neural networks paper {i} on graphs"))
            .collect();
        docs.push("graph diffusion models".into());
        docs.push("diffusion models sampling".into());
        let p = TfIdfParams {
            max_features: 100,
            min_df: 2,
            max_df: 0.9,
        };
        let v = TfIdf::fit(docs.iter().map(String::as_str), &p);
        assert!(v.dim() > 0);
        let (idx, val) = v.transform("networks diffusion graph");
        // "graph" is in 11 of 12 documents: over max_df, so not a feature;
        // "networks diffusion" is in none.
        assert!(!v.vocab.contains_key("graph"));
        assert_eq!(idx.len(), 2);
        let norm: f32 = val.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let weight = |term: &str| {
            let i = v.vocab[term];
            val[idx.iter().position(|x| *x == i).unwrap()]
        };
        // In 2 documents against 10: the rarer term weighs more.
        assert!(weight("diffusion") > weight("networks"));
        assert!(v.vocab.contains_key("diffusion models"));
        assert_eq!(v.transform("nothing known here"), (vec![], vec![]));
    }
}
