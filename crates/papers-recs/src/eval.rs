//! The offline evaluation behind `papers eval recs`: every author with
//! enough papers is a simulated reader whose papers before a split date are
//! their upvotes and whose papers after it are what they would want. Each
//! method ranks every paper after the split for each reader; recall@k and
//! nDCG@k say how many of the reader's later papers it put near the top,
//! and the time per reader (training and ranking) is measured.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use serde::Serialize;

use crate::linear::{LinearSvm, Sparse, SvmParams};
use crate::model::{ReaderModel, ReaderSignals, centroid, sample_background};
use crate::tfidf::{TfIdf, TfIdfParams};
use crate::{Rng, dot, ndcg_at_k, recall_at_k};

/// One paper of the evaluation corpus.
#[derive(Clone, Debug)]
pub struct EvalPaper {
    pub id: String,
    /// Its arXiv date, `YYYY-MM-DD` (compared as text).
    pub date: String,
    pub authors: Vec<String>,
    pub title: String,
    pub abstract_text: String,
    /// Its unit-length embedding.
    pub vector: Vec<f32>,
    /// The community's upvotes (the trending signal the blend mixes in).
    pub upvotes: i64,
}

/// The evaluation's settings.
#[derive(Clone, Debug)]
pub struct EvalParams {
    /// Authors with at least this many papers are readers.
    pub min_papers: usize,
    /// Papers dated before this day are the readers' upvotes.
    pub split_date: String,
    pub seed: u64,
    /// At most this many readers (a seeded sample), to bound the run.
    pub max_readers: usize,
    /// Background papers each reader model is trained against.
    pub background: usize,
    /// The weight of the community's signal in the blend.
    pub blend: f32,
    /// How far (in standard deviations of the model's scores) a paper is
    /// lifted by its best author's share of the liked papers (5: a name on
    /// every liked paper outranks the model's whole spread).
    pub author_boost: f32,
    /// The cut-off of recall and nDCG.
    pub k: usize,
    /// Include arxiv-sanity-lite's method (slow: an SVM over the whole
    /// training corpus per reader).
    pub tfidf_svm: bool,
}

impl Default for EvalParams {
    fn default() -> Self {
        EvalParams {
            min_papers: 10,
            split_date: "2026-01-01".into(),
            seed: 1,
            max_readers: 200,
            background: 300,
            blend: 0.1,
            author_boost: 5.0,
            k: 50,
            tfidf_svm: true,
        }
    }
}

/// How one method did over all readers.
#[derive(Clone, Debug, Serialize)]
pub struct MethodReport {
    pub method: &'static str,
    pub recall: f64,
    pub ndcg: f64,
    /// Mean milliseconds per reader: training plus ranking every candidate.
    pub ms_per_reader: f64,
}

/// The whole evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    pub readers: usize,
    /// Papers after the split (ranked for each reader).
    pub candidates: usize,
    /// Papers before it (what the models learn from).
    pub training: usize,
    pub k: usize,
    pub split_date: String,
    pub seed: u64,
    pub methods: Vec<MethodReport>,
}

/// An author's name as one key: lower case, single spaces.
pub fn author_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One simulated reader: indices into the corpus of the papers they
/// "upvoted" (before the split) and of those they would want (after it).
#[derive(Clone, Debug)]
pub struct Reader {
    pub liked: Vec<usize>,
    pub wanted: HashSet<usize>,
}

impl Reader {
    /// The same reader over a sub-corpus: `map` takes an old index to its
    /// new one.
    pub fn remap(&self, map: &HashMap<usize, usize>) -> Reader {
        Reader {
            liked: self
                .liked
                .iter()
                .filter_map(|i| map.get(i).copied())
                .collect(),
            wanted: self
                .wanted
                .iter()
                .filter_map(|i| map.get(i).copied())
                .collect(),
        }
    }
}

/// The readers of a corpus: authors with at least `min_papers` papers, some
/// before the split and some after, at most `max_readers` of them (a seeded
/// sample). The vectors are not read.
pub fn readers(papers: &[EvalPaper], p: &EvalParams) -> Vec<Reader> {
    let mut by_author: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, paper) in papers.iter().enumerate() {
        let keys: HashSet<String> = paper.authors.iter().map(|a| author_key(a)).collect();
        for k in keys {
            by_author.entry(k).or_default().push(i);
        }
    }
    let mut names: Vec<&String> = by_author
        .iter()
        .filter(|(_, ps)| ps.len() >= p.min_papers)
        .map(|(name, _)| name)
        .collect();
    names.sort();
    let mut out: Vec<Reader> = names
        .into_iter()
        .filter_map(|name| {
            let ps = by_author.get(name)?;
            let (liked, wanted): (Vec<usize>, Vec<usize>) = ps
                .iter()
                .partition(|i| papers[**i].date.as_str() < p.split_date.as_str());
            (!liked.is_empty() && !wanted.is_empty()).then(|| Reader {
                liked,
                wanted: wanted.into_iter().collect(),
            })
        })
        .collect();
    let mut rng = Rng::new(p.seed);
    rng.shuffle(&mut out);
    out.truncate(p.max_readers);
    out
}

/// The candidates' indices ordered by score, best first (ties by index).
/// The `k` best candidates, best first: `score` gets a candidate's place
/// in `candidates` and its paper index. Only the top `k` is sorted.
fn rank(candidates: &[usize], k: usize, score: impl Fn(usize, usize) -> f32) -> Vec<usize> {
    let mut scored: Vec<(f32, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(pos, &i)| (score(pos, i), i))
        .collect();
    let order = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if k < scored.len() {
        scored.select_nth_unstable_by(k, order);
        scored.truncate(k);
    }
    scored.sort_unstable_by(order);
    scored.into_iter().map(|(_, i)| i).collect()
}

/// Scores standardised over the candidates (mean 0, deviation 1), so a
/// model and the community's signal can be mixed.
/// (In the candidates' order.)
fn standardise(candidates: &[usize], score: impl Fn(usize) -> f32) -> Vec<f32> {
    let raw: Vec<f32> = candidates.iter().map(|&i| score(i)).collect();
    let n = raw.len().max(1) as f32;
    let mean = raw.iter().sum::<f32>() / n;
    let sd = (raw.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n)
        .sqrt()
        .max(1e-6);
    raw.into_iter().map(|x| (x - mean) / sd).collect()
}

#[derive(Default)]
struct Tally {
    recall: f64,
    ndcg: f64,
    ms: f64,
    n: usize,
}

impl Tally {
    fn add(&mut self, ranked: &[usize], wanted: &HashSet<usize>, k: usize, started: Instant) {
        self.add_elapsed(ranked, wanted, k, started.elapsed());
    }

    fn add_elapsed(
        &mut self,
        ranked: &[usize],
        wanted: &HashSet<usize>,
        k: usize,
        took: std::time::Duration,
    ) {
        self.ms += took.as_secs_f64() * 1000.0;
        self.recall += recall_at_k(ranked, wanted, k);
        self.ndcg += ndcg_at_k(ranked, wanted, k);
        self.n += 1;
    }

    fn report(&self, method: &'static str) -> MethodReport {
        let n = self.n.max(1) as f64;
        MethodReport {
            method,
            recall: self.recall / n,
            ndcg: self.ndcg / n,
            ms_per_reader: self.ms / n,
        }
    }
}

/// Runs every method for every reader. `progress` is called after each
/// reader with (done, total).
pub fn evaluate(
    papers: &[EvalPaper],
    readers: &[Reader],
    p: &EvalParams,
    mut progress: impl FnMut(usize, usize),
) -> EvalReport {
    let (training, candidates): (Vec<usize>, Vec<usize>) =
        (0..papers.len()).partition(|i| papers[*i].date.as_str() < p.split_date.as_str());
    let popularity = |i: usize| (papers[i].upvotes.max(0) as f32).ln_1p();
    let svm = SvmParams {
        seed: p.seed,
        ..SvmParams::default()
    };

    // arxiv-sanity-lite's features are title, abstract and author names
    // (its compute.py); the same without the names shows what the words
    // alone do (a reader's own name is in every paper they "upvoted").
    let sanity = p.tfidf_svm.then(|| {
        let with_names: Vec<String> = papers
            .iter()
            .map(|x| format!("{} {} {}", x.title, x.abstract_text, x.authors.join(" ")))
            .collect();
        let words_only: Vec<String> = papers
            .iter()
            .map(|x| format!("{} {}", x.title, x.abstract_text))
            .collect();
        [with_names, words_only].map(|texts| {
            let tfidf = TfIdf::fit(texts.iter().map(String::as_str), &TfIdfParams::default());
            let feats: Vec<(Vec<u32>, Vec<f32>)> =
                texts.iter().map(|t| tfidf.transform(t)).collect();
            (tfidf.dim(), feats)
        })
    });
    // Each paper's authors as numbers (one per author key), each once.
    let mut author_ids: HashMap<String, u32> = HashMap::new();
    let authors: Vec<Vec<u32>> = papers
        .iter()
        .map(|x| {
            let mut ids: Vec<u32> = x
                .authors
                .iter()
                .map(|a| {
                    let next = author_ids.len() as u32;
                    *author_ids.entry(author_key(a)).or_insert(next)
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();

    let mut tallies: [Tally; 6] = Default::default();
    let mut rng = Rng::new(p.seed ^ 0x5eed);
    for (done, r) in readers.iter().enumerate() {
        let liked: Vec<&[f32]> = r
            .liked
            .iter()
            .map(|i| papers[*i].vector.as_slice())
            .collect();

        let t = Instant::now();
        let c = centroid(&liked);
        let ranked = rank(&candidates, p.k, |_, i| {
            c.as_deref().map_or(0.0, |c| dot(c, &papers[i].vector))
        });
        tallies[0].add(&ranked, &r.wanted, p.k, t);

        // The reader model, timed with its training.
        let t = Instant::now();
        let background: Vec<&[f32]> =
            sample_background(training.len(), p.background, &[], &mut rng)
                .into_iter()
                .map(|j| training[j])
                .filter(|i| !r.liked.contains(i))
                .map(|i| papers[i].vector.as_slice())
                .collect();
        let signals = ReaderSignals {
            liked: liked.clone(),
            disliked: Vec::new(),
            background,
        };
        let model = ReaderModel::train(&signals, &svm);
        let score = |i: usize| {
            model
                .as_ref()
                .map_or(0.0, |m| dot(m.query(), &papers[i].vector))
        };
        let own = standardise(&candidates, score);
        let model_ms = t.elapsed();
        let ranked = rank(&candidates, p.k, |pos, _| own[pos]);
        tallies[1].add(&ranked, &r.wanted, p.k, t);

        // With the authors of the liked papers followed, each by the share
        // of liked papers they are on: a paper is lifted by `author_boost`
        // deviations times its best author's share (a name on every liked
        // paper lifts it fully, a one-off co-author by 1/n).
        let t = Instant::now();
        let mut on_liked: HashMap<u32, f32> = HashMap::new();
        for i in &r.liked {
            for a in &authors[*i] {
                *on_liked.entry(*a).or_default() += 1.0;
            }
        }
        let n_liked = r.liked.len().max(1) as f32;
        let affinity = |i: usize| {
            authors[i]
                .iter()
                .filter_map(|a| on_liked.get(a))
                .fold(0.0f32, |best, c| best.max(c / n_liked))
        };
        let with_authors = |pos: usize, i: usize| own[pos] + p.author_boost * affinity(i);
        let ranked = rank(&candidates, p.k, with_authors);
        tallies[2].add_elapsed(&ranked, &r.wanted, p.k, t.elapsed() + model_ms);

        // And the community's signal blended in.
        let t = Instant::now();
        let crowd = standardise(&candidates, popularity);
        let ranked = rank(&candidates, p.k, |pos, i| {
            with_authors(pos, i) + p.blend * crowd[pos]
        });
        tallies[3].add_elapsed(&ranked, &r.wanted, p.k, t.elapsed() + model_ms);

        if let Some(variants) = &sanity {
            let liked: HashSet<usize> = r.liked.iter().copied().collect();
            let labels: Vec<bool> = training.iter().map(|i| liked.contains(i)).collect();
            for ((dim, feats), tally) in variants.iter().zip(&mut tallies[4..]) {
                let t = Instant::now();
                let row = |i: usize| Sparse {
                    idx: &feats[i].0,
                    val: &feats[i].1,
                };
                let rows: Vec<Sparse> = training.iter().map(|i| row(*i)).collect();
                let machine = LinearSvm::train(&rows, &labels, *dim, &svm);
                let ranked = rank(&candidates, p.k, |_, i| machine.score(&row(i)));
                tally.add(&ranked, &r.wanted, p.k, t);
            }
        }
        progress(done + 1, readers.len());
    }
    let mut methods = vec![
        tallies[0].report("embedding-centroid"),
        tallies[1].report("reader-model"),
        tallies[2].report("reader-model+authors"),
        tallies[3].report("reader-model+authors+trending"),
    ];
    if sanity.is_some() {
        methods.push(tallies[4].report("tfidf-svm (arxiv-sanity-lite: words+names)"));
        methods.push(tallies[5].report("tfidf-svm (words only)"));
    }
    EvalReport {
        readers: readers.len(),
        candidates: candidates.len(),
        training: training.len(),
        k: p.k,
        split_date: p.split_date.clone(),
        seed: p.seed,
        methods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two research topics, each with its authors; an author's later papers
    /// stay on their topic.
    fn corpus() -> Vec<EvalPaper> {
        let topics = [
            ("graph neural networks message passing", [1.0f32, 0.0, 0.1]),
            ("diffusion models image sampling", [0.0f32, 1.0, 0.1]),
        ];
        let mut rng = Rng::new(9);
        let mut out = Vec::new();
        for n in 0..120 {
            let t = n % 2;
            let (words, centre) = &topics[t];
            let author = format!("Author {}{}", ["G", "D"][t], n % 6 / 2);
            let j = |rng: &mut Rng| (rng.below(100) as f32 / 100.0 - 0.5) * 0.3;
            let v: Vec<f32> = centre.iter().map(|c| c + j(&mut rng)).collect();
            let norm = dot(&v, &v).sqrt();
            out.push(EvalPaper {
                id: format!("2501.{n:05}"),
                date: format!("2025-{:02}-01", 1 + n % 12),
                authors: vec![author, format!("Other {n}")],
                title: format!("{words} {n}"),
                abstract_text: format!("We study {words} at scale, paper {n}."),
                vector: v.iter().map(|x| x / norm).collect(),
                upvotes: (n % 7) as i64,
            });
        }
        out
    }

    #[test]
    fn readers_are_authors_with_papers_on_both_sides_of_the_split() {
        let papers = corpus();
        let p = EvalParams {
            min_papers: 10,
            split_date: "2025-07-01".into(),
            ..EvalParams::default()
        };
        let rs = readers(&papers, &p);
        // Six authors with 20 papers each, across the whole year.
        assert_eq!(rs.len(), 6);
        for r in &rs {
            assert!(
                r.liked
                    .iter()
                    .all(|i| papers[*i].date.as_str() < "2025-07-01")
            );
            assert!(
                r.wanted
                    .iter()
                    .all(|i| papers[*i].date.as_str() >= "2025-07-01")
            );
        }
    }

    #[test]
    fn every_method_finds_the_readers_topic() {
        let papers = corpus();
        let p = EvalParams {
            split_date: "2025-07-01".into(),
            min_papers: 10,
            ..EvalParams::default()
        };
        let mut calls = 0;
        let rs = readers(&papers, &p);
        let report = evaluate(&papers, &rs, &p, |_, _| calls += 1);
        assert_eq!(report.readers, 6);
        assert_eq!(calls, 6);
        assert_eq!(report.candidates + report.training, papers.len());
        assert_eq!(report.methods.len(), 6);
        for m in &report.methods {
            // 60 candidates, 30 on the reader's topic, 10 wanted: a method
            // that keeps to the topic finds most of them in its top 50.
            assert!(m.recall > 0.7, "{m:?}");
            assert!(m.ndcg > 0.0 && m.ndcg <= 1.0, "{m:?}");
        }
    }

    #[test]
    fn the_author_key_ignores_case_and_spacing() {
        assert_eq!(author_key("  Ada   LOVELACE "), "ada lovelace");
    }
}
