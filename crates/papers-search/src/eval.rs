//! Relevance evaluation: loading judged collections (BEIR layout, CACM's
//! SMART files) and the standard metrics nDCG@k, recall@k and MRR@k.
//!
//! Definitions (as trec_eval/pytrec_eval, which BEIR reports):
//! - nDCG@k = DCG@k / IDCG@k with DCG@k = Σᵢ₌₁..ₖ relᵢ / log₂(i + 1), graded
//!   (linear) gains, IDCG from the judged relevances sorted descending;
//! - recall@k = |relevant ∩ top k| / |relevant| (relevant: grade > 0);
//! - MRR@k = 1 / rank of the first relevant result in the top k, else 0.
//!
//! Each is averaged over the queries that have at least one relevant document.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::SearchDoc;
use crate::error::SearchError;
use crate::vector::{VectorIndex, VectorSet, exact_top_k};

/// A judged collection: documents, queries, and relevance grades.
#[derive(Clone, Debug, Default)]
pub struct EvalSet {
    pub name: String,
    pub docs: Vec<EvalDoc>,
    /// `(query id, text)`, only queries with judgments, in file order.
    pub queries: Vec<(String, String)>,
    /// query id → document id → grade.
    pub qrels: HashMap<String, HashMap<String, u32>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalDoc {
    pub id: String,
    pub title: String,
    pub text: String,
    pub authors: Vec<String>,
}

impl From<&EvalDoc> for SearchDoc {
    fn from(doc: &EvalDoc) -> Self {
        SearchDoc {
            authors: doc.authors.clone(),
            ..SearchDoc::new(doc.id.clone(), doc.title.clone(), doc.text.clone())
        }
    }
}

/// Mean metrics over a query set.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub ndcg_at_10: f64,
    pub recall_at_100: f64,
    pub mrr_at_10: f64,
    pub queries: usize,
}

fn eval_error(path: &Path, message: impl Into<String>) -> SearchError {
    SearchError::EvalFormat {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn open_text(path: &Path) -> Result<String, SearchError> {
    let file = std::fs::File::open(path).map_err(|e| SearchError::io(path, e))?;
    let mut text = String::new();
    let mut reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    reader
        .read_to_string(&mut text)
        .map_err(|e| SearchError::io(path, e))?;
    Ok(text)
}

#[derive(Deserialize)]
struct BeirDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

/// Loads a BEIR-layout directory: `corpus.jsonl[.gz]`, `queries.jsonl`, and
/// the qrels TSV at `qrels` (relative to `dir`, e.g. `qrels/train.tsv`).
pub fn load_beir(dir: &Path, qrels: &str) -> Result<EvalSet, SearchError> {
    let corpus_path = ["corpus.jsonl", "corpus.jsonl.gz"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .ok_or_else(|| eval_error(dir, "no corpus.jsonl or corpus.jsonl.gz"))?;
    let parse_lines = |path: &PathBuf| -> Result<Vec<BeirDoc>, SearchError> {
        open_text(path)?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .map_err(|e| eval_error(path, format!("line {}: {e}", i + 1)))
            })
            .collect()
    };
    let docs = parse_lines(&corpus_path)?
        .into_iter()
        .map(|d| EvalDoc {
            id: d.id,
            title: d.title,
            text: d.text,
            authors: Vec::new(),
        })
        .collect();
    let queries_path = dir.join("queries.jsonl");
    let queries: Vec<(String, String)> = parse_lines(&queries_path)?
        .into_iter()
        .map(|q| (q.id, q.text))
        .collect();
    let qrels_path = dir.join(qrels);
    let mut judged: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for (i, line) in open_text(&qrels_path)?.lines().enumerate() {
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if line.trim().is_empty() || (i == 0 && cols.first() == Some(&"query-id")) {
            continue;
        }
        let [qid, did, grade] = cols[..] else {
            return Err(eval_error(
                &qrels_path,
                format!("line {}: expected 3 columns", i + 1),
            ));
        };
        let grade: u32 = grade
            .parse()
            .map_err(|_| eval_error(&qrels_path, format!("line {}: bad score", i + 1)))?;
        judged
            .entry(qid.to_string())
            .or_default()
            .insert(did.to_string(), grade);
    }
    Ok(EvalSet {
        name: dir
            .file_name()
            .map_or_else(|| "beir".into(), |n| n.to_string_lossy().into_owned()),
        docs,
        queries: queries
            .into_iter()
            .filter(|(id, _)| judged.contains_key(id))
            .collect(),
        qrels: judged,
    })
}

/// SMART records: `.I id` then fields (`.T`, `.W`, `.A`, …) of lines.
fn smart_records(text: &str) -> Vec<(String, HashMap<char, Vec<String>>)> {
    let mut records = Vec::new();
    let mut current: Option<(String, HashMap<char, Vec<String>>)> = None;
    let mut field = ' ';
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(id) = line.strip_prefix(".I ") {
            records.extend(current.take());
            current = Some((id.trim().to_string(), HashMap::new()));
            field = ' ';
            continue;
        }
        let tag = line.strip_prefix('.').and_then(|rest| {
            let mut chars = rest.chars();
            let tag = chars.next()?;
            (tag.is_ascii_uppercase() && chars.all(char::is_whitespace)).then_some(tag)
        });
        if let Some(tag) = tag {
            field = tag;
            continue;
        }
        if let Some((_, fields)) = current.as_mut() {
            fields
                .entry(field)
                .or_default()
                .push(line.trim().to_string());
        }
    }
    records.extend(current);
    records
}

fn joined(fields: &HashMap<char, Vec<String>>, tag: char) -> String {
    fields
        .get(&tag)
        .map(|lines| {
            lines
                .iter()
                .filter(|l| !l.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Loads CACM: `cacm.all`, `query.text` and `qrels.text` (`qid docid 0 0`).
pub fn load_cacm(dir: &Path) -> Result<EvalSet, SearchError> {
    let docs = smart_records(&open_text(&dir.join("cacm.all"))?)
        .into_iter()
        .map(|(id, fields)| EvalDoc {
            id,
            title: joined(&fields, 'T'),
            text: joined(&fields, 'W'),
            authors: fields
                .get(&'A')
                .map(|a| a.iter().filter(|l| !l.is_empty()).cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
    let qrels_path = dir.join("qrels.text");
    let mut judged: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for (i, line) in open_text(&qrels_path)?.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let (Some(qid), Some(did)) = (
            cols.first().and_then(|q| q.parse::<u32>().ok()),
            cols.get(1).and_then(|d| d.parse::<u32>().ok()),
        ) else {
            return Err(eval_error(
                &qrels_path,
                format!("line {}: expected `qid docid`", i + 1),
            ));
        };
        judged
            .entry(qid.to_string())
            .or_default()
            .insert(did.to_string(), 1);
    }
    let queries = smart_records(&open_text(&dir.join("query.text"))?)
        .into_iter()
        .filter_map(|(id, fields)| {
            let id = id.parse::<u32>().ok()?.to_string();
            judged.contains_key(&id).then(|| (id, joined(&fields, 'W')))
        })
        .collect();
    Ok(EvalSet {
        name: "cacm".into(),
        docs,
        queries,
        qrels: judged,
    })
}

/// nDCG@k with graded (linear) gains.
pub fn ndcg_at_k(ranked: &[String], rels: &HashMap<String, u32>, k: usize) -> f64 {
    let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| f64::from(rels.get(id).copied().unwrap_or(0)) * discount(i))
        .sum();
    let mut ideal: Vec<u32> = rels.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| f64::from(*g) * discount(i))
        .sum();
    if idcg > 0.0 { dcg / idcg } else { 0.0 }
}

/// Share of the relevant documents found in the top k.
pub fn recall_at_k(ranked: &[String], rels: &HashMap<String, u32>, k: usize) -> f64 {
    let relevant = rels.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|id| rels.get(*id).is_some_and(|&g| g > 0))
        .count();
    found as f64 / relevant as f64
}

/// Recall@k of a vector index against the exact f32 ranking of `set` (the
/// same vectors), averaged over `queries`: [`recall_at_k`] with the exact
/// top k ([`exact_top_k`]) as the relevant documents. 1.0 when there is
/// nothing to find.
pub fn vector_recall_at_k(
    index: &dyn VectorIndex,
    set: &VectorSet,
    queries: &[Vec<f32>],
    k: usize,
) -> f64 {
    if queries.is_empty() || k == 0 {
        return 1.0;
    }
    let total: f64 = queries
        .iter()
        .map(|q| {
            let truth: HashMap<String, u32> = exact_top_k(set, q, k)
                .into_iter()
                .map(|(id, _)| (id, 1))
                .collect();
            if truth.is_empty() {
                return 1.0;
            }
            let ranked: Vec<String> = index.search(q, k).into_iter().map(|(id, _)| id).collect();
            recall_at_k(&ranked, &truth, k)
        })
        .sum();
    total / queries.len() as f64
}

/// Reciprocal rank of the first relevant document in the top k.
pub fn mrr_at_k(ranked: &[String], rels: &HashMap<String, u32>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|id| rels.get(id).is_some_and(|&g| g > 0))
        .map_or(0.0, |p| 1.0 / (p + 1) as f64)
}

/// Runs `search` (query text → ranked ids, 100 or more) for every judged
/// query of `set` and averages the metrics.
pub fn evaluate(
    set: &EvalSet,
    mut search: impl FnMut(&str) -> Result<Vec<String>, SearchError>,
) -> Result<Metrics, SearchError> {
    let mut m = Metrics::default();
    for (qid, text) in &set.queries {
        let Some(rels) = set.qrels.get(qid) else {
            continue;
        };
        if !rels.values().any(|&g| g > 0) {
            continue;
        }
        let ranked = search(text)?;
        m.ndcg_at_10 += ndcg_at_k(&ranked, rels, 10);
        m.recall_at_100 += recall_at_k(&ranked, rels, 100);
        m.mrr_at_10 += mrr_at_k(&ranked, rels, 10);
        m.queries += 1;
    }
    if m.queries > 0 {
        let n = m.queries as f64;
        m.ndcg_at_10 /= n;
        m.recall_at_100 /= n;
        m.mrr_at_10 /= n;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn rels(list: &[(&str, u32)]) -> HashMap<String, u32> {
        list.iter().map(|(id, g)| (id.to_string(), *g)).collect()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn ndcg_by_hand() {
        // Ranked: a(2) x(0) b(1). DCG = 2/log2(2) + 0 + 1/log2(4) = 2.5.
        // Ideal: 2, 1 → 2 + 1/log2(3) = 2.6309297535714573.
        let r = rels(&[("a", 2), ("b", 1)]);
        close(
            ndcg_at_k(&ids(&["a", "x", "b"]), &r, 10),
            2.5 / 2.630_929_753_571_457_3,
        );
        close(ndcg_at_k(&ids(&["a", "b"]), &r, 10), 1.0);
        close(ndcg_at_k(&ids(&["x", "y"]), &r, 10), 0.0);
        // The cut at k: b at rank 3 falls outside k = 2.
        close(
            ndcg_at_k(&ids(&["a", "x", "b"]), &r, 2),
            2.0 / 2.630_929_753_571_457_3,
        );
        close(ndcg_at_k(&ids(&["a"]), &rels(&[]), 10), 0.0);
    }

    #[test]
    fn recall_and_mrr_by_hand() {
        let r = rels(&[("a", 1), ("b", 1), ("c", 0)]);
        let ranked = ids(&["x", "c", "b", "y"]);
        close(recall_at_k(&ranked, &r, 100), 0.5);
        close(recall_at_k(&ranked, &r, 2), 0.0);
        close(mrr_at_k(&ranked, &r, 10), 1.0 / 3.0);
        close(mrr_at_k(&ranked, &r, 2), 0.0);
    }

    #[test]
    fn evaluate_averages_over_judged_queries() {
        let set = EvalSet {
            name: "tiny".into(),
            docs: Vec::new(),
            queries: vec![("1".into(), "one".into()), ("2".into(), "two".into())],
            qrels: [
                ("1".to_string(), rels(&[("a", 1)])),
                ("2".to_string(), rels(&[("b", 1)])),
            ]
            .into_iter()
            .collect(),
        };
        let m = evaluate(&set, |q| {
            Ok(if q == "one" {
                ids(&["a"])
            } else {
                ids(&["x", "b"])
            })
        })
        .unwrap();
        assert_eq!(m.queries, 2);
        close(m.mrr_at_10, 0.75);
        close(m.recall_at_100, 1.0);
        close(m.ndcg_at_10, (1.0 + 1.0 / 3f64.log2()) / 2.0);
    }

    #[test]
    fn smart_format_with_crlf() {
        let text = ".I 1\r\n.T\r\nA Title\r\n.W\r\nSome words\r\nmore words\r\n.A\r\nPerlis, A. J.\r\n.N\r\nx\r\n.I 2\r\n.T\r\nSecond\r\n";
        let records = smart_records(text);
        assert_eq!(records.len(), 2);
        assert_eq!(joined(&records[0].1, 'W'), "Some words more words");
        assert_eq!(joined(&records[0].1, 'A'), "Perlis, A. J.");
        assert_eq!(joined(&records[1].1, 'T'), "Second");
    }
}
