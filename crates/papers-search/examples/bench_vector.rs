//! Vector search: top-10 latency and recall@10 against the exact f32
//! ranking, for the int8 scan with its sign-bit prefilter (the default) and
//! without it.
//!
//! Random unit vectors at several sizes (latency; random vectors are the
//! hard case for recall, since no neighbour stands out):
//!
//!   cargo run --release -p papers-search --example bench_vector -- \
//!     [--sizes 10000,104000,1000000] [--queries 200] [--recall-queries 50]
//!
//! Real MiniLM vectors (recall at several candidate counts), from vector
//! sets written by the `eval` example, with real queries embedded by the
//! model, or every 25th document as the query when no texts are given:
//!
//!   cargo run --release -p papers-search --example bench_vector -- \
//!     --vectors /tmp/papers-eval/scifact-….vec,/tmp/papers-eval/cacm-….vec \
//!     [--model DIR --query-texts ../shared/data/ir_eval/scifact/queries.jsonl] \
//!     [--shares 0.01,0.02,0.05,0.1,0.2] [--widen 10] [--rescore 20]

mod common;

use std::path::Path;
use std::time::Instant;

use common::{AnyError, Rng, arg, print_machine, round3, summary};
use papers_search::{
    Embedder, Int8ScanIndex, MiniLmEmbedder, Prefilter, VectorIndex, VectorSet, vector_recall_at_k,
};

const DIM: usize = 384;

fn latency(index: &dyn VectorIndex, queries: &[Vec<f32>]) -> serde_json::Value {
    for q in queries.iter().take(10) {
        index.search(q, 10);
    }
    let mut ms = Vec::new();
    for q in queries {
        let t = Instant::now();
        let top = index.search(q, 10);
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(top.len(), 10.min(index.len()));
    }
    summary(ms)
}

fn random_sizes() -> Result<(), AnyError> {
    let sizes: Vec<usize> = arg("--sizes", "10000,104000,1000000")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let n_queries: usize = arg("--queries", "200").parse()?;
    let n_recall: usize = arg("--recall-queries", "50").parse()?;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for n in sizes {
        let mut set = VectorSet::new("random", DIM);
        for i in 0..n {
            set.push(format!("{i}"), &rng.unit(DIM))?;
        }
        let queries: Vec<Vec<f32>> = (0..n_queries).map(|_| rng.unit(DIM)).collect();
        let recall_q = &queries[..n_recall.min(queries.len())];
        let t = Instant::now();
        let bits = Int8ScanIndex::from_set(&set)?;
        let build_s = t.elapsed().as_secs_f64();
        let int8 = bits.clone().with_prefilter(Prefilter::Off);
        println!(
            "{}",
            serde_json::json!({
                "vectors": n,
                "dim": DIM,
                "build_s": round3(build_s),
                "prefiltered": {
                    "int8_scored": bits.prefilter_size(200),
                    "top10": latency(&bits, &queries),
                    "recall_at_10": vector_recall_at_k(&bits, &set, recall_q, 10),
                },
                "full_int8_scan": {
                    "top10": latency(&int8, &queries),
                    "recall_at_10": vector_recall_at_k(&int8, &set, recall_q, 10),
                },
            })
        );
    }
    Ok(())
}

fn query_texts(path: &Path) -> Result<Vec<String>, AnyError> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v["text"].as_str().map(String::from))
                .unwrap_or_else(|| l.trim().to_string())
        })
        .collect())
}

fn real_vectors(files: &str) -> Result<(), AnyError> {
    let mut set: Option<VectorSet> = None;
    for file in files.split(',') {
        let part = VectorSet::from_bytes(&std::fs::read(file)?)?;
        match &mut set {
            None => set = Some(part),
            Some(all) => {
                for i in 0..part.len() {
                    all.push(format!("{file}#{}", part.ids[i]), part.vector(i))?;
                }
            }
        }
    }
    let set = set.ok_or("no --vectors")?;
    let model = arg(
        "--model",
        &std::env::var("PAPERS_MODEL_DIR").unwrap_or_default(),
    );
    let texts = arg("--query-texts", "");
    let (queries, kind): (Vec<Vec<f32>>, &str) = if !texts.is_empty() && !model.is_empty() {
        let embedder = MiniLmEmbedder::load(Path::new(&model))?;
        let texts = query_texts(Path::new(&texts))?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        (embedder.embed(&refs)?, "embedded query texts")
    } else {
        (
            (0..set.len())
                .step_by(25)
                .map(|i| set.vector(i).to_vec())
                .collect(),
            "every 25th document",
        )
    };
    let shares: Vec<f64> = arg("--shares", "0.01,0.02,0.05,0.1,0.2")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    println!(
        "{}",
        serde_json::json!({"vectors": set.len(), "model": set.model_id(), "queries": queries.len(), "query_kind": kind})
    );
    // The corpus is small, so the prefilter is forced on at every share, and
    // `--rescore` (int8 candidates kept for f32) defaults low so that the
    // share, not the rescoring floor, decides what is found.
    let rescore: usize = arg("--rescore", "20").parse()?;
    let base = Int8ScanIndex::from_set(&set)?.with_rescore(rescore);
    let widens: Vec<usize> = arg("--widen", "10")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    for share in shares {
        for &widen in &widens {
            let index = base.clone().with_prefilter(Prefilter::Share {
                share,
                min: 0,
                widen,
            });
            let int8 = ((set.len() as f64 * share) as usize).max(rescore);
            println!(
                "{}",
                serde_json::json!({
                    "prefilter_share": share,
                    "int8_scored": int8,
                    "hamming_kept": int8 * widen,
                    "recall_at_10": round3(vector_recall_at_k(&index, &set, &queries, 10)),
                })
            );
        }
    }
    // The index as the server builds it: its rescoring and `Prefilter::Auto`.
    let shipped = Int8ScanIndex::from_set(&set)?;
    println!(
        "{}",
        serde_json::json!({"prefilter": "auto (the server's)", "recall_at_10": round3(vector_recall_at_k(&shipped, &set, &queries, 10))})
    );
    let int8 = base.with_prefilter(Prefilter::Off);
    println!(
        "{}",
        serde_json::json!({"prefilter": "off", "recall_at_10": round3(vector_recall_at_k(&int8, &set, &queries, 10))})
    );
    Ok(())
}

fn main() -> Result<(), AnyError> {
    print_machine();
    println!(
        "{}",
        serde_json::json!({"rayon_threads": rayon::current_num_threads()})
    );
    match arg("--vectors", "").as_str() {
        "" => random_sizes(),
        files => real_vectors(files),
    }
}
